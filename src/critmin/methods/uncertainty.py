"""Uncertainty of the supply-risk ranking: Monte Carlo over inputs and method choices, and Sobol indices.

The model is the assessment itself (:func:`critmin.assessment.assess`), drawn many times. It reads
the same :class:`~critmin.supply.SupplyData` as the assessment — picked production and reserves
(``SupplyData.hhi`` under the method's residual rule), import weights and domestic production on
one basis (``SupplyData.import_weights``), governance (``SupplyData.governance``) — and scores
through :mod:`critmin.indicators.normalise` with the assessment's anchors and normalisation names
(``Method.normalisation``: ``anchors``, ``minmax``, ``percentile``). Per mineral m, for one
importer and year (every draw all minerals at once, in NumPy)::

    risk_m = mean of the six indicator scores (as ``Assessment.rank()``; minerals with ≥ 4 of 6
             scored ranked first)

The **central draw** (no noise, the method's own choices) is the assessment: every indicator
value and score, the mean and the rank equal ``assess(country, year)``'s (tested).

Sampled (drawn anew each draw) — all six indicators:

* ``reserve_concentration`` and ``production_concentration``: the HHI of the data year the
  assessment picked, with each country's (and the 'Other countries' residual's and the world
  total's) quantity × LogNormal(0, σ) — σ = :data:`RESERVE_SIGMA`, :data:`PROD_SIGMA` — and the
  residual rule of the method (default ``split``, as the assessment);
* ``import_concentrate`` and ``import_refined``: each import flow × LogNormal(0,
  :data:`TRADE_SIGMA`), domestic production × LogNormal(0, :data:`PROD_SIGMA`), and each partner's
  WGI estimate + Normal(0, its published standard error) → g (one error per country and year,
  shared by every mineral and stage it supplies);
* ``price_volatility``: the assessment's volatility × LogNormal(0, σ_m) with
  σ_m = 1/√(2(n − 2)), ``n`` the annual prices in the window (n − 1 returns): the large-sample
  standard error of the logarithm of a standard deviation estimated from n − 1 normal returns
  (Var(ln s) ≈ 1/(2ν), ν = n − 2 degrees of freedom). It is the sampling error of the measure,
  applied to every volatility measure; one draw per mineral;
* ``secondary_supply``: the recycling rate r behind the score, then ``1 − min(1, r)`` as the
  assessment. Where the source prints a range of estimates (UNEP IRP 2011: the rate is the median
  of the estimates, ``*_low`` and ``*_high`` their least and greatest) r is drawn from the
  two-piece uniform with median r: U = Φ(z) < ½ → uniform on [low, r], else on [r, high]; where it
  prints one figure (EU 2023 EoL-RIR, a national ratio) r × LogNormal(0,
  :data:`SECONDARY_SIGMA`) (a rate of 0 stays 0). One draw per mineral.

The σ of quantities and of the point recycling rates are declared assumptions of this model
(the data publish no error ranges), not measured figures; the WGI standard errors are published
with the estimates, the price σ follows from the number of prices, the recycling ranges are
printed by the source. Every noise enters as a standard normal z (the central draw z = 0 is the
assessment's own value, bit for bit).

Method choices (discrete, equally likely; level 0 is the default :class:`~critmin.method.Method`):
normalisation {anchors, minmax, percentile} (``critmin.indicators.normalise``), window {1, 3
years pooled}, governance index {pv, mean} (identical while only PV is held — its Sobol index is
then 0, as it should be), import-stability variant {weighted_hhi, product, geopolrisk}, and
partners without WGI {worst g = 1, neutral g = 0.5}. At zero noise each choice gives the
assessment run with that choice (tested).

Outputs: per mineral the score distribution (mean, 5/50/95 %), rank (median, 5–95 %), and the
probability of being in the top tier (rank ≤ ``top``); per (mineral, sampled indicator) the score
band on the assessment's anchors. Global sensitivity: first-order (Saltelli 2010) and total
(Jansen 1999) Sobol indices of the ranking's distance to the central ranking (1 − Spearman ρ) to
each factor group. With SALib installed (``pip install salib``) its Saltelli design on a
scrambled Sobol' sequence (``SALib.sample.sobol``) and ``SALib.analyze.sobol`` (with bootstrap
confidence intervals) are used; without it, a plain Monte Carlo A/B/AB design in NumPy with the
same estimators (``engine`` says which ran). Reproducible: one ``numpy.random.Generator(seed)``
drives everything.
"""
from __future__ import annotations

import numpy as np
import pandas as pd

from ..diagnosis import INDICATORS
from ..errors import DataValidationError
from ..indicators import concentration, governance, import_stability, normalise
from ..method import Method
from ..schema import OTHER, WORLD
from ..supply import SupplyData, asof, check_years, latest_year

TRADE_SIGMA = 0.10
PROD_SIGMA = 0.05
RESERVE_SIGMA = 0.10
#: σ of the log of a recycling rate the source prints as one figure (EU 2023 EoL-RIR)
SECONDARY_SIGMA = 0.25
#: the indicators the model samples (all six; the raw values of a draw in this order)
SAMPLED = ("reserve_concentration", "production_concentration", "import_concentrate", "import_refined",
           "price_volatility", "secondary_supply")
#: the indicators built from quantities by country (window choice, residual rule, WGI)
QUANTITY = SAMPLED[:4]
#: indicators no draw changes (none since price volatility and secondary supply are sampled)
FIXED = tuple(i for i in INDICATORS if i not in SAMPLED)
STAGES = {"import_concentrate": "concentrate", "import_refined": "refined"}
NORMALISATIONS = normalise.METHODS
VARIANTS = import_stability.VARIANTS
WINDOWS = (1, 3)
MISSING = ("worst", "neutral")
#: the discrete method choices: name → (Method field, levels)
CHOICES = {"normalisation": ("normalisation", NORMALISATIONS), "window": ("window", WINDOWS),
           "governance": ("governance", governance.INDICES), "variant": ("import_variant", VARIANTS),
           "missing_wgi": ("missing_governance", MISSING)}
CHOICE_LEVELS = {k: len(v[1]) for k, v in CHOICES.items()}
CHOICE_COL = {k: i for i, k in enumerate(CHOICES)}
NOISE = ("wgi", "trade", "production", "reserves", "price", "secondary")
FACTORS = NOISE + tuple(CHOICES)
SOBOL_COLUMNS = ["factor", "S1", "ST", "S1_conf", "ST_conf"]
_CONC = {"reserve_concentration": "reserves", "production_concentration": "production"}


def choice_method(choice, base: Method | None = None) -> Method:
    """The :class:`Method` of one row of discrete choices (level indices in :data:`CHOICES` order).

    >>> choice_method([1, 0, 0, 2, 1]).normalisation, choice_method([1, 0, 0, 2, 1]).import_variant
    ('minmax', 'geopolrisk')
    """
    kw = {field: levels[int(c)] for (field, levels), c in zip(CHOICES.values(), choice)}
    return Method(**{**(base or Method()).as_dict(), **kw})


def _segments(rows: np.ndarray, k: int) -> dict:
    """Segment layout of rows sorted by mineral index: the first row of each mineral present."""
    rows = np.asarray(rows, int)
    starts = np.flatnonzero(np.r_[True, np.diff(rows) != 0]) if len(rows) else np.array([], int)
    has = np.zeros(k, bool)
    has[rows] = True
    return {"starts": starts, "seg_m": rows[starts] if len(rows) else np.array([], int), "has": has, "k": k}


def _segsum(x: np.ndarray, seg: dict) -> np.ndarray:
    """Per-mineral sums (draws × minerals) of row values (draws × rows); 0 where a mineral has no row."""
    out = np.zeros((x.shape[0], seg["k"]))
    if len(seg["starts"]):
        out[:, seg["seg_m"]] = np.add.reduceat(x, seg["starts"], axis=1)
    return out


class Model:
    """The assessment of one importer and year as arrays the Monte Carlo draws can perturb.

    Built from one :class:`~critmin.supply.SupplyData` (default: the shipped data under the
    default :class:`~critmin.method.Method`); ``assessment`` is ``assess(country, year)`` on
    that same supply data, and ``evaluate`` at zero noise with :attr:`base_choice` reproduces it.
    """

    def __init__(self, country: str, year: int | None = None, *, supply: SupplyData | None = None,
                 store=None) -> None:
        from ..assessment import assess, score_records

        sd = supply if supply is not None else SupplyData(store, None, Method())
        m = sd.method
        self.method, self.supply, self.country = m, sd, country
        self.year = int(year) if year is not None else latest_year(sd.source, country)
        self.base_choice = np.zeros(len(CHOICES), dtype=int)
        for i, (field, levels) in enumerate(CHOICES.values()):
            v = getattr(m, field)
            if v not in levels:
                raise DataValidationError(f"the uncertainty model varies {field} over {list(levels)}",
                                          field=field, found=v, expected=f"one of {list(levels)}")
            self.base_choice[i] = levels.index(v)
        a = assess(country, self.year, method=m, supply=sd, detail=False)
        self.assessment = a
        recs = a.records
        self.minerals = sorted(recs["mineral"].unique().tolist())
        k = len(self.minerals)
        pos = {mn: i for i, mn in enumerate(self.minerals)}
        # price volatility and secondary supply: one value per mineral, drawn around it
        self.anchors = {"price_volatility": normalise.MEASURE_ANCHORS[m.volatility]
                        if m.volatility != "log_return_std" else normalise.ANCHORS["price_volatility"]}
        self.price = self._price(recs, pos)
        self.second = self._secondary(recs, pos)
        # sampled indicators: one table per window
        self.tables: dict[int, dict] = {}
        wgi_keys: dict[tuple, int] = {}
        for w in WINDOWS:
            t: dict = {}
            for ind, which in _CONC.items():
                t[ind] = self._concentration(ind, which, w if ind == "production_concentration" else 1)
            gyears = sorted(set(range(self.year - w - m.max_lag, self.year + 1)))
            fl, dom = sd.import_weights([country])
            fl = fl[fl["mineral"].isin(self.minerals) & (fl["year"] >= self.year - w - m.max_lag)]
            g = sd.governance(gyears)                    # the method's index (as the assessment)
            gov = {ix: g if ix == m.governance else governance.scores(sd.gov_obs, index=ix, years=gyears)
                   for ix in governance.INDICES}
            summ, shares = import_stability.import_risk(
                fl, g, variant="weighted_hhi", missing="worst", window=w,
                domestic=dom if len(dom) else None, domestic_rule=m.domestic)
            for ind, stage in STAGES.items():
                t[ind] = self._imports(summ, shares, stage, gov["pv"], gov["mean"], wgi_keys)
            self.tables[w] = t
        self.n_wgi = len(wgi_keys)
        self.wgi_keys = list(wgi_keys)
        dims = {"trade": [t[i]["n"] for t in self.tables.values() for i in STAGES],
                "production": [t["production_concentration"]["n"] for t in self.tables.values()],
                "reserves": [t["reserve_concentration"]["n"] for t in self.tables.values()]}
        self.dims = {"wgi": max(self.n_wgi, 1)} | {f: max(max(v), 1) for f, v in dims.items()} \
            | {"price": max(k, 1), "secondary": max(k, 1)}

    # -- table builders --------------------------------------------------------------------------
    def _price(self, recs: pd.DataFrame, pos: dict) -> dict:
        """The assessment's price volatility per mineral and σ_m = 1/√(2(n − 2)) of its log."""
        k = len(self.minerals)
        v, sig = np.full(k, np.nan), np.zeros(k)
        r = recs[(recs["indicator"] == "price_volatility") & recs["value"].notna()]
        if len(r):
            vol = self.supply.volatility([self.year])             # the series behind the values (n prices)
            n = vol[vol["year"] == self.year].set_index("mineral")["n_years"]
            i = r["mineral"].map(pos).to_numpy(int)
            v[i] = r["value"].to_numpy(float)
            nn = r["mineral"].map(n).to_numpy(float)
            if not np.isfinite(nn).all():
                raise DataValidationError("price volatility without its number of prices",
                                          found=sorted(r["mineral"][~np.isfinite(nn)]),
                                          fix="a bug: the assessment and the supply data disagree")
            sig[i] = 1.0 / np.sqrt(2.0 * np.maximum(nn - 2.0, 1.0))
        return {"v": v, "sigma": sig}

    def _secondary(self, recs: pd.DataFrame, pos: dict) -> dict:
        """The recycling rate behind each secondary-supply score and, where the source prints
        one, the range of its estimates (``*_low``, ``*_high`` of the same source and year)."""
        k = len(self.minerals)
        rate, lo, hi = np.full(k, np.nan), np.full(k, np.nan), np.full(k, np.nan)
        scored = set(recs.loc[(recs["indicator"] == "secondary_supply") & recs["value"].notna(), "mineral"])
        sec = self.supply.secondary
        sec = sec[sec["mineral"].isin(scored)]
        if len(sec):
            rc = self.supply.recycling
            rc = rc[np.isfinite(rc["value"].astype(float))]
            ends = {(m, v, int(y), s): float(x) for m, v, y, s, x in
                    zip(rc["mineral"], rc["variable"], rc["year"], rc["source"], rc["value"])}
            for r in sec.itertuples(index=False):
                i = pos[r.mineral]
                rate[i] = float(r.value)
                a = ends.get((r.mineral, f"{r.variable}_low", int(r.data_year), r.source))
                b = ends.get((r.mineral, f"{r.variable}_high", int(r.data_year), r.source))
                if a is not None and b is not None and b > a:
                    lo[i], hi[i] = min(a, rate[i]), max(b, rate[i])
        return {"rate": rate, "lo": lo, "hi": hi, "ranged": np.isfinite(lo)}

    def _concentration(self, ind: str, which: str, window: int) -> dict:
        """Rows (named countries pooled over the window, the residual, the world total) of the
        data year the assessment picks for each mineral."""
        m, k = self.method, len(self.minerals)
        pos = {mn: i for i, mn in enumerate(self.minerals)}
        lag = m.max_lag + 2 if ind == "reserve_concentration" else m.max_lag
        table = self.supply.hhi(which, window=window)
        hit = asof(pd.DataFrame({"year": self.year, "mineral": self.minerals}),
                   table[["mineral", "year", "hhi"]], ["mineral"], lag)
        obs = {"production": self.supply.concentration_obs, "reserves": self.supply.reserves_obs}[which]
        d = concentration.pool_window(obs, window) if window > 1 else obs
        d = d[["mineral", "year", "country", "value"]].merge(
            hit[["mineral", "data_year"]].rename(columns={"data_year": "year"}).astype({"year": d["year"].dtype}),
            on=["mineral", "year"])
        d = d[np.isfinite(d["value"].astype(float))]
        named = d[~d["country"].isin([OTHER, WORLD]) & (d["value"] > 0)]
        named = named.groupby(["mineral", "country"], as_index=False)["value"].sum()
        oth = d[d["country"] == OTHER].groupby("mineral", as_index=False)["value"].sum()
        wld = d[d["country"] == WORLD].groupby("mineral", as_index=False)["value"].max()
        parts = [named.assign(kind=0), oth.assign(kind=1), wld.assign(kind=2)]
        r = pd.concat(parts, ignore_index=True)
        r["m"] = r["mineral"].map(pos)
        r = r.sort_values(["m", "kind"], kind="stable").reset_index(drop=True)
        idx = r["m"].to_numpy(int)
        kind = r["kind"].to_numpy(int)
        nm = np.flatnonzero(kind == 0)
        oth_c, wld_c = np.flatnonzero(kind == 1), np.flatnonzero(kind == 2)   # at most one per mineral
        return {"n": len(r), "v": r["value"].to_numpy(float), "named": nm, "named_seg": _segments(idx[nm], k),
                "oth": oth_c, "oth_m": idx[oth_c], "wld": wld_c, "wld_m": idx[wld_c], "k": k,
                "has_oth": np.isin(np.arange(k), idx[oth_c])}

    def _imports(self, summ, shares, stage, g, gm, wgi_keys) -> dict:
        """Rows (partners and domestic production) of the data year the assessment picks."""
        m, k = self.method, len(self.minerals)
        pos = {mn: i for i, mn in enumerate(self.minerals)}
        s = summ[(summ["stage"] == stage) & (summ["importer"] == self.country)]
        s = s.rename(columns={"importer": "country"})[["country", "mineral", "year", "value"]]
        grid = pd.DataFrame({"country": self.country, "year": self.year, "mineral": self.minerals})
        hit = asof(grid, s, ["country", "mineral"], m.max_lag)[["mineral", "data_year"]]
        sh = shares[(shares["stage"] == stage) & (shares["importer"] == self.country)]
        sh = sh.merge(hit.rename(columns={"data_year": "year"}).astype({"year": sh["year"].dtype}),
                      on=["mineral", "year"])
        # the WGI standard error back on the estimate's scale (``scores`` gives it on the g scale)
        gov = g.assign(wgi_se=g["g_se"] * 5.0)[["country", "year", "wgi", "wgi_se"]].rename(
            columns={"country": "exporter"})
        govm = gm.assign(wgi_se=gm["g_se"] * 5.0)[["country", "year", "wgi", "wgi_se"]].rename(
            columns={"country": "exporter", "wgi": "wgi_m", "wgi_se": "wgi_se_m"})
        sh = sh.merge(gov, on=["exporter", "year"], how="left").merge(govm, on=["exporter", "year"], how="left")
        sh["m"] = sh["mineral"].map(pos)
        sh = sh.sort_values(["m", "exporter"], kind="stable").reset_index(drop=True)
        dom = (sh["exporter"] == import_stability.DOMESTIC).to_numpy()
        # a partner without a WGI estimate under an index (pv, mean) takes the missing rule's g
        miss, miss_m = sh["wgi"].isna().to_numpy() & ~dom, sh["wgi_m"].isna().to_numpy() & ~dom
        key = np.full(len(sh), -1)
        for i, (e, y, d_, mi) in enumerate(zip(sh["exporter"], sh["year"], dom, miss & miss_m)):
            if not (d_ or mi):
                key[i] = wgi_keys.setdefault((e, int(y)), len(wgi_keys))
        idx = sh["m"].to_numpy(int)
        return {"n": len(sh), "m": idx, "q": sh["q"].to_numpy(float), "dom": dom, "miss": miss, "miss_m": miss_m,
                "key": key,
                "wgi": sh["wgi"].fillna(0.0).to_numpy(float), "se": sh["wgi_se"].fillna(0.0).to_numpy(float),
                "wgi_m": sh["wgi_m"].fillna(0.0).to_numpy(float),
                "se_m": sh["wgi_se_m"].fillna(0.0).to_numpy(float),
                "seg": _segments(idx, k), "exporter": sh["exporter"].tolist()}

    # -- evaluation ------------------------------------------------------------------------------
    def central(self) -> dict:
        """Noise blocks of zeros and the method's own choices (one draw)."""
        return {f: np.zeros((1, n)) for f, n in self.dims.items()} | {"choice": self.base_choice[None, :].copy()}

    def draw(self, rng: np.random.Generator, n: int) -> dict:
        """``n`` draws: standard-normal noise blocks and uniformly drawn choice levels."""
        b = {f: rng.standard_normal((n, self.dims[f])) for f in NOISE[:4]}
        b["choice"] = np.column_stack([rng.integers(0, lv, n) for lv in CHOICE_LEVELS.values()])
        # drawn after the choices: a seed's draws of the four quantity indicators and the choices
        # are those of the model before price volatility and secondary supply were sampled
        for f in NOISE[4:]:
            b[f] = rng.standard_normal((n, self.dims[f]))
        return b

    def raw(self, b: dict, residual_rule: str | None = None) -> np.ndarray:
        """Raw values of the sampled indicators (draws × minerals × :data:`SAMPLED`); the
        concentrations under ``residual_rule`` (default: the method's)."""
        ch = b["choice"]
        n, k = ch.shape[0], len(self.minerals)
        out = np.full((n, k, len(SAMPLED)), np.nan)
        rule = residual_rule or self.method.residual_rule
        for w_i, w in enumerate(WINDOWS):
            rows = np.flatnonzero(ch[:, CHOICE_COL["window"]] == w_i)
            if not len(rows):
                continue
            t = self.tables[w]
            with np.errstate(all="ignore"):
                for j, ind in enumerate(QUANTITY):
                    if ind in _CONC:
                        f = "reserves" if ind == "reserve_concentration" else "production"
                        sig = RESERVE_SIGMA if f == "reserves" else PROD_SIGMA
                        out[rows, :, j] = _hhi(t[ind], b[f][rows], sig, rule)
                    else:
                        out[rows, :, j] = _import(t[ind], b["trade"][rows], b["wgi"][rows], ch[rows])
        k_ = len(self.minerals)
        out[:, :, SAMPLED.index("price_volatility")] = \
            self.price["v"][None, :] * np.exp(self.price["sigma"][None, :] * b["price"][:, :k_])
        out[:, :, SAMPLED.index("secondary_supply")] = _secondary(self.second, b["secondary"][:, :k_])
        return out

    def scores(self, raw: np.ndarray, choice: np.ndarray) -> np.ndarray:
        """Scores (draws × minerals × six :data:`INDICATORS`) under each draw's normalisation and
        import-stability variant (the assessment's anchors and rules, :mod:`critmin.indicators.normalise`)."""
        n, k = raw.shape[:2]
        out = np.full((n, k, len(INDICATORS)), np.nan)
        norm, var = choice[:, CHOICE_COL["normalisation"]], choice[:, CHOICE_COL["variant"]]
        for j, ind in enumerate(SAMPLED):
            jj = INDICATORS.index(ind)
            x = raw[:, :, j]
            for n_i, how in enumerate(NORMALISATIONS):
                rows = np.flatnonzero(norm == n_i)
                if not len(rows):
                    continue
                if how == "anchors":
                    if ind in STAGES:
                        for v_i, v in enumerate(VARIANTS):
                            r2 = rows[var[rows] == v_i]
                            out[r2, :, jj] = normalise.by_anchors(x[r2], normalise.VARIANT_ANCHORS[v])
                    else:
                        out[rows, :, jj] = normalise.by_anchors(x[rows], self.anchors.get(ind, normalise.ANCHORS[ind]))
                elif how == "minmax":
                    out[rows, :, jj] = minmax_rows(x[rows])
                else:
                    out[rows, :, jj] = percentile_rows(x[rows])
        return np.clip(out, 0.0, 1.0)

    def evaluate(self, b: dict, *, parts: bool = False):
        """Composite risk (draws × minerals): the mean of the six scores; with ``parts`` also the
        raw sampled values and the six scores."""
        raw = self.raw(b)
        sc = self.scores(raw, b["choice"])
        with np.errstate(all="ignore"):
            import warnings

            with warnings.catch_warnings():
                warnings.simplefilter("ignore", RuntimeWarning)
                comp = np.nanmean(sc, axis=2)
        if parts:
            return comp, raw, sc
        return comp

    def ranks(self, b: dict, comp: np.ndarray | None = None, sc: np.ndarray | None = None) -> np.ndarray:
        """Rank 1 = highest risk, per draw, ordered as ``Assessment.rank()``: minerals with ≥ 4 of 6
        indicators scored first, then by mean score."""
        if comp is None or sc is None:
            comp, _, sc = self.evaluate(b, parts=True)
        return rank_rows(comp, np.isfinite(sc).sum(axis=2))


def _hhi(t: dict, z: np.ndarray, sigma: float, rule: str) -> np.ndarray:
    """Country HHI (draws × minerals) of perturbed quantities, the residual rules of
    :func:`critmin.indicators.concentration.country_hhi`."""
    n, k = z.shape[0], t["k"]
    if t["n"] == 0:
        return np.full((n, k), np.nan)
    v = t["v"][None, :] * np.exp(sigma * z[:, :t["n"]])
    vn = v[:, t["named"]]
    named_total = _segsum(vn, t["named_seg"])
    sumsq = _segsum(vn * vn, t["named_seg"])
    oth, wld = np.zeros((n, k)), np.zeros((n, k))
    oth[:, t["oth_m"]] = v[:, t["oth"]]
    wld[:, t["wld_m"]] = v[:, t["wld"]]
    total = np.where(t["has_oth"], named_total + oth, np.fmax(named_total, wld))
    mn = np.full((n, k), np.nan)
    ns = t["named_seg"]
    if len(ns["starts"]):
        mn[:, ns["seg_m"]] = np.minimum.reduceat(vn, ns["starts"], axis=1)
    resid = np.clip(total - named_total, 0.0, None)
    s_res = resid / total
    s_min = mn / total
    kk = np.maximum(1.0, np.ceil(s_res / np.where(s_min > 0, s_min, np.nan)))
    lower = sumsq / total ** 2
    h = {"split": lower + s_res ** 2 / kk, "as_one": lower + s_res ** 2, "ignore": lower,
         "named_only": sumsq / named_total ** 2}[rule]
    return np.where(ns["has"][None, :], h, np.nan)


def _import(t: dict, z_q: np.ndarray, z_w: np.ndarray, ch: np.ndarray) -> np.ndarray:
    """Import stability (draws × minerals) of perturbed flows and WGI, each draw's governance
    index, missing-WGI rule and variant — :func:`critmin.indicators.import_stability.import_risk`."""
    n, k = z_q.shape[0], t["seg"]["k"]
    if t["n"] == 0:
        return np.full((n, k), np.nan)
    sig = np.where(t["dom"], PROD_SIGMA, TRADE_SIGMA)
    q = t["q"][None, :] * np.exp(sig * z_q[:, :t["n"]])
    zw = np.where(t["key"] >= 0, z_w[:, np.maximum(t["key"], 0)], 0.0)
    mean = (ch[:, CHOICE_COL["governance"]] == governance.INDICES.index("mean"))[:, None]
    est = np.where(mean, t["wgi_m"] + zw * t["se_m"], t["wgi"] + zw * t["se"])
    g = np.clip((2.5 - est) / 5.0, 0.0, 1.0)
    fill = np.array([governance.MISSING_RULES[x] for x in MISSING])[ch[:, CHOICE_COL["missing_wgi"]]]
    g = np.where(np.where(mean, t["miss_m"], t["miss"]), fill[:, None], g)
    g = np.where(t["dom"], 0.0, g)
    seg = t["seg"]
    tot = _segsum(q, seg)
    s = q / tot[:, t["m"]]
    s2 = s * s
    var = ch[:, CHOICE_COL["variant"]][:, None]
    with np.errstate(all="ignore"):
        out = np.where(var == 0, _segsum(s2 * g, seg),
                       np.where(var == 1, _segsum(s2, seg) * _segsum(s * g, seg), _segsum(q * g, seg) / tot))
    return np.where(seg["has"][None, :], out, np.nan)


def _secondary(t: dict, z: np.ndarray) -> np.ndarray:
    """Secondary-supply raw values ``1 − min(1, r)`` (draws × minerals) of drawn recycling rates:
    the two-piece uniform with median r on [low, high] where the source prints a range, else
    r × LogNormal(0, :data:`SECONDARY_SIGMA`) (module docstring). z = 0 gives r exactly.

    >>> t = {"rate": np.array([0.2, 0.5]), "lo": np.array([0.1, np.nan]), "hi": np.array([0.6, np.nan]),
    ...      "ranged": np.array([True, False])}
    >>> _secondary(t, np.array([[0.0, 0.0], [-40.0, 0.0], [40.0, 0.0]])).round(6).tolist()
    [[0.8, 0.5], [0.9, 0.5], [0.4, 0.5]]
    """
    from scipy.special import ndtr

    r = t["rate"][None, :]
    u = ndtr(z)
    with np.errstate(all="ignore"):
        two = np.where(u < 0.5, r + (u - 0.5) * 2.0 * (r - t["lo"][None, :]),
                       r + (u - 0.5) * 2.0 * (t["hi"][None, :] - r))
        rate = np.where(t["ranged"][None, :], two, r * np.exp(SECONDARY_SIGMA * z))
    rate = np.where(z == 0.0, r, rate)            # the central draw: the source's figure, bit for bit
    return 1.0 - np.minimum(1.0, np.maximum(rate, 0.0))


def minmax_rows(x: np.ndarray) -> np.ndarray:
    """``normalise.scale(method="minmax")`` along each row: (x − min)/(max − min); 0.5 where
    max = min (the module's rule for a degenerate group).

    >>> minmax_rows(np.array([[1.0, 3.0, np.nan], [2.0, 2.0, 2.0]])).tolist()
    [[0.0, 1.0, nan], [0.5, 0.5, 0.5]]
    """
    import warnings

    with warnings.catch_warnings(), np.errstate(all="ignore"):
        warnings.simplefilter("ignore", RuntimeWarning)
        lo, hi = np.nanmin(x, axis=1, keepdims=True), np.nanmax(x, axis=1, keepdims=True)
        return np.where(hi > lo, (x - lo) / (hi - lo), 0.5)


def percentile_rows(x: np.ndarray) -> np.ndarray:
    """``normalise.scale(method="percentile")`` along each row: average rank / count of values
    (pandas ``rank(pct=True, method="average")``); NaN stays NaN.

    >>> percentile_rows(np.array([[0.2, 0.1, 0.2, np.nan]])).tolist()
    [[0.8333333333333334, 0.3333333333333333, 0.8333333333333334, nan]]
    """
    ok = np.isfinite(x)
    less = (x[:, None, :] < x[:, :, None]).sum(axis=2)          # values below x_i (NaN never counts)
    leq = (x[:, None, :] <= x[:, :, None]).sum(axis=2)
    cnt = ok.sum(axis=1, keepdims=True)
    with np.errstate(all="ignore"):
        return np.where(ok, (less + leq + 1) / 2.0 / cnt, np.nan)


def rank_rows(comp: np.ndarray, n_scored: np.ndarray) -> np.ndarray:
    """Rank 1 = highest risk per row: ≥ 4 indicators scored first, then by mean score (ties: the
    alphabetical order of the columns)."""
    key = np.where(np.isfinite(comp), comp, -1.0) + np.where(n_scored >= 4, 2.0, 0.0)
    order = np.argsort(-key, axis=1, kind="stable")
    r = np.empty_like(order)
    np.put_along_axis(r, order, np.broadcast_to(np.arange(1, comp.shape[1] + 1), comp.shape).copy(), axis=1)
    return r


def _chunks(b: dict, chunk: int):
    n = b["choice"].shape[0]
    for i in range(0, n, chunk):
        yield {f: v[i:i + chunk] for f, v in b.items()}


def _eval_blocks(d: Model, b: dict, chunk: int = 2000, parts: bool = False):
    """Composite scores and ranks (draws × minerals), evaluated in chunks of draws; with
    ``parts`` also the six indicator scores and the sampled indicators on the assessment's anchors."""
    comps, ranks, anch = [], [], []
    for blk in _chunks(b, chunk):
        comp, raw, sc = d.evaluate(blk, parts=True)
        comps.append(comp)
        ranks.append(rank_rows(comp, np.isfinite(sc).sum(axis=2)))
        if parts:
            anch.append(indicator_scores(raw, blk["choice"][:, CHOICE_COL["variant"]], d.anchors))
    out = (np.vstack(comps), np.vstack(ranks))
    return out + (np.vstack(anch),) if parts else out


def indicator_scores(raw: np.ndarray, variant: np.ndarray, anchors: dict | None = None) -> np.ndarray:
    """The sampled raw values (draws × minerals × :data:`SAMPLED`) on the assessment's own 0–1
    scale: its anchors (``anchors`` overrides some, e.g. the volatility measure's), each
    import-stability variant with its own (``variant`` per draw).

    >>> s = indicator_scores(np.array([[[0.25, 0.25, 0.125, np.nan, 0.1, 0.3]]]), np.array([0]))
    >>> s[0, 0].tolist()
    [0.5, 0.5, 0.5, nan, 0.3, 0.3]
    """
    out = np.full(raw.shape, np.nan)
    anchors = {**normalise.ANCHORS, **(anchors or {})}
    for j, ind in enumerate(SAMPLED):
        if ind in STAGES:
            for v_i, v in enumerate(VARIANTS):
                rows = np.flatnonzero(np.asarray(variant) == v_i)
                out[rows, :, j] = normalise.by_anchors(raw[rows, :, j], normalise.VARIANT_ANCHORS[v])
        else:
            out[:, :, j] = normalise.by_anchors(raw[:, :, j], anchors[ind])
    return out


def _spearman_distance(ranks: np.ndarray, base: np.ndarray) -> np.ndarray:
    k = ranks.shape[1]
    return 6.0 * ((ranks - base[None, :]) ** 2).sum(axis=1) / (k * (k * k - 1))


def salib_available() -> bool:
    """Whether SALib (``pip install salib``) can be imported."""
    try:
        import SALib.analyze.sobol  # noqa: F401
        import SALib.sample.sobol  # noqa: F401
    except ImportError:
        return False
    return True


def _engine(engine: str) -> str:
    if engine not in ("auto", "salib", "numpy"):
        raise DataValidationError(f"unknown Sobol engine {engine!r}", field="sobol_engine", found=engine,
                                  expected="auto, salib or numpy")
    if engine == "auto":
        return "salib" if salib_available() else "numpy"
    if engine == "salib" and not salib_available():
        raise ImportError("SALib is not installed: pip install salib (or use the numpy engine)")
    return engine


def estimators(yA: np.ndarray, yB: np.ndarray, yAB: np.ndarray) -> tuple[float, float]:
    """First-order (Saltelli 2010) and total (Jansen 1999) indices from an A/B/AB design.

    The same estimators as SALib's ``sobol.analyze``; 0 where the output does not vary.

    >>> a, b = np.array([0., 1., 2., 3.]), np.array([3., 1., 2., 0.])
    >>> estimators(a, b, a)            # AB = A: swapping the factor changes nothing
    (0.0, 0.0)
    >>> estimators(a, a, a)            # no variance at all
    (0.0, 0.0)
    """
    var = np.var(np.concatenate([yA, yB]))
    if not var > 0:
        return 0.0, 0.0
    return float(np.mean(yB * (yAB - yA)) / var), float(0.5 * np.mean((yA - yAB) ** 2) / var)


def saltelli_sample(groups: list[str], n: int, seed: int) -> np.ndarray:
    """SALib's ``sample.sobol.sample(problem, n, calc_second_order=False, scramble=True, seed=seed)``
    for Uniform(0, 1) inputs grouped by ``groups`` (one name per column), built with array
    operations instead of SALib's per-element loop (seconds for thousands of columns); the
    same numbers (tested).

    Rows per base point i: A_i, then A_i with group g's columns from B_i for each group in order
    of first appearance, then B_i; A | B is a scrambled Sobol' sequence of 2·D dimensions.
    """
    from scipy.stats import qmc

    d = len(groups)
    base = qmc.Sobol(d=2 * d, scramble=True, seed=seed).random(n)
    a, b = base[:, :d], base[:, d:]
    g = np.asarray(groups)
    names = pd.unique(g)
    out = np.empty((n, len(names) + 2, d))
    out[:, 0], out[:, -1] = a, b
    for k, name in enumerate(names):
        out[:, k + 1] = np.where(g == name, b, a)
    return out.reshape(n * (len(names) + 2), d)


def sobol_indices(func, factors: dict[str, int], n: int, rng: np.random.Generator, *,
                  engine: str = "auto") -> pd.DataFrame:
    """Sobol indices of ``func`` to groups of independent Uniform(0, 1) inputs.

    ``factors``: group name → number of input columns; ``func(U)`` takes ``{name: (rows × k)}``
    and returns one output per row. ``engine``: ``salib`` (SALib's Saltelli/Sobol'-sequence
    sample and ``sobol.analyze``, with bootstrap confidence intervals; ``n`` rounded up to a
    power of 2), ``numpy`` (plain Monte Carlo A/B/AB design, the same estimators), or ``auto``
    (SALib when importable). ``.attrs["engine"]`` says which ran.
    """
    eng = _engine(engine)
    names = list(factors)
    if eng == "salib":
        from SALib.analyze import sobol as sa

        cols = [f for f in names for _ in range(factors[f])]
        problem = {"num_vars": len(cols), "names": [f"{f}_{i}" for i, f in enumerate(cols)],
                   "bounds": [[0.0, 1.0]] * len(cols), "groups": cols}
        n2 = 1 << max(int(n) - 1, 1).bit_length()
        seed = int(rng.integers(2 ** 31))
        X = saltelli_sample(cols, n2, seed)
        edges = np.cumsum([0] + [factors[f] for f in names])
        y = np.asarray(func({f: X[:, edges[i]:edges[i + 1]] for i, f in enumerate(names)}), float)
        res = sa.analyze(problem, y, calc_second_order=False, print_to_console=False, seed=seed)
        # SALib orders the groups by first appearance, which is ``names``
        out = pd.DataFrame({"factor": names, "S1": np.asarray(res["S1"], float), "ST": np.asarray(res["ST"], float),
                            "S1_conf": np.asarray(res["S1_conf"], float), "ST_conf": np.asarray(res["ST_conf"], float)})
    else:
        A = {f: rng.random((n, k)) for f, k in factors.items()}
        B = {f: rng.random((n, k)) for f, k in factors.items()}
        yA, yB = np.asarray(func(A), float), np.asarray(func(B), float)
        rows = []
        for f in names:
            s1, st = estimators(yA, yB, np.asarray(func({**A, f: B[f]}), float))
            rows.append({"factor": f, "S1": s1, "ST": st, "S1_conf": np.nan, "ST_conf": np.nan})
        out = pd.DataFrame(rows, columns=SOBOL_COLUMNS)
    out.attrs["engine"] = eng
    return out


def _from_uniform(U: dict) -> dict:
    """Uniform(0, 1) blocks → the model's standard-normal noise and discrete choices."""
    from scipy.special import ndtri

    def z(u):
        return ndtri(np.clip(u, 1e-12, 1 - 1e-12))

    choice = np.column_stack([np.minimum((U[f][:, 0] * k).astype(int), k - 1) for f, k in CHOICE_LEVELS.items()])
    return {f: z(U[f]) for f in NOISE} | {"choice": choice}


def sobol(d: Model, rng: np.random.Generator, n: int = 2048, base_rank: np.ndarray | None = None, *,
          engine: str = "auto") -> pd.DataFrame:
    """First-order (Saltelli 2010) and total (Jansen 1999) Sobol indices of 1 − Spearman ρ to the
    central ranking (``base_rank``; default: the central draw's, i.e. the assessment's).

    ``engine``: ``salib`` (SALib's sampling and analysis, via :func:`sobol_indices`), ``numpy``
    (the NumPy A/B/AB design on the model's own normal draws) or ``auto`` (SALib when
    importable). ``.attrs["engine"]`` says which ran.
    """
    eng = _engine(engine)
    if base_rank is None:
        base_rank = _eval_blocks(d, d.central())[1][0]
    if eng == "salib":
        def func(U, chunk=2000):
            n_rows = next(iter(U.values())).shape[0]
            return np.concatenate([
                _spearman_distance(_eval_blocks(d, _from_uniform({f: u[i:i + chunk] for f, u in U.items()}),
                                                chunk)[1], base_rank)
                for i in range(0, n_rows, chunk)])

        factors = {f: d.dims[f] for f in NOISE} | {f: 1 for f in CHOICE_LEVELS}
        out = sobol_indices(func, factors, n, rng, engine="salib")
        return out.set_index("factor").loc[list(FACTORS)].reset_index().pipe(_with_engine, "salib")
    A, B = d.draw(rng, n), d.draw(rng, n)
    yA = _spearman_distance(_eval_blocks(d, A)[1], base_rank)
    yB = _spearman_distance(_eval_blocks(d, B)[1], base_rank)
    rows = []
    for f in FACTORS:
        AB = {k: v.copy() for k, v in A.items()}
        if f in CHOICE_COL:
            AB["choice"][:, CHOICE_COL[f]] = B["choice"][:, CHOICE_COL[f]]
        else:
            AB[f] = B[f]
        s1, st = estimators(yA, yB, _spearman_distance(_eval_blocks(d, AB)[1], base_rank))
        rows.append({"factor": f, "S1": s1, "ST": st, "S1_conf": np.nan, "ST_conf": np.nan})
    return _with_engine(pd.DataFrame(rows, columns=SOBOL_COLUMNS), "numpy")


def _with_engine(df: pd.DataFrame, engine: str) -> pd.DataFrame:
    df.attrs["engine"] = engine
    return df


SUMMARY_COLUMNS = ["mineral", "base_score", "base_rank", "n_scored", "mean", "p05", "p50", "p95", "rank_p05",
                   "rank_p50", "rank_p95", "p_top"]
INDICATOR_COLUMNS = ["mineral", "indicator", "base", "p05", "p50", "p95"]


def run(country: str = "JPN", year: int | None = None, *, draws: int = 10_000, seed: int = 0, top: int = 10,
        sobol_n: int = 1024, sobol: bool = True, store=None, supply: SupplyData | None = None,
        sobol_engine: str = "auto") -> dict:
    """Monte Carlo of the ranking around the assessment ``assess(country, year)``.

    ``year`` defaults to the latest year with trade data for ``country`` (as ``assess``).
    Returns ``{"summary", "sobol", "sobol_engine", "indicators", "draws", "seed", "year",
    "model"}``: ``summary`` per mineral ``base_score`` and ``base_rank`` (the central draw =
    the assessment's mean score and rank), ``n_scored`` (indicators with a score), the score's
    mean and 5/50/95 %, the rank's 5/50/95 % and ``p_top`` (P(rank ≤ top)), ordered by the
    central rank; ``indicators`` per (mineral, sampled indicator) ``base`` (the assessment's
    score) and ``p05, p50, p95`` over the draws on the assessment's anchors. Scores are rounded
    to :data:`SIG_DIGITS` significant digits (same seed, byte-identical output).
    """
    if int(draws) < 2:
        raise DataValidationError("too few Monte Carlo draws", field="draws", found=draws,
                                  expected="at least 2 (10,000 for stable bands)", fix="pass --draws 10000")
    sd = supply if supply is not None else SupplyData(store, None, Method())
    if year is not None:
        check_years(sd.source, country, [year])
    d = Model(country, year, supply=sd)
    if not d.minerals:
        raise DataValidationError(f"no mineral has any indicator for {country} in {d.year}", field="year",
                                  found=d.year, fix="choose another year (see `critmin data info`)")
    rng = np.random.default_rng(seed)
    b = d.draw(rng, draws)
    f, r, anch = _eval_blocks(d, b, parts=True)
    c0, raw0, sc0 = d.evaluate(d.central(), parts=True)
    n0 = np.isfinite(sc0).sum(axis=2)[0]
    r0 = rank_rows(c0, n0[None, :])[0]
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        q = np.nanpercentile(f, [5, 50, 95], axis=0)
        mean = np.nanmean(f, axis=0)
    rq = np.percentile(r, [5, 50, 95], axis=0)
    summ = pd.DataFrame({"mineral": d.minerals, "base_score": c0[0], "base_rank": r0, "n_scored": n0,
                         "mean": mean, "p05": q[0], "p50": q[1], "p95": q[2], "rank_p05": rq[0],
                         "rank_p50": rq[1], "rank_p95": rq[2], "p_top": (r <= top).mean(axis=0)})
    summ = summ.sort_values(["base_rank"]).reset_index(drop=True)[SUMMARY_COLUMNS]
    so = globals()["sobol"](d, rng, sobol_n, r0, engine=sobol_engine) if sobol else None
    base_sc = indicator_scores(raw0, d.base_choice[None, CHOICE_COL["variant"]], d.anchors)[0]
    rows = []
    for j, ind in enumerate(SAMPLED):
        x = anch[:, :, j]
        ok = np.isfinite(x).any(axis=0) | np.isfinite(base_sc[:, j])
        qq = np.full((3, x.shape[1]), np.nan)
        if ok.any():
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", RuntimeWarning)
                qq[:, ok] = np.nanpercentile(x[:, ok], [5, 50, 95], axis=0)
        rows.append(pd.DataFrame({"mineral": np.array(d.minerals)[ok], "indicator": ind, "base": base_sc[ok, j],
                                  "p05": qq[0, ok], "p50": qq[1, ok], "p95": qq[2, ok]}))
    ind = pd.concat(rows, ignore_index=True).sort_values(["mineral", "indicator"],
                                                        key=lambda s: s.map(INDICATORS.index)
                                                        if s.name == "indicator" else s).reset_index(drop=True)
    return {"summary": _sig(summ), "sobol": so, "sobol_engine": so.attrs.get("engine") if so is not None else None,
            "indicators": _sig(ind[INDICATOR_COLUMNS]), "draws": int(draws), "seed": seed, "year": d.year,
            "model": d}


#: significant digits of the reported scores: the supply layer's float sums (imputed flow
#: quantities from DuckDB aggregates) may differ in the last bit from run to run; rounding
#: keeps the same seed's output byte-identical
SIG_DIGITS = 10


def _sig(df: pd.DataFrame, digits: int = SIG_DIGITS) -> pd.DataFrame:
    """Float columns rounded to ``digits`` significant digits (NaN kept).

    >>> _sig(pd.DataFrame({"x": [0.123456789012345, np.nan]}))["x"].tolist()
    [0.123456789, nan]
    """
    df = df.copy()
    for c in df.columns:
        if df[c].dtype.kind == "f":
            df[c] = [float(f"{v:.{digits}g}") if np.isfinite(v) else v for v in df[c].to_numpy(float)]
    return df


#: The method choices varied for the range of each indicator on the radar: one family per
#: indicator group, the other choices at their defaults. Scores stay on the assessment's fixed
#: anchors (each variant with its own anchors): the normalisation choice re-scales the ranking
#: model, it is not a range of the indicator itself.
METHOD_FAMILIES: dict[tuple[str, ...], list[dict]] = {
    ("reserve_concentration", "production_concentration"):
        [{"residual_rule": r} for r in concentration.RESIDUAL_RULES],
    ("import_concentrate", "import_refined"):
        [{"import_variant": v, "missing_governance": g} for v in VARIANTS for g in MISSING],
    ("price_volatility",): [{"volatility": v} for v in ("log_return_std", "yoy_std", "range", "cv",
                                                         "mean_abs_change")],
    ("secondary_supply",): [{}],
}


def method_bands(country: str, year: int | None = None, store=None, supply: SupplyData | None = None,
                 model: Model | None = None) -> pd.DataFrame:
    """Range of each of the six indicator scores over the method choices (no data noise).

    For every family in :data:`METHOD_FAMILIES` each choice (other choices at their defaults) is
    scored on the fixed anchors, as ``assess`` with that choice scores it: the concentrations and
    import stabilities by the model at zero noise (which is the assessment with that choice —
    tested), price volatility from the supply layer's volatility of that measure, secondary
    supply the assessment's score. Returns per (mineral, indicator) ``lo``, ``p50``, ``hi`` (min,
    median, max over the ``n`` choices with a score) and ``choices`` (what was varied). Minerals
    without any score are left out.

    The default method's score always lies inside [lo, hi]:

    >>> b = method_bands("JPN", 2024)                                  # doctest: +SKIP
    """
    from ..assessment import score_records

    if model is None:
        sd0 = supply if supply is not None else SupplyData(store, None, Method())
        model = Model(country, year, supply=sd0)
    sd0, m0, year = model.supply, model.method, model.year
    src = CachedSource(sd0.source)          # the volatility variants read each table once
    recs = model.assessment.records
    parts = []
    for inds, family in METHOD_FAMILIES.items():
        what = ", ".join(sorted({k.replace("_", " ") for kw in family for k in kw})) or "none (data only)"
        for kw in family:
            m = Method(**{**m0.as_dict(), **kw})
            if set(inds) <= set(QUANTITY):
                b = model.central()
                b["choice"] = np.array([[levels.index(getattr(m, f)) for f, levels in CHOICES.values()]])
                sc = model.scores(model.raw(b, residual_rule=m.residual_rule), b["choice"])[0]
                r = pd.DataFrame({"mineral": np.repeat(model.minerals, len(inds)),
                                  "indicator": list(inds) * len(model.minerals),
                                  "score": sc[:, [INDICATORS.index(i) for i in inds]].ravel()})
            elif inds == ("price_volatility",):
                sd = sd0 if m == m0 else SupplyData(src, sd0.minerals, m)
                v = sd.volatility([year])
                v = v[(v["year"] == year) & v["mineral"].isin(model.minerals)]
                r = v[["mineral", "value"]].assign(indicator="price_volatility", country=country, year=year)
                r = r.assign(score=score_records(r, m).to_numpy(float))
            else:
                r = recs[recs["indicator"].isin(inds)]
            parts.append(r[["mineral", "indicator", "score"]].assign(choices=what))
    df = pd.concat(parts, ignore_index=True).dropna(subset=["score"])
    out = df.groupby(["mineral", "indicator"]).agg(lo=("score", "min"), p50=("score", "median"),
                                                   hi=("score", "max"), n=("score", "size"),
                                                   choices=("choices", "first")).reset_index()
    return out


def _frozen(v):
    if isinstance(v, dict):
        return tuple(sorted((k, _frozen(x)) for k, x in v.items()))
    if isinstance(v, (list, tuple, set, frozenset)):
        return tuple(_frozen(x) for x in (sorted(v) if isinstance(v, (set, frozenset)) else v))
    return v


class CachedSource:
    """A :class:`~critmin.supply.DataSource` that keeps what it has read (a copy is handed out each
    time), so that several :class:`~critmin.supply.SupplyData` over one store — one per method
    variant — read each table once. Other attributes pass through to ``source``.
    """

    def __init__(self, source) -> None:
        self.source = source
        self._memo: dict = {}

    def load(self, dataset: str, **filters) -> pd.DataFrame:
        key = ("load", dataset, _frozen(filters))
        if key not in self._memo:
            self._memo[key] = self.source.load(dataset, **filters)
        return self._memo[key].copy()

    def sql(self, query: str, params=None) -> pd.DataFrame:
        key = ("sql", query, _frozen(list(params or ())))
        if key not in self._memo:
            self._memo[key] = self.source.sql(query, params)
        return self._memo[key].copy()

    def __getattr__(self, name):
        return getattr(self.source, name)
