"""``/api/v1/assess``, ``/compare``, ``/geopolrisk``, ``/uncertainty``: the assessment and the methods."""
from __future__ import annotations

from typing import Literal

from fastapi import APIRouter, Depends, Query, Request

from ._common import (
    COUNTRY_OR_EU,
    DOC,
    ISO3,
    MINERAL,
    Lang,
    cached,
    check_count,
    method_params,
    minerals_of,
)

router = APIRouter(prefix="/api/v1", tags=["assessment"])


@router.get("/assess", responses=DOC, summary="The six indicators of every mineral for an importer and year")
def assess(request: Request,
           country: str = Query("JPN", pattern=ISO3, description="importing country (ISO3)"),
           year: int | None = Query(None, ge=1990, le=2100, description="default: the latest year with "
                                                                           "trade data"),
           mineral: list[str] | None = Query(None, description="mineral ids or names (repeat the "
                                                                   "parameter); default all"),
           lang: Lang = Query("en", description="language of the diagnosis text"),
           method=Depends(method_params)):
    """`critmin assess --format json`: ``{"records": [...], "minerals": [...], "method": {...}}``."""
    mins = minerals_of(mineral, request)

    def run():
        from ...assessment import assess as _assess

        return _assess(country.upper(), year, mins, method=method, lang=lang).to_json()

    return cached(request, ("assess", country.upper(), year, tuple(mins or ()), lang, method.key()), run)


def _years_param(spec: str, request: Request) -> list[int]:
    from ...commands.methods import parse_years as parse

    ys = parse(spec)
    check_count(ys, request.app.state.limits.max_years, "years")
    return ys


@router.get("/compare", responses=DOC, summary="METI six, EU CRM and GeoPolRisk side by side")
def compare(request: Request,
            country: str = Query("JPN", pattern=COUNTRY_OR_EU, description="ISO3 or EU27"),
            year: int | None = Query(None, ge=1990, le=2100),
            years: str | None = Query(None, max_length=40, pattern=r"^[0-9,\- ]+$",
                                         description="trend series, e.g. 2015-2024"),
            mineral: list[str] | None = Query(None, description="minerals of the series")):
    """`critmin compare --format json` (``records``, ``disagreements``, ``series`` with ``years``)."""
    yrs = _years_param(years, request) if years else None
    mins = minerals_of(mineral, request)

    def run():
        from ...commands.methods import records_json
        from ...methods.compare import RECORD_COLUMNS, importer, latest_year, series
        from ...methods.compare import compare as _compare
        from ...supply import SupplyData

        c = importer(country)[0]
        y = year if year is not None else (max(yrs) if yrs else latest_year(c))
        sd = SupplyData.cached()
        r = _compare(c, y, supply=sd)
        expl = r.drop_duplicates("mineral")[["mineral", "spread", "why"]]
        doc = {"country": c, "year": y, "records": records_json(r, RECORD_COLUMNS),
               "disagreements": records_json(expl, ["mineral", "spread", "why"])}
        if yrs:
            doc["series"] = records_json(series(c, yrs, mins, supply=sd), ["mineral", "year", "method", "score"])
        return doc

    return cached(request, ("compare", country.upper(), year, tuple(yrs or ()), tuple(mins or ())), run)


@router.get("/geopolrisk", responses=DOC, summary="GeoPolRisk (default mode) for importers and years")
def geopolrisk(request: Request,
               country: list[str] = Query(["JPN"], description="ISO3 importers (repeat the parameter)"),
               years: str = Query("2022", max_length=40, pattern=r"^[0-9,\- ]+$"),
               mineral: list[str] | None = Query(None),
               missing: Literal["worst", "neutral", "drop"] = Query("worst")):
    """`critmin geopolrisk --format json` (default mode)."""
    from ...countries import check_iso3

    check_count(country, request.app.state.limits.max_countries, "country")
    cs = [check_iso3(c) for c in country]
    yrs = _years_param(years, request)
    mins = minerals_of(mineral, request)

    def run():
        from ...commands.methods import records_json
        from ...methods import geopolrisk as gp

        r = gp.default(cs, yrs, mins, missing=missing, regions={})
        return {"mode": "default", "records": records_json(r, gp.DEFAULT_COLUMNS)}

    return cached(request, ("geopolrisk", tuple(cs), tuple(yrs), tuple(mins or ()), missing), run)


@router.get("/uncertainty", responses=DOC, summary="Monte Carlo around the assessment (bounded draws)")
def uncertainty(request: Request,
                country: str = Query("JPN", pattern=ISO3),
                year: int | None = Query(None, ge=1990, le=2100),
                draws: int = Query(500, ge=10, description="Monte Carlo draws (at most limits.max_draws)"),
                seed: int = Query(0, ge=0, le=2**31 - 1),
                top: int = Query(10, ge=1, le=50)):
    """`critmin uncertainty --no-sobol --format json` with at most ``max_draws`` draws."""
    from ...countries import check_iso3

    check_count(range(draws), request.app.state.limits.max_draws, "draws")
    c = check_iso3(country)

    def run():
        from ...commands.methods import records_json
        from ...methods.uncertainty import run as _run
        from ...store import default_store
        from ...supply import latest_year

        y = year if year is not None else latest_year(default_store(), c)
        res = _run(c, y, draws=draws, seed=seed, top=top, sobol=False)
        s = res["summary"]
        return {"country": c, "year": y, "draws": draws, "seed": seed,
                "method": res["model"].method.as_dict(),
                "central": "the assessment (critmin assess): base_score and base_rank",
                "records": records_json(s, list(s.columns)), "sobol": [], "sobol_engine": None,
                "indicators": records_json(res["indicators"], list(res["indicators"].columns))}

    return cached(request, ("uncertainty", c, year, draws, seed, top), run)


# the mineral pattern is exported for the other routers
__all__ = ["MINERAL", "router"]
