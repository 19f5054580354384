"""EU CRM supply risk (JRC 2017 Guidelines, doi:10.2873/769526; 2023 study doi:10.2873/725585).

::

    SR        = [HHI_WGI,t(GS) · IR/2 + HHI_WGI,t(S_J) · (1 − IR/2)] · (1 − EoL_RIR) · SI_SR
    HHI_WGI,t = Σ_c s_c² · WGI_c · t_c          WGI_c on 0–10: 5 − 2·WGI estimate (0 best, 10 worst)
    IR        = (Import − Export) / (Domestic production + Import − Export), clipped to [0, 1]

* GS: world production shares of the stage (mine production for ``mine``, refined production for
  ``refined``); S_J: the importer's actual sourcing at that stage, domestic production plus imports
  by origin (the importer's own WGI for the domestic share). Where no sourcing data exist (no
  imports and no domestic production) the global-supply term alone is used, SR = HHI(GS)·(1−RIR)·SI.
* t_c: the 2023 trade parameters (dataset ``trade_parameter``, ``t_world``; 0.8 EU agreement,
  1.0 none, 1.1–1.5 export restrictions); a country not listed has t = 1 (never NaN). For a non-EU
  importer the EU-agreement factor does not apply: ``t_world`` is used in both terms (``t_eu`` for
  the importer ``EU``).
* EoL-RIR: dataset ``recycling``, variable ``eol_rir`` (EU 2023); 0 where not held (said in ``note``).
* SI_SR: 1 (no substitution index held; the EU values range down to ~0.7) — an upper bound.
* Governance: the mean of the WGI dimensions held (the shipped dataset holds PV only, so it is PV).
* Stages: computed at ``mine`` and ``refined``; the higher (bottleneck) is the mineral's SR.
"""
from __future__ import annotations

from typing import Iterable

import numpy as np
import pandas as pd

STAGES = {"mine": ("mine_production", "concentrate"), "refined": ("refined_production", "refined")}
COLUMNS = ["country", "mineral", "year", "stage", "sr", "hhi_gs", "hhi_sourcing", "ir", "eol_rir", "si",
           "bottleneck", "note"]


def wgi_scaled(estimate):
    """WGI estimate → EU 0–10 scale (``5 − 2·WGI``, clipped); 0 = best governed.

    >>> float(wgi_scaled(2.5)), float(wgi_scaled(-2.5)), float(wgi_scaled(0.0))
    (0.0, 10.0, 5.0)
    """
    return np.clip(5.0 - 2.0 * np.asarray(estimate, dtype=float), 0.0, 10.0)


def weighted_hhi(shares: pd.DataFrame, by: list[str]) -> pd.Series:
    """Σ s² · WGI · t per group (``share``, ``wgi``, ``t`` columns)."""
    return (shares["share"] ** 2 * shares["wgi"] * shares["t"]).groupby([shares[b] for b in by]).sum()


def supply_risk(country: str = "JPN", years: Iterable[int] = (2022,), minerals: Iterable[str] | None = None,
                *, store=None, missing_wgi: float = 10.0, max_lag: int = 3) -> pd.DataFrame:
    """EU CRM SR per (mineral, year, stage) for one importer; ``bottleneck`` marks the reported stage.

    ``missing_wgi``: the 0–10 score of a country without a WGI estimate (default 10, worst;
    never 0).
    """
    from ..assessment import PRODUCTION_PRIORITY, REFINED_PRIORITY, _pick_source
    from ..catalogue import check_mineral, mineral_ids
    from ..indicators import governance
    from ..store import default_store
    from ..units import MASS_TO_T

    store = store or default_store()
    years = [int(y) for y in years]
    mins = [check_mineral(m) for m in minerals] if minerals else mineral_ids()
    gy = sorted(set(range(min(years) - max_lag, max(years) + 1)))
    g = governance.scores(store.load("governance"), years=gy)
    g = g[g["year"].isin(years)].assign(wgi=lambda d: wgi_scaled(d["wgi"]))[["country", "year", "wgi"]]
    tp = store.load("trade_parameter", minerals=mins)
    tvar = "t_eu" if country == "EU" else "t_world"
    tp = tp[tp["variable"] == tvar][["mineral", "stage", "country", "value"]].rename(columns={"value": "t"})
    rir = store.load("recycling", minerals=mins, variables=["eol_rir"])
    rir = rir.groupby("mineral")["value"].first()
    out = []
    flows = store.trade_flows(minerals=mins, importers=[country])
    exports = store.sql("""SELECT m.mineral, m.stage, o.year, sum(o.value) AS x FROM obs o JOIN hs_map m
                           ON o.hs = m.hs WHERE o.dataset = 'trade' AND o.variable = 'quantity'
                           AND o.partner = ? AND o.country <> ? GROUP BY ALL""", [country, country])
    for stage, (ds, tstage) in STAGES.items():
        prio = PRODUCTION_PRIORITY if ds == "mine_production" else REFINED_PRIORITY
        p = store.load(ds, minerals=mins, variables=["quantity"])
        p = p[np.isfinite(p["value"]) & p["unit"].isin(list(MASS_TO_T)) & ~p["country"].isin(["WLD", "OTH"])]
        p = p.assign(value=p["value"] * p["unit"].map(MASS_TO_T))
        p = _pick_source(p, prio)
        p = p[p["year"].isin(years)].groupby(["mineral", "country", "year"], as_index=False)["value"].sum()
        # global supply
        gs = p.assign(share=p["value"] / p.groupby(["mineral", "year"])["value"].transform("sum"))
        gs = gs.merge(g, on=["country", "year"], how="left").merge(
            tp[tp["stage"] == stage].drop(columns="stage"), on=["mineral", "country"], how="left")
        gs["wgi"] = gs["wgi"].fillna(missing_wgi)
        gs["t"] = gs["t"].fillna(1.0)
        h_gs = weighted_hhi(gs, ["mineral", "year"]).rename("hhi_gs")
        # the importer's sourcing: domestic + imports by origin, this stage only
        f = flows[(flows["stage"] == tstage) & flows["year"].isin(years) & (flows["exporter"] != country)]
        f = f.groupby(["mineral", "exporter", "year"], as_index=False)["q"].sum().rename(
            columns={"exporter": "country", "q": "value"})
        dom = p[p["country"] == country]
        src = pd.concat([f, dom], ignore_index=True)
        src = src[src["value"] > 0]
        src = src.assign(share=src["value"] / src.groupby(["mineral", "year"])["value"].transform("sum"))
        src = src.merge(g, on=["country", "year"], how="left").merge(
            tp[tp["stage"] == stage].drop(columns="stage"), on=["mineral", "country"], how="left")
        src["wgi"] = src["wgi"].fillna(missing_wgi)
        src["t"] = src["t"].fillna(1.0)
        h_s = weighted_hhi(src, ["mineral", "year"]).rename("hhi_sourcing")
        imp = f.groupby(["mineral", "year"])["value"].sum().rename("imports")
        x = exports[exports["stage"] == tstage].groupby(["mineral", "year"])["x"].sum().rename("exports")
        d = dom.groupby(["mineral", "year"])["value"].sum().rename("domestic")
        grid = pd.MultiIndex.from_product([mins, years], names=["mineral", "year"])
        r = pd.concat([h_gs, h_s, imp, x, d], axis=1).reindex(grid).reset_index()
        net = r["imports"].fillna(0) - r["exports"].fillna(0)
        with np.errstate(divide="ignore", invalid="ignore"):
            ir = net / (r["domestic"].fillna(0) + net)
        r["ir"] = ir.where(net > 0, 0.0).clip(0, 1)
        r["eol_rir"] = r["mineral"].map(rir).fillna(0.0)
        r["si"] = 1.0
        has_src = r["hhi_sourcing"].notna()
        core = np.where(has_src, r["hhi_gs"] * r["ir"] / 2 + r["hhi_sourcing"] * (1 - r["ir"] / 2), r["hhi_gs"])
        r["sr"] = core * (1 - r["eol_rir"]) * r["si"]
        notes = []
        for hs, m in zip(has_src, r["mineral"]):
            n = [] if hs else ["no sourcing data: global-supply term only"]
            if m not in rir.index:
                n.append("no EoL-RIR held: 0")
            notes.append("; ".join(n))
        r["note"] = notes
        out.append(r.assign(stage=stage, country=country))
    res = pd.concat(out, ignore_index=True)
    res = res[res["sr"].notna()]
    best = res.groupby(["mineral", "year"])["sr"].transform("max")
    res["bottleneck"] = res["sr"].eq(best)
    return res[COLUMNS].sort_values(["mineral", "year", "stage"]).reset_index(drop=True)


def scores(country: str = "JPN", years: Iterable[int] = (2022,), minerals: Iterable[str] | None = None,
           **kw) -> pd.DataFrame:
    """One SR per (mineral, year): the bottleneck stage."""
    r = supply_risk(country, years, minerals, **kw)
    return r[r["bottleneck"]].drop_duplicates(["mineral", "year"]).reset_index(drop=True)
