"""USGS MCS 2024 lithium tables as compiled by P. Busch (GitHub pmbusch/Critical-Minerals-EV).

Two files of the same compilation are accepted by :func:`read`:

* ``USGS2024.xlsx`` — sheet ``Production_Li`` (Country, Year, USGS_production:
  lithium mine production 2022–2023, t Li), sheet ``Lithium`` (lithium
  reserves by country, MCS2024, t Li; the resources column is not taken) and
  sheet ``Data`` (world reserves of Li, Ni, Co, Mn; taken as ``WLD`` rows);
* ``USGS_Production.csv`` — the production table alone.

Reserves carry year 2023 (the MCS2024 reserve estimate year). Edition
``"MCS2024 (via pmbusch)"``. The ``Data`` sheet's phosphorus figure (phosphate
rock converted to P by the compiler) is not taken.
"""
from __future__ import annotations

from pathlib import Path

import pandas as pd

from .. import schema
from ..countries import iso3_names, to_iso3
from ..errors import DataValidationError, UnknownNameError, did_you_mean
from . import Source
from ._common import parse_numbers, require_columns, require_file

SOURCE = Source(
    id="busch_usgs2024",
    name="USGS MCS 2024 lithium production and reserves (compiled by P. Busch)",
    publisher="U.S. Geological Survey (compiled by P. Busch, Critical-Minerals-EV)",
    licence="Public domain data (USGS); compilation MIT (P. Busch)",
    attribution="U.S. Geological Survey, Mineral Commodity Summaries 2024; compiled by P. Busch, "
                "github.com/pmbusch/Critical-Minerals-EV (Data/Supply Model)",
    files=("pmbusch-critical-minerals-ev/USGS2024.xlsx",
           "pmbusch-critical-minerals-ev/USGS_Production.csv"),
    url="https://github.com/pmbusch/Critical-Minerals-EV",
)

EDITION = "MCS2024 (via pmbusch)"
RESERVE_YEAR = 2023
WORLD_RESERVES = {"lithium": "lithium", "nickel": "nickel", "cobalt": "cobalt",
                  "manganese": "manganese"}


def _iso3(names: pd.Series, file: str) -> pd.Series:
    """Country names → ISO3; an unknown name is an error naming the row ('did you mean')."""
    known = iso3_names()
    codes = pd.Series(to_iso3([str(n).strip() for n in names], strict=False), index=names.index)
    for i, (n, c) in enumerate(zip(names, codes)):
        if c not in known:   # some converter versions hand an unknown name back unchanged
            raise UnknownNameError(f"unknown country name{did_you_mean(str(n), known.values())}",
                                   file=file, row=i + 2, field="Country", found=str(n),
                                   fix="use a standard English country name")
    return codes


def _check(vals: pd.Series, *, file: str, field: str, offset: int = 2) -> None:
    neg = vals < 0
    if neg.any():
        i = vals.index[neg.to_numpy().nonzero()[0][0]]
        raise DataValidationError("negative quantity", file=file, row=int(i) + offset, field=field,
                                  found=float(vals[i]), expected="a value >= 0",
                                  fix="quantities cannot be negative; correct the sign or drop the row")


def _production(df: pd.DataFrame, file: str) -> pd.DataFrame:
    require_columns(df, ["Country", "Year", "USGS_production"], file=file,
                    what="the pmbusch USGS lithium production table")
    vals, flags = parse_numbers(df["USGS_production"])
    _check(vals, file=file, field="USGS_production")
    year = pd.to_numeric(df["Year"], errors="coerce")
    iso = _iso3(df["Country"], file)
    keep = vals.notna() & year.notna() & (iso != "")
    return pd.DataFrame({
        "dataset": "mine_production", "mineral": "lithium", "stage": "mine",
        "country": iso[keep], "year": year[keep].astype(int), "variable": "quantity",
        "value": vals[keep], "unit": "t", "basis": "metal", "flag": flags[keep],
        "note": "lithium content (USGS MCS2024 via pmbusch)",
    })


def _reserves(df: pd.DataFrame, file: str) -> pd.DataFrame:
    require_columns(df, ["Country", "Reserves"], file=file,
                    what="the pmbusch USGS lithium reserves table")
    vals, flags = parse_numbers(df["Reserves"])
    _check(vals, file=file, field="Reserves")
    iso = _iso3(df["Country"], file)
    keep = vals.notna() & (iso != "")
    return pd.DataFrame({
        "dataset": "reserves", "mineral": "lithium", "stage": "reserves",
        "country": iso[keep], "year": RESERVE_YEAR, "variable": "quantity",
        "value": vals[keep], "unit": "t", "basis": "metal", "flag": flags[keep],
        "note": "lithium content (USGS MCS2024 via pmbusch)",
    })


def _world(df: pd.DataFrame, file: str) -> pd.DataFrame:
    require_columns(df, ["Mineral", "Reserves"], file=file, what="the pmbusch USGS 'Data' sheet")
    mineral = df["Mineral"].astype(str).str.strip().str.lower().map(WORLD_RESERVES)
    vals, flags = parse_numbers(df["Reserves"])
    _check(vals, file=file, field="Reserves")
    keep = mineral.notna() & vals.notna()
    return pd.DataFrame({
        "dataset": "reserves", "mineral": mineral[keep], "stage": "reserves",
        "country": schema.WORLD, "year": RESERVE_YEAR, "variable": "quantity",
        "value": vals[keep], "unit": "t", "basis": "metal", "flag": flags[keep],
        "note": "world reserves (USGS MCS2024 via pmbusch; t contained metal)",
    })


def read(path: str | Path) -> pd.DataFrame:
    """Read ``USGS2024.xlsx`` (production + reserves) or ``USGS_Production.csv`` (production)."""
    path = require_file(path, what="pmbusch USGS2024")
    file = str(path)
    parts = []
    if path.suffix.lower() in (".xlsx", ".xlsm", ".xls"):
        try:
            sheets = pd.read_excel(path, sheet_name=None, dtype=object)
        except Exception as exc:  # noqa: BLE001 - any reader failure is a bad file
            raise DataValidationError("cannot read the workbook", file=file, found=str(exc),
                                      fix="download the file again; it may be truncated") from None
        if "Production_Li" not in sheets:
            raise DataValidationError("missing sheet 'Production_Li'", file=file, field="Production_Li",
                                      found=list(sheets), fix="pass the original USGS2024.xlsx")
        parts.append(_production(sheets["Production_Li"], f"{file} [Production_Li]"))
        if "Lithium" in sheets:
            parts.append(_reserves(sheets["Lithium"], f"{file} [Lithium]"))
        if "Data" in sheets:
            parts.append(_world(sheets["Data"], f"{file} [Data]"))
    else:
        try:
            df = pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8-sig")
        except (pd.errors.ParserError, pd.errors.EmptyDataError) as exc:
            raise DataValidationError("cannot parse the CSV", file=file, found=str(exc),
                                      fix="download the file again; it may be truncated") from None
        parts.append(_production(df, file))
    out = pd.concat(parts, ignore_index=True)
    out["source"] = SOURCE.id
    out["edition"] = EDITION
    return schema.validate(out, file=str(path))
