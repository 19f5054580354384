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
from .errors import DataValidationError, UnknownNameError, did_you_mean
from .i18n import N_
from .indicators import concentration, import_stability, normalise
from .reasons import template as _t

from .method import Method
from .supply import (SupplyData, asof, check_years, latest_year, pick_source, sources_of,  # noqa: F401
                     stage_codes)

STAGE_OF = {"import_concentrate": "concentrate", "import_refined": "refined"}

# -- the English texts of reasons and rules (translated where shown: critmin.reasons.translate) -----
R_NO_RESERVES = _t(N_("no reserves data by country within {lag} years before the assessment year"))
R_NO_PRODUCTION = _t(N_("no mine production data by country within {lag} years before the assessment year"))
R_GROUP_PRODUCTION = _t(N_("production is reported for the element group, not per element: see {group}"))
R_GROUP_RESERVES = _t(N_("reserves are reported for the element group, not per element: see {group}"))
R_BYPRODUCT_RESERVES = _t(N_("{mineral} is a by-product: reserves are those of its host ores and are not "
                             "reported for it by country"))
R_NO_IMPORTS = _t(N_("no recorded {stage} imports ({codes}) by {country} within {lag} years"))
R_NO_PRICE = _t(N_("no price or unit-value series with enough years in the {window}-year window"))
R_NO_SECONDARY = _t(N_("no secondary-supply figure or recycling rate"))
RULE_HHI = _t(N_("HHI of country shares"))
RULE_RESIDUAL = _t(N_("'Other countries' rule: {rule}"))
RULE_POOLED = _t(N_("{window}-year pooled"))
RULE_REFINED_FIRST = _t(N_("refined production (no mine production by country: the first stage produced)"))
RULE_IMPORT = _t(N_("{variant} over {stage}-stage HS codes only"))
RULE_SHARES = _t(N_("shares of {weigh}"))
RULE_GOVERNANCE = _t(N_("governance {governance} g=clip((2.5-WGI)/5)"))
RULE_MISSING_G = _t(N_("missing g: {missing}"))
RULE_DOMESTIC = _t(N_("domestic production: {domestic}"))
RULE_SHARED = _t(N_("shared HS code(s) {shared}: the whole code's flows are counted"))
RULE_SHARED_CODE = _t(N_("{hs} (also {minerals})"))
RULE_PRICE = _t(N_("{measure} over {window} years (nominal annual prices; trade unit values screened for "
                   "unit errors)"))
RULE_SECONDARY = _t(N_("1 - min(1, secondary/demand); proxy: {basis}"))
RULE_SECONDARY_NONE = _t(N_("1 - min(1, secondary/demand); proxy: none"))
# the texts of critmin.catalogue.stage_reason (besides its STAGE_GAPS, translated whole)
for _m in (N_("HS {codes} not in the trade data held (the shipped BACI HS92 extract lacks it): `critmin data "
              "import baci FILE` with it fills this"),
           N_("HS {codes} not in the trade data held (the shipped BACI HS92 extract lacks them): `critmin data "
              "import baci FILE` with them fills this"),
           N_("rare-earth elements are mined together and traded as mixed ores, compounds and metals "
              "(2805.30, 2846) with no code per element: see {group}"),
           N_("platinum-group elements are mined together; their ores are inside the shared 2616.90 "
              "(with gold): see {group}"),
           N_("an industrial mineral traded as mined or processed mineral: it has no refined (metal) stage"),
           N_("no HS code for the {stage} stage of {mineral} in the catalogue")):
    _t(_m)

#: deprecated private names (the supply layer holds them now)
_pick_source, _asof, _src = pick_source, asof, sources_of


def Inputs(store, method: Method, minerals: list[str]) -> SupplyData:  # noqa: N802 - old name
    """Deprecated: use :class:`critmin.supply.SupplyData`."""
    return SupplyData(store, minerals, method)


def compute(store=None, *, countries: Iterable[str] | None = ("JPN",), years: Iterable[int] | None = None,
            minerals: Iterable[str] | None = None, method: Method | None = None,
            supply: SupplyData | None = None, inputs: SupplyData | None = None,
            detail: bool = True) -> tuple[pd.DataFrame, dict]:
    """Vectorised core: records for every (country, year, mineral, indicator).

    ``detail=False`` keeps only the record columns (no intermediate figures): for large cross
    products.

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

    # -- the record grid: every (country, year, mineral) × the six indicators, laid out in the
    #    output order (countries, years, minerals sorted; indicators in INDICATORS order); each
    #    indicator's small table is placed by position, never merged with the full grid
    countries, years, minerals = sorted(set(countries)), sorted(set(years)), sorted(set(minerals))
    keep = ["value", "status", "reason", "rule", "data_year", "sources",
            "hhi", "residual_share", "n_countries", "top_country", "top_share", "total", "unit", "basis",
            "gbar", "n_partners", "total_q", "missing_g_share", "domestic_p", "valued_at", "n_imputed",
            "series", "n_years", "first_year", "rate", "variable"]
    if not detail:
        keep = keep[:6]
    grid = _Grid(countries, years, minerals, keep=set(keep))
    cols = {}

    # -- 1, 2: reserves and production concentration ----------------------------------------------
    ym = pd.MultiIndex.from_product([years, minerals], names=["year", "mineral"]).to_frame(index=False)
    group = catalogue.minerals()["group"].to_dict()
    byproduct = {m for m in minerals if "by-product" in (catalogue.STAGE_GAPS.get((m, "concentrate")) or "")}
    elements = {m for m in minerals if group.get(m) in ("ree_element", "pgm_element")}
    base = "; ".join([RULE_HHI, RULE_RESIDUAL.format(rule=method.residual_rule)]
                     + ([RULE_POOLED.format(window=method.window)] if method.window > 1 else []))
    for ind, which, what in (("reserve_concentration", "reserves", R_NO_RESERVES),
                             ("production_concentration", "production", R_NO_PRODUCTION)):
        # reserves are a slow-moving stock published once a year: two more years of look-back
        lag = method.max_lag if ind != "reserve_concentration" else method.max_lag + 2
        table = sd.hhi(which, window=1 if which == "reserves" else None, span=(min(years) - lag, max(years)))
        hit = asof(ym, table.drop(columns=["rule"], errors="ignore"), ["mineral"], lag)
        hit = hit.assign(value=hit["hhi"], rule=base)
        reason = {m: what.format(lag=lag) for m in minerals}
        na = set()
        if which == "production":
            refined = sd.refined_first
            hit["rule"] = np.where(hit["mineral"].isin(refined), base + "; " + RULE_REFINED_FIRST, base)
            for m in elements:
                reason[m] = R_GROUP_PRODUCTION.format(
                    group="rare_earths" if group[m] == "ree_element" else "platinum_group_metals")
            na = elements
        else:
            for m in elements:
                reason[m] = R_GROUP_RESERVES.format(
                    group="rare_earths" if group[m] == "ree_element" else "platinum_group_metals")
            for m in byproduct:
                reason[m] = R_BYPRODUCT_RESERVES.format(mineral=m)
            na = elements | byproduct
        grid.place(cols, ind, grid.pos_ym(hit), hit, reason=reason, rule=base, not_applicable=na)

    # -- 3, 4: import stability per stage ---------------------------------------------------------
    held = sd.held_codes
    hc = catalogue.hs_codes()
    ts_all = sd.trade_sources
    for ind, stage in STAGE_OF.items():
        s = summ[summ["stage"] == stage].drop(columns="stage").rename(columns={"importer": "country"})
        s = s[s["country"].isin(countries) & s["mineral"].isin(minerals)]
        hit = grid.asof_cym(s, method.max_lag)
        pos = grid.pos_cym(hit)
        why, per_c = {}, {}
        for m in minerals:
            gap = catalogue.stage_reason(m, stage, held)
            codes = stage_codes(m, stage)
            if gap:
                why[m] = gap
            else:       # the importer's code goes where the NUL is
                head, tail = R_NO_IMPORTS.format(stage=stage, codes=", ".join(codes), country="\0",
                                                 lag=method.max_lag).split("\0")
                why[m] = per_c[m] = (head, tail)
        # a code shared by several minerals (e.g. 261690 gold and PGM ores) counts the whole code's flows
        h = hc[(hc["stage"] == stage) & (hc["shared"].fillna("") != "")]
        shared = {m: "; " + RULE_SHARED.format(shared=", ".join(
                      RULE_SHARED_CODE.format(hs=r.hs, minerals=r.shared.replace(";", ", ")) for r in gg.itertuples()))
                  for m, gg in h.groupby("mineral") if set(gg["hs"]) & set(stage_codes(m, stage))}
        weigh = {"contained": N_("contained tonnes"), "value": N_("import value (USD)"),
                 "": N_("contained tonnes, else value")}

        def rule_of(m, b, stage=stage, shared=shared, weigh=weigh):
            return "; ".join([RULE_IMPORT.format(variant=method.import_variant, stage=stage),
                              RULE_SHARES.format(weigh=weigh[b]),
                              RULE_GOVERNANCE.format(governance=method.governance),
                              RULE_MISSING_G.format(missing=method.missing_governance),
                              RULE_DOMESTIC.format(domestic=method.domestic)]) + shared.get(m, "")

        ts = ts_all[ts_all["stage"] == stage].set_index("mineral")["sources"]
        hit = hit.assign(basis=hit["q_basis"], sources=hit["mineral"].map(ts).fillna(""))
        hit["rule"] = grid.shared_strings(hit[["mineral", "q_basis"]].fillna({"q_basis": ""}), rule_of)
        base_rule = {m: rule_of(m, "") for m in minerals}
        # missing: the reason per (mineral, country), the rule with the stage's default weighting
        reason = {m: why[m] if m not in per_c else why[m][0] for m in minerals}
        grid.place(cols, ind, pos, hit, reason=reason, rule=base_rule,
                   sources={m: ts.get(m, "") for m in minerals}, reason_by_country=per_c,
                   not_applicable={m for m in minerals if not catalogue.codes(m, stage)})

    # -- 5: price volatility ----------------------------------------------------------------------
    vol = sd.volatility(years)
    vol = vol[vol["mineral"].isin(minerals)].rename(columns={"last_year": "data_year"})
    grid.place(cols, "price_volatility", grid.pos_ym(vol), vol,
               reason=R_NO_PRICE.format(window=method.volatility_window),
               rule=RULE_PRICE.format(measure=method.volatility, window=method.volatility_window))

    # -- 6: secondary supply ----------------------------------------------------------------------
    sec = sd.secondary.rename(columns={"value": "rate"})
    sec = sec[sec["mineral"].isin(minerals) & sec["risk"].notna()]
    sec = sec.assign(value=sec["risk"], rule=[RULE_SECONDARY.format(basis=b) for b in sec["basis"]],
                     sources=sec["source"] + ":" + sec["edition"])
    secy = ym.merge(sec, on="mineral")
    grid.place(cols, "secondary_supply", grid.pos_ym(secy), secy,
               reason=R_NO_SECONDARY, rule=RULE_SECONDARY_NONE)

    recs = grid.frame(cols, keep)
    recs["score"] = score_records(recs, method)
    details = {"reserve_life": sd.reserve_life, "import_shares": shares, "production_obs": sd.concentration_obs,
               "reserves_obs": sd.reserves_obs, "prices": sd.prices, "price_dropped": sd.price_dropped,
               "governance": g, "supply": sd}
    return recs, details


class _Grid:
    """Positions of (country, year, mineral, indicator) records laid out in output order."""

    def __init__(self, countries: list, years: list, minerals: list, keep: set | None = None) -> None:
        self.keep = keep    # the table columns to place (None: all)
        self.c, self.y, self.m = pd.Index(countries), pd.Index(years), pd.Index(minerals)
        self.C, self.Y, self.M, self.K = len(countries), len(years), len(minerals), len(INDICATORS)
        self.n = self.C * self.Y * self.M

    def pos_ym(self, t: pd.DataFrame) -> np.ndarray:
        """Grid positions (one per country) of rows keyed by (year, mineral): shape (rows, C)."""
        p = self.y.get_indexer(t["year"].astype(int)) * self.M + self.m.get_indexer(t["mineral"])
        return np.add.outer(p, np.arange(self.C) * self.Y * self.M)

    def pos_cym(self, t: pd.DataFrame) -> np.ndarray:
        return ((self.c.get_indexer(t["country"]) * self.Y + self.y.get_indexer(t["year"].astype(int))) * self.M
                + self.m.get_indexer(t["mineral"]))[:, None]

    def asof_cym(self, s: pd.DataFrame, max_lag: int) -> pd.DataFrame:
        """For each (country, year, mineral) the row of ``s`` of the latest data year ≤ year within
        ``max_lag`` years (column ``data_year``), without a merge on the full grid."""
        if s.empty:
            return s.assign(data_year=pd.Series(dtype=float))
        parts = []
        for k in range(max_lag + 1):
            t = s.assign(data_year=s["year"], year=s["year"] + k)
            parts.append(t[t["year"].isin(self.y)])
        t = pd.concat(parts, ignore_index=True).sort_values("data_year", ascending=False, kind="stable")
        return t.drop_duplicates(["country", "mineral", "year"]).reset_index(drop=True)

    @staticmethod
    def shared_strings(keys: pd.DataFrame, make) -> np.ndarray:
        """``make(*key)`` per row of ``keys``, built once per distinct key and shared by reference."""
        if keys.empty:
            return np.array([], dtype=object)
        codes, uniq = pd.MultiIndex.from_frame(keys).factorize()
        return np.array([make(*k) for k in uniq] + [None], dtype=object)[codes]

    def place(self, cols: dict, indicator: str, pos: np.ndarray, table: pd.DataFrame, *, reason,
              rule, sources="", reason_by_country: dict | None = None, not_applicable=frozenset()) -> None:
        """Put ``table``'s columns at ``pos`` (rows × countries) for ``indicator``; cells without a
        value get the ``reason`` (a string, or one per mineral), ``rule`` and ``sources``."""
        n = self.n
        value = np.full(n, np.nan)
        rows = np.repeat(np.arange(len(table)), pos.shape[1]) if pos.size else np.array([], dtype=int)
        flat = pos.ravel()
        ok = flat >= 0
        rows, flat = rows[ok], flat[ok]
        if len(table):
            value[flat] = table["value"].to_numpy(dtype=float)[rows]
        has = ~np.isnan(value)
        mi = np.tile(np.arange(self.M), self.C * self.Y)

        def per_mineral(x):
            if isinstance(x, dict):
                return np.array([x.get(m, "") for m in self.m] + [""], dtype=object)[mi]
            return np.array([x], dtype=object)[np.zeros(n, dtype=np.intp)]

        rs = per_mineral(reason)
        if reason_by_country:
            ci = np.repeat(np.arange(self.C), self.Y * self.M)
            cm = {}
            for j, m in enumerate(self.m):
                if m in reason_by_country:
                    head, tail = reason_by_country[m]
                    cm[j] = [head + c + tail for c in self.c]
            for j, texts in cm.items():
                sel = mi == j
                rs[sel] = np.array(texts, dtype=object)[ci[sel]]
        rs[has] = ""
        na = np.array([m in not_applicable for m in self.m] + [False])[mi]
        status = np.array(["missing", "not_applicable", "scored"], dtype=object)[
            np.where(has, 2, np.where(na, 1, 0))]
        out = {"value": value, "reason": rs, "rule": per_mineral(rule), "sources": per_mineral(sources),
               "status": status}
        out["sources"][~has] = ""
        for c in table.columns:
            if c in ("value", "country", "year", "mineral", "reason", "status") or (
                    self.keep is not None and c not in self.keep):
                continue
            src = table[c].to_numpy()
            if src.dtype.kind in "fiub":
                arr = np.full(n, np.nan)
            else:
                arr = np.full(n, np.nan, dtype=object)
                if c in ("rule", "sources"):
                    arr = out[c]
            arr[flat] = src[rows]
            out[c] = arr
        cols[indicator] = out

    def frame(self, cols: dict, keep: list, categorical: bool = False) -> pd.DataFrame:
        """The records: the K indicators interleaved per (country, year, mineral).

        ``categorical``: text columns as pandas categoricals (a large cross product: no
        per-row objects, a fraction of the memory)."""
        K, n = self.K, self.n
        ci = np.repeat(np.arange(self.C), self.Y * self.M * K)
        mi = np.tile(np.repeat(np.arange(self.M), K), self.C * self.Y)
        ki = np.tile(np.arange(K), n)
        if categorical:
            data = {"country": pd.Categorical.from_codes(ci, self.c),
                    "year": np.tile(np.repeat(np.asarray(self.y, dtype=np.int64), self.M * K), self.C),
                    "mineral": pd.Categorical.from_codes(mi, self.m),
                    "indicator": pd.Categorical.from_codes(ki, list(INDICATORS))}
        else:
            data = {"country": np.asarray(self.c, dtype=object)[ci],
                    "year": np.tile(np.repeat(np.asarray(self.y, dtype=np.int64), self.M * K), self.C),
                    "mineral": np.asarray(self.m, dtype=object)[mi],
                    "indicator": np.asarray(INDICATORS, dtype=object)[ki]}
        for c in keep:
            parts = [cols[i].get(c) for i in INDICATORS]
            numeric = all(p is None or p.dtype.kind == "f" for p in parts)
            arr = np.full(n * K, np.nan, dtype=float if numeric else object)
            for k, p in enumerate(parts):
                if p is not None:
                    arr[k::K] = p
            if not numeric and c in ("reason", "sources"):
                arr[pd.isna(arr)] = ""
            data[c] = pd.Categorical(arr) if categorical and not numeric else arr
        return pd.DataFrame(data, copy=False)     # no consolidation copy of millions of rows


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


RECORD_COLUMNS = ["country", "year", "mineral", "indicator", "value", "score", "status", "reason", "rule",
                  "inputs", "sources"]

#: record ``status``: scored; ``not_applicable`` — structural, no HS code can hold this stage (a
#: by-product with no traded ore, an industrial mineral with no refined stage, elements traded only
#: as a group); ``missing`` — the data are not held (the ``reason`` names the remedy)
STATUSES = ("scored", "not_applicable", "missing")


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

    def diagnosis_in(self, lang: str) -> list:
        """:attr:`diagnosis` with the text in ``lang`` (the same problems and tools)."""
        if lang == self.lang:
            return self.diagnosis
        return diagnose(self.records, thresholds=self.method.thresholds, lang=lang)

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

    def to_json(self, lang: str | None = None) -> dict:
        """The ``critmin assess --format json`` document (non-finite numbers as null).

        ``reason`` and ``rule`` stay in English (the fields programs read); in another ``lang``
        (default: the assessment's) each record also has ``reason_text`` and ``rule_text`` in
        that language, and each mineral's ``diagnosis`` is in it. Every mineral has its
        ``mineral_name`` in ``lang``."""
        from .reasons import translate

        lang = lang or self.lang
        r = self.records
        rows = [{"country": c, "year": int(y), "mineral": m, "indicator": i, "value": _fin(float(v)),
                 "score": _fin(float(sc)), "status": st, "reason": rs or None, "rule": ru,
                 "inputs": inp if isinstance(inp, dict) else {}, "sources": list(src) if isinstance(src, list) else []}
                for c, y, m, i, v, sc, st, rs, ru, inp, src in zip(
                    r["country"], r["year"], r["mineral"], r["indicator"], r["value"], r["score"], r["status"],
                    r["reason"], r["rule"], r["inputs"] if "inputs" in r else [None] * len(r),
                    r["sources"] if "sources" in r else [None] * len(r))]
        if lang != "en":
            for row in rows:
                row["reason_text"] = translate(row["reason"], lang) if row["reason"] else None
                row["rule_text"] = translate(row["rule"], lang) if row["rule"] else None
        minerals = [{"mineral": d["mineral"], "mineral_name": catalogue.name(d["mineral"], lang),
                     "country": d["country"], "year": d["year"],
                     "diagnosis": d["diagnosis"], "tools": d["tools"], "problems": d["problems"]}
                    for d in self.diagnosis_in(lang)]
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
        Build the ``inputs`` dicts and ``sources`` lists. ``False`` (large cross products): the
        record columns only.

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
        known = importers_held(store)
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
    if supply is None:
        supply = SupplyData.cached(store, mins, method)
    elif supply.method != method or (mins is not None and not set(mins) <= set(supply.minerals)):
        raise DataValidationError("the supply data given were prepared for another method or other minerals",
                                  field="supply", found=f"method {supply.method.as_dict()}",
                                  expected=f"method {method.as_dict()} and minerals {mins}",
                                  fix="build SupplyData(source, minerals, method) for this assessment, or "
                                      "omit `supply`")
    recs, details = compute(countries=countries, years=years, minerals=mins, method=method, supply=supply,
                            detail=detail)
    if mins is None:  # drop minerals without any data at all
        anyv = recs["value"].notna().groupby(recs["mineral"], observed=True).any()
        recs = recs[recs["mineral"].isin(anyv[anyv].index)]
        if isinstance(recs["mineral"].dtype, pd.CategoricalDtype):
            recs = recs.assign(mineral=recs["mineral"].cat.remove_unused_categories())
    recs = recs.reset_index(drop=True)     # compute lays the records out in output order
    if detail:
        recs["inputs"] = _inputs(recs, details)
        recs["sources"] = [[x for x in str(s).split("; ") if x] for s in recs["sources"]]
        recs = recs[RECORD_COLUMNS]
    return Assessment(recs, method, None, details, supply, lang=lang)


def importers_held(store) -> set:
    """The importers (ISO3) with any trade data in ``store``."""
    from .supply import summary

    return set(summary(store, "importers", "SELECT DISTINCT country FROM obs WHERE dataset = 'trade'")["country"])
