"""The HTML report: self-contained, renders in headless Chromium with radar charts drawn."""
import re

import pytest
from typer.testing import CliRunner

from critmin.cli import app

MINERALS = ["copper", "rare_earths", "lithium", "mercury"]


@pytest.fixture(scope="module")
def report(tmp_path_factory):
    d = tmp_path_factory.mktemp("report")
    out = d / "critmin-report.html"
    args = ["assess", "--year", "2024", "--out", str(out), "--trend-years", "5"]
    for m in MINERALS:
        args += ["-m", m]
    r = CliRunner().invoke(app, args)
    assert r.exit_code == 0, r.output
    return out


def test_no_network_references(report):
    text = report.read_text(encoding="utf-8")
    # no resource is loaded from anywhere: no src/href/url() to a network address
    assert not re.search(r"""(src|href)\s*=\s*["']?(https?:)?//""", text, re.I)
    assert not re.search(r"url\(\s*['\"]?(https?:)?//", text, re.I)
    assert "<script src" not in text.lower()
    assert re.findall(r"<link[^>]*>", text) == ["<link rel='icon' href='data:,'>"]
    # no web address at all; only XML namespace names (never fetched) remain
    assert "https://" not in text
    assert set(re.findall(r"http://([^/\"']+)", text)) <= {"www.w3.org"}
    for m in MINERALS:
        assert f"id='radar-{m}'" in text


def test_report_contents(report):
    text = report.read_text(encoding="utf-8")
    assert "Rare earths" in text and "Upstream development support" in text
    assert "usgs_mcs" in text and "baci_hs92" in text          # sources shown
    assert "lithium ores (spodumene, petalite) have no HS code" in text   # reasons shown
    # a missing score sits at the centre of the radar and its axis says n/a; scored axes do not
    import json

    figs = json.loads(re.search(r"var FIGS = (\{.*?\});\n", text, re.S).group(1))
    li = figs["radar-lithium"]["data"][0]
    assert "Import stability (concentrate) (n/a)" in li["theta"]
    cu = figs["radar-copper"]["data"][0]
    assert not any(t.endswith("(n/a)") for t in cu["theta"])
    # not applicable (no stage) and no data (not held) look different
    hg = figs["radar-mercury"]["data"][0]
    assert "Reserve concentration (no data)" in hg["theta"]          # USGS quantifies none
    assert "Import stability (concentrate) (n/a)" in hg["theta"]     # no ore code


def test_japanese_report(tmp_path):
    out = tmp_path / "ja.html"
    r = CliRunner().invoke(app, ["assess", "--year", "2024", "-m", "copper", "--lang", "ja", "--out", str(out),
                                 "--trend-years", "2"])
    assert r.exit_code == 0, r.output
    text = out.read_text(encoding="utf-8")
    assert "国別埋蔵寡占度" in text and "銅" in text and "リサイクル支援" in text


@pytest.mark.browser
def test_renders_in_headless_chromium(report, browser, tmp_path):
    drv = browser.open(report)
    drawn = drv.execute_script("""
        return Array.from(document.querySelectorAll('.radar')).map(function(el){
          var p = el.querySelector('.scatterlayer path.js-fill, .scatterlayer path');
          return [el.id, el.querySelectorAll('svg.main-svg').length, p ? p.getAttribute('d').length : 0];
        });""")
    assert len(drawn) == len(MINERALS)
    for rid, nsvg, dlen in drawn:
        assert nsvg >= 1 and dlen > 20, (rid, nsvg, dlen)
    browser.assert_clean()
    shot = tmp_path / "report.png"
    drv.save_screenshot(str(shot))
    assert shot.stat().st_size > 20_000
    rows = drv.execute_script("return document.querySelectorAll('#overview-table tbody tr').length;")
    assert rows == len(MINERALS)
