"""The one canonical long schema of critmin, named once.

Every dataset the tool holds (reserves, production, trade, governance, prices,
recycling, intensities) is a table of *observations* with these columns. Wide
spreadsheets are melted on the way in and never passed around.

=============  ==========================================================================
column         meaning
=============  ==========================================================================
dataset        one of :data:`DATASETS`
mineral        lower-case English mineral id from the catalogue (``copper``, ``rare_earths``);
               empty for country-level datasets (governance)
stage          supply-chain stage: ``reserves``, ``mine``, ``refined``, ``concentrate``,
               ``intermediate``, ``chemical``, ``scrap``, ``end_of_life`` or ``""``
hs             HS 6-digit code for trade rows (``"260300"``), else ``""``
country        ISO3 of the holder / producer / importer (``JPN``); ``"OTH"`` for a source's
               'Other countries' residual; ``"WLD"`` for a world total
partner        ISO3 of the exporting partner for trade rows, else ``""``
year           calendar year (int)
variable       what is measured (``quantity``, ``value``, ``estimate``, ``stderr``, ``price``,
               ``eol_rr`` ...)
value          float; never a stand-in for missing (missing rows are absent or NaN with a flag)
unit           unit string from :mod:`critmin.units` (``t``, ``kg``, ``kUSD``, ``USD/t``, ``1``)
basis          what the quantity measures: ``metal`` content, an oxide (``Li2O``, ``REO``,
               ``TiO2``), ``gross`` weight, or ``""``
source         source id (``usgs_mcs``, ``bgs_wms``, ``baci_hs92``, ``wgi`` ...)
edition        the source edition (``MCS2025``, ``V202401b``)
flag           ``e`` estimated, ``W`` withheld, ``r`` reported, ``p`` preliminary, ``""``
note           free text carried from the source (footnotes, qualifiers)
=============  ==========================================================================
"""
from __future__ import annotations

import numpy as np
import pandas as pd

from .errors import DataValidationError

#: Column order of every observation table.
COLUMNS: list[str] = [
    "dataset", "mineral", "stage", "hs", "country", "partner", "year",
    "variable", "value", "unit", "basis", "source", "edition", "flag", "note",
]

#: Key columns: one value per key (within a source edition).
KEY: list[str] = [
    "dataset", "mineral", "stage", "hs", "country", "partner", "year", "variable",
    "source", "edition",
]

STRING_COLUMNS = [c for c in COLUMNS if c not in ("year", "value")]

#: Datasets and their meaning.
DATASETS: dict[str, str] = {
    "reserves": "Reserves by country (USGS MCS; year = reserve estimate year)",
    "mine_production": "Mine production by country",
    "refined_production": "Refinery / smelter / primary metal production by country",
    "trade": "Bilateral trade by HS code: country = importer, partner = exporter",
    "governance": "Worldwide Governance Indicators by country",
    "price": "Annual price or unit value by mineral",
    "recycling": "Recycling rates (EOL-RR, RC, OSR, EoL-RIR) as fractions",
    "intensity": "Material intensity of technologies",
    "trade_parameter": "EU CRM trade-related parameter t by country",
    "us_salient": "US salient statistics (USGS MCS): imports, consumption, NIR",
}

#: Dataset names used in coverage reports (``critmin data info``).
COVERAGE_DATASETS = [
    "reserves", "mine_production", "refined_production", "trade_concentrate",
    "trade_refined", "price", "recycling",
]

#: Years an observation may carry: no source of critmin reaches outside (the oldest series,
#: USGS DS140, starts in 1900); a year outside is a renamed column or a damaged cell.
YEAR_RANGE: tuple[int, int] = (1900, 2100)

#: Governance variables that may be negative (the WGI estimate, about -2.5..2.5); the standard
#: error, source count and percentile ranks cannot be.
SIGNED_VARIABLES_SUFFIX = "_estimate"

#: Special country codes beside ISO3.
OTHER = "OTH"
WORLD = "WLD"


def parse_years(spec: str, *, field: str = "--years") -> list[int]:
    """``'2015-2024'``, ``'2018,2020-2022'`` or ``'2022'`` → the sorted years; a clear error for
    anything else (text, a backwards range, a year outside :data:`YEAR_RANGE`).

    >>> parse_years("2020-2022, 2024")
    [2020, 2021, 2022, 2024]
    """
    import re

    years: set[int] = set()
    for part in str(spec).replace(" ", "").split(","):
        m = re.fullmatch(r"(\d{4})(?:-(\d{4}))?", part)
        if not m:
            raise DataValidationError("cannot read the years", field=field, found=spec,
                                      fix="write a range or a list, e.g. 2015-2024 or 2018,2020-2022")
        lo, hi = int(m.group(1)), int(m.group(2) or m.group(1))
        if hi < lo:
            raise DataValidationError("the year range is empty", field=field, found=spec,
                                      fix=f"write the first year first, e.g. {hi}-{lo}")
        if lo < YEAR_RANGE[0] or hi > YEAR_RANGE[1]:
            raise DataValidationError("year out of range", field=field, found=spec,
                                      expected=f"years {YEAR_RANGE[0]}–{YEAR_RANGE[1]}")
        years.update(range(lo, hi + 1))
    return sorted(years)


def empty() -> pd.DataFrame:
    """An empty observation table with the canonical dtypes."""
    return coerce(pd.DataFrame({c: [] for c in COLUMNS}))


def coerce(df: pd.DataFrame) -> pd.DataFrame:
    """Return ``df`` with the canonical columns (in order) and dtypes.

    Missing string columns are filled with ``""``; ``value`` becomes float64 and
    ``year`` int32. Extra columns are an error.
    """
    extra = [c for c in df.columns if c not in COLUMNS]
    if extra:
        raise DataValidationError(
            "observation table has columns outside the schema", field=", ".join(extra),
            expected=f"only {COLUMNS}", fix="drop or rename the extra columns")
    out = pd.DataFrame(index=df.index)
    for c in COLUMNS:
        if c in df.columns:
            out[c] = df[c]
        else:
            out[c] = "" if c in STRING_COLUMNS else np.nan
    for c in STRING_COLUMNS:
        out[c] = out[c].fillna("").astype(str)
    out["value"] = pd.to_numeric(out["value"], errors="raise").astype("float64")
    if out["year"].isna().any():
        raise DataValidationError("observation without a year", field="year",
                                  fix="every row needs a calendar year")
    out["year"] = out["year"].astype("int32")
    return out.reset_index(drop=True)


def validate(df: pd.DataFrame, *, file: str | None = None, allow_negative: tuple[str, ...] = (
        "governance",)) -> pd.DataFrame:
    """Validate an observation table; return it coerced.

    Checks: schema, known datasets, finite values (NaN only as a flagged missing value; never
    ``inf``), years within :data:`YEAR_RANGE`, non-negative quantities (except datasets in
    ``allow_negative``, and there only the ``*_estimate`` variables), duplicate keys (the first
    one named: an import must never add a record twice), one unit per (dataset, mineral, stage,
    hs, variable, source, edition) series. Raises :class:`DataValidationError` naming the row
    and field.
    """
    from . import units  # local: keeps import light

    df = coerce(df)
    bad = ~df["dataset"].isin(list(DATASETS))
    if bad.any():
        i = int(np.flatnonzero(bad.to_numpy())[0])
        raise DataValidationError("unknown dataset", file=file, row=i + 2, field="dataset",
                                  found=df["dataset"].iat[i], expected=f"one of {list(DATASETS)}")
    inf = np.isinf(df["value"].to_numpy())
    if inf.any():
        i = int(np.flatnonzero(inf)[0])
        raise DataValidationError("value is not finite", file=file, row=i + 2, field="value",
                                  found=float(df["value"].iat[i]), expected="a finite number",
                                  fix="no source holds an infinite figure; the file is damaged or edited")
    lo, hi = YEAR_RANGE
    odd = ~df["year"].between(lo, hi)
    if odd.any():
        i = int(np.flatnonzero(odd.to_numpy())[0])
        raise DataValidationError("year out of range", file=file, row=i + 2, field="year",
                                  found=int(df["year"].iat[i]), expected=f"a year {lo}..{hi}",
                                  fix="check the year columns of the file (renamed or damaged?)")
    signed = df["dataset"].isin(list(allow_negative)) & df["variable"].str.endswith(SIGNED_VARIABLES_SUFFIX)
    neg = (df["value"] < 0) & ~signed
    if neg.any():
        i = int(np.flatnonzero(neg.to_numpy())[0])
        raise DataValidationError("negative quantity", file=file, row=i + 2, field="value",
                                  found=float(df["value"].iat[i]), expected="a value >= 0",
                                  fix="quantities cannot be negative; correct the sign or drop the row")
    unknown_units = ~df["unit"].isin(units.KNOWN_UNITS)
    if unknown_units.any():
        i = int(np.flatnonzero(unknown_units.to_numpy())[0])
        raise DataValidationError("unknown unit", file=file, row=i + 2, field="unit",
                                  found=df["unit"].iat[i],
                                  expected=f"one of {sorted(units.KNOWN_UNITS)}")
    dup = df.duplicated(KEY, keep="first")
    if dup.any():
        i = int(np.flatnonzero(dup.to_numpy())[0])
        key = {k: df[k].iat[i] for k in KEY if df[k].iat[i] != ""}
        raise DataValidationError("duplicate key", file=file, row=i + 2, field=", ".join(KEY),
                                  found=key, fix="each key may appear once; aggregate or drop the duplicate")
    series = ["dataset", "mineral", "stage", "hs", "variable", "source", "edition"]
    nunits = df.groupby(series, observed=True)["unit"].nunique()
    mixed = nunits[nunits > 1]
    if len(mixed):
        key = dict(zip(series, mixed.index[0]))
        sub = df.loc[(df[series] == pd.Series(key)).all(axis=1), "unit"].unique().tolist()
        raise DataValidationError("mixed units within one series", file=file, field="unit",
                                  found={**key, "units": sub},
                                  fix="convert the series to one unit (see critmin.units.convert)")
    return df
