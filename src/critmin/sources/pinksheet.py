"""World Bank Commodity Price Data ("Pink Sheet"), monthly workbook.

File: ``worldbank-pink-sheet/CMO-Historical-Data-Monthly.xlsx``, sheet
``Monthly Prices``. Layout (0-based rows): rows 0–3 title lines (row 3 says
``Updated on December 02, 2025``), row 4 series names, row 5 units
(``($/mt)``), row 6 series codes (``COPPER``; some are mixed case: ``Tin``,
``Zinc``), then one row per month with the date in column 0 as ``1960M01``.
Missing months are ``…`` (or ``...``) and are never turned into numbers.

:func:`read` emits dataset ``price``: per catalogue mineral the *annual mean of
the monthly nominal USD prices* (variable ``price``, country ``""``). A year with
all 12 months carries flag ``""``; a year with fewer (the current, incomplete
year, or a series gap) is kept with flag ``p`` and the month count in ``note``.
:func:`read_monthly` returns the monthly prices as a plain tidy DataFrame
(``mineral, date, price, unit``) for volatility measures.

Series → mineral: ALUMINUM→aluminium, COPPER, LEAD, TIN, NICKEL, ZINC,
IRON_ORE→iron_ore (USD per dry metric ton unit, i.e. per 1 % Fe per dry tonne),
GOLD, PLATINUM→platinum (the element, not platinum_group_metals), SILVER,
PHOSROCK→phosphate_rock, POTASH→potash (price of potassium chloride, KCl, per
tonne of product — not per tonne K2O).
"""
from __future__ import annotations

import io
import math
import re
from datetime import datetime
from pathlib import Path

import pandas as pd

from .. import schema
from ..errors import DataValidationError
from . import Source
from ._common import clip, one_line, parse_number, require_file

SOURCE = Source(
    id="pink_sheet",
    name="World Bank Commodity Price Data (The Pink Sheet), monthly prices",
    publisher="World Bank Prospects Group",
    licence="CC BY 4.0",
    attribution="World Bank, Commodity Price Data (The Pink Sheet), CC BY 4.0",
    files=("worldbank-pink-sheet/CMO-Historical-Data-Monthly.xlsx",),
    url="https://www.worldbank.org/en/research/commodity-markets",
)

SHEET = "Monthly Prices"
DEFAULT_EDITION = "CMO monthly"

#: Pink Sheet series code (upper case) → catalogue mineral id
SERIES: dict[str, str] = {
    "ALUMINUM": "aluminium",
    "COPPER": "copper",
    "LEAD": "lead",
    "TIN": "tin",
    "NICKEL": "nickel",
    "ZINC": "zinc",
    "IRON_ORE": "iron_ore",
    "GOLD": "gold",
    "PLATINUM": "platinum",
    "SILVER": "silver",
    "PHOSROCK": "phosphate_rock",
    "POTASH": "potash",
}

#: unit as printed in the units row (without parentheses) → critmin unit
UNITS: dict[str, str] = {
    "$/mt": "USD/t",
    "$/dmtu": "USD/dmtu",
    "$/troy oz": "USD/troy_oz",
    "$/kg": "USD/kg",
}

#: the first month of the series (the Pink Sheet starts in 1960M01)
FIRST_YEAR = 1960

_DATE = re.compile(r"^\s*(\d{4})M(\d{2})\s*$")
_UPDATED = re.compile(r"updated\s+(?:on\s+)?([A-Za-z]+\s+\d{1,2},\s*\d{4})", re.I)
_MISSING = {"…", "...", "", "..", "n/a", "na"}


def _fix(path: Path) -> str:
    return (f"pass the World Bank 'CMO-Historical-Data-Monthly.xlsx' unmodified; its sheet "
            f"'{SHEET}' must have series names in row 5, units in row 6 and codes in row 7 "
            f"(spreadsheet numbering), dates like '1960M01' below")


def _edition(rows: list[tuple], wb) -> str:
    texts = [str(c) for r in rows[:6] for c in r if isinstance(c, str)]
    if "Description" in wb.sheetnames:
        for i, r in enumerate(wb["Description"].iter_rows(values_only=True)):
            if i > 10:
                break
            texts += [str(c) for c in r if isinstance(c, str)]
    for t in texts:
        m = _UPDATED.search(t)
        if m:
            for fmt in ("%B %d, %Y", "%b %d, %Y", "%B %d,%Y"):
                try:
                    d = datetime.strptime(m.group(1), fmt)
                except ValueError:
                    continue
                return f"{DEFAULT_EDITION}, updated {d.day} {d.strftime('%b %Y')}"
    return DEFAULT_EDITION


def _load(path: str | Path) -> tuple[pd.DataFrame, str]:
    """Monthly prices of the catalogue series, long, plus the edition string.

    Columns: mineral, code, series, date, year, month, price, unit (rows with a
    missing price are dropped).
    """
    import openpyxl

    p = require_file(path, what="World Bank Pink Sheet")
    try:
        # from memory: a damaged sheet that fails mid-read leaves no open file handle behind
        wb = openpyxl.load_workbook(io.BytesIO(p.read_bytes()), read_only=True, data_only=True)
    except Exception as exc:  # noqa: BLE001 - not an xlsx at all, or a damaged zip
        raise DataValidationError("cannot open as an Excel workbook", file=str(p), found=one_line(exc),
                                  fix=_fix(p)) from None
    try:
        if SHEET not in wb.sheetnames:
            raise DataValidationError(f"sheet '{SHEET}' not found", file=str(p), field="sheet",
                                      found=[clip(n, 40) for n in wb.sheetnames[:12]],
                                      expected=f"a sheet named '{SHEET}'", fix=_fix(p))
        # a damaged sheet fails anywhere inside openpyxl (bad XML, 'ZZZZZZ' is not a valid column
        # name, int('NaN') for a row number ...): every such failure is one error naming the file
        try:
            rows = list(wb[SHEET].iter_rows(values_only=True))
            edition = _edition(rows, wb)
        except Exception as exc:  # noqa: BLE001
            raise DataValidationError(f"the workbook is damaged: cannot read sheet '{SHEET}'", file=str(p),
                                      field="sheet", found=one_line(exc), fix=_fix(p)) from None
    finally:
        wb.close()

    # the codes row sits right above the first month row ('1960M01'); units and names above it
    first = next((i for i, r in enumerate(rows[:40])
                  if r and isinstance(r[0], str) and _DATE.match(r[0])), None)
    if first is None or first < 3:
        raise DataValidationError(
            f"no month rows ('1960M01' in column A) below a names/units/codes header in sheet '{SHEET}'",
            file=str(p), field="sheet", found=[r[:4] for r in rows[:8]],
            expected="names, units and codes rows above the monthly data", fix=_fix(p))
    codes_row = first - 1
    names, unit_row, codes = rows[codes_row - 2], rows[codes_row - 1], rows[codes_row]
    upper = [str(c).strip().upper() if c is not None else "" for c in codes]
    missing = [c for c in SERIES if c not in upper]
    if missing:
        raise DataValidationError(
            f"series code(s) missing from the header of sheet '{SHEET}'", file=str(p),
            row=codes_row + 1, field="series code", found=missing,
            expected=f"all of {sorted(SERIES)}", fix=_fix(p))

    data = rows[first:]
    seen: set[tuple[str, int, int]] = set()

    out = []
    for code, mineral in SERIES.items():
        j = upper.index(code)
        raw_unit = str(unit_row[j] or "").strip().strip("()").strip()
        if raw_unit not in UNITS:
            raise DataValidationError(
                f"unit of Pink Sheet series {code} not recognised", file=str(p),
                row=codes_row, field=code, found=unit_row[j], expected=f"one of {sorted(UNITS)}",
                fix="add the unit to critmin.sources.pinksheet.UNITS (and critmin.units) or "
                    "pass the original file")
        unit = UNITS[raw_unit]
        series = re.sub(r"\s*\*+\s*$", "", str(names[j] or code)).strip()
        for k, r in enumerate(data):
            d = r[0] if r else None
            if d is None or (isinstance(d, str) and not d.strip()):
                continue
            m = _DATE.match(str(d))
            if not m:
                raise DataValidationError(
                    "date not of the form YYYYMmm", file=str(p), row=codes_row + 2 + k,
                    field="date", found=clip(d), expected="e.g. '1960M01'", fix=_fix(p))
            y, mo = int(m.group(1)), int(m.group(2))
            if not 1 <= mo <= 12 or not FIRST_YEAR <= y <= datetime.now().year + 1:
                raise DataValidationError(
                    "impossible month", file=str(p), row=codes_row + 2 + k, field="date", found=clip(d),
                    expected=f"YYYYMmm with a month 01..12 and a year {FIRST_YEAR}..{datetime.now().year + 1}",
                    fix=_fix(p))
            if (code, y, mo) in seen:
                raise DataValidationError(
                    "month listed twice (rows duplicated?)", file=str(p), row=codes_row + 2 + k,
                    field="date", found=clip(d), fix=_fix(p))
            seen.add((code, y, mo))
            raw = r[j] if j < len(r) else None
            if raw is None or (isinstance(raw, str) and raw.strip().lower() in _MISSING):
                continue
            v, flag = parse_number(raw)
            if not math.isfinite(v) or flag not in ("",):
                raise DataValidationError(
                    "price cell is neither a number nor the missing marker '…'", file=str(p),
                    row=codes_row + 2 + k, field=f"{code} ({series})", found=clip(raw),
                    expected="a number or '…'", fix="pass the original file, unmodified")
            if v < 0:
                raise DataValidationError(
                    "negative price", file=str(p), row=codes_row + 2 + k,
                    field=f"{code} ({series})", found=v, expected="a value >= 0",
                    fix="prices cannot be negative; pass the original file")
            out.append((mineral, code, series, pd.Timestamp(year=y, month=mo, day=1), y, mo, v, unit))
    df = pd.DataFrame(out, columns=["mineral", "code", "series", "date", "year", "month",
                                    "price", "unit"])
    return df, edition


def read_monthly(path: str | Path) -> pd.DataFrame:
    """Monthly nominal prices of the catalogue minerals, tidy.

    Columns ``mineral, date, price, unit``; ``date`` is the first day of the month
    (Timestamp). Missing months (``…``) are absent, never zero.
    """
    df, _ = _load(path)
    return df[["mineral", "date", "price", "unit"]].sort_values(
        ["mineral", "date"]).reset_index(drop=True)


def read(path: str | Path) -> pd.DataFrame:
    """Annual means of the monthly Pink Sheet prices as ``price`` observations."""
    df, edition = _load(path)
    g = (df.groupby(["mineral", "code", "series", "unit", "year"], observed=True)
           .agg(value=("price", "mean"), n=("price", "size"), months=("month", list))
           .reset_index())
    notes, flags = [], []
    for r in g.itertuples(index=False):
        base = f"Pink Sheet {r.code} '{r.series}': annual mean of {r.n} monthly prices"
        if r.n < 12:
            gone = sorted(set(range(1, 13)) - set(r.months))
            base += " (partial year; missing months " + ", ".join(
                f"{r.year}M{mo:02d}" for mo in gone) + ")"
            flags.append("p")
        else:
            flags.append("")
        if r.mineral == "potash":
            base += "; potassium chloride (KCl) per tonne of product"
        elif r.mineral == "iron_ore":
            base += "; per dry metric ton unit (1% Fe per dry tonne)"
        notes.append(base)
    out = pd.DataFrame({
        "dataset": "price",
        "mineral": g["mineral"],
        "year": g["year"].astype(int),
        "variable": "price",
        "value": g["value"].astype(float),
        "unit": g["unit"],
        "source": SOURCE.id,
        "edition": edition,
        "flag": flags,
        "note": notes,
    })
    out = out.sort_values(["mineral", "year"]).reset_index(drop=True)
    return schema.validate(out, file=str(path))
