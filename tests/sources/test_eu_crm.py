"""EU CRM 2023 trade parameters."""
from __future__ import annotations

import pytest

from critmin import schema
from critmin.errors import DataValidationError
from critmin.sources import eu_crm


@pytest.fixture(scope="module")
def tp(raw_dir):
    return eu_crm.read(raw_dir / "eu-crm-2023" / "eu_crm_2023_trade_parameters.csv")


def test_schema(tp):
    assert list(tp.columns) == schema.COLUMNS
    assert set(tp["dataset"]) == {"trade_parameter"}
    assert set(tp["stage"]) == {"mine", "refined"}
    assert set(tp["variable"]) == {"t_world", "t_eu"}
    assert set(tp["year"]) == {2023} and set(tp["unit"]) == {"1"}
    assert tp["value"].between(0.8, 1.5).all()


def test_values(tp):
    r = tp[(tp["mineral"] == "tin") & (tp["country"] == "CHN") & (tp["stage"] == "refined")]
    assert dict(zip(r["variable"], r["value"])) == {"t_world": 1.5, "t_eu": 1.492}
    r = tp[(tp["mineral"] == "copper") & (tp["country"] == "COD")]
    assert r["value"].item() == 1.1 and r["variable"].item() == "t_world"
    assert "TUR" in set(tp["country"])              # 'Türkiye'
    assert {"barium", "fluorine", "iron_ore", "talc", "phosphate_rock"} <= set(tp["mineral"])


def test_skipped(tp):
    assert {"Coking Coal", "Natural teak wood", "Sapele wood", "Titanium metal"} == set(tp.attrs["skipped"])


def test_unknown_country(tmp_path):
    p = tmp_path / "t.csv"
    p.write_text("material_name,country_name,parameter,category,scope\nCopper,Atlantis,1.1,primary,world\n")
    with pytest.raises(DataValidationError, match="Atlantis"):
        eu_crm.read(p)


def test_bad_scope(tmp_path):
    p = tmp_path / "t.csv"
    p.write_text("material_name,country_name,parameter,category,scope\nCopper,Chile,1.1,primary,mars\n")
    with pytest.raises(DataValidationError, match="row 2.*scope"):
        eu_crm.read(p)
