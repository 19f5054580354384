"""Helpers shared by the source importers: number parsing with flags, file checks."""
from __future__ import annotations

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


def parse_numbers(values: pd.Series) -> tuple[pd.Series, pd.Series]:
    """Vectorised-enough :func:`parse_number` over a Series → (values, flags)."""
    uniq = pd.unique(values.astype(object))
    table = {u: parse_number(u) for u in uniq}
    vals = values.astype(object).map(lambda u: table[u][0]).astype("float64")
    flags = values.astype(object).map(lambda u: table[u][1]).astype(str)
    return vals, flags


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
