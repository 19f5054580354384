"""Price volatility (価格変動幅) over a trailing window.

With ``P_t`` the annual price (or unit value) and ``r_t = ln(P_t / P_{t-1})``:

``log_return_std`` (default)
    standard deviation of annual log returns — the finance convention of
    volatility with k = 1 period per year (METHODS §5).
``yoy_std``
    standard deviation of year-on-year relative change ``ΔP_t / P_{t-1}``
    (common in LCA supply-risk methods).
``range``
    ``(max P − min P) / mean P`` (spike-driven).
``cv``
    coefficient of variation ``std(P) / mean(P)`` (trend-sensitive).
``mean_abs_change``
    ``mean |ΔP_t / P_{t-1}|`` (robust).

The default window is 10 years ending in the assessment year; at least
``min_years`` prices inside it are required, else the value is missing (with a
reason) — never zero. Prices are nominal: a deflator changes the level of the
log returns by the inflation rate, not their spread, so ``log_return_std`` is
insensitive to it; ``range`` and ``cv`` are not, and say so.

Series choice per mineral (first available with enough years): World Bank Pink
Sheet (exchange prices) → USGS DS140 unit value → USGS MCS price → BACI world
trade unit value of the mineral's refined-stage codes (a documented proxy). A
series that ends more than ``stale`` years before the target year is passed over
when a later series has enough years (USGS DS140 for lithium ends in 2021; the MCS
prices run to 2025), and used only where nothing fresher exists.
"""
from __future__ import annotations

import numpy as np
import pandas as pd

MEASURES = ("log_return_std", "yoy_std", "range", "cv", "mean_abs_change")

SOURCE_PRIORITY = ("pink_sheet", "usgs_ds140", "usgs_mcs", "baci_hs92")


def _measure(p: np.ndarray, measure: str) -> float:
    p = p[np.isfinite(p) & (p > 0)]
    if measure == "log_return_std":
        r = np.diff(np.log(p))
        return float(np.std(r, ddof=1)) if r.size >= 2 else np.nan
    if measure == "yoy_std":
        r = p[1:] / p[:-1] - 1
        return float(np.std(r, ddof=1)) if r.size >= 2 else np.nan
    if measure == "mean_abs_change":
        r = p[1:] / p[:-1] - 1
        return float(np.mean(np.abs(r))) if r.size else np.nan
    if measure == "range":
        return float((p.max() - p.min()) / p.mean()) if p.size else np.nan
    if measure == "cv":
        return float(np.std(p, ddof=1) / p.mean()) if p.size >= 2 else np.nan
    raise ValueError(f"unknown volatility measure {measure!r}; use one of {MEASURES}")


def volatility(prices: pd.DataFrame, *, years: list[int], window: int = 10, min_years: int = 6,
               measure: str = "log_return_std", stale: int | None = None) -> pd.DataFrame:
    """Volatility per (mineral, target year) from annual series.

    Parameters
    ----------
    prices : DataFrame
        ``mineral, series, year, value`` — one or more series per mineral, already
        ordered by preference in ``rank`` (lower is preferred).
    years : list of int
        Target years; the window is ``[Y - window + 1, Y]``.

    stale : int, optional
        A series whose last price in the window is more than ``stale`` years before the
        target year ranks after every fresher series (None: no such rule).

    Returns
    -------
    DataFrame ``mineral, year, value, series, n_years, first_year, last_year`` with the
    first series (by freshness, then ``rank``) that has at least ``min_years`` prices in
    the window.

    Examples
    --------
    A price doubling and halving every year: log returns ±ln 2.

    >>> p = pd.DataFrame({"mineral": "x", "series": "s", "rank": 0,
    ...                   "year": range(2011, 2021), "value": [1, 2] * 5})
    >>> round(float(volatility(p, years=[2020])["value"].iloc[0]), 4)
    0.7306
    """
    if measure not in MEASURES:
        raise ValueError(f"unknown volatility measure {measure!r}; use one of {MEASURES}")
    out = []
    pr = prices[np.isfinite(prices["value"]) & (prices["value"] > 0)].sort_values("year")
    for (mineral, rank, series), s in pr.groupby(["mineral", "rank", "series"], sort=True):
        yv = s[["year", "value"]].to_numpy()
        for y in years:
            w = yv[(yv[:, 0] > y - window) & (yv[:, 0] <= y)]
            if len(w) < min_years:
                continue
            late = stale is not None and w[-1, 0] < y - stale
            out.append((mineral, y, _measure(w[:, 1], measure), series, rank + 1000 * late, len(w),
                        int(w[0, 0]), int(w[-1, 0])))
    cols = ["mineral", "year", "value", "series", "rank", "n_years", "first_year", "last_year"]
    res = pd.DataFrame(out, columns=cols)
    if res.empty:
        return res.drop(columns="rank")
    res["value"] = res["value"].astype(float)
    res = res[np.isfinite(res["value"])].sort_values(["mineral", "year", "rank"])
    return res.drop_duplicates(["mineral", "year"]).drop(columns="rank").reset_index(drop=True)
