"""Reasons, rules and labels in Japanese (issue 13): the records keep English, people read their
language; the words live in the catalogues, not in dictionaries in code."""
from __future__ import annotations

import ast
import json
import re
from pathlib import Path

import openpyxl
import pytest
from typer.testing import CliRunner

import critmin
from critmin import reasons
from critmin.cli import app

from .test_japanese import english

SRC = Path(critmin.__file__).parent
_KANA_KANJI = re.compile(r"[\u3040-\u30ff\u4e00-\u9fff]")
_COMMAND = re.compile(r"`[^`]*`")


@pytest.fixture(scope="module")
def jp2024():
    return critmin.assess("JPN", 2024)


@pytest.fixture(scope="module")
def texts(jp2024):
    """Every reason, rule and provenance text of JPN 2024 and of Japan's material balance (2023)."""
    from critmin.balance import standard_consumption

    r = jp2024.records
    out = set(r["reason"]) | set(r["rule"]) | set(jp2024.provenance["rule"]) | set(jp2024.provenance["table"])
    sc = standard_consumption("JPN", 2023, supply=jp2024.supply)
    out |= set(sc["reason"]) | set(sc["unit_basis"]) | set(sc["stage"])
    return sorted(t for t in out if t)


def test_known_texts_in_japanese():
    t = reasons.translate
    assert t("no recorded refined imports (811230) by JPN within 3 years", "ja") == \
        "日本の製錬品輸入（811230）の記録が 3 年以内になし"
    assert t("production is reported for the element group, not per element: see rare_earths", "ja") == \
        "生産量は元素ごとではなく元素群で公表: レアアース（希土類） を参照"
    assert t("HHI of country shares; 'Other countries' rule: split; 3-year pooled", "ja") == \
        "国別シェアのHHI；「その他の国」の扱い: split；3 年合算"
    # a template holding '; ' itself, and a value translated in turn
    assert t("log_return_std over 10 years (nominal annual prices; trade unit values screened for unit errors)",
             "ja") == "log_return_std（10 年、名目年価格；貿易単価は単位誤りを除去）"
    assert t("1 - min(1, secondary/demand); proxy: UNEP 2011 recycled content (RC)", "ja") == \
        "1 - min(1, 二次供給/需要)；代理指標: UNEP 2011 リサイクル材含有率（RC）"
    assert t("weighted_hhi over concentrate-stage HS codes only; shares of contained tonnes, else value; "
             "governance pv g=clip((2.5-WGI)/5); missing g: worst; domestic production: secure; shared HS "
             "code(s) 261690 (also gold): the whole code's flows are counted", "ja") == (
        "weighted_hhi（精鉱段階のHSコードのみ）；シェアの基準: 含有量（t）、なければ金額；ガバナンス pv "
        "g=clip((2.5-WGI)/5)；g のない相手国: worst；国内生産: secure；共有HSコード 261690（金と共有）: "
        "コード全体の貿易量を計上")
    # English is the identity; an unknown text stays as it is
    s = "no secondary-supply figure or recycling rate"
    assert t(s, "en") == s and t("a text no template makes", "ja") == "a text no template makes"
    assert reasons.unmatched("a text no template makes; no secondary-supply figure or recycling rate") == \
        ["a text no template makes"]


def test_every_text_of_the_shipped_data_is_made_of_templates_and_reads_japanese(texts):
    assert len(texts) > 100
    assert {t: reasons.unmatched(t) for t in texts if reasons.unmatched(t)} == {}
    left = {t: english(_COMMAND.sub("", reasons.translate(t, "ja"))) for t in texts}
    assert {t: e for t, e in left.items() if e} == {}


def test_every_stage_gap_has_a_japanese_text():
    from critmin.catalogue import STAGE_GAPS
    from critmin.i18n import tr

    missing = sorted({g for g in STAGE_GAPS.values() if tr(g, "ja") == g})
    assert missing == [], "add to locale/ja/LC_MESSAGES/assessment.po"


def test_json_keeps_english_and_adds_the_display_text(monkeypatch):
    args = ["assess", "--year", "2024", "-m", "lithium", "--format", "json"]
    en = json.loads(CliRunner().invoke(app, [*args, "--lang", "en"]).stdout)
    ja = json.loads(CliRunner().invoke(app, [*args, "--lang", "ja"]).stdout)
    assert [r["reason"] for r in en["records"]] == [r["reason"] for r in ja["records"]]
    rec = next(r for r in ja["records"] if r["indicator"] == "import_concentrate")
    assert rec["reason"].startswith("lithium ores (spodumene, petalite) have no HS code")
    assert rec["reason_text"] == ("リチウム鉱石（スポジュメン、ペタライト）には固有のHSコードがない"
                                  "（2530.90「その他の鉱物性物質」に含まれる）")
    assert "reason_text" not in en["records"][0]
    assert ja["minerals"][0]["mineral_name"] == "リチウム" and en["minerals"][0]["mineral_name"] == "Lithium"
    assert "→" in ja["minerals"][0]["diagnosis"] and _KANA_KANJI.search(ja["minerals"][0]["diagnosis"])


def test_workbook_and_report_in_japanese(tmp_path):
    x = CliRunner().invoke(app, ["assess", "--year", "2024", "-m", "copper", "-m", "lithium", "--format",
                                 "xlsx", "--out", str(tmp_path / "a.xlsx"), "--lang", "ja"])
    assert x.exit_code == 0, x.output
    wb = openpyxl.load_workbook(tmp_path / "a.xlsx")
    rows = list(wb["指標データ"].iter_rows(values_only=True))
    df = {h: [r[k] for r in rows[1:]] for k, h in enumerate(rows[0])}
    k = next(i for i, (m, ind) in enumerate(zip(df["鉱種"], df["指標"]))
             if m == "copper" and ind == "import_concentrate")
    # Chile supplies 38.1 % of Japan's copper ore imports by value, 2024 (BACI)
    assert df["最大の国"][k] == "CHL" and df["最大の国の名称"][k] == "チリ"
    assert round(df["最大の国のシェア"][k], 4) == 0.3806
    assert df["ルール"][k].startswith("weighted_hhi（精鉱段階のHSコードのみ）")
    li = next(i for i, (m, ind) in enumerate(zip(df["鉱種"], df["指標"]))
              if m == "lithium" and ind == "import_concentrate")
    assert df["理由"][li].startswith("リチウム鉱石") and df["鉱種名"][li] == "リチウム"
    src = list(wb["出典"].iter_rows(values_only=True))
    assert any(r[0] == "鉱山生産" for r in src[1:])                       # the table names translated
    out = tmp_path / "r.html"
    r = CliRunner().invoke(app, ["assess", "--year", "2024", "-m", "copper", "-m", "lithium", "--lang", "ja",
                                 "--out", str(out), "--trend-years", "2"])
    assert r.exit_code == 0, r.output
    text = out.read_text(encoding="utf-8")
    assert "輸入国: 日本 (JPN)" in text and "チリ (CHL)" in text
    assert "リチウム鉱石（スポジュメン、ペタライト）" in text and "lithium ores (spodumene" not in text
    # what the tool writes (the method and source sections hold ids and bibliographic data)
    body = re.sub(r"<script>.*?</script>", "", text.split("<section id='method'>")[0], flags=re.DOTALL)
    cells = re.findall(r">([^<>]+)<", body)
    assert [c for c in cells if english(_COMMAND.sub("", c))] == []


def test_labels_keep_their_shape_and_come_from_the_catalogue():
    from critmin.diagnosis import NAMES, TEXT
    from critmin.report.labels import (
        ASSESS_HOW,
        COLUMN_LABELS,
        DEMAND_TABLE,
        INDICATOR_LABELS,
        SHEET_LABELS,
        SHORT,
        TOOL_LABELS,
        UI,
        radar_axes,
    )

    assert INDICATOR_LABELS["ja"]["reserve_concentration"] == "国別埋蔵寡占度"
    assert INDICATOR_LABELS["en"]["import_refined"] == "Import stability (refined)"
    assert SHORT["ja"]["import_concentrate"] == "輸入(精鉱)" and UI["ja"]["title"] == "critmin — 重要鉱物の供給リスク評価"
    assert TOOL_LABELS["ja"]["recycling"] == "リサイクル支援" and set(TOOL_LABELS) == {"en", "ja"}
    assert NAMES["ja"]["EV"] == "電気自動車" and TEXT["ja"]["none"] == "閾値を超える指標なし"
    assert COLUMN_LABELS["en"].get("country", "country") == "country"           # English CSV keeps ids
    assert COLUMN_LABELS["ja"]["country"] == "輸入国" and SHEET_LABELS["ja"]["records"] == "指標データ"
    assert DEMAND_TABLE["ja"]["cols"][0] == "鉱種" and isinstance(DEMAND_TABLE["ja"]["cols"], tuple)
    assert "（{volatility_window}年）" in ASSESS_HOW["ja"]
    assert radar_axes({"import_refined"}, "ja", {"import_concentrate"})[2:4] == \
        ["輸入安定性（精鉱） (該当なし)", "輸入安定性（製錬品） (データなし)"]
    with pytest.raises(KeyError):
        UI["fr"]


@pytest.mark.parametrize("path", ["report/labels.py", "diagnosis.py", "commands/lists.py", "cli.py"])
def test_no_japanese_text_in_code(path):
    """Japanese lives in the .po catalogues: no string in these modules holds kana or kanji
    (docstrings and comments aside; the list separators 、 and ； are punctuation; in cli.py the
    assessment part, from ``records_to_json`` on)."""
    text = (SRC / path).read_text(encoding="utf-8")
    first = text[:text.index("def records_to_json")].count("\n") + 1 if path == "cli.py" else 0
    tree = ast.parse(text)
    docs = {id(n.body[0].value) for n in ast.walk(tree)
            if isinstance(n, (ast.Module, ast.FunctionDef, ast.ClassDef)) and n.body
            and isinstance(n.body[0], ast.Expr) and isinstance(n.body[0].value, ast.Constant)}
    found = [n.value for n in ast.walk(tree) if isinstance(n, ast.Constant) and isinstance(n.value, str)
             and id(n) not in docs and n.lineno >= first and _KANA_KANJI.search(n.value)]
    assert found == []
