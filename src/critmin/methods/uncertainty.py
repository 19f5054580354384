"""Uncertainty of the supply-risk ranking: Monte Carlo over inputs and method choices, and Sobol indices.

Model (per mineral m, for one importer and year; every draw all minerals at once, in NumPy)::

    risk_m = ½ · N(HHI_P,m) + ½ · N(IS_m)

* ``HHI_P`` production concentration (mine production, WMD > USGS > BGS as in the assessment);
* ``IS`` import stability of the mineral's traded stage (of concentrate and refined, the one with
  the larger import value: :func:`traded_stage`), domestic production counted as a secure source, in one of
  three variants (``weighted_hhi`` Σs²g, ``product`` HHI_M·Σsg, ``geopolrisk`` Σgq/(p+Σq));
* ``N`` the normalisation across the minerals.

Uncertain inputs (continuous): WGI estimates ~ Normal(estimate, WGI standard error) → g;
trade quantities and production quantities × LogNormal(0, σ) (σ = 0.10 and 0.05: declared
ranges of BACI mirror gaps and WMD estimates, ``TRADE_SIGMA`` / ``PROD_SIGMA``).
Method choices (discrete, equally likely): normalisation {anchors (raw 0–1), minmax, percentile},
window {1, 3 years pooled}, governance index {pv, mean} (identical while only PV is held — its
Sobol index is then 0, as it should be), import-stability variant {3}, and partners without WGI
{worst g = 1, neutral g = 0.5}.

Radar bands for the other four indicators: :func:`method_bands` recomputes the assessment over each
indicator's method choices (:data:`METHOD_FAMILIES`: residual rule for the concentrations,
import-stability variant × partners without WGI for the import indicators, the volatility measure)
and gives per (mineral, indicator) the min, median and max score — a range over choices, no data noise.

Outputs: per mineral the score distribution (mean, 5/50/95 %), rank (median, 5–95 %), and the
probability of being in the top tier (rank ≤ ``top``). Global sensitivity: first-order (Saltelli
2010) and total (Jansen 1999) Sobol indices of the ranking's distance to the base ranking
(1 − Spearman ρ) to each factor group. With SALib installed (``pip install salib``) its
Saltelli design on a scrambled Sobol' sequence (``SALib.sample.sobol``) and ``SALib.analyze.sobol``
(with bootstrap confidence intervals) are used; without it, a plain Monte Carlo A/B/AB design in
NumPy with the same estimators (``engine`` says which ran). Reproducible: one
``numpy.random.Generator(seed)`` drives everything.
"""
from __future__ import annotations

import numpy as np
import pandas as pd

TRADE_SIGMA = 0.10
PROD_SIGMA = 0.05
FACTORS = ("wgi", "trade", "production", "normalisation", "window", "governance", "variant", "missing_wgi")
NORMALISATIONS = ("anchors", "minmax", "percentile")
VARIANTS = ("weighted_hhi", "product", "geopolrisk")


def traded_stage(flows: pd.DataFrame) -> pd.Series:
    """Per mineral the stage the importer is exposed at: of ``concentrate`` and ``refined``, the
    one with the larger import value (USD, comparable across stages, unlike gross tonnes);
    minerals without any value compare quantities; a tie goes to concentrate.

    >>> f = pd.DataFrame({"mineral": ["copper"] * 2, "stage": ["concentrate", "refined"],
    ...                   "v": [9.0e6, 2.0e3], "q": [3.0e6, 250.0]})
    >>> traded_stage(f).to_dict()
    {'copper': 'concentrate'}
    """
    f = flows[flows["stage"].isin(["concentrate", "refined"])]
    if f.empty:
        return pd.Series(dtype=object)
    val = f.groupby(["mineral", "stage"])["v"].sum(min_count=1).unstack().reindex(columns=["concentrate",
                                                                                           "refined"])
    qty = f.groupby(["mineral", "stage"])["q"].sum(min_count=1).unstack().reindex(columns=["concentrate",
                                                                                           "refined"])
    by = val.where(val.notna().any(axis=1), qty, axis=0).fillna(0.0)
    return pd.Series(np.where(by["refined"] > by["concentrate"], "refined", "concentrate"), index=by.index)


class _Data:
    """Flattened (mineral × partner) and (mineral × producer) arrays for both windows."""

    def __init__(self, country: str, year: int, store=None) -> None:
        from ..assessment import PRODUCTION_PRIORITY, _domestic, _pick_source
        from ..catalogue import mineral_ids
        from ..indicators import governance, import_stability
        from ..store import default_store

        store = store or default_store()
        mins = mineral_ids()
        raw = store.trade_flows(minerals=mins, importers=[country])
        fl = import_stability.prepare_trade(raw)
        fl = fl[fl["year"].between(year - 2, year)]
        stage = traded_stage(raw[raw["year"].between(year - 2, year)])
        fl = fl[fl["stage"] == fl["mineral"].map(stage)]
        prod = store.load("mine_production", minerals=mins, variables=["quantity"])
        prod = _pick_source(prod[np.isfinite(prod["value"]) & ~prod["country"].isin(["WLD", "OTH"])],
                            PRODUCTION_PRIORITY)
        prod = prod[prod["year"].between(year - 5, year)]
        latest = prod.groupby("mineral")["year"].transform("max")
        prod = prod[prod["year"] > latest - 3]
        minerals = sorted(set(fl["mineral"]) & set(prod["mineral"]))
        self.minerals = minerals
        #: the traded stage whose import-stability indicator the model samples, per mineral
        self.stage = stage.reindex(minerals)
        g = governance.scores(store.load("governance"), years=list(range(year - 2, year + 1)))
        dom = _domestic(store, [country], minerals)
        self.tables = {}
        for w in (1, 3):
            f = fl[fl["year"] > year - w] if w > 1 else fl[fl["year"] == fl.groupby("mineral")["year"].transform("max")]
            f = f[f["mineral"].isin(minerals)].groupby(["mineral", "exporter"], as_index=False)["q"].sum()
            gl = g[g["year"] == year].set_index("country")
            f["wgi"] = f["exporter"].map(gl["wgi"])
            f["wgi_se"] = f["exporter"].map(gl["g_se"] * 5.0).fillna(0.0)   # WGI standard error
            f = f.sort_values(["mineral", "exporter"]).reset_index(drop=True)
            p = prod[prod["mineral"].isin(minerals)]
            p = p[p["year"] > p.groupby("mineral")["year"].transform("max") - w]
            p = p.groupby(["mineral", "country"], as_index=False)["value"].sum().sort_values(["mineral", "country"])
            d = dom[dom["mineral"].isin(minerals)]
            d = d[d["stage"] == d["mineral"].map(stage)]
            d = d[d["year"] > year - w].groupby("mineral")["p"].sum().reindex(minerals).fillna(0.0)
            self.tables[w] = {
                "m_idx": f["mineral"].map({m: i for i, m in enumerate(minerals)}).to_numpy(),
                "q": f["q"].to_numpy(float), "wgi": f["wgi"].to_numpy(float),
                "wgi_se": f["wgi_se"].to_numpy(float),
                "p_idx": p["mineral"].map({m: i for i, m in enumerate(minerals)}).to_numpy(),
                "p": p["value"].to_numpy(float), "dom": d.to_numpy(float)}
        # noise dimensions: the union (window 3 ⊇ window 1 partners is not guaranteed) → per window
        self.n_pairs = max(len(t["q"]) for t in self.tables.values())
        self.n_prod = max(len(t["p"]) for t in self.tables.values())


def _parts(d: _Data, z_wgi, z_trade, z_prod, choice) -> tuple[np.ndarray, np.ndarray]:
    """Raw ``HHI_P`` and ``IS`` (draws × minerals) before normalisation, for the drawn choices."""
    n, k = z_wgi.shape[0], len(d.minerals)
    hh, iv = np.full((n, k), np.nan), np.full((n, k), np.nan)
    for w_i, w in enumerate((1, 3)):
        rows = np.flatnonzero(choice[:, 1] == w_i)
        if not len(rows):
            continue
        t = d.tables[w]
        npair, nprod = len(t["q"]), len(t["p"])
        wgi = t["wgi"][None, :] + z_wgi[rows, :npair] * t["wgi_se"][None, :]
        g = np.clip((2.5 - wgi) / 5.0, 0.0, 1.0)
        miss = np.isnan(t["wgi"])
        g[:, miss] = np.where(choice[rows, 4:5] == 0, 1.0, 0.5)
        q = t["q"][None, :] * np.exp(TRADE_SIGMA * z_trade[rows, :npair])
        p = t["p"][None, :] * np.exp(PROD_SIGMA * z_prod[rows, :nprod])
        ind = np.zeros((npair, k))
        ind[np.arange(npair), t["m_idx"]] = 1.0
        indp = np.zeros((nprod, k))
        indp[np.arange(nprod), t["p_idx"]] = 1.0
        ptot = p @ indp
        hhi_p = (p ** 2) @ indp / np.where(ptot > 0, ptot, np.nan) ** 2
        dom = t["dom"][None, :]
        qt = q @ ind + dom
        s = q / (qt @ ind.T)
        sd = dom / qt
        var = choice[rows, 3]
        v_w = (s ** 2 * g) @ ind                                          # weighted_hhi (domestic g = 0)
        v_p = ((s ** 2) @ ind + sd ** 2) * ((s * g) @ ind)                # product
        v_g = (q * g) @ ind / qt                                          # geopolrisk
        hh[rows] = hhi_p
        iv[rows] = np.where(var[:, None] == 0, v_w, np.where(var[:, None] == 1, v_p, v_g))
    return hh, iv


def _evaluate(d: _Data, z_wgi, z_trade, z_prod, choice) -> np.ndarray:
    """Risk scores (draws × minerals) for standard-normal noise blocks and discrete choices.

    ``choice``: int array (draws × 5): normalisation, window, governance, variant, missing.
    """
    hh, iv = _parts(d, z_wgi, z_trade, z_prod, choice)
    out = np.empty_like(hh)
    for w_i in (0, 1):
        rows = np.flatnonzero(choice[:, 1] == w_i)
        if len(rows):
            out[rows] = 0.5 * _normalise(hh[rows], choice[rows, 0]) + 0.5 * _normalise(iv[rows], choice[rows, 0])
    return out


def indicator_scores(hhi_p: np.ndarray, isv: np.ndarray, variant: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The sampled raw values on the assessment's own 0–1 scale (its anchors; ``variant`` per draw).

    >>> h, i = indicator_scores(np.array([[0.25]]), np.array([[0.125]]), np.array([0]))
    >>> float(h[0, 0]), float(i[0, 0])
    (0.5, 0.5)
    """
    from ..indicators.normalise import ANCHORS, VARIANT_ANCHORS, by_anchors

    h = np.asarray(by_anchors(hhi_p.ravel(), ANCHORS["production_concentration"]), float).reshape(hhi_p.shape)
    i = np.full(isv.shape, np.nan)
    for v_i, v in enumerate(VARIANTS):
        rows = np.flatnonzero(np.asarray(variant) == v_i)
        if len(rows):
            i[rows] = np.asarray(by_anchors(isv[rows].ravel(), VARIANT_ANCHORS[v]), float).reshape(isv[rows].shape)
    return np.where(np.isnan(hhi_p), np.nan, h), np.where(np.isnan(isv), np.nan, i)


def _normalise(x: np.ndarray, how: np.ndarray) -> np.ndarray:
    lo, hi = np.nanmin(x, axis=1, keepdims=True), np.nanmax(x, axis=1, keepdims=True)
    mm = (x - lo) / np.where(hi > lo, hi - lo, 1.0)
    pc = (np.argsort(np.argsort(np.nan_to_num(x, nan=-1.0), axis=1), axis=1)) / max(x.shape[1] - 1, 1)
    return np.where(how[:, None] == 0, x, np.where(how[:, None] == 1, mm, pc))


def _ranks(scores: np.ndarray) -> np.ndarray:
    """Rank 1 = highest score, per draw."""
    order = np.argsort(-np.nan_to_num(scores, nan=-np.inf), axis=1)
    r = np.empty_like(order)
    np.put_along_axis(r, order, np.arange(1, scores.shape[1] + 1)[None, :].repeat(scores.shape[0], 0), axis=1)
    return r


def _draw(rng: np.random.Generator, n: int, d: _Data) -> dict:
    return {"wgi": rng.standard_normal((n, d.n_pairs)), "trade": rng.standard_normal((n, d.n_pairs)),
            "production": rng.standard_normal((n, d.n_prod)),
            "choice": np.column_stack([rng.integers(0, 3, n), rng.integers(0, 2, n), rng.integers(0, 2, n),
                                       rng.integers(0, 3, n), rng.integers(0, 2, n)])}


def _eval_blocks(d: _Data, b: dict, chunk: int = 2000, parts: bool = False):
    """Composite scores (draws × minerals); with ``parts`` also the raw ``HHI_P`` and ``IS``."""
    n = b["wgi"].shape[0]
    outs, hs, vs = [], [], []
    for i in range(0, n, chunk):
        blk = (b["wgi"][i:i + chunk], b["trade"][i:i + chunk], b["production"][i:i + chunk], b["choice"][i:i + chunk])
        if parts:
            hh, iv = _parts(d, *blk)
            hs.append(hh)
            vs.append(iv)
        outs.append(_evaluate(d, *blk))
    return (np.vstack(outs), np.vstack(hs), np.vstack(vs)) if parts else np.vstack(outs)


def _spearman_distance(ranks: np.ndarray, base: np.ndarray) -> np.ndarray:
    k = ranks.shape[1]
    return 6.0 * ((ranks - base[None, :]) ** 2).sum(axis=1) / (k * (k * k - 1))


CHOICE_LEVELS = {"normalisation": 3, "window": 2, "governance": 2, "variant": 3, "missing_wgi": 2}
CHOICE_COL = {"normalisation": 0, "window": 1, "governance": 2, "variant": 3, "missing_wgi": 4}
SOBOL_COLUMNS = ["factor", "S1", "ST", "S1_conf", "ST_conf"]


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
        raise ValueError(f"unknown Sobol engine {engine!r}: use auto, salib or numpy")
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
        from SALib.sample import sobol as ss

        cols = [f for f in names for _ in range(factors[f])]
        problem = {"num_vars": len(cols), "names": [f"{f}_{i}" for i, f in enumerate(cols)],
                   "bounds": [[0.0, 1.0]] * len(cols), "groups": cols}
        n2 = 1 << max(int(n) - 1, 1).bit_length()
        seed = int(rng.integers(2 ** 31))
        X = ss.sample(problem, n2, calc_second_order=False, scramble=True, seed=seed)
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


def _from_uniform(d: _Data, U: dict) -> dict:
    """Uniform(0, 1) blocks → the model's standard-normal noise and discrete choices."""
    from scipy.special import ndtri

    def z(u):
        return ndtri(np.clip(u, 1e-12, 1 - 1e-12))

    choice = np.column_stack([np.minimum((U[f][:, 0] * k).astype(int), k - 1) for f, k in CHOICE_LEVELS.items()])
    return {"wgi": z(U["wgi"]), "trade": z(U["trade"]), "production": z(U["production"]), "choice": choice}


def sobol(d: _Data, rng: np.random.Generator, n: int = 2048, base_rank: np.ndarray | None = None, *,
          engine: str = "auto") -> pd.DataFrame:
    """First-order (Saltelli 2010) and total (Jansen 1999) Sobol indices of 1 − Spearman ρ.

    ``engine``: ``salib`` (SALib's sampling and analysis, via :func:`sobol_indices`), ``numpy``
    (the NumPy A/B/AB design on the model's own normal draws) or ``auto`` (SALib when
    importable). ``.attrs["engine"]`` says which ran.
    """
    eng = _engine(engine)
    if eng == "salib":
        if base_rank is None:
            z = np.zeros((1, d.n_pairs)), np.zeros((1, d.n_pairs)), np.zeros((1, d.n_prod))
            base_rank = _ranks(_evaluate(d, *z, np.zeros((1, 5), dtype=int)))[0]

        def func(U):
            return _spearman_distance(_ranks(_eval_blocks(d, _from_uniform(d, U))), base_rank)

        factors = {"wgi": d.n_pairs, "trade": d.n_pairs, "production": d.n_prod} | {f: 1 for f in CHOICE_LEVELS}
        out = sobol_indices(func, factors, n, rng, engine="salib")
        # keep the documented factor order
        return out.set_index("factor").loc[list(FACTORS)].reset_index().pipe(_with_engine, "salib")
    A, B = _draw(rng, n, d), _draw(rng, n, d)
    fA = _eval_blocks(d, A)
    if base_rank is None:
        base_rank = np.argsort(np.argsort(-np.nanmedian(fA, axis=0))) + 1
    yA = _spearman_distance(_ranks(fA), base_rank)
    yB = _spearman_distance(_ranks(_eval_blocks(d, B)), base_rank)
    rows = []
    for f in FACTORS:
        AB = {k: v.copy() for k, v in A.items()}
        if f in CHOICE_COL:
            AB["choice"][:, CHOICE_COL[f]] = B["choice"][:, CHOICE_COL[f]]
        else:
            AB[f] = B[f]
        yAB = _spearman_distance(_ranks(_eval_blocks(d, AB)), base_rank)
        s1, st = estimators(yA, yB, yAB)
        rows.append({"factor": f, "S1": s1, "ST": st, "S1_conf": np.nan, "ST_conf": np.nan})
    return _with_engine(pd.DataFrame(rows, columns=SOBOL_COLUMNS), "numpy")


def _with_engine(df: pd.DataFrame, engine: str) -> pd.DataFrame:
    df.attrs["engine"] = engine
    return df


def run(country: str = "JPN", year: int = 2022, *, draws: int = 10_000, seed: int = 0, top: int = 10,
        sobol_n: int = 1024, sobol: bool = True, store=None, sobol_engine: str = "auto") -> dict:
    """Monte Carlo of the ranking.

    Returns ``{"summary": DataFrame, "sobol": DataFrame | None, "sobol_engine": str | None,
    "indicators": DataFrame, ...}``; ``indicators`` holds per mineral the two sampled
    indicators (``production_concentration`` and the import-stability indicator of the traded
    stage) on the assessment's own 0–1 scale: ``base`` (no noise, default choices), ``p05``,
    ``p50``, ``p95`` over the draws.
    """
    from ..assessment import check_years
    from ..errors import DataValidationError
    from ..store import default_store

    if int(draws) < 2:
        raise DataValidationError("too few Monte Carlo draws", field="draws", found=draws,
                                  expected="at least 2 (10,000 for stable bands)", fix="pass --draws 10000")
    check_years(store or default_store(), country, [year])
    d = _Data(country, year, store)
    if not d.minerals:
        raise DataValidationError(f"no mineral has both trade data for {country} and mine production "
                                  f"near {year}", field="year", found=year,
                                  fix="choose a more recent year (see `critmin data info`)")
    rng = np.random.default_rng(seed)
    b = _draw(rng, draws, d)
    f, hh, iv = _eval_blocks(d, b, parts=True)
    r = _ranks(f)
    base = np.zeros((1, d.n_pairs)), np.zeros((1, d.n_pairs)), np.zeros((1, d.n_prod))
    c0 = np.array([[0, 0, 0, 0, 0]])
    f0 = _evaluate(d, *base, c0)[0]
    r0 = _ranks(f0[None, :])[0]
    q = np.nanpercentile(f, [5, 50, 95], axis=0)
    rq = np.percentile(r, [5, 50, 95], axis=0)
    summ = pd.DataFrame({"mineral": d.minerals, "base_score": f0, "base_rank": r0, "mean": np.nanmean(f, axis=0),
                         "p05": q[0], "p50": q[1], "p95": q[2], "rank_p05": rq[0], "rank_p50": rq[1],
                         "rank_p95": rq[2], "p_top": (r <= top).mean(axis=0)})
    summ = summ.sort_values("rank_p50").reset_index(drop=True)
    so = globals()["sobol"](d, rng, sobol_n, r0, engine=sobol_engine) if sobol else None
    # the sampled indicators on the assessment's scale
    hs, isc = indicator_scores(hh, iv, b["choice"][:, 3])
    h0, i0 = indicator_scores(*_parts(d, *base, c0), np.array([0]))
    rows = []
    for name, x, x0 in (("production_concentration", hs, h0[0]), ("import", isc, i0[0])):
        with np.errstate(all="ignore"):
            qq = np.full((3, x.shape[1]), np.nan)
            ok = np.isfinite(x).any(axis=0)
            if ok.any():
                qq[:, ok] = np.nanpercentile(x[:, ok], [5, 50, 95], axis=0)
        ind = ([name] * len(d.minerals) if name != "import" else
               ["import_" + st for st in d.stage.fillna("concentrate")])
        rows.append(pd.DataFrame({"mineral": d.minerals, "indicator": ind, "base": x0, "p05": qq[0],
                                  "p50": qq[1], "p95": qq[2]}))
    return {"summary": summ, "sobol": so, "sobol_engine": so.attrs.get("engine") if so is not None else None,
            "indicators": pd.concat(rows, ignore_index=True), "draws": draws, "seed": seed}


#: The method choices varied for the range of each indicator on the radar: one family per
#: indicator group, the other choices at their defaults. Scores stay on the assessment's fixed
#: anchors (each variant with its own anchors): the normalisation choice re-scales the ranking
#: model, it is not a range of the indicator itself.
METHOD_FAMILIES: dict[tuple[str, ...], list[dict]] = {
    ("reserve_concentration", "production_concentration"):
        [{"residual_rule": r} for r in ("split", "as_one", "ignore", "named_only")],
    ("import_concentrate", "import_refined"):
        [{"import_variant": v, "missing_governance": g} for v in VARIANTS for g in ("worst", "neutral")],
    ("price_volatility",): [{"volatility": v} for v in ("log_return_std", "yoy_std", "range", "cv",
                                                         "mean_abs_change")],
    ("secondary_supply",): [{}],
}


def method_bands(country: str, year: int, store=None) -> pd.DataFrame:
    """Range of each of the six indicator scores over the method choices (no data noise).

    For every family in :data:`METHOD_FAMILIES` the assessment is recomputed with each choice
    (other choices at their defaults), scored on the fixed anchors. Returns per
    (mineral, indicator) ``lo``, ``p50``, ``hi`` (min, median, max over the ``n`` runs with a
    score) and ``choices`` (what was varied). Minerals without any score are left out.

    The default method's score always lies inside [lo, hi]:

    >>> b = method_bands("JPN", 2024)                                  # doctest: +SKIP
    """
    from ..assessment import Inputs, Method, compute
    from ..catalogue import mineral_ids
    from ..store import default_store

    store = store or default_store()
    mins = mineral_ids()
    inputs: dict[tuple, Inputs] = {}
    runs: dict = {}
    parts = []
    for inds, family in METHOD_FAMILIES.items():
        what = ", ".join(sorted({k.replace("_", " ") for kw in family for k in kw})) or "none (data only)"
        for kw in family:
            m = Method(**kw)
            key = (m.residual_rule, m.window)
            if key not in inputs:
                inputs[key] = Inputs(store, m, mins)
            mk = repr(m)                         # Method holds a dict: not hashable, its repr is
            if mk not in runs:                   # the default method recurs in every family: once
                inp = inputs[key]
                inp.method = m                   # the volatility measure is read from the inputs' method
                runs[mk] = compute(store, countries=[country], years=[year], minerals=mins, method=m,
                                  inputs=inp)[0]
            recs = runs[mk]
            recs = recs[recs["indicator"].isin(inds)]
            parts.append(recs[["mineral", "indicator", "score"]].assign(choices=what))
    df = pd.concat(parts, ignore_index=True).dropna(subset=["score"])
    out = df.groupby(["mineral", "indicator"]).agg(lo=("score", "min"), p50=("score", "median"),
                                                   hi=("score", "max"), n=("score", "size"),
                                                   choices=("choices", "first")).reset_index()
    return out
