"""What a person reads of a disruption result, in English and Japanese (critmin.report.disruption,
critmin.report.stockpile): the sentences carry the numbers of the result, formatted with separators,
and say why the Monte Carlo can recommend no stockpile while shortfalls occur."""
from __future__ import annotations

import pytest

from critmin import disruption as dr
from critmin.report import disruption as rd
from critmin.report import stockpile as rs


@pytest.fixture(scope="module")
def rare():
    """One partner, 1,000 t a year, restricted 0.02 times a year for 60 days (fixed): P(any stop) =
    1 - e^-0.02 = 2 % < 5 %, so the 95 % loss is 0 t while the mean loss is 0.02 x 1,000 x 60/365 = 3.29 t."""
    return dr.monte_carlo(flows={"AUS": 1000.0}, rates={"AUS": 0.02}, n_years=20_000, duration="fixed",
                          duration_days=60, seed=1, mineral="cobalt")


def test_mc_explains_a_zero_recommendation(rare):
    assert rare["recommended_stock_t"] == 0 and rare["tail_loss_t"] == 0
    assert rare["analytic_expected_loss_t"] == pytest.approx(0.02 * 1000 * 60 / 365, rel=1e-3)   # 3.29 t
    first = rare["by_stock_days"][0]
    en = rd.mc_summary(rare, "en")
    assert len(en) == 2
    assert en[0].startswith(f"expected loss {first['expected_shortfall_t']:,.1f} t a year (closed form 3.3 t, exact)")
    assert "at most 0 t: 0.0 days (0.0 t)" in en[0]
    assert en[1].startswith("the 95% quantile of the annual loss is 0.0 t: restrictions hit "
                            f"{100 * first['prob_shortfall']:.1f}% of the simulated years, fewer than 5%")
    ja = rd.mc_summary(rare, "ja")
    assert ja[0].startswith(f"期待損失 年{first['expected_shortfall_t']:,.1f} t（解析解 3.3 t、厳密解）")
    assert "5%未満" in ja[1] and "備蓄なしの平均不足量は年" in ja[1]
    assert rd.mc_model(rare, "ja") == "利用者指定の発生率"


def test_a_monte_carlo_with_its_recommendation_says_nothing_more():
    r = dr.monte_carlo(flows={"AUS": 700.0, "BRA": 300.0}, rates={"AUS": 0.2, "BRA": 0.05}, n_years=20_000,
                       duration="fixed", duration_days=60, seed=1)
    assert r["recommended_stock_days"] == pytest.approx(0.7 * 60)      # tests/test_disruption.py, by hand
    assert len(rd.mc_summary(r, "en")) == 1
    assert "at most 0 t: 42.0 days (4,200.0 t)" not in rd.mc_summary(r, "en")[0]   # days of 1,000 t: 115.1 t
    assert ": 42.0 days (115.1 t)" in rd.mc_summary(r, "en")[0]


def test_export_stop_header_and_rows_in_japanese():
    res = dr.simulate("JPN", "cobalt", ["COD"], 30, flows={"COD": 730.0, "ZMB": 365.0}, stock_t=10.0)
    head = rd.stop_header(res, "ja")
    # 730 of 1,095 t from DR Congo = 66.7 %; country names from CLDR
    assert head.startswith("輸出停止: コバルト（")
    assert "コンゴ民主共和国(キンシャサ)（輸入の66.7%、100%停止）" in head and head.endswith("30日間")
    rows = {r["key"]: r for r in rd.stop_rows(res, "ja")}
    assert rows["daily_loss_t"]["value"] == pytest.approx(2.0) and rows["daily_loss_t"]["unit"] == "t/日"
    assert rows["gross_shortfall_t"]["value"] == pytest.approx(60.0)          # 2 t a day for 30 days
    assert rows["shortfall_t"]["value"] == pytest.approx(50.0)                # 10 t held
    assert rows["cut_share"]["value"] == pytest.approx(100 * 730 / 1095)
    assert rows["gross_shortfall_t"]["figure"] == "停止期間中の供給減少"
    notes = rd.stop_notes(res, "ja")
    assert notes[0].startswith("不足量 = max(0, Σ_j f_j M_j D/365 − S)")


def test_the_scenario_list_and_event_rows_in_both_languages():
    t = dr.scenario_table()
    t = t[t["name"] == "china_gallium_2023"]
    en = rs.scenario_lines(t, "en", "2025-11-09")
    assert en[0].startswith("china_gallium_2023           2023-08-01 Gallium/refined into JPN, CHN 100%, 51 days: ")
    assert en[-1] == "event catalogue as of 2025-11-09; run one: critmin disrupt --scenario NAME"
    ja = rs.scenario_lines(t, "ja", "2025-11-09")
    assert "ガリウム/製錬品 輸入国 日本、中国 100%、51日間: 中国がガリウムに輸出許可制を導入" in ja[0]
    assert ja[1].strip().startswith("出典: 商務部・海関総署公告2023年第23号")
    ev = dr.events()
    row = rs.event_rows(ev[ev["id"] == "chn-us-ban-antimony-2024"], "ja")[0]
    assert row == {"date": "2024-12-03", "country": "中国 (→ アメリカ合衆国)", "mineral": "アンチモン",
                   "stage": "全段階", "type": "輸出禁止", "measure": row["measure"]}
    assert row["measure"].startswith("アンチモンの両用品目の米国向け輸出は原則として許可しない")
    assert rs.event_rows(ev[ev["id"] == "chn-us-ban-antimony-2024"], "en")[0]["country"] == "CHN (→ USA)"


def test_every_event_and_scenario_has_its_japanese_text():
    ev = dr.events()
    assert (ev["measure_ja"] != "").all() and (ev["source_ja"] != "").all()
    for n in dr.scenario_names():
        s = dr.load_scenario(n)
        for k in ("title", "note", "source", "assumption"):
            assert bool(getattr(s, k)) == bool(getattr(s, f"{k}_ja")), (n, k)
