"""``/api/v1/data/info``, ``/data/gaps``, ``/minerals``, ``/importers``, ``/countries``, ``/limits``: what the
tool holds."""
from __future__ import annotations

from fastapi import APIRouter, Path, Query, Request

from ._common import DOC, ISO3, MINERAL, Lang, cached

router = APIRouter(prefix="/api/v1", tags=["data"])


@router.get("/limits", summary="The work limits of one request")
def limits(request: Request) -> dict:
    """Every limit the API enforces (413 or 422 beyond it)."""
    return request.app.state.limits.model_dump()


@router.get("/health", summary="Liveness and the data version")
def health(request: Request) -> dict:
    from ._common import data_version

    c = request.app.state.cache
    return {"status": "ok", "data_version": data_version(request), "cache": {"entries": len(c), "hits": c.hits,
                                                                      "misses": c.misses}}


@router.get("/data/info", responses=DOC, summary="Sources, editions and coverage per mineral")
def info(request: Request, country: str = Query("JPN", pattern=ISO3)):
    """`critmin data info --format json`."""
    from ...countries import check_iso3

    c = check_iso3(country)

    def run():
        from ... import data

        return data.info(c)

    return cached(request, ("info", c), run)


@router.get("/data/gaps", responses=DOC, summary="Import stages without trade data, why, and the fix")
def gaps(request: Request, country: str = Query("JPN", pattern=ISO3)):
    """`critmin data gaps --format json`."""
    from ...countries import check_iso3

    c = check_iso3(country)

    def run():
        from ... import data

        return {"country": c, "gaps": data.gaps(c).to_dict("records")}

    return cached(request, ("gaps", c), run)


def mineral_lists() -> dict[str, list[str]]:
    """Named mineral lists: the published lists of the catalogue (``critmin.catalogue.lists()`` and
    ``list_members``, where the installed catalogue has them), else the JOGMEC stockpile flag; then
    the catalogue groups (``group:...``)."""
    from ... import catalogue

    m = catalogue.minerals()
    out: dict[str, list[str]] = {}
    lists, members = getattr(catalogue, "lists", None), getattr(catalogue, "list_members", None)
    if callable(lists) and callable(members):
        try:
            for lid in lists().index:
                out[str(lid)] = list(members(lid))
        except Exception:  # noqa: BLE001 - a list table being edited must not break the dashboard
            out = {}
    if not out:
        out["jogmec_stockpile"] = m.index[m["stockpile"]].tolist()
    for g, sub in m.groupby("group"):
        if g:
            out.setdefault(f"group:{g}", sub.index.tolist())
    return out


@router.get("/minerals", summary="The mineral catalogue (en/ja names) and the mineral lists")
def minerals(request: Request):
    def run():
        from ... import catalogue

        m = catalogue.minerals().reset_index()
        return {"minerals": [{"mineral": r.mineral, "name_en": r.name_en, "name_ja": r.name_ja, "group": r.group,
                              "parent": r.parent or None, "stockpile": bool(r.stockpile), "basis": r.basis}
                             for r in m.itertuples(index=False)],
                "lists": mineral_lists()}

    return cached(request, ("minerals",), run)


@router.get("/importers", summary="Importers in the trade data")
def importers(request: Request, lang: Lang = Query("en", description="language of the names")):
    def run():
        from ...assessment import importers_held
        from ...i18n import country_name
        from ...store import default_store

        cs = sorted(importers_held(default_store()))
        return {"importers": [{"country": c, "name": country_name(c, lang)} for c in cs]}

    return cached(request, ("importers", lang), run)


@router.get("/countries", summary="Country names by ISO3 code (CLDR), for the dashboard's labels")
def countries(request: Request, lang: Lang = Query("en")):
    """``{"lang": ..., "countries": {"JPN": "日本", ...}}``: every code of the country table, plus
    ``WLD`` (world) and ``OTH`` (other countries)."""
    def run():
        from ...countries import iso3_names
        from ...i18n import country_name

        codes = sorted(set(iso3_names()) | {"WLD", "OTH"})
        return {"lang": lang, "countries": {c: country_name(c, lang) for c in codes}}

    return cached(request, ("countries", lang), run)


@router.get("/minerals/{mineral}/prices", responses={**DOC, 404: {"description": "unknown mineral"}},
            summary="The price series behind a mineral's volatility score")
def prices(request: Request, mineral: str = Path(..., pattern=MINERAL),
           country: str = Query("JPN", pattern=ISO3), year: int | None = Query(None, ge=1990, le=2100),
           lang: Lang = Query("en")):
    """The series the assessment picked (``series``, ``unit``, ``points``: year, value), as in the report."""
    m = _mineral_or_404(mineral)

    def run():
        from ...assessment import assess

        a = assess(country.upper(), year, [m], lang=lang)
        rec = a.records[(a.records["mineral"] == m) & (a.records["indicator"] == "price_volatility")]
        series = (rec["inputs"].iloc[0] or {}).get("series") if len(rec) else None
        pr = a.details.get("prices")
        pts, unit = [], None
        if series and pr is not None:
            p = pr[(pr["mineral"] == m) & (pr["series"] == series)].sort_values("year")
            unit = str(p["unit"].iloc[0]) if len(p) else None
            pts = [{"year": int(y), "value": float(v)} for y, v in zip(p["year"], p["value"])]
        return {"mineral": m, "country": country.upper(), "year": int(a.records["year"].iloc[0]),
                "series": series, "unit": unit, "points": pts}

    return cached(request, ("prices", m, country.upper(), year), run)


def _mineral_or_404(mineral: str) -> str:
    from fastapi import HTTPException

    from ...catalogue import check_mineral
    from ...errors import UnknownNameError

    try:
        return check_mineral(mineral, field="mineral")
    except UnknownNameError as exc:
        raise HTTPException(404, [{"field": "mineral", "msg": str(exc), "fix": exc.fix}]) from None
