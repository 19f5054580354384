"""Excel and CSV out of ``critmin stockpile plan`` and ``critmin disrupt`` (issue 13): the workbook's
numbers are numbers and equal the JSON output, headers and sheet names are in the chosen language,
a sources and a method sheet come with it, CSV carries a byte-order mark, and confidential stock
levels stay out unless asked (then the file is owner-only)."""
from __future__ import annotations

import io
import json
import os
import stat
from pathlib import Path

import pandas as pd
import pytest
from typer.testing import CliRunner

from critmin.cli import app

REPO = Path(__file__).resolve().parents[1]
STOCKS = str(REPO / "examples" / "stock-levels.example.csv")
PLAN = ["stockpile", "plan", "--country", "JPN", "-m", "lithium", "-m", "cobalt", "-m", "germanium"]
GALLIUM = ["disrupt", "--scenario", "china_gallium_2023"]


def run(*args) -> str:
    r = CliRunner().invoke(app, [str(a) for a in args])
    assert r.exit_code == 0, r.output
    return r.stdout


def sheets(path) -> dict[str, pd.DataFrame]:
    return pd.read_excel(path, sheet_name=None, engine="openpyxl")


@pytest.fixture(scope="module")
def plan(tmp_path_factory):
    d = tmp_path_factory.mktemp("plan")
    doc = json.loads(run(*PLAN, "--format", "json"))
    for lang in ("ja", "en"):
        run(*PLAN, "--format", "xlsx", "--out", d / f"plan-{lang}.xlsx", "--lang", lang)
    return doc, d


def test_plan_workbook_equals_the_json_in_japanese(plan):
    doc, d = plan
    wb = sheets(d / "plan-ja.xlsx")
    assert list(wb) == ["備蓄計画", "出典", "手法"]
    p = wb["備蓄計画"].set_index("鉱種 ID")
    assert list(p.index) == ["lithium", "cobalt", "germanium"]
    assert p.loc["lithium", "鉱種"] == "リチウム"
    recs = {r["mineral"]: r for r in doc["records"]}
    for m, r in recs.items():
        for key, head in (("standard_consumption_t", "標準消費量 (t/年)"), ("target_days", "目標日数"),
                          ("target_t", "目標量 (t)"), ("risk", "リスク R")):
            if r[key] is None:
                assert pd.isna(p.loc[m, head]), (m, key)
            else:
                assert p.loc[m, head] == pytest.approx(r[key], rel=1e-12), (m, key)
    # the seed figure: Japan's lithium, 5-year mean of apparent consumption (tests/test_stockpile.py)
    assert p.loc["lithium", "標準消費量 (t/年)"] == pytest.approx(9137.96, abs=0.01)
    assert p.loc["lithium", "目標量 (t)"] == pytest.approx(p.loc["lithium", "目標日数"] * 9137.96 / 365, abs=0.01)
    assert p.loc["lithium", "消費量の根拠"] == "見掛消費量"
    assert p.loc["germanium", "年数"] == 0 and pd.isna(p.loc["germanium", "目標量 (t)"])
    method = wb["手法"].set_index("項目")["値"]
    assert method["基準日数"] == 60 and method["目標日数の上限"] == 180 and method["平均した年"] == 5
    assert "機密の在庫量を使わずに作成" in method["機密区分"]
    assert wb["出典"]["出典"].str.contains("baci_hs92").any()


def test_plan_workbook_cells_are_numbers_and_english_headers(plan):
    from openpyxl import load_workbook

    _doc, d = plan
    ws = load_workbook(d / "plan-en.xlsx")["stockpile plan"]
    head = [c.value for c in ws[1]]
    assert head[:5] == ["mineral id", "mineral", "standard consumption, t/yr", "target days", "target quantity, t"]
    row = {h: c for h, c in zip(head, ws[2])}
    assert row["mineral"].value == "Lithium"
    for h in ("standard consumption, t/yr", "target days", "target quantity, t", "risk R", "number of years"):
        assert row[h].data_type == "n", h


def test_plan_csv_has_a_bom_and_the_json_numbers(plan):
    doc, _d = plan
    r = CliRunner().invoke(app, [*PLAN, "--format", "csv", "--lang", "en"])
    assert r.exit_code == 0, r.output
    raw = r.stdout_bytes
    assert raw.startswith(b"\xef\xbb\xbf")
    t = pd.read_csv(io.BytesIO(raw), encoding="utf-8-sig").set_index("mineral id")
    assert t.loc["lithium", "target days"] == doc["records"][0]["target_days"]


def test_plan_workbook_holds_stocks_only_when_asked(tmp_path):
    base = [*PLAN[:4], "-m", "cobalt", "-m", "nickel", "--stocks", STOCKS, "--format", "xlsx", "--lang", "en"]
    run(*base, "--out", tmp_path / "a.xlsx")
    p = sheets(tmp_path / "a.xlsx")["stockpile plan"]
    assert not {"stock held, t", "locations"} & set(p.columns)
    run(*base, "--show-confidential", "--out", tmp_path / "b.xlsx")
    p = sheets(tmp_path / "b.xlsx")["stockpile plan"].set_index("mineral id")
    # examples/stock-levels.example.csv: cobalt 450 t at Site A, nickel 9,000 t at Site C
    assert p.loc["cobalt", "stock held, t"] == 450 and p.loc["nickel", "stock held, t"] == 9000
    assert p.loc["cobalt", "gap to target, t"] == pytest.approx(p.loc["cobalt", "target quantity, t"] - 450)
    if os.name == "posix":
        assert stat.S_IMODE(os.stat(tmp_path / "b.xlsx").st_mode) == 0o600


def test_xlsx_needs_out():
    r = CliRunner().invoke(app, [*GALLIUM, "--format", "xlsx"])
    assert r.exit_code == 2 and "--out" in r.output


@pytest.fixture(scope="module")
def gallium(tmp_path_factory):
    d = tmp_path_factory.mktemp("disrupt")
    mc = ["--runs", "500", "--seed", "3", "--stock-days", "20"]
    doc = json.loads(run(*GALLIUM, *mc, "--format", "json"))
    run(*GALLIUM, *mc, "--format", "xlsx", "--out", d / "ja.xlsx", "--lang", "ja")
    run(*GALLIUM, *mc, "--format", "csv", "--out", d / "en.csv", "--lang", "en")
    return doc, d


def test_disrupt_workbook_equals_the_json(gallium):
    doc, d = gallium
    wb = sheets(d / "ja.xlsx")
    assert list(wb) == ["輸出停止", "輸出国", "日別", "モンテカルロ", "制限発生率", "シナリオ", "イベント", "出典", "手法"]
    fig = wb["輸出停止"].set_index("項目")["値"]
    assert fig["その段階の年間輸入量"] == pytest.approx(doc["annual_imports_t"], rel=1e-12)
    assert fig["停止期間中の供給減少"] == pytest.approx(doc["gross_shortfall_t"], rel=1e-12)
    assert fig["最小の備蓄（年間輸入量の日数）"] == pytest.approx(doc["stock_needed_days"], rel=1e-12)
    assert fig["停止する輸入の割合"] == pytest.approx(100 * doc["cut_share"], rel=1e-12)
    # by hand: China's flow stops fully for 51 days; 20 days of imports are held
    part = wb["輸出国"].set_index("輸出国")
    chn = part.loc["CHN", "輸入量 (t)"]
    assert part.loc["CHN", "輸出国名"] == "中国" and part.loc["CHN", "停止割合"] == 1.0
    assert fig["停止期間中の供給減少"] == pytest.approx(chn * 51 / 365, rel=1e-12)
    assert fig["備蓄"] == pytest.approx(20 * doc["annual_imports_t"] / 365, rel=1e-12)
    mc = wb["モンテカルロ"]
    assert mc["備蓄（日）"].tolist() == [r["stock_days"] for r in doc["monte_carlo"]["by_stock_days"]]
    assert mc["年平均不足量 (t)"].tolist() == pytest.approx(
        [r["expected_shortfall_t"] for r in doc["monte_carlo"]["by_stock_days"]], rel=1e-12)
    assert mc["年間不足量の95%点 (t)"].tolist() == pytest.approx(
        [r["tail_shortfall_t"] for r in doc["monte_carlo"]["by_stock_days"]], rel=1e-12)
    day = wb["日別"]
    assert len(day) == 52 and day["供給減少の累計 (t)"].iloc[-1] == pytest.approx(doc["gross_shortfall_t"])
    sc = wb["シナリオ"].set_index("項目")["値"]
    assert sc["表題"].startswith("中国がガリウムに輸出許可制を導入") and sc["日付"] == "2023-08-01"
    src = wb["出典"]
    assert src["URL"].str.startswith("https://").any() and src["出典"].str.contains("BACI").any()
    assert wb["手法"]["値"].str.contains("不足量 = max").any()


def test_disrupt_csv_has_a_bom_and_the_figures(gallium):
    doc, d = gallium
    raw = (d / "en.csv").read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")
    t = pd.read_csv(io.BytesIO(raw), encoding="utf-8-sig").set_index("field")
    assert t.loc["gross_shortfall_t", "value"] == pytest.approx(doc["gross_shortfall_t"], rel=1e-12)
    assert t.loc["days", "value"] == 51 and t.loc["days", "unit"] == "days"
