"""Concentration of supply by country: Herfindahl–Hirschman index on shares.

``HHI = Σ_c s_c²`` with ``s_c = Q_c / Σ Q`` (0–1; × 10,000 on the antitrust scale).
Over a multi-year window quantities are pooled *before* shares are squared
(EU CRM convention): ``s_c = Σ_y Q_cy / Σ_y Σ_c Q_cy``.

'Other countries' and world-total rows
--------------------------------------
Statistical tables list the largest producers and lump the rest into a residual
('Other countries', code ``OTH``), sometimes only as the gap to a world total
(``WLD``). The residual is never treated silently as one country. Rules:

``split`` (default)
    The residual is split into ``k = ceil(s_res / s_min)`` equal parts, each no
    larger than the smallest named country's share ``s_min`` — the table lists
    the largest producers, so no hidden one can exceed the smallest listed.
    Contribution ``s_res² / k``.
``as_one``
    The residual counted as one country: an upper bound (``hhi_upper``).
``ignore``
    The residual infinitely fragmented: a lower bound (``hhi_lower``).
``named_only``
    Shares renormalised over the named countries only (what many tools do).

All three bounds are returned, with the residual share, so every record can
show them. The total is ``Σ named + OTH`` when an OTH row exists, else
``max(Σ named, WLD)``.
"""
from __future__ import annotations

import numpy as np
import pandas as pd

from ..schema import OTHER, WORLD

RESIDUAL_RULES = ("split", "as_one", "ignore", "named_only")


def hhi(shares: np.ndarray | pd.Series) -> float:
    """HHI of one vector of shares (renormalised to sum to 1).

    >>> hhi([0.25, 0.25, 0.25, 0.25])
    0.25
    >>> hhi([1.0])
    1.0
    """
    s = np.asarray(shares, dtype=float)
    s = s[np.isfinite(s) & (s > 0)]
    if s.size == 0:
        return float("nan")
    s = s / s.sum()
    return float(np.sum(s * s))


def pool_window(df: pd.DataFrame, window: int, *, year: str = "year") -> pd.DataFrame:
    """Replicate rows so that target year ``Y`` holds the years ``Y-window+1 .. Y``.

    The returned frame has the original ``year`` in ``data_year`` and the target
    year in ``year``; summing by ``year`` pools quantities over the window.
    """
    if window <= 1:
        return df.assign(data_year=df[year])
    parts = [df.assign(data_year=df[year], **{year: df[year] + k}) for k in range(window)]
    out = pd.concat(parts, ignore_index=True)
    return out[out[year] <= df[year].max()]


def country_hhi(df: pd.DataFrame, by: list[str], *, value: str = "value", country: str = "country",
                rule: str = "split") -> pd.DataFrame:
    """HHI per group from a long table of quantities by country.

    Parameters
    ----------
    df : DataFrame
        Long table with ``by`` columns, ``country`` and ``value`` (one unit per group).
        May contain ``OTH`` and ``WLD`` rows.
    by : list of str
        Group keys (e.g. ``["mineral", "year"]``).
    rule : {"split", "as_one", "ignore", "named_only"}
        Residual rule, see module docstring.

    Returns
    -------
    DataFrame with ``by`` + ``hhi``, ``hhi_lower``, ``hhi_upper``, ``hhi_named_only``,
    ``residual_share``, ``n_countries``, ``total``, ``top_country``, ``top_share``, ``rule``.

    Examples
    --------
    >>> d = pd.DataFrame({"g": 1, "country": ["A", "B", "OTH"], "value": [50.0, 30.0, 20.0]})
    >>> r = country_hhi(d, ["g"]).iloc[0]
    >>> float(round(r.hhi_lower, 4)), float(round(r.hhi_upper, 4)), float(round(r.hhi, 4))
    (0.34, 0.38, 0.38)
    """
    if rule not in RESIDUAL_RULES:
        raise ValueError(f"unknown residual rule {rule!r}; use one of {RESIDUAL_RULES}")
    d = df[by + [country, value]].copy()
    d = d[np.isfinite(d[value])]
    is_oth = d[country].eq(OTHER)
    is_wld = d[country].eq(WORLD)
    named = d[~is_oth & ~is_wld & (d[value] > 0)]
    named = named.groupby(by + [country], as_index=False, observed=True)[value].sum()
    g = named.groupby(by, observed=True)[value]
    agg = pd.DataFrame({"named_total": g.sum(), "sumsq": g.apply(lambda s: float((s ** 2).sum())),
                        "n_countries": g.size(), "min_named": g.min(), "max_named": g.max()})
    oth = d[is_oth].groupby(by, observed=True)[value].sum().rename("oth")
    wld = d[is_wld].groupby(by, observed=True)[value].max().rename("wld")
    agg = agg.join(oth, how="left").join(wld, how="left")
    total = np.where(agg["oth"].notna(), agg["named_total"] + agg["oth"].fillna(0),
                     np.fmax(agg["named_total"], agg["wld"].fillna(0)))
    agg["total"] = total
    resid = np.clip(agg["total"] - agg["named_total"], 0, None)
    tot2 = agg["total"] ** 2
    s_res = resid / agg["total"]
    s_min = agg["min_named"] / agg["total"]
    k = np.maximum(1.0, np.ceil(s_res / s_min.where(s_min > 0)))
    agg["hhi_lower"] = agg["sumsq"] / tot2
    agg["hhi_upper"] = agg["hhi_lower"] + s_res ** 2
    agg["hhi_split"] = agg["hhi_lower"] + (s_res ** 2) / k
    agg["hhi_named_only"] = agg["sumsq"] / agg["named_total"] ** 2
    agg["residual_share"] = s_res
    agg["top_share"] = agg["max_named"] / agg["total"]
    pick = {"split": "hhi_split", "as_one": "hhi_upper", "ignore": "hhi_lower",
            "named_only": "hhi_named_only"}[rule]
    agg["hhi"] = agg[pick]
    top = named.sort_values(value, ascending=False).drop_duplicates(by).set_index(by)[country]
    agg["top_country"] = top
    agg["rule"] = rule
    agg = agg[agg["named_total"] > 0]
    return agg.reset_index()[by + ["hhi", "hhi_lower", "hhi_upper", "hhi_named_only", "residual_share",
                                   "n_countries", "total", "top_country", "top_share", "rule"]]


def country_shares(df: pd.DataFrame, by: list[str], *, value: str = "value",
                   country: str = "country") -> pd.DataFrame:
    """Shares of each country (and the residual ``OTH``) in its group's total.

    ``WLD`` rows set the total when there is no ``OTH`` row; the gap appears as ``OTH``.
    """
    d = df[np.isfinite(df[value])]
    named = d[~d[country].isin([OTHER, WORLD])]
    named = named.groupby(by + [country], as_index=False, observed=True)[value].sum()
    ntot = named.groupby(by, observed=True)[value].sum().rename("named_total")
    oth = d[d[country].eq(OTHER)].groupby(by, observed=True)[value].sum().rename("oth")
    wld = d[d[country].eq(WORLD)].groupby(by, observed=True)[value].max().rename("wld")
    t = pd.concat([ntot, oth, wld], axis=1)
    t["total"] = np.where(t["oth"].notna(), t["named_total"] + t["oth"].fillna(0),
                          np.fmax(t["named_total"], t["wld"].fillna(0)))
    t["resid"] = np.clip(t["total"] - t["named_total"], 0, None)
    res = t[t["resid"] > 0].reset_index()[by + ["resid"]].rename(columns={"resid": value})
    res[country] = OTHER
    out = pd.concat([named, res], ignore_index=True)
    out = out.merge(t["total"].reset_index(), on=by, how="left")
    out["share"] = out[value] / out["total"]
    return out.drop(columns="total")
