"""BatPac battery mineral intensities (kg/kWh) from Busch Mineral_Intensity.xlsx."""
from __future__ import annotations

import openpyxl
import pytest

from critmin import schema
from critmin.errors import DataValidationError
from critmin.sources import batpac

REL = "pmbusch-critical-minerals-ev/Mineral_Intensity.xlsx"


@pytest.fixture(scope="module")
def path(raw_dir):
    return raw_dir / REL


@pytest.fixture(scope="module")
def df(path):
    return batpac.read(path)


def _raw(path, mineral, chem):
    wb = openpyxl.load_workbook(path, read_only=True, data_only=True)
    try:
        for r in wb["BatPac"].iter_rows(values_only=True):
            if r[0] == mineral and r[1] == chem:
                return r[2]
    finally:
        wb.close()
    raise KeyError((mineral, chem))


def _v(df, variable, mineral):
    sel = df[(df["variable"] == variable) & (df["mineral"] == mineral)]
    assert len(sel) == 1
    return sel.iloc[0]


def test_chemistry_id():
    assert batpac.chemistry_id("NMC 622") == "nmc622"
    assert batpac.chemistry_id("SS NMC 111") == "ss_nmc111"
    assert batpac.chemistry_id("NMCA 89:4:4:3") == "nmca89443"
    assert batpac.chemistry_id("LMO-LTO") == "lmo_lto"
    assert batpac.chemistry_id("LFP") == "lfp"


@pytest.mark.raw
def test_schema(df):
    assert list(df.columns) == schema.COLUMNS
    assert (df["dataset"] == "intensity").all() and (df["unit"] == "kg/kWh").all()
    assert (df["source"] == "batpac").all() and (df["year"] == 2023).all()
    assert df["edition"].iat[0] == "BatPac 5.1"
    assert df["variable"].nunique() == 21
    assert set(df["mineral"]) == {"lithium", "nickel", "cobalt", "manganese", "graphite",
                                  "aluminium", "copper", "phosphate_rock"}
    assert len(df) == 21 * 8


@pytest.mark.raw
def test_nmc622_nickel(df, path):
    row = _v(df, "battery_nmc622", "nickel")
    assert row["value"] == pytest.approx(_raw(path, "Nickel", "NMC 622"))
    assert row["value"] == pytest.approx(0.5463, abs=1e-4)


@pytest.mark.raw
def test_lfp_phosphorus_and_zero_cobalt(df, path):
    p = _v(df, "battery_lfp", "phosphate_rock")
    assert p["value"] == pytest.approx(_raw(path, "Phosphorus", "LFP"))
    assert "elemental P" in p["note"] and p["basis"] == "element"
    assert _v(df, "battery_lfp", "cobalt")["value"] == 0.0
    assert _v(df, "battery_nmc811", "aluminium")["value"] == pytest.approx(
        _raw(path, "Aluminum", "NMC 811"))


def _write(path, rows, sheet="BatPac"):
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = sheet
    for r in rows:
        ws.append(list(r))
    wb.save(path)
    return path


def test_synthetic_and_steel_skipped(tmp_path):
    p = _write(tmp_path / "mi.xlsx", [("Mineral", "chemistry", "kg_per_kwh"),
                                      ("Lithium", "NMC 622", 0.11), ("Steel", "NMC 622", 0.95)])
    df = batpac.read(p)
    assert df["mineral"].tolist() == ["lithium"] and df["variable"].tolist() == ["battery_nmc622"]


def test_negative_raises(tmp_path):
    p = _write(tmp_path / "mi.xlsx", [("Mineral", "chemistry", "kg_per_kwh"),
                                      ("Cobalt", "NMC 622", -0.1)])
    with pytest.raises(DataValidationError, match="negative"):
        batpac.read(p)


def test_wrong_sheet_raises(tmp_path):
    p = _write(tmp_path / "mi.xlsx", [("Mineral", "chemistry", "kg_per_kwh")], sheet="Sheet1")
    with pytest.raises(DataValidationError, match="BatPac"):
        batpac.read(p)


def test_wrong_header_raises(tmp_path):
    p = _write(tmp_path / "mi.xlsx", [("chem", "Li", "Ni"), ("NMC 622", 0.1, 0.5)])
    with pytest.raises(DataValidationError, match="header"):
        batpac.read(p)
