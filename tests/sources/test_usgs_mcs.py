"""USGS MCS importer: spot checks against the raw files, plus synthetic-file checks."""
from __future__ import annotations

import math
import time

import pytest

from critmin import schema
from critmin.catalogue import mineral_ids
from critmin.errors import DataValidationError
from critmin.sources import usgs_mcs
from critmin.testing import one

MCS2025 = "usgs-mcs-2025/MCS2025_World_Data.csv"
MCS2026 = "usgs-mcs-2026/MCS2026_Commodities_Data.csv"


@pytest.fixture(scope="module")
def mcs25(raw_dir):
    return usgs_mcs.read(raw_dir / MCS2025)


@pytest.fixture(scope="module")
def mcs26(raw_dir):
    return usgs_mcs.read(raw_dir / MCS2026)




def test_source_metadata():
    assert usgs_mcs.SOURCE.id == "usgs_mcs"
    assert usgs_mcs.SOURCE.files == (MCS2025, MCS2026)


def test_mapped_minerals_are_in_catalogue():
    ids = set(mineral_ids())
    targets = {m for m in usgs_mcs.COMMODITIES.values() if m and m != "clays"}
    assert targets <= ids, targets - ids
    assert set(usgs_mcs.PRICE_SERIES) <= ids, set(usgs_mcs.PRICE_SERIES) - ids


# ------------------------------------------------------------------ MCS2025 World Data

def test_mcs2025_schema_and_edition(mcs25):
    assert list(mcs25.columns) == schema.COLUMNS
    assert set(mcs25["edition"]) == {"MCS2025"}
    assert set(mcs25["source"]) == {"usgs_mcs"}
    assert set(mcs25["dataset"]) == {"reserves", "mine_production", "refined_production"}
    assert set(mcs25.loc[mcs25.dataset == "reserves", "year"]) == {2024}
    assert set(mcs25.loc[mcs25.dataset != "reserves", "year"]) == {2023, 2024}
    assert set(mcs25["mineral"]) <= set(mineral_ids())
    assert mcs25["value"].notna().all()


def test_mcs2025_copper_chile_reserves_kt_to_t(mcs25):
    r = one(mcs25, dataset="reserves", mineral="copper", country="CHL")
    assert r.value == 190_000_000 and r.unit == "t" and r.year == 2024 and r.basis == "metal"


def test_mcs2025_lithium_australia(mcs25):
    r = one(mcs25, dataset="reserves", mineral="lithium", country="AUS")
    assert r.value == 7_000_000 and r.unit == "t"
    p = one(mcs25, dataset="mine_production", mineral="lithium", country="AUS", year=2024)
    assert p.value == 88_000 and p.flag == "e"      # PROD_EST_ 2024 column is an estimate
    p = one(mcs25, dataset="mine_production", mineral="lithium", country="AUS", year=2023)
    assert p.value == 91_700 and p.flag == ""


def test_mcs2025_rare_earths_cobalt(mcs25):
    r = one(mcs25, dataset="mine_production", mineral="rare_earths", country="CHN", year=2024)
    assert r.value == 270_000 and r.basis == "REO"
    r = one(mcs25, dataset="mine_production", mineral="cobalt", country="COD", year=2024)
    assert r.value == 220_000 and r.unit == "t"
    w = one(mcs25, dataset="reserves", mineral="rare_earths", country="WLD")
    assert w.value == 90_000_000 and w.flag == ">"


def test_mcs2025_other_and_world_rows_kept(mcs25):
    r = one(mcs25, dataset="mine_production", mineral="cobalt", country="OTH", year=2023)
    assert r.value == 6_080
    r = one(mcs25, dataset="mine_production", mineral="cobalt", country="WLD", year=2023)
    assert r.value == 238_000


def test_mcs2025_withheld_gives_no_row(mcs25):
    # United States lithium mine production is 'W for 23-24' (blank cells) in MCS2025
    sel = mcs25[(mcs25.dataset == "mine_production") & (mcs25.mineral == "lithium")
                & (mcs25.country == "USA")]
    assert sel.empty
    # ... but its reserves are published
    assert one(mcs25, dataset="reserves", mineral="lithium", country="USA").value == 1_800_000


def test_mcs2025_reserve_unit_notes(mcs25):
    # 'Iron Content, million metric tons'
    assert one(mcs25, dataset="reserves", mineral="iron_ore", country="AUS").value == 27_000e6
    # '(Reserve data is thousand metric tons)' on some molybdenum rows applies to all
    assert one(mcs25, dataset="reserves", mineral="molybdenum", country="USA").value == 3_500e3
    assert one(mcs25, dataset="reserves", mineral="molybdenum", country="CHL").value == 1_400e3
    # iron ore production is iron content, usable ore skipped
    assert one(mcs25, dataset="mine_production", mineral="iron_ore", country="AUS",
               year=2023).value == 589_000e3


def test_mcs2025_special_commodities(mcs25):
    # bauxite → aluminium mine (gross); aluminium smelter → refined
    b = one(mcs25, dataset="mine_production", mineral="aluminium", country="GIN", year=2023)
    assert b.value == 123_000e3 and b.basis == "gross"
    a = one(mcs25, dataset="refined_production", mineral="aluminium", country="CHN", year=2023)
    assert a.basis == "metal"
    # titanium: ilmenite + rutile TiO2, world from the combined total (errata: values are kt)
    t = one(mcs25, dataset="mine_production", mineral="titanium", country="AUS", year=2023)
    assert t.value == 600e3 and t.basis == "TiO2" and "sum of 2" in t.note
    assert one(mcs25, dataset="mine_production", mineral="titanium", country="WLD",
               year=2023).value == 9_430e3
    # PGM: Pd and Pt rows, and their sum
    assert one(mcs25, dataset="mine_production", mineral="palladium", country="ZAF",
               year=2023).value == 74_900
    pgm = one(mcs25, dataset="mine_production", mineral="platinum_group_metals", country="ZAF",
              year=2023)
    assert pgm.value == 74_900 + 125_000 and pgm.unit == "kg" and "Pt + Pd" in pgm.note
    assert one(mcs25, dataset="reserves", mineral="platinum_group_metals",
               country="ZAF").value == 63_000_000
    # typo 'Gemanium' is mapped; MCS2025 publishes no germanium numbers (all blank) → no rows
    assert usgs_mcs.COMMODITIES["gemanium"] == "germanium"
    assert not (mcs25.mineral == "germanium").any()
    # skipped commodities
    assert not mcs25.note.str.contains("alumina", case=False).any()


# ------------------------------------------------------------------ MCS2026 Commodities Data

def test_mcs2026_reads_fast(raw_dir):
    t = time.perf_counter()
    usgs_mcs.read(raw_dir / MCS2026)
    assert time.perf_counter() - t < 2.0


def test_mcs2026_schema(mcs26):
    assert list(mcs26.columns) == schema.COLUMNS
    assert set(mcs26["edition"]) == {"MCS2026"}
    assert set(mcs26["dataset"]) == {"reserves", "mine_production", "refined_production",
                                     "price", "us_salient"}
    assert set(mcs26["mineral"]) <= set(mineral_ids())


def test_mcs2026_copper_chile(mcs26):
    r = one(mcs26, dataset="reserves", mineral="copper", country="CHL")
    assert r.value == 180_000_000 and r.year == 2025 and r.unit == "t"
    m = one(mcs26, dataset="mine_production", mineral="copper", country="CHL", year=2024)
    assert m.value == 5_510_000
    assert one(mcs26, dataset="mine_production", mineral="copper", country="CHL",
               year=2025).flag == "e"


def test_mcs2026_cobalt_drc_and_residuals(mcs26):
    assert one(mcs26, dataset="mine_production", mineral="cobalt", country="COD",
               year=2024).value == 226_000
    assert one(mcs26, dataset="mine_production", mineral="cobalt", country="OTH",
               year=2024).value == 7_780
    assert one(mcs26, dataset="reserves", mineral="cobalt", country="WLD").value == 12_000_000


def test_mcs2026_cp1252_country(mcs26):
    # 'Côte d’Ivoire' is written in Windows-1252 in the file
    assert one(mcs26, dataset="mine_production", mineral="manganese", country="CIV",
               year=2024).value == 340_000


def test_mcs2026_withheld_gives_no_row(mcs26):
    # United States bauxite mine production is 'W' in 2024 and 2025
    sel = mcs26[(mcs26.dataset == "mine_production") & (mcs26.mineral == "aluminium")
                & (mcs26.country == "USA")]
    assert sel.empty
    assert not ((mcs26.value == 0) & (mcs26.flag == "W")).any()


def test_mcs2026_prices(mcs26):
    p = one(mcs26, dataset="price", mineral="cobalt", year=2024)
    assert p.value == pytest.approx(16.77) and p.unit == "USD/lb" and "cathode" in p.note
    p = one(mcs26, dataset="price", mineral="lithium", year=2024)
    assert p.value == 11_800 and p.unit == "USD/t" and "lithium carbonate" in p.note
    p = one(mcs26, dataset="price", mineral="copper", year=2024)   # cents/lb → USD/lb
    assert p.unit == "USD/lb" and 3 < p.value < 6
    assert (mcs26.loc[mcs26.dataset == "price"].groupby("mineral")["unit"].nunique() == 1).all()


def test_mcs2026_us_salient(mcs26):
    s = mcs26[mcs26.dataset == "us_salient"]
    assert set(s.country) == {"USA"}
    nir = one(s, mineral="gallium", variable="net_import_reliance", year=2024)
    assert nir.value == 1.0 and nir.unit == "1"
    imp = one(s, mineral="lithium", variable="imports", year=2024)
    assert imp.unit == "t" and imp.value > 0
    # a net exporter is NaN with flag 'E', never a number
    e = s[s.flag == "E"]
    assert len(e) and e.value.isna().all()


def test_mcs2026_vanadium_reserves_errata(mcs26):
    assert one(mcs26, dataset="reserves", mineral="vanadium", country="WLD").value == 21_000e3


# ------------------------------------------------------------------ synthetic files

LONG_HEADER = ("MCS chapter,Section,Commodity,Country,Statistics,Statistics_detail,Unit,Year,"
               "Value,Notes,Is critical mineral 2025,Other notes\n")


def test_missing_column_names_file_and_column(tmp_path):
    f = tmp_path / "MCS2026_Commodities_Data.csv"
    f.write_text(LONG_HEADER.replace("Value,", "") + "COBALT,World Mine Production and Reserves,"
                 "Cobalt,Chile,Production,Mine production,metric tons,2024,,\n", encoding="cp1252")
    with pytest.raises(DataValidationError) as ei:
        usgs_mcs.read(f)
    assert str(f) in str(ei.value) and "Value" in str(ei.value)


def test_truncated_world_file(tmp_path):
    f = tmp_path / "MCS2027_World_Data.csv"
    f.write_text("SOURCE,COMMODITY,COUNTRY\nMCS2027,Copper,Chile\n", encoding="utf-8")
    with pytest.raises(DataValidationError) as ei:
        usgs_mcs.read(f)
    assert str(f) in str(ei.value) and "TYPE" in str(ei.value)


def test_empty_file(tmp_path):
    f = tmp_path / "MCS2026_Commodities_Data.csv"
    f.write_bytes(b"")
    with pytest.raises(DataValidationError, match="empty"):
        usgs_mcs.read(f)


def test_negative_quantity_names_row(tmp_path):
    f = tmp_path / "MCS2026_Commodities_Data.csv"
    f.write_text(LONG_HEADER
                 + "COBALT,World Mine Production and Reserves,Cobalt,Chile,Production,"
                   "Mine production,metric tons,2024,100,,Yes,\n"
                 + "COBALT,World Mine Production and Reserves,Cobalt,Peru,Production,"
                   "Mine production,metric tons,2024,-5,,Yes,\n", encoding="cp1252")
    with pytest.raises(DataValidationError) as ei:
        usgs_mcs.read(f)
    assert "negative" in str(ei.value) and "row 3" in str(ei.value) and str(f) in str(ei.value)


def test_generic_edition_mcs2027_world_format(tmp_path):
    f = tmp_path / "world.csv"
    f.write_text(
        "SOURCE,COMMODITY,COUNTRY,TYPE,UNIT_MEAS,PROD_2024,PROD_EST_ 2025,PROD_NOTES,"
        "RESERVES_2025,RESERVE_NOTES\n"
        "MCS2027,Lithium ,Chile,\"Mine production, lithium content\",metric tons,\"49,000\","
        "50000,,9300000,\n"
        "MCS2027,Lithium ,United States,\"Mine production, lithium content\",metric tons,,,"
        "W for 24-25,W,\n"
        "MCS2027,Lithium ,Other Countries,\"Mine production, lithium content\",metric tons,"
        "100,200,,>1000,\n"
        "MCS2027,Cement,Chile,Cement production,thousand metric tons,1,1,,,\n",
        encoding="utf-8-sig")
    df = usgs_mcs.read(f)
    assert set(df.edition) == {"MCS2027"}
    assert one(df, dataset="mine_production", country="CHL", year=2024).value == 49_000
    assert one(df, dataset="mine_production", country="CHL", year=2025).flag == "e"
    r = one(df, dataset="reserves", country="CHL")
    assert r.year == 2025 and r.value == 9_300_000
    assert one(df, dataset="reserves", country="OTH").flag == ">"
    assert "USA" not in set(df.country)
    assert set(df.mineral) == {"lithium"}


def test_edition_from_file_name_long_format(tmp_path):
    f = tmp_path / "MCS2027_Commodities_Data.csv"
    f.write_text(LONG_HEADER
                 + "COBALT,World Mine Production and Reserves,Cobalt,C\xf4te d\x92Ivoire,Production,"
                   "Mine production,thousand metric tons,2026,\"1,5\",Estimated.,Yes,\n"
                 + "COBALT,World Mine Production and Reserves,Cobalt,Chile,Production,"
                   "Mine production,metric tons,2026,W,,Yes,\n",
                 encoding="latin-1")
    df = usgs_mcs.read(f)
    r = one(df, country="CIV")
    assert r.edition == "MCS2027" and r.value == 15_000 and r.flag == "e"
    assert "CHL" not in set(df.country)
    assert not math.isnan(r.value)


def test_unknown_country_is_an_error_but_groups_are_dropped(tmp_path):
    f = tmp_path / "MCS2027_World_Data.csv"
    head = "SOURCE,COMMODITY,COUNTRY,TYPE,UNIT_MEAS,PROD_2025,PROD_EST_ 2026,RESERVES_2026\n"
    row = "MCS2027,Cobalt,{},\"Mine production, cobalt content\",metric tons,5,3,\n"
    f.write_text(head + row.format("Chile") + row.format("\"United States and Canada\""),
                 encoding="utf-8-sig")
    df = usgs_mcs.read(f)
    assert set(df.country) == {"CHL"} and usgs_mcs.UNMAPPED == {"United States and Canada"}
    f.write_text(head + row.format("Chile") + row.format("Atlantis"), encoding="utf-8-sig")
    with pytest.raises(DataValidationError) as ei:
        usgs_mcs.read(f)
    assert "Atlantis" in str(ei.value) and "row 3" in str(ei.value) and str(f) in str(ei.value)


def test_real_files_unmapped_labels(raw_dir):
    usgs_mcs.read(raw_dir / MCS2025)
    assert usgs_mcs.UNMAPPED == {"United States and Canada"}
