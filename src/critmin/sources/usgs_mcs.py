"""USGS Mineral Commodity Summaries (MCS) data releases.

:func:`read` takes either of the two formats USGS publishes and detects which
from the header:

* the **World Data** CSV (MCS2025: ``MCS2025_World_Data.csv``, UTF-8 with BOM):
  one row per commodity × country × production type, wide year columns
  ``PROD_2023``, ``PROD_EST_ 2024`` (sic, with a space), ``RESERVES_2024`` and
  notes. The years are read from the column names, so a later edition
  (``PROD_2024``/``PROD_EST_ 2025``/``RESERVES_2025``) works unchanged;
* the **Commodities Data** CSV (MCS2026: ``MCS2026_Commodities_Data.csv``,
  Windows-1252): long, one value per row (``MCS chapter, Section, Commodity,
  Country, Statistics, Statistics_detail, Unit, Year, Value, Notes …``), with
  world production and reserves, US salient statistics and US prices.

Datasets produced: ``reserves`` (stage ``reserves``, year = reserve estimate
year), ``mine_production`` (stage ``mine``), ``refined_production`` (stage
``refined``: refinery, smelter, primary, plant or sponge metal production),
and from the long format also ``price`` (one US price series per mineral,
variable ``price``, country ``""``) and ``us_salient`` (country ``USA``).

Rules (stated once, here):

* quantities are converted to ``t`` (thousand / million metric tons multiplied
  out); kilograms stay ``kg``; carats stay ``kcarat``/``Mcarat``; helium stays
  ``Mm3``;
* withheld or unavailable cells (``W``, ``NA``, ``XX``, ``Large``, blank) give
  no row, never 0; USGS's ``—`` is a true zero; ``>90000000`` keeps the
  number with flag ``>``; estimated values carry flag ``e``;
* 'Other countries' → ``OTH`` and 'World total' → ``WLD`` are kept; labels naming
  several countries at once ('United States and Canada') are dropped and listed in
  :data:`UNMAPPED`; any other unknown country name is an error (row, 'did you mean');
* several USGS rows for one key are summed, and the note says so: titanium
  ilmenite + rutile (TiO2 content; for the world the published combined total
  is used), silicon in ferrosilicon + silicon metal, mica scrap/flake + sheet,
  talc labels; platinum-group metals mine production is Pt + Pd (where both
  are reported for a country and year) — a lower bound of total PGM;
* bauxite is aluminium ``mine_production`` (gross dry weight); alumina is
  skipped; iron ore is its iron content (usable ore skipped); potash reserves
  are the K2O-equivalent series; chromium reserves are shipping-grade ore
  (gross) in MCS2025 and Cr2O3 content (year 2025) in MCS2026, whose 2024
  ore figures are skipped; zirconium reserves are ZrO2 content;
* known unit errors of a release are corrected from :data:`UNIT_ERRATA`.
"""
from __future__ import annotations

import math
import re
from pathlib import Path

import numpy as np
import pandas as pd

from .. import schema
from ..catalogue import minerals
from ..countries import iso3_names, to_iso3
from ..errors import DataValidationError, UnknownNameError, did_you_mean
from . import Source
from ._common import (
    decode_text,
    parse_numbers,
    read_csv_safely,
    refuse_duplicate_rows,
    require_columns,
    require_file,
)

SOURCE = Source(
    id="usgs_mcs",
    name="USGS Mineral Commodity Summaries",
    publisher="U.S. Geological Survey, National Minerals Information Center",
    licence="Public domain (U.S. Government work)",
    attribution="U.S. Geological Survey, Mineral Commodity Summaries 2025/2026 data releases "
                "(doi:10.5066/P13XCP3R; doi:10.5066/P1WKQ63T)",
    files=("usgs-mcs-2025/MCS2025_World_Data.csv", "usgs-mcs-2026/MCS2026_Commodities_Data.csv"),
    url="https://www.usgs.gov/centers/national-minerals-information-center/mineral-commodity-summaries",
)

#: Country labels of the last :func:`read` that could not be mapped to ISO3 (rows dropped).
UNMAPPED: set[str] = set()

WORLD_COLUMNS = ["COMMODITY", "COUNTRY", "TYPE", "UNIT_MEAS"]
LONG_COLUMNS = ["Section", "Commodity", "Country", "Statistics", "Statistics_detail", "Unit",
                "Year", "Value", "Notes"]

#: USGS commodity label (lower case, '&' → 'and', spaces collapsed) → catalogue mineral id.
#: ``None`` = deliberately skipped (no catalogue id, or not a mineral series).
COMMODITIES: dict[str, str | None] = {
    "abrasives": None, "abrasives (manufactured)": None,
    "alumina": None,                      # intermediate (refinery) product: skipped
    "aluminum": "aluminium",              # smelter production
    "bauxite": "aluminium",               # mine production, gross dry weight
    "antimony": "antimony",
    "arsenic": "arsenic",
    "asbestos": "asbestos",
    "barite": "barium",
    "beryllium": "beryllium",
    "bismuth": "bismuth",
    "boron": "boron",
    "bromine": "bromine",
    "cadmium": "cadmium",
    "cement": None,
    "cesium": None,                       # text-only reserve statement
    "chromium": "chromium",
    "clays": "clays",                     # split below: bentonite, kaolin (fuller's earth skipped)
    "cobalt": "cobalt",
    "copper": "copper",
    "diamond (industrial)": "diamond_industrial",
    "diatomite": "diatomite",
    "feldspar": "feldspar", "feldspar and nepheline syenite": "feldspar",
    "fluorspar": "fluorine",
    "gallium": "gallium",
    "garnet (industrial)": "garnet",
    "germanium": "germanium", "gemanium": "germanium",   # typo in MCS2025
    "gemstones": "gemstones",
    "gold": "gold",
    "graphite": "graphite", "graphite (natural)": "graphite",
    "gypsum": "gypsum",
    "hafnium": "hafnium",
    "helium": "helium",
    "indium": "indium",
    "iodine": "iodine",
    "iron and steel": None, "iron and steel slag": None, "iron and steel scrap": None,
    "iron ore": "iron_ore",
    "iron oxide pigments": "iron_oxide_pigments",
    "krypton": None, "neon": None, "xenon": None,
    "kyanite and related minerals": "kyanite",
    "lead": "lead",
    "lime": None,
    "lithium": "lithium",
    "magnesium compounds": "magnesite",
    "magnesium metal": "magnesium",
    "manganese": "manganese",
    "mercury": "mercury",
    "mica (natural)": "mica",
    "molybdenum": "molybdenum",
    "nickel": "nickel",
    "niobium": "niobium", "niobium (columbium)": "niobium",
    "nitrogen(fixed) - ammonia": None, "nitrogen (fixed)—ammonia": None,
    "palladium": "palladium",
    "platinum": "platinum",
    "platinum-group metals": "platinum_group_metals",
    "peat": "peat",
    "perlite": "perlite",
    "phosphate rock": "phosphate_rock",
    "potash": "potash",
    "pumice and pumicite": "pumice",
    "rare earths": "rare_earths",
    "rhenium": "rhenium",
    "rubidium": None,                     # text-only reserve statement
    "salt": "salt",
    "sand and gravel (industrial)": None, "sand and gravel (construction)": None,
    "scandium": None, "yttrium": None,    # single free-text world rows
    "selenium": "selenium",
    "silicon": "silicon",
    "silver": "silver",
    "soda ash": "soda_ash",
    "stone (crushed)": None, "stone (dimension)": None,
    "strontium": "strontium",
    "sulfur": "sulfur",
    "talc and pyrophyllite": "talc", "talc, crude": "talc",
    "tantalum": "tantalum",
    "tellurium": "tellurium",
    "thallium": "thallium",
    "tin": "tin",
    "tio2 pigment": None,
    "titanium mineral concentrates": "titanium",
    "titanium and titanium dioxide": "titanium",   # sponge metal rows only
    "titanium sponge metal": "titanium",
    "tungsten": "tungsten",
    "vanadium": "vanadium",
    "vermiculite": "vermiculite",
    "wollastonite": "wollastonite",
    "zeolites (natural)": "zeolites",
    "zinc": "zinc",
    "zirconium": "zirconium", "zirconium and hafnium": "zirconium",
}

#: Commodity labels whose USGS production table is refinery / smelter / plant output.
REFINED_ONLY = {"aluminum", "bismuth", "cadmium", "gallium", "germanium", "gemanium", "indium",
                "selenium", "tellurium", "magnesium metal", "silicon", "arsenic",
                "titanium sponge metal"}

#: Known unit errors of a release: (edition, commodity label, 'production' | 'reserves')
#: → the true unit label. Found by comparing consecutive editions.
UNIT_ERRATA: dict[tuple[str, str, str], str] = {
    # MCS2025 labels titanium concentrates 'metric tons' but the values are thousand
    # metric tons TiO2 (world 9,400 in 2024; MCS2026 gives the same numbers in kt).
    ("MCS2025", "titanium mineral concentrates", "production"): "thousand metric tons",
    ("MCS2025", "titanium mineral concentrates", "reserves"): "thousand metric tons",
    # MCS2026 labels vanadium reserves 'metric tons'; they are thousand metric tons
    # (world 21,000; MCS2025 notes 'Reserve data is thousand metric tons'; Australia's
    # JORC note in the same row says 2.3 million tons).
    ("MCS2026", "vanadium", "reserves"): "thousand metric tons",
    # per-commodity world files (critmin.sources.usgs_mcs_world), unit token of the column name
    # wrong: each value equals the neighbouring editions' figure in the true unit
    # MCS2023 'Prod_t_…' chromite: world 2022e 41,000 (MCS2024: 41,900 kt); its note says
    # 'Units are thousand metric tons'
    ("MCS2023", "chromium", "production"): "thousand metric tons",
    # MCS2023 'Reserves_t' vanadium: world 26,000 (MCS2024 'Reserves_kt' 19,000; MCS2025 note kt)
    ("MCS2023", "vanadium", "reserves"): "thousand metric tons",
    # MCS2023 'Reserves_kt' rhenium: Russia 310,000 (MCS2025: 310,000 kilograms)
    ("MCS2023", "rhenium", "reserves"): "kilograms",
    # MCS2024 'Reserves_kt' selenium: world 95,000 (MCS2025: 92,000 metric tons)
    ("MCS2024", "selenium", "reserves"): "metric tons",
    # MCS2024 'Reserves_t' talc: USA 140,000 (MCS2023 'Reserves_kt' and MCS2025: 140,000 kt)
    ("MCS2024", "talc and pyrophyllite", "reserves"): "thousand metric tons",
}

#: Production basis where it differs from the catalogue's default basis.
PRODUCTION_BASIS = {"boron": "gross", "potash": "K2O", "arsenic": "As2O3", "rare_earths": "REO",
                    "titanium": "TiO2", "aluminium": "gross", "zirconium": "gross",
                    "chromium": "gross", "iron_ore": "metal", "manganese": "metal"}
RESERVES_BASIS = {**PRODUCTION_BASIS, "zirconium": "ZrO2"}

#: unit label (lower case) → (unit, factor)
UNITS: dict[str, tuple[str, float]] = {
    "metric tons": ("t", 1.0), "tons": ("t", 1.0),
    "thousand metric tons": ("t", 1e3), "thousand metric dry tons": ("t", 1e3),
    "million metric tons": ("t", 1e6),
    "kilograms": ("kg", 1.0),
    "million carats": ("Mcarat", 1.0), "thousand carats": ("kcarat", 1.0),
    "thousands of carats": ("kcarat", 1.0),
    "million cubic meters": ("Mm3", 1.0),
}

#: price unit label (lower case) → (unit, factor)
PRICE_UNITS: dict[str, tuple[str, float]] = {
    "dollars per metric ton": ("USD/t", 1.0),
    "dollars per ton": ("USD/t", 1.0),                 # USGS 'ton' = metric ton
    "dollars per short ton": ("USD/t", 1 / 0.90718474),
    "dollars per kilogram": ("USD/kg", 1.0),
    "dollars per gram": ("USD/kg", 1000.0),
    "dollars per pound": ("USD/lb", 1.0),
    "cents per pound": ("USD/lb", 0.01),
    "dollars per troy ounce": ("USD/troy_oz", 1.0),
    "dollars per dry metric ton unit": ("USD/dmtu", 1.0),
}

#: mineral → (USGS commodity label, text the Statistics_detail must contain): the one
#: price series taken per mineral (the most representative US/benchmark quotation).
PRICE_SERIES: dict[str, tuple[str, str]] = {
    "aluminium": ("aluminum", "ingot"),
    "antimony": ("antimony", ""),
    "arsenic": ("arsenic", ""),
    "asbestos": ("asbestos", ""),
    "barium": ("barite", ""),
    "beryllium": ("beryllium", ""),
    "bismuth": ("bismuth", ""),
    "boron": ("boron", ""),
    "bromine": ("bromine", ""),
    "cadmium": ("cadmium", ""),
    "cerium": ("cerium", ""), "dysprosium": ("dysprosium", ""), "erbium": ("erbium", ""),
    "europium": ("europium", ""), "gadolinium": ("gadolinium", ""), "holmium": ("holmium", ""),
    "lanthanum": ("lanthanum", ""), "lutetium": ("lutetium", ""), "neodymium": ("neodymium", ""),
    "praseodymium": ("praseodymium", ""), "samarium": ("samarium", ""), "terbium": ("terbium", ""),
    "ytterbium": ("ytterbium", ""), "yttrium": ("yttrium", "y2o3"),
    "rare_earths": ("rare earths", "ndpr"),
    "scandium": ("scandium", "scandium oxide"),
    "chromium": ("chromium", "ferrochromium"),
    "bentonite": ("clays", "bentonite"),
    "kaolin": ("clays", "kaolin"),
    "cobalt": ("cobalt", "cathode"),
    "copper": ("copper", "comex, high-grade"),
    "diatomite": ("diatomite", ""),
    "feldspar": ("feldspar", ""),
    "fluorine": ("fluorspar", "acid grade"),
    "gallium": ("gallium", ""),
    "garnet": ("garnet (industrial)", ""),
    "germanium": ("germanium", "germanium metal"),
    "gold": ("gold", ""),
    "graphite": ("graphite (natural)", "flake"),
    "gypsum": ("gypsum", "crude"),
    "hafnium": ("hafnium", ""),
    "indium": ("indium", "u.s. warehouse"),
    "iodine": ("iodine", ""),
    "iridium": ("iridium", ""),
    "iron_ore": ("iron ore", ""),
    "iron_oxide_pigments": ("iron oxide pigments", ""),
    "kyanite": ("kyanite and related minerals", ""),
    "lead": ("lead", ""),
    "lithium": ("lithium", "lithium carbonate"),
    "magnesium": ("magnesium metal", "u.s. spot"),
    "manganese": ("manganese", ""),
    "mercury": ("mercury", ""),
    "mica": ("mica (natural)", "scrap and flake"),
    "molybdenum": ("molybdenum", ""),
    "nickel": ("nickel", "dollars per metric ton"),
    "niobium": ("niobium (columbium)", ""),
    "palladium": ("palladium", ""), "platinum": ("platinum", ""),
    "rhodium": ("rhodium", ""), "ruthenium": ("ruthenium", ""),
    "peat": ("peat", ""),
    "perlite": ("perlite", ""),
    "phosphate_rock": ("phosphate rock", ""),
    "potash": ("potash", "all products"),
    "pumice": ("pumice and pumicite", ""),
    "rhenium": ("rhenium", "metal"),
    "salt": ("salt", "rock salt"),
    "selenium": ("selenium", "united states"),
    "silicon": ("silicon", "silicon metal"),
    "silver": ("silver", ""),
    "soda_ash": ("soda ash", "dollars per metric ton"),
    "strontium": ("strontium", ""),
    "sulfur": ("sulfur", ""),
    "talc": ("talc and pyrophyllite", ""),
    "tantalum": ("tantalum", ""),
    "tellurium": ("tellurium", "united states"),
    "thallium": ("thallium", ""),
    "tin": ("tin", "new york"),
    "titanium": ("titanium sponge metal", ""),
    "tungsten": ("tungsten", ""),
    "vanadium": ("vanadium", ""),
    "vermiculite": ("vermiculite", ""),
    "zeolites": ("zeolites (natural)", ""),
    "zinc": ("zinc", "north american"),
    "zirconium": ("zirconium and hafnium", "imported"),
}

_BOILERPLATE = re.compile(r"(^\s*estimated\s*\.?\s*(--)?\s*|see appendix c for resource and reserve "
                          r"definitions and information concerning data sources\.?\s*(--)?\s*)", re.I)


# ----------------------------------------------------------------------------- helpers

def _label(s: str) -> str:
    s = str(s).replace("\xa0", " ").replace("&", "and").replace("’", "'")
    return re.sub(r"\s+", " ", s).strip().lower()


#: the encodings USGS publishes the MCS CSVs in (MCS2025: UTF-8 with BOM; MCS2026: Windows-1252)
ENCODINGS = ("utf-8-sig", "cp1252")


def _decode(path: Path) -> str:
    return decode_text(path, ENCODINGS, what="a USGS MCS CSV")


def _read_csv(path: Path) -> pd.DataFrame:
    """The CSV as strings; empty, binary, undecodable, truncated or concatenated files refused.

    Exact repeated rows are refused too (:func:`refuse_duplicate_rows`): USGS lists no record
    twice, and the importer sums rows sharing a key, so a repeat would double a figure.
    """
    df = read_csv_safely(path, what="a USGS MCS CSV", encodings=ENCODINGS,
                         fix="download the file again from USGS; it may be truncated or edited")
    refuse_duplicate_rows(df, file=str(path), what="USGS row")
    return df


#: A label naming several countries together ('United States and Canada'): no ISO3, dropped.
_GROUP_LABEL = re.compile(r"\band\b|,", re.I)


def _countries(labels: pd.Series, *, file: str, field: str) -> pd.Series:
    """Country labels → ISO3.

    Labels that name a group of countries ('China, Germany, and Russia') map to ``''``
    (rows dropped; the label is added to :data:`UNMAPPED`); any other unknown name is an
    error naming the row, with a 'did you mean'.
    """
    uniq = pd.unique(labels)
    known = iso3_names()
    out = {}

    def iso(name: str) -> str | None:
        # guard: some converter versions hand an unknown name back unchanged
        code = to_iso3([name], strict=False)[0] if name else None
        return code if code in known else None

    for lab in uniq:
        s = re.sub(r"\s+", " ", str(lab).replace("\xa0", " ")).strip()
        code = iso(s)
        if code is None and "(" in s:   # 'Brazil (crude and beneficiated)' and the like
            code = iso(re.sub(r"\s*\([^)]*\)", "", s).strip())
        if code is None:
            if s and not _GROUP_LABEL.search(re.sub(r"\([^)]*\)", "", s)):
                row = int(labels.index[(labels == lab).to_numpy()][0]) + 2
                raise UnknownNameError(
                    f"unknown country name{did_you_mean(s, iso3_names().values())}", file=file,
                    row=row, field=field, found=s,
                    fix="use a standard English country name (e.g. 'Congo (Kinshasa)', 'Chile')")
            UNMAPPED.add(s)
        out[lab] = code or ""
    return labels.map(out)


def _edition_from(path: Path, fallback_year: int | None) -> str:
    m = re.search(r"MCS\s*_?(\d{4})", path.name, re.I)
    if m:
        return f"MCS{m.group(1)}"
    if fallback_year:
        return f"MCS{fallback_year + 1}"
    raise DataValidationError("cannot tell the MCS edition", file=str(path),
                              fix="keep the USGS file name (e.g. MCS2026_Commodities_Data.csv)")


def _clean_note(*parts: str) -> str:
    bits = []
    for p in parts:
        p = _BOILERPLATE.sub("", str(p or "")).strip(" -")
        p = _BOILERPLATE.sub("", p).strip(" -")
        if p and p.lower() not in ("na", "xx", "w") and p not in bits:
            bits.append(p)
    return " | ".join(bits)[:400]


def _check_negative(values: pd.Series, *, file: str, field: str) -> None:
    neg = values < 0
    if neg.any():
        i = values.index[np.flatnonzero(neg.to_numpy())[0]]
        raise DataValidationError("negative quantity", file=file, row=int(i) + 2, field=field,
                                  found=float(values.loc[i]), expected="a value >= 0",
                                  fix="quantities cannot be negative; correct the sign or drop the row")


def _classify(label: str, text: str, country: str, kind: str) -> tuple[str, str, str] | None:
    """(mineral, stage, basis) of one USGS production/reserves row, or None to skip it.

    ``text`` is the row's type / Statistics_detail (plus the country label), lower case.
    ``kind`` is ``production`` or ``reserves``.
    """
    mineral = COMMODITIES.get(label)
    if mineral is None:
        return None
    if mineral == "clays":
        if "bentonite" in text:
            mineral = "bentonite"
        elif "kaolin" in text:
            mineral = "kaolin"
        else:
            return None
    if label == "bauxite" and "alumina" in text:
        return None
    if mineral == "iron_ore" and ("usable" in text or "crude ore" in text):
        return None
    if mineral == "potash" and "recoverable ore" in text:
        return None
    if mineral == "soda_ash" and "synthetic" in text:
        return None
    if mineral == "helium" and "cliffside" in text:   # sales from federal storage, not production
        return None
    if label == "titanium and titanium dioxide" and "sponge" not in text:
        return None
    if label == "titanium mineral concentrates" and country == schema.WORLD \
            and "ilmenite and rutile" not in text:    # partial world totals: use the combined one
        return None
    if label == "platinum-group metals":
        if kind == "reserves":                       # MCS reports PGM reserves as one figure
            if "platinum content" in text:
                return None
            mineral = "platinum_group_metals"
        elif "palladium" in text:
            mineral = "palladium"
        elif "platinum content" in text or "production: platinum" in text:   # MCS2022-2024 wording
            mineral = "platinum"
        else:
            return None
    if kind == "reserves":
        if mineral == "magnesium":                   # MCS2025 'reserves' here are capacity
            return None
        if mineral == "chromium":                    # MCS2026: ore (2024) and Cr2O3 (2025)
            if "cr2o3" in text:
                return mineral, "reserves", "Cr2O3"
            if "reserves: ore" in text:
                return None
        return mineral, "reserves", RESERVES_BASIS.get(mineral, minerals().loc[mineral, "basis"])
    refined = (label in REFINED_ONLY or "sponge" in text
               or re.search(r"refinery|smelter|primary production", text) is not None)
    if refined:
        return mineral, "refined", ("As2O3" if mineral == "arsenic" else "metal")
    return mineral, "mine", PRODUCTION_BASIS.get(mineral, minerals().loc[mineral, "basis"])


def _aggregate(df: pd.DataFrame) -> pd.DataFrame:
    """Sum rows that share a key; the note says how many USGS rows were summed."""
    if df.empty:
        return df
    key = ["dataset", "mineral", "stage", "country", "year", "variable"]
    dup = df.duplicated(key, keep=False)
    if not dup.any():
        return df
    single, multi = df[~dup], df[dup]
    rows = []
    for _, g in multi.groupby(key, sort=False):
        r = g.iloc[0].to_dict()
        r["value"] = float(g["value"].sum())
        flags = "".join(sorted(set("".join(g["flag"]))))
        r["flag"] = flags
        parts = [p for p in g["detail"].tolist() if p]
        r["note"] = _clean_note(f"sum of {len(g)} USGS rows" + (f": {'; '.join(dict.fromkeys(parts))}"
                                                                 if parts else ""),
                                *g["note"].tolist())
        rows.append(r)
    return pd.concat([single, pd.DataFrame(rows)], ignore_index=True)


def _pgm_sum(df: pd.DataFrame) -> pd.DataFrame:
    """platinum_group_metals mine production = Pt + Pd where both are reported."""
    sel = (df["dataset"] == "mine_production") & df["mineral"].isin(["platinum", "palladium"])
    sub = df[sel]
    if sub.empty:
        return df
    rows = []
    for (c, y), g in sub.groupby(["country", "year"], sort=False):
        if set(g["mineral"]) != {"platinum", "palladium"} or g["unit"].nunique() != 1:
            continue
        r = g.iloc[0].to_dict()
        r.update(mineral="platinum_group_metals", value=float(g["value"].sum()),
                 flag="".join(sorted(set("".join(g["flag"])))),
                 note="Pt + Pd only (sum of the USGS platinum and palladium rows; "
                      "other PGMs not reported)", detail="")
        rows.append(r)
    return pd.concat([df, pd.DataFrame(rows)], ignore_index=True) if rows else df


def _finish(rows: list[dict] | pd.DataFrame, path: Path) -> pd.DataFrame:
    """Rows → observation frame: duplicate keys summed, PGM Pt+Pd added (not yet validated)."""
    df = pd.DataFrame(rows) if isinstance(rows, list) else rows
    if df.empty:
        return schema.empty()
    for c in ("detail",):
        if c not in df.columns:
            df[c] = ""
    df = _aggregate(df)
    df = _pgm_sum(df)
    df = df.drop(columns=["detail"])
    df["source"] = SOURCE.id
    return df.sort_values(["dataset", "mineral", "stage", "variable", "country", "year"],
                          kind="stable").reset_index(drop=True)


# ----------------------------------------------------------------------------- World Data (MCS2025)

def _read_world(df: pd.DataFrame, path: Path) -> pd.DataFrame:
    file = str(path)
    require_columns(df, WORLD_COLUMNS, file=file, what="a USGS MCS World Data CSV")
    prod_cols, res_cols = [], []
    for c in df.columns:
        m = re.fullmatch(r"PROD_(EST_)?(\d{4})", c.replace(" ", ""), re.I)
        if m:
            prod_cols.append((c, int(m.group(2)), bool(m.group(1))))
            continue
        m = re.fullmatch(r"RESERVES_(\d{4})", c.replace(" ", ""), re.I)
        if m:
            res_cols.append((c, int(m.group(1))))
    if not prod_cols and not res_cols:
        raise DataValidationError(
            "missing column(s) ['PROD_<year>', 'RESERVES_<year>'] — this does not look like a "
            "USGS MCS World Data CSV", file=file, field="PROD_<year>, RESERVES_<year>",
            found=list(df.columns)[:12], fix="pass the original USGS World Data file, unmodified")
    src = df["SOURCE"].astype(str).str.extract(r"(MCS\s*\d{4})", expand=False).dropna() \
        if "SOURCE" in df.columns else pd.Series(dtype=str)
    years = [y for _, y, _ in prod_cols] + [y for _, y in res_cols]
    edition = src.iloc[0].replace(" ", "").upper() if len(src) else _edition_from(path, max(years))
    for c in ("PROD_NOTES", "RESERVE_NOTES"):
        if c not in df.columns:
            df[c] = ""

    label = df["COMMODITY"].map(_label)
    ctype = df["TYPE"].map(_label)
    country = _countries(df["COUNTRY"], file=file, field="COUNTRY")
    unit_lab = df["UNIT_MEAS"].map(_label)
    # a row without a unit takes its commodity's unit (one rutile row in MCS2025)
    fill = unit_lab.where(unit_lab != "").groupby(label).transform(
        lambda s: s.mode().iat[0] if s.notna().any() else "")
    unit_lab = unit_lab.where(unit_lab != "", fill.fillna(""))
    for (ed, lab, kind), true_unit in UNIT_ERRATA.items():
        if ed == edition and kind == "production":
            unit_lab = unit_lab.where(label != lab, true_unit)
    # reserve unit notes apply to the whole commodity table
    rnote = df["RESERVE_NOTES"].astype(str)
    grp = label + "|" + ctype
    res_mult = pd.Series(1.0, index=df.index)
    kt = rnote.str.contains(r"reserve data is thousand metric tons", case=False)
    mt = rnote.str.contains(r"million metric tons", case=False)
    res_mult[grp.isin(grp[kt])] = 1e3
    res_mult[grp.isin(grp[mt])] = 1e6
    res_gross = rnote.str.contains("gross weight for reserves", case=False)
    for (ed, lab, kind), true_unit in UNIT_ERRATA.items():
        if ed == edition and kind == "reserves":
            res_mult[label == lab] = UNITS[true_unit][1]
    # an explicit reserve unit per row (the per-commodity world files of MCS2022-2024 name it
    # in the column header, :mod:`critmin.sources.usgs_mcs_world`) replaces the note rule
    res_unit = df["RES_UNIT_MEAS"].map(_label) if "RES_UNIT_MEAS" in df.columns else None

    rows: list[dict] = []
    parsed = {c: parse_numbers(df[c], strict=True, file=file, field=c) for c, *_ in prod_cols}
    parsed.update({c: parse_numbers(df[c], strict=True, file=file, field=c) for c, _ in res_cols})
    for c, (v, _) in parsed.items():
        _check_negative(v, file=file, field=c)
    for i in range(len(df)):
        iso = country.iat[i]
        if not iso:
            continue
        lab, typ = label.iat[i], ctype.iat[i]
        text = f"{typ} {_label(df['COUNTRY'].iat[i])}"
        u = UNITS.get(unit_lab.iat[i])
        if u is None:
            continue
        unit, factor = u
        pnote = str(df["PROD_NOTES"].iat[i])
        base = dict(hs="", partner="", country=iso, variable="quantity", unit=unit,
                    edition=edition, detail=df["TYPE"].iat[i].strip())
        cls = _classify(lab, text, iso, "production")
        if cls is not None:
            mineral, stage, basis = cls
            dataset = "mine_production" if stage == "mine" else "refined_production"
            for c, year, est in prod_cols:
                v, f = parsed[c][0].iat[i], parsed[c][1].iat[i]
                if math.isnan(v):
                    continue
                flag = f.replace("e", "")
                if est or "e" in f or "estimat" in typ or ("estimat" in pnote.lower()
                                               and (str(year) in pnote or "23-24" not in pnote)):
                    flag += "e"
                rows.append({**base, "dataset": dataset, "mineral": mineral, "stage": stage,
                             "year": year, "value": v * factor, "basis": basis, "flag": flag,
                             "note": _clean_note(pnote)})
        rcls = _classify(lab, text, iso, "reserves")
        if rcls is not None:
            mineral, stage, basis = rcls
            if res_gross.iat[i]:
                basis = "gross"
            rfactor = factor if res_mult.iat[i] == 1.0 else res_mult.iat[i]
            runit = unit if res_mult.iat[i] == 1.0 else "t"
            if res_unit is not None:
                if res_unit.iat[i] not in UNITS:
                    continue
                runit, rfactor = UNITS[res_unit.iat[i]]
            for c, year in res_cols:
                v, f = parsed[c][0].iat[i], parsed[c][1].iat[i]
                if math.isnan(v):
                    continue
                rows.append({**base, "dataset": "reserves", "mineral": mineral, "stage": stage,
                             "year": year, "value": v * rfactor, "unit": runit, "basis": basis,
                             "flag": f, "note": _clean_note(df["RESERVE_NOTES"].iat[i])})
    return _finish(rows, path)


def read_world_table(df: pd.DataFrame, path: Path) -> pd.DataFrame:
    """Rows of a table already in the World Data layout (``COMMODITY, COUNTRY, TYPE, UNIT_MEAS,
    PROD_[EST_]<year>, RESERVES_<year>``, notes; optional ``RES_UNIT_MEAS``) → observations,
    by the rules of this module (not yet validated). ``path`` names the file in errors.
    Used by :mod:`critmin.sources.usgs_mcs_world` for the MCS2022–2024 per-commodity files."""
    return _read_world(df, path)


def read_csv_text(path: Path) -> pd.DataFrame:
    """A USGS CSV as strings (UTF-8 with BOM or Windows-1252), header names stripped."""
    return _read_csv(path)


# ----------------------------------------------------------------------------- Commodities Data (MCS2026)

def _salient_stage(detail: str) -> str:
    d = re.sub(r"\([^)]*\)", "", detail.lower())
    if re.search(r"secondary|scrap", d):
        return "scrap"
    if re.search(r"\bmine\b", d):
        return "mine"
    if re.search(r"\bores?\b|concentrate", d):
        return "concentrate"
    if re.search(r"refin|primary|metal|cathode|smelter|unwrought", d):
        return "refined"
    return ""


def _salient_variable(stat: str, detail: str) -> str | None:
    s, d = stat.lower(), detail.lower()
    if s == "import":
        return "imports"
    if s == "export":
        return "exports"
    if s == "production":
        return "production"
    if s == "consumption":
        if "apparent" in d:
            return "consumption_apparent"
        if "reported" in d:
            return "consumption_reported"
        return "consumption"
    if s == "net import reliance":
        return "net_import_reliance"
    return None


def _read_long(df: pd.DataFrame, path: Path) -> pd.DataFrame:
    file = str(path)
    require_columns(df, LONG_COLUMNS, file=file, what="a USGS MCS Commodities Data CSV")
    df = df[df["Year"].str.strip().str.fullmatch(r"\d{4}")].copy()
    df["year"] = df["Year"].astype(int)
    edition = _edition_from(path, int(df["year"].max()) if len(df) else None)
    label = df["Commodity"].map(_label)
    detail = df["Statistics_detail"].astype(str).str.replace("\xa0", " ").str.strip()
    dlow = detail.map(_label)
    stat = df["Statistics"].str.strip()
    section = df["Section"].str.strip()
    unit_lab = df["Unit"].map(_label)
    notes = df["Notes"].astype(str)
    est = notes.str.strip().str.lower().str.startswith("estimated")
    # not strict: the release writes ranges ('500–16,000'), 'E' (net exporter) and phrases here
    values, flags = parse_numbers(df["Value"])
    rawv = df["Value"].astype(str).str.strip()
    country = _countries(df["Country"], file=file, field="Country")
    rows: list[dict] = []

    # --- world production and reserves
    world = section.str.startswith("World") & stat.isin(["Production", "Reserves"]) & (country != "")
    _check_negative(values[world], file=file, field="Value")
    for i in np.flatnonzero(world.to_numpy()):
        v = values.iat[i]
        if math.isnan(v):
            continue
        kind = "reserves" if stat.iat[i] == "Reserves" else "production"
        iso = country.iat[i]
        cls = _classify(label.iat[i], f"{dlow.iat[i]} {_label(df['Country'].iat[i])}", iso, kind)
        u = UNITS.get(UNIT_ERRATA.get((edition, label.iat[i], kind), unit_lab.iat[i]))
        if cls is None or u is None:
            continue
        mineral, stage, basis = cls
        dataset = {"reserves": "reserves", "mine": "mine_production"}.get(stage, "refined_production")
        flag = flags.iat[i].replace("e", "") + ("e" if est.iat[i] and kind == "production" else "")
        rows.append(dict(dataset=dataset, mineral=mineral, stage=stage, hs="", country=iso, partner="",
                         year=df["year"].iat[i], variable="quantity", value=v * u[1], unit=u[0],
                         basis=basis, edition=edition, flag=flag,
                         detail=re.sub(r"[:,]?\s*rounded$", "", detail.iat[i]),
                         note=_clean_note(notes.iat[i])))

    # --- US prices: one series per mineral
    price = stat == "Price"
    for mineral, (lab, must) in PRICE_SERIES.items():
        sel = price & (label == lab)
        if must:
            sel &= dlow.str.contains(must, regex=False)
        if not sel.any():
            continue
        first = dlow[sel].iloc[0]
        for i in np.flatnonzero((sel & (dlow == first)).to_numpy()):
            ulab, d = unit_lab.iat[i], dlow.iat[i]
            if "metric ton unit" in d and ulab == "dollars per metric ton":
                unit, factor, extra = "USD/t", 100.0, "converted from USD per metric ton unit (x100)"
            elif ulab in PRICE_UNITS:
                (unit, factor), extra = PRICE_UNITS[ulab], ""
            else:
                continue
            v, f = values.iat[i], flags.iat[i]
            m = re.fullmatch(r"([\d,.]+)\s*[–-]\s*([\d,.]+)", rawv.iat[i])
            if m:   # a published range: its midpoint, flagged
                lo, hi = (float(x.replace(",", "")) for x in m.groups())
                v, f, extra = (lo + hi) / 2, "range", _clean_note(extra, f"midpoint of {rawv.iat[i]}")
            if math.isnan(v):
                continue
            if v < 0:
                _check_negative(pd.Series([v], index=[df.index[i]]), file=file, field="Value")
            if factor != 1.0 and "converted" not in extra:
                extra = _clean_note(extra, f"converted from {df['Unit'].iat[i].strip()}")
            if f != "range":
                f = f.replace("e", "") + ("e" if est.iat[i] else "")
            rows.append(dict(dataset="price", mineral=mineral, stage="", hs="", country="",
                             partner="", year=df["year"].iat[i], variable="price",
                             value=v * factor, unit=unit, basis="", edition=edition,
                             flag=f, detail="",
                             note=_clean_note(f"US: {detail.iat[i]}", extra, notes.iat[i])))

    # --- US salient statistics (only unambiguous series)
    sal = section.str.startswith("Salient") & (country == "USA")
    cand = []
    for i in np.flatnonzero(sal.to_numpy()):
        var = _salient_variable(stat.iat[i], detail.iat[i])
        mineral = COMMODITIES.get(label.iat[i])
        if var is None or mineral is None or mineral == "clays":
            continue
        if var == "net_import_reliance":
            if unit_lab.iat[i] != "percent":
                continue
            unit, factor = "1", 0.01
        else:
            if unit_lab.iat[i] not in UNITS:
                continue
            unit, factor = UNITS[unit_lab.iat[i]]
        stage = "concentrate" if label.iat[i] == "bauxite" else _salient_stage(detail.iat[i])
        v, f = values.iat[i], flags.iat[i]
        if math.isnan(v):
            if not (var == "net_import_reliance" and rawv.iat[i] == "E"):
                continue
            f = "E"          # net exporter: kept as NaN with its flag
        cand.append(dict(dataset="us_salient", mineral=mineral, stage=stage, hs="", country="USA",
                         partner="", year=df["year"].iat[i], variable=var, value=v * factor,
                         unit=unit, basis="", edition=edition,
                         flag=f.replace("e", "") + ("e" if est.iat[i] else ""),
                         detail=detail.iat[i],
                         note=_clean_note(detail.iat[i], "net exporter" if f == "E" else "",
                                          notes.iat[i]), _row=df.index[i]))
    if cand:
        c = pd.DataFrame(cand)
        _check_negative(c.set_index("_row")["value"], file=file, field="Value")
        ndet = c.groupby(["mineral", "stage", "variable"])["detail"].transform("nunique")
        nlab = c.groupby(["mineral", "stage", "variable"])["unit"].transform("nunique")
        c = c[(ndet == 1) & (nlab == 1)].drop(columns=["_row"])
        c["detail"] = ""
        rows.extend(c.to_dict("records"))
    return _finish(rows, path)


# ----------------------------------------------------------------------------- entry point

def read(path: str | Path) -> pd.DataFrame:
    """Read a USGS MCS World Data CSV (MCS2025 style) or Commodities Data CSV (MCS2026 style).

    Returns validated observations (datasets ``reserves``, ``mine_production``,
    ``refined_production``; from the long format also ``price`` and ``us_salient``).
    A per-commodity world file of MCS2022–2024 (``mcs2024-coppe_world.csv``) is handed to
    :func:`critmin.sources.usgs_mcs_world.read`.
    """
    path = require_file(path, what="USGS MCS")
    UNMAPPED.clear()
    df = _read_csv(path)
    from . import usgs_mcs_world  # local: that module builds on this one

    if usgs_mcs_world.looks_like(list(df.columns)):
        return usgs_mcs_world.read(path)
    cols = set(df.columns)
    if {"COMMODITY", "COUNTRY"} & cols or any(re.match(r"PROD_", c) for c in cols):
        df = _read_world(df, path)
    else:
        df = _read_long(df, path)
    return schema.validate(df, file=str(path))
