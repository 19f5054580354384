"""Scaling indicator values to scores in [0, 1] (1 = highest risk).

``anchors`` (default; comparable across years and importers)
    Piecewise-linear interpolation through fixed anchor points per indicator.
    For concentration the anchors are the DOJ/FTC HHI bands: HHI 0.15
    (unconcentrated below) → 0.3, 0.25 (highly concentrated above) → 0.5,
    1 → 1. The governance-weighted import HHI uses the same bands weighted by a
    mid-risk partner (g = 0.5): 0.075 → 0.3, 0.125 → 0.5, ≥ 0.5 → 1. Price
    volatility (std of annual log returns): 0.10 → 0.3, 0.20 → 0.5, ≥ 0.50 → 1.
    Secondary-supply risk is already a fraction (identity).
``minmax``
    ``(x − min) / (max − min)`` across the assessed minerals of one importer-year
    (relative; changes when the set of minerals changes).
``percentile``
    Rank percentile across the assessed minerals of one importer-year.

Helbig et al. (2021, Resources 10:79) found normalisations vary widely across
88 criticality methods — which is why the active choice appears in every output.
"""
from __future__ import annotations

import numpy as np
import pandas as pd

METHODS = ("anchors", "minmax", "percentile")

ANCHORS: dict[str, tuple[tuple[float, ...], tuple[float, ...]]] = {
    "reserve_concentration": ((0.0, 0.15, 0.25, 1.0), (0.0, 0.3, 0.5, 1.0)),
    "production_concentration": ((0.0, 0.15, 0.25, 1.0), (0.0, 0.3, 0.5, 1.0)),
    "import_concentrate": ((0.0, 0.075, 0.125, 0.5), (0.0, 0.3, 0.5, 1.0)),
    "import_refined": ((0.0, 0.075, 0.125, 0.5), (0.0, 0.3, 0.5, 1.0)),
    "price_volatility": ((0.0, 0.10, 0.20, 0.50), (0.0, 0.3, 0.5, 1.0)),
    "secondary_supply": ((0.0, 1.0), (0.0, 1.0)),
}

#: anchors for the volatility measures other than the default
MEASURE_ANCHORS = {
    "log_return_std": ((0.0, 0.10, 0.20, 0.50), (0.0, 0.3, 0.5, 1.0)),
    "yoy_std": ((0.0, 0.10, 0.20, 0.50), (0.0, 0.3, 0.5, 1.0)),
    "mean_abs_change": ((0.0, 0.08, 0.15, 0.40), (0.0, 0.3, 0.5, 1.0)),
    "range": ((0.0, 0.4, 0.8, 2.0), (0.0, 0.3, 0.5, 1.0)),
    "cv": ((0.0, 0.12, 0.25, 0.60), (0.0, 0.3, 0.5, 1.0)),
}

#: anchors for the import-stability variants other than the default
VARIANT_ANCHORS = {
    "weighted_hhi": ((0.0, 0.075, 0.125, 0.5), (0.0, 0.3, 0.5, 1.0)),
    "product": ((0.0, 0.075, 0.125, 0.5), (0.0, 0.3, 0.5, 1.0)),
    "geopolrisk": ((0.0, 0.2, 0.4, 0.8), (0.0, 0.3, 0.5, 1.0)),
}


def by_anchors(values, anchors: tuple[tuple[float, ...], tuple[float, ...]]) -> np.ndarray:
    """Piecewise-linear scaling; NaN stays NaN; beyond the last anchor → 1.

    >>> by_anchors([0.25, 0.625, 2.0], ANCHORS["production_concentration"]).round(3).tolist()
    [0.5, 0.75, 1.0]
    """
    x = np.asarray(values, dtype=float)
    xp, fp = anchors
    out = np.interp(x, xp, fp, left=0.0, right=1.0)
    return np.where(np.isfinite(x), out, np.nan)


def scale(df: pd.DataFrame, *, method: str = "anchors", by: list[str] | None = None,
          anchors: dict | None = None) -> pd.Series:
    """Scores for ``df`` rows (``indicator``, ``value``) by the chosen method.

    ``by`` groups rows for the relative methods (default: indicator × country × year).
    """
    if method not in METHODS:
        raise ValueError(f"unknown normalisation {method!r}; use one of {METHODS}")
    anchors = {**ANCHORS, **(anchors or {})}
    if method == "anchors":
        out = pd.Series(np.nan, index=df.index)
        for ind, idx in df.groupby("indicator").groups.items():
            out.loc[idx] = by_anchors(df.loc[idx, "value"], anchors[ind])
        return out
    by = by or ["indicator", "country", "year"]
    g = df.groupby(by)["value"]
    if method == "minmax":
        lo, hi = g.transform("min"), g.transform("max")
        return ((df["value"] - lo) / (hi - lo)).where(hi > lo, 0.5)
    return g.rank(pct=True, method="average")
