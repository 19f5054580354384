"""IEA 2021 headline mineral intensities."""
from __future__ import annotations

import csv

import pytest

from critmin import schema
from critmin.errors import DataValidationError
from critmin.sources import iea

REL = "iea-2021-mineral-intensity-figures/iea2021_mineral_intensity_figure_values.csv"
HEADER = "technology,unit,mineral,value,basis,transcribed_from\n"


@pytest.fixture(scope="module")
def path(raw_dir):
    return raw_dir / REL


@pytest.fixture(scope="module")
def df(path):
    return iea.read(path)


def _raw(path, tech, mineral):
    with open(path, encoding="utf-8") as fh:
        for r in csv.DictReader(fh):
            if r["technology"] == tech and r["mineral"] == mineral:
                return float(r["value"])
    raise KeyError((tech, mineral))


def _v(df, tech, mineral):
    sel = df[(df["variable"] == tech) & (df["mineral"] == mineral)]
    assert len(sel) == 1
    return sel.iloc[0]


@pytest.mark.raw
def test_schema(df):
    assert list(df.columns) == schema.COLUMNS
    assert (df["dataset"] == "intensity").all() and (df["source"] == "iea_2021").all()
    assert (df["year"] == 2021).all()
    assert set(df["variable"]) == set(iea.TECHNOLOGIES)
    assert (df["country"] == "").all() and (df["stage"] == "").all()
    assert "others" not in set(df["mineral"]) and "" not in set(df["mineral"])


@pytest.mark.raw
def test_offshore_wind_copper(df, path):
    row = _v(df, "offshore_wind", "copper")
    assert row["value"] == _raw(path, "offshore_wind", "copper") == 8000
    assert row["unit"] == "kg/MW"


@pytest.mark.raw
def test_ev_units_and_ree(df, path):
    row = _v(df, "electric_car", "rare_earths")
    assert row["unit"] == "kg/vehicle"
    assert row["value"] == _raw(path, "electric_car", "rare_earths")
    assert "electric cars" in _v(df, "electric_car", "lithium")["note"]
    assert "power generation" in _v(df, "solar_pv", "silicon")["note"]


@pytest.mark.raw
def test_offshore_total_without_others(df, path):
    total = df[df["variable"] == "offshore_wind"]["value"].sum()
    assert total + _raw(path, "offshore_wind", "others") == pytest.approx(15_400, abs=50)  # IEA: 15.4 t/MW


def test_ree_alias_and_others_skipped(tmp_path):
    p = tmp_path / "iea.csv"
    p.write_text(HEADER + "onshore_wind,kg_per_MW,REE,14,IEA (2021) x,web\n"
                          "onshore_wind,kg_per_MW,Others,3,IEA (2021) ibid.,web\n")
    df = iea.read(p)
    assert df["mineral"].tolist() == ["rare_earths"]


def test_negative_raises(tmp_path):
    p = tmp_path / "iea.csv"
    p.write_text(HEADER + "onshore_wind,kg_per_MW,copper,-2900,IEA (2021) x,web\n")
    with pytest.raises(DataValidationError, match="negative"):
        iea.read(p)


def test_unknown_unit_raises(tmp_path):
    p = tmp_path / "iea.csv"
    p.write_text(HEADER + "onshore_wind,t_per_GW,copper,2900,IEA (2021) x,web\n")
    with pytest.raises(DataValidationError, match="unit"):
        iea.read(p)
