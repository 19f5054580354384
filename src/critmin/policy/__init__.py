"""Policy evaluation tool (政策評価ツール, SPEC §2.4).

A policy is a validated file of typed interventions (:mod:`.models`); each changes the data
the assessment reads (:mod:`.interventions`, :class:`PolicyStore`), never its formulas. The
six indicators are recomputed before and after (:func:`evaluate`), interventions ranked by
risk reduction per unit of public budget and combined into the best mix within a budget with
a mixed-integer program (:mod:`.optimise`), and drawn as before/after radars (:mod:`.report`).

Importing this package reads no data (the solver and plotly load when used).
"""
from __future__ import annotations

from .evaluate import compare, evaluate, to_json
from .interventions import PolicyStore
from .models import Policy, load_policy, parse_policy
from .optimise import optimise, rank
from .report import write_report

__all__ = ["evaluate", "load_policy", "parse_policy", "Policy", "PolicyStore", "rank", "optimise", "compare",
           "to_json", "write_report"]
