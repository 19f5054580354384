"""The established methods side by side on the same data: METI six, EU CRM SR, GeoPolRisk.

Per mineral each method's score and rank (1 = highest risk among the minerals that method
scores), and where the ranks disagree, the input that drives the difference: for the method
that ranks the mineral highest, its component that sits highest among the minerals
(percentile), and for the one that ranks it lowest, its component that sits lowest.

Method profiles (all on the shipped dataset, one importer and year):

``meti``        mean of the six indicator scores (0–1) from :func:`critmin.assess`;
``eu_crm``      EU CRM supply risk, bottleneck stage (:mod:`critmin.methods.eu_crm`);
``geopolrisk``  GeoPolRisk score, default (fixed) mode, the riskier stage
                (:func:`critmin.methods.geopolrisk.default`).
"""
from __future__ import annotations

import pandas as pd

METHODS = ("meti", "eu_crm", "geopolrisk")
RECORD_COLUMNS = ["mineral", "method", "score", "rank"]

#: component → words
LABELS = {
    "reserve_concentration": "reserve concentration", "production_concentration": "production concentration",
    "import_concentrate": "import stability (concentrate)", "import_refined": "import stability (refined)",
    "price_volatility": "price volatility", "secondary_supply": "low secondary supply",
    "hhi_gs": "governance-weighted world supply concentration", "hhi_sourcing": "governance-weighted sourcing",
    "ir": "import reliance", "eol_rir": "low end-of-life recycling input (1 − EoL-RIR)",
    "hhi": "world production concentration (HHI)", "import_risk": "import risk (g-weighted import share)",
}


def components(country: str = "JPN", year: int = 2022, *, store=None) -> dict[str, pd.DataFrame]:
    """Per method a table ``mineral, score, <components…>`` (wide)."""
    from ..assessment import assess
    from ..diagnosis import INDICATORS
    from . import eu_crm, geopolrisk

    recs = assess(country, year, detail=False, store=store).records
    meti = recs.pivot_table(index="mineral", columns="indicator", values="score", aggfunc="first")
    meti = meti.reindex(columns=list(INDICATORS))
    n = meti.notna().sum(axis=1)
    meti["score"] = meti.mean(axis=1).where(n >= 4)     # as the assessment ranks: ≥ 4 of 6 scored
    eu = eu_crm.scores(country, [year], store=store).set_index("mineral")
    eu = eu.assign(eol_rir=1 - eu["eol_rir"], score=eu["sr"])[["score", "hhi_gs", "hhi_sourcing", "ir", "eol_rir"]]
    gp = geopolrisk.default([country], [year], store=store)
    gp = gp[gp["score"].notna()].sort_values("score", ascending=False).drop_duplicates("mineral")
    gp = gp.set_index("mineral")[["score", "hhi", "import_risk", "stage"]]
    return {"meti": meti.reset_index(), "eu_crm": eu.reset_index(), "geopolrisk": gp.reset_index()}


def compare(country: str = "JPN", year: int = 2022, *, store=None, gap: int = 10) -> pd.DataFrame:
    """Long table ``mineral, method, score, rank`` plus per mineral ``spread`` and ``why``.

    ``gap``: a rank spread at least this large is explained (``why``); smaller spreads say
    the methods agree.
    """
    from ..assessment import check_years
    from ..store import default_store

    check_years(store or default_store(), country, [year])
    comp = components(country, year, store=store)
    rows = []
    for m, t in comp.items():
        t = t[t["score"].notna()].copy()
        t["rank"] = t["score"].rank(ascending=False, method="min").astype(int)
        rows.append(t[["mineral", "score", "rank"]].assign(method=m))
    long = pd.concat(rows, ignore_index=True)[RECORD_COLUMNS]
    # percentile rank (0–1, 1 = highest risk) for fair comparison across methods of different length
    long["pct"] = long.groupby("method")["rank"].transform(lambda r: 1 - (r - 1) / max(len(r) - 1, 1))
    why = {}
    pct_tables = {m: t.set_index("mineral").drop(columns=["score", "stage"], errors="ignore")
                  .select_dtypes("number").rank(pct=True) for m, t in comp.items()}
    for mineral, g in long.groupby("mineral"):
        if len(g) < 2:
            why[mineral] = (0, "scored by one method only")
            continue
        hi, lo = g.loc[g["pct"].idxmax()], g.loc[g["pct"].idxmin()]
        spread = int(round((hi["pct"] - lo["pct"]) * 100))
        if spread < gap:
            why[mineral] = (spread, "methods agree")
            continue
        parts = []
        for row, top in ((hi, True), (lo, False)):
            p = pct_tables[row["method"]].loc[mineral].dropna()
            raw = comp[row["method"]].set_index("mineral").loc[mineral]
            if p.empty:
                continue
            c = p.idxmax() if top else p.idxmin()
            parts.append(f"{row['method']} ranks it {'high' if top else 'low'} (#{row['rank']}) on "
                         f"{LABELS.get(c, c)} = {float(raw[c]):.3g}")
        why[mineral] = (spread, "; ".join(parts))
    long["spread"] = long["mineral"].map(lambda m: why[m][0])
    long["why"] = long["mineral"].map(lambda m: why[m][1])
    long = long.drop(columns="pct")
    order = {m: i for i, m in enumerate(METHODS)}
    return long.sort_values(["mineral", "method"], key=lambda s: s.map(order) if s.name == "method" else s
                            ).reset_index(drop=True)


def series(country: str = "JPN", years=(2022,), minerals=None, *, store=None) -> pd.DataFrame:
    """Each method's score per (mineral, year) over many years: long ``mineral, year, method, score``.

    One vectorised pass per method: :func:`critmin.assessment.compute` for the METI six over all
    ``years`` at once (the mean of the six scores where ≥ 4 are scored, as the assessment ranks),
    :func:`critmin.methods.eu_crm.scores` (SR, bottleneck stage) and
    :func:`critmin.methods.geopolrisk.default` (the riskier stage). Scores are each method's own
    (not ranks), so they are comparable over time within a method, not across methods.
    """
    from ..assessment import compute
    from ..catalogue import check_mineral
    from ..diagnosis import INDICATORS
    from ..store import default_store
    from . import eu_crm, geopolrisk

    store = store or default_store()
    years = [int(y) for y in years]
    mins = [check_mineral(m) for m in minerals] if minerals else None
    recs, _ = compute(store, countries=[country], years=years, minerals=mins)
    w = recs.pivot_table(index=["mineral", "year"], columns="indicator", values="score", aggfunc="first")
    w = w.reindex(columns=list(INDICATORS))
    meti = w.mean(axis=1).where(w.notna().sum(axis=1) >= 4).rename("score").reset_index()
    eu = eu_crm.scores(country, years, mins, store=store)[["mineral", "year", "sr"]].rename(columns={"sr": "score"})
    gp = geopolrisk.default([country], years, mins, store=store)
    gp = gp[gp["score"].notna()].groupby(["mineral", "year"], as_index=False)["score"].max()
    out = pd.concat([meti.assign(method="meti"), eu.assign(method="eu_crm"), gp.assign(method="geopolrisk")],
                    ignore_index=True)
    out = out[out["score"].notna()].assign(year=lambda d: d["year"].astype(int))
    order = {m: i for i, m in enumerate(METHODS)}
    return out[["mineral", "year", "method", "score"]].sort_values(
        ["mineral", "method", "year"], key=lambda s: s.map(order) if s.name == "method" else s).reset_index(drop=True)
