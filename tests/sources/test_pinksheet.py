"""World Bank Pink Sheet importer: annual means of monthly prices, header validation."""
from __future__ import annotations

import openpyxl
import pytest

from critmin import schema
from critmin.errors import DataValidationError
from critmin.sources import pinksheet

REL = "worldbank-pink-sheet/CMO-Historical-Data-Monthly.xlsx"


@pytest.fixture(scope="module")
def path(raw_dir):
    return raw_dir / REL


@pytest.fixture(scope="module")
def df(path):
    return pinksheet.read(path)


@pytest.fixture(scope="module")
def sheet(path):
    """(codes row, data rows) of the raw sheet read directly with openpyxl."""
    wb = openpyxl.load_workbook(path, read_only=True, data_only=True)
    rows = list(wb["Monthly Prices"].iter_rows(values_only=True))
    wb.close()
    return rows[6], rows[7:]


def _col(sheet, code):
    codes, data = sheet
    j = [str(c).upper() for c in codes].index(code)
    return {r[0]: r[j] for r in data}


@pytest.mark.raw
def test_schema_and_minerals(df):
    assert list(df.columns) == schema.COLUMNS
    assert set(df["mineral"]) == set(pinksheet.SERIES.values())
    assert (df["dataset"] == "price").all() and (df["variable"] == "price").all()
    assert (df["source"] == "pink_sheet").all()
    assert df["edition"].iat[0] == "CMO monthly, updated 2 Dec 2025"
    units = df.groupby("mineral")["unit"].first()
    assert units["copper"] == "USD/t" and units["iron_ore"] == "USD/dmtu"
    assert units["gold"] == "USD/troy_oz" and units["platinum"] == "USD/troy_oz"
    assert "platinum_group_metals" not in set(df["mineral"])


@pytest.mark.raw
def test_copper_2020_is_mean_of_12_months(df, sheet):
    cu = _col(sheet, "COPPER")
    months = [cu[f"2020M{m:02d}"] for m in range(1, 13)]
    row = df[(df["mineral"] == "copper") & (df["year"] == 2020)].iloc[0]
    assert row["value"] == pytest.approx(sum(months) / 12)
    assert row["flag"] == ""
    assert "annual mean of 12 monthly prices" in row["note"]


@pytest.mark.raw
def test_ellipsis_never_becomes_zero(df, sheet, path):
    ph = _col(sheet, "PHOSROCK")
    assert ph["2023M11"] in ("…", "...")
    months = [v for k, v in ph.items() if k.startswith("2023M") and isinstance(v, (int, float))]
    assert len(months) == 11
    row = df[(df["mineral"] == "phosphate_rock") & (df["year"] == 2023)].iloc[0]
    assert row["value"] == pytest.approx(sum(months) / 11)
    assert row["flag"] == "p" and "11 monthly prices" in row["note"] and "2023M11" in row["note"]
    mo = pinksheet.read_monthly(path)
    sel = mo[(mo["mineral"] == "phosphate_rock") & (mo["date"] == "2023-11-01")]
    assert sel.empty
    assert (mo["price"] > 0).all()


@pytest.mark.raw
def test_partial_current_year_flagged(df):
    last = df[df["year"] == df["year"].max()]
    assert (last["flag"] == "p").all()


@pytest.mark.raw
def test_read_monthly_tidy(path, sheet):
    mo = pinksheet.read_monthly(path)
    assert list(mo.columns) == ["mineral", "date", "price", "unit"]
    gold = _col(sheet, "GOLD")
    got = mo[(mo["mineral"] == "gold") & (mo["date"] == "1999-09-01")]["price"].iat[0]
    assert got == pytest.approx(gold["1999M09"])


# --- synthetic workbooks -------------------------------------------------------------

def _write(path, rows, sheet="Monthly Prices"):
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = sheet
    for r in rows:
        ws.append(list(r))
    wb.save(path)
    return path


def _good_rows(values=None):
    codes = list(pinksheet.SERIES)
    n = len(codes)
    unit = {"IRON_ORE": "($/dmtu)", "GOLD": "($/troy oz)", "PLATINUM": "($/troy oz)",
            "SILVER": "($/troy oz)"}
    rows = [["World Bank Commodity Price Data (The Pink Sheet)"], ["monthly prices"], [""],
            ["Updated on March 04, 2024"],
            [None, *[c.title() for c in codes]],
            [None, *[unit.get(c, "($/mt)") for c in codes]],
            [None, *codes]]
    for m in range(1, 13):
        rows.append([f"2023M{m:02d}", *([float(m)] * n)])
    if values:
        for (i, j), v in values.items():
            rows[7 + i][1 + codes.index(j)] = v
    return rows


def test_synthetic_reads_and_edition(tmp_path):
    p = _write(tmp_path / "pink.xlsx", _good_rows({(0, "COPPER"): "…"}))
    df = pinksheet.read(p)
    assert df["edition"].iat[0] == "CMO monthly, updated 4 Mar 2024"
    cu = df[df["mineral"] == "copper"].iloc[0]
    assert cu["value"] == pytest.approx(sum(range(2, 13)) / 11)
    assert cu["flag"] == "p"
    zn = df[df["mineral"] == "zinc"].iloc[0]
    assert zn["value"] == pytest.approx(6.5) and zn["flag"] == ""


def test_wrong_sheet_raises(tmp_path):
    p = _write(tmp_path / "pink.xlsx", _good_rows(), sheet="Annual Prices")
    with pytest.raises(DataValidationError) as e:
        pinksheet.read(p)
    msg = str(e.value)
    assert "pink.xlsx" in msg and "Monthly Prices" in msg and "Fix:" in msg


def test_wrong_header_raises(tmp_path):
    rows = [["Some other workbook"], ["Date", "Price A", "Price B"], ["2020-01", 1, 2]]
    p = _write(tmp_path / "other.xlsx", rows)
    with pytest.raises(DataValidationError) as e:
        pinksheet.read(p)
    msg = str(e.value)
    assert "other.xlsx" in msg and "Monthly Prices" in msg and "Fix:" in msg


def test_missing_code_raises(tmp_path):
    rows = _good_rows()
    rows[6] = [c if c != "NICKEL" else "NICKLE" for c in rows[6]]
    p = _write(tmp_path / "pink.xlsx", rows)
    with pytest.raises(DataValidationError, match="NICKEL"):
        pinksheet.read(p)


def test_negative_price_raises(tmp_path):
    p = _write(tmp_path / "pink.xlsx", _good_rows({(3, "LEAD"): -5.0}))
    with pytest.raises(DataValidationError, match="negative"):
        pinksheet.read(p)


def test_garbage_cell_raises(tmp_path):
    p = _write(tmp_path / "pink.xlsx", _good_rows({(3, "TIN"): "n.q."}))
    with pytest.raises(DataValidationError, match="row 11"):
        pinksheet.read(p)


def test_not_xlsx_raises(tmp_path):
    p = tmp_path / "pink.xlsx"
    p.write_text("not a workbook")
    with pytest.raises(DataValidationError, match="Excel"):
        pinksheet.read(p)
