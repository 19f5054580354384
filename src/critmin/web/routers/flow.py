"""``/api/v1/minerals/{mineral}/flow`` and ``/api/v1/flow/world``: a mineral's material flow
(マテリアルフロー, issue 17) with its Sankey figure, as the dashboard draws it next to the radar.

The document is :func:`critmin.report.flow.flow_payload` over the application's shared
:class:`~critmin.supply.SupplyData` (``SupplyData.cached()``: the tables the assessment endpoints have
already read), cached per (data version, mineral, importer, year, language) like every other answer.
"""
from __future__ import annotations

from fastapi import APIRouter, Path, Query, Request

from ...i18n import N_
from ._common import ISO3, MINERAL, Lang, cached

router = APIRouter(prefix="/api/v1", tags=["flow"])

#: said instead of a figure where the importer's chain holds no flow (each stage's reason follows)
NO_FLOW = N_("No material flow to draw: the data hold no flow of {mineral} through {country}'s chain in {year}.")
NO_WORLD_FLOW = N_("No material flow to draw: the data hold no refining or trade of {mineral} in {year}.")

FLOW_DOC = {200: {"description": "``flow``: the document of `critmin flow --format json`; ``figure``: its Plotly "
                                 "Sankey (null where nothing can be drawn); ``title``; ``has_chain``; "
                                 "``statement`` and ``why`` where nothing can be drawn",
                  "content": {"application/json": {"schema": {"type": "object"}}}}}


def answer(payload: dict, lang: str) -> dict:
    """The API document of a :func:`~critmin.report.flow.flow_payload`: a flow whose chain holds no
    flow has no figure but a ``statement`` and, per stage, ``why`` (its status and reason in ``lang``)."""
    from ... import catalogue
    from ...i18n import country_name, translator
    from ...report.flow import STAGE_NAMES, STATUS_NAMES

    doc = payload["flow"]
    out = {"flow": doc, "title": payload["title"], "has_chain": bool(payload["has_chain"]),
           "figure": payload["figure"] if payload["has_chain"] else None, "statement": None, "why": []}
    if out["has_chain"]:
        return out
    _ = translator(lang)
    name = catalogue.name(doc["mineral"], lang)
    fields = {"mineral": name[:1].lower() + name[1:] if lang == "en" else name, "year": doc["year"]}
    if doc.get("country"):
        out["statement"] = _(NO_FLOW).format(country=country_name(doc["country"], lang), **fields)
    else:
        out["statement"] = _(NO_WORLD_FLOW).format(**fields)
    for s in doc.get("stages", []):
        reason = s.get(f"reason_{lang}") or s.get("reason") or ""
        stage = _(STAGE_NAMES[s["stage"]]) if s["stage"] in STAGE_NAMES else s["stage"]
        status = _(STATUS_NAMES[s["status"]]) if s["status"] in STATUS_NAMES else s["status"]
        out["why"].append(f"{stage} ({status})" + (f": {reason}" if reason else ""))
    return out


@router.get("/minerals/{mineral}/flow", responses={**FLOW_DOC, 404: {"description": "unknown mineral"}},
            summary="A mineral's material flow for an importer: mine → concentrate → smelting → refined trade → "
                    "use → scrap, with its Sankey")
def flow(request: Request, mineral: str = Path(..., pattern=MINERAL),
         country: str = Query("JPN", pattern=ISO3, description="importer (ISO3)"),
         year: int | None = Query(None, ge=1990, le=2100, description="default: the latest year with trade data"),
         lang: Lang = Query("en", description="language of the labels, the sentences (``<field>_ja``) and the "
                                             "statement")):
    """`critmin flow --mineral M --country C --year Y --format json` as ``flow``, with the Sankey drawn
    beside the dashboard's radar as ``figure``."""
    from ...countries import check_iso3
    from .data import _mineral_or_404

    m = _mineral_or_404(mineral)
    c = check_iso3(country)

    def run():
        from ...report.flow import flow_payload
        from ...supply import SupplyData

        return answer(flow_payload(m, c, year, lang, supply=SupplyData.cached()), lang)

    return cached(request, ("flow", m, c, year, lang), run)


def _check_world_year(source, year: int) -> None:
    """``year`` within the span of the trade data held, else 422 naming the span."""
    import pandas as pd

    from ...errors import DataValidationError

    r = source.sql("SELECT min(year) AS lo, max(year) AS hi FROM obs WHERE dataset='trade'")
    lo, hi = r["lo"].iloc[0], r["hi"].iloc[0]
    held = not (pd.isna(lo) or pd.isna(hi))
    if not held or not int(lo) <= year <= int(hi):
        span = f"{int(lo)}–{int(hi)}" if held else "none"
        raise DataValidationError(f"no trade data in {year}", field="year", found=year, expected=f"years {span}",
                                  fix="choose a year within the trade data (`critmin data info`)")


@router.get("/flow/world", responses=FLOW_DOC,
            summary="A mineral's world flow: mine → refining countries → importers, each with its share")
def world(request: Request, mineral: str = Query(..., pattern=MINERAL, description="mineral id or name"),
          year: int | None = Query(None, ge=1990, le=2100, description="default: the latest year with trade "
                                                                          "data (JPN's)"),
          lang: Lang = Query("en")):
    """`critmin flow --mineral M --world --year Y --format json` as ``flow``, with its Sankey. The
    first world view after a data change reads every importer's trade (seconds); later ones reuse it."""
    from ...catalogue import check_mineral

    m = check_mineral(mineral, field="mineral")

    def run():
        from ...report.flow import flow_payload
        from ...supply import SupplyData

        sd = SupplyData.cached()
        if year is not None:
            _check_world_year(sd.source, year)
        return answer(flow_payload(m, None, year, lang, supply=sd, world=True), lang)

    return cached(request, ("flow-world", m, year, lang), run)
