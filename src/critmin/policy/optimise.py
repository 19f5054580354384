"""Ranking interventions and the best policy mix within a budget.

Risk reduction of a set S of interventions: ``R(S) = risk(before) − risk(after S)`` with
the policy's measure (:func:`critmin.policy.evaluate.risk`).

rank
    Each intervention alone (with the new mines it needs: an offtake larger than a country's
    output is feasible only with the new mine in that country): its marginal reduction
    ``a_i = R({i} ∪ P_i) − R(P_i)``, its budget ``c_i`` (:class:`~critmin.policy.models.Cost`)
    and ``a_i / c_i``.
optimise
    Maximise ``Σ a_i x_i + Σ b_ij y_ij`` subject to ``Σ c_i x_i ≤ B``, ``x_i ≤ x_j`` for each
    prerequisite ``j ∈ P_i``, and ``y_ij = x_i x_j`` linearised (``y ≤ x_i``, ``y ≤ x_j``,
    ``y ≥ x_i + x_j − 1``), all binary: a mixed-integer program solved by HiGHS
    (:func:`scipy.optimize.milp`). Interventions on different minerals are exactly additive
    (the measure sums over minerals); for two on the same mineral the interaction
    ``b_ij = R(closure{i, j}) − Σ_{k ∈ closure} a_k`` is measured. Higher-order interactions
    are left out: the chosen mix is evaluated in full and both the model's and the evaluated
    reduction are reported. Among mixes of equal reduction the cheaper one is chosen.
"""
from __future__ import annotations

import itertools

import numpy as np
import pandas as pd

from ..errors import DataValidationError
from .evaluate import AssessmentCache, resolve_target, as_policies, risk
from .models import Policy


def _prereqs(p: Policy) -> dict[str, list[str]]:
    """Offtakes depend on the new mines in the same (mineral, country)."""
    out = {}
    for iv in p.interventions:
        if iv.type == "offtake":
            out[iv.label] = [j.label for j in p.interventions if j.type == "new_mine"
                             and j.mineral == iv.mineral and j.country == iv.country]
    return out


class _Evaluator:
    def __init__(self, p: Policy, country, year, store, method) -> None:
        from ..method import Method
        from ..store import default_store

        self.p = p
        self.store = store or default_store()
        self.method = method or Method()
        self.cache = AssessmentCache(self.store, self.method)
        self.c, self.y = resolve_target(p, country, year, self.store)
        self.ivs = {iv.label: iv for iv in p.interventions}
        self.before = self.cache.base(self.c, self.y, p.minerals).records
        self.r0 = risk(self.before, p.measure)
        self.memo: dict[frozenset, float] = {frozenset(): 0.0}

    def reduction(self, labels) -> float:
        """R(S) for a set of labels (cached; the minerals assessed are those of S)."""
        key = frozenset(labels)
        if key not in self.memo:
            ivs = [iv for iv in self.p.interventions if iv.label in key]
            mins = sorted({iv.mineral for iv in ivs})
            before = self.before[self.before["mineral"].isin(mins)]
            after, _ = self.cache.after(ivs, self.c, self.y, mins)
            after = after.records[after.records["mineral"].isin(mins)]
            self.memo[key] = risk(before, self.p.measure) - risk(after, self.p.measure, before)
        return self.memo[key]


def rank(policy, country: str | None = None, year: int | None = None, *, store=None, method=None,
         _ev: _Evaluator | None = None) -> pd.DataFrame:
    """Interventions ranked by risk reduction per unit of budget (then by reduction).

    Returns ``rank, name, type, mineral, reduction, cost, reduction_per_cost, requires, note``;
    ``attrs`` carry the measure, the before risk, the importer and year, the currency and cost unit.
    """
    p = as_policies(policy)[0]
    ev = _ev or _Evaluator(p, country, year, store, method)
    pre = _prereqs(p)
    rows = []
    for iv in p.interventions:
        need = pre.get(iv.label, [])
        note, red, req = "", np.nan, []
        try:
            red = ev.reduction([iv.label])
        except DataValidationError as exc:
            if not need:
                note = f"infeasible: {exc}"
            else:
                try:
                    red = ev.reduction([iv.label, *need]) - ev.reduction(need)
                    req = need
                    note = "needs " + ", ".join(need)
                except DataValidationError as exc2:
                    note = f"infeasible: {exc2}"
        cost = iv.budget
        rows.append({"name": iv.label, "type": iv.type, "mineral": iv.mineral, "reduction": red, "cost": cost,
                     "reduction_per_cost": (red / cost if cost > 0 else (np.inf if red > 0 else np.nan))
                     if np.isfinite(red) else np.nan, "requires": req, "note": note})
    t = pd.DataFrame(rows)
    t = t.sort_values(["reduction_per_cost", "reduction"], ascending=False, na_position="last")
    t.insert(0, "rank", range(1, len(t) + 1))
    t = t.reset_index(drop=True)
    t.attrs = {"measure": p.measure, "risk_before": ev.r0, "country": ev.c, "year": ev.y, "policy": p.name,
               "currency": p.currency, "cost_unit": p.cost_unit}
    return t


def solve_mix(values, costs, budget: float, pairs: dict | None = None,
              requires: dict | None = None) -> list[int]:
    """Best subset by a mixed-integer program (HiGHS): max Σ a x + Σ b y, Σ c x ≤ B.

    ``pairs`` {(i, j): b_ij}; ``requires`` {i: [j, ...]} (x_i ≤ x_j). Ties: the cheaper mix.

    >>> solve_mix([3.0, 2.0, 2.0], [2.0, 1.0, 1.0], 2.0)
    [1, 2]
    """
    from scipy.optimize import Bounds, LinearConstraint, milp

    a = np.asarray(values, dtype=float)
    c = np.asarray(costs, dtype=float)
    n = len(a)
    pairs = {k: v for k, v in (pairs or {}).items() if abs(v) > 0}
    plist = sorted(pairs)
    m = n + len(plist)
    scale = max(1.0, float(np.abs(c).sum()))
    obj = np.concatenate([-a + 1e-7 * c / scale, [-pairs[k] for k in plist]])
    A, lo, hi = [np.concatenate([c, np.zeros(len(plist))])], [-np.inf], [float(budget)]
    for k, (i, j) in enumerate(plist):
        for row_, l_, h_ in ((((n + k, 1.0), (i, -1.0)), -np.inf, 0.0), (((n + k, 1.0), (j, -1.0)), -np.inf, 0.0),
                             (((n + k, 1.0), (i, -1.0), (j, -1.0)), -1.0, np.inf)):
            r = np.zeros(m)
            for idx, v in row_:
                r[idx] = v
            A.append(r)
            lo.append(l_)
            hi.append(h_)
    for i, js in (requires or {}).items():
        for j in js:
            r = np.zeros(m)
            r[i], r[j] = 1.0, -1.0
            A.append(r)
            lo.append(-np.inf)
            hi.append(0.0)
    res = milp(obj, constraints=LinearConstraint(np.array(A), lo, hi), integrality=np.ones(m),
               bounds=Bounds(0, 1))
    if res.status != 0 or res.x is None:
        raise DataValidationError(f"the mix optimisation failed: {res.message}", field="budget",
                                  found=budget, fix="check the costs and the budget")
    return [i for i in range(n) if res.x[i] > 0.5]


def optimise(policy, budget: float | None = None, country: str | None = None, year: int | None = None, *,
             store=None, method=None, _ev: _Evaluator | None = None) -> dict:
    """The mix of the policy's interventions that lowers its risk measure most within ``budget``.

    Returns ``{"selected", "cost", "budget", "reduction_model", "reduction_evaluated",
    "risk_before", "risk_after", "ranking", "measure", "solver"}``.
    """
    p = as_policies(policy)[0]
    budget = budget if budget is not None else p.budget
    if budget is None:
        raise DataValidationError("no budget given", field="budget",
                                  fix="pass --budget B (same unit as the interventions' costs) or set "
                                      "budget: in the policy file")
    import math

    from ..limits import MAX_BUDGET, at_most

    if not math.isfinite(budget) or budget < 0:
        raise DataValidationError("the budget must be a finite number >= 0", field="budget", found=budget,
                                  expected=f"0 to {MAX_BUDGET:,g} (the costs' unit)",
                                  fix="pass --budget B with B the money available, e.g. --budget 400")
    at_most(budget, MAX_BUDGET, field="budget")
    ev = _ev or _Evaluator(p, country, year, store, method)
    rk = rank(p, _ev=ev)
    ok = rk[np.isfinite(rk["reduction"])].reset_index(drop=True)
    labels = ok["name"].tolist()
    idx = {lab: i for i, lab in enumerate(labels)}
    req = {idx[r["name"]]: [idx[j] for j in r["requires"] if j in idx] for _, r in ok.iterrows() if r["requires"]}
    a = ok["reduction"].to_numpy(float)
    pairs = {}
    closure = {lab: {lab, *ok.loc[idx[lab], "requires"]} for lab in labels}
    for i, j in itertools.combinations(range(len(labels)), 2):
        li, lj = labels[i], labels[j]
        if ev.ivs[li].mineral != ev.ivs[lj].mineral or lj in closure[li] or li in closure[lj]:
            continue
        cl = closure[li] | closure[lj]
        try:
            b = ev.reduction(cl) - sum(a[idx[k]] for k in cl if k in idx)
        except DataValidationError:
            b = -1e6   # infeasible together (e.g. two offtakes over the same output)
        if abs(b) > 1e-9:
            pairs[(i, j)] = b
    sel = solve_mix(a, ok["cost"].to_numpy(float), budget, pairs, req)
    chosen = [labels[i] for i in sel]
    model = float(a[sel].sum() + sum(b for (i, j), b in pairs.items() if i in sel and j in sel))
    evaluated = ev.reduction(chosen) if chosen else 0.0
    return {"policy": p.name, "country": ev.c, "year": ev.y, "measure": p.measure, "budget": float(budget),
            "selected": chosen, "cost": float(ok["cost"].to_numpy(float)[sel].sum()),
            "reduction_model": model, "reduction_evaluated": float(evaluated), "risk_before": ev.r0,
            "risk_after": ev.r0 - float(evaluated), "interactions": {f"{labels[i]}+{labels[j]}": b
                                                                    for (i, j), b in pairs.items()},
            "ranking": rk, "solver": "HiGHS via scipy.optimize.milp", "currency": p.currency,
            "cost_unit": p.cost_unit}
