"""Python API over the data the tool holds: tidy long tables in the canonical schema.

>>> import critmin.data as cd                       # doctest: +SKIP
>>> cd.reserves(minerals=["copper"]).head()         # doctest: +SKIP

The Parquet files and ``manifest.json`` of the shipped dataset live beside this
module. Nothing is read until a function is called.
"""
from __future__ import annotations

from typing import Iterable

import pandas as pd

from ..i18n import N_
from ..reasons import template
from ..store import default_store, read_imports_index, read_manifest

#: the datasets of ``critmin data info`` as people read them (translated where shown)
DATASET_LABELS = {"reserves": N_("reserves"), "mine_production": N_("mine production"),
                  "refined_production": N_("refined production"), "price": N_("prices"),
                  "recycling": N_("recycling"), "trade_concentrate": N_("imports, concentrate"),
                  "trade_refined": N_("imports, refined")}
#: the reason of a gap the catalogue does not explain (translated where shown: critmin.reasons)
NO_IMPORTS = template(N_("no recorded {stage} imports by {country}"))


def _load(dataset: str, **kw) -> pd.DataFrame:
    return default_store().load(dataset, **kw)


def reserves(**kw) -> pd.DataFrame:
    """Reserves by country (rows for 'Other countries' = ``OTH`` and world = ``WLD`` kept)."""
    return _load("reserves", **kw)


def mine_production(**kw) -> pd.DataFrame:
    """Mine production by country."""
    return _load("mine_production", **kw)


def refined_production(**kw) -> pd.DataFrame:
    """Refinery / smelter production by country."""
    return _load("refined_production", **kw)


def governance(**kw) -> pd.DataFrame:
    """WGI estimates, standard errors, ranks by country and year."""
    return _load("governance", **kw)


def prices(**kw) -> pd.DataFrame:
    """Annual prices and unit values."""
    return _load("price", **kw)


def recycling(**kw) -> pd.DataFrame:
    """Recycling rates (fractions)."""
    return _load("recycling", **kw)


def intensities(**kw) -> pd.DataFrame:
    """Material intensities of technologies."""
    return _load("intensity", **kw)


def trade(stage: str | None = None, *, minerals: Iterable[str] | None = None,
          importers: Iterable[str] | None = None, variable: str = "quantity") -> pd.DataFrame:
    """Bilateral trade joined to minerals and stages through the catalogue's HS map."""
    return default_store().trade(stage=stage, minerals=minerals, importers=importers, variable=variable)


def info(country: str = "JPN") -> dict:
    """What the tool holds: sources with editions and checksums, and coverage per mineral.

    Returns ``{"sources": [...], "coverage": [...]}`` (the ``critmin data info --format json``
    contract). For the trade datasets, ``countries`` counts the partners of ``country``.
    """
    st = default_store()
    man = read_manifest(st.shipped)
    sources = []
    for s in man["sources"]:
        files = s.get("files", {})
        if len(files) == 1:
            sha = next(iter(files.values()))
        else:  # several raw files: the digest of their sorted "path:sha256" lines; each file listed too
            import hashlib

            sha = hashlib.sha256("\n".join(f"{k}:{v}" for k, v in sorted(files.items())).encode()).hexdigest()
        sources.append({"name": s["id"], "title": s.get("name", ""), "edition": ", ".join(s["editions"]),
                        "licence": s.get("licence", ""), "attribution": s.get("attribution", ""),
                        "sha256": sha, "files": files})
    for e in read_imports_index(st.home):
        sources.append({"name": e["source"], "title": "user import", "edition": e["edition"],
                        "licence": "", "attribution": e["origin"], "sha256": e["sha256"]})
    supply = st.sql("""
        SELECT mineral, CASE dataset WHEN 'price' THEN 'price' ELSE dataset END AS dataset,
               list(DISTINCT year ORDER BY year) AS years,
               count(DISTINCT CASE WHEN country NOT IN ('', 'OTH', 'WLD') THEN country END) AS countries,
               string_agg(DISTINCT source || ':' || edition, '; ' ORDER BY source || ':' || edition) AS source
        FROM obs
        WHERE dataset IN ('reserves', 'mine_production', 'refined_production', 'price', 'recycling')
          AND mineral <> '' AND (value IS NOT NULL AND NOT isnan(value))
        GROUP BY ALL""")
    price_hs = st.sql("""
        SELECT m.mineral, 'price' AS dataset, list(DISTINCT o.year ORDER BY o.year) AS years,
               0 AS countries,
               string_agg(DISTINCT o.source || ':' || o.edition || ' (unit value)', '; ') AS source
        FROM obs o JOIN hs_map m ON o.hs = m.hs
        WHERE o.dataset = 'price' AND o.mineral = '' GROUP BY ALL""")
    trade = st.sql("""
        SELECT m.mineral, 'trade_' || m.stage AS dataset, list(DISTINCT o.year ORDER BY o.year) AS years,
               count(DISTINCT o.partner) AS countries,
               string_agg(DISTINCT o.source || ':' || o.edition, '; ') AS source
        FROM obs o JOIN hs_map m ON o.hs = m.hs
        WHERE o.dataset = 'trade' AND o.country = ? AND o.variable = 'value'
          AND m.stage IN ('concentrate', 'refined') AND o.value > 0
        GROUP BY ALL""", [country])
    cov = pd.concat([supply, price_hs, trade], ignore_index=True)
    # merge price rows from several origins per mineral
    cov = (cov.groupby(["mineral", "dataset"], as_index=False)
              .agg(years=("years", lambda s: sorted({int(y) for ys in s for y in ys})),
                   countries=("countries", "max"),
                   source=("source", lambda s: "; ".join(sorted(set("; ".join(s).split("; ")))))))
    cov = cov.sort_values(["mineral", "dataset"])
    coverage = [{"mineral": r.mineral, "dataset": r.dataset, "years": [int(y) for y in r.years],
                 "countries": int(r.countries), "source": r.source} for r in cov.itertuples()]
    return {"sources": sources, "coverage": coverage, "country": country, "built": man.get("built"),
            "revisions": revisions(st, man)}


#: relative change above which a production figure counts as revised between USGS MCS editions
REVISION_THRESHOLD = 0.05


def revisions(st=None, man: dict | None = None, threshold: float = REVISION_THRESHOLD) -> dict:
    """USGS MCS production figures revised between editions by more than ``threshold``.

    Where editions (MCS2022 … MCS2026 and any imported) overlap on a (mineral, stage, country,
    year) production figure, the later edition's figure is the one the store keeps; this lists
    each change between consecutive editions (:func:`critmin.sources.usgs_mcs_world.revisions`).
    Returns ``{"threshold", "count", "superseded_rows", "rows": [{mineral, dataset, stage,
    country, year, unit, old_edition, old_value, new_edition, new_value, change}]}``;
    ``superseded_rows`` counts older-edition rows the build removed because the newer table
    omits their country (:func:`~critmin.sources.usgs_mcs_world.supersede`).
    """
    from ..sources.usgs_mcs_world import revisions as _revisions

    st = st or default_store()
    man = man if man is not None else read_manifest(st.shipped)
    obs = st.sql("""SELECT dataset, mineral, stage, country, year, unit, basis, edition, value
                    FROM obs_all WHERE source = 'usgs_mcs'
                      AND dataset IN ('mine_production', 'refined_production')""")
    rev = _revisions(obs, threshold)
    rows = [{k: (None if isinstance(v, float) and v != v else v) for k, v in r.items()}
            for r in rev.assign(year=rev["year"].astype(int)).to_dict("records")]
    sup = next((s.get("superseded_rows", 0) for s in man.get("sources", []) if s["id"] == "usgs_mcs"), 0)
    return {"threshold": threshold, "count": len(rows), "superseded_rows": int(sup), "rows": rows}


def gaps(country: str = "JPN", stages: Iterable[str] = ("concentrate", "refined")) -> pd.DataFrame:
    """Where the trade data cannot support an import-stability indicator for ``country``, and why.

    One row per (mineral, stage) without flows into ``country``: ``codes`` (the catalogue's HS codes
    of the stage), ``held`` (those with any trade data in the store), ``reason`` (the assessment's
    reason) and ``fix``: ``import`` where a BACI file with the listed codes would fill it,
    ``none`` where no code can (by-products, ores without a code, stages that do not exist);
    ``status``: ``not_applicable`` where the catalogue has no HS code for the stage (structural),
    else ``missing`` (the data are not held).

    >>> g = gaps("JPN")
    >>> g.set_index(["mineral", "stage"]).loc[("zinc", "refined"), "fix"]
    'import'
    """
    from .. import catalogue
    from ..countries import check_iso3

    country = check_iso3(country)
    st = default_store()
    held = frozenset(st.sql("SELECT DISTINCT hs FROM obs WHERE dataset = 'trade'")["hs"])
    have = st.sql(f"""SELECT DISTINCT m.mineral, m.stage FROM obs o JOIN hs_map m ON o.hs = m.hs
                      WHERE o.dataset = 'trade' AND o.country = '{country}'""")
    have = set(zip(have["mineral"], have["stage"]))
    rows = []
    for m in catalogue.mineral_ids():
        for s in stages:
            if (m, s) in have:
                continue
            codes = catalogue.codes(m, s)
            reason = catalogue.stage_reason(m, s, held) or NO_IMPORTS.format(stage=s, country=country)
            fix = "import" if codes and not set(codes) & held else "none"
            status = "not_applicable" if not codes else "missing"
            rows.append({"mineral": m, "stage": s, "status": status, "codes": codes,
                         "held": sorted(set(codes) & held), "reason": reason, "fix": fix})
    return pd.DataFrame(rows, columns=["mineral", "stage", "status", "codes", "held", "reason", "fix"])
