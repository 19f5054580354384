"""Excel and flat CSV out (issue 13): ``assess --format xlsx|csv``, ``compare --format xlsx``."""
from __future__ import annotations

import io
import json
import math

import openpyxl
import pandas as pd
import pytest
from typer.testing import CliRunner

from critmin.cli import app

ARGS = ["assess", "--country", "JPN", "--year", "2022", "-m", "copper", "-m", "lithium", "-m", "gallium",
        "-m", "rare_earths", "--no-report"]


@pytest.fixture(scope="module")
def runs(tmp_path_factory):
    d = tmp_path_factory.mktemp("xlsx")
    r = CliRunner()
    js = r.invoke(app, [*ARGS, "--format", "json"])
    assert js.exit_code == 0, js.output
    xl = r.invoke(app, [*ARGS, "--format", "xlsx", "--out", str(d / "a.xlsx"), "--lang", "ja"])
    assert xl.exit_code == 0, xl.output
    csv = r.invoke(app, [*ARGS, "--format", "csv"])
    assert csv.exit_code == 0, csv.output
    return json.loads(js.stdout), openpyxl.load_workbook(d / "a.xlsx"), csv.stdout_bytes


def test_workbook_scores_equal_the_json(runs):
    doc, wb, _ = runs
    assert wb.sheetnames == ["スコア", "指標データ", "課題と対応", "出典", "手法"]
    rows = list(wb["スコア"].iter_rows(values_only=True))
    head = rows[0]
    assert head[:3] == ("順位", "id", "鉱種") and "国別埋蔵寡占度" in head and head[-3:] == ("平均", "評価数", "政策ツール")
    want = {(r["mineral"], r["indicator"]): r["score"] for r in doc["records"]}
    from critmin.diagnosis import INDICATORS

    got = {}
    for row in rows[1:]:
        for k, ind in enumerate(INDICATORS):
            got[(row[1], ind)] = row[3 + k]
    assert set(got) == set(want)
    for key, v in want.items():
        assert (got[key] is None) if v is None else got[key] == pytest.approx(v, abs=1e-12), key
    names = {row[1]: row[2] for row in rows[1:]}
    assert names["rare_earths"] == "レアアース（希土類）" and names["copper"] == "銅"
    # ranked as the table: rank 1 has the highest mean among minerals with >= 4 scored
    means = [(row[-3], row[-2]) for row in rows[1:]]
    full = [m for m, n in means if n >= 4]
    assert full == sorted(full, reverse=True) and [r[0] for r in rows[1:]] == [1, 2, 3, 4]
    # copper 2022 import stability (refined) is scored: a number in a number cell
    rec = next(r for r in doc["records"] if r["mineral"] == "copper" and r["indicator"] == "import_refined")
    assert isinstance(got[("copper", "import_refined")], float) and rec["score"] is not None


def test_workbook_records_are_flat(runs):
    doc, wb, _ = runs
    ws = wb["指標データ"]
    rows = list(ws.iter_rows(values_only=True))
    head = rows[0]
    assert len(rows) - 1 == len(doc["records"])
    assert {"データ年", "基準", "HHI", "輸入相手国数"} <= set(head)
    assert not any(isinstance(v, str) and v.lstrip().startswith(("{", "[")) for row in rows[1:] for v in row)
    df = pd.DataFrame(rows[1:], columns=head)
    cu = df[(df["鉱種"] == "copper") & (df["指標"] == "import_concentrate")].iloc[0]
    js = next(r for r in doc["records"] if r["mineral"] == "copper" and r["indicator"] == "import_concentrate")
    assert cu["HHI"] == pytest.approx(js["inputs"]["hhi"]) and cu["輸入相手国数"] == js["inputs"]["n_partners"]
    assert cu["データ年"] == js["inputs"]["data_year"] and cu["出典"] == "; ".join(js["sources"])
    assert wb["手法"]["A2"].value == "import_variant" and wb["手法"]["B2"].value == "weighted_hhi"
    assert wb["出典"].max_row > 5


def test_csv_is_flat_utf8_with_bom(runs):
    doc, _, raw = runs
    assert raw.startswith(b"\xef\xbb\xbf")
    df = pd.read_csv(io.BytesIO(raw), encoding="utf-8-sig")
    assert list(df.columns[:10]) == ["country", "year", "mineral", "indicator", "value", "score", "status",
                                     "reason", "rule", "sources"]
    assert "inputs" not in df and {"data_year", "basis", "hhi", "n_partners"} <= set(df.columns)
    assert not df.astype(str).apply(lambda c: c.str.startswith("{")).any().any()
    js = {(r["mineral"], r["indicator"]): r for r in doc["records"]}
    for row in df.itertuples(index=False):
        s = js[(row.mineral, row.indicator)]["score"]
        assert (math.isnan(row.score) if s is None else row.score == pytest.approx(s, abs=1e-12))
    # integers stay integers next to empty cells (no "13.0")
    text = raw.decode("utf-8-sig")
    line = next(x for x in text.splitlines() if x.startswith("JPN,2022,copper,reserve_concentration,"))
    n = js[("copper", "reserve_concentration")]["inputs"]["n_countries"]
    assert f",{n}," in line and f",{n}.0," not in line


def test_xlsx_needs_out_and_writes_nothing_on_a_bad_path(tmp_path):
    r = CliRunner().invoke(app, ["assess", "-m", "copper", "--format", "xlsx"])
    assert r.exit_code == 2 and "--out" in r.output
    r = CliRunner().invoke(app, ["assess", "-m", "copper", "--format", "xlsx", "--out", str(tmp_path)])
    assert r.exit_code == 2 and "directory" in r.output and list(tmp_path.iterdir()) == []


def test_compare_workbook(tmp_path):
    out = tmp_path / "c.xlsx"
    r = CliRunner().invoke(app, ["compare", "--country", "JPN", "--year", "2022", "--format", "xlsx",
                                 "--out", str(out)])
    assert r.exit_code == 0, r.output
    x = pd.read_excel(out, sheet_name=None)
    side, recs = x["methods side by side"], x["records"]
    assert {"mineral", "meti_score", "eu_crm_score", "geopolrisk_score", "spread", "why"} <= set(side.columns)
    assert list(recs.columns) == ["mineral", "method", "score", "rank", "note"]
    # the METI score of a mineral is the assessment's mean (the same model): gallium 2022
    from critmin import assess

    a = assess("JPN", 2022, ["gallium"]).rank()
    assert side.set_index("mineral").at["gallium", "meti_score"] == pytest.approx(a.at["gallium", "mean"])
