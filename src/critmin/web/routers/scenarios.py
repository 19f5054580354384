"""``/api/v1/policy/*``, ``/demand``, ``/stockpile/plan``, ``/disrupt``: the analyses built on the assessment.

Public endpoints: they accept no confidential input (stock levels come only through
``/api/v1/users/{user}/...``, :mod:`critmin.web.routers.private`).
"""
from __future__ import annotations

import hashlib
import json
from typing import Any, Literal

from fastapi import APIRouter, Query, Request
from pydantic import BaseModel, ConfigDict, Field

from ...errors import DataValidationError
from ._common import DOC, ISO3, MINERAL, cached, check_count, minerals_of

router = APIRouter(prefix="/api/v1", tags=["policy and scenarios"])


# -- policy ------------------------------------------------------------------------------------------

class PolicyRequest(BaseModel):
    """A policy document (the YAML/JSON of `critmin policy evaluate FILE`, as JSON) and overrides."""

    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [{"policy": {
        "name": "cobalt_recycling_japan", "country": "JPN", "interventions": [
            {"type": "recycling", "name": "battery_recycling", "mineral": "cobalt", "quantity_t": 1000,
             "displacement_rate": 0.7, "displaces": "pro_rata", "cost": {"amount": 40}}]}}]})

    policy: dict[str, Any] = Field(..., description="the policy document (see examples/policies/)")
    country: str | None = Field(None, pattern=ISO3, description="override the policy's importer")
    year: int | None = Field(None, ge=1990, le=2100, description="override the policy's year")
    bounds: bool | None = Field(None, description="best/worst redistribution cases (default: when the "
                                                     "policy recycles)")
    budget: float | None = Field(None, ge=0, description="optimise: the budget (the costs' unit)")


def _policy(req: PolicyRequest, request: Request):
    from ...policy import parse_policy

    ivs = req.policy.get("interventions")
    if isinstance(ivs, list):
        check_count(ivs, request.app.state.limits.max_interventions, "policy.interventions")
    return parse_policy(req.policy, file="request body")


def _key(req: PolicyRequest) -> str:
    return hashlib.sha256(json.dumps(req.model_dump(), sort_keys=True, default=str).encode()).hexdigest()


@router.post("/policy/evaluate", responses=DOC, summary="A policy's six indicators before and after")
def policy_evaluate(req: PolicyRequest, request: Request):
    """`critmin policy evaluate FILE --format json`: ``before``, ``after``, ``interventions``, ``risk``."""
    pol = _policy(req, request)

    def run():
        from ...policy import evaluate, to_json

        t = evaluate(pol, req.country, req.year, bounds=req.bounds)
        return to_json(t, t["scenario"].iloc[0])

    return cached(request, ("policy_evaluate", _key(req)), run)


@router.post("/policy/rank", responses=DOC, summary="Interventions ranked by risk reduction per budget")
def policy_rank(req: PolicyRequest, request: Request):
    """`critmin policy rank FILE --format json`."""
    pol = _policy(req, request)

    def run():
        from ...policy import rank

        r = rank(pol, req.country, req.year)
        return {**r.attrs, "ranking": json.loads(r.to_json(orient="records"))}

    return cached(request, ("policy_rank", _key(req)), run)


@router.post("/policy/optimise", responses=DOC, summary="The best mix of interventions within a budget")
def policy_optimise(req: PolicyRequest, request: Request):
    """`critmin policy optimise FILE --budget B --format json` (HiGHS)."""
    pol = _policy(req, request)

    def run():
        from ...policy import optimise

        res = optimise(pol, req.budget, req.country, req.year)
        rk = res.pop("ranking")
        res["ranking"] = json.loads(rk.to_json(orient="records"))
        return res

    return cached(request, ("policy_optimise", _key(req)), run)


@router.get("/policy/examples", summary="The shipped policy examples (for the what-if page)")
def policy_examples(request: Request):
    """Each example's document as JSON (``name``, ``title``, ``interventions`` ...)."""
    d = request.app.state.settings.policies_dir

    def run():
        import yaml

        out = []
        if d is not None and d.is_dir():
            for f in sorted(d.glob("*.y*ml")):
                doc = yaml.safe_load(f.read_text(encoding="utf-8"))
                if isinstance(doc, dict):
                    out.append({"file": f.name, "policy": doc})
        return {"examples": out}

    return cached(request, ("policy_examples", str(d)), run)


# -- demand ------------------------------------------------------------------------------------------

@router.get("/demand/scenarios", summary="The shipped demand scenarios")
def demand_scenarios(request: Request):
    def run():
        from ... import demand as dm

        return {"scenarios": dm.list_scenarios().to_dict("records")}

    return cached(request, ("demand_scenarios",), run)


@router.get("/demand", responses=DOC, summary="Mineral demand of a shipped technology scenario")
def demand(request: Request,
           scenario: str = Query("seed-ev-1m", max_length=60, pattern=r"^[\w\-]+$",
                                 description="a shipped scenario name (GET /api/v1/demand/scenarios)"),
           mix: str | None = Query(None, max_length=200, description="battery chemistry mix, e.g. "
                                                                         "nmc811=0.6,lfp=0.4"),
           improvement: float | None = Query(None, ge=0, le=0.5, description="intensity improvement a year"),
           until: int | None = Query(None, ge=2000, le=2100, description="last projection year"),
           domestic: Literal["scenario", "apparent", "none"] = Query("scenario"),
           world: bool = Query(True, description="compare with world production")):
    """`critmin demand --scenario NAME --format json` (shipped scenarios only: no file is read)."""
    from ... import demand as dm
    from ...demand.project import scenario_files

    if scenario not in scenario_files():
        from ...errors import did_you_mean

        raise DataValidationError(f"unknown scenario{did_you_mean(scenario, scenario_files())}",
                                  field="scenario", found=scenario,
                                  fix="choose a name from GET /api/v1/demand/scenarios")

    def run():
        from ...commands.demand import parse_mix

        s = dm.load_scenario(scenario)
        years = None
        if until is not None:
            ys = s.projection_years()
            if until < ys[0]:
                raise DataValidationError("until is before the scenario's first year", field="until",
                                          found=until, expected=f">= {ys[0]}")
            years = list(range(ys[0], until + 1))
        proj = dm.project(s, years=years, mix=parse_mix(mix) if mix else None, improvement=improvement)
        ol = dm.outlook(proj, domestic=domestic, world=world)
        return dm.to_json(proj, ol)

    return cached(request, ("demand", scenario, mix, improvement, until, domestic, world), run)


# -- stockpile and disruption (public: no stock file) -------------------------------------------------

def importance_of(items: list[str] | None):
    from ...commands.stockpile import parse_importance

    return parse_importance(items)


@router.get("/stockpile/plan", responses=DOC, summary="Stockpile targets per mineral (no stock levels)")
def stockpile_plan(request: Request,
                   country: str = Query("JPN", pattern=ISO3),
                   year: int | None = Query(None, ge=1990, le=2100),
                   mineral: list[str] | None = Query(None, description="default: the 34 JOGMEC kinds"),
                   importance: list[str] | None = Query(None, description="MINERAL=W (repeatable) or one W"),
                   base_days: float = Query(60.0, gt=0, le=3650),
                   risk_gain: float = Query(2.0, ge=0, le=100),
                   cap_days: float = Query(180.0, gt=0, le=3650),
                   window: int = Query(5, ge=1, le=20)):
    """`critmin stockpile plan --format json`. Stock levels are confidential: see
    ``POST /api/v1/users/{user}/stockpile/plan``."""
    mins = minerals_of(mineral, request)
    if importance:
        check_count(importance, request.app.state.limits.max_minerals, "importance")
    imp = importance_of(importance)

    def run():
        from ... import stockpile as sp

        p = sp.plan(country, year, mins, importance=imp, base_days=base_days, risk_gain=risk_gain,
                    cap_days=cap_days, window=window)
        return sp.to_json(p)

    return cached(request, ("plan", country.upper(), year, tuple(mins or ()), tuple(importance or ()),
                            base_days, risk_gain, cap_days, window), run)


class DisruptParams(BaseModel):
    """The `critmin disrupt` options (JSON body); a public request carries no stock file."""

    model_config = ConfigDict(extra="forbid")

    country: str | None = Field(None, pattern=ISO3)
    mineral: str | None = Field(None, pattern=MINERAL)
    exporter: list[str] = Field(default_factory=list, max_length=20)
    days: float | None = Field(None, gt=0)
    share: float = Field(1.0, gt=0, le=1)
    stage: Literal["refined", "concentrate", "intermediate", "chemical"] | None = None
    year: int | None = Field(None, ge=1990, le=2100)
    stock_days: float | None = Field(None, ge=0, le=3650)
    stock_t: float | None = Field(None, ge=0, le=1e12)
    max_shortfall: float = Field(0.0, ge=0, le=1e12)
    scenario: str | None = Field(None, max_length=60, pattern=r"^[\w\-]+$")
    monte_carlo: bool = False
    sim_years: int = Field(20_000, ge=100)
    seed: int = Field(0, ge=0, le=2**31 - 1)
    duration_days: float = Field(90.0, gt=0, le=3650)
    duration: Literal["exponential", "fixed"] = "exponential"
    quantile: float = Field(0.95, gt=0, lt=1)


def run_disrupt(p: DisruptParams, request: Request, stocks=None, show_confidential: bool = False) -> dict:
    """The `critmin disrupt --format json` document (the CLI's logic, no files read)."""
    from ... import disruption as dr

    lim = request.app.state.limits
    if p.sim_years > lim.max_sim_years:
        raise DataValidationError("too many simulated years", field="sim_years", found=p.sim_years,
                                  expected=f"at most {lim.max_sim_years}")
    if p.days is not None and p.days > lim.max_days:
        raise DataValidationError("disruption too long", field="days", found=p.days,
                                  expected=f"at most {lim.max_days:g} days")
    if p.scenario is not None and p.scenario not in dr.scenario_names():
        raise DataValidationError("unknown scenario", field="scenario", found=p.scenario,
                                  expected=f"one of {dr.scenario_names()}")
    kw = {"stock_t": p.stock_t, "stock_days": p.stock_days, "stocks": stocks, "max_shortfall_t": p.max_shortfall}
    mineral, country, stage, year = p.mineral, p.country, p.stage, p.year
    res = None
    if p.scenario is not None:
        res = dr.run_scenario(p.scenario, country=country, days=p.days, year=year, stage=stage, **kw)
        mineral, country, stage, year = res["mineral"], res["country"], res["stage"], res["year"]
    elif p.exporter:
        if mineral is None or p.days is None:
            raise DataValidationError("mineral and days are needed with exporter", field="mineral",
                                      fix='e.g. {"mineral": "rare_earths", "exporter": ["CHN"], "days": 90}')
        res = dr.simulate(country or "JPN", mineral, p.exporter, p.days, share=p.share, stage=stage, year=year, **kw)
        country, stage, year = res["country"], res["stage"], res["year"]
    elif not p.monte_carlo:
        raise DataValidationError("nothing to simulate", field="exporter",
                                  fix="give exporter and days, a scenario, or monte_carlo with a mineral")
    mc = None
    if p.monte_carlo:
        if mineral is None:
            raise DataValidationError("mineral is needed with monte_carlo", field="mineral")
        mc = dr.monte_carlo(country or "JPN", mineral, stage, year, n_years=p.sim_years, seed=p.seed,
                            duration_days=p.duration_days, duration=p.duration, quantile=p.quantile,
                            max_shortfall_t=p.max_shortfall)
    if res is None:
        return mc
    res = dr.redact(res, show_confidential)
    if mc is not None:
        res["monte_carlo"] = mc
    return res


@router.post("/disrupt", responses=DOC, summary="An export stop: shortfall, stock cover; optional Monte Carlo")
def disrupt(p: DisruptParams, request: Request):
    """`critmin disrupt ... --format json` (bounded: ``sim_years`` ≤ ``max_sim_years``, ``days`` ≤
    ``max_days``). Confidential stock files: ``POST /api/v1/users/{user}/disrupt``."""
    return cached(request, ("disrupt", p.model_dump_json()), lambda: run_disrupt(p, request))


@router.get("/disrupt/scenarios", summary="The shipped disruption scenarios")
def disrupt_scenarios(request: Request):
    def run():
        from ... import disruption as dr

        out = []
        for n in dr.scenario_names():
            s = dr.load_scenario(n)
            out.append({"name": n, "title": s.title, "mineral": s.mineral, "importer": s.importer,
                        "stage": s.stage, "days": s.days,
                        "cuts": [{"exporter": c.exporter, "fraction": c.fraction} for c in s.cuts]})
        return {"scenarios": out}

    return cached(request, ("disrupt_scenarios",), run)
