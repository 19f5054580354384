"""USGS DS140 lithium importer."""
from __future__ import annotations

import openpyxl
import pytest

from critmin import schema
from critmin.errors import DataValidationError
from critmin.sources import usgs_ds140
from critmin.testing import one

FILE = "usgs-ds140/ds140-lithium-2021.xlsx"


@pytest.fixture(scope="module")
def ds(raw_dir):
    return usgs_ds140.read(raw_dir / FILE)




def test_schema(ds):
    assert list(ds.columns) == schema.COLUMNS
    assert set(ds.dataset) == {"price", "mine_production", "us_salient"}
    assert set(ds.mineral) == {"lithium"}
    assert set(ds.source) == {"usgs_ds140"} and set(ds.edition) == {"DS140-2021"}
    assert ds.value.notna().all()


def test_unit_values(ds):
    p = one(ds, dataset="price", variable="unit_value", year=2013)
    assert p.value == 4390 and p.unit == "USD/t" and "lithium carbonate" in p.note
    r = one(ds, dataset="price", variable="unit_value_real_1998usd", year=2021)
    assert r.value == 3730


def test_world_production_li_content(ds):
    w = one(ds, dataset="mine_production", country="WLD", year=2021)
    assert w.value == 107_000 and w.basis == "metal" and w.unit == "t"


def test_withheld_us_production_gives_no_row(ds):
    prod = ds[(ds.dataset == "us_salient") & (ds.variable == "production")]
    assert 2013 not in set(prod.year)           # 'W' in the workbook
    assert one(ds, dataset="us_salient", variable="imports", year=2013).value == 2210
    c = one(ds, dataset="us_salient", variable="consumption_apparent", year=2021)
    assert c.value == 2000 and c.flag == "e"


def _workbook(path, header, rows):
    wb = openpyxl.Workbook()
    ws = wb.active
    for r in (["LITHIUM STATISTICS"], ["USGS"], ["[t]"], ["Last modification"], header, *rows):
        ws.append(r)
    wb.save(path)


HEADER = ["Year", "Production", "Imports", "Exports", "Estimated consumption", "Unit value ($/t)",
          "Unit value (98$/t)", "World production (gross weight)",
          "World production (lithium content)", "World production (lithium carbonate equivalent)"]


def test_missing_column(tmp_path):
    f = tmp_path / "ds140-lithium-2030.xlsx"
    _workbook(f, [h for h in HEADER if h != "Imports"], [[2020, "W", 1, 2, 3, 4, 5, 6, 7]])
    with pytest.raises(DataValidationError) as ei:
        usgs_ds140.read(f)
    assert str(f) in str(ei.value) and "Imports" in str(ei.value)


def test_negative_names_row(tmp_path):
    f = tmp_path / "ds140-lithium-2030.xlsx"
    _workbook(f, HEADER, [[2019, "W", 10, 1, 5, 100, 80, 9, 8, 7],
                          [2020, "W", -10, 1, 5, 100, 80, 9, 8, 7]])
    with pytest.raises(DataValidationError) as ei:
        usgs_ds140.read(f)
    assert "negative" in str(ei.value) and "row 7" in str(ei.value)


def test_synthetic_ok(tmp_path):
    f = tmp_path / "ds140-lithium-2030.xlsx"
    _workbook(f, HEADER, [[2030, "W", 10, "NA", 5, 100, 80, 9, 8, 7]])
    df = usgs_ds140.read(f)
    assert set(df.edition) == {"DS140-2030"}
    assert one(df, variable="imports").value == 10
    assert df[df.variable.isin(["production", "exports"])].empty
