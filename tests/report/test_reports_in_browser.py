"""Every HTML report the CLI writes renders in headless Chromium: charts drawn, nothing fetched, no errors."""
from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from critmin.cli import app

REPO = Path(__file__).resolve().parents[2]

#: (name, CLI arguments before --out, the least number of charts the page draws)
REPORTS = [
    ("policy", ["policy", "evaluate", str(REPO / "examples/policies/ree_diversification_japan.yaml")], 1),
    ("demand", ["demand", "--scenario", "japan-targets-high"], 20),
    ("stockpile", ["stockpile", "plan", "--country", "JPN"], 2),
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
