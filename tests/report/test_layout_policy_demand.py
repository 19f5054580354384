"""The policy and demand reports read right at 1280 px (issue 13), in English and Japanese: nothing
overflows the page, no table cell clips its text, and in every chart no axis label, legend entry or
title runs outside the chart or onto another label."""
from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from critmin.cli import app

REPO = Path(__file__).resolve().parents[2]
POL = REPO / "examples" / "policies"
WIDTH = 1280

#: (id, CLI arguments before --out and --lang, languages, radars expected). The cobalt policy
#: recycles: its radar holds four cases (before, after, best, worst) and the longest legend.
PAGES = [
    ("policy-ree", ["policy", "evaluate", str(POL / "ree_diversification_japan.yaml")], ("en", "ja"), 1),
    ("policy-cobalt", ["policy", "evaluate", str(POL / "cobalt_recycling_japan.yaml")], ("ja",), 1),
    ("demand", ["demand", "--scenario", "japan-solar-storage"], ("en", "ja"), 0),
]

LAYOUT_JS = """
var W = arguments[0];
function box(e){ var r = e.getBoundingClientRect(); return {l: r.left, r: r.right, t: r.top, b: r.bottom,
                                                             w: r.width, h: r.height}; }
function inside(a, o){ return a.l >= o.l - 0.5 && a.r <= o.r + 0.5 && a.t >= o.t - 0.5 && a.b <= o.b + 0.5; }
function meet(a, c){ return a.w > 0 && c.w > 0 && a.l < c.r - 1 && c.l < a.r - 1 && a.t < c.b - 1 && c.t < a.b - 1; }
var out = {scrollWidth: document.documentElement.scrollWidth, wide: [], cells: [], tables: [], outside: [],
           overlap: [], undrawn: [], radars: document.querySelectorAll('.radar').length, charts: 0};
document.querySelectorAll('body *').forEach(function(e){
  var r = e.getBoundingClientRect();
  if (r.width > 0 && r.right > W + 0.5) out.wide.push(e.tagName + '#' + e.id + '.' + String(e.className).slice(0, 40));
});
document.querySelectorAll('td, th').forEach(function(c){
  if (c.scrollWidth > c.clientWidth + 1) out.cells.push(c.textContent.slice(0, 40));
});
document.querySelectorAll('table').forEach(function(t){
  var s = t.closest('section') || document.body;
  if (t.getBoundingClientRect().right > s.getBoundingClientRect().right + 0.5) out.tables.push(t.className);
});
document.querySelectorAll('.js-plotly-plot').forEach(function(el){
  out.charts += 1;
  // drawn: an SVG and at least one trace (moved here from tests/report/test_reports_in_browser.py)
  var nsvg = el.querySelectorAll('svg.main-svg').length,
      ntr = el.querySelectorAll('.scatterlayer .trace, .barlayer .trace').length;
  if (nsvg < 1 || ntr < 1) out.undrawn.push([el.id, nsvg, ntr]);
  var svg = box(el.querySelector('svg.main-svg'));
  var groups = {ticks: '.angularaxistick text, .xtick text, .ytick text', legend: '.legend .traces text',
                title: '.gtitle'};
  var found = {};
  Object.keys(groups).forEach(function(g){
    found[g] = Array.from(el.querySelectorAll(groups[g])).filter(function(t){
      return t.textContent.trim() !== ''; }).map(function(t){ return [t.textContent, box(t)]; });
    found[g].forEach(function(x){ if (x[1].w === 0 || !inside(x[1], svg)) out.outside.push([el.id, g, x[0]]); });
  });
  // no legend entry or title on an axis label; no two angular labels on each other
  var ang = Array.from(el.querySelectorAll('.angularaxistick text')).map(function(t){ return [t.textContent, box(t)]; });
  found.legend.concat(found.title).forEach(function(x){
    ang.forEach(function(a){ if (meet(x[1], a[1])) out.overlap.push([el.id, x[0], a[0]]); });
  });
  for (var i = 0; i < ang.length; i++) for (var j = i + 1; j < ang.length; j++)
    if (ang[i][0] !== ang[j][0] && meet(ang[i][1], ang[j][1])) out.overlap.push([el.id, ang[i][0], ang[j][0]]);
  for (var i = 0; i < found.legend.length; i++) for (var j = i + 1; j < found.legend.length; j++)
    if (meet(found.legend[i][1], found.legend[j][1])) out.overlap.push([el.id, found.legend[i][0], found.legend[j][0]]);
});
return out;
"""


@pytest.fixture(scope="module")
def pages(tmp_path_factory):
    d = tmp_path_factory.mktemp("layout")
    out = []
    for name, args, langs, radars in PAGES:
        for lang in langs:
            page = d / f"{name}-{lang}.html"
            r = CliRunner().invoke(app, [*args, "--lang", lang, "--out", str(page)])
            assert r.exit_code == 0, r.output
            out.append((f"{name}-{lang}", page, radars))
    return out


@pytest.mark.browser
def test_policy_and_demand_reports_fit_1280px(pages, browser):
    browser.driver.execute_cdp_cmd("Emulation.setDeviceMetricsOverride",
                                   {"width": WIDTH, "height": 1000, "deviceScaleFactor": 1, "mobile": False})
    for pid, page, radars in pages:
        drv = browser.open(page)
        assert drv.execute_script("return window.innerWidth") == WIDTH
        got = drv.execute_script(LAYOUT_JS, WIDTH)
        assert got["scrollWidth"] <= WIDTH, (pid, got["scrollWidth"])
        assert got["wide"] == [], (pid, got["wide"][:10])
        assert got["cells"] == [] and got["tables"] == [], (pid, got["cells"][:10], got["tables"])
        assert got["radars"] == radars and got["charts"] >= max(1, radars), (pid, got["radars"], got["charts"])
        assert got["outside"] == [], (pid, got["outside"][:10])
        assert got["overlap"] == [], (pid, got["overlap"][:10])
        assert got["undrawn"] == [], (pid, got["undrawn"])
        browser.assert_clean()


def test_policy_report_text_is_japanese_and_budgets_carry_their_currency(pages):
    # the page of `critmin policy evaluate ree_diversification_japan.yaml --lang ja --out …`
    text = next(page for pid, page, _ in pages if pid == "policy-ree-ja").read_text(encoding="utf-8")
    # lynas_offtake: project_cost 250 × (equity 0.5 + loan 0.3) = 200 MUSD; the plant: 60 + 150 × 0.5 = 135 MUSD
    assert "$200,000,000.00" in text and "$135,000,000.00" in text
    assert "オーストラリアからの製錬品の輸入: 0 → 46,300 kUSD" in text        # 4,000 t × 11.575 kUSD/t
    assert "権益分の供給（自給率の分子 ①）: 0 → 4,000 t" in text and "e+0" not in text.split("<body>")[1].split("<script>")[0]
    assert "<pre" not in text                                # the method is a table, not one long line
    assert "\"name\": \"実施前\"" in text and "\"name\": \"実施後\"" in text
