"""Reading the user's own input files (self-sufficiency template, company import mix): one boundary.

Every problem ends in a :class:`~critmin.errors.DataValidationError` naming the file, the row and
the field, what was found (quoted to at most :data:`QUOTE` characters) and the fix — never a
traceback:

* size: a file larger than :data:`MAX_BYTES`, a row count above :data:`MAX_ROWS` or a cell longer
  than :data:`MAX_CELL` characters is refused before it is parsed further;
* encoding (CSV): UTF-8 with or without a byte-order mark, else Shift-JIS (Windows code page 932,
  what Excel writes on a Japanese system); :attr:`Table.encoding` says which was used. Binary
  content (NUL bytes) and text in neither encoding are refused;
* Excel (``.xlsx``/``.xlsm``): the first sheet, cells as text; a file that is not a readable
  workbook (truncated, renamed, corrupt) is refused;
* header: empty, duplicate (case-insensitive) or missing column names are refused.
"""
from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field
from pathlib import Path

from .errors import DataValidationError

#: Largest input file read, bytes (a company's import book or a template is far smaller).
MAX_BYTES = 20_000_000
#: Most data rows read from one file.
MAX_ROWS = 200_000
#: Longest cell, characters.
MAX_CELL = 2_000
#: Characters of a cell quoted in an error message.
QUOTE = 80
#: Encodings tried in order for CSV text.
ENCODINGS = ("utf-8-sig", "cp932")
ENCODING_NAMES = {"utf-8-sig": "UTF-8", "cp932": "Shift-JIS (cp932)"}
EXCEL = (".xlsx", ".xlsm")


def quote(v: object, n: int = QUOTE) -> str:
    """``v`` as text, cut to ``n`` characters (error messages never echo a whole input)."""
    s = str(v)
    return s if len(s) <= n else s[: n - 1] + "…"


@dataclass
class Table:
    """The rows of a user file as text: ``rows`` = [(row number as the file shows it, cells)]."""

    file: str
    rows: list[tuple[int, list[str]]]
    encoding: str
    notes: list[str] = field(default_factory=list)


def decode(data: bytes, file: str) -> tuple[str, str]:
    """Text of ``data`` and the encoding used (UTF-8 with/without BOM, else cp932)."""
    if data[:2] in (b"\xff\xfe", b"\xfe\xff"):
        raise DataValidationError("the file is UTF-16 text, which is not read", file=file,
                                  fix="save it as 'CSV UTF-8' (or Shift-JIS) from your spreadsheet")
    if b"\x00" in data[:1_000_000]:
        raise DataValidationError("the file is binary, not text (it holds NUL bytes)", file=file,
                                  fix="save it as CSV (UTF-8 or Shift-JIS) or as .xlsx from your spreadsheet")
    for enc in ENCODINGS:
        try:
            return data.decode(enc), enc
        except UnicodeDecodeError as exc:
            err = exc
    line = data[: err.start].count(b"\n") + 1
    raise DataValidationError("the file is neither UTF-8 nor Shift-JIS text", file=file, row=line,
                              found=f"byte 0x{data[err.start]:02x} at offset {err.start}",
                              fix="save it as CSV UTF-8 (or Shift-JIS) from your spreadsheet")


def _check_size(p: Path, file: str) -> None:
    if not p.is_file():
        raise DataValidationError("file not found", file=file, fix="check the path")
    size = p.stat().st_size
    if size == 0:
        raise DataValidationError("the file is empty", file=file, fix="give the filled file")
    if size > MAX_BYTES:
        raise DataValidationError(f"the file is too large ({size:,} bytes; the limit is {MAX_BYTES:,})",
                                  file=file, fix="split it, or keep only the rows the command needs")


def _check_cells(rows: list[tuple[int, list[str]]], file: str, header: list[str] | None = None) -> None:
    if len(rows) > MAX_ROWS + 1:
        raise DataValidationError(f"too many rows ({len(rows) - 1:,}; the limit is {MAX_ROWS:,})", file=file,
                                  fix="aggregate the rows (one per mineral, partner and year is enough)")
    for n, r in rows:
        for j, c in enumerate(r):
            if len(c) > MAX_CELL:
                col = header[j] if header and j < len(header) else None
                raise DataValidationError(f"a cell is too long ({len(c):,} characters; the limit is {MAX_CELL:,})",
                                          file=file, row=n, field=col or f"column {j + 1}", found=quote(c, 40),
                                          fix="check that the file is the right one and that quotes are closed")


def read_rows(path: str | Path, *, comment: str | None = None) -> Table:
    """The non-empty rows of a CSV or Excel file as text (lines starting with ``comment`` dropped)."""
    p = Path(path)
    file = str(p)
    _check_size(p, file)
    if p.suffix.lower() == ".xls":
        raise DataValidationError("old Excel .xls files are not read", file=file,
                                  fix="save the sheet as .xlsx or CSV")
    if p.suffix.lower() in EXCEL:
        rows, enc = _excel_rows(p, file), "xlsx"
    else:
        text, enc = decode(p.read_bytes(), file)
        rows = []
        reader = csv.reader(io.StringIO(text, newline=""))
        try:
            for r in reader:
                rows.append((reader.line_num, r))
                if len(rows) > MAX_ROWS + 50:
                    break
        except csv.Error as exc:
            msg = str(exc)
            what = (f"a cell is too long (over {csv.field_size_limit():,} characters; an unclosed quote?)"
                    if "field larger" in msg else f"malformed CSV ({quote(msg)})")
            raise DataValidationError(what, file=file, row=reader.line_num + 1,
                                      fix="check the quotes on that row; save the file again as CSV") from None
    rows = [(n, [str(c).strip() for c in r]) for n, r in rows
            if r and any(str(c).strip() for c in r) and not (comment and str(r[0]).lstrip().startswith(comment))]
    _check_cells(rows, file)
    t = Table(file, rows, enc)
    if enc == "cp932":
        t.notes.append(f"{file} read as Shift-JIS (cp932): it is not UTF-8")
    return t


def _excel_rows(p: Path, file: str) -> list[tuple[int, list[str]]]:
    import zipfile

    try:
        import openpyxl
    except ImportError:  # pragma: no cover - a declared dependency
        raise DataValidationError("reading Excel needs openpyxl", file=file, fix="pip install openpyxl") from None
    if not zipfile.is_zipfile(p):
        raise DataValidationError("not a readable Excel workbook (.xlsx is a zip archive; this file is not one)",
                                  file=file, fix="open it in your spreadsheet and save it again as .xlsx or CSV")
    try:
        with zipfile.ZipFile(p) as z:
            unpacked = sum(i.file_size for i in z.infolist())
        if unpacked > 20 * MAX_BYTES:
            raise DataValidationError(f"the workbook unpacks to {unpacked:,} bytes (limit {20 * MAX_BYTES:,})",
                                      file=file, fix="keep only the sheet the command reads")
        wb = openpyxl.load_workbook(p, read_only=True, data_only=True)
        try:
            ws = wb.worksheets[0]
            rows = []
            for i, r in enumerate(ws.iter_rows(values_only=True), 1):
                rows.append((i, ["" if v is None else str(v) for v in r]))
                if len(rows) > MAX_ROWS + 50:
                    break
        finally:
            wb.close()
    except DataValidationError:
        raise
    except Exception as exc:  # noqa: BLE001 - openpyxl/zipfile raise many types on a corrupt file
        raise DataValidationError(f"not a readable Excel workbook ({type(exc).__name__}: {quote(exc)})",
                                  file=file, fix="open it in your spreadsheet and save it again as .xlsx or CSV"
                                  ) from None
    return rows


def header(table: Table, expected: list[str] | tuple[str, ...]) -> list[str]:
    """The first row as lower-case column names; empty or duplicate names refused."""
    if not table.rows:
        raise DataValidationError("the file has no header row", file=table.file,
                                  expected=",".join(expected), fix="start from the example or the template")
    n, cells = table.rows[0]
    names = [c.strip().lower() for c in cells]
    while names and not names[-1]:
        names.pop()
    seen: dict[str, int] = {}
    for j, c in enumerate(names):
        if not c:
            continue
        if c in seen:
            raise DataValidationError("a column name appears twice in the header", file=table.file, row=n,
                                      field=quote(c, 40), found=f"columns {seen[c] + 1} and {j + 1}",
                                      fix="delete or rename one of the two columns")
        seen[c] = j
    return names
