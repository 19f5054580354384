"""The six-indicator assessment (重要鉱種のリスク評価): the main job.

``assess(country="JPN", year=2024)`` returns one tidy record per (country, year,
mineral, indicator) with the raw ``value``, the 0–1 ``score`` (1 = highest risk)
or a ``reason`` why there is none, the ``rule`` applied, the intermediate
``inputs`` and the ``sources`` (source:edition). Every importer, mineral and
year at once is one vectorised computation (:func:`compute`), not a loop.

Method choices (:class:`Method`) are documented in the indicator modules
(:mod:`critmin.indicators`) and appear in every output.
"""
from __future__ import annotations

from typing import Iterable

import numpy as np
import pandas as pd

from . import catalogue
from .diagnosis import INDICATORS, diagnose
from .errors import UnknownNameError, did_you_mean
from .indicators import concentration, import_stability, normalise

from .method import Method
from .supply import (PRODUCTION_PRIORITY, REFINED_PRIORITY, RESERVE_PRIORITY, SupplyData, asof,
                     check_years, latest_year, pick_source, sources_of, stage_codes)

STAGE_OF = {"import_concentrate": "concentrate", "import_refined": "refined"}

#: deprecated private names (the supply layer holds them now)
_pick_source, _asof, _src = pick_source, asof, sources_of


def Inputs(store, method: Method, minerals: list[str]) -> SupplyData:  # noqa: N802 - old name
    """Deprecated: use :class:`critmin.supply.SupplyData`."""
    return SupplyData(store, minerals, method)


def compute(store=None, *, countries: Iterable[str] | None = ("JPN",), years: Iterable[int] | None = None,
            minerals: Iterable[str] | None = None, method: Method | None = None,
            supply: SupplyData | None = None, inputs: SupplyData | None = None) -> tuple[pd.DataFrame, dict]:
    """Vectorised core: records for every (country, year, mineral, indicator).

    Reads one :class:`~critmin.supply.SupplyData` (built here from ``store`` unless given).
    ``countries=None`` means every importer in the trade data; ``years=None`` every year with
    trade data. Returns ``(records, details)`` where ``records`` has scalar columns only and
    ``details`` holds the share tables behind them.
    """
    sd = supply or inputs
    if sd is None:
        sd = SupplyData(store, list(minerals) if minerals is not None else None, method)
    method = method or sd.method
    if method != sd.method:
        sd = SupplyData(sd.source, sd.minerals, method)
    minerals = list(minerals) if minerals is not None else list(sd.minerals)

    # -- trade (all importers at once) ------------------------------------------------------------
    imp = list(countries) if countries is not None else None
    fl, dom = sd.import_weights(imp)
    fl = fl[fl["mineral"].isin(minerals)]
    if years is None:
        years = sorted(fl["year"].unique().tolist())
    years = [int(y) for y in years]
    if countries is None:
        countries = sorted(fl["importer"].unique().tolist())
    countries = list(countries)
    gyears = sorted(set(years) | set(range(min(years) - method.window - method.max_lag, max(years) + 1)))
    g = sd.governance(gyears)
    lo = min(years) - method.window - method.max_lag
    fl = fl[fl["year"] >= lo]
    summ, shares = import_stability.import_risk(fl, g, variant=method.import_variant,
                                                missing=method.missing_governance, window=method.window,
                                                domestic=dom if len(dom) else None,
                                                domestic_rule=method.domestic)
    grp = ["importer", "mineral", "stage", "year"]
    bas = fl.groupby(grp, as_index=False, observed=True).agg(q_basis=("basis", "first"),
                                                             n_imputed=("imputed", "sum"))
    summ = summ.merge(bas, on=grp, how="left")
    if len(dom):
        summ = summ.merge(dom[["country", "mineral", "stage", "year", "valued_at"]].rename(
            columns={"country": "importer"}), on=grp, how="left")
    else:
        summ["valued_at"] = np.nan

    grid = pd.MultiIndex.from_product([countries, years, minerals], names=["country", "year", "mineral"])
    grid = grid.to_frame(index=False)
    pieces = []

    # -- 1, 2: reserves and production concentration ----------------------------------------------
    for ind, table, what in (("reserve_concentration", sd.hhi("reserves", window=1), "reserves"),
                             ("production_concentration", sd.hhi("production"), "mine production")):
        t = grid[["year", "mineral"]].drop_duplicates()
        # reserves are a slow-moving stock published once a year: two more years of look-back
        lag = method.max_lag if ind != "reserve_concentration" else method.max_lag + 2
        hit = asof(t, table, ["mineral"], lag)
        rec = grid.merge(hit, on=["year", "mineral"], how="left")
        rec["indicator"] = ind
        rec["value"] = rec["hhi"]
        rec["reason"] = _pick(rec["hhi"].isna(), f"no {what} data by country within "
                                                 f"{lag} years before the assessment year", "")
        rec["rule"] = ("HHI of country shares; 'Other countries' rule: " + method.residual_rule
                       + (f"; {method.window}-year pooled" if method.window > 1 else ""))
        pieces.append(rec)

    # -- 3, 4: import stability per stage ---------------------------------------------------------
    held = sd.held_codes
    hc = catalogue.hs_codes()
    for ind, stage in STAGE_OF.items():
        s = summ[summ["stage"] == stage].drop(columns="stage").rename(columns={"importer": "country"})
        hit = asof(grid, s, ["country", "mineral"], method.max_lag)
        rec = grid.merge(hit, on=["country", "year", "mineral"], how="left")
        rec["indicator"] = ind
        why = {}
        for m in minerals:
            gap = catalogue.stage_reason(m, stage, held)
            codes = stage_codes(m, stage)
            why[m] = ((gap, "") if gap else
                      (f"no recorded {stage} imports ({', '.join(codes)}) by ", f" within {method.max_lag} years"))
        # strings are built once per distinct key and shared by reference (millions of rows in
        # a full cross product)
        miss = rec["value"].isna()
        mc = rec.loc[miss, ["mineral", "country"]].drop_duplicates()
        txt = [why[m][0] + (c + why[m][1] if why[m][0].startswith("no recorded") else "")
               for m, c in zip(mc["mineral"], mc["country"])]
        mc = mc.assign(reason=txt)
        rec = rec.merge(mc, on=["mineral", "country"], how="left")
        rec["reason"] = rec["reason"].where(rec["value"].isna(), "")
        rec["basis"] = rec["q_basis"]
        # a code shared by several minerals (e.g. 261690 gold and PGM ores) counts the whole code's flows
        h = hc[(hc["stage"] == stage) & (hc["shared"].fillna("") != "")]
        shared = {m: "; shared HS code(s) " + ", ".join(f"{r.hs} (also {r.shared.replace(';', ', ')})"
                                                        for r in gg.itertuples())
                     + ": the whole code's flows are counted"
                  for m, gg in h.groupby("mineral") if set(gg["hs"]) & set(stage_codes(m, stage))}
        weigh = {"contained": "contained tonnes", "value": "import value (USD)", "": "contained tonnes, else value"}
        mb = rec[["mineral", "q_basis"]].fillna({"q_basis": ""}).drop_duplicates()
        mb["rule"] = [f"{method.import_variant} over {stage}-stage HS codes only; shares of {weigh[b]}; "
                      f"governance {method.governance} g=clip((2.5-WGI)/5); missing g: "
                      f"{method.missing_governance}; domestic production: {method.domestic}" + shared.get(m, "")
                      for m, b in zip(mb["mineral"], mb["q_basis"])]
        rec = rec.assign(q_basis=rec["q_basis"].fillna("")).merge(mb, on=["mineral", "q_basis"], how="left")
        ts = sd.trade_sources
        ts = ts[ts["stage"] == stage].set_index("mineral")["sources"]
        rec["sources"] = rec["mineral"].map(ts).fillna("")
        pieces.append(rec)

    # -- 5: price volatility ----------------------------------------------------------------------
    vol = sd.volatility(years)
    rec = grid.merge(vol.rename(columns={"last_year": "data_year"}), on=["year", "mineral"], how="left")
    rec["indicator"] = "price_volatility"
    rec["reason"] = _pick(rec["value"].isna(), f"no price or unit-value series with enough years "
                                               f"in the {method.volatility_window}-year window", "")
    rec["rule"] = (f"{method.volatility} over {method.volatility_window} years (nominal annual prices; "
                   "trade unit values screened for unit errors)")
    rec["sources"] = rec["sources"].where(rec["value"].notna(), "").fillna("")
    pieces.append(rec)

    # -- 6: secondary supply ----------------------------------------------------------------------
    sec = sd.secondary.rename(columns={"value": "rate"})
    sec = sec.assign(rule="1 - min(1, secondary/demand); proxy: " + sec["basis"].fillna("none"),
                     sources=(sec["source"] + ":" + sec["edition"]).where(sec["risk"].notna(), ""))
    rec = grid.merge(sec, on="mineral", how="left")
    rec["indicator"] = "secondary_supply"
    rec["value"] = rec["risk"]
    rec["reason"] = _pick(rec["value"].isna(), "no secondary-supply figure or recycling rate", "")
    rec["rule"] = rec["rule"].fillna("1 - min(1, secondary/demand); proxy: none")
    rec["sources"] = rec["sources"].fillna("")
    pieces.append(rec)

    cols = ["country", "year", "mineral", "indicator", "value", "reason", "rule", "data_year", "sources",
            "hhi", "residual_share", "n_countries", "top_country", "top_share", "total", "unit", "basis",
            "gbar", "n_partners", "total_q", "missing_g_share", "domestic_p", "valued_at", "n_imputed",
            "series", "n_years", "first_year", "rate", "variable"]
    recs = pd.concat([p.reindex(columns=cols) for p in pieces], ignore_index=True)
    recs["value"] = recs["value"].astype(float)
    recs["score"] = score_records(recs, method)
    recs["sources"] = recs["sources"].fillna("")
    recs["reason"] = recs["reason"].fillna("")
    details = {"reserve_life": sd.reserve_life, "import_shares": shares, "production_obs": sd.production_obs,
               "reserves_obs": sd.reserves_obs, "prices": sd.prices, "price_dropped": sd.price_dropped,
               "governance": g, "supply": sd}
    return recs, details


def _pick(cond: pd.Series, a: str, b: str) -> np.ndarray:
    """``a`` where ``cond`` else ``b``, as one shared string object each (not one per row)."""
    return np.array([b, a], dtype=object)[np.asarray(cond, dtype=bool).astype(np.intp)]


def score_records(recs: pd.DataFrame, method: Method) -> pd.Series:
    """Scores in [0, 1] of records (``indicator``, ``value``, ``country``, ``year``) by ``method``'s
    normalisation, with the anchors of its volatility measure and import-stability variant."""
    anchors = {}
    if method.volatility != "log_return_std":
        anchors["price_volatility"] = normalise.MEASURE_ANCHORS[method.volatility]
    anchors["import_concentrate"] = anchors["import_refined"] = normalise.VARIANT_ANCHORS[method.import_variant]
    return normalise.scale(recs, method=method.normalisation, anchors=anchors).clip(0, 1)


def _domestic(store, countries, minerals) -> pd.DataFrame:
    """Deprecated: importers' own production in contained tonnes (``SupplyData.domestic``)."""
    d = SupplyData(store, minerals).domestic(countries)
    return d[d["p_basis"] == "contained"][["country", "mineral", "year", "p", "stage"]].reset_index(drop=True)


def _fin(v):
    if v is None:
        return None
    if hasattr(v, "item"):
        v = v.item()
    return None if isinstance(v, float) and not np.isfinite(v) else v


def _inputs(recs: pd.DataFrame, details: dict, top: int = 12) -> list[dict]:
    """The ``inputs`` dict of every record (the figures behind its value), built group-wise."""
    obs_sh = {}
    for name, obs in (("reserve_concentration", details["reserves_obs"]),
                      ("production_concentration", details["production_obs"])):
        need = recs.loc[(recs["indicator"] == name) & recs["value"].notna(), ["mineral", "data_year"]]
        need = set(zip(need["mineral"], need["data_year"].astype(int)))
        o = obs[[(m, y) in need for m, y in zip(obs["mineral"], obs["year"])]]
        if len(o):
            sh = concentration.country_shares(o, ["mineral", "year"]).sort_values("share", ascending=False)
            obs_sh[name] = {k: dict(zip(g["country"], g["share"].round(6).astype(float)))
                            for k, g in sh.groupby(["mineral", "year"], sort=False)}
    imp = details["import_shares"]
    imp = imp.sort_values("share", ascending=False)
    imp_g = {k: g for k, g in imp.groupby(["importer", "mineral", "stage", "year"], sort=False)}
    rl = details["reserve_life"].sort_values("edition")
    rl_g = {m: g for m, g in rl.groupby("mineral")}
    out = []
    for r in recs.itertuples(index=False):
        ind = r.indicator
        dy = None if pd.isna(r.data_year) else int(r.data_year)
        d: dict = {"data_year": dy}
        if pd.isna(r.value):
            out.append(d)
            continue
        if ind in ("reserve_concentration", "production_concentration"):
            if ind == "reserve_concentration" and r.mineral in rl_g:
                g = rl_g[r.mineral]
                d["reserve_life_years"] = {e: round(float(v), 1) for e, v in zip(g["edition"], g["life_years"])}
                if len(g) > 1:
                    d["reserve_life_change"] = round(float(g["life_years"].iloc[-1] / g["life_years"].iloc[0] - 1), 4)
            d.update({"hhi": _fin(r.hhi), "residual_share": _fin(r.residual_share),
                      "n_countries": int(r.n_countries), "total": _fin(r.total), "unit": r.unit,
                      "basis": r.basis, "shares": obs_sh.get(ind, {}).get((r.mineral, dy), {})})
        elif ind in STAGE_OF:
            stage = STAGE_OF[ind]
            s = imp_g.get((r.country, r.mineral, stage, dy))
            contained = r.basis == "contained"
            d.update({"basis": r.basis, "hhi": _fin(r.hhi), "g_weighted_mean": _fin(r.gbar),
                      "n_partners": int(r.n_partners),
                      ("total_t" if contained else "total_kusd"): _fin(r.total_q),
                      "n_flows_imputed": int(r.n_imputed) if pd.notna(r.n_imputed) else 0,
                      "missing_governance_share": _fin(r.missing_g_share),
                      "shares": {} if s is None else dict(zip(s["exporter"], s["share"].round(6).astype(float))),
                      "g": {} if s is None else dict(zip(s["exporter"].head(top), s["g"].head(top).round(4).astype(float))),
                      "stage_codes": stage_codes(r.mineral, stage)})
            if pd.notna(r.domestic_p) and r.domestic_p > 0:
                d["domestic_production"] = _fin(r.domestic_p)
                d["domestic_production_unit"] = "t" if contained else "kUSD"
                if not contained:
                    d["domestic_valued_at"] = r.valued_at
        elif ind == "price_volatility":
            d.update({"series": r.series, "n_years": int(r.n_years), "first_year": int(r.first_year),
                      "last_year": dy})
        elif ind == "secondary_supply":
            d.update({"recycling_rate": _fin(r.rate), "rate_variable": r.variable})
        out.append({k: _fin(v) if isinstance(v, (float, np.floating)) else v for k, v in d.items()})
    return out


RECORD_COLUMNS = ["country", "year", "mineral", "indicator", "value", "score", "reason", "rule", "inputs",
                  "sources"]


class Assessment:
    """The result of :func:`assess`: records, the method, the diagnosis and the provenance.

    ``records`` has one row per (country, year, mineral, indicator) with ``value``, ``score``
    (0–1, 1 = highest risk), ``reason`` (why there is no value), ``rule``, ``inputs`` and
    ``sources``. ``diagnosis`` holds per (country, year, mineral) the problems and policy
    tools (built on first use); ``details`` the share tables behind the records; ``supply``
    the supply data read.
    """

    def __init__(self, records: pd.DataFrame, method: Method, diagnosis: list | None = None,
                 details: dict | None = None, supply: SupplyData | None = None, lang: str = "en") -> None:
        self.records, self.method, self.details, self.supply = records, method, details or {}, supply
        self.lang = lang
        self._diagnosis = diagnosis

    def __repr__(self) -> str:
        r = self.records
        return (f"Assessment({r['country'].nunique()} importer(s), {r['year'].nunique()} year(s), "
                f"{r['mineral'].nunique()} minerals, {len(r):,} records)")

    @property
    def diagnosis(self) -> list:
        """Per (country, year, mineral): ``diagnosis`` text, ``problems``, ``tools``."""
        if self._diagnosis is None:
            self._diagnosis = diagnose(self.records, thresholds=self.method.thresholds, lang=self.lang)
        return self._diagnosis

    def __len__(self) -> int:
        return len(self.records)

    @property
    def provenance(self) -> pd.DataFrame:
        """The sources, editions and rules of the supply data read."""
        return self.supply.provenance if self.supply is not None else pd.DataFrame()

    @property
    def minerals(self) -> list:
        """Alias of :attr:`diagnosis` (one dict per country, year and mineral)."""
        return self.diagnosis

    def to_frame(self) -> pd.DataFrame:
        """The records as a plain tidy DataFrame (a copy)."""
        return self.records.copy()

    def wide(self, what: str = "score") -> pd.DataFrame:
        """Minerals × indicators of ``score`` or ``value`` (one country and year)."""
        return self.records.pivot_table(index="mineral", columns="indicator", values=what, aggfunc="first",
                                        dropna=False).reindex(columns=list(INDICATORS))

    def rank(self) -> pd.DataFrame:
        """Minerals ordered: those with ≥ 4 of 6 indicators scored first, then by mean score."""
        return rank_minerals(self.wide())

    def to_json(self) -> dict:
        """The ``critmin assess --format json`` document (non-finite numbers as null)."""
        r = self.records
        rows = [{"country": c, "year": int(y), "mineral": m, "indicator": i, "value": _fin(float(v)),
                 "score": _fin(float(sc)), "reason": rs or None, "rule": ru,
                 "inputs": inp if isinstance(inp, dict) else {}, "sources": list(src) if isinstance(src, list) else []}
                for c, y, m, i, v, sc, rs, ru, inp, src in zip(
                    r["country"], r["year"], r["mineral"], r["indicator"], r["value"], r["score"], r["reason"],
                    r["rule"], r["inputs"] if "inputs" in r else [None] * len(r),
                    r["sources"] if "sources" in r else [None] * len(r))]
        minerals = [{"mineral": d["mineral"], "country": d["country"], "year": d["year"],
                     "diagnosis": d["diagnosis"], "tools": d["tools"], "problems": d["problems"]}
                    for d in self.diagnosis]
        return {"records": rows, "minerals": minerals, "method": self.method.as_dict()}


def rank_minerals(wide: pd.DataFrame) -> pd.DataFrame:
    """Order minerals: those with >= 4 of 6 indicators scored first, then by mean score."""
    wide = wide.copy()
    wide["mean"] = wide[list(INDICATORS)].mean(axis=1)
    wide["n"] = wide[list(INDICATORS)].notna().sum(axis=1)
    wide["_full"] = wide["n"] >= 4
    return wide.sort_values(["_full", "mean"], ascending=[False, False]).drop(columns="_full")


def assess(country: str | Iterable[str] = "JPN", year: int | Iterable[int] | None = None,
           minerals: Iterable[str] | None = None, *, method: Method | None = None, store=None,
           supply: SupplyData | None = None, detail: bool = True, lang: str = "en",
           **method_kw) -> Assessment:
    """Assess minerals for an importing country and year.

    Parameters
    ----------
    country : str or list of str
        ISO3 of the importer(s); ``"all"`` for every importer in the data.
    year : int or list of int, optional
        Default: the latest year with trade data for the (first) country; ``"all"``
        for every year.
    minerals : list of str, optional
        Mineral ids or names (default: all minerals with any data).
    method : Method, optional
        Method choices; keyword arguments (``import_variant="product"`` …) also work.
    supply : SupplyData, optional
        Prepared supply data to read (e.g. a policy overlay); default built from ``store``.
    detail : bool
        Build the ``inputs`` dicts and ``sources`` lists (set False for large cross products).

    Returns
    -------
    :class:`Assessment` — ``.records`` (columns ``country, year, mineral, indicator, value,
    score, reason, rule, inputs, sources``), ``.method``, ``.diagnosis`` (problems and tools per
    mineral), ``.provenance``; ``.to_frame()``, ``.to_json()``, ``.rank()``.
    """
    from .countries import check_iso3
    from .store import default_store

    method = method or (supply.method if supply is not None and not method_kw else Method(**method_kw))
    if supply is not None:
        store = supply.source
    store = store or default_store()
    if isinstance(country, str) and country.lower() == "all":
        countries = None
    else:
        countries = [check_iso3(c) for c in ([country] if isinstance(country, str) else country)]
        known = _importers(store)
        for c in countries:
            if c not in known:
                raise UnknownNameError(f"{c} is not an importer in the trade data"
                                       f"{did_you_mean(c, known)}", field="country", found=c,
                                       fix="choose an importer listed by `critmin data info`")
    if year is None:
        years = [latest_year(store, (countries or ["JPN"])[0])]
    elif isinstance(year, str) and year.lower() == "all":
        years = None
    else:
        years = [int(y) for y in ([year] if isinstance(year, (int, np.integer)) else year)]
        if countries is not None and len(countries) == 1:
            check_years(store, countries[0], years)
    mins = [catalogue.check_mineral(m) for m in minerals] if minerals else None
    if supply is None or supply.method != method or (mins is not None and not set(mins) <= set(supply.minerals)):
        supply = SupplyData.cached(store, mins, method)
    recs, details = compute(countries=countries, years=years, minerals=mins, method=method, supply=supply)
    if mins is None:  # drop minerals without any data at all
        anyv = recs.groupby("mineral")["value"].agg(lambda s: s.notna().any())
        recs = recs[recs["mineral"].isin(anyv[anyv].index)]
    order = recs["indicator"].map({ind: i for i, ind in enumerate(INDICATORS)}).to_numpy()
    keys = [order] + [pd.factorize(recs[c], sort=True)[0] for c in ("mineral", "year", "country")]
    recs = recs.iloc[np.lexsort(keys)].reset_index(drop=True)
    if detail:
        recs["inputs"] = _inputs(recs, details)
        recs["sources"] = [[x for x in str(s).split("; ") if x] for s in recs["sources"]]
        recs = recs[RECORD_COLUMNS]
    return Assessment(recs, method, None, details, supply, lang=lang)


def _importers(store) -> set:
    from .supply import summary

    return set(summary(store, "importers", "SELECT DISTINCT country FROM obs WHERE dataset = 'trade'")["country"])
