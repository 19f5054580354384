"""USGS MCS 2022–2024 per-commodity world files: values read from the files, the cell rules on
a small file written here, the reserves-year rule, and the assessment of 2022/2023 they enable."""
from __future__ import annotations

import csv
import math

import pandas as pd
import pytest

from critmin import schema
from critmin.errors import DataValidationError
from critmin.sources import module, usgs_mcs, usgs_mcs_world
from critmin.testing import one

HEADER = ("Source,Country,Type,Prod_kt_2022,Prod_kt_est_2023,Prod_notes,Reserves_kt,"
          "Reserves_notes,,\n")


@pytest.fixture(scope="module")
def mcs23(raw_dir):
    return usgs_mcs_world.read(raw_dir / "usgs-mcs-2023" / "world")


@pytest.fixture(scope="module")
def mcs24(raw_dir):
    return usgs_mcs_world.read(raw_dir / "usgs-mcs-2024" / "world")




def test_codes_use_the_commodity_table_of_usgs_mcs():
    assert set(usgs_mcs_world.CODES.values()) <= set(usgs_mcs.COMMODITIES)
    assert module("usgs-mcs-world") is usgs_mcs_world
    assert usgs_mcs_world.SOURCE.id == usgs_mcs.SOURCE.id == "usgs_mcs"


# ------------------------------------------------------------------ values read from the files

def test_mcs2023_copper_chile(mcs23):
    # mcs2023-coppe_world.csv: Chile, Mine production …, 5620, 5200, , 190000 (kt)
    r = one(mcs23, dataset="reserves", mineral="copper", country="CHL")
    assert (r.value, r.unit, r.year, r.edition, r.basis, r.source) == (
        190_000e3, "t", 2022, "MCS2023", "metal", "usgs_mcs")
    m = one(mcs23, dataset="mine_production", mineral="copper", country="CHL", year=2021)
    assert m.value == 5_620e3 and m.flag == ""
    assert one(mcs23, dataset="mine_production", mineral="copper", country="CHL", year=2022).flag == "e"
    # refinery rows are refined production, their 'XX' reserves give no row
    assert one(mcs23, dataset="refined_production", mineral="copper", country="JPN", year=2021).value == 1_510e3


def test_reserves_year_is_edition_minus_one(mcs23, mcs24, raw_dir):
    assert set(mcs23.loc[mcs23.dataset == "reserves", "year"]) == {2022}
    assert set(mcs24.loc[mcs24.dataset == "reserves", "year"]) == {2023}
    assert one(mcs24, dataset="reserves", mineral="copper", country="CHL").value == 190_000e3
    # MCS2024 zirconium names its reserves column 'Reserves_kt_2023'
    assert one(mcs24, dataset="reserves", mineral="zirconium", country="AUS").year == 2023
    mcs22 = usgs_mcs_world.read(raw_dir / "usgs-mcs-2022" / "world")
    assert not (mcs22.dataset == "reserves").any()               # MCS2022 has no reserves column
    assert set(mcs22.year) == {2020, 2021} and set(mcs22.edition) == {"MCS2022"}


def test_same_keys_units_and_bases_as_mcs2025(mcs24, raw_dir):
    mcs25 = usgs_mcs.read(raw_dir / "usgs-mcs-2025" / "MCS2025_World_Data.csv")
    series = ["dataset", "mineral", "stage", "variable"]
    a = mcs24.groupby(series)[["unit", "basis"]].first()
    b = mcs25.groupby(series)[["unit", "basis"]].first()
    both = a.join(b, rsuffix="_25", how="inner")
    assert len(both) >= 60
    diff = both[(both.unit != both.unit_25) | (both.basis != both.basis_25)]
    # the one basis the editions really differ in: MCS2024 magnesite is MgO content
    assert diff.index.get_level_values("mineral").tolist() == ["magnesite"]
    assert one(mcs24, dataset="mine_production", mineral="magnesite", country="CHN", year=2022).basis == "MgO"


def test_special_rows(mcs23, mcs24):
    # PGM: 'Mine production: Platinum' rows → platinum; reserves in those rows are all PGM
    assert one(mcs24, dataset="mine_production", mineral="platinum", country="ZAF", year=2022).value == 124_000
    pgm = one(mcs24, dataset="mine_production", mineral="platinum_group_metals", country="ZAF", year=2022)
    assert pgm.value == 124_000 + 73_100 and pgm.unit == "kg"
    assert one(mcs24, dataset="reserves", mineral="platinum_group_metals", country="ZAF").value == 63_000_000
    # potash reserves: the K2O-equivalent column (Canada 1,100,000 kt), not the ore column
    assert one(mcs24, dataset="reserves", mineral="potash", country="CAN").value == 1_100_000e3
    # titanium: ilmenite + rutile summed per country (Australia 600 + 190 kt in 2021)
    ti = one(mcs23, dataset="mine_production", mineral="titanium", country="AUS", year=2021)
    assert ti.value == 790e3 and "sum of 2" in ti.note
    # iron ore: iron content only; reserves column 'Reserves_Mt' in million tons
    assert one(mcs23, dataset="reserves", mineral="iron_ore", country="AUS").unit == "t"
    # estimate marker glued to the country ('Russiae' in MCS2024 platinum-group metals)
    assert one(mcs24, dataset="mine_production", mineral="palladium", country="RUS", year=2022).flag == "e"


def test_unit_errata_of_the_releases(mcs23, mcs24):
    # MCS2023 chromite 'Prod_t_…' holds thousand tons: South Africa 2021 18,600 kt
    assert one(mcs23, dataset="mine_production", mineral="chromium", country="ZAF", year=2021).value == 18_600e3
    # MCS2024 selenium 'Reserves_kt' holds tons: world 95,000 t
    assert one(mcs24, dataset="reserves", mineral="selenium", country="WLD").value == 95_000
    # MCS2023 rhenium 'Reserves_kt' holds kilograms: Russia 310,000 kg
    r = one(mcs23, dataset="reserves", mineral="rhenium", country="RUS")
    assert (r.value, r.unit) == (310_000, "kg")


def test_country_above_world_total_is_dropped(mcs23):
    # MCS2023 zinc reserves: Australia '1,166,000' against a world total of '210,000' (kt)
    assert not ((mcs23.dataset == "reserves") & (mcs23.mineral == "zinc") & (mcs23.country == "AUS")).any()
    assert one(mcs23, dataset="reserves", mineral="zinc", country="WLD").value == 210_000e3


def test_revision_between_mcs2024_and_mcs2025(mcs24, raw_dir):
    # lithium Zimbabwe 2023: MCS2024 3,400 t (estimate) → MCS2025 14,900 t
    old = one(mcs24, dataset="mine_production", mineral="lithium", country="ZWE", year=2023)
    assert old.value == 3_400 and old.flag == "e"
    mcs25 = usgs_mcs.read(raw_dir / "usgs-mcs-2025" / "MCS2025_World_Data.csv")
    rev = usgs_mcs_world.revisions(pd.concat([mcs24, mcs25]))
    r = one(rev, mineral="lithium", country="ZWE", year=2023)
    assert (r.old_edition, r.old_value, r.new_edition, r.new_value) == ("MCS2024", 3_400, "MCS2025", 14_900)
    assert math.isclose(r.change, 14_900 / 3_400 - 1)
    assert (rev.change.abs() > 0.05).all() | rev.change.isna().all()


# ------------------------------------------------------------------ the shipped store

def test_store_keeps_the_later_revision_and_drops_superseded_rows(raw_dir):
    from critmin.store import default_store

    st = default_store()
    li = st.load("mine_production", minerals=["lithium"], countries=["ZWE"], years=[2023],
                 sources=["usgs_mcs"])
    assert li["value"].tolist() == [14_900] and li["edition"].tolist() == ["MCS2025"]
    # MCS2025 merged Georgia's 2023 manganese into 'Other countries': MCS2024's row is gone
    mn = st.load("mine_production", minerals=["manganese"], years=[2023], sources=["usgs_mcs"],
                 editions="all")
    assert "GEO" not in set(mn["country"])
    assert set(mn.loc[mn.edition == "MCS2024", "country"]) <= set(mn.loc[mn.edition == "MCS2025", "country"])
    res = st.load("reserves", minerals=["copper"], countries=["CHL"], sources=["usgs_mcs"])
    assert dict(zip(res["year"], res["edition"])) == {2022: "MCS2023", 2023: "MCS2024", 2024: "MCS2025",
                                                      2025: "MCS2026"}


def test_supersede_keeps_tables_of_one_edition():
    d = schema.coerce(pd.DataFrame({
        "dataset": "mine_production", "mineral": "x", "stage": "mine", "year": [2023] * 4 + [2022],
        "country": ["A", "B", "A", "OTH", "B"], "value": 1.0, "unit": "t", "source": "usgs_mcs",
        "edition": ["MCS2024", "MCS2024", "MCS2025", "MCS2025", "MCS2024"]}))
    kept, gone = usgs_mcs_world.supersede(d)
    assert gone[["country", "year"]].values.tolist() == [["B", 2023]]
    assert len(kept) == 4                                 # B 2022 stays: no later table for 2022


# ------------------------------------------------------------------ cell rules on a written file

def _write(tmp_path, body: str, name: str = "mcs2024-coppe_world.csv"):
    p = tmp_path / name
    p.write_bytes(("\ufeff" + HEADER + body).replace("\n", "\r\n").encode("utf-8"))
    return p


CELLS = '''MCS2024,Chile,"Mine production, recoverable copper content","5,330",5000,,>100000,
MCS2024,Peru,"Mine production, recoverable copper content",W,NA,,Large,
MCS2024,China6,"Mine production, recoverable copper content",—,XX,,Included with “Other countries.”,
MCS2024,Russiae,"Mine production, recoverable copper content",<0.5,Less than ½ unit.,,"Categorized as ""large""",
MCS2024,Mexico,"Mine production, recoverable copper content",e700,,,Included in World total.,
MCS2024,Poland,"Mine production, recoverable copper content",100–300,0,,Very small,
MCS2024,Other countries,"Mine production, recoverable copper content",200,210,,9000,
MCS2024,World total (rounded),"Mine production, recoverable copper content",6000,6000,,200000,
'''


def test_cell_rules(tmp_path):
    df = usgs_mcs_world.read(_write(tmp_path, CELLS))
    assert set(df.edition) == {"MCS2024"} and set(df.source) == {"usgs_mcs"}

    def get(dataset, country, year=None):
        s = df[(df.dataset == dataset) & (df.country == country)]
        return s if year is None else s[s.year == year]

    chl = get("mine_production", "CHL", 2022).iloc[0]
    assert chl.value == 5_330e3 and chl.flag == ""                       # thousands separator
    assert get("mine_production", "CHL", 2023).iloc[0].flag == "e"      # 'est' column
    r = get("reserves", "CHL").iloc[0]
    assert (r.value, r.flag, r.year) == (100_000e3, ">", 2023)          # '>x': the bound, flagged
    assert get("mine_production", "PER").empty and get("reserves", "PER").empty   # W, NA, Large
    chn = get("mine_production", "CHN")                                  # footnote digit removed
    assert chn.value.tolist() == [0.0] and chn.year.tolist() == [2022]   # '—' is zero; 'XX' no row
    assert get("reserves", "CHN").empty                                  # 'Included with …'
    rus = get("mine_production", "RUS")                                  # 'e' marker removed, flag e
    assert rus.value.tolist() == [500.0, 500.0] and all("<" in f and "e" in f for f in rus.flag)
    assert get("reserves", "RUS").empty                                  # 'Categorized as "large"'
    mex = get("mine_production", "MEX")
    assert mex.value.tolist() == [700e3] and mex.flag.tolist() == ["e"]  # 'e700', blank
    pol = get("mine_production", "POL")
    assert pol.year.tolist() == [2023] and pol.value.tolist() == [0.0]   # a range gives no row
    assert get("reserves", "POL").empty                                  # 'Very small'
    assert get("reserves", "OTH").value.tolist() == [9_000e3]
    assert get("mine_production", "WLD", 2022).value.tolist() == [6_000e3]
    assert not (df.value.isna()).any()


def test_usgs_mcs_import_accepts_world_files(tmp_path):
    p = _write(tmp_path, CELLS)
    a, b = usgs_mcs.read(p), usgs_mcs_world.read(p)
    pd.testing.assert_frame_equal(a, b)


def test_unknown_cell_text_names_file_row_and_column(tmp_path):
    body = ('MCS2024,Chile,"Mine production, recoverable copper content",5330,5000,,190000,\n'
            'MCS2024,Peru,"Mine production, recoverable copper content",2600,about 2700,,120000,\n')
    with pytest.raises(DataValidationError) as e:
        usgs_mcs_world.read(_write(tmp_path, body))
    msg = str(e.value)
    assert "mcs2024-coppe_world.csv" in msg and "row 3" in msg and "Prod_kt_est_2023" in msg
    assert "about 2700" in msg


def test_file_name_must_name_the_commodity(tmp_path):
    p = _write(tmp_path, CELLS, name="copper.csv")
    with pytest.raises(DataValidationError, match="keep the original USGS file name"):
        usgs_mcs_world.read(p)
    p = _write(tmp_path, CELLS, name="mcs2023-coppe_world.csv")      # Source column says MCS2024
    with pytest.raises(DataValidationError, match="different editions"):
        usgs_mcs_world.read(p)


def test_raw_files_read_are_the_world_csvs(raw_dir):
    files = usgs_mcs_world.raw_files(raw_dir / "usgs-mcs-2024" / "world")
    assert len(files) == 77 and all(f.name.lower().endswith("_world.csv") for f in files)


# ------------------------------------------------------------------ assessment of 2022 and 2023

def _mcs2023_copper_reserves(raw_dir) -> dict[str, float]:
    """The copper reserves column of mcs2023-coppe_world.csv, mine rows, by label (kt)."""
    out = {}
    with open(raw_dir / "usgs-mcs-2023" / "world" / "mcs2023-coppe_world.csv", encoding="utf-8-sig") as fh:
        for row in csv.DictReader(fh):
            if row["Type"].startswith("Mine production") and row["Reserves_kt"].strip().isdigit():
                out[row["Country"].strip()] = float(row["Reserves_kt"])
    return out


@pytest.fixture(scope="module")
def jpn2022():
    import critmin

    return critmin.assess("JPN", 2022).records


def test_assess_2022_scores_reserve_concentration(jpn2022, raw_dir):
    rc = jpn2022[jpn2022.indicator == "reserve_concentration"]
    scored = rc[rc.score.notna()]
    assert len(scored) >= 40
    cu = scored.set_index("mineral").loc["copper"]
    assert cu.sources == ["usgs_mcs:MCS2023"] and cu.inputs["data_year"] == 2022
    # hand computation, default 'Other countries' rule 'split': the residual is divided into
    # k = ceil(s_res / s_min) equal parts, each no larger than the smallest listed country
    kt = _mcs2023_copper_reserves(raw_dir)
    assert kt["Chile"] == 190_000 and kt["Other countries"] == 200_000 and kt["Canada"] == 7_600
    named = {c: v for c, v in kt.items() if v > 0 and c not in ("Other countries", "World total (rounded)")}
    assert len(named) == 13
    total = sum(named.values()) + kt["Other countries"]
    s_res, s_min = kt["Other countries"] / total, min(named.values()) / total
    k = math.ceil(s_res / s_min)
    assert k == 27
    hhi = sum((v / total) ** 2 for v in named.values()) + s_res ** 2 / k
    assert cu.value == pytest.approx(hhi, rel=1e-12)
    assert cu.value == pytest.approx(0.0843125, abs=1e-7)


def test_assess_2023_scores_reserve_concentration():
    import critmin

    rec = critmin.assess("JPN", 2023).records
    rc = rec[(rec.indicator == "reserve_concentration") & rec.score.notna()]
    assert len(rc) >= 40
    assert rc.set_index("mineral").loc["copper"].sources == ["usgs_mcs:MCS2024"]
