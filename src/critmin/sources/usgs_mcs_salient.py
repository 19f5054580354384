"""USGS Mineral Commodity Summaries — salient statistics CSVs (US prices), editions 2022–2024.

Each MCS data release has one ``mcs<year>-<code>_salient.csv`` per commodity chapter
(UTF-8 with BOM): columns ``DataSource, Commodity, Year`` and one column per statistic
named ``<Statistic>_<detail>_<unit>`` (``Price_High-purity_dkg``, ``Price_dt``,
``Bauxite_Price_dt``), one row per year (five years per edition).

:func:`read` takes one such file, or a directory of them (every ``*_salient.csv``),
and returns the **price** columns as dataset ``price``, source ``usgs_mcs``, edition
``MCS2022`` / ``MCS2023`` / ``MCS2024`` (the file's ``DataSource``). The source id is the
one of the MCS 2026 long file (:mod:`critmin.sources.usgs_mcs`), and every series that
prices the same thing as an MCS 2026 price series carries exactly its key (mineral,
stage ``""``, hs ``""``, country ``""``, partner ``""``, variable ``price``) and unit, so
the store's newest-edition-per-key rule chains them into one annual series
(2017/2018–2025) in which a later edition's revised figure stands for the years the
editions share. Country is ``""`` as in the MCS 2026 price rows (the prices are US
quotations or US trade unit values; the note says ``US:``).

Which column becomes which series is the table :data:`PRICES` (commodity label →
column detail → :class:`Col`), read from the column names — never from the position
(price definitions change between editions). A price column of a different definition
than the MCS 2026 series of its mineral (another market, grade or trade basis: LME vs
U.S. spot, high- vs low-purity gallium, import unit value vs quotation) gets its own
variable (``price_lme``, ``price_high_purity`` ...) and a note saying so; it is never
chained with the MCS 2026 series. Columns the table maps to ``None`` (other products of
the chapter, laboratory-lot prices, the same series in a second unit) are not read; a
price column the table does not know is listed in :data:`UNREAD` and logged.

Rules (stated once, here):

* **units** from the last token of the column name: ``dt``/``t`` dollars per metric ton
  → ``USD/t``; ``dst`` dollars per short ton → ``USD/t`` (÷ 0.90718474); ``dkg``/``kg``
  → ``USD/kg``; ``dg`` dollars per gram → ``USD/kg`` (×1000); ``dlb`` → ``USD/lb``;
  ``ctslb`` cents per pound → ``USD/lb`` (×0.01); ``dtoz``/``dto`` → ``USD/troy_oz``; a
  token glued to the detail (``Price_WO3dt``, ``Price_High-puritydkg``) is read the same.
  Values are then converted to the series' unit in :data:`PRICES` (the MCS 2026 unit of
  the mineral for variable ``price``: selenium ``USD/kg``, manganese ``USD/t``). Manganese
  (``Price_CN_CIF_dt``) and tungsten (``Price_WO3_dt``) are dollars per metric ton *unit*
  in every edition despite the ``dt`` (the release metadata says so; the values equal
  MCS 2026's ``USD/dmtu`` figures): tungsten stays ``USD/dmtu``, manganese is ×100 →
  ``USD/t`` of contained Mn, as in MCS 2026. Other units (``dct``/``mct`` dollars per
  carat, ``kt``, ``df``, ``mdol``) are not price units of the registry: not read.
* **cells**: ``W`` (withheld), ``NA``, ``XX``, ``—``, ``-`` and blank are missing — no
  row. A bound (``>25``, ``<0.5``) or a range (``50–300``) is not an annual price — no
  row (MCS 2026's range midpoints are not recreated here). A price of ``0`` is no price
  (``mcs2024-asbes`` 2023) — no row. Thousands separators are removed. The release
  metadata marks the most recent year of each edition as estimated for nearly every
  series: rows of that year carry flag ``e``.
* **rounded series**: a column whose values in one file are all whole numbers below 10
  carries one significant figure (MCS 2024 bismuth 3, 3, 4, 4, 4 where MCS 2023 has
  3.18, 2.72, 3.74; arsenic, bromine, cadmium, iron oxide pigments; cerium and
  lanthanum oxide in every edition) — its year-to-year changes are rounding steps, so it
  is not read (listed in :data:`UNREAD`).
* **published errors corrected** (:data:`COLUMN_ERRATA`, each found by comparing the
  values with the other editions and MCS 2026): MCS 2024 lead ``Price_LME_ctslb`` holds
  the North American price; MCS 2024 selenium ``Price_US_dlb`` / ``Price_Europe_dlb``
  are dollars per kilogram; MCS 2024 zirconium sponge and unwrought hafnium ``_t`` are
  dollars per kilogram; MCS 2024 nickel's two columns both named
  ``Price_dt dlb (both used)`` are LME cash in $/t and in $/lb.
* **basis breaks** (:data:`BASIS_BREAKS`): a chained series must agree with the later
  editions in the years they share (tested: no two editions differ by more than 10 % in
  every one of two or more shared years that neither marks as estimated). Those that do
  not keep a variable of their own instead of being chained: MCS 2022 tungsten
  (``price_mcs2022``: 25–57 % above MCS 2023/2024 for 2018–2020), MCS 2023 iron oxide
  pigments (``price_mcs2023``: re-based in MCS 2024/2026) and MCS 2023 premium zircon
  c.i.f. China (``price_zircon_premium_china_mcs2023``: 19–28 % above MCS 2024).
  Single-year revisions (an estimate replaced by the final figure; MCS 2022/2023's 2021
  neodymium oxide 49 → 98 $/kg) are what the newest-edition rule is for.
* **defective files** (a single file: an error naming it; in a directory: skipped with
  a warning, listed in :data:`SKIPPED`): ``mcs2024-cobal``, ``mcs2024-gypsu`` and
  ``mcs2024-kyani`` hold the world production/reserves table instead of salient
  statistics; ``mcs2024-felds`` and ``mcs2024-fluor`` have more data cells than header
  names (values under unnamed columns: the header does not line up with the data, so no
  column can be trusted). Those commodities' 2019–2023 prices come from MCS 2023 and
  MCS 2026. The MCS 2024 chromium price columns are named ``CASE STATEMENT ERROR…`` and
  are not read either.
"""
from __future__ import annotations

import csv
import io
import logging
import re
from pathlib import Path
from typing import NamedTuple

import numpy as np
import pandas as pd

from .. import schema, units
from ..catalogue import check_mineral
from ..errors import DataValidationError, UnknownNameError, did_you_mean
from . import Source
from ._common import decode_text, parse_numbers, require_file

log = logging.getLogger(__name__)

SOURCE = Source(
    id="usgs_mcs",
    name="USGS Mineral Commodity Summaries — salient statistics (US prices)",
    publisher="U.S. Geological Survey, National Minerals Information Center",
    licence="Public domain (U.S. Government work)",
    attribution="U.S. Geological Survey, Mineral Commodity Summaries 2022/2023/2024 data "
                "releases, salient statistics (doi:10.5066/P9KKMCP4; doi:10.5066/P9WCYUI6; "
                "doi:10.5066/P144BA54)",
    files=("usgs-mcs-2022/salient", "usgs-mcs-2023/salient", "usgs-mcs-2024/salient"),
    url="https://www.usgs.gov/centers/national-minerals-information-center/"
        "mineral-commodity-summaries",
)

WHAT = "a USGS MCS salient statistics CSV (mcs<year>-<code>_salient.csv)"
PATTERN = "*_salient.csv"

#: Files skipped by the last directory :func:`read`: file name → reason.
SKIPPED: dict[str, str] = {}
#: Price columns not read by the last :func:`read`: ``file: column`` → reason.
UNREAD: dict[str, str] = {}


class Col(NamedTuple):
    """Where one salient price column goes."""

    mineral: str
    unit: str                  # registry unit written (for variable 'price': the MCS 2026 unit)
    variable: str = "price"
    note: str = ""


_KEPT_APART = "another definition than the MCS 2026 price series, not chained with it"


def _alt(mineral: str, unit: str, variable: str, what: str) -> Col:
    """A price column of another definition than the MCS 2026 series: its own variable."""
    return Col(mineral, unit, variable, f"{what}: {_KEPT_APART}")


_NOT_READ = dict.fromkeys

#: commodity label (lower case) → column detail (lower case, '-' → '_'; ``detail@token`` for
#: one unit of a detail published in two) → :class:`Col`, or ``None``: deliberately not read.
PRICES: dict[str, dict[str, Col | None]] = {
    "abrasives (manufactured)": _NOT_READ(["al2o3", "al2o3_hipur", "sic", "met_abras"]),
    "aluminum": {"ingot": Col("aluminium", "USD/lb")},
    "antimony": {"metal": Col("antimony", "USD/lb")},
    "arsenic": {"mtl_us": Col("arsenic", "USD/lb"),
                "mtl_rotterdam": _alt("arsenic", "USD/lb", "price_rotterdam", "Rotterdam")},
    "asbestos": {"customs": Col("asbestos", "USD/t")},
    "barite": {"": Col("barium", "USD/t")},
    "bauxite and alumina": {
        "bauxite": _alt("aluminium", "USD/t", "price_bauxite", "bauxite import unit value"),
        "alumina": None},
    "beryllium": {"alloy": Col("beryllium", "USD/kg")},
    "bismuth": {"": Col("bismuth", "USD/lb"), "average": Col("bismuth", "USD/lb")},
    "boron": {"cif": Col("boron", "USD/t")},
    "bromine": {"imports": Col("bromine", "USD/kg")},
    "cadmium": {"refined": Col("cadmium", "USD/kg")},
    "cement": {"avg": None},
    "chromium": {   # MCS 2026: ferrochromium quotation (Argus); these are import unit values
        "ore": _alt("chromium", "USD/t", "price_chromite_import",
                    "chromite ore import unit value, gross weight"),
        "ferrrochromium": _alt("chromium", "USD/t", "price_ferrochromium_import",
                               "ferrochromium import unit value, Cr content"),
        "metal": _alt("chromium", "USD/t", "price_metal_import",
                      "chromium metal import unit value, gross weight")},
    "clays": {"bentonite": Col("bentonite", "USD/t"), "kaolin": Col("kaolin", "USD/t"),
              **_NOT_READ(["ball", "common", "fire", "fullers"])},
    "cobalt": {"spot": Col("cobalt", "USD/lb"),
               "lme": _alt("cobalt", "USD/lb", "price_lme", "LME cash")},
    "copper": {"comex": Col("copper", "USD/lb"),
               "us": _alt("copper", "USD/lb", "price_us_producer",
                          "U.S. producer cathode (COMEX + premium)"),
               "lme": _alt("copper", "USD/lb", "price_lme", "LME grade A cash")},
    "diamond (industrial)": _NOT_READ(["bort_imports", "stones_imports"]),   # dollars per carat
    "diatomite": {"": Col("diatomite", "USD/t")},
    "feldspar and nepheline syenite": {"feldspar": Col("feldspar", "USD/t"),
                                       "nepheline_syenite": None},
    "fluorspar": {"acid": Col("fluorine", "USD/t"),
                  "metallurgical": _alt("fluorine", "USD/t", "price_metallurgical",
                                        "metallurgical grade"),
                  "": None},   # MCS2024's misaligned column
    "gallium": {   # MCS 2026: unit value of all gallium-metal imports (HTS 8112.92.1000)
        "high_purity": _alt("gallium", "USD/kg", "price_high_purity",
                            "high-purity (99.999%+) import unit value"),
        "low_purity": _alt("gallium", "USD/kg", "price_low_purity",
                           "low-purity (99.99%) import unit value")},
    "garnet (industrial)": {"import": Col("garnet", "USD/t")},
    "gemstones": {},
    "germanium": {"metal": Col("germanium", "USD/kg"),
                  "geo2": _alt("germanium", "USD/kg", "price_geo2", "germanium dioxide")},
    "gold": {"": Col("gold", "USD/troy_oz")},
    "graphite (natural)": {"flake": Col("graphite", "USD/t"),
                           "lump": _alt("graphite", "USD/t", "price_lump", "lump and chip"),
                           "amorphous": _alt("graphite", "USD/t", "price_amorphous", "amorphous")},
    "gypsum": {"mine": Col("gypsum", "USD/t"), "plant": None},   # calcined: another product
    "helium": {},
    "indium": {"fob": Col("indium", "USD/kg"),
               "ny": _alt("indium", "USD/kg", "price_new_york", "New York dealer"),
               "rotterdam": _alt("indium", "USD/kg", "price_rotterdam", "Rotterdam")},
    "iodine": {"crude_cif": Col("iodine", "USD/kg")},
    "iron and steel": _NOT_READ(["index", "index_mmt"]),   # a producer price index
    "iron and steel scrap": {"": None},
    "iron and steel slag": {"": None},
    "iron ore": {"": Col("iron_ore", "USD/t")},
    "iron oxide pigments": {"": Col("iron_oxide_pigments", "USD/kg")},
    "kyanite and related minerals": {"fas": Col("kyanite", "USD/t")},
    "lead": {"north_american": Col("lead", "USD/lb"),
             "lme": _alt("lead", "USD/lb", "price_lme", "LME cash")},
    "lime": _NOT_READ(["quicklime", "hydrated"]),
    "lithium": {"": Col("lithium", "USD/t", note="battery-grade lithium carbonate, contract "
                                                 "price (Fastmarkets); MCS 2026 quotes Benchmark")},
    "magnesium compounds": {},
    "magnesium metal": {"us_spot": Col("magnesium", "USD/lb"),
                        "european": _alt("magnesium", "USD/t", "price_europe",
                                         "European free market")},
    "manganese": {"cn_cif": Col("manganese", "USD/t", note="the column's 'dt' is dollars per "
                                                           "metric ton unit (release metadata)")},
    "mercury": {"imports": Col("mercury", "USD/kg")},
    "mica": {"flake": Col("mica", "USD/t"),
             **_NOT_READ(["ground_dry", "ground_wet", "sheet_block", "sheet_splittings"])},
    "molybdenum": {"": Col("molybdenum", "USD/kg", note="Mo in technical-grade molybdic oxide "
                                                       "(CRU); MCS 2026 quotes Argus")},
    "nickel": {"": Col("nickel", "USD/t"), "lme": Col("nickel", "USD/t"),
               "@dlb": None, "lme@dlb": None},   # the same quotation in $/lb
    "niobium (columbium)": {"": Col("niobium", "USD/kg")},
    "nitrogen (fixed)--ammonia": {"": None},
    "peat": {"": Col("peat", "USD/t")},
    "perlite": {"fob": Col("perlite", "USD/t")},
    "phosphate rock": {"": Col("phosphate_rock", "USD/t")},
    "platinum-group metals": {m: Col(m, "USD/troy_oz") for m in
                              ("palladium", "platinum", "iridium", "rhodium", "ruthenium")},
    "potash": {"all": Col("potash", "USD/t"),
               "muriate": _alt("potash", "USD/t", "price_muriate", "muriate of potash")},
    "pumice and pumicite": {"": Col("pumice", "USD/t")},
    "quartz crystal (industrial)": _NOT_READ(["hpq", "crystal_cultured", "crystal_lumbered"]),
    "rare earths": {"ceo2": Col("cerium", "USD/kg"), "dy2o3": Col("dysprosium", "USD/kg"),
                    "eu2o3": Col("europium", "USD/kg"), "la2o3": Col("lanthanum", "USD/kg"),
                    "nd2o3": Col("neodymium", "USD/kg"), "tbo2": Col("terbium", "USD/kg"),
                    "mischmetal": None},
    "rhenium": {"metal": Col("rhenium", "USD/kg"),
                "nh4reo4": _alt("rhenium", "USD/kg", "price_ammonium_perrhenate",
                                "ammonium perrhenate")},
    "salt": {"rock": Col("salt", "USD/t"),
             "vacuum": _alt("salt", "USD/t", "price_vacuum", "vacuum and open pan salt"),
             "solar": _alt("salt", "USD/t", "price_solar", "solar salt"),
             "brine": _alt("salt", "USD/t", "price_brine", "salt in brine")},
    "sand and gravel (construction)": {"": None},
    "sand and gravel (industrial)": {"": None},
    "scandium": {   # MCS 2026: oxide in 5- to 100-kg lots; gram-lot compounds and metal not read
        "cmpds_oxide": _alt("scandium", "USD/kg", "price_oxide_5kg_lot",
                            "oxide 99.99%, 5-kg lot, yearend"),
        **_NOT_READ(["cmpds_acetate", "cmpds_chloride", "cmpds_fluoride", "cmpds_iodide",
                     "mtl_dendritic", "mtl_ingot", "scal_kglot", "scal_mtlot", "scal_1000kglot"])},
    "selenium": {"us": Col("selenium", "USD/kg"),
                 "europe": _alt("selenium", "USD/kg", "price_rotterdam", "Rotterdam")},
    "silicon": {"si": Col("silicon", "USD/lb"),
                "fesi2_50": _alt("silicon", "USD/lb", "price_ferrosilicon_50",
                                 "ferrosilicon 50% Si, per lb of Si"),
                "fesi2_75": _alt("silicon", "USD/lb", "price_ferrosilicon_75",
                                 "ferrosilicon 75% Si, per lb of Si")},
    "silver": {"bullion": Col("silver", "USD/troy_oz")},
    "soda ash": {"": Col("soda_ash", "USD/t"), "@dst": None},   # the same series in short tons
    "stone (crushed)": {"average": None},
    "stone (dimension)": _NOT_READ(["average", "granite"]),
    "strontium": {"": Col("strontium", "USD/t")},
    "sulfur": {"elemental": Col("sulfur", "USD/t")},
    "talc and pyrophyllite": {"": Col("talc", "USD/t")},
    "tantalum": {"ta2o5": Col("tantalum", "USD/kg")},
    "tellurium": {"us": Col("tellurium", "USD/kg"),
                  "europe": _alt("tellurium", "USD/kg", "price_rotterdam", "Rotterdam")},
    "thallium": {"metal": Col("thallium", "USD/kg")},
    "thorium": _NOT_READ(["india", "france"]),
    "tin": {"ny": Col("tin", "USD/lb"),
            "lme": _alt("tin", "USD/lb", "price_lme", "LME cash")},
    "titanium and titanium dioxide": {"sponge": Col("titanium", "USD/kg"), "dioxide": None},
    "titanium mineral concentrates": {   # MCS 2026's titanium price is sponge metal
        "rutile": _alt("titanium", "USD/t", "price_rutile", "rutile, f.o.b. Australia"),
        "ilmente_leucoxene": _alt("titanium", "USD/t", "price_ilmenite_leucoxene",
                                  "ilmenite and leucoxene, f.o.b. Australia"),
        "ilmenite": _alt("titanium", "USD/t", "price_ilmenite_import",
                         "ilmenite import unit value"),
        "slag": _alt("titanium", "USD/t", "price_slag_import",
                     "titanium slag import unit value")},
    "tungsten": {"wo3": Col("tungsten", "USD/dmtu", note="the column's 'dt' is dollars per "
                                                         "metric ton unit (release metadata)")},
    "vanadium": {"v2o5": Col("vanadium", "USD/lb")},
    "vermiculite": {"range": Col("vermiculite", "USD/t")},
    "yttrium": {"y2o3": Col("yttrium", "USD/kg"),
                "metal": _alt("yttrium", "USD/kg", "price_metal", "yttrium metal")},
    "zeolites (natural)": {"range": Col("zeolites", "USD/t")},
    "zinc": {"": Col("zinc", "USD/lb"),
             "lme": _alt("zinc", "USD/lb", "price_lme", "LME cash")},
    "zirconium and hafnium": {
        "zircon_imported": Col("zirconium", "USD/t"),
        "zircon_premium_cif_cn": _alt("zirconium", "USD/t", "price_zircon_premium_china",
                                      "premium-grade zircon, c.i.f. China"),
        "zircon_sponge_cn": _alt("zirconium", "USD/kg", "price_sponge_china",
                                 "zirconium sponge, ex-works China"),
        "hf_unwrought": Col("hafnium", "USD/kg")},
}

#: unit token of a price column → (registry unit, factor)
UNIT_TOKENS: dict[str, tuple[str, float]] = {
    "dt": ("USD/t", 1.0), "t": ("USD/t", 1.0),
    "dst": ("USD/t", 1 / 0.90718474),                  # dollars per short ton
    "dkg": ("USD/kg", 1.0), "kg": ("USD/kg", 1.0),
    "dg": ("USD/kg", 1000.0),                           # dollars per gram
    "dlb": ("USD/lb", 1.0),
    "ctslb": ("USD/lb", 0.01),                          # cents per pound
    "dtoz": ("USD/troy_oz", 1.0), "dto": ("USD/troy_oz", 1.0),
    "dmtu": ("USD/dmtu", 1.0),                          # only via READ_AS
}
#: unit tokens of columns that are not a registry price unit (not read)
OTHER_TOKENS = {"dct", "mct", "df", "kt", "mdol", "mmt"}

#: (commodity, detail) → the unit token the values are really in, in every edition.
READ_AS: dict[tuple[str, str], str] = {("manganese", "cn_cif"): "dmtu", ("tungsten", "wo3"): "dmtu"}

#: (edition, commodity, published column name) → what the column holds (one name per
#: occurrence where the release repeats a name).
COLUMN_ERRATA: dict[tuple[str, str, str], tuple[str, ...]] = {
    # values 99.9, 91.3, 113, 116.5 = MCS2023's North American series (LME: 90.6, 82.7, 100)
    # and MCS2026's North American 1.13, 1.165 $/lb
    ("MCS2024", "lead", "Price_LME_ctslb"): ("Price_North_American_ctslb",),
    # 20, 15, 18, 23 for 2019-22 = MCS2023's 9.15, 6.61, 8.25, 10 $/lb in $/kg;
    # MCS2026: 18.18 $/kg for 2021
    ("MCS2024", "selenium", "Price_US_dlb"): ("Price_US_dkg",),
    ("MCS2024", "selenium", "Price_Europe_dlb"): ("Price_Europe_dkg",),
    # 34, 25, 25, 30 and 832, 778, 781, 1590 = MCS2023's $/kg series; MCS2026 hafnium 781, 1590
    ("MCS2024", "zirconium and hafnium", "Price_Zircon_sponge_CN_t"):
        ("Price_Zircon_sponge_CN_dkg",),
    ("MCS2024", "zirconium and hafnium", "Price_Hf_unwrought_t"): ("Price_Hf_unwrought_dkg",),
    # two columns of one name: 13903 ... (= MCS2023 Price_LME_dt) then 6.31 ... (= Price_LME_dlb)
    ("MCS2024", "nickel", "Price_dt dlb (both used)"): ("Price_LME_dt", "Price_LME_dlb"),
}

#: (edition, mineral, variable) → (variable, note): an edition whose series is on another basis
#: than the later editions' (its shared, non-estimated years disagree in every year); kept apart
#: under a variable of its own instead of being chained.
BASIS_BREAKS: dict[tuple[str, str, str], tuple[str, str]] = {
    ("MCS2022", "tungsten", "price"): (
        "price_mcs2022",
        "MCS2022's WO3 series is 25-57% above MCS2023/MCS2024's in every shared year 2018-2020 "
        "(another quotation): not chained"),
    ("MCS2023", "iron_oxide_pigments", "price"): (
        "price_mcs2023",
        "MCS2023's series (0.69-0.75 $/kg for 2019-2022) was re-based in later editions (MCS2024 "
        "about 1 $/kg for 2019-2021; MCS2026 1.03 for 2021, 1.92 for 2022): not chained"),
    ("MCS2023", "zirconium", "price_zircon_premium_china"): (
        "price_zircon_premium_china_mcs2023",
        "MCS2023's series is 19-28% above MCS2024's in every shared year 2019-2021: not chained"),
}

#: unit token → words for the note
_TOKEN_WORDS = {"dt": "dollars per metric ton", "t": "dollars per metric ton",
                "dst": "dollars per short ton", "dkg": "dollars per kilogram",
                "kg": "dollars per kilogram", "dg": "dollars per gram", "dlb": "dollars per pound",
                "ctslb": "cents per pound", "dtoz": "dollars per troy ounce",
                "dto": "dollars per troy ounce", "dmtu": "dollars per metric ton unit"}

#: a missing cell (lower case, stripped); '—' is missing here, not zero
_MISSING = {"", "w", "na", "n/a", "xx", "—", "–", "-", "--", "nan"}
_RANGE = re.compile(r"^\s*[\d.,]+\s*[–—-]\s*[\d.,]+\s*$")
_GLUED = sorted((t for t in UNIT_TOKENS if t.startswith(("d", "c"))), key=len, reverse=True)


class DefectiveFile(DataValidationError):
    """A published file that cannot be read as salient statistics (a known release defect)."""


# ----------------------------------------------------------------------------- helpers

def _join(*parts: str) -> str:
    return " | ".join(p for p in parts if p)


def _label(s: object) -> str:
    return re.sub(r"\s+", " ", str(s).replace("\xa0", " ")).strip().lower()


def _parse_column(name: str) -> tuple[str, str] | None:
    """``(detail, unit token)`` of a price column name, or None if it is no price column.

    >>> _parse_column("Price_High-purity_dkg")
    ('high_purity', 'dkg')
    >>> _parse_column("Price_WO3dt")
    ('wo3', 'dt')
    >>> _parse_column("Bauxite_Price_dt")
    ('bauxite', 'dt')
    >>> _parse_column("Imports_t") is None
    True
    """
    parts = name.strip().split("_")
    if not any(p.lower() == "price" for p in parts):
        return None
    tail, token = parts[-1], ""
    if tail.lower() in UNIT_TOKENS or tail.lower() in OTHER_TOKENS:
        token, parts = tail.lower(), parts[:-1]
    else:
        for t in _GLUED:
            if tail.endswith(t) and len(tail) > len(t):
                token, parts = t, parts[:-1] + [tail[:-len(t)]]
                break
    detail = "_".join(p for p in parts if p.lower() != "price").lower().replace("-", "_")
    return detail, token


def _decode(path: Path) -> str:
    return decode_text(path, ("utf-8-sig", "cp1252"), what=WHAT)


def _read_table(path: Path) -> tuple[list[str], pd.DataFrame]:
    """Header names (as published, duplicates kept) and the cells as strings."""
    file = str(path)
    try:
        rows = list(csv.reader(io.StringIO(_decode(path))))
    except csv.Error as exc:
        raise DataValidationError("cannot parse the CSV", file=file, found=str(exc),
                                  fix="download the file again; it may be truncated") from None
    rows = [r for r in rows if any(c.strip() for c in r)]
    if not rows:
        raise DataValidationError("the file has no rows", file=file, fix=f"pass {WHAT}")
    header = [h.replace("\ufeff", "").strip() for h in rows[0]]
    if {"Source", "Country", "Type"} <= set(header) and "Commodity" not in header:
        raise DefectiveFile(
            "the file holds the USGS world production/reserves table, not salient statistics "
            "(a known defect of the MCS2024 release for cobalt, gypsum and kyanite)", file=file,
            field="header", found=header[:4],
            fix="take this commodity's prices from another edition (MCS2023, MCS2026)")
    missing = [c for c in ("DataSource", "Commodity", "Year") if c not in header]
    if missing:
        raise DataValidationError(f"missing column(s) {missing} — this does not look like {WHAT}",
                                  file=file, field=", ".join(missing), found=header[:12],
                                  fix=f"pass {WHAT}, unmodified")
    width = max(len(r) for r in rows)
    body = [r + [""] * (width - len(r)) for r in rows[1:]]
    header = header + [""] * (width - len(header))
    for i, r in enumerate(body):
        j = next((j for j, (h, v) in enumerate(zip(header, r)) if not h and v.strip()), None)
        if j is not None:
            raise DefectiveFile(
                "a value under a column without a header name: the header does not line up with "
                "the data, so no column can be trusted", file=file, row=i + 2,
                field=f"column {j + 1} (unnamed)", found=r[j],
                fix="take this commodity's prices from another edition (known defect of "
                    "mcs2024-felds and mcs2024-fluor)")
    cols = [f"{h}#{j}" for j, h in enumerate(header)]   # unique even where names repeat
    return header, pd.DataFrame(body, columns=cols, dtype=str)


def _one_value(df: pd.DataFrame, col: str, *, file: str, pattern: str, fix: str) -> str:
    vals = df[col].str.strip()
    uniq = vals.unique().tolist()
    name = col.split("#")[0]
    if len(uniq) != 1 or not re.fullmatch(pattern, uniq[0]):
        bad = next((i for i, v in enumerate(vals)
                    if v != vals.iat[0] or not re.fullmatch(pattern, v)), 0)
        raise DataValidationError(f"'{name}' must hold one value of the form {pattern}",
                                  file=file, row=int(vals.index[bad]) + 2, field=name,
                                  found=vals.iat[bad], fix=fix)
    return uniq[0]


# ----------------------------------------------------------------------------- one file

def _read_one(path: Path) -> pd.DataFrame:
    file = str(path)
    header, df = _read_table(path)
    pos = {h: j for j, h in reversed(list(enumerate(header)))}     # first occurrence
    col = {h: f"{h}#{pos[h]}" for h in ("DataSource", "Commodity", "Year")}
    year_raw = df[col["Year"]].str.strip()
    df = df[year_raw != ""].copy()            # trailing rows without a year (mcs2023-asbes)
    if df.empty:
        raise DataValidationError("no data rows", file=file, fix=f"pass {WHAT}")
    bad_year = ~df[col["Year"]].str.strip().str.fullmatch(r"\d{4}")
    if bad_year.any():
        i = int(df.index[np.flatnonzero(bad_year.to_numpy())[0]])
        raise DataValidationError("not a calendar year", file=file, row=i + 2, field="Year",
                                  found=df.at[i, col["Year"]], fix="Year must be a four-digit year")
    edition = _one_value(df, col["DataSource"], file=file, pattern=r"MCS\d{4}",
                         fix="DataSource names the edition (MCS2024); keep the file unmodified")
    commodity = _label(_one_value(df, col["Commodity"], file=file, pattern=r".+",
                                  fix="one commodity per salient file"))
    if commodity not in PRICES:
        raise UnknownNameError(f"unknown USGS commodity label{did_you_mean(commodity, PRICES)}",
                               file=file, row=2, field="Commodity", found=commodity,
                               fix="add the label to critmin.sources.usgs_mcs_salient.PRICES")
    table = PRICES[commodity]
    year = df[col["Year"]].astype(int)
    est_year = int(edition[3:]) - 1
    name = path.name

    # published names → what they hold (errata); repeated names by occurrence
    seen: dict[str, int] = {}
    columns: list[tuple[str, str, str]] = []     # (cell column, corrected name, published name)
    for j, h in enumerate(header):
        if not h:
            continue
        k = seen[h] = seen.get(h, -1) + 1
        fixed = COLUMN_ERRATA.get((edition, commodity, h))
        columns.append((f"{h}#{j}", fixed[k] if fixed else h, h))

    parts = []
    for cell, cname, published in columns:
        parsed = _parse_column(cname)
        if parsed is None:
            continue
        detail, token = parsed
        key = f"{detail}@{token}"
        if key in table:
            spec = table[key]
        elif detail in table:
            spec = table[detail]
        else:
            UNREAD[f"{name}: {cname}"] = "price column not in PRICES"
            log.warning("USGS MCS salient %s: price column %r not in PRICES; not read", name, cname)
            continue
        if spec is None:
            continue
        token = READ_AS.get((commodity, detail), token)
        if token not in UNIT_TOKENS:
            UNREAD[f"{name}: {cname}"] = f"unit token {token!r} is no registry price unit"
            continue
        check_mineral(spec.mineral, file=file, field=cname)
        if (edition, spec.mineral, spec.variable) in BASIS_BREAKS:
            variable, why = BASIS_BREAKS[(edition, spec.mineral, spec.variable)]
            spec = spec._replace(variable=variable, note=_join(spec.note, why))
        if published != cname:
            spec = spec._replace(note=_join(f"published as {published!r}", spec.note))
        parts.append(_column(df[cell], year, spec, token, cname=cname, edition=edition,
                             est_year=est_year, file=file, name=name))
    parts = [p for p in parts if len(p)]
    if not parts:
        return schema.empty()
    out = pd.concat(parts, ignore_index=True)
    out["source"] = SOURCE.id
    return out


def _column(cells: pd.Series, year: pd.Series, spec: Col, token: str, *,
            cname: str, edition: str, est_year: int, file: str, name: str) -> pd.DataFrame:
    """One price column → observation rows (not yet validated)."""
    src_unit, factor = UNIT_TOKENS[token]
    raw = cells.str.replace("\xa0", " ").str.strip()
    low = raw.str.lower()
    values, flags = parse_numbers(raw)
    skip = low.isin(_MISSING) | raw.str.match(r"^[<>]") | raw.str.match(_RANGE) | values.isna()
    if (values[~skip] < 0).any():
        i = int(values.index[np.flatnonzero(((values < 0) & ~skip).to_numpy())[0]])
        raise DataValidationError("negative price", file=file, row=i + 2, field=cname,
                                  found=raw.at[i], expected="a price >= 0",
                                  fix="correct the sign or drop the row")
    skip |= values == 0
    keep = ~skip
    if not keep.any():
        return schema.empty()
    v = values[keep]
    if (v == v.round()).all() and (v < 10).all():
        UNREAD[f"{name}: {cname}"] = "rounded to one significant figure (whole numbers below 10)"
        return schema.empty()
    per_t = {**units.PRICE_TO_USD_PER_T, "USD/dmtu": 100.0}    # 1 metric ton unit = 1% of a ton
    to_target = 1.0 if src_unit == spec.unit else per_t[src_unit] / per_t[spec.unit]
    conv = "" if factor * to_target == 1.0 else f"converted from {_TOKEN_WORDS[token]}"
    y = year[keep]
    flag = flags[keep]
    flag = flag + np.where((y == est_year) & ~flag.str.contains("e"), "e", "")
    return pd.DataFrame({
        "dataset": "price", "mineral": spec.mineral, "stage": "", "hs": "", "country": "",
        "partner": "", "year": y.to_numpy(), "variable": spec.variable,
        "value": (v * factor * to_target).to_numpy(), "unit": spec.unit, "basis": "",
        "edition": edition, "flag": flag.to_numpy(),
        "note": _join(f"US: {cname} (salient statistics)", conv, spec.note)})


# ----------------------------------------------------------------------------- entry points

def raw_files(path: str | Path) -> list[Path]:
    """The files :func:`read` reads: ``path``, or every ``*_salient.csv`` of a directory."""
    p = Path(path)
    return sorted(p.glob(PATTERN)) if p.is_dir() else [p]


def read(path: str | Path) -> pd.DataFrame:
    """Read one salient statistics CSV, or every ``*_salient.csv`` in a directory.

    Returns validated ``price`` observations (source ``usgs_mcs``, edition from
    ``DataSource``). A single defective file is an error naming it; in a directory the
    known defective files are skipped with a warning and listed in :data:`SKIPPED`.
    """
    p = Path(path)
    SKIPPED.clear()
    UNREAD.clear()
    if p.is_dir():
        files = raw_files(p)
        if not files:
            raise DataValidationError(f"no {PATTERN} files in the directory", file=str(p),
                                      fix=f"pass {WHAT} or the release's salient/ directory")
    else:
        files = [require_file(p, what="USGS MCS salient statistics")]
    parts = []
    for f in files:
        try:
            parts.append(_read_one(f))
        except DefectiveFile as exc:
            if not p.is_dir():
                raise
            SKIPPED[f.name] = exc.what
            log.warning("USGS MCS salient %s skipped: %s", f.name, exc.what)
    df = pd.concat(parts, ignore_index=True) if parts else schema.empty()
    df = df.sort_values(["mineral", "variable", "edition", "year"], kind="stable")
    return schema.validate(df, file=str(p))
