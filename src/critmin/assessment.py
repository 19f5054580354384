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

from dataclasses import asdict, dataclass, field
from typing import Iterable

import numpy as np
import pandas as pd

from . import catalogue
from .diagnosis import INDICATORS, diagnose
from .errors import DataValidationError, UnknownNameError, did_you_mean
from .indicators import concentration, governance, import_stability, normalise, price, secondary

PRODUCTION_PRIORITY = ("wmd", "usgs_mcs", "bgs_wms")
RESERVE_PRIORITY = ("usgs_mcs", "busch_usgs2024")
STAGE_OF = {"import_concentrate": "concentrate", "import_refined": "refined"}


@dataclass(frozen=True)
class Method:
    """The active methodological choices (each documented in its indicator module)."""

    import_variant: str = "weighted_hhi"     # weighted_hhi | product | geopolrisk
    governance: str = "pv"                   # pv | mean
    missing_governance: str = "worst"        # worst | neutral | drop
    domestic: str = "secure"                 # secure | ignore (domestic production as g = 0 source)
    volatility: str = "log_return_std"       # see indicators.price.MEASURES
    volatility_window: int = 10
    normalisation: str = "anchors"           # anchors | minmax | percentile
    residual_rule: str = "split"             # split | as_one | ignore | named_only
    window: int = 1                          # years pooled for concentration and imports
    max_lag: int = 3                         # years an input may lag the assessment year
    thresholds: dict = field(default_factory=dict)

    def __post_init__(self) -> None:
        checks = {"import_variant": import_stability.VARIANTS, "governance": governance.INDICES,
                  "missing_governance": tuple(governance.MISSING_RULES), "volatility": price.MEASURES,
                  "normalisation": normalise.METHODS, "residual_rule": concentration.RESIDUAL_RULES,
                  "domestic": ("secure", "ignore")}
        for name, allowed in checks.items():
            v = getattr(self, name)
            if v not in allowed:
                raise DataValidationError(f"unknown {name.replace('_', ' ')}{did_you_mean(v, allowed)}",
                                          field=name, found=v, expected=f"one of {list(allowed)}")
        if self.window < 1 or self.volatility_window < 3:
            raise DataValidationError("window too short", field="window",
                                      found=(self.window, self.volatility_window),
                                      expected="window >= 1 and volatility_window >= 3")

    def as_dict(self) -> dict:
        return asdict(self)


def _pick_source(df: pd.DataFrame, priority: tuple[str, ...]) -> pd.DataFrame:
    """Keep, per (mineral, year), the rows of the first source in ``priority`` and its main basis."""
    if df.empty:
        return df
    rank = {s: i for i, s in enumerate(priority)}
    df = df[df["source"].isin(rank)].copy()
    df["_rank"] = df["source"].map(rank)
    best = df.groupby(["mineral", "year"])["_rank"].transform("min")
    df = df[df["_rank"] == best]
    # one basis and unit per (mineral, year): the one with most rows
    n = df.groupby(["mineral", "year", "basis", "unit"]).size().rename("_n").reset_index()
    n = n.sort_values("_n", ascending=False).drop_duplicates(["mineral", "year"])
    df = df.merge(n[["mineral", "year", "basis", "unit"]], on=["mineral", "year", "basis", "unit"])
    return df.drop(columns="_rank")


def _asof(targets: pd.DataFrame, table: pd.DataFrame, by: list[str], max_lag: int) -> pd.DataFrame:
    """For each target (by + year) the table row of the latest data year ≤ year within ``max_lag``."""
    if table.empty:
        cols = list(dict.fromkeys(list(targets.columns) + [c for c in table.columns if c != "year"]))
        out = pd.DataFrame({c: pd.Series(dtype="float64") for c in cols})
        for c in targets.columns:
            out[c] = out[c].astype(targets[c].dtype)
        return out.assign(data_year=pd.Series(dtype="float64"))
    t = table.rename(columns={"year": "data_year"}).sort_values("data_year")
    out = pd.merge_asof(targets.sort_values("year").assign(year=lambda d: d["year"].astype("int64")),
                        t.assign(data_year=t["data_year"].astype("int64")),
                        left_on="year", right_on="data_year", by=by, direction="backward",
                        tolerance=max_lag)
    return out[out["data_year"].notna()]


def _src(df: pd.DataFrame, by: list[str]) -> pd.Series:
    return (df["source"] + ":" + df["edition"]).groupby([df[b] for b in by]).agg(
        lambda s: "; ".join(sorted(set(s))))


class Held(dict):
    """Tables kept in ``DataFrame.attrs``: compared by identity and never deep-copied, so that
    pandas operations on the result (concat, merge, printing slices) stay cheap and safe."""

    def __eq__(self, other) -> bool:
        return self is other

    def __ne__(self, other) -> bool:
        return self is not other

    __hash__ = object.__hash__

    def __deepcopy__(self, memo):
        return self

    def __copy__(self):
        return self


class Inputs:
    """Supply-side inputs read once from the store and reused for any importer/year."""

    def __init__(self, store, method: Method, minerals: list[str]) -> None:
        self.store, self.method, self.minerals = store, method, minerals
        prod = store.load("mine_production", minerals=minerals, variables=["quantity"])
        prod = _pick_source(prod[np.isfinite(prod["value"])], PRODUCTION_PRIORITY)
        self.production_obs = prod
        self.production = self._hhi(prod)
        res = store.load("reserves", minerals=minerals, variables=["quantity"])
        res = _pick_source(res[np.isfinite(res["value"])], RESERVE_PRIORITY)
        self.reserves_obs = res
        self.reserves = self._hhi(res, window=1)
        self.reserve_life = self._reserve_life(store, minerals)
        rec = store.load("recycling", minerals=minerals)
        self.secondary = secondary.secondary_risk(rec, minerals)
        self.prices = self._price_series()
        self.gov_obs = store.load("governance")

    @staticmethod
    def _reserve_life(store, minerals) -> pd.DataFrame:
        """Reserve life (可採年数) per USGS edition: world reserves / world mine production of the
        edition's latest production year, both in tonnes of the same basis."""
        from .units import MASS_TO_T

        cols = ["mineral", "edition", "reserves_t", "production_t", "production_year", "life_years"]
        r = store.load("reserves", minerals=minerals, countries=["WLD"], sources=["usgs_mcs"],
                       variables=["quantity"], editions="all")
        p = store.load("mine_production", minerals=minerals, countries=["WLD"], sources=["usgs_mcs"],
                       variables=["quantity"], editions="all")
        if r.empty or p.empty:
            return pd.DataFrame(columns=cols)
        for d in (r, p):
            d["t"] = d["value"] * d["unit"].map(MASS_TO_T)
        p = p.sort_values("year").drop_duplicates(["mineral", "edition"], keep="last")
        m = r.merge(p, on=["mineral", "edition"], suffixes=("_r", "_p"))
        m = m[(m["basis_r"] == m["basis_p"]) & m["t_r"].notna() & m["t_p"].gt(0)]
        out = pd.DataFrame({"mineral": m["mineral"], "edition": m["edition"], "reserves_t": m["t_r"],
                            "production_t": m["t_p"], "production_year": m["year_p"],
                            "life_years": m["t_r"] / m["t_p"]})
        return out.reset_index(drop=True)

    def _hhi(self, obs: pd.DataFrame, window: int | None = None) -> pd.DataFrame:
        w = self.method.window if window is None else window
        if obs.empty:
            return pd.DataFrame(columns=["mineral", "year", "hhi", "hhi_lower", "hhi_upper", "hhi_named_only",
                                         "residual_share", "n_countries", "total", "top_country", "top_share",
                                         "rule", "sources", "unit", "basis"])
        d = concentration.pool_window(obs, w) if w > 1 else obs
        h = concentration.country_hhi(d, ["mineral", "year"], rule=self.method.residual_rule)
        src = _src(obs, ["mineral", "year"]).rename("sources").reset_index()
        units = obs.groupby(["mineral", "year"])[["unit", "basis"]].first().reset_index()
        return h.merge(src, on=["mineral", "year"], how="left").merge(units, on=["mineral", "year"], how="left")

    def _price_series(self) -> pd.DataFrame:
        p = self.store.load("price")
        named = p[p["mineral"].isin(self.minerals)].copy()
        named["series"] = named["source"] + ":" + named["variable"] + ":" + named["unit"] + ":" + named["hs"]
        uv = self.store.sql("""
            SELECT m.mineral, o.hs, o.year, o.value, o.unit, o.source, o.edition, o.variable, o.note,
                   m.stage
            FROM obs o JOIN hs_map m ON o.hs = m.hs
            WHERE o.dataset = 'price' AND o.mineral = '' AND m.stage IN ('refined', 'concentrate')""")
        uv = uv[uv["mineral"].isin(self.minerals)]
        if len(uv):
            # prefer refined codes; among them the code with the longest, then largest series
            n = uv.groupby(["mineral", "stage", "hs"]).size().rename("n").reset_index()
            n["stage_rank"] = n["stage"].map({"refined": 0, "concentrate": 1})
            n = n.sort_values(["mineral", "stage_rank", "n"], ascending=[True, True, False])
            n = n.drop_duplicates("mineral")
            uv = uv.merge(n[["mineral", "hs"]], on=["mineral", "hs"])
            uv["series"] = uv["source"] + ":unit_value:" + uv["unit"] + ":" + uv["hs"]
        allp = pd.concat([named, uv], ignore_index=True)
        rank = {s: i for i, s in enumerate(price.SOURCE_PRIORITY)}
        allp["rank"] = allp["source"].map(rank).fillna(len(rank))
        # among several series of one source, prefer variable 'price' then the longest
        allp["rank"] = allp["rank"] + allp["variable"].ne("price") * 0.1
        return allp

    def volatility(self, years: list[int]) -> pd.DataFrame:
        m = self.method
        v = price.volatility(self.prices, years=years, window=m.volatility_window,
                             measure=m.volatility, min_years=max(3, int(0.6 * m.volatility_window)))
        meta = self.prices.drop_duplicates("series").set_index("series")[["source", "edition", "unit", "note"]]
        return v.join(meta, on="series")

    def governance(self, years: list[int]) -> pd.DataFrame:
        return governance.scores(self.gov_obs, index=self.method.governance, years=years)


def compute(store=None, *, countries: Iterable[str] | None = ("JPN",), years: Iterable[int] | None = None,
            minerals: Iterable[str] | None = None, method: Method | None = None,
            inputs: Inputs | None = None) -> tuple[pd.DataFrame, dict]:
    """Vectorised core: records for every (country, year, mineral, indicator).

    ``countries=None`` means every importer in the trade data; ``years=None`` every
    year with trade data. Returns ``(records, details)`` where ``records`` has scalar
    columns only and ``details`` holds the share tables behind them.
    """
    from .store import default_store

    store = store or default_store()
    method = method or Method()
    minerals = list(minerals) if minerals is not None else catalogue.mineral_ids()
    inp = inputs or Inputs(store, method, minerals)

    # -- trade (all importers at once) ------------------------------------------------------------
    imp = list(countries) if countries is not None else None
    fl = import_stability.prepare_trade(store.trade_flows(minerals=minerals, importers=imp))
    trade_src = store.sql("""SELECT m.mineral, m.stage, string_agg(DISTINCT o.source || ':' || o.edition, '; ')
                             AS sources FROM obs o JOIN hs_map m ON o.hs = m.hs WHERE o.dataset='trade'
                             AND o.variable = 'value' GROUP BY ALL""")
    if years is None:
        years = sorted(fl["year"].unique().tolist())
    years = [int(y) for y in years]
    if countries is None:
        countries = sorted(fl["importer"].unique().tolist())
    countries = list(countries)
    gyears = sorted(set(years) | set(range(min(years) - method.window - method.max_lag, max(years) + 1)))
    g = inp.governance(gyears)
    domestic = None
    if method.domestic == "secure":
        dom = _domestic(store, countries, minerals)
        keys = fl[["importer", "mineral", "stage", "year"]].drop_duplicates().rename(columns={"importer": "country"})
        domestic = _asof(keys, dom, ["country", "mineral", "stage"], method.max_lag).drop(columns="data_year")
    summ, shares = import_stability.import_risk(fl, g, variant=method.import_variant,
                                                missing=method.missing_governance, window=method.window,
                                                domestic=domestic, domestic_rule=method.domestic)

    grid = pd.MultiIndex.from_product([countries, years, minerals], names=["country", "year", "mineral"])
    grid = grid.to_frame(index=False)
    pieces = []

    # -- 1, 2: reserves and production concentration ----------------------------------------------
    for ind, table, what in (("reserve_concentration", inp.reserves, "reserves"),
                             ("production_concentration", inp.production, "mine production")):
        t = grid[["year", "mineral"]].drop_duplicates()
        # reserves are a slow-moving stock published once a year: two more years of look-back
        lag = method.max_lag if ind != "reserve_concentration" else method.max_lag + 2
        hit = _asof(t, table, ["mineral"], lag)
        rec = grid.merge(hit, on=["year", "mineral"], how="left")
        rec["indicator"] = ind
        rec["value"] = rec["hhi"]
        rec["reason"] = np.where(rec["hhi"].isna(), f"no {what} data by country within "
                                 f"{lag} years before the assessment year", "")
        rec["rule"] = ("HHI of country shares; 'Other countries' rule: " + method.residual_rule
                       + (f"; {method.window}-year pooled" if method.window > 1 else ""))
        pieces.append(rec)

    # -- 3, 4: import stability per stage ---------------------------------------------------------
    held = frozenset(store.sql("SELECT DISTINCT hs FROM obs WHERE dataset = 'trade'")["hs"])
    for ind, stage in STAGE_OF.items():
        s = summ[summ["stage"] == stage].drop(columns="stage").rename(columns={"importer": "country"})
        hit = _asof(grid, s, ["country", "mineral"], method.max_lag)
        rec = grid.merge(hit, on=["country", "year", "mineral"], how="left")
        rec["indicator"] = ind
        why = {}
        for m in minerals:
            gap = catalogue.stage_reason(m, stage, held)
            codes = catalogue.codes(m, stage)
            why[m] = ((gap, "") if gap else
                      (f"no recorded {stage} imports ({', '.join(codes)}) by ", f" within {method.max_lag} years"))
        head = rec["mineral"].map({m: w[0] for m, w in why.items()})
        tail = rec["mineral"].map({m: w[1] for m, w in why.items()})
        needs_c = head.str.startswith("no recorded")
        reason = head.where(~needs_c, head + rec["country"] + tail)
        rec["reason"] = reason.where(rec["value"].isna(), "")
        rec["rule"] = (f"{method.import_variant} over {stage}-stage HS codes only; governance "
                       f"{method.governance} g=clip((2.5-WGI)/5); missing g: {method.missing_governance}; "
                       f"domestic production: {method.domestic}")
        # a code shared by several minerals (e.g. 261690 gold and PGM ores) counts the whole code's flows
        hc = catalogue.hs_codes()
        hc = hc[(hc["stage"] == stage) & (hc["shared"].fillna("") != "")]
        shared = {m: "; shared HS code(s) " + ", ".join(f"{r.hs} (also {r.shared.replace(';', ', ')})" for r in g.itertuples())
                     + ": the whole code's flows are counted" for m, g in hc.groupby("mineral")}
        rec["rule"] = rec["rule"] + rec["mineral"].map(shared).fillna("")
        ts = trade_src[trade_src["stage"] == stage].set_index("mineral")["sources"]
        rec["sources"] = rec["mineral"].map(ts).fillna("")
        pieces.append(rec)

    # -- 5: price volatility ----------------------------------------------------------------------
    vol = inp.volatility(years)
    rec = grid.merge(vol.rename(columns={"last_year": "data_year"}), on=["year", "mineral"], how="left")
    rec["indicator"] = "price_volatility"
    rec["reason"] = np.where(rec["value"].isna(), f"no price or unit-value series with enough years "
                             f"in the {method.volatility_window}-year window", "")
    rec["rule"] = f"{method.volatility} over {method.volatility_window} years (nominal annual prices)"
    rec["sources"] = (rec["source"] + ":" + rec["edition"]).where(rec["value"].notna(), "")
    pieces.append(rec)

    # -- 6: secondary supply ----------------------------------------------------------------------
    sec = inp.secondary.rename(columns={"value": "rate"})
    rec = grid.merge(sec, on="mineral", how="left")
    rec["indicator"] = "secondary_supply"
    rec["value"] = rec["risk"]
    rec["reason"] = np.where(rec["value"].isna(), "no secondary-supply figure or recycling rate", "")
    rec["rule"] = "1 - min(1, secondary/demand); proxy: " + rec["basis"].fillna("none")
    rec["sources"] = (rec["source"] + ":" + rec["edition"]).where(rec["value"].notna(), "")
    pieces.append(rec)

    cols = ["country", "year", "mineral", "indicator", "value", "reason", "rule", "data_year", "sources",
            "hhi", "residual_share", "n_countries", "top_country", "top_share", "total", "unit", "basis",
            "gbar", "n_partners", "total_q", "missing_g_share", "domestic_p", "series", "n_years",
            "first_year", "rate", "variable"]
    recs = pd.concat([p.reindex(columns=cols) for p in pieces], ignore_index=True)
    recs["value"] = recs["value"].astype(float)
    recs["score"] = score_records(recs, method)
    recs["sources"] = recs["sources"].fillna("")
    recs["reason"] = recs["reason"].fillna("")
    details = {"reserve_life": inp.reserve_life, "import_shares": shares, "production_obs": inp.production_obs, "reserves_obs": inp.reserves_obs,
               "prices": inp.prices, "governance": g}
    return recs, details


REFINED_PRIORITY = ("usgs_mcs", "wmd", "bgs_wms")


def score_records(recs: pd.DataFrame, method: Method) -> pd.Series:
    """Scores in [0, 1] of records (``indicator``, ``value``, ``country``, ``year``) by ``method``'s
    normalisation, with the anchors of its volatility measure and import-stability variant."""
    anchors = {}
    if method.volatility != "log_return_std":
        anchors["price_volatility"] = normalise.MEASURE_ANCHORS[method.volatility]
    anchors["import_concentrate"] = anchors["import_refined"] = normalise.VARIANT_ANCHORS[method.import_variant]
    return normalise.scale(recs, method=method.normalisation, anchors=anchors).clip(0, 1)


def _domestic(store, countries, minerals) -> pd.DataFrame:
    """Importers' own production in tonnes: mine (concentrate stage) and refined (refined stage)."""
    from .units import MASS_TO_T

    out = []
    for ds, stage, prio in (("mine_production", "concentrate", PRODUCTION_PRIORITY),
                            ("refined_production", "refined", REFINED_PRIORITY)):
        d = store.load(ds, minerals=minerals, countries=countries, variables=["quantity"])
        d = d[np.isfinite(d["value"]) & d["unit"].isin(list(MASS_TO_T))]
        d = d.assign(value=d["value"] * d["unit"].map(MASS_TO_T), unit="t")
        d = _pick_source(d, prio)
        d = d.groupby(["country", "mineral", "year"], as_index=False)["value"].sum()
        out.append(d.assign(stage=stage).rename(columns={"value": "p"}))
    return pd.concat(out, ignore_index=True)


def latest_year(store, country: str) -> int:
    """The latest year with trade data for ``country``."""
    r = store.sql("SELECT max(year) AS y FROM obs WHERE dataset='trade' AND country = ?", [country])
    y = r["y"].iloc[0]
    if pd.isna(y):
        raise UnknownNameError(f"no trade data for importer {country}", field="country", found=country,
                               fix="choose an importer listed by `critmin data info`")
    return int(y)


def check_years(store, country: str, years) -> list[int]:
    """``years`` as ints, each within the span of ``country``'s trade data, else a clear error."""
    r = store.sql("SELECT min(year) AS lo, max(year) AS hi FROM obs WHERE dataset='trade' AND country = ?",
                  [country])
    lo, hi = r["lo"].iloc[0], r["hi"].iloc[0]
    if pd.isna(hi):
        raise UnknownNameError(f"no trade data for importer {country}", field="country", found=country,
                               fix="choose an importer listed by `critmin data info`")
    ys = [int(y) for y in ([years] if isinstance(years, (int, np.integer)) else years)]
    bad = [y for y in ys if not int(lo) <= y <= int(hi)]
    if not ys or bad:
        raise DataValidationError(f"no trade data for {country} in {bad or 'the years given'}",
                                  field="year", found=bad or ys, expected=f"years {int(lo)}–{int(hi)}",
                                  fix=f"choose years between {int(lo)} and {int(hi)}")
    return ys


def _inputs_dict(rec: pd.Series, details: dict, top: int = 12) -> dict:
    ind = rec["indicator"]
    d: dict = {"data_year": None if pd.isna(rec["data_year"]) else int(rec["data_year"])}
    if ind in ("reserve_concentration", "production_concentration"):
        obs = details["reserves_obs" if ind == "reserve_concentration" else "production_obs"]
        if pd.notna(rec["value"]):
            o = obs[(obs["mineral"] == rec["mineral"]) & (obs["year"] == d["data_year"])]
            sh = concentration.country_shares(o, ["mineral"]).sort_values("share", ascending=False)
            if ind == "reserve_concentration":
                rl = details["reserve_life"]
                rl = rl[rl["mineral"] == rec["mineral"]].sort_values("edition")
                if len(rl):
                    d["reserve_life_years"] = {e: round(float(v), 1) for e, v in zip(rl["edition"], rl["life_years"])}
                    if len(rl) > 1:
                        d["reserve_life_change"] = round(float(rl["life_years"].iloc[-1] / rl["life_years"].iloc[0] - 1), 4)
            d.update({"hhi": rec["hhi"], "residual_share": rec["residual_share"],
                      "n_countries": int(rec["n_countries"]), "total": rec["total"], "unit": rec["unit"],
                      "basis": rec["basis"],
                      "shares": {c: round(float(s), 6) for c, s in zip(sh["country"], sh["share"])}})
    elif ind in STAGE_OF:
        if pd.notna(rec["value"]):
            sh = details["import_shares"]
            s = sh[(sh["importer"] == rec["country"]) & (sh["mineral"] == rec["mineral"])
                   & (sh["stage"] == STAGE_OF[ind]) & (sh["year"] == d["data_year"])]
            s = s.sort_values("share", ascending=False)
            d.update({"hhi": rec["hhi"], "g_weighted_mean": rec["gbar"], "n_partners": int(rec["n_partners"]),
                      "total_t": rec["total_q"], "missing_governance_share": rec["missing_g_share"],
                      "shares": {c: round(float(v), 6) for c, v in zip(s["exporter"], s["share"])},
                      "g": {c: round(float(v), 4) for c, v in zip(s["exporter"].head(top), s["g"].head(top))},
                      "stage_codes": catalogue.codes(rec["mineral"], STAGE_OF[ind])})
            if pd.notna(rec.get("domestic_p", np.nan)):
                d["domestic_production"] = rec["domestic_p"]
    elif ind == "price_volatility":
        if pd.notna(rec["value"]):
            d.update({"series": rec["series"], "n_years": int(rec["n_years"]),
                      "first_year": int(rec["first_year"]), "last_year": d["data_year"]})
    elif ind == "secondary_supply":
        if pd.notna(rec["value"]):
            d.update({"recycling_rate": rec["rate"], "rate_variable": rec["variable"]})
    return {k: (None if isinstance(v, float) and not np.isfinite(v) else v) for k, v in d.items()}


def assess(country: str | Iterable[str] = "JPN", year: int | Iterable[int] | None = None,
           minerals: Iterable[str] | None = None, *, method: Method | None = None, store=None,
           detail: bool = True, lang: str = "en", **method_kw) -> pd.DataFrame:
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
    detail : bool
        Build the ``inputs`` dicts and ``sources`` lists (set False for large cross products).

    Returns
    -------
    DataFrame with columns ``country, year, mineral, indicator, value, score, reason, rule,
    inputs, sources``; ``.attrs["method"]`` and ``.attrs["minerals"]`` (diagnosis and tools).
    """
    from .countries import check_iso3
    from .store import default_store

    store = store or default_store()
    method = method or Method(**method_kw)
    if isinstance(country, str) and country.lower() == "all":
        countries = None
    else:
        countries = [check_iso3(c) for c in ([country] if isinstance(country, str) else country)]
        known = set(store.sql("SELECT DISTINCT country FROM obs WHERE dataset='trade'")["country"])
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
    recs, details = compute(store, countries=countries, years=years, minerals=mins, method=method)
    if mins is None:  # drop minerals without any data at all
        anyv = recs.groupby("mineral")["value"].apply(lambda s: s.notna().any())
        recs = recs[recs["mineral"].isin(anyv[anyv].index)]
    order = {ind: i for i, ind in enumerate(INDICATORS)}
    recs = recs.sort_values(["country", "year", "mineral", "indicator"],
                            key=lambda s: s.map(order) if s.name == "indicator" else s)
    recs = recs.reset_index(drop=True)
    if detail:
        recs["inputs"] = [_inputs_dict(r, details) for _, r in recs.iterrows()]
        recs["sources"] = recs["sources"].map(lambda s: [x for x in str(s).split("; ") if x])
    out = recs if not detail else recs[["country", "year", "mineral", "indicator", "value", "score",
                                        "reason", "rule", "inputs", "sources"]]
    out.attrs["method"] = method.as_dict()
    out.attrs["minerals"] = diagnose(recs, thresholds=method.thresholds, lang=lang)
    out.attrs["details"] = Held(details)
    return out
