"""The established methods side by side on the same data: METI six, EU CRM SR, GeoPolRisk.

Per mineral each method's score and rank (1 = highest risk among the minerals that method
scores), and where the ranks disagree, the input that drives the difference: for the method
that ranks the mineral highest, its component that sits highest among the minerals
(percentile), and for the one that ranks it lowest, its component that sits lowest.

The three methods read ONE :class:`critmin.supply.SupplyData` (built here once, or passed as
``supply=``): the same picked production, trade flows (value-only flows kept), domestic
production, governance and recycling tables.

Method profiles (one importer — or the EU-27 aggregate ``"EU27"`` — and year):

``meti``        mean of the six indicator scores (0–1) from :func:`critmin.assess`; not computed
                for the EU-27 aggregate (the six are assessed per importing country; each such
                record says so in ``note``);
``eu_crm``      EU CRM supply risk, bottleneck stage (:mod:`critmin.methods.eu_crm`); for the
                EU-27 the extra-EU imports pooled, intra-EU trade excluded, ``t_eu`` parameters;
``geopolrisk``  GeoPolRisk score, default (fixed) mode, the riskier stage
                (:func:`critmin.methods.geopolrisk.default`); for the EU-27 the members' imports
                pooled with trade between members at g = 0 (geopolrisk-py's region convention).
"""
from __future__ import annotations

import pandas as pd

from ..i18n import N_, translator

METHODS = ("meti", "eu_crm", "geopolrisk")
#: the methods' names in sentences (proper names: the same in every language)
METHOD_NAMES = {"meti": "METI", "eu_crm": "EU CRM", "geopolrisk": "GeoPolRisk"}
RECORD_COLUMNS = ["mineral", "method", "score", "rank", "note"]
#: the note of a METI record for an aggregate importer
NOT_FOR_AGGREGATES = N_("not computed for aggregates: the METI six are assessed per importing country "
                         "(ISO3); see eu_crm and geopolrisk for the pooled EU-27")

#: component → words (translated where shown)
LABELS = {
    "reserve_concentration": N_("reserve concentration"), "production_concentration": N_("production concentration"),
    "import_concentrate": N_("import stability (concentrate)"), "import_refined": N_("import stability (refined)"),
    "price_volatility": N_("price volatility"), "secondary_supply": N_("low secondary supply"),
    "hhi_gs": N_("governance-weighted world supply concentration"), "hhi_sourcing": N_("governance-weighted sourcing"),
    "ir": N_("import reliance"), "eol_rir": N_("low end-of-life recycling input (1 − EoL-RIR)"),
    "hhi": N_("world production concentration (HHI)"), "import_risk": N_("import risk (g-weighted import share)"),
}
ONE_METHOD = N_("scored by one method only")
AGREE = N_("methods agree")
RANKS_HIGH = N_("{method} ranks it high (#{rank}) on {component} = {value}")
RANKS_LOW = N_("{method} ranks it low (#{rank}) on {component} = {value}")


def importer(country: str) -> tuple[str, list[str]]:
    """``(name, members)`` of ``country``: ``"EU27"`` and the 27 Member States, or one ISO3."""
    from .eu_crm import members_of

    return members_of(country)


def latest_year(country: str, *, store=None) -> int:
    """The latest year with trade data for ``country`` (for ``EU27``: for any Member State)."""
    from ..store import default_store
    from ..supply import latest_year as latest

    name, members = importer(country)
    store = store or default_store()
    if len(members) == 1:
        return latest(store, members[0])
    return max(latest(store, m) for m in members)


def check_years(country: str, years, *, store=None) -> list[int]:
    """``years`` within the span of ``country``'s trade data (for ``EU27``: of the Member States')."""
    from ..errors import DataValidationError
    from ..store import default_store
    from ..supply import check_years as check

    name, members = importer(country)
    store = store or default_store()
    if len(members) == 1:
        return check(store, members[0], years)
    ph = ", ".join("?" * len(members))
    r = store.sql(f"SELECT min(year) AS lo, max(year) AS hi FROM obs WHERE dataset='trade' AND country IN ({ph})",
                  list(members))
    lo, hi = int(r["lo"].iloc[0]), int(r["hi"].iloc[0])
    ys = [int(y) for y in ([years] if isinstance(years, int) else years)]
    bad = [y for y in ys if not lo <= y <= hi]
    if not ys or bad:
        raise DataValidationError(f"no trade data for {name} in {bad or 'the years given'}", field="year",
                                  found=bad or ys, expected=f"years {lo}–{hi}",
                                  fix=f"choose years between {lo} and {hi}")
    return ys


def components(country: str = "JPN", year: int = 2022, *, store=None, supply=None) -> dict[str, pd.DataFrame]:
    """Per method a table ``mineral, score, <components…>`` (wide), all three read from one
    :class:`~critmin.supply.SupplyData` (``supply``, else built once from ``store``). For an
    aggregate (``EU27``) the ``meti`` table lists the minerals with no score."""
    from ..assessment import assess
    from ..diagnosis import INDICATORS
    from ..supply import SupplyData
    from . import eu_crm, geopolrisk

    name, members = importer(country)
    sd = supply if supply is not None else SupplyData(store)
    eu = eu_crm.scores(name, [year], supply=sd).set_index("mineral")
    eu = eu.assign(eol_rir=1 - eu["eol_rir"], score=eu["sr"])[["score", "hhi_gs", "hhi_sourcing", "ir", "eol_rir"]]
    gp = geopolrisk.default([name], [year], supply=sd)
    gp = gp[gp["score"].notna()].sort_values("score", ascending=False).drop_duplicates("mineral")
    gp = gp.set_index("mineral")[["score", "hhi", "import_risk", "stage"]]
    if len(members) == 1:
        recs = assess(name, year, detail=False, supply=sd).records
        meti = recs.pivot_table(index="mineral", columns="indicator", values="score", aggfunc="first")
        meti = meti.reindex(columns=list(INDICATORS))
        n = meti.notna().sum(axis=1)
        meti["score"] = meti.mean(axis=1).where(n >= 4)     # as the assessment ranks: ≥ 4 of 6 scored
    else:
        idx = sorted(set(eu.index) | set(gp.index))
        meti = pd.DataFrame({"score": float("nan")}, index=pd.Index(idx, name="mineral"))
    return {"meti": meti.reset_index(), "eu_crm": eu.reset_index(), "geopolrisk": gp.reset_index()}


def compare(country: str = "JPN", year: int = 2022, *, store=None, supply=None, gap: int = 10,
            lang: str = "en") -> pd.DataFrame:
    """Long table ``mineral, method, score, rank, note`` plus per mineral ``spread`` and ``why``.

    ``gap``: a rank spread at least this large is explained (``why``); smaller spreads say
    the methods agree. ``supply``: the :class:`~critmin.supply.SupplyData` all three methods
    read (default: one built here). ``why`` and ``note`` are written in ``lang``.
    """
    from ..supply import SupplyData

    _ = translator(lang)
    name, members = importer(country)
    sd = supply if supply is not None else SupplyData(store)
    check_years(name, [year], store=sd.source)
    comp = components(name, year, supply=sd)
    rows = []
    for m, t in comp.items():
        t = t[t["score"].notna()].copy()
        t["rank"] = t["score"].rank(ascending=False, method="min").astype(int)
        rows.append(t[["mineral", "score", "rank"]].assign(method=m, note=""))
    long = pd.concat(rows, ignore_index=True)[RECORD_COLUMNS]
    # percentile rank (0–1, 1 = highest risk) for fair comparison across methods of different length
    long["pct"] = long.groupby("method")["rank"].transform(lambda r: 1 - (r - 1) / max(len(r) - 1, 1))
    why = {}
    pct_tables = {m: t.set_index("mineral").drop(columns=["score", "stage"], errors="ignore")
                  .select_dtypes("number").rank(pct=True) for m, t in comp.items()}
    for mineral, g in long.groupby("mineral"):
        if len(g) < 2:
            why[mineral] = (0, _(ONE_METHOD))
            continue
        hi, lo = g.loc[g["pct"].idxmax()], g.loc[g["pct"].idxmin()]
        spread = int(round((hi["pct"] - lo["pct"]) * 100))
        if spread < gap:
            why[mineral] = (spread, _(AGREE))
            continue
        parts = []
        for row, top in ((hi, True), (lo, False)):
            p = pct_tables[row["method"]].loc[mineral].dropna()
            raw = comp[row["method"]].set_index("mineral").loc[mineral]
            if p.empty:
                continue
            c = p.idxmax() if top else p.idxmin()
            parts.append(_(RANKS_HIGH if top else RANKS_LOW).format(
                method=METHOD_NAMES.get(row["method"], row["method"]), rank=row["rank"],
                component=_(LABELS[c]) if c in LABELS else c, value=f"{float(raw[c]):.3g}"))
        why[mineral] = (spread, ("；" if lang == "ja" else "; ").join(parts))
    long["spread"] = long["mineral"].map(lambda m: why[m][0])
    long["why"] = long["mineral"].map(lambda m: why[m][1])
    long = long.drop(columns="pct")
    if len(members) > 1:     # the METI six: one record per mineral saying why there is no score
        na = comp["meti"][["mineral"]].assign(method="meti", score=float("nan"), rank=None,
                                              note=_(NOT_FOR_AGGREGATES))
        na = na.merge(long.drop_duplicates("mineral")[["mineral", "spread", "why"]], on="mineral", how="left")
        long = pd.concat([long.astype({"rank": object}), na[long.columns]], ignore_index=True)
        long["rank"] = pd.Series([None if pd.isna(v) else int(v) for v in long["rank"]], dtype=object)
    order = {m: i for i, m in enumerate(METHODS)}
    return long.sort_values(["mineral", "method"], key=lambda s: s.map(order) if s.name == "method" else s
                            ).reset_index(drop=True)


def series(country: str = "JPN", years=(2022,), minerals=None, *, store=None, supply=None) -> pd.DataFrame:
    """Each method's score per (mineral, year) over many years: long ``mineral, year, method, score``.

    One vectorised pass per method over one :class:`~critmin.supply.SupplyData`:
    :func:`critmin.assessment.compute` for the METI six over all ``years`` at once (the mean of
    the six scores where ≥ 4 are scored, as the assessment ranks; not for ``EU27``),
    :func:`critmin.methods.eu_crm.scores` (SR, bottleneck stage) and
    :func:`critmin.methods.geopolrisk.default` (the riskier stage). Scores are each method's own
    (not ranks), so they are comparable over time within a method, not across methods.
    """
    from ..assessment import compute
    from ..catalogue import check_mineral
    from ..diagnosis import INDICATORS
    from ..supply import SupplyData
    from . import eu_crm, geopolrisk

    name, members = importer(country)
    years = [int(y) for y in years]
    mins = [check_mineral(m) for m in minerals] if minerals else None
    sd = supply if supply is not None else SupplyData(store)
    parts = []
    if len(members) == 1:
        recs, _ = compute(countries=[name], years=years, minerals=mins, supply=sd)
        w = recs.pivot_table(index=["mineral", "year"], columns="indicator", values="score", aggfunc="first")
        w = w.reindex(columns=list(INDICATORS))
        meti = w.mean(axis=1).where(w.notna().sum(axis=1) >= 4).rename("score").reset_index()
        parts.append(meti.assign(method="meti"))
    eu = eu_crm.scores(name, years, mins, supply=sd)[["mineral", "year", "sr"]].rename(columns={"sr": "score"})
    gp = geopolrisk.default([name], years, mins, supply=sd)
    gp = gp[gp["score"].notna()].groupby(["mineral", "year"], as_index=False)["score"].max()
    out = pd.concat(parts + [eu.assign(method="eu_crm"), gp.assign(method="geopolrisk")], ignore_index=True)
    out = out[out["score"].notna()].assign(year=lambda d: d["year"].astype(int))
    order = {m: i for i, m in enumerate(METHODS)}
    return out[["mineral", "year", "method", "score"]].sort_values(
        ["mineral", "method", "year"], key=lambda s: s.map(order) if s.name == "method" else s).reset_index(drop=True)
