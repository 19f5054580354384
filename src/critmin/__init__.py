"""critmin — critical-mineral supply-risk assessment and policy evaluation.

Implements the six supply-chain risk indicators of METI/ANRE (2021) for any
importing country and year, from real public data, with the established
methods beside it. Importing the package creates nothing and loads nothing.
"""
from __future__ import annotations

__version__ = "0.1.0"

__all__ = ["assess", "__version__"]


def __getattr__(name: str):
    if name == "assess":
        from .assessment import assess

        return assess
    raise AttributeError(f"module 'critmin' has no attribute {name!r}")
