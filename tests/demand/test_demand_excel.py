"""``critmin demand`` in Excel and CSV, and in Japanese (issue 13)."""
from __future__ import annotations

import io
import json

import openpyxl
import pandas as pd
import pytest
from typer.testing import CliRunner

from critmin.cli import app

#: the seed's 1 M EVs against Japan's 2018 domestic demand (METI/ANRE 2021 seed)
SEED_EV = {"copper": 83_000, "neodymium": 775, "lithium": 7_150, "nickel": 28_000, "cobalt": 11_000}
JAPAN_2018 = {"copper": 1_063_000, "neodymium": 4_624, "lithium": 7_939, "nickel": 113_000, "cobalt": 11_000}


@pytest.fixture(scope="module")
def runs(tmp_path_factory):
    d = tmp_path_factory.mktemp("demand-xlsx")
    r = CliRunner()
    js = r.invoke(app, ["demand", "-s", "seed-ev-1m", "--format", "json"])
    xl = r.invoke(app, ["demand", "-s", "seed-ev-1m", "--format", "xlsx", "--out", str(d / "d.xlsx"), "--lang", "ja"])
    csv = r.invoke(app, ["demand", "-s", "seed-ev-1m", "--format", "csv"])
    for x in (js, xl, csv):
        assert x.exit_code == 0, x.output
    return json.loads(js.stdout), openpyxl.load_workbook(d / "d.xlsx"), csv.stdout_bytes


def test_workbook_outlook_equals_the_json_and_the_seed(runs):
    doc, wb, _ = runs
    assert wb.sheetnames == ["見通し", "技術別需要", "入力", "前提条件", "出典", "手法"]
    rows = list(wb["見通し"].iter_rows(values_only=True))
    df = pd.DataFrame(rows[1:], columns=rows[0])
    assert {"鉱種 ID", "鉱種", "年", "需要 (t)", "国内需要 (t)", "国内需要に対する割合", "国内需要の基準"} <= set(df.columns)
    js = {(o["mineral"], o["year"]): o for o in doc["outlook"]}
    assert len(df) == len(js) == 5
    d = df.set_index("鉱種 ID")
    for m, t in SEED_EV.items():
        assert d.at[m, "需要 (t)"] == pytest.approx(t) == pytest.approx(js[(m, 2030)]["tonnes"])
        assert d.at[m, "国内需要 (t)"] == JAPAN_2018[m]
        assert d.at[m, "国内需要に対する割合"] == pytest.approx(t / JAPAN_2018[m])      # copper 0.0781
        assert d.at[m, "年"] == 2030
    assert all(isinstance(r[rows[0].index("年")], int) for r in rows[1:])       # a number, not "2030.0"
    assert d.at["copper", "鉱種"] == "銅" and d.at["copper", "国内需要の基準"] == "報告値（消費統計）"
    tech = list(wb["技術別需要"].iter_rows(values_only=True))
    assert sum(r[tech[0].index("需要 (t)")] for r in tech[1:]) == pytest.approx(sum(SEED_EV.values()))


def test_csv_is_the_outlook_with_a_bom(runs):
    doc, _, raw = runs
    assert raw.startswith(b"\xef\xbb\xbf")
    df = pd.read_csv(io.BytesIO(raw), encoding="utf-8-sig")
    assert list(df.columns[:4]) == ["scenario", "mineral", "mineral_name", "year"]
    assert dict(zip(df["mineral"], df["tonnes"])) == pytest.approx(SEED_EV)
    assert len(df) == len(doc["outlook"])


def test_table_in_japanese():
    r = CliRunner().invoke(app, ["demand", "-s", "seed-ev-1m", "--lang", "ja"])
    assert r.exit_code == 0, r.output
    assert "83,000" in r.stdout and "国内需要の基準: 報告値（消費統計）" in r.stdout
