"""Every chart of a report has two download buttons: PNG and SVG (issue 13)."""
from __future__ import annotations

import pytest
from typer.testing import CliRunner

from critmin.cli import app


@pytest.mark.browser
def test_each_chart_offers_png_and_svg(browser, tmp_path):
    out = tmp_path / "r.html"
    r = CliRunner().invoke(app, ["assess", "--year", "2022", "-m", "copper", "--out", str(out)])
    assert r.exit_code == 0, r.output
    drv = browser.open(out)
    drv.execute_script("document.getElementById('m-copper').scrollIntoView()")     # draws the lazy Sankey
    drv.implicitly_wait(0)
    import time

    for _ in range(50):
        got = drv.execute_script("""
          return Array.from(document.querySelectorAll('.js-plotly-plot')).map(function(el){
            return [el.id, Array.from(el.querySelectorAll('.modebar-btn')).map(function(b){
              return b.getAttribute('data-title'); })]; });""")
        if any(cid.startswith("sankey") for cid, _ in got):
            break
        time.sleep(0.1)
    assert len(got) >= 3 and any(cid.startswith("sankey") for cid, _ in got), got
    for cid, titles in got:
        assert len(titles) == 2 and "SVG" in titles, (cid, titles)
    # the SVG button makes a vector image of the radar
    svg = drv.execute_async_script("""
      var done = arguments[arguments.length - 1];
      Plotly.toImage(document.getElementById('radar-copper'), {format: 'svg'}).then(done);""")
    assert svg.startswith("data:image/svg+xml")
    browser.assert_clean()
