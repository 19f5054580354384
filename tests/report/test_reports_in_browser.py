"""Every HTML report the CLI writes renders in headless Chromium: charts drawn, nothing fetched, no errors.

The policy report (``policy evaluate`` of the rare-earth example, in English and Japanese) and the
stockpile plan (every column) are opened, checked the same way, by the 1280 px layout tests
(tests/report/test_layout_policy_demand.py, test_layout_stockpile.py: every chart drawn with a trace,
nothing fetched, no console error)."""
from __future__ import annotations

import pytest
from typer.testing import CliRunner

from critmin.cli import app

#: (name, CLI arguments before --out, the least number of charts the page draws)
REPORTS = [
    ("demand", ["demand", "--scenario", "japan-targets-high"], 20),
    ("disruption", ["disrupt", "--scenario", "china_ree_2010", "--stock-days", "60"], 2),
]


@pytest.mark.browser
@pytest.mark.parametrize("name,args,min_charts", REPORTS, ids=[r[0] for r in REPORTS])
def test_report_renders(name, args, min_charts, browser, tmp_path):
    out = tmp_path / f"{name}.html"
    res = CliRunner().invoke(app, [*args, "--out", str(out)])
    assert res.exit_code == 0, res.output
    drv = browser.open(out)
    charts = drv.execute_script("""
        return Array.from(document.querySelectorAll('.js-plotly-plot')).map(function(el){
          return [el.id, el.querySelectorAll('svg.main-svg').length,
                  el.querySelectorAll('.scatterlayer .trace, .barlayer .trace').length];
        });""")
    assert len(charts) >= min_charts, charts
    for cid, nsvg, ntraces in charts:
        assert nsvg >= 1 and ntraces >= 1, (cid, nsvg, ntraces)
    browser.assert_clean()
