"""Before/after evaluation of policies (政策実施前/後の評価, SPEC §2.4).

``evaluate(policy)`` assesses the policy's minerals on the supply data as held (``before``,
:class:`~critmin.supply.SupplyData`) and on that supply data with the interventions' plan laid
over it (``after``, :func:`critmin.policy.overlay.with_plan`), with the same method and the
same formulas: the overlay is a :class:`~critmin.supply.SupplyData`, so the policy can only
change the data the assessment reads. Where the policy recycles (or ``bounds=True``) the redistribution
effect is bounded: ``after_best`` displaces the riskiest partners first, ``after_worst`` the
least risky first (Santillán-Saldivar et al. 2021).

The result is one tidy table — ``scenario, case, country, year, mineral, indicator, value,
score, score_before, delta`` — with many policies stacked by ``scenario``. Its ``attrs``
hold the interventions' effects (what moved, which indicator and why) and the full
assessment (:class:`~critmin.assessment.Assessment`) per case (for JSON and the report).

Attribution: each intervention's indicator changes are measured incrementally in the order
the plan applies them (new mines first, then file order), so that they add up to the policy's
total change and an offtake that needs its new mine is never evaluated without it.
"""
from __future__ import annotations

from pathlib import Path
from typing import Iterable

import numpy as np
import pandas as pd

from ..diagnosis import INDICATORS
from ..errors import ConsistencyError
from ..supply import SupplyData
from .interventions import build_plan, context
from .models import Policy, load_policy, parse_policy
from .overlay import with_plan
from .text import ATTRIBUTION, render

KEY = ["country", "year", "mineral", "indicator"]


def as_policies(policy) -> list[Policy]:
    """A policy, a dict, a file path, or a list of them → list of :class:`Policy`."""
    if isinstance(policy, (list, tuple)):
        return [p for x in policy for p in as_policies(x)]
    if isinstance(policy, Policy):
        return [policy]
    if isinstance(policy, (str, Path)):
        return [load_policy(policy)]
    return [parse_policy(policy)]


def risk(records, measure: str = "mean", before: pd.DataFrame | None = None) -> float:
    """The risk measure of assessment records (lower is better).

    ``mean``: the sum over minerals of the mean score over the indicators scored *before*
    (an indicator the policy creates — e.g. concentrate imports where there were none — is
    left out so that the measure compares like with like; one it removes keeps its before
    score). An indicator id: the sum over minerals of that score.

    >>> r = pd.DataFrame({"country": "JPN", "year": 2020, "mineral": "x",
    ...                   "indicator": ["a", "b"], "score": [0.2, 0.6]})
    >>> risk(r)
    0.4
    """
    records = getattr(records, "records", records)
    before = getattr(before, "records", before)
    r = pd.DataFrame({c: records[c].to_numpy() for c in KEY + ["score"]})
    if before is not None:
        b = pd.DataFrame({c: before[c].to_numpy() for c in KEY}).assign(b=before["score"].to_numpy())
        r = b.merge(r, on=KEY, how="left")
        r = r[r["b"].notna()]
        r["score"] = r["score"].fillna(r["b"])
    r = r[r["score"].notna()]
    if measure != "mean":
        return float(r.loc[r["indicator"] == measure, "score"].sum())
    return float(r.groupby(["country", "year", "mineral"])["score"].mean().sum())


class AssessmentCache:
    """Supply data, "before" assessments and planning contexts shared across calls."""

    def __init__(self, store, method) -> None:
        self.store, self.method = store, method
        self.supplies: list[SupplyData] = []
        self.before: dict = {}
        self.ctx: dict = {}

    def supply(self, minerals) -> SupplyData:
        """Base supply data holding ``minerals`` (one per mineral set, reused for its subsets)."""
        want = set(minerals)
        for sd in self.supplies:
            if want <= set(sd.minerals):
                return sd
        sd = SupplyData(self.store, sorted(want), self.method)
        self.supplies.append(sd)
        return sd

    def assess(self, country, year, minerals, supply: SupplyData):
        from ..assessment import assess

        a = assess(country, year, list(minerals), method=self.method, supply=supply)
        if a.supply is not supply:
            raise ConsistencyError("the assessment did not read the supply data it was given "
                                   "(a policy overlay would have been bypassed)")
        return a

    def base(self, country, year, minerals):
        k = (country, year, tuple(minerals))
        if k not in self.before:
            self.before[k] = self.assess(country, year, list(minerals), self.supply(minerals))
        return self.before[k]

    def context(self, country, year, minerals):
        sd = self.supply(minerals)
        k = (country, year, id(sd))
        if k not in self.ctx:
            self.ctx[k] = context(sd, country, year)
        return self.ctx[k]

    def after(self, interventions, country, year, minerals, case="central"):
        """The assessment on the supply data with the interventions laid over, and the plan."""
        sd = self.supply(minerals)
        plan = build_plan(sd, interventions, country=country, year=year, case=case,
                          context=self.context(country, year, minerals))
        return self.assess(country, year, list(minerals), with_plan(sd, plan)), plan


def resolve_target(p: Policy, country, year, store) -> tuple[str, int]:
    from ..countries import check_iso3
    from ..supply import latest_year

    c = check_iso3(country) if country else p.country
    y = int(year) if year else (p.year or latest_year(store, c))
    return c, y


def _scores(recs) -> pd.DataFrame:
    recs = getattr(recs, "records", recs)
    out = pd.DataFrame({c: recs[c].to_numpy() for c in KEY + ["value", "score", "reason"]})
    return out


class Held(dict):
    """A dict kept in ``DataFrame.attrs`` without being copied or compared element-wise
    (pandas deep-copies and compares attrs on every operation)."""

    def __eq__(self, other) -> bool:  # identity: never compares DataFrames
        return self is other

    __hash__ = object.__hash__

    def __deepcopy__(self, memo):
        return self


def evaluate(policy, country: str | None = None, year: int | None = None, *, store=None, method=None,
             bounds: bool | None = None, attribute: bool = True, _cache: AssessmentCache | None = None) -> pd.DataFrame:
    """Evaluate one or more policies: the six indicators before and after.

    Parameters
    ----------
    policy : Policy, dict, path, or a list of them
    country, year : optional
        Override the policy's importer and year (default: the policy's; year: the latest
        with trade data).
    store : the data (default: the shipped data and the user's imports)
    method : :class:`critmin.method.Method`, optional
    bounds : bool, optional
        Add the best/worst redistribution cases (default: when the policy recycles).
    attribute : bool
        Measure each intervention's own indicator changes (one assessment per intervention).

    Returns
    -------
    DataFrame ``scenario, case, country, year, mineral, indicator, value, score,
    score_before, delta, reason``; ``attrs["effects"]`` (per scenario, the interventions
    with what moved, the measured deltas and why), ``attrs["records"]`` ({(scenario,
    case): :class:`~critmin.assessment.Assessment`}) and ``attrs["risk"]`` ({scenario: {case:
    measure}}).
    """
    from ..method import Method
    from ..store import default_store

    store = store or default_store()
    method = method or Method()
    cache = _cache or AssessmentCache(store, method)
    pols = as_policies(policy)
    tables, effects, records, risks = [], {}, {}, {}
    for p in pols:
        c, y = resolve_target(p, country, year, store)
        mins = p.minerals
        after, plan = cache.after(p.interventions, c, y, mins)   # a policy error surfaces before any assessment
        before = cache.base(c, y, mins)
        cases = {"before": before, "after": after}
        want_bounds = bounds if bounds is not None else any(iv.type == "recycling" for iv in p.interventions)
        if want_bounds:
            for case in ("best", "worst"):
                cases[f"after_{case}"], _ = cache.after(p.interventions, c, y, mins, case=case)
        b = _scores(before).rename(columns={"value": "value_before", "score": "score_before",
                                            "reason": "reason_before"})
        for case, recs in cases.items():
            t = _scores(recs).merge(b, on=KEY, how="left")
            t["delta"] = t["score"] - t["score_before"]
            t.insert(0, "case", case)
            t.insert(0, "scenario", p.name)
            tables.append(t)
            records[(p.name, case)] = recs
        risks[p.name] = {case: risk(recs, p.measure, before) for case, recs in cases.items()}
        effects[p.name] = _attribute(p, plan, cache, c, y, before, after, attribute)
    out = pd.concat(tables, ignore_index=True)
    out = out[["scenario", "case", "country", "year", "mineral", "indicator", "value", "score", "score_before",
               "delta", "reason", "value_before"]]
    out.attrs = {"effects": effects, "records": Held(records), "risk": risks,
                 "method": method.as_dict(), "policies": Held({p.name: p for p in pols})}
    return out


def _deltas(a: pd.DataFrame, b: pd.DataFrame, mineral: str) -> dict:
    a = _scores(a)
    b = _scores(b)
    a = a[a["mineral"] == mineral].set_index("indicator")
    b = b[b["mineral"] == mineral].set_index("indicator")
    out = {}
    for ind in INDICATORS:
        sa = a["score"].get(ind, np.nan)
        sb = b["score"].get(ind, np.nan)
        if pd.isna(sa) and pd.isna(sb):
            continue
        if pd.isna(sb) or pd.isna(sa) or abs(sa - sb) > 1e-9:
            out[ind] = {"before": None if pd.isna(sb) else round(float(sb), 6),
                        "after": None if pd.isna(sa) else round(float(sa), 6),
                        "delta": None if pd.isna(sa) or pd.isna(sb) else round(float(sa - sb), 6)}
    return out


def _attribute(p: Policy, plan, cache: AssessmentCache, c, y, before, after, attribute: bool) -> list[dict]:
    effs = [dict(e) for e in plan.effects]
    ivs = {iv.label: iv for iv in p.interventions}
    order = [iv.label for iv in p.interventions if iv.type == "new_mine"] + [
        iv.label for iv in p.interventions if iv.type != "new_mine"]
    by = {e["name"]: e for e in effs}
    if len(order) == 1 or not attribute:
        for lab in order:
            by[lab]["moved_indicators"] = _deltas(after, before, ivs[lab].mineral)
        if len(order) > 1:
            for lab in order:
                by[lab]["attribution"] = ATTRIBUTION["combined"]
        return effs
    prev = before
    done = []
    for lab in order:
        done.append(ivs[lab])
        m = ivs[lab].mineral
        if lab == order[-1]:
            cur = after
        else:
            cur, _ = cache.after(list(done), c, y, p.minerals)
        by[lab]["moved_indicators"] = _deltas(cur, prev, m)
        by[lab]["attribution"] = ATTRIBUTION["incremental"]
        prev = cur
    return effs


def compare(table: pd.DataFrame, case: str = "after") -> pd.DataFrame:
    """Wide before/after/delta table of scores per (scenario, mineral, indicator)."""
    t = table[table["case"] == case]
    return t[["scenario", "mineral", "indicator", "score_before", "score", "delta"]].rename(
        columns={"score": "score_after"}).reset_index(drop=True)


def to_json(table: pd.DataFrame, scenario: str | None = None, lang: str = "en") -> dict:
    """``{"before": [...], "after": [...], "interventions": [...]}`` in the assessment's record
    format (plus ``bounds`` where computed, ``risk``, ``policy``, ``currency`` and ``cost_unit``).
    The interventions' ``why``, ``what``, ``demand_basis`` and ``attribution`` stay in English (the
    fields programs read); in another ``lang`` each also has a ``…_text`` in that language."""
    def records_to_json(a) -> dict:
        return a.to_json()

    recs = table.attrs["records"]
    names = list(dict.fromkeys(s for s, _ in recs))
    scenario = scenario or names[0]
    doc = {"policy": scenario, "before": records_to_json(recs[(scenario, "before")])["records"],
           "after": records_to_json(recs[(scenario, "after")])["records"],
           "interventions": _clean(effects_text(table.attrs["effects"][scenario], lang, beside=lang != "en")),
           "risk": table.attrs["risk"][scenario], "method": table.attrs.get("method", {})}
    pol = table.attrs.get("policies", {}).get(scenario)
    if pol is not None:
        doc["currency"], doc["cost_unit"] = pol.currency, pol.cost_unit
    bnd = {case.removeprefix("after_"): records_to_json(recs[(scenario, case)])["records"]
           for (s, case) in recs if s == scenario and case.startswith("after_")}
    if bnd:
        doc["bounds"] = bnd
    return doc


def effects_text(effects: list[dict], lang: str = "en", beside: bool = False) -> list[dict]:
    """The interventions' effects with ``why``, each change's ``what``, ``demand_basis`` and
    ``attribution`` in ``lang`` (the messages kept beside them rendered again); with ``beside``
    the English stays and the text in ``lang`` goes to ``why_text``, ``what_text`` …"""
    from ..i18n import tr

    def put(d, key, value):
        d[key + "_text" if beside else key] = value

    out = []
    for e in effects:
        e = dict(e)
        if "_why" in e:
            put(e, "why", render(e["_why"], lang))
        if "_demand_basis" in e:
            put(e, "demand_basis", render(e["_demand_basis"], lang))
        if "attribution" in e:
            put(e, "attribution", tr(e["attribution"], lang))
        changes = []
        for c in e.get("changes", []):
            c = dict(c)
            if "_what" in c:
                put(c, "what", render(c["_what"], lang))
            changes.append(c)
        e["changes"] = changes
        out.append(e)
    return out


def _clean(v):
    if isinstance(v, dict):
        return {str(k): _clean(x) for k, x in v.items() if not str(k).startswith("_")}
    if isinstance(v, (list, tuple)):
        return [_clean(x) for x in v]
    if isinstance(v, (np.floating, float)):
        return None if not np.isfinite(v) else float(v)
    if isinstance(v, np.integer):
        return int(v)
    return v


def evaluate_many(policies: Iterable, **kw) -> pd.DataFrame:
    """Alias of :func:`evaluate` for a list of policies (one table with a ``scenario`` column)."""
    return evaluate(list(policies), **kw)
