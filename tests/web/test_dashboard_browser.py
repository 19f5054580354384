"""The dashboard in headless Chromium against the live server: overview → Japanese → rare earths (six
radar axes, the concentrate axis marked n/a, the indicator trend) → cobalt (an axis marked no data) →
JPN vs KOR on one radar, by their Japanese names → a policy what-if with its after-trace; copper's
material flow (issue 17) beside its radar. Nothing is fetched from anywhere but the server, and the
console logs no error (no CSP violation)."""
from __future__ import annotations

import pytest

pytestmark = pytest.mark.browser

JA_AXES = ["国別埋蔵寡占度", "国別生産寡占度", "輸入安定性（精鉱）", "輸入安定性（製錬品）", "価格変動幅", "スクラップ等再生"]


def _wait(drv, script: str, timeout: float = 30):
    from selenium.webdriver.support.ui import WebDriverWait

    return WebDriverWait(drv, timeout, poll_frequency=0.1).until(lambda d: d.execute_script(script))


def _plot(drv, sel: str):
    """(trace names, rendered trace groups, axis labels drawn) of the Plotly chart at ``sel``."""
    return drv.execute_script(f"""
        var gd = document.querySelector({sel!r});
        return [gd.data.map(function(t){{ return t.name; }}),
                gd.querySelectorAll('.scatterlayer .trace').length,
                Array.from(gd.querySelectorAll('.angularaxistick text, .angularaxis text'))
                     .map(function(t){{ return t.textContent; }}),
                gd.querySelectorAll('.modebar-btn[data-title]').length];""")


def test_dashboard_flow(live, browser):
    drv = browser.driver
    drv.get(f"{live.url}/?lang=en&country=JPN&year=2022")
    _wait(drv, "return document.querySelectorAll('#overview-table tbody tr').length > 20")
    assert drv.execute_script("return document.querySelector('#overview-head').textContent").startswith("Mineral")

    # switch to Japanese: the page comes back in Japanese with the same importer and year
    drv.find_element("id", "lang-switch").click()
    _wait(drv, "return document.documentElement.lang === 'ja' && "
               "document.querySelectorAll('#overview-table tbody tr').length > 20")
    head = drv.execute_script("return document.querySelector('#overview-head').textContent")
    assert head.startswith("鉱種") and "埋蔵" in head
    assert "2022" in drv.find_element("css selector", "h1").text

    # the mineral list filter hides minerals outside the list
    n_all = drv.execute_script("return document.querySelectorAll('#overview-table tbody tr').length")
    drv.execute_script("var s = document.getElementById('list'); s.value = 'group:base_metal';"
                       "s.dispatchEvent(new Event('change'));")
    shown = drv.execute_script("return Array.from(document.querySelectorAll('#overview-table tbody tr'))"
                               ".filter(function(r){ return r.style.display !== 'none'; }).length")
    assert 0 < shown < n_all
    assert drv.execute_script("return document.querySelector(\"tr[data-mineral='copper']\").style.display") == ""

    drv.execute_script("var s = document.getElementById('list'); s.value = '';"
                       "s.dispatchEvent(new Event('change'));")

    # rare earths: six axes on the radar, in Japanese
    drv.find_element("css selector", "tr[data-mineral='rare_earths'] a").click()
    _wait(drv, "var g = document.getElementById('radar'); return g && g.data && g.querySelector('.main-svg')")
    names, ntraces, axes, nbtn = _plot(drv, "#radar")
    assert ntraces == 1
    assert len([a for a in axes if a]) == 6
    assert all(any(a.startswith(j) for a in axes) for j in JA_AXES), axes
    assert nbtn >= 1                                  # the modebar (download button) is on
    assert "レアアース" in drv.find_element("css selector", "h1").text
    assert "日本 (JPN)" in drv.find_element("css selector", "h1").text          # the importer by its name
    # an axis without a score says why, as the reports do: rare earths have no concentrate stage (n/a)
    na = [a for a in axes if a.endswith("(該当なし)")]
    assert len(na) == 1 and na[0].startswith("輸入安定性") and not any("データなし" in a for a in axes), axes
    _wait(drv, "return document.querySelectorAll('#shares .js-plotly-plot').length >= 2")
    bars = drv.execute_script("return Array.from(document.querySelectorAll('#shares .js-plotly-plot'))"
                              ".map(function(g){ return g.data[0].y; })")
    assert any("中国" in b for b in bars), bars                                 # partners by their names
    # the indicator trend over the years, one line per indicator scored
    _wait(drv, "var g = document.getElementById('trend'); return g && g.data && g.querySelector('.main-svg')")
    tnames, tn, _, _ = _plot(drv, "#trend")
    assert tn == len(tnames) >= 4 and "生産" in tnames

    # cobalt: a concentrate stage exists but no imports of it are held: no data, not n/a
    drv.get(f"{live.url}/mineral/cobalt?lang=ja&country=JPN&year=2022")
    _wait(drv, "var g = document.getElementById('radar'); return g && g.data && g.querySelector('.main-svg')")
    axes = _plot(drv, "#radar")[2]
    nd = [a for a in axes if a.endswith("(データなし)")]
    assert len(nd) == 1 and nd[0].startswith("輸入安定性") and not any("該当なし" in a for a in axes), axes

    # JPN and KOR on one radar
    drv.get(f"{live.url}/compare?countries=JPN,KOR&mineral=rare_earths&lang=ja")
    _wait(drv, "var g = document.getElementById('radar'); return g && g.data && g.data.length === 2 "
               "&& g.querySelector('.main-svg')")
    names, ntraces, axes, _ = _plot(drv, "#radar")
    assert [n.split()[0] for n in names] == ["日本", "韓国"] and ntraces == 2
    assert drv.execute_script("return document.querySelectorAll('#compare-table tbody tr').length") == 6
    assert drv.execute_script("return document.getElementById('compare-head').textContent").endswith(
        "日本 (JPN)韓国 (KOR)")

    # a policy what-if: before and after traces on the mineral's radar
    drv.get(f"{live.url}/whatif?lang=ja&policy=cobalt_recycling_japan.yaml")
    _wait(drv, "return document.querySelectorAll('#interventions input[type=checkbox]').length >= 1")
    drv.find_element("id", "run").click()
    _wait(drv, "var g = document.getElementById('radar-cobalt'); return g && g.data && g.querySelector('.main-svg')",
          timeout=60)
    names, ntraces, _, _ = _plot(drv, "#radar-cobalt")
    assert names == ["実施前", "実施後"] and ntraces == 2
    assert "battery_recycling" in drv.find_element("id", "effects").text

    # only the server was contacted; no console error (a CSP violation would be one)
    res = drv.execute_script("return performance.getEntriesByType('resource').map(function(e){return e.name;})")
    assert res and all(r.startswith(live.url) for r in res), res
    severe = [e for e in drv.get_log("browser") if e["level"] == "SEVERE"]
    assert severe == [], severe


FLOW_STAGES = {"mine", "conc", "smelt", "rimp", "ref", "rexp", "use", "scrap"}      # node id prefixes


def _sankey(drv):
    """(stage prefixes of the node ids drawn, node labels, modebar buttons, radar box, Sankey box) of the
    mineral page."""
    return drv.execute_script("""
        var gd = document.getElementById('sankey'), rd = document.getElementById('radar');
        var box = function(e){ var r = e.getBoundingClientRect();
          return {left: r.left, right: r.right, top: r.top, bottom: r.bottom}; };
        var drawn = Array.from(gd.querySelectorAll('.sankey-node')).map(function(e){
          return e.__data__.node.customdata[0].split(':')[0]; });
        return [drawn, gd.data[0].node.label, gd.querySelectorAll('.modebar-btn[data-title]').length,
                box(rd), box(gd)];""")


def test_mineral_page_material_flow(live, browser):
    """Copper for JPN 2022: the Sankey beside the radar (side by side at 1400 px, stacked at 1000 px),
    every stage of the chain drawn, the download button on; in Japanese the partners by their Japanese
    names; hafnium (no stage in the data) says so instead of drawing."""
    drv = browser.driver
    ready = ("var g = document.getElementById('sankey'); return g && g.data && "
             "g.querySelectorAll('.sankey-node').length > 0")
    drv.get(f"{live.url}/mineral/copper?lang=en&country=JPN&year=2022")
    _wait(drv, ready, timeout=60)
    drawn, labels, nbtn, radar, sankey = _sankey(drv)
    assert FLOW_STAGES <= set(drawn), drawn                                       # every stage drawn
    assert nbtn >= 1                                                              # the download button
    assert labels[0] == "Chile (CHL) 5.33 Mt (24%)"
    assert sankey["left"] >= radar["right"] - 1 and abs(sankey["top"] - radar["top"]) < 2      # side by side
    assert "Material flow — Copper · Japan (JPN) · 2022" in drv.execute_script(
        "return document.querySelector('#sankey .gtitle').textContent")

    drv.set_window_size(1000, 1000)                                                       # narrow: stacked
    _wait(drv, "var r = document.getElementById('radar').getBoundingClientRect(), "
               "s = document.getElementById('sankey').getBoundingClientRect(); return s.top >= r.bottom - 1")
    drv.set_window_size(1400, 1000)

    drv.get(f"{live.url}/mineral/copper?lang=ja&country=JPN&year=2022")
    _wait(drv, ready, timeout=60)
    drawn, labels, _, radar, sankey = _sankey(drv)
    assert FLOW_STAGES <= set(drawn), drawn
    assert any(lab.startswith("チリ (CHL)") for lab in labels), labels
    texts = drv.execute_script("return Array.from(document.querySelectorAll('#sankey .sankey-node text'))"
                               ".map(function(t){ return t.textContent; })")
    assert any("チリ" in t for t in texts), texts                                        # drawn, not just held
    assert "マテリアルフロー — 銅 · 日本 (JPN) · 2022" in drv.execute_script(
        "return document.querySelector('#sankey .gtitle').textContent")

    drv.get(f"{live.url}/mineral/hafnium?lang=ja&country=JPN&year=2022")
    _wait(drv, "var g = document.getElementById('sankey'); return g && g.dataset.flow === 'none'", timeout=60)
    note = drv.find_element("css selector", "#sankey .flownote").text
    assert "描画できるマテリアルフローなし" in note and "ジルコニウム" in note

    res = drv.execute_script("return performance.getEntriesByType('resource').map(function(e){return e.name;})")
    assert res and all(r.startswith(live.url) for r in res), res                        # offline
    severe = [e for e in drv.get_log("browser") if e["level"] == "SEVERE"]
    assert severe == [], severe
