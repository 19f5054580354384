"""What the API routers share: method parameters, limits, the data version and JSON answers."""
from __future__ import annotations

from collections.abc import Callable
from typing import Any, Literal

from fastapi import Query, Request
from fastapi.responses import Response

from ...errors import DataValidationError
from ..cache import encode

Lang = Literal["en", "ja"]
ISO3 = r"^[A-Za-z]{3}$"
COUNTRY_OR_EU = r"^([A-Za-z]{3}|EU27|eu27)$"
MINERAL = r"^[\w\- ]{1,40}$"   # an id, English or Japanese name; resolved by the catalogue

#: OpenAPI: a JSON document of the CLI's shape (kept open: the library defines it)
DOC = {200: {"description": "the JSON document (same as the CLI's `--format json`)",
             "content": {"application/json": {"schema": {"type": "object"}}}}}


def method_params(
    import_variant: Literal["weighted_hhi", "product", "geopolrisk"] = Query("weighted_hhi"),
    governance: Literal["pv", "mean"] = Query("pv"),
    missing_governance: Literal["worst", "neutral", "drop"] = Query("worst"),
    domestic: Literal["secure", "ignore"] = Query("secure"),
    volatility: Literal["log_return_std", "yoy_std", "range", "cv", "mean_abs_change"] = Query("log_return_std"),
    volatility_window: int = Query(10, ge=3, le=30),
    normalisation: Literal["anchors", "minmax", "percentile"] = Query("anchors"),
    residual_rule: Literal["split", "as_one", "ignore", "named_only"] = Query("split"),
    window: int = Query(1, ge=1, le=10),
):
    """The method choices of ``critmin assess`` as query parameters (same names and defaults)."""
    from ...method import Method

    return Method(import_variant=import_variant, governance=governance, missing_governance=missing_governance,
                  domestic=domestic, volatility=volatility, volatility_window=volatility_window,
                  normalisation=normalisation, residual_rule=residual_rule, window=window)


def limits(request: Request):
    return request.app.state.limits


def check_count(items, limit: int, field: str) -> None:
    if items is not None and len(items) > limit:
        raise DataValidationError(f"too many values ({len(items)})", field=field, expected=f"at most {limit}",
                                  fix=f"split the request into parts of at most {limit}")


def minerals_of(names: list[str] | None, request: Request, field: str = "mineral") -> list[str] | None:
    """Resolve mineral ids or names (422 with 'did you mean' for an unknown one)."""
    if not names:
        return None
    from ...catalogue import check_mineral

    check_count(names, request.app.state.limits.max_minerals, field)
    return list(dict.fromkeys(check_mineral(m, field=field) for m in names))


def data_version(request: Request) -> str:
    """The current data version (:class:`critmin.web.cache.DataWatch`: an import is noticed
    without a restart)."""
    return request.app.state.watch.version()


def json_answer(body: bytes, request: Request, *, cached: bool | None = None, status: int = 200,
                headers: dict | None = None) -> Response:
    h = {"X-Critmin-Data-Version": data_version(request), **(headers or {})}
    if cached is not None:
        h["X-Critmin-Cache"] = "hit" if cached else "miss"
    return Response(body, status_code=status, media_type="application/json", headers=h)


def _synced(request: Request, fn: Callable[[], Any]) -> Callable[[], Any]:
    """``fn`` run on the current data (called under the compute lock)."""
    def run():
        request.app.state.watch.sync()
        return fn()

    return run


def cached(request: Request, key: tuple, fn: Callable[[], Any]) -> Response:
    """The cached document for ``key`` (data version prepended), else ``fn()`` computed once."""
    body, hit = request.app.state.cache.compute((data_version(request),) + key, _synced(request, fn))
    return json_answer(body, request, cached=hit)


def computed(request: Request, fn: Callable[[], Any], headers: dict | None = None) -> Response:
    """``fn()`` under the compute lock, not cached (confidential or per-request inputs)."""
    from ..cache import COMPUTE

    with COMPUTE:
        doc = _synced(request, fn)()
    return json_answer(encode(doc), request, headers=headers)
