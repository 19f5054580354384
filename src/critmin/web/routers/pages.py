"""The dashboard pages (server-rendered HTML; ``/static/app.js`` fills them from the API), the
static assets (Plotly from the installed package, no CDN) and the offline API docs at ``/docs``."""
from __future__ import annotations

import functools
import gzip
import hashlib
from pathlib import Path as FsPath
from urllib.parse import urlencode

from fastapi import APIRouter, HTTPException, Path, Query, Request
from fastapi.responses import HTMLResponse, Response

from ._common import ISO3, MINERAL, Lang

router = APIRouter(include_in_schema=False)
HERE = FsPath(__file__).resolve().parents[1]
STATIC = HERE / "static"
NAV = ("overview", "compare", "whatif", "demand", "disruption")
PATHS = {"overview": "/", "compare": "/compare", "whatif": "/whatif", "demand": "/demand",
         "disruption": "/disruption"}


@functools.lru_cache(maxsize=1)
def _env():
    import jinja2

    return jinja2.Environment(loader=jinja2.FileSystemLoader(str(HERE / "templates")),
                              autoescape=jinja2.select_autoescape(default=True, default_for_string=True))


def render(request: Request, page: str, lang: str | None, data: dict, **ctx) -> HTMLResponse:
    """The page in ``lang`` (none asked: the server's language, ``Settings.lang``)."""
    from ..i18n import labels

    lang = lang or request.app.state.settings.lang

    q = dict(request.query_params)
    q["lang"] = "en" if lang == "ja" else "ja"
    keep = {k: v for k, v in request.query_params.items() if k != "lang"}
    nav = [(p, PATHS[p] + "?" + urlencode({**{k: v for k, v in keep.items() if k in ("country", "year")},
                                           "lang": lang}), labels(lang)["ui"][p]) for p in NAV]
    html = _env().get_template(f"{page}.html").render(
        page=page, lang=lang, ui=labels(lang)["ui"], i18n=labels(lang), data=data, nav=nav,
        switch_url=request.url.path + "?" + urlencode(q), **ctx)
    return HTMLResponse(html)


@router.get("/", response_class=HTMLResponse)
def overview(request: Request, lang: Lang | None = None, country: str = Query("JPN", pattern=ISO3),
             year: int | None = Query(None, ge=1990, le=2100),
             mlist: str = Query("", alias="list", max_length=80)):
    return render(request, "overview", lang, {"country": country.upper(), "year": year or "", "list": mlist})


@router.get("/mineral/{mineral}", response_class=HTMLResponse)
def mineral(request: Request, mineral: str = Path(..., pattern=MINERAL), lang: Lang | None = None,
            country: str = Query("JPN", pattern=ISO3), year: int | None = Query(None, ge=1990, le=2100)):
    from ... import catalogue
    from ...errors import UnknownNameError

    try:
        m = catalogue.check_mineral(mineral)
    except UnknownNameError as exc:
        raise HTTPException(404, [{"field": "mineral", "msg": str(exc)}]) from None
    from ...i18n import country_name

    lang = lang or request.app.state.settings.lang
    c = country.upper()
    name = country_name(c, lang)
    return render(request, "mineral", lang, {"mineral": m, "country": c, "year": year or ""},
                  mineral_name=catalogue.name(m, lang), country_label=c if name == c else f"{name} ({c})")


@router.get("/compare", response_class=HTMLResponse)
def compare(request: Request, lang: Lang | None = None, countries: str = Query("JPN,KOR", max_length=80,
                                                                         pattern=r"^[A-Za-z, ]*$"),
            mineral: str = Query("rare_earths", pattern=MINERAL), year: int | None = Query(None, ge=1990, le=2100)):
    return render(request, "compare", lang, {"countries": countries.upper(), "mineral": mineral, "year": year or ""})


@router.get("/whatif", response_class=HTMLResponse)
def whatif(request: Request, lang: Lang | None = None, policy: str = Query("", max_length=80, pattern=r"^[\w.\-]*$")):
    return render(request, "whatif", lang, {"policy": policy})


@router.get("/demand", response_class=HTMLResponse)
def demand(request: Request, lang: Lang | None = None, scenario: str = Query("seed-ev-1m", max_length=60,
                                                                       pattern=r"^[\w\-]+$")):
    return render(request, "demand", lang, {"scenario": scenario})


@router.get("/disruption", response_class=HTMLResponse)
def disruption(request: Request, lang: Lang | None = None, scenario: str = Query("china_ree_2010", max_length=60,
                                                                           pattern=r"^[\w\-]+$")):
    return render(request, "disruption", lang, {"scenario": scenario})


# -- static assets -----------------------------------------------------------------------------------

@functools.cache
def _asset(name: str) -> tuple[bytes, bytes, str, str]:
    """(raw, gzipped, media type, ETag) of a static asset; Plotly comes from the ``plotly`` package,
    ``flow.css`` from :data:`critmin.report.flow.FLOW_CSS`."""
    if name == "plotly.min.js":
        from ...report.html import offline_plotlyjs

        raw = offline_plotlyjs().encode("utf-8")
    elif name == "flow.css":          # the report's radar + Sankey pair (app.css narrows its breakpoint)
        from ...report.flow import FLOW_CSS

        raw = FLOW_CSS.encode("utf-8")
    elif name.startswith("swagger/"):
        raw = _swagger_file(name.removeprefix("swagger/"))
    else:
        p = STATIC / name
        if "/" in name or not p.is_file():
            raise KeyError(name)
        raw = p.read_bytes()
    kind = {"js": "text/javascript; charset=utf-8", "css": "text/css; charset=utf-8",
            "png": "image/png"}.get(name.rsplit(".", 1)[-1], "application/octet-stream")
    return raw, gzip.compress(raw, 6), kind, '"' + hashlib.sha256(raw).hexdigest()[:16] + '"'


def _swagger_file(name: str) -> bytes:
    if name not in ("swagger-ui-bundle.js", "swagger-ui.css"):
        raise KeyError(name)
    try:
        import fastapi_offline  # ships Swagger UI 5 (OpenAPI 3.1) as package data
    except ImportError:
        raise KeyError(name) from None
    return (FsPath(fastapi_offline.__file__).parent / "static" / name).read_bytes()


@router.get("/static/{name:path}")
def static(name: str, request: Request):
    try:
        raw, gz, kind, etag = _asset(name)
    except KeyError:
        raise HTTPException(404, [{"msg": "no such file"}]) from None
    headers = {"ETag": etag, "Cache-Control": "public, max-age=3600", "Vary": "Accept-Encoding"}
    if request.headers.get("if-none-match") == etag:
        return Response(status_code=304, headers=headers)
    if "gzip" in request.headers.get("accept-encoding", ""):
        return Response(gz, media_type=kind, headers={**headers, "Content-Encoding": "gzip"})
    return Response(raw, media_type=kind, headers=headers)


@router.get("/docs", response_class=HTMLResponse)
def docs(request: Request):
    """Swagger UI from the ``fastapi-offline`` package (offline), else a plain list of the endpoints."""
    try:
        _asset("swagger/swagger-ui-bundle.js")
        swagger = True
    except KeyError:
        swagger = False
    spec = request.app.openapi()
    ops = [(m.upper(), p, (op.get("summary") or ""), op.get("tags", [""])[0] if op.get("tags") else "")
           for p, item in spec["paths"].items() for m, op in item.items()]
    return HTMLResponse(_env().get_template("docs.html").render(swagger=swagger, ops=ops, spec=spec))
