"""Policy evaluation tool (政策評価ツール, SPEC §2.4).

A policy is a validated file of typed interventions (:mod:`.models`); each changes the data
the assessment reads, never its formulas: the interventions are planned on the supply data
(:mod:`.interventions`) and laid over it (:func:`with_plan`, :class:`PlanSupply`, a
:class:`~critmin.supply.SupplyData`). The
six indicators are recomputed before and after (:func:`evaluate`), interventions ranked by
risk reduction per unit of public budget and combined into the best mix within a budget with
a mixed-integer program (:mod:`.optimise`), and drawn as before/after radars (:mod:`.report`).

Importing this package reads no data (the solver and plotly load when used).
"""
from __future__ import annotations

from .evaluate import compare, evaluate, to_json
from .interventions import Plan, build_plan
from .models import Policy, load_policy, parse_policy
from .optimise import optimise, rank
from .overlay import PlanSupply, with_plan
from .report import write_report

__all__ = ["evaluate", "load_policy", "parse_policy", "Policy", "Plan", "PlanSupply", "build_plan",
           "with_plan", "rank", "optimise", "compare",
           "to_json", "write_report"]
