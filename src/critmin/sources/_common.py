"""Helpers shared by the source importers: number parsing with flags, file checks."""
from __future__ import annotations

import contextlib
import hashlib
import math
import re
from pathlib import Path

import numpy as np
import pandas as pd

from ..errors import DataValidationError

_NUM = re.compile(r"^\s*([<>~]?)\s*(-?[\d,]*\.?\d+(?:[eE][-+]?\d+)?)\s*(e|r|p)?\s*$")

#: tokens that mean "no number" and the flag they leave
MISSING_TOKENS = {
    "w": "W",            # withheld to avoid disclosing company data
    "na": "NA", "n/a": "NA", "nan": "NA", "none": "NA", "": "NA", "...": "NA", "…": "NA",
    "xx": "XX",          # not applicable
    "--": "NA", "-": "NA",
    "large": "large", "moderate": "moderate", "small": "small", "very small": "small",
    "moderate to large": "moderate", "included in world total": "in_world",
    "included with other countries": "in_other",
}
ZERO_TOKENS = {"—", "nil", "0", "zero"}


def parse_number(raw: object) -> tuple[float, str]:
    """Parse a source cell into ``(value, flag)``; missing stays NaN with a flag.

    ``'1,234'`` → (1234.0, ''); ``'W'`` → (nan, 'W'); ``'<0.5'`` → (0.5, '<');
    ``'>90000000'`` → (9e7, '>'); ``'—'`` → (0.0, ''); ``'e'`` suffixes give flag 'e'.

    >>> parse_number("1,234")
    (1234.0, '')
    >>> parse_number("W")
    (nan, 'W')
    >>> parse_number("<0.5")
    (0.5, '<')
    """
    if raw is None:
        return math.nan, "NA"
    if isinstance(raw, (int, float, np.integer, np.floating)):
        v = float(raw)
        return (v, "") if not math.isnan(v) else (math.nan, "NA")
    s = str(raw).replace("\xa0", " ").strip()
    low = s.lower()
    if low in ZERO_TOKENS:
        return 0.0, ""
    if low in MISSING_TOKENS:
        return math.nan, MISSING_TOKENS[low]
    m = _NUM.match(s)
    if not m:
        return math.nan, "NA"
    bound, num, suffix = m.groups()
    return float(num.replace(",", "")), (bound or "") + (suffix or "")


def parse_numbers(values: pd.Series, *, strict: bool = False, file: str | None = None,
                  field: str | None = None, row_base: int = 2) -> tuple[pd.Series, pd.Series]:
    """Vectorised-enough :func:`parse_number` over a Series → (values, flags).

    ``strict=True``: a cell that is neither a number nor one of the documented tokens
    (:data:`MISSING_TOKENS`, :data:`ZERO_TOKENS`), or a number that is not finite (``1e400``,
    ``inf``), raises :class:`DataValidationError` naming ``file``, the row (index + ``row_base``)
    and ``field`` — instead of silently becoming missing.
    """
    uniq = pd.unique(values.astype(object))
    table = {u: parse_number(u) for u in uniq}
    if strict:
        for u, (v, flag) in table.items():
            garbage = math.isnan(v) and flag == "NA" and not _is_missing_token(u)
            if garbage or math.isinf(v):
                i = int(np.flatnonzero((values.astype(object) == u).to_numpy())[0]) if not pd.isna(u) else 0
                raise DataValidationError(
                    "not a finite number" if math.isinf(v) else "not a number", file=file,
                    row=int(values.index[i]) + row_base if isinstance(values.index[i], (int, np.integer))
                    else None, field=field, found=clip(u),
                    expected="a finite number or a documented missing marker (W, NA, --, …)",
                    fix="the file may be damaged or edited; download it again")
    vals = values.astype(object).map(lambda u: table[u][0]).astype("float64")
    flags = values.astype(object).map(lambda u: table[u][1]).astype(str)
    return vals, flags


def _is_missing_token(raw: object) -> bool:
    if raw is None or (isinstance(raw, float) and math.isnan(raw)):
        return True
    return str(raw).replace("\xa0", " ").strip().lower() in MISSING_TOKENS


def clip(value: object, n: int = 80) -> str:
    """``value`` as one short line for an error message (never the whole input)."""
    s = " ".join(str(value).split())
    return s if len(s) <= n else s[:n] + "…"


def one_line(exc: BaseException) -> str:
    """An exception's message on one line, at most 200 characters."""
    return clip(f"{type(exc).__name__}: {exc}", 200)


def decode_text(path: Path, encodings: tuple[str, ...], *, what: str) -> str:
    """The text of ``path`` in the first of ``encodings`` that decodes it; else a clear error.

    Binary content (NUL bytes) is refused: no text encoding of a source file holds them.
    """
    raw = Path(path).read_bytes()
    if b"\x00" in raw:
        raise DataValidationError(f"not a text file (NUL bytes) — this does not look like {what}",
                                  file=str(path), fix=f"pass {what}, unmodified (UTF-8 or the "
                                  "publisher's encoding, not UTF-16 or a binary file)")
    for enc in encodings:
        try:
            return raw.decode(enc)
        except UnicodeDecodeError as exc:
            last = exc
    raise DataValidationError(f"cannot decode the file as {' or '.join(encodings)}", file=str(path),
                              found=f"byte {raw[last.start]:#04x} at offset {last.start}",
                              expected=f"text in {' or '.join(encodings)}",
                              fix=f"pass {what} in its original encoding, unmodified")


def read_csv_safely(path: str | Path, *, what: str, encodings: tuple[str, ...] = ("utf-8-sig",),
                    fix: str | None = None) -> pd.DataFrame:
    """A source CSV as strings (no NA guessing), or a :class:`DataValidationError` naming the file.

    Refuses: an empty or blank file, undecodable or binary bytes, rows with more or fewer fields
    than the header (a truncated or edited file), and the header repeated as a data row (two files
    concatenated). ``what`` names the format in messages.
    """
    import csv
    import io

    p = Path(path)
    fix = fix or f"pass {what}, unmodified; download it again if it may be truncated"
    text = decode_text(p, encodings, what=what)
    if not text.strip():
        raise DataValidationError(f"the file holds no data — this does not look like {what}", file=str(p),
                                  fix=fix)
    try:
        df = pd.read_csv(io.StringIO(text), dtype=str, keep_default_na=False, header=None,
                         index_col=False, skip_blank_lines=True)
    except (pd.errors.ParserError, pd.errors.EmptyDataError, csv.Error, ValueError) as exc:
        raise DataValidationError(f"cannot parse the CSV ({clip(exc, 160)})", file=str(p), fix=fix) from None
    header = [str(c).replace("\ufeff", "").strip() for c in df.iloc[0]]
    df = df.iloc[1:].reset_index(drop=True)
    df.columns = header
    short = df.isna().any(axis=1)
    if short.any():
        i = int(np.flatnonzero(short.to_numpy())[0])
        raise DataValidationError("row has fewer fields than the header (truncated or edited file?)",
                                  file=str(p), row=i + 2, found=f"{int(df.iloc[i].notna().sum())} of "
                                  f"{len(header)} fields", fix=fix)
    again = (df.apply(lambda c: c.str.replace("\ufeff", "").str.strip()) == header).all(axis=1)
    if len(df) and again.any():
        i = int(np.flatnonzero(again.to_numpy())[0])
        raise DataValidationError("the header row appears again inside the data (two files "
                                  "concatenated?)", file=str(p), row=i + 2, fix=fix)
    return df


def refuse_duplicate_rows(df: pd.DataFrame, columns: list[str] | None = None, *, file: str,
                          row_base: int = 2, what: str = "row") -> None:
    """Raise if two rows are identical on ``columns`` (all columns by default).

    No source of critmin lists one record twice; a repeated one means a file concatenated with
    itself or edited, and importing it would double the figure.
    """
    if df.empty:
        return
    dup = df.duplicated(columns, keep="first") if columns else df.duplicated(keep="first")
    if not dup.any():
        return
    # blank rows (spreadsheet padding: ',,,,') repeat in the real files and carry no record
    sub = df.loc[dup, columns or list(df.columns)]
    blank = (sub.astype(str).apply(lambda c: c.str.strip()) == "").all(axis=1) | sub.isna().all(axis=1)
    dup.loc[blank.index[blank.to_numpy()]] = False
    if dup.any():
        i = int(np.flatnonzero(dup.to_numpy())[0])
        first = int(np.flatnonzero(
            (df[columns or list(df.columns)] == df[columns or list(df.columns)].iloc[i]).all(axis=1).to_numpy())[0])
        key = {c: clip(df[c].iat[i], 40) for c in (columns or list(df.columns)[:6])}
        raise DataValidationError(f"duplicate {what}: the same record appears twice (file concatenated "
                                  "with itself or edited?)", file=file, row=_row(df, i, row_base),
                                  field=", ".join(columns) if columns else None,
                                  found=f"{key} (first at row {_row(df, first, row_base)})",
                                  fix="remove the repeated rows or download the file again; "
                                      "critmin never sums repeated records")


def _row(df: pd.DataFrame, i: int, row_base: int) -> int:
    ix = df.index[i]
    return int(ix) + row_base if isinstance(ix, (int, np.integer)) else i + row_base


@contextlib.contextmanager
def sqlite_reading(path: str | Path, *, what: str):
    """Open an SQLite source read-only, integrity-checked; any SQLite error → one clear error.

    Yields the connection. A file that is not SQLite, truncated, with corrupt pages or an
    undecodable text cell raises :class:`DataValidationError` naming the file and the fix.
    """
    import sqlite3

    p = Path(path)
    fix = f"pass {what}, unmodified; download it again (it may be truncated or damaged)"
    with open(p, "rb") as fh:
        if fh.read(16) != b"SQLite format 3\x00":
            raise DataValidationError(f"not an SQLite database — this does not look like {what}",
                                      file=str(p), fix=fix)
    con = sqlite3.connect(f"file:{p}?mode=ro", uri=True)
    try:
        try:
            ok = con.execute("pragma quick_check").fetchall()
        except (sqlite3.DatabaseError, UnicodeDecodeError) as exc:   # a damaged schema's message may not decode
            raise DataValidationError(f"damaged SQLite database ({clip(exc, 120)})", file=str(p),
                                      fix=fix) from None
        if ok != [("ok",)]:
            raise DataValidationError("damaged SQLite database (integrity check failed)", file=str(p),
                                      found=clip(ok[0][0] if ok else "", 120), fix=fix)
        try:
            yield con
        except (sqlite3.Error, pd.errors.DatabaseError, UnicodeDecodeError, OverflowError) as exc:
            raise DataValidationError(f"cannot read the SQLite database ({one_line(exc)})", file=str(p),
                                      fix=fix) from None
    finally:
        con.close()


def sha256(path: str | Path) -> str:
    """SHA-256 of a file, hex."""
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def require_columns(df: pd.DataFrame, needed: list[str], *, file: str, what: str) -> None:
    """Raise a clear error if ``df`` lacks columns a source format must have."""
    missing = [c for c in needed if c not in df.columns]
    if missing:
        raise DataValidationError(
            f"missing column(s) {missing} — this does not look like {what}", file=file,
            field=", ".join(missing), found=list(df.columns)[:12],
            fix=f"pass the original {what} file, unmodified")


def require_file(path: str | Path, *, what: str) -> Path:
    p = Path(path)
    if not p.is_file():
        raise DataValidationError(f"{what} file not found", file=str(p),
                                  fix="check the path (raw files live in ../shared/data/raw)")
    if p.stat().st_size == 0:
        raise DataValidationError(f"{what} file is empty", file=str(p),
                                  fix="download the file again; it may be truncated")
    return p
