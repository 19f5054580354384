"""EU CRM supply risk (JRC 2017 Guidelines, doi:10.2873/769526; 2023 study doi:10.2873/725585).

::

    SR        = [HHI_WGI,t(GS) · IR/2 + HHI_WGI,t(S_J) · (1 − IR/2)] · (1 − EoL_RIR) · SI_SR
    HHI_WGI,t = Σ_c s_c² · WGI_c · t_c          WGI_c on 0–10: 5 − 2·WGI estimate (0 best, 10 worst)
    IR        = (Import − Export) / (Domestic production + Import − Export), clipped to [0, 1]

Everything is read from one :class:`critmin.supply.SupplyData` (pass ``supply=`` to share it).

* GS (global supply): world production shares of the stage — mine production for ``mine``,
  refined production for ``refined`` (``SupplyData.production_obs`` / ``refined_obs``, one source
  per mineral and year, in contained tonnes through :func:`critmin.supply.contained_tonnes`),
  named producing countries only, the latest production year at or before the assessment year
  within the method's ``max_lag`` (``gs_year``).
* S_J (the importer's actual sourcing, ``../shared/METHODS.md`` §2): domestic production plus
  imports by origin at the same stage (:func:`critmin.methods.sourcing.group_sourcing`). Flows
  with a value but no quantity are kept (quantity imputed from unit values). The shares are of
  contained tonnes where every flow of the (importer, mineral, stage, year) converts to
  contained element, else of value (USD), domestic production then valued at the element's
  unit value — ``basis`` says which; the import reliance uses the same basis.

  **The sourcing rule for own production.** The EU method does not treat EU production as
  secure (that is GeoPolRisk's convention, g = 0): the EU sourcing is EU production *by Member
  State* plus extra-EU imports by country of origin, each Member State a supplier with its own
  WGI. So for ``country="EU27"`` each member's production is its own supplier at its own
  governance (never one block at one governance), and for a single importer J — for which
  METHODS §2 replaces the EU sourcing by J's sourcing — J's production is the supplier J at
  J's WGI. Its trade parameter is 1: t_c prices trade restrictions (export taxes, quotas, bans;
  trade agreements) on supply *to* the importer, and a country's own production does not cross
  that border (the EU lists no t for Member States either). Own production is counted in
  contained tonnes, or valued at the element's unit value where the imports are weighed by
  value — never gross ore weight against contained metal (issue 11, defects 2 and 7).
  Own production joins the sourcing only where the importer's imports of the stage are
  recorded that year: without import data the sourcing is unknown — never taken as 100 %
  self-supplied, which made the SR the importer's own governance rating (Japan's salt, and its
  refined nickel before value-only flows counted: 2.852 × (1 − RIR)). There the global-supply
  term alone is used, SR = HHI(GS)·(1−RIR)·SI (said in ``note``).
* EU-27 (``country="EU27"``): the 27 Member States since 1 February 2020
  (``catalogue/eu27.csv``, Eurostat glossary) pooled: imports from non-members by origin
  (intra-EU trade excluded), exports to non-members, members' production summed (each member a
  supplier in S_J).
* t_c: the 2023 trade parameters (dataset ``trade_parameter``; 0.8 EU agreement, 1.0 none,
  1.1–1.5 export restrictions); a country not listed has t = 1 (never NaN). GS uses ``t_world``
  (scope world); the sourcing term uses ``t_eu`` (scope EU sourcing) for the EU-27 and
  ``t_world`` for any other importer (the EU-agreement factors are the EU's own).
* EoL-RIR: dataset ``recycling``, variable ``eol_rir`` (EU 2023); 0 where not held (said in ``note``).
* SI_SR: 1 (no substitution index held; the EU values range down to ~0.7) — an upper bound.
* Governance: the mean of the WGI dimensions held (the shipped dataset holds PV only, so it is
  PV), carried forward at most 3 years; a country without an estimate gets ``missing_wgi``.
* Stages: computed at ``mine`` and ``refined``; the higher (bottleneck) is the mineral's SR.
"""
from __future__ import annotations

import functools
from importlib import resources
from typing import Iterable

import numpy as np
import pandas as pd

STAGES = {"mine": ("production", "concentrate"), "refined": ("refined", "refined")}
COLUMNS = ["country", "mineral", "year", "stage", "sr", "hhi_gs", "hhi_sourcing", "ir", "eol_rir", "si",
           "basis", "imports", "exports", "domestic", "domestic_share", "n_imputed", "gs_year", "bottleneck",
           "note"]
#: names of the EU-27 aggregate importer
EU27 = "EU27"
EU_ALIASES = ("EU27", "EU", "EU-27", "EU27_2020")


@functools.lru_cache(maxsize=1)
def eu27_table() -> pd.DataFrame:
    """The EU-27 Member States (``iso3, eurostat_code, name``), source in ``catalogue/eu27.csv``."""
    with resources.files("critmin.catalogue").joinpath("eu27.csv").open("r", encoding="utf-8") as fh:
        return pd.read_csv(fh, comment="#", dtype=str, keep_default_na=False)


def eu27_members() -> list[str]:
    """ISO3 codes of the EU-27 Member States (since 1 February 2020).

    >>> len(eu27_members()), "DEU" in eu27_members(), "GBR" in eu27_members()
    (27, True, False)
    """
    return eu27_table()["iso3"].tolist()


def members_of(country: str) -> tuple[str, list[str]]:
    """``(name, members)``: the EU-27 aggregate for ``EU27`` (aliases ``EU``, ``EU-27``), else
    one validated ISO3 importer."""
    from ..countries import check_iso3

    c = str(country).strip().upper()
    if c in EU_ALIASES:
        return EU27, eu27_members()
    c = check_iso3(country)
    return c, [c]


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
                *, store=None, supply=None, missing_wgi: float = 10.0, max_lag: int | None = None
                ) -> pd.DataFrame:
    """EU CRM SR per (mineral, year, stage) for one importer or ``"EU27"``; ``bottleneck`` marks
    the reported stage.

    ``supply``: a :class:`~critmin.supply.SupplyData` to read (default: built from ``store``).
    ``missing_wgi``: the 0–10 score of a country without a WGI estimate (default 10, worst;
    never 0). ``max_lag``: years production may lag the assessment year (default the
    supply data's method, 3).
    """
    from ..catalogue import check_mineral
    from ..indicators import governance
    from ..supply import NOT_COUNTRIES, SupplyData, asof, contained_tonnes
    from .sourcing import group_sourcing

    name, members = members_of(country)
    years = sorted({int(y) for y in years})
    mins = [check_mineral(m) for m in minerals] if minerals else None
    sd = supply
    if sd is None or (mins is not None and not set(mins) <= set(sd.minerals)):
        sd = SupplyData(store if sd is None else sd.source, mins, None if sd is None else sd.method)
    mins = mins or list(sd.minerals)
    lag = sd.method.max_lag if max_lag is None else int(max_lag)

    g = governance.scores(sd.gov_obs, index="mean", years=years)
    g = g.assign(wgi=wgi_scaled(g["wgi"]))[["country", "year", "wgi"]]
    tp = sd.source.load("trade_parameter", minerals=mins)
    t_src = "t_eu" if name == EU27 else "t_world"
    tp = tp[["mineral", "stage", "country", "variable", "value"]].rename(columns={"value": "t"})
    rir = sd.recycling
    rir = rir[rir["variable"] == "eol_rir"].groupby("mineral")["value"].first()
    src = group_sourcing(sd, {name: members}, years, intra="exclude", exports=True)
    grp = ["mineral", "year"]
    targets = pd.MultiIndex.from_product([mins, years], names=grp).to_frame(index=False)
    out = []
    for stage, (which, tstage) in STAGES.items():
        t_gs = tp[(tp["stage"] == stage) & (tp["variable"] == "t_world")].drop(columns=["stage", "variable"])
        t_s = tp[(tp["stage"] == stage) & (tp["variable"] == t_src)].drop(columns=["stage", "variable"])
        # global supply: named producers, latest production year <= year within the lag
        obs = sd.production_obs if which == "production" else sd.refined_obs
        p = contained_tonnes(obs[~obs["country"].isin(NOT_COUNTRIES) & obs["mineral"].isin(mins)])
        p = p.groupby(["mineral", "country", "year"], as_index=False)["t"].sum().rename(columns={"t": "q"})
        p = p[p["q"] > 0]
        hit = asof(targets, p[grp].drop_duplicates(), ["mineral"], lag)
        gs = hit.merge(p.rename(columns={"year": "data_year"}), on=["mineral", "data_year"])
        gs["share"] = gs["q"] / gs.groupby(grp)["q"].transform("sum")
        gs = _weights(gs, g, t_gs, missing_wgi)
        h_gs = weighted_hhi(gs, grp).rename("hhi_gs")
        gs_year = hit.set_index(grp)["data_year"].rename("gs_year")
        # the importer's sourcing: imports by origin + own production (each member a supplier, t = 1)
        imp = src.imports[src.imports["stage"] == tstage]
        dom = src.domestic[src.domestic["stage"] == tstage]
        x = src.exports[src.exports["stage"] == tstage]
        # own production joins the sourcing only where imports are recorded: without import data
        # the sourcing is unknown, not 100 % self-supplied (issue 11, defect 7)
        dom_s = dom.merge(imp[grp].drop_duplicates(), on=grp)
        s = pd.concat([imp.rename(columns={"exporter": "country"})[grp + ["country", "q"]].assign(own=False),
                       dom_s.rename(columns={"p": "q"})[grp + ["country", "q"]].assign(own=True)],
                      ignore_index=True)
        s = s.groupby(grp + ["country", "own"], as_index=False)["q"].sum()
        s["share"] = s["q"] / s.groupby(grp)["q"].transform("sum")
        s = _weights(s, g, t_s, missing_wgi)
        s.loc[s["own"], "t"] = 1.0
        h_s = weighted_hhi(s, grp).rename("hhi_sourcing")
        a = pd.concat([imp.groupby(grp)["q"].sum().rename("imports"),
                       imp.groupby(grp)["imputed"].sum().rename("n_imputed"),
                       x.groupby(grp)["x"].sum().rename("exports"),
                       dom.groupby(grp)["p"].sum().rename("domestic"),
                       pd.concat([imp[grp + ["basis"]], dom[grp + ["basis"]]]).groupby(grp)["basis"].first()],
                      axis=1)
        r = pd.concat([h_gs, gs_year, h_s, a], axis=1).reindex(pd.MultiIndex.from_frame(targets)).reset_index()
        net = r["imports"].fillna(0) - r["exports"].fillna(0)
        with np.errstate(divide="ignore", invalid="ignore"):
            ir = net / (r["domestic"].fillna(0) + net)
            r["domestic_share"] = r["domestic"] / (r["domestic"].fillna(0) + r["imports"].fillna(0))
        r["ir"] = ir.where(net > 0, 0.0).clip(0, 1)
        r["eol_rir"] = r["mineral"].map(rir).fillna(0.0)
        r["si"] = 1.0
        r["n_imputed"] = r["n_imputed"].fillna(0).astype(int)
        has_src = r["hhi_sourcing"].notna()
        core = np.where(has_src, r["hhi_gs"] * r["ir"] / 2 + r["hhi_sourcing"] * (1 - r["ir"] / 2), r["hhi_gs"])
        r["sr"] = core * (1 - r["eol_rir"]) * r["si"]
        notes = []
        for hs_, m, b, dy, y in zip(has_src, r["mineral"], r["basis"], r["gs_year"], r["year"]):
            n = [] if hs_ else ["no imports recorded at this stage: sourcing unknown, global-supply term only"]
            if m not in rir.index:
                n.append("no EoL-RIR held: 0")
            if b == "value":
                n.append("sourcing and import reliance weighed by value (USD): a flow's code has no "
                         "contained-element conversion")
            if pd.notna(dy) and int(dy) != int(y):
                n.append(f"world production of {int(dy)}")
            notes.append("; ".join(n))
        r["note"] = notes
        out.append(r.assign(stage=stage, country=name))
    res = pd.concat(out, ignore_index=True)
    res = res[res["sr"].notna()].copy()
    best = res.groupby(["mineral", "year"])["sr"].transform("max")
    res["bottleneck"] = res["sr"].eq(best)
    return res[COLUMNS].sort_values(["mineral", "year", "stage"]).reset_index(drop=True)


def _weights(s: pd.DataFrame, g: pd.DataFrame, t: pd.DataFrame, missing_wgi: float) -> pd.DataFrame:
    s = s.merge(g, on=["country", "year"], how="left").merge(t, on=["mineral", "country"], how="left")
    s["wgi"] = s["wgi"].fillna(missing_wgi)
    s["t"] = s["t"].fillna(1.0)
    return s


def sourcing_shares(country: str = "JPN", year: int = 2022, mineral: str = "copper", stage: str = "refined",
                    *, store=None, supply=None, missing_wgi: float = 10.0) -> pd.DataFrame:
    """The sourcing table behind one ``hhi_sourcing``: ``country, own, q, share, wgi, t, term``
    (term = share² · WGI · t), largest first — to check a figure by hand."""
    from ..catalogue import check_mineral
    from ..indicators import governance
    from ..supply import SupplyData
    from .sourcing import group_sourcing

    name, members = members_of(country)
    mineral = check_mineral(mineral)
    sd = supply if supply is not None else SupplyData(store, [mineral])
    tstage = STAGES[stage][1]
    src = group_sourcing(sd, {name: members}, [int(year)], intra="exclude", stages=[tstage])
    imp = src.imports[src.imports["mineral"] == mineral]
    dom = src.domestic[(src.domestic["mineral"] == mineral) & (len(imp) > 0)]
    s = pd.concat([imp.rename(columns={"exporter": "country"})[["country", "q", "basis"]].assign(own=False),
                   dom.rename(columns={"p": "q"})[["country", "q", "basis"]].assign(own=True)], ignore_index=True)
    s = s.groupby(["country", "own", "basis"], as_index=False)["q"].sum()
    s["share"] = s["q"] / s["q"].sum()
    g = governance.scores(sd.gov_obs, index="mean", years=[int(year)])
    g = g.assign(wgi=wgi_scaled(g["wgi"]))[["country", "wgi"]]
    tp = sd.source.load("trade_parameter", minerals=[mineral])
    tp = tp[(tp["stage"] == stage) & (tp["variable"] == ("t_eu" if name == EU27 else "t_world"))]
    s = s.merge(g, on="country", how="left").merge(tp[["country", "value"]].rename(columns={"value": "t"}),
                                                     on="country", how="left")
    s["wgi"] = s["wgi"].fillna(missing_wgi)
    s["t"] = s["t"].fillna(1.0).where(~s["own"], 1.0)
    s["term"] = s["share"] ** 2 * s["wgi"] * s["t"]
    return s.sort_values("q", ascending=False).reset_index(drop=True)


def scores(country: str = "JPN", years: Iterable[int] = (2022,), minerals: Iterable[str] | None = None,
           **kw) -> pd.DataFrame:
    """One SR per (mineral, year): the bottleneck stage."""
    r = supply_risk(country, years, minerals, **kw)
    return r[r["bottleneck"]].drop_duplicates(["mineral", "year"]).reset_index(drop=True)
