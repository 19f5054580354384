"""USGS MCS salient statistics (prices, editions 2022-2024): raw-file spot checks, the chain with
MCS 2026 in the shipped store, and synthetic files for the cell rules."""
from __future__ import annotations

import json

import pandas as pd
import pytest
from typer.testing import CliRunner

from critmin import schema
from critmin.catalogue import mineral_ids
from critmin.cli import app
from critmin.errors import DataValidationError, UnknownNameError
from critmin.sources import module, usgs_mcs, usgs_mcs_salient as sal
from critmin.store import Store, default_store, shipped_dir

EDITIONS = {"MCS2022": "usgs-mcs-2022/salient", "MCS2023": "usgs-mcs-2023/salient",
            "MCS2024": "usgs-mcs-2024/salient"}
MCS2026 = "usgs-mcs-2026/MCS2026_Commodities_Data.csv"


@pytest.fixture(scope="module")
def salient(raw_dir):
    frames, skipped, unread = [], {}, {}
    for rel in EDITIONS.values():
        frames.append(sal.read(raw_dir / rel))
        skipped.update(sal.SKIPPED)
        unread.update(sal.UNREAD)
    return pd.concat(frames, ignore_index=True), skipped, unread


@pytest.fixture(scope="module")
def obs(salient):
    return salient[0]


@pytest.fixture(scope="module")
def mcs26_prices(raw_dir):
    df = usgs_mcs.read(raw_dir / MCS2026)
    return df[df["dataset"] == "price"]


def value(df, **key):
    sel = df
    for k, v in key.items():
        sel = sel[sel[k] == v]
    assert len(sel) == 1, f"{key}: {len(sel)} rows"
    return float(sel["value"].iloc[0])


# ------------------------------------------------------------------ no raw data needed

def test_registered_and_same_source_id_as_mcs2026():
    assert module("usgs-mcs-salient") is sal
    assert sal.SOURCE.id == usgs_mcs.SOURCE.id == "usgs_mcs"


def test_table_minerals_and_units_are_known():
    from critmin import units

    cols = [c for table in sal.PRICES.values() for c in table.values() if c is not None]
    assert {c.mineral for c in cols} <= set(mineral_ids())
    assert {c.unit for c in cols} <= units.KNOWN_UNITS
    assert {u for u, _ in sal.UNIT_TOKENS.values()} <= units.KNOWN_UNITS


def write(tmp_path, text, name="mcs2099-lithi_salient.csv"):
    p = tmp_path / name
    p.write_text(text, encoding="utf-8-sig")          # with BOM, as USGS publishes
    return p


LITHIUM = ("DataSource,Commodity,Year,USprod_t,Price_dt,Price_LME_dlb,NIR_pct\n"
           "MCS2099,Lithium,2094,W,W,12,>50\n"
           "MCS2099,Lithium,2095,W,NA,13,>50\n"
           "MCS2099,Lithium,2096,W,>25,14,>25\n"
           "MCS2099,Lithium,2097,W,\"12,500\",15,>25\n"
           "MCS2099,Lithium,2098,W,50–300,16,>25\n")


def test_cell_rules_on_a_small_file(tmp_path):
    df = sal.read(write(tmp_path, LITHIUM))
    assert list(df.columns) == schema.COLUMNS
    li = df[df["variable"] == "price"]
    # W, NA, '>25' and a range give no row; thousands separators removed; BOM read
    assert li["year"].tolist() == [2097]
    assert value(li, year=2097) == 12500.0
    r = li.iloc[0]
    assert (r["dataset"], r["mineral"], r["unit"], r["source"], r["edition"]) == \
        ("price", "lithium", "USD/t", "usgs_mcs", "MCS2099")
    assert (r["stage"], r["hs"], r["country"], r["partner"]) == ("", "", "", "")
    assert r["note"].startswith("US: Price_dt")
    # a lithium column the table does not know is not read, and said so
    assert set(df["variable"]) == {"price"}
    assert any("Price_LME_dlb" in k for k in sal.UNREAD)


def test_most_recent_year_flagged_estimated_and_zero_dash_are_no_price(tmp_path):
    text = ("DataSource,Commodity,Year,Price_Spot_dlb,Price_LME_dlb\n"
            "MCS2099,Cobalt,2096,30.5,—\n"
            "MCS2099,Cobalt,2097,0,21.5\n"
            "MCS2099,Cobalt,2098,25.25,22\n")
    df = sal.read(write(tmp_path, text, "mcs2099-cobal_salient.csv"))
    spot = df[df["variable"] == "price"].set_index("year")
    assert spot.index.tolist() == [2096, 2098]               # 0 is no price
    assert spot.loc[2098, "flag"] == "e" and spot.loc[2096, "flag"] == ""
    lme = df[df["variable"] == "price_lme"]
    assert lme["year"].tolist() == [2097, 2098]              # '—' is missing, not zero
    assert "not chained" in lme["note"].iloc[0]


def test_units_converted_to_the_series_unit(tmp_path):
    text = ("DataSource,Commodity,Year,Price_US_dlb,Price_Europe_dlb\n"
            "MCS2099,Selenium,2097,10,11\nMCS2099,Selenium,2098,20,22\n")
    df = sal.read(write(tmp_path, text, "mcs2099-selen_salient.csv"))
    assert set(df["unit"]) == {"USD/kg"}
    assert value(df, variable="price", year=2097) == pytest.approx(10 / 0.45359237)
    text = "DataSource,Commodity,Year,Price_COMEX_ctslb\nMCS2099,Copper,2098,424.3\n"
    cu = sal.read(write(tmp_path, text, "mcs2099-coppe_salient.csv"))
    assert value(cu, year=2098) == pytest.approx(4.243) and cu["unit"].iloc[0] == "USD/lb"
    text = "DataSource,Commodity,Year,Price_CN_CIF_dt\nMCS2099,Manganese,2098,5.27\n"
    mn = sal.read(write(tmp_path, text, "mcs2099-manga_salient.csv"))   # $/mtu despite 'dt'
    assert value(mn, year=2098) == pytest.approx(527.0) and mn["unit"].iloc[0] == "USD/t"


def test_one_significant_figure_series_not_read(tmp_path):
    text = "DataSource,Commodity,Year,Price_dlb\nMCS2099,Bismuth,2097,3\nMCS2099,Bismuth,2098,4\n"
    df = sal.read(write(tmp_path, text, "mcs2099-bismu_salient.csv"))
    assert df.empty and any("significant figure" in v for v in sal.UNREAD.values())


def test_world_table_file_is_a_clear_error(tmp_path):
    p = write(tmp_path, "Source,Country,Type,Prod_t_2022,Reserves_t\nMCS2099,Chile,Mine,1,2\n",
              "mcs2099-cobal_salient.csv")
    with pytest.raises(DataValidationError, match="world production/reserves table") as e:
        sal.read(p)
    assert "mcs2099-cobal_salient.csv" in str(e.value) and "Fix:" in str(e.value)
    # in a directory it is skipped and listed
    write(tmp_path, LITHIUM)
    df = sal.read(tmp_path)
    assert set(df["mineral"]) == {"lithium"} and set(sal.SKIPPED) == {"mcs2099-cobal_salient.csv"}


def test_misaligned_file_names_row_and_column(tmp_path):
    text = "DataSource,Commodity,Year,Price_Acid_dt,\nMCS2099,Fluorspar,2098,300,100\n"
    p = write(tmp_path, text, "mcs2099-fluor_salient.csv")
    with pytest.raises(DataValidationError, match="does not line up") as e:
        sal.read(p)
    assert e.value.row == 2 and "column 5" in e.value.field


def test_unknown_commodity_and_bad_year(tmp_path):
    p = write(tmp_path, "DataSource,Commodity,Year,Price_dt\nMCS2099,Lithum,2098,10\n")
    with pytest.raises(UnknownNameError, match="did you mean 'lithium'"):
        sal.read(p)
    p = write(tmp_path, "DataSource,Commodity,Year,Price_dt\nMCS2099,Lithium,20x8,10\n")
    with pytest.raises(DataValidationError, match="not a calendar year") as e:
        sal.read(p)
    assert e.value.row == 2 and e.value.field == "Year"
    p = write(tmp_path, "DataSource,Commodity,Year,Price_dt\nMCS2099,Lithium,2098,-10\n")
    with pytest.raises(DataValidationError, match="negative price"):
        sal.read(p)
    p = write(tmp_path, "Commodity,Year,Price_dt\nLithium,2098,10\n")
    with pytest.raises(DataValidationError, match="DataSource"):
        sal.read(p)


def test_cli_import_adds_an_edition(user_dir, tmp_path):
    f = write(tmp_path, LITHIUM)
    r = CliRunner().invoke(app, ["data", "import", "usgs-mcs-salient", str(f)])
    assert r.exit_code == 0, r.output
    assert "MCS2099" in r.output
    p = Store(home=user_dir).load("price", minerals=["lithium"], sources=["usgs_mcs"],
                                  editions="all")
    assert value(p, edition="MCS2099", year=2097) == 12500.0


# ------------------------------------------------------------------ the shipped store

def test_shipped_store_chains_lithium_across_editions():
    p = default_store().load("price", minerals=["lithium"], sources=["usgs_mcs"])
    assert set(p["variable"]) == {"price"} and set(p["unit"]) == {"USD/t"}
    assert p["year"].tolist() == list(range(2017, 2026))      # one annual series, no duplicates
    by = p.set_index("year")
    assert by.loc[2017, "value"] == 15000 and by.loc[2017, "edition"] == "MCS2022"
    assert by.loc[2018, "value"] == 16000 and by.loc[2018, "edition"] == "MCS2023"   # revises 17000
    assert by.loc[2019, "value"] == 12100 and by.loc[2019, "edition"] == "MCS2024"   # revises 12700
    assert by.loc[2021, "value"] == 11700 and by.loc[2021, "edition"] == "MCS2026"   # over 12600
    allp = default_store().load("price", minerals=["lithium"], sources=["usgs_mcs"], editions="all")
    assert set(allp.loc[allp["year"] == 2021, "value"]) == {17000, 12600, 11700}


def test_shipped_manifest_records_salient_editions_and_files():
    man = json.loads((shipped_dir() / "manifest.json").read_text(encoding="utf-8"))
    mcs = next(s for s in man["sources"] if s["id"] == "usgs_mcs")
    assert {"MCS2022", "MCS2023", "MCS2024", "MCS2025", "MCS2026"} <= set(mcs["editions"])
    assert "usgs-mcs-2024/salient/mcs2024-lithi_salient.csv" in mcs["files"]
    assert not any(k.endswith("_meta.xml") for k in mcs["files"])
    assert "doi:10.5066/P144BA54" in mcs["attribution"]


# ------------------------------------------------------------------ raw files

@pytest.mark.raw
def test_raw_schema_editions_and_skips(salient):
    obs, skipped, unread = salient
    assert list(obs.columns) == schema.COLUMNS
    assert set(obs["edition"]) == set(EDITIONS)
    assert set(obs["dataset"]) == {"price"} and set(obs["source"]) == {"usgs_mcs"}
    assert set(obs["country"]) == {""} and set(obs["stage"]) == {""} and set(obs["hs"]) == {""}
    assert set(obs["mineral"]) <= set(mineral_ids())
    assert obs["value"].gt(0).all()
    defective = ("cobal", "gypsu", "kyani", "felds", "fluor")
    assert set(skipped) == {f"mcs2024-{c}_salient.csv" for c in defective}
    # every price column of every file is either mapped or deliberately not read
    assert not [k for k, why in unread.items() if "not in PRICES" in why], unread


@pytest.mark.raw
def test_raw_known_values(obs):
    li = obs[(obs["mineral"] == "lithium") & (obs["variable"] == "price")]
    assert value(li, edition="MCS2022", year=2017) == 15000
    assert value(li, edition="MCS2022", year=2018) == 17000
    assert value(li, edition="MCS2022", year=2019) == 12700
    assert value(li, edition="MCS2024", year=2019) == 12100
    assert li.loc[(li["edition"] == "MCS2022") & (li["year"] == 2021), "flag"].item() == "e"
    cu = obs[(obs["mineral"] == "copper") & (obs["variable"] == "price")]
    assert value(cu, edition="MCS2023", year=2021) == pytest.approx(4.243)      # COMEX 424.3 ¢/lb
    assert value(obs, mineral="manganese", edition="MCS2023", year=2021) == pytest.approx(527.0)
    assert value(obs, mineral="tungsten", variable="price", edition="MCS2024", year=2021) == 225
    # errata: MCS2024 lead 'LME' is the North American price; selenium and hafnium $/kg
    pb = obs[(obs["mineral"] == "lead") & (obs["edition"] == "MCS2024")]
    assert set(pb["variable"]) == {"price"} and value(pb, year=2021) == pytest.approx(1.13)
    assert value(obs, mineral="selenium", variable="price", edition="MCS2024", year=2021) == 18
    assert value(obs, mineral="selenium", variable="price", edition="MCS2023", year=2021) == \
        pytest.approx(8.25 / 0.45359237)
    assert value(obs, mineral="hafnium", edition="MCS2024", year=2022) == 1590
    assert value(obs, mineral="nickel", edition="MCS2024", year=2022) == 25815
    # distinct definitions keep their own variable
    ga = obs[obs["mineral"] == "gallium"]
    assert set(ga["variable"]) == {"price_high_purity", "price_low_purity"}
    assert value(ga, variable="price_high_purity", edition="MCS2022", year=2017) == 477
    assert value(obs, mineral="tungsten", variable="price_mcs2022", year=2017) == 245


@pytest.mark.raw
def test_raw_chained_series_match_mcs2026_key_and_unit(obs, mcs26_prices):
    keys = ["mineral", "stage", "hs", "country", "partner", "variable"]
    new = obs[obs["variable"] == "price"]
    old = mcs26_prices[keys + ["unit"]].drop_duplicates()
    m = new[keys + ["unit"]].drop_duplicates().merge(old, on=keys, how="left", suffixes=("", "_26"))
    assert m["unit_26"].notna().all(), m[m["unit_26"].isna()]        # every 'price' series chains
    assert (m["unit"] == m["unit_26"]).all(), m[m["unit"] != m["unit_26"]]


@pytest.mark.raw
def test_raw_editions_agree_where_they_overlap(obs, mcs26_prices):
    """Chained (and distinct) series: no pair of editions differs by more than 10 % in every one
    of two or more shared years that neither marks as estimated (a basis break: such a series
    belongs in BASIS_BREAKS). A single revised year is what the newest-edition rule is for."""
    a = pd.concat([obs, mcs26_prices], ignore_index=True)
    a = a[~a["flag"].str.contains("e")]
    bad = []
    for (mineral, variable), g in a.groupby(["mineral", "variable"]):
        w = g.pivot_table(index="year", columns="edition", values="value")
        for i, e1 in enumerate(w.columns):
            for e2 in w.columns[i + 1:]:
                both = w[[e1, e2]].dropna()
                off = (both[e1] / both[e2] - 1).abs() > 0.10
                if len(both) >= 2 and off.all():
                    bad.append((mineral, variable, e1, e2))
    assert not bad, bad


@pytest.mark.raw
def test_raw_single_defective_file_is_an_error(raw_dir):
    with pytest.raises(DataValidationError, match="world production/reserves"):
        sal.read(raw_dir / "usgs-mcs-2024/salient/mcs2024-cobal_salient.csv")
    with pytest.raises(DataValidationError, match="does not line up"):
        sal.read(raw_dir / "usgs-mcs-2024/salient/mcs2024-fluor_salient.csv")
