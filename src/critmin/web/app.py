"""The application factory: routers, error handlers, limits and security headers."""
from __future__ import annotations

import logging

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from ..errors import CritminError, DataValidationError
from .auth import Authenticator, Vault, load_users
from .cache import DataWatch, ResultCache
from .settings import Settings

log = logging.getLogger("critmin.web")

API_DESCRIPTION = """\
The JSON documents of the critmin command line (`--format json`), over HTTP.

* Errors: **422** names the field, what is wrong and the fix (`detail[].field`, `msg`, `fix`);
  **404** an unknown mineral or page; **413** a body over the size limit; **401/403** the
  confidential endpoints (`/api/v1/users/{user}/...`) without credentials or for another user.
  No answer ever carries a traceback.
* Work limits per request: `GET /api/v1/limits`.
* Results are cached per (data version, importer, year, minerals, method); the header
  `X-Critmin-Cache: hit|miss` says which.
* Confidential inputs (stock levels, self-sufficiency rows) are accepted only from an
  authenticated user (HTTP Basic or a bearer token), kept in this server's memory, never
  logged and never returned to anyone else.
"""

#: pydantic error type → the fix offered with it
_FIXES = {
    "missing": "add this field",
    "int_parsing": "give a whole number",
    "int_from_float": "give a whole number",
    "float_parsing": "give a number",
    "finite_number": "give a finite number",
    "bool_parsing": "give true or false",
    "string_too_long": "shorten the value",
    "string_too_short": "give a non-empty value",
    "string_pattern_mismatch": "use the pattern shown in the API document",
    "literal_error": "use one of the values listed in the API document",
    "enum": "use one of the values listed in the API document",
    "extra_forbidden": "remove the unknown field (check its spelling)",
    "json_invalid": "send valid JSON",
    "model_attributes_type": "send a JSON object",
    "dict_type": "send a JSON object",
    "list_type": "send a JSON array",
    "too_long": "send fewer items",
    "too_short": "send at least one item",
}


def _fix(err: dict) -> str:
    t = err.get("type", "")
    ctx = err.get("ctx") or {}
    for k, word in (("le", "≤"), ("lt", "<"), ("ge", "≥"), ("gt", ">")):
        if k in ctx:
            return f"use a value {word} {ctx[k]}"
    if "max_length" in ctx:
        return f"give at most {ctx['max_length']}"
    return _FIXES.get(t, "correct the value (see the API document)")


def problem(status: int, detail: list[dict], headers: dict | None = None) -> JSONResponse:
    return JSONResponse({"status": status, "detail": detail}, status_code=status, headers=headers)


def create_app(settings: Settings | None = None) -> FastAPI:
    """Build the application (see :mod:`critmin.web`)."""
    from . import routers
    from .security import BodyLimit, FastCache, SecurityHeaders

    settings = settings or Settings.from_env()
    users = load_users(settings.users_file, settings.users)
    app = FastAPI(title="critmin", version="1", description=API_DESCRIPTION,
                  docs_url=None, redoc_url=None, openapi_url="/api/v1/openapi.json")
    app.state.settings = settings
    app.state.limits = settings.limits
    app.state.auth = Authenticator(users)
    app.state.vault = Vault()
    app.state.cache = ResultCache(settings.limits.cache_entries)
    app.state.watch = DataWatch(settings.data_check_s)

    @app.exception_handler(RequestValidationError)
    async def _validation(request: Request, exc: RequestValidationError):
        out = []
        for e in exc.errors():
            loc = [str(p) for p in e.get("loc", ())]
            field = ".".join(p for p in loc[1:]) or (loc[0] if loc else "")
            out.append({"loc": loc, "field": field, "msg": str(e.get("msg", "invalid value")),
                        "type": e.get("type", ""), "fix": _fix(e)})
        return problem(422, out)

    @app.exception_handler(CritminError)
    async def _critmin(request: Request, exc: CritminError):
        d = {"field": getattr(exc, "field", None), "msg": str(exc), "type": type(exc).__name__,
             "fix": getattr(exc, "fix", None)}
        return problem(422, [d])

    @app.exception_handler(ValueError)
    async def _value(request: Request, exc: ValueError):
        # the library raises plain ValueError for a few method choices (the CLI answers them alike)
        return problem(422, [{"field": None, "msg": str(exc), "type": "ValueError", "fix": None}])

    @app.exception_handler(StarletteHTTPException)
    async def _http(request: Request, exc: StarletteHTTPException):
        detail = exc.detail if isinstance(exc.detail, list) else [{"msg": str(exc.detail)}]
        return problem(exc.status_code, detail, headers=getattr(exc, "headers", None))

    app.add_middleware(FastCache, maxsize=settings.limits.cache_entries)
    app.add_middleware(SecurityHeaders)
    app.add_middleware(BodyLimit, max_bytes=settings.limits.max_body_bytes,
                       upload_bytes=settings.limits.max_upload_bytes)
    if settings.cors_origins:
        from fastapi.middleware.cors import CORSMiddleware

        app.add_middleware(CORSMiddleware, allow_origins=settings.cors_origins, allow_methods=["GET", "POST", "PUT",
                                                                                                 "DELETE"],
                           allow_headers=["Authorization", "Content-Type"])
    for r in routers.ALL:
        app.include_router(r)
    return app


__all__ = ["DataValidationError", "create_app", "problem"]
