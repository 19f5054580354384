"""The policy tool in Japanese, with budgets in their currency, ties resolved, and in Excel (issue 13)."""
from __future__ import annotations

import json
from pathlib import Path

import openpyxl
import pytest
from typer.testing import CliRunner

from critmin.cli import app
from critmin.errors import DataValidationError
from critmin.policy import evaluate, parse_policy
from critmin.policy.evaluate import effects_text
from critmin.policy.text import budget, significant

EX = Path(__file__).resolve().parents[2] / "examples" / "policies"
NI = "nickel"


def pol(*ivs, **kw):
    return parse_policy({"name": kw.pop("name", "p"), "country": "JPN", "year": 2020, "interventions": list(ivs),
                         **kw})


# -- reasons in the reader's language (tiny dataset of conftest.py, figures by hand) ---------------

def test_stockpile_reason_in_japanese_and_english(tiny_store):
    t = evaluate(pol({"type": "stockpile", "mineral": NI, "days": 73}), store=tiny_store, attribute=False)
    effs = t.attrs["effects"]["p"]
    # D = 100 + 100 − 20 = 180 t; 73 days = 36 t
    assert effs[0]["why"] == (
        "a stock of 73 days (36 t of demand 180 t/yr; apparent consumption 2020: refined production 100 + refined "
        "imports 100 − exports 20 t contained) replaces that much refined supply over a one-year disruption: "
        "counted as a secure (g = 0) source")
    ja = effects_text(effs, "ja")[0]
    assert ja["why"] == ("73 日分の備蓄（年間需要 180 t のうち 36 t、2020年の見掛け消費: 製錬品生産 100 + 製錬品輸入 100 − "
                         "輸出 20 t（含有量））が 1 年間の供給途絶の間その量の製錬品供給を代替する: 安定供給源（g = 0）として計上")
    assert [c["what"] for c in ja["changes"]] == ["備蓄量", "備蓄日数"]
    assert ja["demand_basis"].startswith("2020年の見掛け消費")


def test_shock_and_offtake_name_countries_in_japanese(tiny_store):
    def why(iv, lang):
        t = evaluate(pol(iv), store=tiny_store, attribute=False)
        return effects_text(t.attrs["effects"]["p"], lang)[0]

    shock = {"type": "supply_shock", "mineral": NI, "country": "CHN"}
    assert why(shock, "ja")["why"] == "中国の輸出禁止により日本の製錬品の輸入の 100% が途絶: 他の輸入相手国から比例配分で調達"
    en = why(shock, "en")
    assert en["why"] == ("an export ban cuts 100% of the imports of refined products of Japan from China; bought "
                         "from the other partners pro rata")
    assert en["changes"][0]["what"] == "refined imports from China"
    # 20 t of refined nickel from AUS (100 t of product at 0.2) displace CHN, the riskiest partner; AUS has
    # no refined figure, so its mine production (100 t, usgs_mcs 2020) bounds the offtake
    off = {"type": "offtake", "mineral": NI, "country": "AUS", "stage": "refined", "quantity_t": 20, "content": 0.2,
           "displaces": "riskiest_first"}
    assert why(off, "ja")["why"] == ("オーストラリアからの含有量で年 20 t（品位 0.2 の製品で 100 t）が中国からの製錬品の輸入を"
                                     "代替（リスクの高い国から削減）。照合先: オーストラリアの鉱山生産 2020年（usgs_mcs、製錬品の統計なし）")


# -- budgets and their currency -------------------------------------------------------------------

def test_currency_defaults_to_yen_and_cost_units_scale_the_money():
    p = pol({"type": "stockpile", "mineral": NI, "days": 10, "cost": {"amount": 1200}})
    assert (p.currency, p.cost_unit) == ("JPY", 1.0)
    assert budget(p.interventions[0].budget, p, "en") == "¥1,200" and budget(1200, p, "ja") == "￥1,200"
    q = pol({"type": "stockpile", "mineral": NI, "days": 10, "cost": {"amount": 40}}, currency="usd",
            cost_unit=1000000)
    assert q.currency == "USD" and budget(40, q, "en") == "$40,000,000.00"
    with pytest.raises(DataValidationError, match=r"currency: .*unknown currency XYZ: use an ISO 4217 code"):
        pol({"type": "stockpile", "mineral": NI, "days": 10}, currency="XYZ")


def test_significant_digits_resolve_ties():
    assert significant([5.2e-05, 2.519e-05, 0.0]) == ["5.20e-05", "2.52e-05", "0"]
    assert significant([0.0104123, 0.0104125, 0.00338]) == ["0.0104123", "0.0104125", "0.00338000"]
    assert significant([0.25, float("nan"), float("inf")]) == ["0.250", "–", "∞"]


# -- the CLI: tables, JSON and workbooks of the shipped examples -----------------------------------

@pytest.fixture(scope="module")
def cli(tmp_path_factory):
    d = tmp_path_factory.mktemp("policy-xlsx")
    r = CliRunner()
    ree, ni = str(EX / "ree_diversification_japan.yaml"), str(EX / "nickel_upstream_equity.yaml")
    out = {}
    for key, args in {"ev_json": ["policy", "evaluate", ree, "--format", "json"],
                      "ev_xlsx": ["policy", "evaluate", ree, "--out", str(d / "e.xlsx"), "--lang", "ja"],
                      "rank_table": ["policy", "rank", ni, "--lang", "en"],
                      "opt_json": ["policy", "optimise", ni, "--format", "json"],
                      "opt_xlsx": ["policy", "optimise", ni, "--format", "xlsx", "--out", str(d / "o.xlsx"),
                                   "--lang", "en"],
                      "rank_csv": ["policy", "rank", ni, "--format", "csv"]}.items():
        res = r.invoke(app, args)
        assert res.exit_code == 0, (key, res.output)
        out[key] = res
    out["dir"] = d
    return out


def test_evaluate_workbook_scores_equal_the_json(cli):
    doc = json.loads(cli["ev_json"].stdout)
    wb = openpyxl.load_workbook(cli["dir"] / "e.xlsx")
    assert wb.sheetnames == ["スコア", "スコアの変化", "施策", "入力", "指標データ", "出典", "手法"]
    rows = list(wb["スコア"].iter_rows(values_only=True))
    from critmin.diagnosis import INDICATORS
    from critmin.report.labels import INDICATOR_LABELS

    assert rows[0] == ("鉱種 ID", "鉱種", "ケース", *[INDICATOR_LABELS["ja"][i] for i in INDICATORS], "平均")
    got = {(r[0], r[2]): dict(zip(INDICATORS, r[3:9])) for r in rows[1:]}
    assert set(got) == {("rare_earths", "実施前"), ("rare_earths", "実施後")}
    for case, recs in (("実施前", doc["before"]), ("実施後", doc["after"])):
        for rec in recs:
            v = got[(rec["mineral"], case)][rec["indicator"]]
            assert (v is None) if rec["score"] is None else v == pytest.approx(rec["score"], abs=1e-12)
    # the budgets: lynas_offtake 250 × (0.5 + 0.3) = 200 MUSD, the plant 60 + 150 × 0.5 = 135 MUSD
    ivs = list(wb["施策"].iter_rows(values_only=True))
    assert ivs[0][:5] == ("施策", "種類", "鉱種 ID", "予算（費用単位）", "予算 (USD)")
    assert [r[3:5] for r in ivs[1:]] == [(200, 200_000_000), (135, 135_000_000)]
    assert ivs[1][1] == "引取権（オフテイク）" and "オーストラリアからの製錬品の輸入: 0 → 46,300 kUSD" in ivs[1][6]
    assert doc["currency"] == "USD" and doc["cost_unit"] == 1_000_000


def test_rank_table_resolves_ties_and_shows_money(cli):
    text = cli["rank_table"].stdout
    # the nickel example: 10, 360 and 300 MUSD; the reductions per MUSD differ in the third digit at most
    assert "0.0000" not in text and "$10,000,000.00" in text and "$360,000,000.00" in text
    doc = json.loads(cli["opt_json"].stdout)
    per = [r["reduction_per_cost"] for r in doc["ranking"]]
    assert per == sorted(per, reverse=True) and len(set(significant(per))) == 3
    for p in significant(per) + significant([r["reduction"] for r in doc["ranking"]]):
        assert p in text


def test_rank_and_optimise_workbooks_equal_the_json(cli):
    doc = json.loads(cli["opt_json"].stdout)
    wb = openpyxl.load_workbook(cli["dir"] / "o.xlsx")
    assert wb.sheetnames == ["best mix", "ranking", "interactions", "inputs", "method"]
    rows = list(wb["ranking"].iter_rows(values_only=True))
    head = rows[0]
    assert head[:3] == ("rank", "selected", "intervention")
    by = {r[2]: dict(zip(head, r)) for r in rows[1:]}
    for r in doc["ranking"]:
        x = by[r["name"]]
        assert x["risk reduction"] == pytest.approx(r["reduction"], abs=1e-15)
        assert x["budget (cost units)"] == pytest.approx(r["cost"])
        assert x["budget (USD)"] == pytest.approx(r["cost"] * 1e6)
        assert x["selected"] is (r["name"] in doc["selected"])
    mix = {r[0]: r[1] for r in wb["best mix"].iter_rows(min_row=2, values_only=True)}
    assert mix["budget (cost units)"] == 400 and mix["budget (USD)"] == 400_000_000
    assert mix["selected"] == ", ".join(doc["selected"]) and mix["risk after"] == pytest.approx(doc["risk_after"])
    csv = cli["rank_csv"].stdout_bytes.decode("utf-8-sig").splitlines()
    assert [line.split(",")[1] for line in csv[1:]] == [r["name"] for r in doc["ranking"]]


def test_rank_csv_is_utf8_with_bom(cli):
    raw = cli["rank_csv"].stdout_bytes
    assert raw.startswith(b"\xef\xbb\xbf")
    assert raw.decode("utf-8-sig").splitlines()[0] == "rank,name,type,mineral,reduction,cost,reduction_per_cost," \
                                                      "requires,note"


def test_xlsx_needs_out_and_out_suffix_chooses_the_format(tmp_path):
    r = CliRunner().invoke(app, ["policy", "rank", str(EX / "cobalt_recycling_japan.yaml"), "--format", "xlsx"])
    assert r.exit_code == 2 and "--out" in r.output
    r = CliRunner().invoke(app, ["policy", "rank", str(EX / "cobalt_recycling_japan.yaml"), "--out",
                                 str(tmp_path / "c.xlsx"), "--lang", "ja"])
    assert r.exit_code == 0, r.output
    wb = openpyxl.load_workbook(tmp_path / "c.xlsx")
    assert wb.sheetnames == ["順位", "入力", "手法"]
    head = [c.value for c in wb["順位"][1]]
    assert head[:3] == ["順位", "施策", "種類"] and head[7] == "予算 (USD)"
    assert wb["順位"]["C2"].value == "リサイクル支援" and wb["順位"]["H2"].value == 40_000_000   # 40 MUSD subsidy
