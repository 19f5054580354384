"""Demand scenarios as validated models (pydantic), loaded from YAML/JSON with safe loaders.

A scenario file states *what is deployed* (per technology, per year), *how much material
each unit needs* (explicit per-unit intensities with their source, or rows of the shipped
``intensity`` dataset — IEA 2021 per vehicle / per MW, BatPac per kWh and battery chemistry),
how intensities improve over time, the domestic demand to set the result against, and the
assumptions behind it all, in words.

Example (the seed's 1 M EVs)::

    name: seed-ev-1m
    title: 1 million EVs
    country: JPN
    years: [2030]
    assumptions: ["..."]
    technologies:
      - id: ev
        unit: vehicle
        deployment: {basis: additions, values: {2030: 1000000}}
        intensities:
          - {mineral: copper, value: 83, unit: kg/vehicle, source: METI/ANRE 2021 seed}
    domestic_demand:
      year: 2018
      basis: reported
      source: METI/ANRE 2021 seed
      tonnes: {copper: 1063000}

Deployment ``basis``:

``additions``
    units added in the year (new car sales, capacity installed in the year);
``cumulative``
    installed stock at the end of the year; additions are its year-on-year increase
    (replacement of retired units is not modelled; a decreasing stock is an error);
``share``
    a fraction of the technology's ``market`` (e.g. share of new car sales).

Values between the years given are interpolated linearly; outside them deployment is zero
(``additions``/``share``) or the stock is held (``cumulative``: no additions).

Bounds (:mod:`critmin.limits`), checked when the file is validated, before any projection: at
most 50 technologies, 200 entries in any list or mapping, years 1900–2200 spanning at most 150
projection years, quantities and intensities up to 1e10, names up to 200 and texts up to 2,000
characters, at most 20,000 values once YAML aliases are expanded; numbers must be finite.
"""
from __future__ import annotations

from typing import Dict, List, Literal, Optional, Union

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from ..limits import (MAX_LIST, MAX_NAME, MAX_SPAN, MAX_TECHNOLOGIES, MAX_TEXT, MAX_TONNES, YEARS,
                      check_tree)

#: Deployment units → (family, factor to the family's base unit: vehicle, MW, kWh).
DEPLOYMENT_UNITS: dict[str, tuple[str, float]] = {
    "vehicle": ("count", 1.0), "unit": ("count", 1.0),
    "kW": ("power", 1e-3), "MW": ("power", 1.0), "GW": ("power", 1e3),
    "kWh": ("energy", 1.0), "MWh": ("energy", 1e3), "GWh": ("energy", 1e6),
}
#: Base unit of each family (the denominator of an intensity).
FAMILY_BASE = {"count": "vehicle", "power": "MW", "energy": "kWh"}


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=False, allow_inf_nan=False, str_max_length=MAX_TEXT)


def _check_years(ys, where: str) -> None:
    bad = [y for y in ys if not YEARS[0] <= int(y) <= YEARS[1]]
    if bad:
        raise ValueError(f"{where}: year {bad[0]} outside {YEARS[0]}–{YEARS[1]}")


def _check_len(v, where: str, limit: int = MAX_LIST) -> None:
    if v is not None and len(v) > limit:
        raise ValueError(f"{where} has {len(v)} entries; the limit is {limit}")


class Intensity(_Model):
    """One explicit per-unit intensity: ``value`` of ``mineral`` per unit of the technology."""

    mineral: str = Field(max_length=MAX_NAME)
    value: float = Field(ge=0, le=MAX_TONNES)
    unit: str = Field(max_length=MAX_NAME, description="mass per deployment unit: kg/vehicle, kg/MW, t/MW, kg/kWh ...")
    source: str = Field(min_length=1)
    basis: str = "metal"
    note: str = ""

    @field_validator("unit")
    @classmethod
    def _unit(cls, v: str) -> str:
        parse_intensity_unit(v)
        return v


class DatasetIntensity(_Model):
    """All intensities of one technology in the shipped ``intensity`` dataset.

    ``variable`` is the dataset's technology name (``electric_car``, ``offshore_wind``,
    ``solar_pv`` ...); ``include``/``exclude`` restrict the minerals taken.
    """

    source: str = "iea_2021"
    variable: str
    include: Optional[List[str]] = None
    exclude: List[str] = Field(default_factory=list)


class IntensityRef(_Model):
    """``from:`` — a reference to the shipped dataset."""

    from_: DatasetIntensity = Field(alias="from")


Mix = Dict[str, float]


class Battery(_Model):
    """A battery pack: kWh per unit × the BatPac intensities (kg/kWh) of a chemistry mix.

    ``chemistry_mix`` is ``{chemistry: share}`` (shares sum to 1; chemistry ids are BatPac's
    without the ``battery_`` prefix: nmc622, nmc811, nca, lfp ...) or ``{year: {chemistry:
    share}}``, interpolated linearly between years and held outside them. ``kwh_per_unit`` is
    required unless the deployment unit is an energy unit (kWh, MWh, GWh: stationary storage).
    ``include``/``exclude`` restrict the battery minerals taken (e.g. when copper already comes
    from a whole-vehicle figure).
    """

    kwh_per_unit: Optional[float] = Field(default=None, gt=0, le=MAX_TONNES)
    chemistry_mix: Union[Dict[int, Mix], Mix]
    source: str = "batpac"
    include: Optional[List[str]] = None
    exclude: List[str] = Field(default_factory=list)

    @field_validator("chemistry_mix", mode="before")
    @classmethod
    def _mix(cls, v):
        if isinstance(v, dict):
            _check_len(v, "chemistry_mix")
            for x in v.values():
                if isinstance(x, dict):
                    _check_len(x, "chemistry_mix entry")
        if isinstance(v, dict) and v and all(isinstance(x, dict) for x in v.values()):
            _check_years(v, "chemistry_mix")
            return {int(k): {str(c): float(s) for c, s in m.items()} for k, m in v.items()}
        return v

    def mixes(self) -> Dict[int, Mix]:
        """The mix as ``{year: mix}`` (a single mix under year 0, meaning every year)."""
        m = self.chemistry_mix
        if m and all(isinstance(x, dict) for x in m.values()):
            return dict(m)  # type: ignore[arg-type]
        return {0: dict(m)}  # type: ignore[arg-type]

    @field_validator("chemistry_mix", mode="after")
    @classmethod
    def _shares(cls, v):
        mixes = v if v and all(isinstance(x, dict) for x in v.values()) else {0: v}
        for year, mix in mixes.items():
            if not mix:
                raise ValueError("chemistry_mix is empty: give {chemistry: share}, shares summing to 1")
            bad = {c: s for c, s in mix.items() if s < 0 or s > 1}
            if bad:
                raise ValueError(f"chemistry shares must lie in [0, 1], found {bad}")
            tot = sum(mix.values())
            if abs(tot - 1.0) > 1e-6:
                at = f" for {year}" if year else ""
                raise ValueError(f"chemistry shares{at} sum to {tot:.6g}, expected 1: rescale them")
        return v


class Deployment(_Model):
    basis: Literal["additions", "cumulative", "share"] = "additions"
    values: Dict[int, float]
    source: str = ""

    @field_validator("values")
    @classmethod
    def _vals(cls, v: Dict[int, float]) -> Dict[int, float]:
        if not v:
            raise ValueError("give at least one {year: value}")
        _check_len(v, "deployment values")
        _check_years(v, "deployment values")
        big = {y: x for y, x in v.items() if x > MAX_TONNES}
        if big:
            raise ValueError(f"deployment above the limit of {MAX_TONNES:g} units, found {big}")
        neg = {y: x for y, x in v.items() if x < 0}
        if neg:
            raise ValueError(f"deployment cannot be negative, found {neg}")
        return dict(sorted(v.items()))


class Market(_Model):
    """The total a ``share`` deployment is a share of (e.g. new passenger-car sales per year)."""

    size: Union[float, Dict[int, float]]
    source: str = Field(min_length=1)

    @field_validator("size")
    @classmethod
    def _size(cls, v):
        vals = list(v.values()) if isinstance(v, dict) else [v]
        if isinstance(v, dict):
            _check_len(v, "market size")
            _check_years(v, "market size")
        if any(not 0 <= x <= MAX_TONNES for x in vals):
            raise ValueError(f"market size must lie in 0–{MAX_TONNES:g}")
        return v


ImprovementSpec = Union[float, Dict[str, float]]


class Technology(_Model):
    id: str = Field(pattern=r"^[a-z0-9_]+$", max_length=MAX_NAME)
    label: str = Field("", max_length=MAX_NAME)
    unit: str
    deployment: Deployment
    market: Optional[Market] = None
    intensities: List[Union[Intensity, IntensityRef]] = Field(default_factory=list, max_length=MAX_LIST)
    battery: Optional[Battery] = None
    intensity_improvement: ImprovementSpec = Field(
        default=0.0, description="fraction per year by which every intensity falls (or {mineral: rate, "
                                 "default: rate})")
    note: str = ""

    @field_validator("unit")
    @classmethod
    def _unit(cls, v: str) -> str:
        if v not in DEPLOYMENT_UNITS:
            raise ValueError(f"unknown deployment unit {v!r}: use one of {sorted(DEPLOYMENT_UNITS)}")
        return v

    @field_validator("intensity_improvement")
    @classmethod
    def _impr(cls, v):
        if isinstance(v, dict):
            _check_len(v, "intensity_improvement")
        rates = [v] if isinstance(v, (int, float)) else list(v.values())
        if any(not (0 <= r < 1) for r in rates):
            raise ValueError(f"intensity improvement is a fraction per year in [0, 1), found {v}")
        return v

    @model_validator(mode="after")
    def _consistent(self):
        if self.deployment.basis == "share" and self.market is None:
            raise ValueError("deployment basis 'share' needs a 'market' (size and source)")
        if not self.intensities and self.battery is None:
            raise ValueError("a technology needs 'intensities' or a 'battery' (or both)")
        if self.battery is not None and self.battery.kwh_per_unit is None \
                and DEPLOYMENT_UNITS[self.unit][0] != "energy":
            raise ValueError("battery.kwh_per_unit is required when the deployment unit is not an "
                             "energy unit (kWh, MWh, GWh)")
        return self

    def rate(self, mineral: str) -> float:
        v = self.intensity_improvement
        if isinstance(v, (int, float)):
            return float(v)
        return float(v.get(mineral, v.get("default", 0.0)))


class DomesticDemand(_Model):
    """The importer's domestic demand to set projected demand against."""

    year: int = Field(ge=YEARS[0], le=YEARS[1])
    basis: Literal["reported", "apparent"] = Field(
        description="reported consumption (statistics, hearings) or apparent consumption "
                    "(production + imports − exports)")
    source: str = Field(min_length=1)
    tonnes: Dict[str, float] = Field(max_length=MAX_LIST)

    @field_validator("tonnes")
    @classmethod
    def _tonnes(cls, v):
        bad = {m: x for m, x in v.items() if not 0 <= x <= MAX_TONNES}
        if bad:
            raise ValueError(f"domestic demand must lie in 0–{MAX_TONNES:g} t, found {dict(list(bad.items())[:3])}")
        return v


class Translation(_Model):
    """The scenario's words in another language (``ja:`` in the file): the title, the assumptions
    (the same number, in the same order) and technology labels ``{technology id: label}``."""

    title: str = ""
    assumptions: List[str] = Field(default_factory=list, max_length=MAX_LIST)
    labels: Dict[str, str] = Field(default_factory=dict, max_length=MAX_TECHNOLOGIES)


class Scenario(_Model):
    """A demand scenario: deployment paths × material intensities, with its assumptions (and, under
    ``ja``, their Japanese: :class:`Translation`)."""

    kind: Literal["demand"] = "demand"
    name: str = Field(pattern=r"^[a-z0-9][a-z0-9_.-]*$", max_length=MAX_NAME)
    title: str = ""
    country: str = Field("JPN", max_length=MAX_NAME)
    source: str = ""
    assumptions: List[str] = Field(default_factory=list, max_length=MAX_LIST)
    years: Optional[List[int]] = Field(None, max_length=MAX_SPAN + 1)
    intensity_year: Optional[int] = Field(
        default=None, ge=YEARS[0], le=YEARS[1],
        description="year the intensities hold; improvement compounds from it (default: the first projection year)")
    technologies: List[Technology] = Field(min_length=1, max_length=MAX_TECHNOLOGIES)
    domestic_demand: Optional[DomesticDemand] = None
    ja: Optional[Translation] = None

    @model_validator(mode="before")
    @classmethod
    def _bounded(cls, data):
        # before any field is validated: a YAML alias bomb would expand here
        check_tree(data, what="demand scenario")
        return data

    @field_validator("years")
    @classmethod
    def _years(cls, v):
        if v:
            _check_years(v, "years")
        return v

    @model_validator(mode="after")
    def _span(self):
        ys = [y for t in self.technologies for y in t.deployment.values] if not self.years else self.years
        if ys and max(ys) - min(ys) + 1 > MAX_SPAN:
            raise ValueError(f"the projection spans {max(ys) - min(ys) + 1} years ({min(ys)}–{max(ys)}); "
                             f"the limit is {MAX_SPAN}")
        return self

    @model_validator(mode="after")
    def _unique(self):
        ids = [t.id for t in self.technologies]
        dup = sorted({i for i in ids if ids.count(i) > 1})
        if dup:
            raise ValueError(f"technology ids must be unique, found {dup} more than once")
        return self

    @model_validator(mode="after")
    def _translation(self):
        if self.ja is not None:
            if self.ja.assumptions and len(self.ja.assumptions) != len(self.assumptions):
                raise ValueError(f"ja.assumptions holds {len(self.ja.assumptions)} entries for "
                                 f"{len(self.assumptions)} assumptions: translate each, in order")
            unknown = sorted(set(self.ja.labels) - {t.id for t in self.technologies})
            if unknown:
                raise ValueError(f"ja.labels names technologies the scenario does not have: {unknown}")
        return self

    def projection_years(self) -> list[int]:
        if self.years:
            return sorted(set(int(y) for y in self.years))
        ys = [y for t in self.technologies for y in t.deployment.values]
        return list(range(min(ys), max(ys) + 1))


def parse_intensity_unit(unit: str) -> tuple[float, str, str]:
    """``'kg/MW'`` → (factor to tonnes, deployment family, denominator unit).

    >>> parse_intensity_unit("kg/vehicle")
    (0.001, 'count', 'vehicle')
    >>> parse_intensity_unit("t/GW")
    (1.0, 'power', 'GW')
    """
    from ..units import MASS_TO_T

    num, sep, den = str(unit).partition("/")
    if not sep or num not in MASS_TO_T or den not in DEPLOYMENT_UNITS:
        raise ValueError(f"unknown intensity unit {unit!r}: use mass/deployment unit, e.g. kg/vehicle, "
                         f"kg/MW, t/MW, kg/kWh (mass in {sorted(MASS_TO_T)}, per one of "
                         f"{sorted(DEPLOYMENT_UNITS)})")
    return MASS_TO_T[num], DEPLOYMENT_UNITS[den][0], den
