"""The active methodological choices of an assessment (:class:`Method`).

Every choice is documented in the indicator module that applies it
(:mod:`critmin.indicators`) and appears in every output. This module sits below the
supply layer (:mod:`critmin.supply`) and the assessment so that both read one
definition.
"""
from __future__ import annotations

from dataclasses import asdict, dataclass, field

from .errors import DataValidationError, did_you_mean
from .indicators import concentration, governance, import_stability, normalise, price


@dataclass(frozen=True)
class Method:
    """The active methodological choices (each documented in its indicator module)."""

    import_variant: str = "weighted_hhi"     # weighted_hhi | product | geopolrisk
    governance: str = "pv"                   # pv | mean
    missing_governance: str = "worst"        # worst | neutral | drop
    domestic: str = "secure"                 # secure | ignore (domestic production as g = 0 source)
    volatility: str = "log_return_std"       # see indicators.price.MEASURES
    volatility_window: int = 10
    normalisation: str = "anchors"           # anchors | minmax | percentile
    residual_rule: str = "split"             # split | as_one | ignore | named_only
    window: int = 1                          # years pooled for concentration and imports
    max_lag: int = 3                         # years an input may lag the assessment year
    thresholds: dict = field(default_factory=dict)

    def __post_init__(self) -> None:
        checks = {"import_variant": import_stability.VARIANTS, "governance": governance.INDICES,
                  "missing_governance": tuple(governance.MISSING_RULES), "volatility": price.MEASURES,
                  "normalisation": normalise.METHODS, "residual_rule": concentration.RESIDUAL_RULES,
                  "domestic": ("secure", "ignore")}
        for name, allowed in checks.items():
            v = getattr(self, name)
            if v not in allowed:
                raise DataValidationError(f"unknown {name.replace('_', ' ')}{did_you_mean(v, allowed)}",
                                          field=name, found=v, expected=f"one of {list(allowed)}")
        if self.window < 1 or self.volatility_window < 3:
            raise DataValidationError("window too short", field="window",
                                      found=(self.window, self.volatility_window),
                                      expected="window >= 1 and volatility_window >= 3")

    def as_dict(self) -> dict:
        return asdict(self)

    def key(self) -> tuple:
        """A hashable key of the choices (for caches)."""
        d = self.as_dict()
        d["thresholds"] = tuple(sorted(d["thresholds"].items()))
        return tuple(sorted(d.items()))
