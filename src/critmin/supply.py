"""The supply layer (供給データ層): one set of prepared supply inputs under every calculation.

:class:`SupplyData` is built once per (data source, minerals, method) and read by the
assessment, the established methods (EU CRM, GeoPolRisk, company mode), the uncertainty
model, the policy evaluation (as an overlay, :meth:`SupplyData.with_plan`), the material
balance and everything built on it (stockpile, disruption, self-sufficiency). The rules
below are applied here and nowhere else.

Source picking
    Per (mineral, year) the rows of the first source in a priority list
    (:data:`PRODUCTION_PRIORITY`, :data:`RESERVE_PRIORITY`, :data:`REFINED_PRIORITY`) and
    its main basis and unit (:func:`pick_source`).

Units and content
    Mass units convert to tonnes and oxide/compound bases to contained element through
    :mod:`critmin.units` (content factors as data). A quantity on a gross-weight basis (ores
    and concentrates, mattes, REO mixtures) is never added to contained tonnes.

Trade flows (:meth:`SupplyData.flows`)
    One row per (importer, exporter, mineral, stage, HS code, year) with the reported
    quantity ``q`` (t of product), the value ``v`` (kUSD), the contained quantity ``q_c``
    (t of element, where the code's basis converts) and flags for imputed figures. A flow
    with a value but no quantity is kept: its quantity is imputed from the unit value of the
    code (the importer's that year, else the world's that year, else the code's over all
    years); a flow with a quantity but no value gets its value the same way. Self-trade is
    excluded. Where several sources hold the same (code, importer, year), only the first of
    :data:`TRADE_PRIORITY` is read (an import of UN Comtrade or a fetched BACI release is never
    added on top of the shipped flows). Where a mineral has its own HS code at a stage, a code it shares with other
    minerals at that stage (e.g. 8112.92 for Ga/Ge/In/Re/Hf, where germanium has 8112.30) is
    not counted for it.

Weighting rule of import shares (:meth:`SupplyData.import_weights`)
    Per (importer, mineral, stage, year): ``contained`` — shares of contained tonnes — where
    every flow's code converts to contained element; else ``value`` — shares of import
    value (USD), the only measure commensurable across ores of different grades. Domestic
    production, a secure source, joins on the same basis: contained tonnes, or contained
    tonnes × the element's unit value that year (the world unit value of the mineral's
    refined-stage trade in USD per t contained, else its price series in USD per t).

Prices (:attr:`SupplyData.prices`)
    Published price series are used as published. Unit values computed from trade records
    are screened: a point more than a factor :data:`UV_BAND` from the median of its series
    over ±:data:`UV_HALF_WINDOW` years is dropped as a unit error (listed in
    :attr:`SupplyData.price_dropped`). A series that ends more than :data:`PRICE_STALE`
    year(s) before the target year is passed over for a later one (see
    :func:`critmin.indicators.price.volatility`).

Importing this module loads nothing.
"""
from __future__ import annotations

from functools import cached_property, lru_cache
from typing import Iterable, Protocol, Sequence

import numpy as np
import pandas as pd

from . import catalogue
from .errors import DataValidationError, UnknownNameError
from .i18n import N_
from .indicators import concentration, governance, price, secondary
from .method import Method
from .reasons import template as _t
from .units import MASS_TO_T, content_factors, price_per_tonne

# the texts of the provenance table (English; translated where shown: critmin.reasons.translate)
P_FIRST_OF = _t(N_("first of {order}"))
P_TRADE = _t(N_("trade {stage}"))
P_TRADE_RULE = _t(N_("contained tonnes where the code converts, else value; value-only flows kept (quantity "
                     "imputed from unit values)"))
P_SCREENED = _t(N_("unit values screened (factor {band} of the ±{years}-year median)"))
P_DROPPED = _t(N_("{n} points dropped"))

PRODUCTION_PRIORITY = ("wmd", "usgs_mcs", "bgs_wms")
RESERVE_PRIORITY = ("usgs_mcs", "busch_usgs2024")
REFINED_PRIORITY = ("usgs_mcs", "wmd", "bgs_wms")
#: the production dataset of each trade stage (domestic production at that stage)
STAGE_PRODUCTION = {"concentrate": ("mine_production", PRODUCTION_PRIORITY),
                    "refined": ("refined_production", REFINED_PRIORITY)}
TRADE_STAGES = ("concentrate", "refined")
NOT_COUNTRIES = ("WLD", "OTH")

#: trade sources in order of preference where several hold the same (HS code, importer, year):
#: complete releases (CEPII BACI, UN Comtrade declared imports) before the Critical Materials
#: Atlas top-flows extract; any other source after these
TRADE_PRIORITY = ("baci_hs92", "comtrade", "atlas")

#: unit-value screening: factor band around the rolling median, half-window in years
UV_BAND = 5.0
UV_HALF_WINDOW = 3
#: a price series ending more than this many years before the target year is passed over
PRICE_STALE = 1

#: a later (HS 2007/2017) code that lies inside an HS92 code counted for the same mineral: where a
#: flow of the outer code exists for the same importer, exporter and year, the inner flow is the
#: same goods reported again (Critical Materials Atlas beside BACI) and is not added
NESTED_CODES = {"810320": "810310", "811212": "811211"}

FLOW_COLUMNS = ["mineral", "stage", "hs", "content_basis", "shared", "importer", "exporter", "year",
                "q", "v", "q_c", "q_imputed", "v_imputed"]


class DataSource(Protocol):
    """What the supply layer reads: :class:`critmin.store.Store` implements it.

    ``summary(name, query)`` (optional) answers a whole-store query once per data version.
    """

    def load(self, dataset: str, **filters) -> pd.DataFrame: ...

    def sql(self, query: str, params: Sequence | None = None) -> pd.DataFrame: ...


def summary(source, name: str, query: str) -> pd.DataFrame:
    """``source.summary(name, query)`` where the source caches whole-store queries, else ``sql``."""
    f = getattr(source, "summary", None)
    return f(name, query) if callable(f) else source.sql(query)


# -- pure helpers -------------------------------------------------------------------------------

def pick_source(df: pd.DataFrame, priority: tuple[str, ...]) -> pd.DataFrame:
    """Keep, per (mineral, year), the rows of the first source in ``priority`` and its main basis.

    >>> d = pd.DataFrame({"mineral": "x", "year": 2020, "source": ["b", "a", "a"], "basis": "metal",
    ...                   "unit": "t", "country": ["P", "P", "Q"], "value": [1.0, 2.0, 3.0]})
    >>> pick_source(d, ("a", "b"))["value"].tolist()
    [2.0, 3.0]
    """
    if df.empty:
        return df
    rank = {s: i for i, s in enumerate(priority)}
    df = df[df["source"].isin(rank)].copy()
    df["_rank"] = df["source"].map(rank)
    best = df.groupby(["mineral", "year"])["_rank"].transform("min")
    df = df[df["_rank"] == best]
    # one basis and unit per (mineral, year): the one with most rows
    n = df.groupby(["mineral", "year", "basis", "unit"]).size().rename("_n").reset_index()
    n = n.sort_values("_n", ascending=False, kind="stable").drop_duplicates(["mineral", "year"])
    df = df.merge(n[["mineral", "year", "basis", "unit"]], on=["mineral", "year", "basis", "unit"])
    return df.drop(columns="_rank")


def asof(targets: pd.DataFrame, table: pd.DataFrame, by: list[str], max_lag: int) -> pd.DataFrame:
    """For each target (``by`` + ``year``) the table row of the latest data year ≤ year within
    ``max_lag`` years (column ``data_year``)."""
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


def sources_of(df: pd.DataFrame, by: list[str]) -> pd.Series:
    """``source:edition`` list (``; ``-joined) per group."""
    return (df["source"] + ":" + df["edition"]).groupby([df[b] for b in by]).agg(
        lambda s: "; ".join(sorted(set(s))))


def contained_tonnes(df: pd.DataFrame, basis_col: str = "basis") -> pd.DataFrame:
    """Add ``t`` (tonnes; contained element where the basis converts, else gross) and
    ``t_basis`` (``contained``/``gross``) to rows with a mass ``unit``; other rows are dropped.

    >>> d = pd.DataFrame({"value": [2.0, 100.0, 5.0], "unit": ["kt", "t", "t"],
    ...                   "basis": ["metal", "Li2O", "gross"]})
    >>> contained_tonnes(d)[["t", "t_basis"]].round(2).values.tolist()
    [[2000.0, 'contained'], [46.45, 'contained'], [5.0, 'gross']]
    """
    d = df[df["unit"].isin(list(MASS_TO_T)) & np.isfinite(df["value"].astype(float))].copy()
    f = content_factors(d[basis_col])
    d["t"] = d["value"] * d["unit"].map(MASS_TO_T) * f.fillna(1.0)
    d["t_basis"] = np.where(f.notna(), "contained", "gross")
    return d


def screen_unit_values(uv: pd.DataFrame, *, band: float = UV_BAND, half: int = UV_HALF_WINDOW
                       ) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Drop unit-value points more than a factor ``band`` from the median of their ``series``
    over ``±half`` years. Returns ``(kept, dropped)``; ``dropped`` has ``median`` and ``factor``.

    >>> d = pd.DataFrame({"series": "s", "year": range(2010, 2016),
    ...                   "value": [100., 110., 1., 120., 105., 115.]})
    >>> k, x = screen_unit_values(d)
    >>> x["year"].tolist(), len(k)
    ([2012], 5)
    """
    if uv.empty:
        return uv, uv.assign(median=pd.Series(dtype=float), factor=pd.Series(dtype=float))
    d = uv.sort_values(["series", "year"]).copy()
    lv = np.log(d["value"].where(d["value"] > 0))
    med = np.full(len(d), np.nan)
    yrs, lvs, ser = d["year"].to_numpy(), lv.to_numpy(), d["series"].to_numpy()
    for s in pd.unique(ser):
        idx = np.flatnonzero(ser == s)
        y, v = yrs[idx], lvs[idx]
        for k, i in enumerate(idx):
            w = v[(np.abs(y - y[k]) <= half) & np.isfinite(v)]
            med[i] = np.median(w) if w.size >= 3 else np.nan
    d["median"] = np.exp(med)
    d["factor"] = np.exp(np.abs(lvs - med))
    bad = (d["factor"] > band) | ~np.isfinite(lvs)
    return d[~bad].drop(columns=["median", "factor"]), d[bad]


def latest_year(source, country: str) -> int:
    """The latest year with trade data for ``country``."""
    r = source.sql("SELECT max(year) AS y FROM obs WHERE dataset='trade' AND country = ?", [country])
    y = r["y"].iloc[0]
    if pd.isna(y):
        raise UnknownNameError(f"no trade data for importer {country}", field="country", found=country,
                               fix="choose an importer listed by `critmin data info`")
    return int(y)


def check_years(source, country: str, years) -> list[int]:
    """``years`` as ints, each within the span of ``country``'s trade data, else a clear error."""
    r = source.sql("SELECT min(year) AS lo, max(year) AS hi FROM obs WHERE dataset='trade' AND country = ?",
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


def stage_codes(mineral: str, stage: str) -> list[str]:
    """The HS codes counted for ``mineral`` at ``stage``: its own codes where it has any at that
    stage, else the codes it shares with other minerals."""
    return list(_counted_map().get((mineral, stage), ()))


@lru_cache(maxsize=1)
def _counted_map() -> dict:
    h = _hs_counted()
    return {k: tuple(g["hs"]) for k, g in h.groupby(["mineral", "stage"], sort=False)}


@lru_cache(maxsize=1)
def _hs_counted() -> pd.DataFrame:
    """Catalogue (hs, mineral, stage) rows counted by the supply layer (own codes over shared)."""
    h = catalogue.hs_codes()[["hs", "mineral", "stage", "shared"]].copy()
    h["own"] = h["shared"].fillna("") == ""
    has_own = h.groupby(["mineral", "stage"])["own"].transform("any")
    return h[h["own"] | ~has_own]


# -- the supply data ----------------------------------------------------------------------------

class SupplyData:
    """Prepared supply inputs for ``minerals`` under ``method``, read once from ``source``.

    Every table is built on first use and kept. ``source`` is a :class:`DataSource` (default:
    the process-wide store of shipped data and user imports).

    Examples
    --------
    >>> sd = SupplyData(minerals=["copper"])             # doctest: +SKIP
    >>> sd.import_weights(["JPN"])[0].head()              # doctest: +SKIP
    """

    def __init__(self, source=None, minerals: Iterable[str] | None = None, method: Method | None = None,
                 ) -> None:
        from .store import default_store

        self.source = source if source is not None else default_store()
        self.method = method or Method()
        self.minerals = list(minerals) if minerals is not None else catalogue.mineral_ids()
        self._flows: dict = {}
        self._weights: dict = {}
        self.overlay = None

    @classmethod
    def cached(cls, source=None, minerals: Iterable[str] | None = None, method: Method | None = None
               ) -> "SupplyData":
        """A process-wide shared instance per (data version, minerals, method): a second assessment
        in the same process reads the tables already prepared. A source without a ``version()``
        (e.g. a test double) gets a fresh instance."""
        from .store import default_store

        source = source if source is not None else default_store()
        method = method or Method()
        version = getattr(source, "version", None)
        if not callable(version):
            return cls(source, minerals, method)
        key = (id(source), version(), None if minerals is None else tuple(minerals), method.key())
        hit = _CACHE.get(key)
        if hit is None:
            hit = cls(source, minerals, method)
            _CACHE[key] = hit
            while len(_CACHE) > _CACHE_SIZE:
                _CACHE.pop(next(iter(_CACHE)))
        return hit

    # -- production and reserves ---------------------------------------------------------
    def _picked(self, dataset: str, priority) -> pd.DataFrame:
        d = self.source.load(dataset, minerals=self.minerals, variables=["quantity"])
        return pick_source(d[np.isfinite(d["value"])], priority)

    @cached_property
    def production_obs(self) -> pd.DataFrame:
        """Mine production by country, one source per (mineral, year) (canonical schema)."""
        return self._picked("mine_production", PRODUCTION_PRIORITY)

    @cached_property
    def concentration_obs(self) -> pd.DataFrame:
        """The production whose country concentration the assessment scores: mine production, and
        for a mineral with no mine production by country at all (a by-product such as gallium, or
        a metal made from other ores) its refined production — the first stage produced."""
        mine = self.production_obs
        ref = self.refined_obs
        ref = ref[~ref["mineral"].isin(set(mine["mineral"]))]
        return pd.concat([mine, ref], ignore_index=True) if len(ref) else mine

    @property
    def refined_first(self) -> set:
        """Minerals whose production concentration is taken of refined production."""
        return set(self.concentration_obs["mineral"]) - set(self.production_obs["mineral"])

    @cached_property
    def reserves_obs(self) -> pd.DataFrame:
        """Reserves by country, one source per (mineral, year)."""
        return self._picked("reserves", RESERVE_PRIORITY)

    @cached_property
    def refined_obs(self) -> pd.DataFrame:
        """Refined production by country, one source per (mineral, year)."""
        return self._picked("refined_production", REFINED_PRIORITY)

    def hhi(self, which: str, window: int | None = None, span: tuple[int, int] | None = None) -> pd.DataFrame:
        """Country HHI per (mineral, year) of ``production`` (:attr:`concentration_obs`), ``reserves``
        or ``refined``
        under the method's residual rule (and pooled window); ``span`` = (first, last) data year
        to compute (default all)."""
        full = ("hhi", which, window, None)
        if full in self._weights:
            h = self._weights[full]
            return h if span is None else h[h["year"].between(*span)]
        key = ("hhi", which, window, span)
        if key not in self._weights:
            obs = {"production": self.concentration_obs, "reserves": self.reserves_obs,
                   "refined": self.refined_obs}[which]
            w = self.method.window if window is None else window
            if span is not None:
                obs = obs[obs["year"].between(span[0] - w + 1, span[1])]
            h = _hhi(obs, self.method.residual_rule, w)
            self._weights[key] = h if span is None else h[h["year"].between(*span)]
        return self._weights[key]

    @cached_property
    def reserve_life(self) -> pd.DataFrame:
        """Reserve life (可採年数) per USGS edition: world reserves / world mine production of the
        edition's latest production year, both in tonnes of the same basis."""
        cols = ["mineral", "edition", "reserves_t", "production_t", "production_year", "life_years"]
        kw = dict(minerals=self.minerals, countries=["WLD"], sources=["usgs_mcs"], variables=["quantity"],
                  editions="all")
        r, p = self.source.load("reserves", **kw), self.source.load("mine_production", **kw)
        if r.empty or p.empty:
            return pd.DataFrame(columns=cols)
        r = r[r["unit"].isin(list(MASS_TO_T))].assign(t=lambda d: d["value"] * d["unit"].map(MASS_TO_T))
        p = p[p["unit"].isin(list(MASS_TO_T))].assign(t=lambda d: d["value"] * d["unit"].map(MASS_TO_T))
        p = p.sort_values("year").drop_duplicates(["mineral", "edition"], keep="last")
        m = r.merge(p, on=["mineral", "edition"], suffixes=("_r", "_p"))
        m = m[(m["basis_r"] == m["basis_p"]) & m["t_r"].notna() & m["t_p"].gt(0)]
        return pd.DataFrame({"mineral": m["mineral"], "edition": m["edition"], "reserves_t": m["t_r"],
                             "production_t": m["t_p"], "production_year": m["year_p"],
                             "life_years": m["t_r"] / m["t_p"]}).reset_index(drop=True)

    def domestic(self, countries: Iterable[str] | None = None) -> pd.DataFrame:
        """Countries' own production per trade stage in tonnes: mine production for the
        concentrate stage, refined production for the refined stage.

        Columns ``country, mineral, stage, year, p, p_basis, source`` — ``p`` in contained
        tonnes where the reported basis converts (``p_basis`` ``contained``), else gross tonnes
        (``gross``; never added to contained flows).
        """
        key = ("domestic", None if countries is None else tuple(sorted(countries)))
        if key in self._weights:
            return self._weights[key]
        out = []
        for stage, (ds, prio) in STAGE_PRODUCTION.items():
            # one source per (country, mineral, year): a country missing from the source picked
            # for the world table still has its own production from the next source
            d = self.source.load(ds, minerals=self.minerals, variables=["quantity"],
                                 countries=None if countries is None else list(countries))
            d = d[~d["country"].isin(NOT_COUNTRIES) & np.isfinite(d["value"]) & d["source"].isin(prio)]
            d = contained_tonnes(d)
            rank = d["source"].map({s_: i for i, s_ in enumerate(prio)})
            d = d[rank == rank.groupby([d["country"], d["mineral"], d["year"]]).transform("min")]
            src = (d["source"] + ":" + d["edition"]).rename("source")
            d = d.assign(source=src).groupby(["country", "mineral", "year", "t_basis"], as_index=False).agg(
                p=("t", "sum"), source=("source", "first"))
            out.append(d.assign(stage=stage).rename(columns={"t_basis": "p_basis"}))
        res = pd.concat(out, ignore_index=True)[["country", "mineral", "stage", "year", "p", "p_basis", "source"]]
        self._weights[key] = res
        return res

    # -- trade -------------------------------------------------------------------------------
    @cached_property
    def _unit_values(self) -> pd.DataFrame:
        """World quantities and values per (hs, year) of the flows reporting both. Sums are taken
        as DECIMAL (exact to 1e-6), so that a parallel scan gives the same bits on every run."""
        return summary(self.source, "unit_values", """
            SELECT hs, year, sum(q)::DOUBLE AS q, sum(v)::DOUBLE AS v FROM (
              SELECT hs, country, partner, year,
                     sum(value::DECIMAL(38, 6)) FILTER (WHERE variable = 'quantity') AS q,
                     sum(value::DECIMAL(38, 6)) FILTER (WHERE variable = 'value') AS v
              FROM obs WHERE dataset = 'trade' AND country <> partner GROUP BY ALL)
            WHERE q > 0 AND v > 0 GROUP BY ALL ORDER BY hs, year""")

    def flows(self, importers: Iterable[str] | None = None, *, stages: Iterable[str] = TRADE_STAGES,
              exports: bool = False) -> pd.DataFrame:
        """Bilateral flows of ``importers`` (all where None) with quantity, value and contained
        quantity (module docstring). ``exports=True`` gives instead the flows whose *exporter*
        is among ``importers`` (the partners' mirror imports)."""
        imp = None if importers is None else tuple(sorted(set(importers)))
        key = (imp, tuple(stages), exports)
        if key in self._flows:
            return self._flows[key]
        stages = list(stages)
        hs = _hs_counted()
        hs = hs[hs["stage"].isin(stages) & hs["mineral"].isin(self.minerals)]
        codes = sorted(set(hs["hs"]))
        where, params = ["o.dataset = 'trade'", "o.country <> o.partner",
                         f"o.hs IN ({', '.join('?' * len(codes))})" if codes else "FALSE"], list(codes)
        if imp is not None:
            col = "o.partner" if exports else "o.country"
            where.append(f"{col} IN ({', '.join('?' * len(imp))})" if imp else "FALSE")
            params += list(imp)
        prio = " ".join(f"WHEN '{src}' THEN {i}" for i, src in enumerate(TRADE_PRIORITY))
        # one source per (code, importer, year): a complete release over a top-flows extract,
        # never the same trade added twice from two sources
        raw_sql = f"""
            WITH o AS (SELECT o.*, CASE o.source {prio} ELSE {len(TRADE_PRIORITY)} END AS prio
                       FROM obs o WHERE {' AND '.join(where)}),
            best AS (SELECT hs, country, year, min(prio) AS prio FROM o GROUP BY ALL)
            SELECT o.hs, o.country AS importer, o.partner AS exporter, o.year,
                   sum(o.value::DECIMAL(38, 6)) FILTER (WHERE o.variable = 'quantity')::DOUBLE AS q,
                   sum(o.value::DECIMAL(38, 6)) FILTER (WHERE o.variable = 'value')::DOUBLE AS v,
                   min(o.source || ':' || o.edition) AS s_lo, max(o.source || ':' || o.edition) AS s_hi
            FROM o JOIN best USING (hs, country, year, prio) GROUP BY ALL
            ORDER BY o.hs, importer, exporter, o.year"""
        cat = catalogue.hs_codes()[["hs", "mineral", "stage", "content_basis", "shared"]]
        cat = cat.merge(hs[["hs", "mineral", "stage"]], on=["hs", "mineral", "stage"])
        raw = self.source.sql(raw_sql, params)
        two = raw["s_lo"] != raw["s_hi"]
        raw["sources"] = raw["s_lo"]
        raw.loc[two, "sources"] = raw.loc[two, "s_lo"] + "; " + raw.loc[two, "s_hi"]
        raw = raw.drop(columns=["s_lo", "s_hi"])
        f = _complete_flows(raw, self._unit_values, self._price_index(cat))
        f = f.merge(cat, on="hs")
        f["q_c"] = f["q"] * content_factors(f["content_basis"]).to_numpy()
        f = drop_nested(f[FLOW_COLUMNS + ["sources"]]).reset_index(drop=True)
        self._flows[key] = f
        return f

    def _price_index(self, cat: pd.DataFrame) -> pd.DataFrame:
        """``hs, year, price`` (USD/t) of each code's mineral, from its best-ranked mass price per
        year: rescales a unit value to another year where a code has no quantities that year."""
        p = self.prices
        p = p[p["variable"].eq("price")].assign(price=lambda d: price_per_tonne(d["value"], d["unit"]))
        p = p[np.isfinite(p["price"]) & (p["price"] > 0)].sort_values(["mineral", "year", "rank"])
        p = p.drop_duplicates(["mineral", "year"])[["mineral", "year", "price"]]
        return cat[["hs", "mineral"]].drop_duplicates("hs").merge(p, on="mineral")[["hs", "year", "price"]]

    @cached_property
    def element_value(self) -> pd.DataFrame:
        """USD value of one tonne of contained element per (mineral, year), ``kusd_per_t`` and
        ``valued_at``: the world unit value of the mineral's refined-stage trade with reported
        contained quantities, else the mineral's price series (USD/t of its priced product)."""
        uv = self._unit_values
        hs = _hs_counted()
        hs = hs[(hs["stage"] == "refined") & hs["mineral"].isin(self.minerals)]
        cat = catalogue.hs_codes()[["hs", "mineral", "stage", "content_basis"]].merge(
            hs[["hs", "mineral", "stage"]], on=["hs", "mineral", "stage"])
        u = uv.merge(cat, on="hs")
        u["q_c"] = u["q"] * content_factors(u["content_basis"]).to_numpy()
        u = u[u["q_c"].notna()].groupby(["mineral", "year"], as_index=False)[["q_c", "v"]].sum()
        u["kusd_per_t"] = u["v"] / u["q_c"]
        u["valued_at"] = "world unit value of refined-stage trade"
        p = self.prices
        p = p[p["variable"].eq("price")].copy()
        p["kusd_per_t"] = price_per_tonne(p["value"], p["unit"]) / 1000.0
        p = p[p["kusd_per_t"].notna()].sort_values(["mineral", "year", "rank"])
        p = p.drop_duplicates(["mineral", "year"])
        p["valued_at"] = "price " + p["source"] + ":" + p["edition"] + " (" + p["unit"] + ")"
        both = pd.concat([u[["mineral", "year", "kusd_per_t", "valued_at"]],
                          p[["mineral", "year", "kusd_per_t", "valued_at"]]], ignore_index=True)
        both = both[np.isfinite(both["kusd_per_t"]) & (both["kusd_per_t"] > 0)]
        return both.drop_duplicates(["mineral", "year"]).reset_index(drop=True)

    def import_weights(self, importers: Iterable[str] | None = None, *, domestic: bool | None = None
                       ) -> tuple[pd.DataFrame, pd.DataFrame]:
        """Import weights per partner and the domestic production on the same basis.

        Returns ``(flows, domestic)``: ``flows`` = ``importer, exporter, mineral, stage, year, q,
        basis, imputed`` where ``q`` is contained tonnes (``basis`` ``contained``) or kUSD
        (``value``); ``domestic`` = ``country, mineral, stage, year, p, basis, valued_at`` on the
        basis of the group it joins (empty unless ``domestic`` — default: the method's rule is
        ``secure``).
        """
        imp = None if importers is None else tuple(sorted(set(importers)))
        dom_on = (self.method.domestic == "secure") if domestic is None else domestic
        key = ("weights", imp, dom_on)
        if key in self._weights:
            return self._weights[key]
        f = self.flows(imp)
        grp = ["importer", "mineral", "stage", "year"]
        f = f[(f["q"].fillna(0) > 0) | (f["v"].fillna(0) > 0)]
        allc = f["q_c"].notna().groupby([f[g] for g in grp]).transform("all")
        basis = np.where(allc, "contained", "value")
        w = np.where(allc, f["q_c"], f["v"])
        imputed = np.where(allc, f["q_imputed"], f["v_imputed"])
        out = f[grp + ["exporter"]].assign(q=w, basis=basis, imputed=imputed.astype(int))
        out = out[np.isfinite(out["q"].astype(float)) & (out["q"] > 0)]
        out = out.groupby(grp + ["exporter", "basis"], as_index=False, observed=True).agg(
            q=("q", "sum"), imputed=("imputed", "sum"))
        dom = pd.DataFrame(columns=["country", "mineral", "stage", "year", "p", "basis", "valued_at"])
        if dom_on and len(out):
            keys = out[grp + ["basis"]].drop_duplicates().rename(columns={"importer": "country"})
            d = self.domestic(keys["country"].unique())
            d = d[d["p_basis"] == "contained"].drop(columns=["p_basis", "source"])
            d = asof(keys, d, ["country", "mineral", "stage"], self.method.max_lag).drop(columns="data_year")
            ev = self.element_value
            d = d.merge(ev, on=["mineral", "year"], how="left")
            val = d["basis"] == "value"
            d["p"] = np.where(val, d["p"] * d["kusd_per_t"], d["p"])
            d["valued_at"] = np.where(val, d["valued_at"], "contained tonnes")
            d = d[np.isfinite(d["p"].astype(float)) & (d["p"] > 0)]
            dom = d[["country", "mineral", "stage", "year", "p", "basis", "valued_at"]].reset_index(drop=True)
        self._weights[key] = (out, dom)
        return out, dom

    def exports(self, countries: Iterable[str], stages: Iterable[str] = TRADE_STAGES) -> pd.DataFrame:
        """Flows exported by ``countries`` (partners' mirror imports), as :meth:`flows`."""
        return self.flows(countries, stages=stages, exports=True)

    @cached_property
    def trade_sources(self) -> pd.DataFrame:
        """``mineral, stage, sources`` of the trade data counted."""
        hs = _hs_counted()
        h = hs[hs["mineral"].isin(self.minerals)]
        s = summary(self.source, "trade_sources", """
            SELECT hs, string_agg(DISTINCT source || ':' || edition, '; ' ORDER BY source || ':' || edition)
                   AS sources FROM obs WHERE dataset = 'trade' AND variable = 'value' GROUP BY ALL""")
        m = h.merge(s, on="hs")
        return m.groupby(["mineral", "stage"])["sources"].agg(
            lambda x: "; ".join(sorted({p for v in x for p in v.split("; ")}))).reset_index()

    @cached_property
    def held_codes(self) -> frozenset:
        """HS codes with any trade data."""
        return frozenset(summary(self.source, "trade_codes",
                                 "SELECT DISTINCT hs FROM obs WHERE dataset = 'trade'")["hs"])

    # -- governance, prices, recycling ---------------------------------------------------------
    @cached_property
    def gov_obs(self) -> pd.DataFrame:
        return self.source.load("governance")

    def governance(self, years: Iterable[int]) -> pd.DataFrame:
        """Partner risk ``country, year, g, ...`` for ``years`` (method's WGI index)."""
        years = sorted({int(y) for y in years})
        key = ("gov", tuple(years))
        if key not in self._weights:
            self._weights[key] = governance.scores(self.gov_obs, index=self.method.governance, years=years)
        return self._weights[key]

    @cached_property
    def recycling(self) -> pd.DataFrame:
        return self.source.load("recycling", minerals=self.minerals)

    @cached_property
    def secondary(self) -> pd.DataFrame:
        return secondary.secondary_risk(self.recycling, self.minerals)

    @cached_property
    def _price_tables(self) -> tuple[pd.DataFrame, pd.DataFrame]:
        p = self.source.load("price")
        named = p[p["mineral"].isin(self.minerals)].copy()
        named["series"] = named["source"] + ":" + named["variable"] + ":" + named["unit"] + ":" + named["hs"]
        uv = self.source.sql("""
            SELECT m.mineral, o.hs, o.year, o.value, o.unit, o.source, o.edition, o.variable, o.note,
                   m.stage
            FROM obs o JOIN hs_map m ON o.hs = m.hs
            WHERE o.dataset = 'price' AND o.mineral = '' AND m.stage IN ('refined', 'concentrate')
            ORDER BY m.mineral, o.hs, o.year, o.source, o.edition, o.variable""")
        uv = uv[uv["mineral"].isin(self.minerals)]
        dropped = uv.iloc[:0]
        if len(uv):
            uv["series"] = uv["source"] + ":unit_value:" + uv["unit"] + ":" + uv["hs"]
            uv, dropped = screen_unit_values(uv)
            # prefer refined codes; among them the code with the longest, then largest series
            n = uv.groupby(["mineral", "stage", "hs"]).size().rename("n").reset_index()
            n["stage_rank"] = n["stage"].map({"refined": 0, "concentrate": 1})
            n = n.sort_values(["mineral", "stage_rank", "n"], ascending=[True, True, False])
            n = n.drop_duplicates("mineral")
            uv = uv.merge(n[["mineral", "hs"]], on=["mineral", "hs"])
        allp = pd.concat([named, uv], ignore_index=True)
        rank = {s: i for i, s in enumerate(price.SOURCE_PRIORITY)}
        allp["rank"] = allp["source"].map(rank).fillna(len(rank))
        # among several series of one source, prefer variable 'price' then the longest
        allp["rank"] = allp["rank"] + allp["variable"].ne("price") * 0.1
        return allp, dropped.reset_index(drop=True)

    @property
    def prices(self) -> pd.DataFrame:
        """Price and screened unit-value series ``mineral, series, year, value, unit, rank, ...``."""
        return self._price_tables[0]

    @property
    def price_dropped(self) -> pd.DataFrame:
        """Unit-value points dropped by the screening rule, with the series median and factor."""
        return self._price_tables[1]

    def volatility(self, years: list[int]) -> pd.DataFrame:
        m = self.method
        v = price.volatility(self.prices, years=years, window=m.volatility_window, measure=m.volatility,
                             min_years=max(3, int(0.6 * m.volatility_window)), stale=PRICE_STALE)
        p = self.prices
        meta = p.drop_duplicates("series").set_index("series")[["source", "unit", "note"]]
        v = v.join(meta, on="series")
        if v.empty:
            return v.assign(edition=pd.Series(dtype=object))
        # a series chained across editions names every edition read in the window
        ed = v[["series", "first_year", "last_year"]].drop_duplicates().merge(
            p[["series", "year", "source", "edition"]], on="series")
        ed = ed[(ed["year"] >= ed["first_year"]) & (ed["year"] <= ed["last_year"])]
        ed = ed.assign(se=ed["source"] + ":" + ed["edition"]).groupby(
            ["series", "first_year", "last_year"]).agg(
            edition=("edition", lambda e: ", ".join(sorted(set(e)))),
            sources=("se", lambda e: "; ".join(sorted(set(e))))).reset_index()
        return v.merge(ed, on=["series", "first_year", "last_year"], how="left")

    # -- provenance --------------------------------------------------------------------------
    @property
    def provenance(self) -> pd.DataFrame:
        """One row per prepared table: the sources and editions read and the rule applied."""
        rows = []
        for table, obs, rule in (
                ("mine production", self.production_obs, P_FIRST_OF.format(order=" > ".join(PRODUCTION_PRIORITY))),
                ("reserves", self.reserves_obs, P_FIRST_OF.format(order=" > ".join(RESERVE_PRIORITY))),
                ("refined production", self.refined_obs, P_FIRST_OF.format(order=" > ".join(REFINED_PRIORITY)))):
            for s in sorted(set(obs["source"] + ":" + obs["edition"])) if len(obs) else []:
                rows.append({"table": table, "source": s, "rule": rule})
        for r in self.trade_sources.itertuples():
            rows.append({"table": P_TRADE.format(stage=r.stage), "source": r.sources, "rule": P_TRADE_RULE})
        rows.append({"table": "prices", "source": "; ".join(sorted(set(self.prices["source"] + ":"
                                                                        + self.prices["edition"]))),
                     "rule": P_SCREENED.format(band=f"{UV_BAND:g}", years=UV_HALF_WINDOW) + "; "
                             + P_DROPPED.format(n=len(self.price_dropped))})
        return pd.DataFrame(rows)

    # -- overlay -----------------------------------------------------------------------------
    def with_plan(self, plan) -> "SupplyData":
        """These supply data with a policy plan's interventions applied (an overlay: the same
        tables, changed where the plan says; see :func:`critmin.policy.overlay.with_plan`)."""
        from .policy.overlay import with_plan

        return with_plan(self, plan)

    def with_source(self, source) -> "SupplyData":
        """The same minerals and method over another data source."""
        return SupplyData(source, self.minerals, self.method)


_CACHE: dict = {}
_CACHE_SIZE = 8


def clear_cache() -> None:
    """Forget the shared :meth:`SupplyData.cached` instances."""
    _CACHE.clear()


def drop_nested(flows: pd.DataFrame) -> pd.DataFrame:
    """Drop flows of an inner code of :data:`NESTED_CODES` where the outer code's flow of the same
    mineral, importer, exporter and year is present.

    >>> f = pd.DataFrame({"mineral": "tantalum", "hs": ["810310", "810320", "810320"],
    ...                   "importer": "JPN", "exporter": ["CHN", "CHN", "USA"], "year": 2020})
    >>> drop_nested(f)["hs"].tolist(), drop_nested(f)["exporter"].tolist()
    (['810310', '810320'], ['CHN', 'USA'])
    """
    inner = flows["hs"].isin(list(NESTED_CODES))
    if not inner.any():
        return flows
    key = ["mineral", "importer", "exporter", "year"]
    outer = flows.loc[flows["hs"].isin(list(NESTED_CODES.values())), key + ["hs"]]
    cand = flows.loc[inner, key + ["hs"]].assign(outer=lambda d: d["hs"].map(NESTED_CODES))
    hit = cand.reset_index().merge(outer.rename(columns={"hs": "outer"}), on=key + ["outer"])["index"]
    return flows.drop(index=hit.unique())


def _hhi(obs: pd.DataFrame, rule: str, window: int) -> pd.DataFrame:
    if obs.empty:
        return pd.DataFrame(columns=["mineral", "year", "hhi", "hhi_lower", "hhi_upper", "hhi_named_only",
                                     "residual_share", "n_countries", "total", "top_country", "top_share",
                                     "rule", "sources", "unit", "basis"])
    d = concentration.pool_window(obs, window) if window > 1 else obs
    h = concentration.country_hhi(d, ["mineral", "year"], rule=rule)
    src = sources_of(obs, ["mineral", "year"]).rename("sources").reset_index()
    units = obs.groupby(["mineral", "year"])[["unit", "basis"]].first().reset_index()
    return h.merge(src, on=["mineral", "year"], how="left").merge(units, on=["mineral", "year"], how="left")


def _complete_flows(raw: pd.DataFrame, world: pd.DataFrame, index: pd.DataFrame | None = None
                    ) -> pd.DataFrame:
    """Fill a flow's missing quantity (or value) from unit values: the importer's for the code
    and year, else the world's for the code and year, else the world's of the nearest year with
    data rescaled by the mineral's price index between the two years (``index``: ``hs, year,
    price``; unscaled where the index lacks a year)."""
    f = raw.copy()
    f["q_imputed"] = False
    f["v_imputed"] = False
    if f.empty:
        return f
    has = f[(f["q"] > 0) & (f["v"] > 0)]
    r_imp = has.groupby(["importer", "hs", "year"])[["q", "v"]].sum()
    r_imp = (r_imp["q"] / r_imp["v"]).rename("r_imp")
    w = world[(world["q"] > 0) & (world["v"] > 0)]
    r_w = (w.set_index(["hs", "year"])["q"] / w.set_index(["hs", "year"])["v"]).rename("r_w")
    need = f["q"].isna() | f["v"].isna()
    if need.any():
        m = f[need].join(r_imp, on=["importer", "hs", "year"]).join(r_w, on=["hs", "year"])
        gap = m.loc[m["r_imp"].isna() & m["r_w"].isna(), ["hs", "year"]].drop_duplicates()
        if len(gap):
            near = _nearest_ratio(gap, r_w.reset_index(), index)
            m = m.join(near.set_index(["hs", "year"])["r_near"], on=["hs", "year"])
        else:
            m["r_near"] = np.nan
        r = m["r_imp"].fillna(m["r_w"]).fillna(m["r_near"])   # t per kUSD
        qmiss, vmiss = m["q"].isna() & m["v"].gt(0), m["v"].isna() & m["q"].gt(0)
        f.loc[qmiss.index[qmiss], "q"] = (m["v"] * r)[qmiss]
        f.loc[qmiss.index[qmiss], "q_imputed"] = r[qmiss].notna()
        f.loc[vmiss.index[vmiss], "v"] = (m["q"] / r)[vmiss]
        f.loc[vmiss.index[vmiss], "v_imputed"] = r[vmiss].notna()
    return f


def _nearest_ratio(gap: pd.DataFrame, r_w: pd.DataFrame, index: pd.DataFrame | None) -> pd.DataFrame:
    """Per (hs, year) without a world unit value: the nearest year's ratio × P(that year)/P(year).

    >>> gap = pd.DataFrame({"hs": ["x"], "year": [2020]})
    >>> rw = pd.DataFrame({"hs": ["x"], "year": [2024], "r_w": [0.1]})       # 10 kUSD/t in 2024
    >>> ix = pd.DataFrame({"hs": ["x", "x"], "year": [2020, 2024], "price": [6.0, 9.0]})
    >>> round(float(_nearest_ratio(gap, rw, ix)["r_near"].iloc[0]), 6)           # 10 × 6/9 kUSD/t
    0.15
    """
    g = gap.assign(year=gap["year"].astype("int64")).sort_values("year")
    w = r_w.assign(near_year=r_w["year"].astype("int64")).drop(columns="year").sort_values("near_year")
    out = pd.merge_asof(g, w, left_on="year", right_on="near_year", by="hs", direction="nearest")
    out = out.rename(columns={"r_w": "r_near"})
    if index is not None and len(index):
        ix = index.assign(year=index["year"].astype("int64")).set_index(["hs", "year"])["price"]
        p_y = ix.reindex(list(zip(out["hs"], out["year"]))).to_numpy()
        p_n = ix.reindex(list(zip(out["hs"], out["near_year"].fillna(-1).astype("int64")))).to_numpy()
        scale = p_n / p_y
        out["r_near"] = np.where(np.isfinite(scale), out["r_near"] * scale, out["r_near"])
    return out[["hs", "year", "r_near"]]
