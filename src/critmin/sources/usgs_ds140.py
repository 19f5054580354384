"""USGS Data Series 140 (historical statistics for mineral commodities): lithium.

The DS140 lithium workbook (``ds140-lithium-2021.xlsx``, one sheet, title rows
0–3, header at 0-based row 4, data 1900–2021, a footnote block below) gives
in metric tons of lithium content: US production (``W`` = withheld), imports,
exports, estimated consumption, the US unit value in $/t (nominal and 1998
dollars) and world production (gross weight, Li content, LCE).

Produced here:

* ``price`` — variable ``unit_value`` (USD/t, nominal) and
  ``unit_value_real_1998usd`` (USD/t in 1998 dollars); country ``""``. The
  workbook does not state the commodity basis of the unit value; its level
  (≈ $4,400/t in 2013) matches lithium carbonate, so basis is ``Li2CO3`` and
  the note says so with a question mark;
* ``mine_production`` — world (``WLD``) lithium content, t Li;
* ``us_salient`` — US ``production``, ``imports``, ``exports`` and
  ``consumption_apparent`` (flag ``e``: 'Estimated consumption'), t Li.

Withheld or missing cells give no row.
"""
from __future__ import annotations

import re
from pathlib import Path

import pandas as pd

from .. import schema
from ..errors import DataValidationError
from . import Source
from ._common import parse_numbers, require_columns, require_file

SOURCE = Source(
    id="usgs_ds140",
    name="USGS Data Series 140 — Historical statistics for mineral commodities (lithium)",
    publisher="U.S. Geological Survey, National Minerals Information Center",
    licence="Public domain (U.S. Government work)",
    attribution="Kelly, T.D., Ober, J.A., Jaskula, B.W., Lithium statistics, in Kelly, T.D., and "
                "Matos, G.R., comps., Historical statistics for mineral and material commodities in "
                "the United States: U.S. Geological Survey Data Series 140",
    files=("usgs-ds140/ds140-lithium-2021.xlsx",),
    url="https://www.usgs.gov/centers/national-minerals-information-center/"
        "historical-statistics-mineral-and-material-commodities",
)

HEADER_ROW = 4
COLUMNS = ["Year", "Production", "Imports", "Exports", "Estimated consumption",
           "Unit value ($/t)", "Unit value (98$/t)", "World production (lithium content)"]

#: column → (dataset, variable, country, unit, basis, flag, note)
SERIES = {
    "Unit value ($/t)": ("price", "unit_value", "", "USD/t", "Li2CO3", "",
                         "US unit value, nominal USD per metric ton (lithium carbonate equivalent? "
                         "the workbook does not state the basis)"),
    "Unit value (98$/t)": ("price", "unit_value_real_1998usd", "", "USD/t", "Li2CO3", "",
                           "US unit value in constant 1998 USD per metric ton (lithium carbonate "
                           "equivalent? the workbook does not state the basis)"),
    "World production (lithium content)": ("mine_production", "quantity", schema.WORLD, "t",
                                           "metal", "", "world production, lithium content"),
    "Production": ("us_salient", "production", "USA", "t", "metal", "", "US production"),
    "Imports": ("us_salient", "imports", "USA", "t", "metal", "", "US imports"),
    "Exports": ("us_salient", "exports", "USA", "t", "metal", "", "US exports"),
    "Estimated consumption": ("us_salient", "consumption_apparent", "USA", "t", "metal", "e",
                              "US estimated consumption"),
}


def _edition(path: Path) -> str:
    m = re.search(r"(\d{4})", path.stem)
    ed = f"DS140-{m.group(1)}" if m else "DS140"
    return ed


def read(path: str | Path) -> pd.DataFrame:
    """Read the DS140 lithium workbook into observations (price, mine_production, us_salient)."""
    path = require_file(path, what="USGS DS140 lithium")
    file = str(path)
    try:
        raw = pd.read_excel(path, sheet_name=0, header=None, dtype=object)
    except Exception as exc:  # noqa: BLE001 - any reader failure is a bad file
        raise DataValidationError("cannot read the DS140 workbook", file=file, found=str(exc),
                                  fix="download the file again; it may be truncated") from None
    if len(raw) <= HEADER_ROW:
        raise DataValidationError("DS140 workbook has no header row", file=file, row=HEADER_ROW + 1,
                                  fix="pass the original USGS ds140 lithium workbook")
    header = [re.sub(r"\s+", " ", str(c)).strip() for c in raw.iloc[HEADER_ROW]]
    df = raw.iloc[HEADER_ROW + 1:].copy()
    df.columns = header
    require_columns(df, COLUMNS, file=file, what="a USGS DS140 lithium workbook")
    year = pd.to_numeric(df["Year"], errors="coerce")
    df = df[year.notna() & (year >= 1800) & (year <= 2100)]
    year = year[df.index].astype(int)
    edition = _edition(path)
    parts = []
    for col, (dataset, variable, country, unit, basis, flag, note) in SERIES.items():
        vals, flags = parse_numbers(df[col])
        neg = vals < 0
        if neg.any():
            i = vals.index[neg.to_numpy().nonzero()[0][0]]
            raise DataValidationError("negative quantity", file=file, row=int(i) + 1, field=col,
                                      found=float(vals[i]), expected="a value >= 0")
        keep = vals.notna()
        parts.append(pd.DataFrame({
            "dataset": dataset, "mineral": "lithium",
            "stage": "mine" if dataset == "mine_production" else "",
            "country": country, "year": year[keep], "variable": variable,
            "value": vals[keep], "unit": unit, "basis": basis,
            "source": SOURCE.id, "edition": edition,
            "flag": (flags[keep] + flag).str.replace("ee", "e"), "note": note,
        }))
    out = pd.concat(parts, ignore_index=True) if parts else schema.empty()
    return schema.validate(out, file=str(path))
