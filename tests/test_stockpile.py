"""Stockpile planning: hand-computed targets, apparent consumption, confidential stock levels."""
from __future__ import annotations

import json
import os
import stat

import numpy as np
import pandas as pd
import pytest
from typer.testing import CliRunner

import critmin.data as cd
from critmin import stockpile as sp
from critmin.cli import app
from critmin.errors import DataValidationError, UnknownNameError

SECRET_T = 4321.75          # stock levels no default output may show
SECRET_SITE = "BUNKER-XYZZY-7"


@pytest.fixture()
def stock_file(tmp_path):
    p = tmp_path / "stocks.csv"
    p.write_text("# confidential\nmineral,stock_t,location,target_days\n"
                 f"cobalt,{SECRET_T},{SECRET_SITE},97\nrare_earths,1876.25,{SECRET_SITE}-2,\n"
                 "Rare earths,100,,\n", encoding="utf-8")
    return p


# -- target days and quantity -----------------------------------------------------------------------

def test_target_days_rule():
    assert sp.target_days(0.0) == 60.0                 # base
    assert sp.target_days(1.0) == 180.0                # 60 x 3, the six-month cap
    assert sp.target_days(0.25) == 90.0                # 60 x 1.5
    assert sp.target_days(0.5, 0.5) == 180.0           # 60 x 2 x 1.5
    assert sp.target_days(0.1) == 72.0                 # 60 x 1.2
    assert sp.target_days(0.11) == 74.0                # ceil(73.2)
    assert sp.target_days(1.0, 1.0, cap=365) == 360.0
    assert sp.target_days(0.4, gain=1.0, base=50, cap=400) == 70.0
    np.testing.assert_array_equal(sp.target_days(np.array([0.0, 1.0, 2.0])), [60.0, 180.0, 180.0])
    with pytest.raises(DataValidationError, match="importance"):
        sp.target_days(0.5, -1.0)
    with pytest.raises(DataValidationError, match="cap"):
        sp.target_days(0.5, cap=30)


def test_risk_from_scores():
    s = pd.DataFrame({"mineral": ["a", "a", "a", "b", "c"],
                      "indicator": ["import_refined", "production_concentration", "price_volatility",
                                    "price_volatility", "import_refined"],
                      "score": [0.8, 0.4, 0.1, 0.3, np.nan]})
    r = sp.risk_from_scores(s).set_index("mineral")
    assert r.loc["a", "risk"] == pytest.approx(0.6)       # geopolitical indicators only
    assert r.loc["b", "risk"] == pytest.approx(0.3)       # fallback: all scored indicators
    assert r.loc["c", "risk"] == 0.0 and "no indicator" in r.loc["c", "risk_rule"]


def test_apparent_consumption_hand():
    fl = pd.DataFrame({"mineral": ["x"] * 5, "year": [2020, 2020, 2021, 2021, 2022],
                       "direction": ["import", "export", "import", "import", "export"],
                       "t": [100.0, 30.0, 50.0, 40.0, 5.0], "basis": ["content"] * 5})
    pr = pd.DataFrame({"mineral": ["x", "x"], "year": [2018, 2021], "production_t": [10.0, 20.0],
                       "basis": ["content"] * 2})
    ac = sp.apparent_consumption(fl, pr, range(2020, 2023))
    assert ac["year"].tolist() == [2020, 2021, 2022]
    # 2020: 10 (2018 prod, lag 2) + 100 - 30; 2021: 20 + 90; 2022: 20 - 5
    assert ac["consumption_t"].tolist() == [80.0, 110.0, 15.0]
    ac = sp.apparent_consumption(fl, pr, range(2020, 2023), lag=1)
    assert ac["consumption_t"].tolist() == [70.0, 110.0, 15.0]    # 2018 production too old


def test_plan_hand_computed_with_user_consumption():
    cons = pd.DataFrame({"mineral": ["cobalt"] * 5 + ["tungsten"] * 2, "year": [2020, 2021, 2022, 2023, 2024, 2023, 2024],
                         "consumption_t": [1000, 2000, 3000, 4000, 5000, 100, 300]})
    p = sp.plan("JPN", 2024, ["cobalt", "tungsten"], consumption=cons, risk={"cobalt": 0.5, "tungsten": 1.0},
                importance={"tungsten": 0.2}, cap_days=300)
    r = p.set_index("mineral")
    assert r.loc["cobalt", "standard_consumption_t"] == 3000.0
    assert r.loc["cobalt", "basis"] == "user"
    assert r.loc["cobalt", "target_days"] == 120.0                        # 60 x (1 + 2 x 0.5)
    assert r.loc["cobalt", "target_t"] == pytest.approx(120 * 3000 / 365)  # 986.30 t
    assert r.loc["tungsten", "standard_consumption_t"] == 200.0
    assert r.loc["tungsten", "target_days"] == 216.0                      # 60 x 3 x 1.2
    assert r.loc["tungsten", "target_t"] == pytest.approx(216 * 200 / 365)
    assert p.attrs["confidential"] == []


def test_apparent_consumption_lithium_from_trade():
    """JPN lithium: refined imports − exports (Li content of carbonate and of the hydroxide
    monohydrate LiOH·H2O, 0.1654), 5-year mean; the quantity-reported flows by hand, the few
    value-only flows (imputed, 0.16 t/yr) within the 0.5 t tolerance."""
    p = sp.standard_consumption("JPN", 2024, ["lithium"])
    r = p.iloc[0]
    t = cd.trade("refined", minerals=["lithium"])
    t = t[t["year"].between(2020, 2024)]
    f = t["content_basis"].map({"Li2CO3": 6.94 * 2 / (6.94 * 2 + 12.011 + 3 * 15.999),
                                "LiOH.H2O": 6.94 / (6.94 + 2 * 15.999 + 3 * 1.008)})
    imp = (t.loc[t["importer"] == "JPN", "value"] * f).sum() / 5
    exp = (t.loc[t["exporter"] == "JPN", "value"] * f).sum() / 5
    assert r["basis"] == "apparent" and r["stage"] == "refined" and r["n_years"] == 5
    assert r["unit_basis"] == "contained element"
    assert r["imports_t"] == pytest.approx(imp, abs=0.5)
    assert r["exports_t"] == pytest.approx(exp, abs=0.5)
    assert r["standard_consumption_t"] == pytest.approx(imp - exp, abs=0.5)   # no Li refining in Japan
    assert r["standard_consumption_t"] == pytest.approx(9137.96, abs=0.01)


def test_standard_consumption_bases_and_reasons():
    p = sp.standard_consumption("JPN", 2024, ["nickel", "graphite", "molybdenum", "rubidium", "cobalt"])
    r = p.set_index("mineral")
    # nickel: refined production (BGS, as of the year) + imports − exports, five years now that
    # the Atlas's value-only flows (2020–2023) count
    n = r.loc["nickel"]
    assert n["n_years"] == 5 and n["basis"] == "apparent"
    assert n["standard_consumption_t"] == pytest.approx(n["production_t"] + n["imports_t"] - n["exports_t"])
    assert "value-only" in n["reason"]
    assert r.loc["graphite", "stage"] == "concentrate" and r.loc["graphite", "unit_basis"] == "gross weight"
    # molybdenum: exports of the ore code above imports every year -> the stage's imports
    assert r.loc["molybdenum", "basis"] == "imports" and r.loc["molybdenum", "standard_consumption_t"] > 0
    assert "exceed" in r.loc["molybdenum", "reason"]
    assert np.isnan(r.loc["rubidium", "standard_consumption_t"]) and "no refined" in r.loc["rubidium", "reason"]
    assert r.loc["cobalt", "stage"] == "refined"                  # 8105.10 is a refined-stage code now
    assert sp.stockpile_minerals()[:3] == ["lithium", "beryllium", "boron"]
    assert len(sp.stockpile_minerals()) == 34


def test_usa_uses_usgs_salient_consumption():
    p = sp.standard_consumption("USA", 2024, ["cobalt"])
    assert p["basis"].iat[0] == "usgs_salient" and p["standard_consumption_t"].iat[0] > 0


# -- confidential stock file ------------------------------------------------------------------------

def test_read_stocks(stock_file, tmp_path):
    s = sp.read_stocks(stock_file)
    assert s["mineral"].tolist() == ["cobalt", "rare_earths", "rare_earths"]
    assert s["stock_t"].tolist() == [SECRET_T, 1876.25, 100.0]
    assert s["row"].tolist() == [2, 3, 4]
    y = tmp_path / "s.yaml"
    y.write_text("stocks:\n  - {mineral: cobalt, stock_t: 12.5, location: A}\n  - {mineral: nickel, stock_t: 3}\n")
    assert sp.read_stocks(y)["stock_t"].tolist() == [12.5, 3.0]


@pytest.mark.parametrize("text, row, field, what", [
    ("mineral,stock_t\ncobalt,12\nnickel,lots\n", 3, "stock_t", "not a number"),
    ("mineral,stock_t\ncobalt,-4\n", 2, "stock_t", "non-negative"),
    ("mineral,stock_t\ncobalt,\n", 2, "stock_t", "missing stock_t"),
    ("mineral,tonnes\ncobalt,4\n", 1, "stock_t", "missing column"),
    ("mineral,stock_t,locaton\ncobalt,4,A\n", 2, "locaton", "did you mean 'location'"),
    ("mineral,stock_t\ncobalt,4,A\n", 2, None, "wrong number of cells"),
])
def test_stock_file_errors(tmp_path, text, row, field, what):
    p = tmp_path / "bad.csv"
    p.write_text(text)
    with pytest.raises(DataValidationError) as e:
        sp.read_stocks(p)
    assert e.value.file == str(p) and e.value.row == row and e.value.field == field
    assert what in str(e.value) and "Fix:" in str(e.value)


def test_stock_file_unknown_mineral_and_yaml(tmp_path):
    p = tmp_path / "bad.csv"
    p.write_text("mineral,stock_t\ncobalt,1\ncobolt,2\n")
    with pytest.raises(UnknownNameError, match="did you mean 'cobalt'") as e:
        sp.read_stocks(p)
    assert e.value.file == str(p)
    y = tmp_path / "bad.yaml"
    y.write_text("- {mineral: cobalt, stock_t: 1}\n- mineral: [unclosed\n")
    with pytest.raises(DataValidationError, match="malformed YAML") as e:
        sp.read_stocks(y)
    assert e.value.row is not None
    with pytest.raises(DataValidationError, match="not found"):
        sp.read_stocks(tmp_path / "nope.csv")
    (tmp_path / "s.xlsx").write_text("x")
    with pytest.raises(DataValidationError, match="unsupported"):
        sp.read_stocks(tmp_path / "s.xlsx")


def test_plan_with_stocks_confidential_columns(stock_file):
    p = sp.plan("JPN", 2024, ["cobalt", "rare_earths"], stocks=stock_file, risk={"cobalt": 0.0, "rare_earths": 0.5})
    r = p.set_index("mineral")
    assert r.loc["cobalt", "stock_t"] == SECRET_T
    assert r.loc["rare_earths", "stock_t"] == 1976.25                       # two rows summed
    sc = r.loc["cobalt", "standard_consumption_t"]
    assert r.loc["cobalt", "stock_days"] == pytest.approx(SECRET_T / sc * 365)
    assert r.loc["cobalt", "gap_t"] == pytest.approx(60 * sc / 365 - SECRET_T)
    assert r.loc["cobalt", "confidential_target_days"] == 97.0
    assert r.loc["cobalt", "locations"] == [SECRET_SITE]
    doc = json.dumps(sp.to_json(p))
    for secret in (SECRET_SITE, "4321.75", "1976.25", "stock_t", "97.0"):
        assert secret not in doc
    assert "withheld" in doc
    shown = json.dumps(sp.to_json(p, show_confidential=True))
    assert SECRET_SITE in shown and "4321.75" in shown


def test_no_confidential_data_in_default_cli_outputs(stock_file, tmp_path):
    """The stock levels appear in no default report, JSON, CSV or table output."""
    runner = CliRunner()
    base = ["stockpile", "plan", "--country", "JPN", "--year", "2024", "-m", "cobalt", "-m", "rare_earths",
            "--stocks", str(stock_file)]
    out = tmp_path / "plan.html"
    texts, stdout = [], {}
    for fmt in ("json", "csv", "table"):
        r = runner.invoke(app, base + ["--format", fmt] + (["--out", str(out)] if fmt == "json" else []))
        assert r.exit_code == 0, r.output
        texts.append(r.output)
        stdout[fmt] = r.stdout
    from critmin.report.html import offline_plotlyjs

    texts.append(out.read_text(encoding="utf-8").replace(offline_plotlyjs(), ""))   # the library itself
    for t in texts:
        for secret in (SECRET_SITE, "4321.75", "4,322", "1976.25", "1,976"):
            assert secret not in t, secret
    assert "withheld" in texts[0] and "withheld" in texts[3]
    # the contract
    doc = json.loads(stdout["json"])
    assert set(doc["records"][0]) >= {"mineral", "standard_consumption_t", "target_days", "target_t"}
    # asked explicitly: shown, and the report is written owner-only
    out2 = tmp_path / "plan-conf.html"
    r = runner.invoke(app, base + ["--format", "json", "--show-confidential", "--out", str(out2)])
    assert r.exit_code == 0, r.output
    assert SECRET_SITE in r.stdout and SECRET_SITE in out2.read_text(encoding="utf-8")
    if os.name == "posix":
        assert stat.S_IMODE(os.stat(out2).st_mode) == 0o600


def test_report_without_stocks_says_so(tmp_path):
    p = sp.plan("JPN", 2024, ["cobalt"], risk={"cobalt": 0.2})
    from critmin.commands.stockpile import plan_report

    html = plan_report(p, show_confidential=False)
    assert "built without confidential stock levels" in html
    assert "https://" not in html and "<script src" not in html


def test_cli_bad_stock_file_is_a_clear_error(tmp_path):
    p = tmp_path / "s.csv"
    p.write_text("mineral,stock_t\ncobalt,abc\n")
    r = CliRunner().invoke(app, ["stockpile", "plan", "-m", "cobalt", "--stocks", str(p), "--format", "json"])
    assert r.exit_code == 2
    assert "not a number" in r.output and "row 2" in r.output and "stock_t" in r.output and str(p) in r.output


def test_write_private_mode(tmp_path):
    p = tmp_path / "x.json"
    p.write_text("old")
    os.chmod(p, 0o644)
    sp.write_private(p, "secret")
    assert p.read_text() == "secret"
    if os.name == "posix":
        assert stat.S_IMODE(os.stat(p).st_mode) == 0o600


def test_cli_plan_json_contract_all_minerals():
    r = CliRunner().invoke(app, ["stockpile", "plan", "--country", "JPN", "--format", "json"])
    assert r.exit_code == 0, r.output
    doc = json.loads(r.stdout)
    recs = {x["mineral"]: x for x in doc["records"]}
    assert len(recs) == 34 and doc["confidential"]["supplied"] is False
    for x in recs.values():
        assert {"mineral", "standard_consumption_t", "target_days", "target_t"} <= set(x)
        if x["target_t"] is not None:
            assert 60 <= x["target_days"] <= 180
            assert x["target_t"] == pytest.approx(x["target_days"] * x["standard_consumption_t"] / 365)
    assert recs["lithium"]["standard_consumption_t"] == pytest.approx(9137.96, abs=0.01)
    # defect 7: no negative or null standard consumption where the mineral has trade data;
    # gallium (shared 8112.92) and germanium (own 8112.30, no data after 2016) differ
    for x in recs.values():
        if x["imports_t"] is not None or x["exports_t"] is not None:
            assert x["standard_consumption_t"] is not None and x["standard_consumption_t"] >= 0, x["mineral"]
    assert recs["molybdenum"]["standard_consumption_t"] == pytest.approx(71.142, abs=1e-6)   # 355.71 t / 5
    assert recs["tantalum"]["standard_consumption_t"] == pytest.approx(97.2192, abs=1e-4)    # 486.096 t / 5
    assert recs["gallium"]["standard_consumption_t"] != recs["germanium"]["standard_consumption_t"]


def test_stock_file_in_shift_jis_is_read_like_utf8(tmp_path):
    """A stock file saved by Japanese Excel (cp932, a Japanese location) reads like its UTF-8 twin."""
    from critmin.errors import DataValidationError
    from critmin.stockpile import read_stocks

    text = "mineral,stock_t,location\ncobalt,120,国家備蓄倉庫A\nレアアース,30,民間\n"
    (tmp_path / "sjis.csv").write_bytes(text.encode("cp932"))
    (tmp_path / "utf8.csv").write_bytes(text.encode("utf-8-sig"))
    a, b = read_stocks(tmp_path / "sjis.csv"), read_stocks(tmp_path / "utf8.csv")
    assert a.equals(b)
    assert a["mineral"].tolist() == ["cobalt", "rare_earths"] and a["stock_t"].tolist() == [120.0, 30.0]
    assert a["location"].tolist() == ["国家備蓄倉庫A", "民間"]
    (tmp_path / "bad.csv").write_bytes(b"mineral,stock_t\ncobalt,\x81\x2012\n")
    with pytest.raises(DataValidationError, match="neither UTF-8 nor Shift-JIS"):
        read_stocks(tmp_path / "bad.csv")
