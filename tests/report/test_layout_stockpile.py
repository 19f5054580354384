"""The stockpile-plan and disruption reports read right at 1280 px, in English and Japanese (issue 13):
nothing overflows the page, every table fits its section without a scroll bar, and in every chart
the title, axis titles, tick labels and legend lie inside the chart, clear of the mode bar and of
each other (no clipped or overlapping label)."""
from __future__ import annotations

from pathlib import Path

import pytest

from ..layout import PAGE_JS

REPO = Path(__file__).resolve().parents[2]
WIDTH = 1280
STOCKS = str(REPO / "examples" / "stock-levels.example.csv")


@pytest.fixture(scope="module")
def pages(tmp_path_factory):
    """The widest cases, each computed once and written in both languages: the plan with every column
    (confidential stock shown, 34 minerals, three charts); a disruption with its scenario, stockpile
    and Monte Carlo (three charts, five tables)."""
    from critmin import disruption as dr
    from critmin import stockpile as sp
    from critmin.commands.stockpile import plan_report

    d = tmp_path_factory.mktemp("layout")
    plan = sp.plan("JPN", stocks=STOCKS)
    res = dr.redact(dr.run_scenario("china_ree_magnets_2025", stock_days=30))
    res["monte_carlo"] = dr.monte_carlo(res["country"], res["mineral"], res["stage"], res["year"], n_years=2000,
                                        seed=1)
    out = {}
    for lang in ("en", "ja"):
        out["stockpile", lang] = d / f"stockpile-{lang}.html"
        out["stockpile", lang].write_text(plan_report(plan, show_confidential=True, lang=lang), encoding="utf-8")
        out["disruption", lang] = d / f"disruption-{lang}.html"
        out["disruption", lang].write_text(dr.report(res, lang), encoding="utf-8")
    return out


LAYOUT_JS = """
var W = arguments[0], out = {scrollWidth: document.documentElement.scrollWidth, wide: [], tables: [],
                             charts: 0, undrawn: [], problems: []};
""" + PAGE_JS + """document.querySelectorAll('.js-plotly-plot').forEach(function(el){
  out.charts += 1;
  // drawn: an SVG and at least one trace (moved here from tests/report/test_reports_in_browser.py)
  var nsvg = el.querySelectorAll('svg.main-svg').length,
      ntr = el.querySelectorAll('.scatterlayer .trace, .barlayer .trace').length;
  if (nsvg < 1 || ntr < 1) out.undrawn.push([el.id, nsvg, ntr]);
  var svg = box(el.querySelector('svg.main-svg')), bar = el.querySelector('.modebar');
  var labels = [];
  el.querySelectorAll('.gtitle, .xtitle, .ytitle, .xtick text, .ytick text, .legend').forEach(function(t){
    var r = box(t);
    if (r.width === 0) return;
    var name = (t.getAttribute('class') || t.parentNode.getAttribute('class')) + ':' + t.textContent.slice(0, 30);
    if (!inside(r, svg)) out.problems.push([el.id, 'clipped', name]);
    if (bar && meets(r, box(bar))) out.problems.push([el.id, 'under the mode bar', name]);
    labels.push([name, r, t]);
  });
  for (var i = 0; i < labels.length; i++) for (var j = i + 1; j < labels.length; j++) {
    var a = labels[i], b = labels[j];
    if (a[2].contains(b[2]) || b[2].contains(a[2])) continue;
    if (meets(a[1], b[1])) out.problems.push([el.id, 'overlap', a[0], b[0]]);
  }
});
return out;
"""


@pytest.mark.browser
@pytest.mark.parametrize("name", ["stockpile", "disruption"])
def test_report_fits_1280px_in_both_languages(name, pages, browser):
    browser.driver.execute_cdp_cmd("Emulation.setDeviceMetricsOverride",
                                   {"width": WIDTH, "height": 1000, "deviceScaleFactor": 1, "mobile": False})
    for lang in ("en", "ja"):
        drv = browser.open(pages[name, lang])
        assert drv.execute_script("return window.innerWidth") == WIDTH
        assert drv.execute_script("return document.documentElement.lang") == lang
        got = drv.execute_script(LAYOUT_JS, WIDTH)
        assert got["scrollWidth"] <= WIDTH, (lang, got["scrollWidth"])
        assert got["wide"] == [], (lang, got["wide"][:10])
        assert got["tables"] == [], (lang, got["tables"])
        assert got["charts"] == 3, (lang, got["charts"])
        assert got["undrawn"] == [], (lang, got["undrawn"])
        assert got["problems"] == [], (lang, got["problems"][:10])
        browser.assert_clean()
