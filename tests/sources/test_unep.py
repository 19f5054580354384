"""UNEP IRP 2011 recycling rates: parsing rule, spot checks against the printed cells."""
from __future__ import annotations

import csv

import pytest

from critmin import schema
from critmin.errors import DataValidationError
from critmin.sources import unep

REL = "unep-irp-2011-recycling-rates/unep_irp2011_appendix_cells.csv"


@pytest.fixture(scope="module")
def path(raw_dir):
    return raw_dir / REL


@pytest.fixture(scope="module")
def df(path):
    return unep.read(path)


@pytest.fixture(scope="module")
def cells(path):
    with open(path, encoding="utf-8") as fh:
        return {r["symbol"]: r for r in csv.DictReader(fh)}


def _v(df, mineral, variable):
    sel = df[(df["mineral"] == mineral) & (df["variable"] == variable)]
    assert len(sel) == 1, (mineral, variable)
    return sel.iloc[0]


@pytest.mark.parametrize("text, expected", [
    ("52", (52.0, 52.0, 52.0, "")),
    ("58-63m", (60.5, 58.0, 63.0, "m")),
    ("<1", (0.5, 0.0, 1.0, "")),
    ("<1c", (0.5, 0.0, 1.0, "c")),
    (">80", (80.0, 80.0, 100.0, "")),
    ("~50", (50.0, 50.0, 50.0, "")),
    ("0", (0.0, 0.0, 0.0, "")),
])
def test_parse_estimate(text, expected):
    assert unep.parse_estimate(text) == expected


def test_parse_cell_median_and_bounds():
    assert unep.parse_cell("57n, 58-63m, 58-63o") == (60.5, 57.0, 63.0, ["n", "m", "o"])
    assert unep.parse_cell("") is None
    with pytest.raises(ValueError):
        unep.parse_cell("about half")


@pytest.mark.raw
def test_schema(df):
    assert list(df.columns) == schema.COLUMNS
    assert (df["dataset"] == "recycling").all() and (df["unit"] == "1").all()
    assert (df["year"] == 2011).all() and (df["source"] == "unep_2011").all()
    assert df["value"].between(0, 1).all()
    assert {"eol_rr", "eol_rr_low", "eol_rr_high", "rc", "osr"} <= set(df["variable"])


@pytest.mark.raw
def test_every_element_has_eol_rr(df, cells):
    assert len(cells) == 59
    got = df[df["variable"] == "eol_rr"]
    assert len(got) == 59 + 2  # + rare_earths, platinum_group_metals


@pytest.mark.raw
def test_copper_eol_rr(df, cells):
    assert cells["Cu"]["eolrr_cell"] == "43e, 53f"
    assert _v(df, "copper", "eol_rr")["value"] == pytest.approx(0.48)
    assert _v(df, "copper", "eol_rr_low")["value"] == pytest.approx(0.43)
    assert _v(df, "copper", "eol_rr_high")["value"] == pytest.approx(0.53)
    note = _v(df, "copper", "eol_rr")["note"]
    assert "43e, 53f" in note and "Goonan" in note


@pytest.mark.raw
def test_less_than_one_is_half(df, cells):
    assert cells["Li"]["eolrr_cell"] == "<1"
    assert _v(df, "lithium", "eol_rr")["value"] == pytest.approx(0.005)
    assert _v(df, "lithium", "eol_rr_low")["value"] == 0.0
    assert _v(df, "lithium", "eol_rr_high")["value"] == pytest.approx(0.01)


@pytest.mark.raw
def test_range_is_midpoint(df, cells):
    assert cells["Pd"]["eolrr_cell"] == "60-70"
    assert _v(df, "palladium", "eol_rr")["value"] == pytest.approx(0.65)
    assert cells["Re"]["eolrr_cell"] == ">50"
    assert _v(df, "rhenium", "eol_rr")["value"] == pytest.approx(0.50)


@pytest.mark.raw
def test_empty_cell_gives_no_row(df, cells):
    assert cells["V"]["osr_cell"] == ""
    assert df[(df["mineral"] == "vanadium") & (df["variable"] == "osr")].empty


@pytest.mark.raw
def test_groups(df):
    ree = df[(df["mineral"].isin(["lanthanum", "cerium", "neodymium", "dysprosium", "yttrium"]))
             & (df["variable"] == "eol_rr")]
    assert len(ree) == 5
    assert _v(df, "rare_earths", "eol_rr")["value"] == pytest.approx(0.005)
    assert "median over" in _v(df, "rare_earths", "eol_rr")["note"]
    pgm_members = ["ruthenium", "rhodium", "palladium", "osmium", "iridium", "platinum"]
    vals = df[df["mineral"].isin(pgm_members) & (df["variable"] == "eol_rr")]["value"]
    assert len(vals) == 6
    assert _v(df, "platinum_group_metals", "eol_rr")["value"] == pytest.approx(vals.median())


def test_bad_cell_raises(tmp_path):
    p = tmp_path / "cells.csv"
    p.write_text("table,page,symbol,osr_cell,rc_cell,eolrr_cell\nD1,31,Cu,24e,30e,about half\n")
    with pytest.raises(DataValidationError, match="eolrr_cell"):
        unep.read(p)


def test_negative_raises(tmp_path):
    p = tmp_path / "cells.csv"
    p.write_text("table,page,symbol,osr_cell,rc_cell,eolrr_cell\nD1,31,Cu,24e,30e,-5\n")
    with pytest.raises(DataValidationError):
        unep.read(p)


def test_unknown_symbol_raises(tmp_path):
    p = tmp_path / "cells.csv"
    p.write_text("table,page,symbol,osr_cell,rc_cell,eolrr_cell\nD1,31,Xx,24e,30e,50\n")
    with pytest.raises(DataValidationError, match="Xx"):
        unep.read(p)


def test_wrong_columns_raise(tmp_path):
    p = tmp_path / "cells.csv"
    p.write_text("element,rate\nCu,50\n")
    with pytest.raises(DataValidationError, match="missing column"):
        unep.read(p)
