"""The assessment report reads right at 1280 px (issue 13): nothing overflows the page, no radar axis
label is clipped (English and Japanese), and each chart has one mode-bar button: download as PNG."""
from __future__ import annotations

import pytest
from typer.testing import CliRunner

from critmin.cli import app

WIDTH = 1280
#: lithium and mercury carry the longest axis labels ("Import stability (concentrate) (n/a)",
#: "Reserve concentration (no data)")
ARGS = ["assess", "--year", "2024", "-m", "lithium", "-m", "mercury", "-m", "copper", "--trend-years", "2"]

LAYOUT_JS = """
var W = arguments[0], out = {scrollWidth: document.documentElement.scrollWidth, wide: [], clipped: [],
                             buttons: [], radars: 0};
document.querySelectorAll('body *').forEach(function(e){
  var r = e.getBoundingClientRect();
  if (r.width > 0 && r.right > W + 0.5) out.wide.push(e.tagName + '#' + e.id + '.' + String(e.className).slice(0, 40));
});
document.querySelectorAll('.radar').forEach(function(el){
  out.radars += 1;
  var svg = el.querySelector('svg.main-svg').getBoundingClientRect();
  el.querySelectorAll('.angularaxistick text').forEach(function(t){
    var r = t.getBoundingClientRect();
    if (r.width === 0 || r.left < svg.left - 0.5 || r.right > svg.right + 0.5 || r.top < svg.top - 0.5
        || r.bottom > svg.bottom + 0.5)
      out.clipped.push([el.id, t.textContent, Math.round(r.left - svg.left), Math.round(svg.right - r.right)]);
  });
});
document.querySelectorAll('.js-plotly-plot').forEach(function(el){
  out.buttons.push([el.id, Array.from(el.querySelectorAll('.modebar-btn')).map(function(b){
    return b.getAttribute('data-title'); })]);
});
return out;
"""


@pytest.mark.browser
def test_assessment_report_fits_1280px_and_radar_labels_are_not_clipped(browser, tmp_path):
    pages = {}
    for lang in ("en", "ja"):
        pages[lang] = tmp_path / f"report-{lang}.html"
        r = CliRunner().invoke(app, [*ARGS, "--lang", lang, "--out", str(pages[lang])])
        assert r.exit_code == 0, r.output
    browser.driver.execute_cdp_cmd("Emulation.setDeviceMetricsOverride",
                                   {"width": WIDTH, "height": 1000, "deviceScaleFactor": 1, "mobile": False})
    for lang, page in pages.items():
        drv = browser.open(page)
        assert drv.execute_script("return window.innerWidth") == WIDTH
        got = drv.execute_script(LAYOUT_JS, WIDTH)
        assert got["scrollWidth"] <= WIDTH, (lang, got["scrollWidth"])
        assert got["wide"] == [], (lang, got["wide"][:10])
        assert got["radars"] == 3
        assert got["clipped"] == [], (lang, got["clipped"])
        # every chart: the mode bar holds the two download buttons only (PNG, SVG)
        assert got["buttons"] and all(b == ["Download plot as a PNG", "SVG"] for _, b in got["buttons"]), got["buttons"]
        browser.assert_clean()
