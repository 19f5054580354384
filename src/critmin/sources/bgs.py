"""BGS World Mineral Statistics — CSV exports of the BGS OGC API (one row per country-year-subcommodity).

``read(path)`` takes one export file (``BGS_cobalt_production.csv`` ...) or a directory
(every ``*.csv`` in it) and returns observations of ``mine_production`` and
``refined_production``.

Rules (stated once, here):

* **country** — ``country_iso3_code``; historic entities keep their ISO 3166-3 codes
  (Soviet Union ``SUN``, Yugoslavia ``YUG``, Czechoslovakia ``CSK``, German Democratic
  Rep. ``DDR``, Serbia and Montenegro ``SCG``). Corrections of the export's codes: Zaire
  ``ZAR`` → ``COD`` (DR Congo renamed); 'Congo' (Republic, ISO2 ``CG``) is exported with
  ``COD`` and is corrected to ``COG``; Kosovo ``1A0`` → ``XKX``; Rhodesia (no code) →
  ``ZWE`` (renamed 1980; the series do not overlap). A name with no code falls back to
  :func:`critmin.countries.to_iso3` of ``country_trans``.
* **year** — from ``'YYYY-01-01 00:00:00'``.
* **value** — ``quantity``; rows where it is missing ('Figures not available') are
  dropped, never zero; 'Nil (nothing produced)' is 0; 'Quantity is more than 0 but less
  than 0.5' becomes 0.5 with flag ``<`` (the convention of
  :func:`critmin.sources._common.parse_number` for ``'<0.5'``).
* **flag** — ``e`` where the figure notes mark an estimate (code ``*``), ``<`` as above.
* **note** — the figure notes text (``concat_figure_notes_text``), plus what was summed.
* **units** — 'tonnes (metal content)' / 'tonnes (metric)' → ``t``; 'kilograms (metal
  content)' → ``kg``.

Table → series (dataset, mineral, stage ``mine`` / ``refined``, variable, basis):

==========================================  =============================================
BGS table                                   series
==========================================  =============================================
Mine production of copper/cobalt/nickel/    mine_production, variable ``quantity``, metal
tungsten/antimony
Production of refined copper/cobalt         refined_production ``quantity``, metal
Smelter production of copper                refined_production, variable ``smelter`` (blister
                                            and anode; not refined copper), metal
Smelter/refinery production of nickel       refined_production ``quantity`` metal (incl. the
                                            few 'Sulfate' rows, which stand alone)
Production of primary gallium / germanium   refined_production ``quantity`` metal
metal / primary magnesium metal
Production of graphite                      mine_production graphite, gross
Production of manganese ore                 mine_production manganese, gross (Chemical +
                                            Metallurgical + ferruginous sub-rows summed)
Production of rare earth oxides             mine_production rare_earths ``quantity``, REO
Production of rare earth minerals           ``quantity_gross`` gross (concentrate tonnage,
                                            minerals summed); rows the figure notes call
                                            'REO content' (China 1982–2011) go to
                                            ``quantity`` REO only for country-years the
                                            oxide table lacks (China 1982–1991)
Production of lithium minerals              lithium ``quantity`` **metal** (Li content) = sum
                                            of the '(Li content)' sub-commodities and of
                                            unnamed rows noted 'Li content' (USA to 2011);
                                            ``quantity_gross`` gross = the unnamed total row
                                            where BGS gives one, else the sum of named
                                            gross sub-commodities; ``gross_<sub>`` per named
                                            gross sub-commodity (``gross_spodumene`` ...)
Mine production of platinum group metals    per element ``platinum``, ``palladium``,
                                            ``rhodium``, ``ruthenium``, ``iridium``,
                                            ``osmium`` (kg, metal) and
                                            ``platinum_group_metals`` = the unnamed total row
                                            where given, else the sum of every reported
                                            row (elements, 'Other platinum metals',
                                            'Osmiridium')
Production of ferro-alloys                  refined_production, gross weight, one variable
                                            per alloy under its alloying mineral
                                            (:data:`FERRO_ALLOYS`); silicon metal is
                                            silicon ``quantity``, basis metal
==========================================  =============================================

Ferro-alloys without a catalogue mineral ('Ferro-alloys' unspecified, 'Other
ferro-alloys', mixed 'Fe-Ti, Fe-W, Fe-Mo, Fe-V', calcium silicide, ferro-calcium-silicon,
ferro-silico-calcium-aluminium, ferro-phosphorus, pig iron, silicon pig iron) are skipped
(:data:`SKIPPED_SUBCOMMODITIES`).
"""
from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pandas as pd

from .. import schema
from ..countries import to_iso3
from ..errors import DataValidationError
from . import Source
from ._common import read_csv_safely, refuse_duplicate_rows, require_columns, require_file

SOURCE = Source(
    id="bgs_wms",
    name="BGS World Mineral Statistics",
    publisher="British Geological Survey",
    licence="Open Government Licence (BGS World Mineral Statistics)",
    attribution="Contains British Geological Survey materials © UKRI",
    files=tuple(f"bgs-world-mineral-statistics/BGS_{c}_production.csv" for c in (
        "REs", "antimony", "cobalt", "copper", "ferroalloys", "gallium", "germanium",
        "graphite", "lithium", "magnesium", "manganese", "nickel", "platinum", "tungsten")),
    url="https://www2.bgs.ac.uk/mineralsuk/statistics/wms.cfc?method=searchWMS",
)

SOURCE_ID = SOURCE.id
WHAT = "a BGS World Mineral Statistics CSV export"

REQUIRED = ["country_trans", "country_iso3_code", "year", "quantity", "units",
            "yearbook_table_trans", "bgs_sub_commodity_trans"]

UNITS = {"tonnes (metal content)": "t", "tonnes (metric)": "t", "tonnes": "t",
         "kilograms (metal content)": "kg", "kilograms": "kg", "kilograms (metric)": "kg"}

#: export ISO3 code → ISO3 used by critmin
ISO3_FIX = {"ZAR": "COD", "1A0": "XKX", "ROM": "ROU", "TMP": "TLS"}

#: simple tables: yearbook_table_trans (lower case) → (dataset, mineral, stage, variable, basis)
TABLES: dict[str, tuple[str, str, str, str, str]] = {
    "mine production of copper": ("mine_production", "copper", "mine", "quantity", "metal"),
    "production of refined copper": ("refined_production", "copper", "refined", "quantity", "metal"),
    "smelter production of copper": ("refined_production", "copper", "refined", "smelter", "metal"),
    "mine production of cobalt": ("mine_production", "cobalt", "mine", "quantity", "metal"),
    "production of refined cobalt": ("refined_production", "cobalt", "refined", "quantity", "metal"),
    "mine production of nickel": ("mine_production", "nickel", "mine", "quantity", "metal"),
    "smelter/refinery production of nickel": ("refined_production", "nickel", "refined", "quantity",
                                              "metal"),
    "mine production of tungsten": ("mine_production", "tungsten", "mine", "quantity", "metal"),
    "mine production of antimony": ("mine_production", "antimony", "mine", "quantity", "metal"),
    "production of primary gallium": ("refined_production", "gallium", "refined", "quantity", "metal"),
    "production of germanium metal": ("refined_production", "germanium", "refined", "quantity",
                                      "metal"),
    "production of primary magnesium metal": ("refined_production", "magnesium", "refined",
                                              "quantity", "metal"),
    "production of graphite": ("mine_production", "graphite", "mine", "quantity", "gross"),
    "production of manganese ore": ("mine_production", "manganese", "mine", "quantity", "gross"),
    "production of rare earth oxides": ("mine_production", "rare_earths", "mine", "quantity", "REO"),
}

T_REE_MINERALS = "production of rare earth minerals"
T_LITHIUM = "production of lithium minerals"
T_PGM = "mine production of platinum group metals"
T_FERRO = "production of ferro-alloys"
SPECIAL_TABLES = {T_REE_MINERALS, T_LITHIUM, T_PGM, T_FERRO}

#: PGM sub-commodity → element mineral id (others only enter the PGM total)
PGM_ELEMENTS = {"platinum": "platinum", "palladium": "palladium", "rhodium": "rhodium",
                "ruthenium": "ruthenium", "iridium": "iridium", "osmium": "osmium"}
PGM_OTHER = {"other platinum metals", "osmiridium"}

#: ferro-alloy sub-commodity (lower case) → (mineral, variable, basis)
FERRO_ALLOYS: dict[str, tuple[str, str, str]] = {
    "ferro-chrome": ("chromium", "ferrochromium", "gross"),
    "ferro-chrome & ferro-silico-chrome": ("chromium", "ferrochromium_incl_ferrosilicochromium",
                                           "gross"),
    "ferro-silico-chrome": ("chromium", "ferrosilicochromium", "gross"),
    "ferro-manganese": ("manganese", "ferromanganese", "gross"),
    "ferro-manganese & ferro-silico-manganese": ("manganese", "ferromanganese_incl_silicomanganese",
                                                 "gross"),
    "ferro-manganese & spiegeleisen": ("manganese", "ferromanganese_incl_spiegeleisen", "gross"),
    "ferro-silico-manganese": ("manganese", "silicomanganese", "gross"),
    # Zambia 2020-2023 reports this row *beside* 'Ferro-silico-manganese' (2023: 72 kt and
    # 80 kt): kept apart so the two are never summed
    "ferro-alloys (silico-manganese)": ("manganese", "silicomanganese_ferroalloys_row", "gross"),
    "ferro-si-manganese & silico-speigeleisen": ("manganese",
                                                 "silicomanganese_incl_silicospiegeleisen", "gross"),
    "fe-silico-spiegeleisen & si-mn": ("manganese", "silicomanganese_incl_silicospiegeleisen",
                                       "gross"),
    "spiegeleisen": ("manganese", "spiegeleisen", "gross"),
    "ferro-silicon": ("silicon", "ferrosilicon", "gross"),
    "ferro-alloys (ferro-silicon & silicon metal)": ("silicon", "ferrosilicon_incl_silicon_metal",
                                                     "gross"),
    "silicon metal": ("silicon", "quantity", "metal"),
    "ferro-vanadium": ("vanadium", "ferrovanadium", "gross"),
    "ferro-niobium": ("niobium", "ferroniobium", "gross"),
    "ferro-molybdenum": ("molybdenum", "ferromolybdenum", "gross"),
    "ferro-nickel": ("nickel", "ferronickel", "gross"),
    "ferro-titanium": ("titanium", "ferrotitanium", "gross"),
    "ferro-titanium & ferro-silico-titanium": ("titanium", "ferrotitanium_incl_ferrosilicotitanium",
                                               "gross"),
    "ferro-tungsten": ("tungsten", "ferrotungsten", "gross"),
    "ferro-rare earth": ("rare_earths", "ferro_rare_earth", "gross"),
    "ferro-silico-magnesium": ("magnesium", "ferrosilicomagnesium", "gross"),
    "ferro-aluminium": ("aluminium", "ferroaluminium", "gross"),
    "ferro-aluminium & ferro-silico-aluminium": ("aluminium",
                                                 "ferroaluminium_incl_ferrosilicoaluminium", "gross"),
}

#: sub-commodities deliberately not imported (no catalogue mineral, or a mix of several)
SKIPPED_SUBCOMMODITIES = {
    "ferro-alloys", "other ferro-alloys", "fe-ti, fe-w, fe-mo, fe-v", "calcium silicide",
    "ferro-calcium-silicon", "ferro-silico-calcium-aluminium", "ferro-phosphorus", "pig iron",
    "silicon pig iron",
}

KEY = ["dataset", "mineral", "stage", "country", "year", "variable"]


def _slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "_", text.lower()).strip("_")


def _join_notes(notes: pd.Series) -> str:
    seen: list[str] = []
    for n in notes:
        for part in str(n).split("|"):
            part = part.strip()
            if part and part not in seen:
                seen.append(part)
    return " | ".join(seen)


def _read_one(path: Path) -> pd.DataFrame:
    p = require_file(path, what=WHAT)
    raw = read_csv_safely(p, what=WHAT, encodings=("utf-8-sig",))
    require_columns(raw, REQUIRED, file=str(p), what=WHAT)
    refuse_duplicate_rows(raw, file=str(p), what="BGS row")
    raw["_file"] = str(p)
    raw["_row"] = np.arange(len(raw)) + 2   # spreadsheet row number (header = 1)
    return raw


def _countries(raw: pd.DataFrame, file: str) -> pd.Series:
    iso3 = raw["country_iso3_code"].str.strip().str.upper()
    iso2 = raw["country_iso2_code"].str.strip().str.upper() if "country_iso2_code" in raw else None
    iso3 = iso3.replace(ISO3_FIX)
    if iso2 is not None:   # the export codes the Republic of Congo (ISO2 CG) as COD
        iso3 = iso3.mask((iso2 == "CG") & (iso3 == "COD"), "COG")
    missing = ~iso3.str.fullmatch(r"[A-Z]{3}")
    if missing.any():
        names = raw.loc[missing, "country_trans"]
        uniq = pd.unique(names)
        resolved = dict(zip(uniq, to_iso3(list(uniq), strict=False)))
        iso3 = iso3.copy()
        iso3[missing] = names.map(resolved)
        bad = ~iso3.str.fullmatch(r"[A-Z]{3}")
        if bad.any():
            i = int(np.flatnonzero(bad.to_numpy())[0])
            raise DataValidationError("unknown country", file=file, row=int(raw["_row"].iat[i]),
                                      field="country_trans", found=raw["country_trans"].iat[i],
                                      fix="add the name to critmin.countries.FORMER or report it")
    return iso3


def _prepare(raw: pd.DataFrame, file: str) -> pd.DataFrame:
    """Parse the common columns; drop rows without a figure; one row per source row."""
    df = pd.DataFrame({
        "table": raw["yearbook_table_trans"].str.strip().str.lower(),
        "sub": raw["bgs_sub_commodity_trans"].str.strip(),
        "country_name": raw["country_trans"].str.strip(),
        "_row": raw["_row"], "_file": raw["_file"],
    })
    year = raw["year"].str.extract(r"^\s*(\d{4})", expand=False)
    if year.isna().any():
        i = int(np.flatnonzero(year.isna().to_numpy())[0])
        raise DataValidationError("year not in 'YYYY-01-01 00:00:00' form", file=file,
                                  row=int(raw["_row"].iat[i]), field="year", found=raw["year"].iat[i])
    df["year"] = year.astype(int)
    q = pd.to_numeric(raw["quantity"].str.replace(",", "", regex=False).str.strip(), errors="coerce")
    bad = q.isna() & raw["quantity"].str.strip().ne("")
    if bad.any():
        i = int(np.flatnonzero(bad.to_numpy())[0])
        raise DataValidationError("quantity is not a number", file=file, row=int(raw["_row"].iat[i]),
                                  field="quantity", found=raw["quantity"].iat[i])
    neg = q < 0
    if neg.any():
        i = int(np.flatnonzero(neg.to_numpy())[0])
        raise DataValidationError("negative quantity", file=file, row=int(raw["_row"].iat[i]),
                                  field="quantity", found=float(q.iat[i]), expected="a value >= 0",
                                  fix="quantities cannot be negative; correct the sign or drop the row")
    precision = (raw["data_precision_description"].str.strip().str.lower()
                 if "data_precision_description" in raw else pd.Series("", index=raw.index))
    lt = precision.str.startswith("quantity is more than 0 but less than")
    q = q.mask(lt, 0.5)
    q = q.mask(precision.str.startswith("nil") & q.isna(), 0.0)
    df["value"] = q
    codes = raw["concat_figure_notes_code"] if "concat_figure_notes_code" in raw else ""
    est = pd.Series(codes, index=raw.index).astype(str).str.contains("*", regex=False)
    df["flag"] = np.where(lt, "<", np.where(est, "e", ""))
    df["note"] = (raw["concat_figure_notes_text"].str.strip()
                  if "concat_figure_notes_text" in raw else "")
    units = raw["units"].str.strip().str.lower()
    unknown = ~units.isin(list(UNITS))
    if unknown.any():
        i = int(np.flatnonzero(unknown.to_numpy())[0])
        raise DataValidationError("unknown BGS unit", file=file, row=int(raw["_row"].iat[i]),
                                  field="units", found=raw["units"].iat[i],
                                  expected=f"one of {sorted(UNITS)}")
    df["unit"] = units.map(UNITS)
    df["country"] = _countries(raw, file)
    unknown = ~df["table"].isin(list(TABLES) + list(SPECIAL_TABLES))
    if unknown.any():
        i = int(np.flatnonzero(unknown.to_numpy())[0])
        raise DataValidationError("BGS table not known to the importer", file=file,
                                  row=int(raw["_row"].iat[i]), field="yearbook_table_trans",
                                  found=raw["yearbook_table_trans"].iat[i],
                                  expected=f"one of {sorted(set(TABLES) | SPECIAL_TABLES)}",
                                  fix="extend critmin.sources.bgs.TABLES")
    df = df[df["value"].notna()]   # 'Figures not available': dropped, never 0
    # two source names for one ISO3 in one table-year (e.g. Germany vs German Federal Rep.)
    dup = df.duplicated(["table", "sub", "country", "year"], keep=False)
    if dup.any():
        d = df[dup].iloc[0]
        raise DataValidationError("two rows for one country-year-subcommodity", file=d["_file"],
                                  row=int(d["_row"]), field="country_trans",
                                  found=f"{d['country_name']} ({d['country']}) {d['year']}",
                                  fix="report it: the importer would double count")
    return df


def _agg(df: pd.DataFrame, note: str = "", *, always: bool = False) -> pd.DataFrame:
    """Sum rows per key; flag 'e' if any part is estimated; notes joined.

    Where several source rows were summed the note says ``sum of <sub-commodities>``;
    ``note`` prefixes it (on every row when ``always``). Single rows pass through
    untouched (vectorised: most keys have one source row).
    """
    cols = KEY + ["unit", "basis", "value", "flag", "note"]
    if df.empty:
        return df[cols]
    multi = df.duplicated(KEY, keep=False).to_numpy()
    one = df.loc[~multi, cols].copy()
    if always and note:
        one["note"] = np.where(one["note"] != "", note + " | " + one["note"], note)
    rows = []
    for key, g in df[multi].groupby(KEY, sort=False):
        if g["unit"].nunique() > 1 or g["basis"].nunique() > 1:
            raise DataValidationError("rows to sum have different units or bases",
                                      file=g["_file"].iat[0], row=int(g["_row"].iat[0]),
                                      field="units", found=sorted(set(g["unit"]) | set(g["basis"])))
        flags = set(g["flag"])
        parts = sorted(set(g["sub"]) - {""})
        head = ": ".join(x for x in (note, "sum of " + (", ".join(parts) if parts else "rows")) if x)
        tail = _join_notes(g["note"])
        rows.append((*key, g["unit"].iat[0], g["basis"].iat[0], float(g["value"].sum()),
                     "e" if "e" in flags else ("<" if flags == {"<"} else ""),
                     head + (" | " + tail if tail else "")))
    many = pd.DataFrame(rows, columns=cols)
    return pd.concat([one, many], ignore_index=True) if len(many) else one.reset_index(drop=True)


def _assign(df: pd.DataFrame, dataset: str, mineral, stage: str, variable, basis) -> pd.DataFrame:
    df = df.copy()
    df["dataset"], df["mineral"], df["stage"] = dataset, mineral, stage
    df["variable"], df["basis"] = variable, basis
    return df


def _simple(df: pd.DataFrame) -> list[pd.DataFrame]:
    out = []
    for table, (dataset, mineral, stage, variable, basis) in TABLES.items():
        part = df[df["table"] == table]
        if len(part):
            out.append(_agg(_assign(part, dataset, mineral, stage, variable, basis)))
    return out


def _ree_minerals(df: pd.DataFrame, oxides: pd.DataFrame) -> list[pd.DataFrame]:
    part = df[df["table"] == T_REE_MINERALS]
    if part.empty:
        return []
    reo = part["note"].str.contains("REO content", case=False)
    gross = _agg(_assign(part[~reo], "mine_production", "rare_earths", "mine", "quantity_gross",
                         "gross"), note="concentrate gross weight", always=True)
    r = part[reo]
    if len(oxides):
        have = set(zip(oxides["country"], oxides["year"]))
        r = r[[(c, y) not in have for c, y in zip(r["country"], r["year"])]]
    r = _assign(r, "mine_production", "rare_earths", "mine", "quantity", "REO")
    r = r.assign(note=("from the BGS 'rare earth minerals' table | " + r["note"]))
    return [gross, _agg(r)]


def _lithium(df: pd.DataFrame) -> list[pd.DataFrame]:
    part = df[df["table"] == T_LITHIUM]
    if part.empty:
        return []
    sub = part["sub"].str.lower()
    content = sub.str.contains("li content") | ((sub == "") & part["note"].str.contains(
        "Li content", case=False))
    out = [_agg(_assign(part[content], "mine_production", "lithium", "mine", "quantity", "metal"),
                note="Li content")]
    gross = part[~content]
    named = gross[gross["sub"] != ""]
    out.append(_agg(_assign(named, "mine_production", "lithium", "mine",
                            "gross_" + named["sub"].map(lambda s: _slug(
                                s.replace("Lithium minerals", "").strip(" ()") or s)), "gross")))
    total = gross[gross["sub"] == ""]
    have = set(zip(total["country"], total["year"]))
    rest = named[[(c, y) not in have for c, y in zip(named["country"], named["year"])]]
    both = pd.concat([total, rest])
    out.append(_agg(_assign(both, "mine_production", "lithium", "mine", "quantity_gross", "gross"),
                    note="gross weight of lithium minerals and compounds", always=True))
    return out


def _pgm(df: pd.DataFrame) -> list[pd.DataFrame]:
    part = df[df["table"] == T_PGM]
    if part.empty:
        return []
    sub = part["sub"].str.lower()
    unknown = ~(sub.isin(list(PGM_ELEMENTS)) | sub.isin(PGM_OTHER) | (sub == ""))
    if unknown.any():
        i = int(np.flatnonzero(unknown.to_numpy())[0])
        raise DataValidationError("unknown PGM sub-commodity", file=part["_file"].iat[i],
                                  row=int(part["_row"].iat[i]), field="bgs_sub_commodity_trans",
                                  found=part["sub"].iat[i],
                                  fix="extend critmin.sources.bgs.PGM_ELEMENTS / PGM_OTHER")
    elem = part[sub.isin(list(PGM_ELEMENTS))]
    out = [_agg(_assign(elem, "mine_production", elem["sub"].str.lower().map(PGM_ELEMENTS), "mine",
                        "quantity", "metal"))]
    total = part[sub == ""]
    have = set(zip(total["country"], total["year"]))
    covered = pd.Series([(c, y) in have for c, y in zip(part["country"], part["year"])],
                        index=part.index)
    rest = part[(sub != "") & ~covered]
    t = _assign(total, "mine_production", "platinum_group_metals", "mine", "quantity", "metal")
    t = t.assign(note=("BGS total of platinum-group metals | " + t["note"]).str.rstrip(" |"))
    s = _agg(_assign(rest, "mine_production", "platinum_group_metals", "mine", "quantity", "metal"),
             note="sum of reported PGM elements", always=True)
    out += [_agg(t), s]
    return out


def _ferro(df: pd.DataFrame) -> list[pd.DataFrame]:
    part = df[df["table"] == T_FERRO]
    if part.empty:
        return []
    sub = part["sub"].str.lower()
    unknown = ~(sub.isin(list(FERRO_ALLOYS)) | sub.isin(SKIPPED_SUBCOMMODITIES))
    if unknown.any():
        i = int(np.flatnonzero(unknown.to_numpy())[0])
        raise DataValidationError("unknown ferro-alloy sub-commodity", file=part["_file"].iat[i],
                                  row=int(part["_row"].iat[i]), field="bgs_sub_commodity_trans",
                                  found=part["sub"].iat[i],
                                  fix="extend critmin.sources.bgs.FERRO_ALLOYS or SKIPPED_SUBCOMMODITIES")
    keep = part[sub.isin(list(FERRO_ALLOYS))]
    spec = keep["sub"].str.lower().map(FERRO_ALLOYS)
    return [_agg(_assign(keep, "refined_production", spec.str[0], "refined", spec.str[1],
                         spec.str[2]))]


def read(path: str | Path) -> pd.DataFrame:
    """Read one BGS World Mineral Statistics CSV export (or a directory of them).

    Returns validated observations (``source='bgs_wms'``, ``edition='WMS-<last data
    year>'``) of ``mine_production`` and ``refined_production``; see the module docstring
    for the table mapping.
    """
    p = Path(path)
    if p.is_dir():
        files = sorted(p.glob("*.csv"))
        if not files:
            raise DataValidationError("no CSV files in the directory", file=str(p),
                                      fix=f"pass {WHAT} or the directory holding them")
    else:
        files = [p]
    parts = []
    for f in files:
        raw = _read_one(f)
        parts.append(_prepare(raw, str(f)))
    df = pd.concat(parts, ignore_index=True)
    # (two exports of one table in a directory are refused by _prepare: no double count)
    out: list[pd.DataFrame] = []
    out += _simple(df)
    oxides = df[df["table"] == "production of rare earth oxides"]
    out += _ree_minerals(df, oxides)
    out += _lithium(df)
    out += _pgm(df)
    out += _ferro(df)
    out = [o for o in out if len(o)]
    if out:
        obs = pd.concat(out, ignore_index=True)
        edition = f"WMS-{int(df['year'].max())}"
    else:
        obs = schema.empty()
        edition = ""
    obs = obs.assign(hs="", partner="", source=SOURCE_ID, edition=edition)
    obs = obs[[c for c in schema.COLUMNS if c in obs.columns]]
    obs = obs.sort_values(["dataset", "mineral", "variable", "country", "year"], kind="stable")
    return schema.validate(obs, file=str(path))
