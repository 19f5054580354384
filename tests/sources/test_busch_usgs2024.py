"""pmbusch USGS2024 (MCS2024 lithium) importer."""
from __future__ import annotations

import pytest

from critmin import schema
from critmin.errors import DataValidationError
from critmin.sources import busch_usgs2024
from critmin.testing import one

XLSX = "pmbusch-critical-minerals-ev/USGS2024.xlsx"
CSV = "pmbusch-critical-minerals-ev/USGS_Production.csv"




@pytest.fixture(scope="module")
def wb(raw_dir):
    return busch_usgs2024.read(raw_dir / XLSX)


def test_schema(wb):
    assert list(wb.columns) == schema.COLUMNS
    assert set(wb.edition) == {"MCS2024 (via pmbusch)"} and set(wb.source) == {"busch_usgs2024"}


def test_production(wb):
    p = wb[wb.dataset == "mine_production"]
    assert set(p.year) == {2022, 2023} and set(p.mineral) == {"lithium"}
    assert one(p, country="AUS", year=2023).value == 86_000
    assert one(p, country="CHL", year=2022).value == 38_000


def test_reserves(wb):
    r = wb[wb.dataset == "reserves"]
    assert set(r.year) == {2023}
    assert one(r, mineral="lithium", country="AUS").value == 6_200_000
    assert one(r, mineral="lithium", country="OTH").value == 2_800_000
    assert one(r, mineral="lithium", country="WLD").value == 28_000_000
    assert "BOL" not in set(r.country)      # resources only: no reserve figure
    assert one(r, mineral="cobalt", country="WLD").value == 11_000_000


def test_csv_same_production(raw_dir, wb):
    c = busch_usgs2024.read(raw_dir / CSV)
    assert set(c.dataset) == {"mine_production"}
    p = wb[wb.dataset == "mine_production"].reset_index(drop=True)
    assert c.sort_values(["country", "year"]).value.tolist() == \
        p.sort_values(["country", "year"]).value.tolist()


def test_missing_column(tmp_path):
    f = tmp_path / "USGS_Production.csv"
    f.write_text("Country,Year\nChile,2022\n")
    with pytest.raises(DataValidationError) as ei:
        busch_usgs2024.read(f)
    assert str(f) in str(ei.value) and "USGS_production" in str(ei.value)


def test_negative_names_row(tmp_path):
    f = tmp_path / "USGS_Production.csv"
    f.write_text("Country,Year,USGS_production\nChile,2022,10\nPeru,2022,-1\n")
    with pytest.raises(DataValidationError) as ei:
        busch_usgs2024.read(f)
    assert "negative" in str(ei.value) and "row 3" in str(ei.value)


def test_unknown_country(tmp_path):
    f = tmp_path / "USGS_Production.csv"
    f.write_text("Country,Year,USGS_production\nChile,2022,10\nAtlantis,2022,1\n")
    with pytest.raises(DataValidationError, match="Atlantis") as ei:
        busch_usgs2024.read(f)
    assert "row 3" in str(ei.value)
