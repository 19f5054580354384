"""Named consistency checks (PyPSA-style): each returns a table of failures and can warn or raise.

* :func:`shares_sum_to_one` — shares of each group sum to 1 (within a tolerance);
* :func:`world_total_gap` — named countries + 'Other countries' against a source's world total;
* :func:`trade_mirror_gaps` — the same flows reported by two sources (e.g. Critical Materials
  Atlas top flows against the complete BACI HS17 table, or a user's customs extract against BACI);
* :func:`exporters_without_production` — production vs trade stage: countries exporting a stage's
  product without recorded production at that stage (re-export hubs, stage mislabelling).

``action="raise"`` raises :class:`~critmin.errors.ConsistencyError`, ``"warn"`` issues a
:class:`~critmin.errors.ConsistencyWarning`, ``"ignore"`` only returns the failures.
"""
from __future__ import annotations

import warnings

import numpy as np
import pandas as pd

from .errors import ConsistencyError, ConsistencyWarning
from .schema import OTHER, WORLD

ACTIONS = ("raise", "warn", "ignore")


def _report(name: str, failures: pd.DataFrame, action: str, what: str) -> pd.DataFrame:
    if action not in ACTIONS:
        raise ValueError(f"unknown action {action!r}; use one of {ACTIONS}")
    if len(failures) and action != "ignore":
        msg = (f"consistency check '{name}' failed for {len(failures)} group(s): {what}. First: "
               f"{failures.head(3).to_dict('records')}")
        if action == "raise":
            raise ConsistencyError(msg)
        warnings.warn(msg, ConsistencyWarning, stacklevel=3)
    return failures


def shares_sum_to_one(df: pd.DataFrame, by: list[str], *, share: str = "share", tol: float = 1e-6,
                      action: str = "raise") -> pd.DataFrame:
    """Groups whose shares do not sum to 1 within ``tol``.

    >>> d = pd.DataFrame({"g": [1, 1, 2], "share": [0.5, 0.5, 0.9]})
    >>> shares_sum_to_one(d, ["g"], action="ignore")[["g", "sum"]].values.tolist()
    [[2.0, 0.9]]
    """
    s = df.groupby(by, observed=True)[share].sum().rename("sum").reset_index()
    bad = s[(s["sum"] - 1.0).abs() > tol]
    return _report("shares_sum_to_one", bad, action, "shares do not sum to 1")


def world_total_gap(obs: pd.DataFrame, *, tol: float = 0.05, action: str = "warn") -> pd.DataFrame:
    """Series where Σ named countries + OTH differs from the WLD row by more than ``tol`` (relative).

    Sources round world totals ('World total (rounded)'), hence the default 5 % tolerance.
    """
    key = ["dataset", "mineral", "variable", "year", "source", "edition"]
    o = obs[np.isfinite(obs["value"])]
    wld = o[o["country"] == WORLD].groupby(key)["value"].max().rename("world")
    parts = o[o["country"] != WORLD].groupby(key)["value"].sum().rename("sum_countries")
    t = pd.concat([wld, parts], axis=1, join="inner").reset_index()
    t["gap"] = (t["sum_countries"] - t["world"]) / t["world"]
    bad = t[t["gap"].abs() > tol].sort_values("gap", key=abs, ascending=False)
    return _report("world_total_gap", bad, action, f"countries + 'Other' differ from the world total by > {tol:.0%}")


def trade_mirror_gaps(a: pd.DataFrame, b: pd.DataFrame, *, on: tuple[str, ...] = ("hs", "importer", "exporter", "year"),
                      value: str = "value", tol: float = 0.05, action: str = "warn") -> pd.DataFrame:
    """Flows reported by both tables whose values differ by more than ``tol`` (relative to the larger),
    and flows present in only one of them (``gap`` = ±1)."""
    on = list(on)
    m = a.groupby(on)[value].sum().rename("a").to_frame().join(
        b.groupby(on)[value].sum().rename("b"), how="outer").reset_index()
    m[["a", "b"]] = m[["a", "b"]].fillna(0.0)
    big = np.maximum(m["a"], m["b"])
    m["gap"] = np.where(big > 0, (m["a"] - m["b"]) / big, 0.0)
    bad = m[m["gap"].abs() > tol]
    return _report("trade_mirror_gaps", bad, action, f"mirror flows differ by > {tol:.0%}")


def exporters_without_production(flows: pd.DataFrame, production: pd.DataFrame, *, min_share: float = 0.05,
                                 action: str = "warn") -> pd.DataFrame:
    """Exporters holding ≥ ``min_share`` of a mineral-stage's world exports in a year but with no
    recorded production of that mineral in that year (re-exports or stage mislabelling).

    ``flows``: mineral, year, exporter, q; ``production``: mineral, year, country, value.
    """
    ex = flows.groupby(["mineral", "year", "exporter"])["q"].sum().rename("q").reset_index()
    ex["share"] = ex["q"] / ex.groupby(["mineral", "year"])["q"].transform("sum")
    prod = production[(production["value"] > 0) & ~production["country"].isin([OTHER, WORLD])]
    has = set(zip(prod["mineral"], prod["year"], prod["country"]))
    years_with_prod = set(zip(prod["mineral"], prod["year"]))
    ex = ex[np.array([(m, y) in years_with_prod for m, y in zip(ex["mineral"], ex["year"])], dtype=bool)]
    missing = np.array([(m, y, c) not in has for m, y, c in zip(ex["mineral"], ex["year"], ex["exporter"])],
                       dtype=bool)
    bad = ex[(ex["share"].to_numpy() >= min_share) & missing]
    return _report("exporters_without_production", bad.sort_values("share", ascending=False), action,
                   "large exporters without recorded production (re-exports?)")
