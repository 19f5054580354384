"""Uncertainty of the supply-risk ranking: Monte Carlo over inputs and method choices, and Sobol indices.

Model (per mineral m, for one importer and year; every draw all minerals at once, in NumPy)::

    risk_m = ½ · N(HHI_P,m) + ½ · N(IS_m)

* ``HHI_P`` production concentration (mine production, WMD > USGS > BGS as in the assessment);
* ``IS`` import stability of the mineral's traded stage (``refined`` where the importer imports
  refined codes, else ``concentrate``), domestic production counted as a secure source, in one of
  three variants (``weighted_hhi`` Σs²g, ``product`` HHI_M·Σsg, ``geopolrisk`` Σgq/(p+Σq));
* ``N`` the normalisation across the minerals.

Uncertain inputs (continuous): WGI estimates ~ Normal(estimate, WGI standard error) → g;
trade quantities and production quantities × LogNormal(0, σ) (σ = 0.10 and 0.05: declared
ranges of BACI mirror gaps and WMD estimates, ``TRADE_SIGMA`` / ``PROD_SIGMA``).
Method choices (discrete, equally likely): normalisation {anchors (raw 0–1), minmax, percentile},
window {1, 3 years pooled}, governance index {pv, mean} (identical while only PV is held — its
Sobol index is then 0, as it should be), import-stability variant {3}, and partners without WGI
{worst g = 1, neutral g = 0.5}.

Outputs: per mineral the score distribution (mean, 5/50/95 %), rank (median, 5–95 %), and the
probability of being in the top tier (rank ≤ ``top``). Global sensitivity: first-order (Saltelli
2010) and total (Jansen 1999) Sobol indices of the ranking's distance to the base ranking
(1 − Spearman ρ) to each factor group, with a Saltelli A/B/AB design implemented in NumPy (SALib is
not a dependency); the estimators are the ones SALib's ``sobol.analyze`` uses. Reproducible: one
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


class _Data:
    """Flattened (mineral × partner) and (mineral × producer) arrays for both windows."""

    def __init__(self, country: str, year: int, store=None) -> None:
        from ..assessment import PRODUCTION_PRIORITY, _domestic, _pick_source
        from ..catalogue import mineral_ids
        from ..indicators import governance, import_stability
        from ..store import default_store

        store = store or default_store()
        mins = mineral_ids()
        fl = import_stability.prepare_trade(store.trade_flows(minerals=mins, importers=[country]))
        fl = fl[fl["year"].between(year - 2, year)]
        # the traded stage per mineral: refined where imported, else concentrate
        st = fl.groupby(["mineral", "stage"])["q"].sum().unstack()
        stage = pd.Series(np.where(st.get("refined", pd.Series(dtype=float)).reindex(st.index).fillna(0) > 0,
                                   "refined", "concentrate"), index=st.index)
        fl = fl[fl["stage"] == fl["mineral"].map(stage)]
        prod = store.load("mine_production", minerals=mins, variables=["quantity"])
        prod = _pick_source(prod[np.isfinite(prod["value"]) & ~prod["country"].isin(["WLD", "OTH"])],
                            PRODUCTION_PRIORITY)
        prod = prod[prod["year"].between(year - 5, year)]
        latest = prod.groupby("mineral")["year"].transform("max")
        prod = prod[prod["year"] > latest - 3]
        minerals = sorted(set(fl["mineral"]) & set(prod["mineral"]))
        self.minerals = minerals
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


def _evaluate(d: _Data, z_wgi, z_trade, z_prod, choice) -> np.ndarray:
    """Risk scores (draws × minerals) for standard-normal noise blocks and discrete choices.

    ``choice``: int array (draws × 5): normalisation, window, governance, variant, missing.
    """
    n, k = z_wgi.shape[0], len(d.minerals)
    out = np.empty((n, k))
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
        isv = np.where(var[:, None] == 0, v_w, np.where(var[:, None] == 1, v_p, v_g))
        out[rows] = 0.5 * _normalise(hhi_p, choice[rows, 0]) + 0.5 * _normalise(isv, choice[rows, 0])
    return out


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


def _eval_blocks(d: _Data, b: dict, chunk: int = 2000) -> np.ndarray:
    n = b["wgi"].shape[0]
    return np.vstack([_evaluate(d, b["wgi"][i:i + chunk], b["trade"][i:i + chunk], b["production"][i:i + chunk],
                                b["choice"][i:i + chunk]) for i in range(0, n, chunk)])


def _spearman_distance(ranks: np.ndarray, base: np.ndarray) -> np.ndarray:
    k = ranks.shape[1]
    return 6.0 * ((ranks - base[None, :]) ** 2).sum(axis=1) / (k * (k * k - 1))


def sobol(d: _Data, rng: np.random.Generator, n: int = 2048, base_rank: np.ndarray | None = None) -> pd.DataFrame:
    """First-order (Saltelli 2010) and total (Jansen 1999) Sobol indices of 1 − Spearman ρ."""
    A, B = _draw(rng, n, d), _draw(rng, n, d)
    choice_col = {"normalisation": 0, "window": 1, "governance": 2, "variant": 3, "missing_wgi": 4}
    fA = _eval_blocks(d, A)
    if base_rank is None:
        base_rank = np.argsort(np.argsort(-np.nanmedian(fA, axis=0))) + 1
    yA = _spearman_distance(_ranks(fA), base_rank)
    yB = _spearman_distance(_ranks(_eval_blocks(d, B)), base_rank)
    var = np.var(np.concatenate([yA, yB]))
    rows = []
    for f in FACTORS:
        AB = {k: v.copy() for k, v in A.items()}
        if f in choice_col:
            AB["choice"][:, choice_col[f]] = B["choice"][:, choice_col[f]]
        else:
            AB[f] = B[f]
        yAB = _spearman_distance(_ranks(_eval_blocks(d, AB)), base_rank)
        s1 = float(np.mean(yB * (yAB - yA)) / var) if var > 0 else 0.0
        st = float(0.5 * np.mean((yA - yAB) ** 2) / var) if var > 0 else 0.0
        rows.append({"factor": f, "S1": s1, "ST": st})
    return pd.DataFrame(rows)


def run(country: str = "JPN", year: int = 2022, *, draws: int = 10_000, seed: int = 0, top: int = 10,
        sobol_n: int = 1024, sobol: bool = True, store=None) -> dict:
    """Monte Carlo of the ranking; returns ``{"summary": DataFrame, "sobol": DataFrame | None}``."""
    d = _Data(country, year, store)
    rng = np.random.default_rng(seed)
    f = _eval_blocks(d, _draw(rng, draws, d))
    r = _ranks(f)
    base = np.zeros((1, d.n_pairs)), np.zeros((1, d.n_pairs)), np.zeros((1, d.n_prod))
    f0 = _evaluate(d, *base, np.array([[0, 0, 0, 0, 0]]))[0]
    r0 = _ranks(f0[None, :])[0]
    q = np.nanpercentile(f, [5, 50, 95], axis=0)
    rq = np.percentile(r, [5, 50, 95], axis=0)
    summ = pd.DataFrame({"mineral": d.minerals, "base_score": f0, "base_rank": r0, "mean": np.nanmean(f, axis=0),
                         "p05": q[0], "p50": q[1], "p95": q[2], "rank_p05": rq[0], "rank_p50": rq[1],
                         "rank_p95": rq[2], "p_top": (r <= top).mean(axis=0)})
    summ = summ.sort_values("rank_p50").reset_index(drop=True)
    so = globals()["sobol"](d, rng, sobol_n, r0) if sobol else None
    return {"summary": summ, "sobol": so, "draws": draws, "seed": seed}
