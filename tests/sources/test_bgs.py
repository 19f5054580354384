"""BGS World Mineral Statistics importer: spot checks against the raw exports + synthetic files."""
from __future__ import annotations

import time

import pandas as pd
import pytest

from critmin import catalogue, schema
from critmin.errors import DataValidationError
from critmin.sources import bgs
from critmin.testing import one as _one

BGS = "bgs-world-mineral-statistics"


_TIMING: dict[str, float] = {}


@pytest.fixture(scope="module")
def obs(raw_dir):
    t0 = time.perf_counter()
    df = bgs.read(raw_dir / BGS)
    _TIMING["read"] = time.perf_counter() - t0
    return df




def test_schema_and_catalogue(obs):
    assert list(obs.columns) == schema.COLUMNS
    assert set(obs["dataset"]) == {"mine_production", "refined_production"}
    assert set(obs["mineral"]) <= set(catalogue.mineral_ids())
    assert set(obs["source"]) == {"bgs_wms"}
    assert set(obs["edition"]) == {"WMS-2023"}
    assert set(obs["unit"]) == {"t", "kg"}
    assert obs["value"].notna().all() and (obs["value"] >= 0).all()
    assert not obs.duplicated(schema.KEY).any()
    assert obs["year"].between(1970, 2023).all()


def test_fast(obs):
    assert _TIMING["read"] < 5


def test_chile_copper_2020(obs):
    c = dict(country="CHL", year=2020, mineral="copper")
    mine = _one(obs, dataset="mine_production", variable="quantity", **c)
    assert mine["value"] == 5733100.0 and mine["stage"] == "mine" and mine["basis"] == "metal"
    assert _one(obs, dataset="refined_production", variable="quantity", **c)["value"] == 2329300.0
    smelter = _one(obs, dataset="refined_production", variable="smelter", **c)
    assert smelter["value"] == 1206300.0


def test_drc_cobalt_2023(obs):
    r = _one(obs, dataset="mine_production", mineral="cobalt", country="COD", year=2023,
             variable="quantity")
    assert r["value"] == 140121.0 and r["unit"] == "t"


def test_historic_entities(obs):
    r = _one(obs, dataset="mine_production", mineral="tungsten", country="SUN", year=1980,
             variable="quantity")
    assert r["value"] == 8700.0 and r["flag"] == "e"
    countries = set(obs["country"])
    assert {"SUN", "YUG", "CSK", "DDR"} <= countries
    assert "ZAR" not in countries   # Zaire → COD
    # Zaire cobalt (1971-1991) continues the DR Congo series
    assert len(obs[(obs["mineral"] == "cobalt") & (obs["country"] == "COD") & (obs["year"] == 1985)])
    # the Republic of Congo is exported with the DRC's ISO3 code; it must be COG
    assert len(obs[(obs["country"] == "COG") & (obs["mineral"] == "copper")])
    assert "ZWE" in set(obs.loc[(obs["mineral"] == "tungsten") & (obs["year"] == 1975), "country"])


def test_figures_not_available_and_nil(obs):
    oman = obs[(obs["country"] == "OMN") & (obs["mineral"] == "copper") & (obs["year"] == 1983)]
    assert set(oman["variable"]) == {"quantity"}              # smelter 1983: 'Figures not available'
    assert len(oman[oman["dataset"] == "mine_production"]) == 1
    nil = _one(obs, dataset="refined_production", mineral="copper", country="OMN", year=1980,
               variable="quantity")
    assert nil["value"] == 0.0
    be = obs[(obs["country"] == "BEL") & (obs["mineral"] == "cobalt") & (obs["year"] == 1980)
             & (obs["dataset"] == "refined_production")]
    assert be.empty


def test_less_than_half(obs):
    r = _one(obs, dataset="refined_production", mineral="germanium", country="FIN", year=2016,
             variable="quantity")
    assert r["value"] == 0.5 and r["flag"] == "<"


def test_pgm(obs):
    zaf = obs[(obs["country"] == "ZAF") & (obs["year"] == 2020)
              & (obs["dataset"] == "mine_production")]
    v = dict(zip(zaf["mineral"], zaf["value"]))
    assert v["platinum"] == 111993.0 and v["palladium"] == 66264.0
    assert v["rhodium"] == 16972.0 and v["ruthenium"] == 25058.0 and v["iridium"] == 6186.0
    assert v["platinum_group_metals"] == 111993.0 + 66264.0 + 16972.0 + 25058.0 + 6186.0
    assert set(zaf.loc[zaf["mineral"] == "platinum", "unit"]) == {"kg"}
    pgm = _one(zaf, mineral="platinum_group_metals")
    assert "sum of reported PGM elements" in pgm["note"]
    # Canada 1971: only a PGM total row
    can = _one(obs, mineral="platinum_group_metals", country="CAN", year=1971)
    assert can["value"] == 14779.0
    assert obs[(obs["mineral"] == "platinum") & (obs["country"] == "CAN")
               & (obs["year"] == 1971)].empty


def test_lithium_bases(obs):
    li = obs[obs["mineral"] == "lithium"]
    assert set(li.loc[li["variable"] == "quantity", "basis"]) == {"metal"}
    assert set(li.loc[li["variable"] != "quantity", "basis"]) == {"gross"}
    aus = _one(li, country="AUS", year=2023, variable="quantity")
    assert aus["value"] == 94608.0 + 820.0   # spodumene Li content + hydroxide Li content
    # Chile 2008: the unnamed total row (carbonate + hydroxide) is not added to its parts
    chl = _one(li, country="CHL", year=2008, variable="quantity_gross")
    assert chl["value"] == 56881.0
    assert _one(li, country="CHL", year=2008, variable="gross_carbonate")["value"] == 48469.0
    assert _one(li, country="USA", year=1990, variable="quantity")["value"] == 4000.0


def test_rare_earths(obs):
    ree = obs[obs["mineral"] == "rare_earths"]
    assert set(ree.loc[ree["variable"] == "quantity", "basis"]) == {"REO"}
    assert set(ree.loc[ree["variable"] == "quantity_gross", "basis"]) == {"gross"}
    # China 1985 from the minerals table (REO content), 1995 from the oxides table only
    assert _one(ree, country="CHN", year=1985, variable="quantity")["value"] == 10000.0
    c95 = _one(ree, country="CHN", year=1995, variable="quantity", dataset="mine_production")
    assert "minerals" not in c95["note"]
    mys = _one(ree, country="MYS", year=1980, variable="quantity_gross")
    assert "sum of Monazite, Xenotime" in mys["note"]


def test_ferro_alloys(obs):
    fa = obs[(obs["dataset"] == "refined_production") & obs["variable"].str.startswith("ferro")]
    assert set(fa["basis"]) == {"gross"}
    assert "ferrochromium" in set(obs.loc[obs["mineral"] == "chromium", "variable"])
    si = obs[(obs["mineral"] == "silicon") & (obs["variable"] == "quantity")]
    assert len(si) and set(si["basis"]) == {"metal"}


def _write(path, rows, drop=()):
    cols = ["country_trans", "country_iso2_code", "country_iso3_code", "year", "quantity",
            "units", "yearbook_table_trans", "bgs_sub_commodity_trans",
            "data_precision_description", "concat_figure_notes_code", "concat_figure_notes_text"]
    df = pd.DataFrame(rows, columns=cols).drop(columns=list(drop))
    df.to_csv(path, index=False)
    return path


ROW = ["Chile", "CL", "CHL", "2020-01-01 00:00:00", "100", "tonnes (metal content)",
       "Mine production of cobalt", "", "", "", ""]


def test_synthetic_ok(tmp_path):
    rows = [ROW, ["Zaire", "ZR", "ZAR", "1980-01-01 00:00:00", "", "tonnes (metal content)",
                  "Mine production of cobalt", "", "Figures not available", "", ""],
            ["Rhodesia", "", "", "1975-01-01 00:00:00", "0", "tonnes (metal content)",
             "Mine production of cobalt", "", "Nil (nothing produced)", "*", "Estimates."]]
    df = bgs.read(_write(tmp_path / "x.csv", rows))
    assert list(df["country"]) == ["CHL", "ZWE"]
    assert df["value"].tolist() == [100.0, 0.0]
    assert df["flag"].tolist() == ["", "e"]


def test_missing_column(tmp_path):
    f = _write(tmp_path / "nocol.csv", [ROW], drop=["quantity"])
    with pytest.raises(DataValidationError) as e:
        bgs.read(f)
    assert "nocol.csv" in str(e.value) and "quantity" in str(e.value)


def test_negative_quantity(tmp_path):
    rows = [ROW, ROW[:3] + ["2021-01-01 00:00:00", "-5"] + ROW[5:]]
    f = _write(tmp_path / "neg.csv", rows)
    with pytest.raises(DataValidationError) as e:
        bgs.read(f)
    assert "negative" in str(e.value) and "row 3" in str(e.value) and "neg.csv" in str(e.value)


def test_unknown_table(tmp_path):
    f = _write(tmp_path / "t.csv", [ROW[:6] + ["Production of unobtainium"] + ROW[7:]])
    with pytest.raises(DataValidationError, match="unobtainium"):
        bgs.read(f)


def test_missing_file(tmp_path):
    with pytest.raises(DataValidationError, match="not found"):
        bgs.read(tmp_path / "none.csv")
