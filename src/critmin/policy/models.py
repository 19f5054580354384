"""Policy files (政策評価ツール, SPEC §2.4): validated models of typed interventions.

A policy is a YAML or JSON file holding one or more interventions on the data::

    name: ree_diversification
    country: JPN
    year: 2024
    interventions:
      - type: offtake
        mineral: rare_earths
        country: AUS
        stage: refined
        quantity_t: 3000
        cost: {project_cost: 250, equity_share: 0.5}

Every quantity is in tonnes per year of contained element, the basis of the production tables
(for a mineral whose tables hold an unconvertible basis such as REO, tonnes of that basis).
Where a stage's import shares are value shares (gross-weight ores, mattes, compounds), the
tonnes enter at the element's unit value (:mod:`.interventions`); ``content`` only gives the
tonnes of product as traded (gross ore or concentrate) reported beside the effect.

Costs (the JOGMEC finance terms of SPEC §2.9 as parameters) give the public budget an
intervention commits, in one currency across the policy: ``currency`` (an ISO 4217 code, default
``JPY``) and ``cost_unit`` (the amount of that currency one cost figure stands for: 1, the default,
or e.g. 1000000 when costs are written in millions)::

    currency: USD
    cost_unit: 1000000        # costs and budget in millions of US dollars

Budgets are shown as amounts of money (``$250,000,000.00``, ``￥1,200,000,000``); the figures in
the file, the JSON output and ``--budget`` stay in cost units.
The budget of an intervention::

    budget = amount + project_cost × (equity_share + loan_share
                                      + guarantee_share × (guarantee_loss_rate − guarantee_fee × years))

i.e. a direct outlay, plus the equity and loan capital committed, plus the expected loss on a
guarantee net of the fees it earns. The shares are bounded by the 2021 terms: loans up to 80 %
(rare metals; 70 % base metals), equity below 100 %, guarantees up to 90 %, fees 0.1–1.55 % a year.

Bounds (:mod:`critmin.limits`), checked before any assessment or optimisation starts: at most
``MAX_INTERVENTIONS`` (20) interventions, ``MAX_FEED_PARTNERS`` (60) smelter suppliers, tonnages
up to ``MAX_TONNES`` (1e10 t), budgets and costs up to ``MAX_BUDGET`` (1e9), names up to 200 and
texts up to 2,000 characters, a file of at most 1 MB holding at most 20,000 values once YAML
aliases are expanded; numbers must be finite.
"""
from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated, Literal, Optional, Union

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from ..errors import DataValidationError
from ..limits import (MAX_BUDGET, MAX_FEED_PARTNERS, MAX_INTERVENTIONS, MAX_NAME, MAX_TEXT, MAX_TONNES,
                      check_file_size, check_tree, short)

#: Every model: unknown fields refused, numbers finite (no .inf / .nan).
STRICT = ConfigDict(extra="forbid", allow_inf_nan=False)

#: How the tonnes an intervention takes out of the importer's imports are spread over partners.
Rule = Literal["pro_rata", "riskiest_first", "least_risky_first", "none"]
Stage = Literal["concentrate", "refined"]

MEASURES_DOC = ("mean (sum over minerals of the mean of the scores held before), an indicator id "
                "(sum over minerals of that score)")


class Cost(BaseModel):
    """Public budget of an intervention, in the policy's cost units (``Policy.currency`` ×
    ``Policy.cost_unit``)."""

    model_config = STRICT

    amount: float = Field(0.0, ge=0, le=MAX_BUDGET, description="direct outlay (subsidy, grant, stock purchase)")
    project_cost: float = Field(0.0, ge=0, le=MAX_BUDGET,
                                description="total project cost the finance terms apply to")
    equity_share: float = Field(0.0, ge=0, lt=1, description="JOGMEC equity share (< 100 %)")
    loan_share: float = Field(0.0, ge=0, le=0.8, description="JOGMEC loan share (≤ 80 % rare metals)")
    guarantee_share: float = Field(0.0, ge=0, le=0.9, description="debt guarantee share (≤ 90 %)")
    guarantee_fee: float = Field(0.0, ge=0, le=0.0155, description="guarantee fee per year (0.1–1.55 %)")
    guarantee_loss_rate: float = Field(0.0, ge=0, le=1, description="expected loss on the guaranteed debt")
    years: int = Field(1, ge=1, le=50, description="years the guarantee fee is earned")

    def budget(self) -> float:
        """The public budget committed (see module docstring)."""
        g = self.guarantee_share * (self.guarantee_loss_rate - self.guarantee_fee * self.years)
        return float(self.amount + self.project_cost * (self.equity_share + self.loan_share + g))

    @model_validator(mode="after")
    def _non_negative(self):
        if self.budget() < 0:
            raise ValueError("the guarantee fees exceed the committed budget (negative cost); "
                             "check guarantee_fee, years and guarantee_loss_rate")
        return self


class _Base(BaseModel):
    model_config = STRICT

    name: Optional[str] = Field(None, max_length=MAX_NAME, description="label (default: type and mineral)")
    mineral: str = Field(..., max_length=MAX_NAME, description="mineral id or name (e.g. rare_earths, cobalt)")
    cost: Optional[Cost] = None
    note: str = Field("", max_length=MAX_TEXT)

    @field_validator("mineral")
    @classmethod
    def _mineral(cls, v: str) -> str:
        from ..catalogue import check_mineral

        return check_mineral(v)

    @property
    def label(self) -> str:
        return self.name or f"{self.type}:{self.mineral}"  # type: ignore[attr-defined]

    @property
    def budget(self) -> float:
        return self.cost.budget() if self.cost else 0.0


def _iso3(v: str) -> str:
    from ..countries import check_iso3

    return check_iso3(v)


class Offtake(_Base):
    """Upstream equity / offtake: the importer's companies take tonnes of a mine's or country's output."""

    type: Literal["offtake"]
    country: str = Field(..., description="ISO3 of the producing country C")
    stage: Stage = "concentrate"
    quantity_t: Optional[float] = Field(None, gt=0, le=MAX_TONNES, description="t/yr in the production basis")
    share: Optional[float] = Field(None, gt=0, le=1, description="share of the mine's or C's output")
    content: float = Field(1.0, gt=0, le=1, description="content of the traded product (grade)")
    mine: Optional[str] = Field(None, max_length=MAX_NAME, description="the mine's name (label)")
    mine_output_t: Optional[float] = Field(None, gt=0, le=MAX_TONNES, description="the mine's output (default: C's)")
    displaces: Rule = "pro_rata"

    _c = field_validator("country")(classmethod(lambda cls, v: _iso3(v)))

    @model_validator(mode="after")
    def _one_quantity(self):
        if (self.quantity_t is None) == (self.share is None):
            raise ValueError("give exactly one of quantity_t (t/yr) or share (0–1 of the output)")
        return self


class NewMine(_Base):
    """A new mine or capacity in country C adding tonnes to world production (and reserves)."""

    type: Literal["new_mine"]
    country: str
    capacity_t: float = Field(..., gt=0, le=MAX_TONNES, description="t/yr added to C's mine production")
    reserves_t: Optional[float] = Field(None, gt=0, le=MAX_TONNES, description="t added to C's reserves")

    _c = field_validator("country")(classmethod(lambda cls, v: _iso3(v)))


class Smelter(_Base):
    """Domestic smelter/refinery: refined output from imported concentrate."""

    type: Literal["smelter"]
    capacity_t: float = Field(..., gt=0, le=MAX_TONNES, description="refined output, t/yr")
    feed_from: Optional[dict[str, float]] = Field(
        None, description="concentrate suppliers and shares {ISO3: share}; default: current partners")
    feed_content: float = Field(1.0, gt=0, le=1, description="content of the concentrate feed")
    recovery: float = Field(1.0, gt=0, le=1, description="refinery recovery")
    displaces: Rule = "pro_rata"

    @field_validator("feed_from")
    @classmethod
    def _feed(cls, v):
        if v is None:
            return v
        if not v:
            raise ValueError("feed_from is empty; give {ISO3: share} or leave it out")
        if len(v) > MAX_FEED_PARTNERS:
            raise ValueError(f"feed_from lists {len(v)} suppliers; the limit is {MAX_FEED_PARTNERS}")
        out = {_iso3(k): float(s) for k, s in v.items()}
        if any(s <= 0 for s in out.values()):
            raise ValueError("feed_from shares must be positive")
        tot = sum(out.values())
        return {k: s / tot for k, s in out.items()}


class Stockpile(_Base):
    """A stockpile of N days of domestic demand."""

    type: Literal["stockpile"]
    days: float = Field(..., gt=0, le=365, description="days of domestic demand held")
    demand_t: Optional[float] = Field(None, gt=0, le=MAX_TONNES, description="annual demand (default: apparent)")


class Substitution(_Base):
    """Substitution or less use: demand cut by a share or by tonnes."""

    type: Literal["substitution"]
    share: Optional[float] = Field(None, gt=0, lt=1, description="fraction of demand cut")
    quantity_t: Optional[float] = Field(None, gt=0, le=MAX_TONNES, description="t/yr of demand cut")
    demand_t: Optional[float] = Field(None, gt=0, le=MAX_TONNES)
    displaces: Rule = "pro_rata"

    @model_validator(mode="after")
    def _one(self):
        if (self.quantity_t is None) == (self.share is None):
            raise ValueError("give exactly one of share (0–1) or quantity_t (t/yr)")
        if self.displaces == "none":
            raise ValueError("a demand cut must take imports out: use pro_rata, riskiest_first or "
                             "least_risky_first")
        return self


class Recycling(_Base):
    """Recycling support: secondary supply +X t/yr displacing imports at a rate below 1."""

    type: Literal["recycling"]
    quantity_t: float = Field(..., gt=0, le=MAX_TONNES, description="secondary supply added, t/yr")
    displacement_rate: float = Field(0.8, ge=0, lt=1, description="imports displaced per t recycled")
    demand_t: Optional[float] = Field(None, gt=0, le=MAX_TONNES)
    displaces: Rule = "pro_rata"


class SupplyShock(_Base):
    """A supply shock for stress tests: an exporter's ban or quota on the importer's imports."""

    type: Literal["supply_shock"]
    country: str = Field(..., description="ISO3 of the exporter")
    stage: Stage = "refined"
    kind: Literal["export_ban", "quota"] = "export_ban"
    fraction: Optional[float] = Field(None, gt=0, le=1, description="share of its exports cut")
    replaced: Literal["pro_rata", "none"] = "pro_rata"

    _c = field_validator("country")(classmethod(lambda cls, v: _iso3(v)))

    @model_validator(mode="after")
    def _frac(self):
        if self.kind == "export_ban":
            if self.fraction not in (None, 1.0):
                raise ValueError("an export_ban cuts everything (fraction 1); use kind: quota")
            self.fraction = 1.0
        elif self.fraction is None or self.fraction >= 1:
            raise ValueError("a quota needs fraction (the share cut, 0 < fraction < 1)")
        return self


Intervention = Annotated[Union[Offtake, NewMine, Smelter, Stockpile, Substitution, Recycling, SupplyShock],
                         Field(discriminator="type")]
TYPES = ("offtake", "new_mine", "smelter", "stockpile", "substitution", "recycling", "supply_shock")


class Policy(BaseModel):
    """A named set of interventions for one importer (default JPN) and assessment year."""

    model_config = STRICT

    name: str = Field("policy", max_length=MAX_NAME)
    title: str = Field("", max_length=MAX_TEXT)
    country: str = Field("JPN", max_length=MAX_NAME)
    year: Optional[int] = Field(None, ge=1990, le=2100)
    measure: str = Field("mean", description=MEASURES_DOC)
    budget: Optional[float] = Field(None, ge=0, le=MAX_BUDGET)
    currency: str = Field("JPY", description="ISO 4217 code of the costs and the budget (JPY, USD, EUR ...)")
    cost_unit: float = Field(1.0, gt=0, le=1e12, description="amount of the currency one cost figure stands "
                                                             "for: 1, or 1000000 for millions")
    interventions: list[Intervention] = Field(..., min_length=1, max_length=MAX_INTERVENTIONS)

    _c = field_validator("country")(classmethod(lambda cls, v: _iso3(v)))

    @field_validator("currency")
    @classmethod
    def _currency(cls, v: str) -> str:
        from babel.numbers import is_currency

        code = str(v).strip().upper()
        if not is_currency(code):
            raise ValueError(f"unknown currency {code[:20]}: use an ISO 4217 code such as JPY, USD or EUR")
        return code

    @field_validator("measure")
    @classmethod
    def _measure(cls, v: str) -> str:
        from ..diagnosis import INDICATORS

        if v not in ("mean",) + INDICATORS:
            raise ValueError(f"unknown measure {v!r}; use 'mean' or one of {list(INDICATORS)}")
        return v

    @model_validator(mode="after")
    def _unique(self):
        seen = set()
        for iv in self.interventions:
            if iv.label in seen:
                raise ValueError(f"two interventions are labelled {iv.label!r}: give each a distinct name")
            seen.add(iv.label)
        return self

    @property
    def minerals(self) -> list[str]:
        return sorted({iv.mineral for iv in self.interventions})

    def subset(self, labels) -> "Policy":
        """The policy with only the interventions labelled ``labels`` (in file order)."""
        keep = [iv for iv in self.interventions if iv.label in set(labels)]
        return self.model_copy(update={"interventions": keep, "name": self.name + "[" + "+".join(
            iv.label for iv in keep) + "]"})


def _explain(exc: ValidationError, file: str | None) -> DataValidationError:
    errs = exc.errors()
    lines = []
    for e in errs[:8]:
        loc = ".".join(str(p) for p in e["loc"])
        msg = e["msg"].removeprefix("Value error, ")
        if e["type"] == "union_tag_invalid" or e["type"] == "union_tag_not_found":
            msg = f"unknown or missing intervention type; use one of {list(TYPES)}"
        elif e["type"] == "extra_forbidden":
            msg = "unknown field (check the spelling; see `critmin policy evaluate --help` and the examples)"
        elif e["type"] == "missing":
            msg = "required field missing"
        lines.append(f"{loc}: {short(msg, 300)}" + (f" (found {short(e['input'], 80)})" if e["type"] not in (
            "missing", "union_tag_not_found") and not isinstance(e.get("input"), (dict, list)) else ""))
    if len(errs) > 8:
        lines.append(f"... and {len(errs) - 8} more")
    first = errs[0]
    limit = any(e["type"] in ("too_long", "less_than_equal", "string_too_long", "finite_number") for e in errs)
    return DataValidationError("invalid policy: " + "; ".join(lines), file=file,
                               field=".".join(str(p) for p in first["loc"])[:200] or None,
                               fix="correct the named field(s); examples/policies/ holds valid files"
                               + ("; the bounds are listed in critmin.limits" if limit else ""))


def parse_policy(data: dict | Policy, *, file: str | None = None) -> Policy:
    """Validate a policy dict (as read from YAML/JSON) into a :class:`Policy`."""
    if isinstance(data, Policy):
        return data
    if not isinstance(data, dict):
        raise DataValidationError("a policy must be a mapping with an 'interventions' list", file=file,
                                  found=type(data).__name__, fix="see examples/policies/")
    check_tree(data, what="policy", file=file)     # before pydantic expands YAML aliases
    try:
        return Policy.model_validate(data)
    except ValidationError as exc:
        raise _explain(exc, file) from None


def load_policy(path: str | Path) -> Policy:
    """Read and validate a policy file (``.yaml``/``.yml`` with a safe loader, or ``.json``)."""
    p = Path(path)
    if not p.is_file():
        raise DataValidationError("policy file not found", file=str(p), fix="check the path")
    check_file_size(p, what="policy file")
    try:
        text = p.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError as exc:
        raise DataValidationError("the policy file is not UTF-8 text", file=str(p),
                                  found=f"byte 0x{exc.object[exc.start]:02x} at offset {exc.start}",
                                  fix="save it as UTF-8") from None
    try:
        if p.suffix.lower() == ".json":
            data = json.loads(text)
        else:
            import yaml

            data = yaml.safe_load(text)
    except Exception as exc:  # noqa: BLE001 - parser errors carry the line
        raise DataValidationError(f"cannot parse the policy file ({short(str(exc), 300)})", file=str(p),
                                  fix="fix the YAML/JSON syntax at the position shown") from None
    return parse_policy(data, file=str(p))
