"""``/api/v1/users/{user}/...``: confidential inputs, for their authenticated owner only.

Stock levels and self-sufficiency rows are sent in the request body (never in the URL, which
access logs record), validated, kept in this process's memory per user (:class:`~critmin.web.auth.Vault`)
and used only in answers to that user: 401 without credentials, 403 for another user's path.
A company import file (CSV or .xlsx, the body of ``POST .../company``) is read in memory,
assessed and forgotten: it is kept nowhere.
Answers carry ``Cache-Control: no-store``. Nothing here is cached or logged.
"""
from __future__ import annotations

import math

from fastapi import APIRouter, Depends, HTTPException, Path, Query, Request
from pydantic import BaseModel, ConfigDict, Field

from ...errors import DataValidationError
from ._common import DOC, ISO3, computed, minerals_of
from .scenarios import DisruptParams, importance_of, run_disrupt

router = APIRouter(prefix="/api/v1/users", tags=["confidential (authenticated)"])

CHALLENGE = {"WWW-Authenticate": 'Basic realm="critmin", charset="UTF-8"'}
AUTH = {401: {"description": "no or invalid credentials"}, 403: {"description": "another user's data"}}


def current_user(request: Request) -> str | None:
    """The authenticated user, None without credentials; 401 for invalid ones."""
    try:
        return request.app.state.auth(request.headers.get("authorization"))
    except ValueError:
        raise HTTPException(401, [{"msg": "invalid credentials", "fix": "check the user name and password or "
                                                                        "the token"}], headers=CHALLENGE) from None


def owner(request: Request, user: str = Path(..., pattern=r"^[\w.\-@]{1,64}$")) -> str:
    """The path's user, who must be the authenticated one (401 without credentials, 403 otherwise)."""
    who = current_user(request)
    if who is None:
        raise HTTPException(401, [{"msg": "authentication required for confidential data",
                                   "fix": "send HTTP Basic credentials or a bearer token"}], headers=CHALLENGE)
    if who != user:
        raise HTTPException(403, [{"msg": "this is another user's data", "fix": f"use /api/v1/users/{who}/..."}])
    return who


# -- stocks ------------------------------------------------------------------------------------------

class StockRow(BaseModel):
    model_config = ConfigDict(extra="forbid")

    mineral: str = Field(..., min_length=1, max_length=40)
    stock_t: float = Field(..., ge=0, le=1e12)
    location: str = Field("", max_length=200)
    holder: str = Field("", max_length=100)
    target_days: float | None = Field(None, ge=0, le=3650)
    note: str = Field("", max_length=500)


class Stocks(BaseModel):
    """Stock levels (the columns of a stock file: `critmin stockpile plan --stocks FILE`)."""

    model_config = ConfigDict(extra="forbid")

    rows: list[StockRow] = Field(..., min_length=1)


def stocks_frame(rows: list[StockRow], request: Request):
    """The :func:`critmin.stockpile.read_stocks` table of validated rows (rows numbered from 1)."""
    import pandas as pd

    from ...catalogue import check_mineral

    lim = request.app.state.limits.max_rows
    if len(rows) > lim:
        raise DataValidationError("too many rows", field="rows", found=len(rows), expected=f"at most {lim}")
    recs = []
    for i, r in enumerate(rows):
        recs.append({"mineral": check_mineral(r.mineral, field=f"rows.{i}.mineral"), "stock_t": float(r.stock_t),
                     "target_days": math.nan if r.target_days is None else float(r.target_days),
                     "location": r.location, "holder": r.holder, "note": r.note, "row": i + 1})
    df = pd.DataFrame(recs)
    df.attrs["file"] = "request body"
    return df


@router.put("/{user}/stocks", responses=AUTH, summary="Store your stock levels (in memory)")
def put_stocks(body: Stocks, request: Request, user: str = Depends(owner)) -> dict:
    df = stocks_frame(body.rows, request)
    request.app.state.vault.put(user, "stocks", df)
    return {"user": user, "rows": len(df), "minerals": sorted(set(df["mineral"]))}


@router.get("/{user}/stocks", responses=AUTH, summary="Your stock levels")
def get_stocks(request: Request, user: str = Depends(owner)) -> dict:
    df = request.app.state.vault.get(user, "stocks")
    if df is None:
        raise HTTPException(404, [{"msg": "no stock levels stored", "fix": f"PUT /api/v1/users/{user}/stocks"}])
    return {"user": user, "rows": [{k: (None if isinstance(v, float) and math.isnan(v) else v)
                                    for k, v in r.items() if k != "row"} for r in df.to_dict("records")]}


@router.delete("/{user}/stocks", responses=AUTH, summary="Forget your stock levels")
def delete_stocks(request: Request, user: str = Depends(owner)) -> dict:
    return {"user": user, "deleted": request.app.state.vault.drop(user, "stocks")}


def _stocks(request: Request, user: str):
    df = request.app.state.vault.get(user, "stocks")
    if df is None:
        raise HTTPException(409, [{"msg": "no stock levels stored for this user",
                                   "fix": f"PUT /api/v1/users/{user}/stocks first"}])
    return df


class PlanParams(BaseModel):
    model_config = ConfigDict(extra="forbid")

    country: str = Field("JPN", pattern=ISO3)
    year: int | None = Field(None, ge=1990, le=2100)
    mineral: list[str] | None = None
    importance: list[str] | None = Field(None, description="MINERAL=W or one W")
    base_days: float = Field(60.0, gt=0, le=3650)
    risk_gain: float = Field(2.0, ge=0, le=100)
    cap_days: float = Field(180.0, gt=0, le=3650)
    window: int = Field(5, ge=1, le=20)


@router.post("/{user}/stockpile/plan", responses={**DOC, **AUTH},
             summary="Stockpile plan with your stock levels (stock, stock days, gap)")
def plan_with_stocks(p: PlanParams, request: Request, user: str = Depends(owner)):
    """`critmin stockpile plan --stocks FILE --show-confidential --format json`, with the stored stocks."""
    st = _stocks(request, user)
    mins = minerals_of(p.mineral, request)
    imp = importance_of(p.importance)

    def run():
        from ... import stockpile as sp

        plan = sp.plan(p.country, p.year, mins, stocks=st, importance=imp, base_days=p.base_days,
                       risk_gain=p.risk_gain, cap_days=p.cap_days, window=p.window)
        return sp.to_json(plan, show_confidential=True)

    return computed(request, run)


@router.post("/{user}/disrupt", responses={**DOC, **AUTH}, summary="An export stop against your stock levels")
def disrupt_with_stocks(p: DisruptParams, request: Request, user: str = Depends(owner)):
    """`critmin disrupt --stocks FILE --show-confidential --format json`, with the stored stocks."""
    st = _stocks(request, user)
    return computed(request, lambda: run_disrupt(p, request, stocks=st, show_confidential=True))


# -- self-sufficiency -----------------------------------------------------------------------------------

class SelfSufficiency(BaseModel):
    """Rows of the self-sufficiency template (`critmin selfsufficiency --template`), as JSON objects."""

    model_config = ConfigDict(extra="forbid")

    rows: list[dict[str, str | float | int | None]] = Field(..., min_length=1)
    estimate: bool = Field(True, description="fill a missing ③ or demand from public data, labelled")
    country: str = Field("JPN", pattern=ISO3)
    year: int | None = Field(None, ge=1990, le=2100)


@router.post("/{user}/selfsufficiency", responses={**DOC, **AUTH},
             summary="Self-sufficiency ratio (equity basis) from your template rows")
def selfsufficiency(body: SelfSufficiency, request: Request, user: str = Depends(owner)):
    """`critmin selfsufficiency --input FILE --format json`; the rows are kept for this user only."""
    import pandas as pd

    from ... import selfsufficiency as ss

    lim = request.app.state.limits.max_rows
    if len(body.rows) > lim:
        raise DataValidationError("too many rows", field="rows", found=len(body.rows), expected=f"at most {lim}")
    extra = sorted({k for r in body.rows for k in r} - set(ss.TEMPLATE_COLUMNS))
    if extra:
        raise DataValidationError("unknown column", field=f"rows.{extra[0]}",
                                  expected=f"columns among {list(ss.TEMPLATE_COLUMNS)}",
                                  fix="rename or remove the column")
    table = pd.DataFrame([{c: ("" if r.get(c) is None else str(r.get(c))) for c in ss.TEMPLATE_COLUMNS}
                          for r in body.rows])
    table = ss.validate(table, file="request body")
    request.app.state.vault.put(user, "selfsufficiency", table)
    return computed(request, lambda: ss.to_json(ss.compute(table, estimate=body.estimate, country=body.country,
                                                           year=body.year)))


# -- company import file --------------------------------------------------------------------------------

#: media types of an uploaded company file (the body is the file's bytes as they are)
UPLOAD_TYPES = ("text/csv", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                "application/octet-stream")
UPLOAD_BODY = {"requestBody": {"required": True, "description": "the file's bytes: CSV (UTF-8, UTF-8 with BOM "
                               "or Shift-JIS/cp932) or Excel .xlsx (first sheet), with the columns mineral, "
                               "country, quantity, value, year (as `critmin company FILE`)",
                               "content": {t: {"schema": {"type": "string", "format": "binary"}}
                                           for t in UPLOAD_TYPES}}}


def _upload_name(request: Request) -> str:
    """The file name of ``Content-Disposition: ...; filename="..."`` (only quoted in error messages
    and used to tell .xlsx from CSV), else ``upload``."""
    import re

    cd = request.headers.get("content-disposition", "")
    m = re.search(r'filename\*?=(?:UTF-8\'\')?"?([^";]{1,120})"?', cd, flags=re.I)
    if not m:
        return "upload"
    from urllib.parse import unquote

    name = unquote(m.group(1)).replace("\\", "/").rsplit("/", 1)[-1].strip()
    return "".join(ch for ch in name if ch.isprintable())[:120] or "upload"


@router.post("/{user}/company", responses={**DOC, **AUTH, 413: {"description": "file over max_upload_bytes"}},
             openapi_extra=UPLOAD_BODY,
             summary="Assess your company's import mix from its import file (CSV or .xlsx)")
async def company(request: Request, user: str = Depends(owner),
                  year: int | None = Query(None, ge=1950, le=2100, description="the year assessed "
                                                                              "(default: every year of the file)")):
    """`critmin company FILE --format json` on the uploaded file: ``{"records": [...]}``.

    Send the file's bytes as the body (``curl --data-binary @imports.csv -H 'Content-Type: text/csv'``;
    a ``Content-Disposition`` file name is optional). Read in memory, never stored, logged or cached;
    at most ``max_upload_bytes``. The header ``X-Critmin-Encoding`` says how the file was read."""
    from starlette.concurrency import run_in_threadpool

    data = await request.body()
    name = _upload_name(request)

    def read():
        from ...methods.company import read_bytes

        return read_bytes(data, name)

    df = await run_in_threadpool(read)

    def run():
        from ...commands.methods import records_json
        from ...methods.company import assess_company
        from ...supply import SupplyData

        try:
            r = assess_company(df, year=year, supply=SupplyData.cached())
        except DataValidationError as e:
            if e.field != "--year":
                raise
            raise DataValidationError(e.what, field="year", found=e.found, expected=e.expected, fix=e.fix) from None
        return {"records": records_json(r, list(r.columns))}

    enc = str(df.attrs.get("encoding", ""))
    return await run_in_threadpool(computed, request, run, {"X-Critmin-Encoding": enc.encode("ascii", "replace")
                                                            .decode("ascii")})
