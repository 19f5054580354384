"""The compare and uncertainty reports in Japanese, and at 1280 px in both languages (issue 13).

* ``--lang ja``: the text a reader sees — the page outside ``<script>``/``<style>`` and every label
  the charts draw (titles, legends, axis titles, tick labels) — holds no English sentence
  (:func:`tests.test_japanese.english`), and the tables still carry the numbers of the run
  (``--format json`` of the same command).
* 1280 px, English and Japanese: nothing overflows the page, every table fits its section, and in
  every chart the title, axis titles, tick labels (radar axes included) and legend lie inside the
  chart, clear of the mode bar and of each other; every chart is drawn (its traces and lines, the
  Sobol bars), nothing is fetched and the console logs no error.

``critmin geopolrisk`` and ``critmin company`` print tables only and the uncertainty ensemble
writes Parquet: they write no HTML report.
"""
from __future__ import annotations

import html
import json
import re

import pytest

from ..layout import PAGE_JS
from ..test_japanese import english
from .conftest import MINERALS

WIDTH = 1280
_JA = re.compile(r"[\u3040-\u30ff\u4e00-\u9fff]")


def visible(page: str) -> str:
    """The text a browser shows of ``page``: no head, script or style; one line per block."""
    t = re.sub(r"<head>.*?</head>|<(script|style)\b.*?</\1>", " ", page, flags=re.S | re.I)
    t = re.sub(r"<br\s*/?>|</(p|td|th|h\d|li|div|tr|section|header)>", "\n", t, flags=re.I)
    return html.unescape(re.sub(r"<[^>]+>", " ", t))


def chart_labels(page: str) -> list[str]:
    """Every label the figures draw: titles, trace names (legend), axis titles and tick texts."""
    figs = json.loads(re.search(r"var FIGS = (\{.*?\});\nvar CFG", page, re.S).group(1))
    out: list[str] = []

    def walk(o, key=None):
        if isinstance(o, dict):
            for k, v in o.items():
                walk(v, k)
        elif isinstance(o, list):
            for v in o:
                walk(v, key)
        elif isinstance(o, str) and key in ("text", "name", "theta", "x", "ticktext", "tickvals"):
            out.append(html.unescape(o.replace("<br>", " ")))
    walk(figs)
    return out


def _row(page: str, mineral: str) -> list[str]:
    """The cells of ``mineral``'s row in the report's first table."""
    m = re.search(rf"<tr><td data-v='{mineral}'[^>]*>(.*?)</tr>", page, re.S)
    assert m, mineral
    cells = re.findall(r"<td[^>]*>(.*?)</td>", m.group(0), re.S)
    return [html.unescape(re.sub(r"<[^>]+>", "", c)).strip() for c in cells]


def _check_japanese(page: str) -> None:
    text = visible(page)
    assert _JA.search(text)
    assert "lang='ja'" in page
    assert english(text) == []
    labels = chart_labels(page)
    assert labels and english("\n".join(labels)) == [], english("\n".join(labels))


def test_uncertainty_report_in_japanese_keeps_the_numbers(unc_run_ja):
    out, doc = unc_run_ja
    page = out.read_text(encoding="utf-8")
    _check_japanese(page)
    for h in ("供給リスク順位の不確実性", "日本 (JPN)", "順位の安定性", "上位層に入る確率", "順位の感度", "鉱種別の指標の幅",
              "抽出回数: 300、シード 0。"):
        assert h in page, h
    recs = {r["mineral"]: r for r in doc["records"]}
    for m, name in (("copper", "銅"), ("lithium", "リチウム"), ("cobalt", "コバルト")):
        r = recs[m]
        assert _row(page, m) == [name, str(r["base_rank"]), f"{r['rank_p05']:.0f}", f"{r['rank_p50']:.0f}",
                                 f"{r['rank_p95']:.0f}", f"{r['p_top']:.2f}", f"{r['base_score']:.3f}",
                                 f"{r['p05']:.3f}", f"{r['p50']:.3f}", f"{r['p95']:.3f}"]
    # the radars: Japanese axes, marks kept; the legend in Japanese
    figs = json.loads(re.search(r"var FIGS = (\{.*?\});\nvar CFG", page, re.S).group(1))
    assert sorted(k for k in figs if k.startswith("radar-")) == sorted(f"radar-{m}" for m in MINERALS)
    tr = {t["name"]: t for t in figs["radar-copper"]["data"]}
    assert set(tr) == {"上限（p95 * / 最大 †）", "下限（p05 * / 最小 †）", "中央値", "基準（評価値）"}
    assert {"価格変動幅 *", "スクラップ等再生 *"} <= set(tr["中央値"]["theta"])
    assert figs["radar-copper"]["layout"]["title"]["text"] == "銅"


def test_compare_report_in_japanese_keeps_the_numbers(cmp_run_ja, cmp_run):
    out, doc = cmp_run_ja
    page = out.read_text(encoding="utf-8")
    _check_japanese(page)
    for h in ("既存手法の比較", "輸入国 日本 (JPN) · 2018〜2024年", "手法の比較、2024年", "順位が食い違う理由",
              "スコアの推移 2018〜2024年", "METI 6 指標（平均スコア）"):
        assert h in page, h
    recs = {(r["mineral"], r["method"]): r for r in doc["records"]}
    why = {d["mineral"]: d for d in doc["disagreements"]}
    for m, name in (("copper", "銅"), ("lithium", "リチウム"), ("cobalt", "コバルト")):
        cells = [name]
        for meth in ("meti", "eu_crm", "geopolrisk"):
            cells += [f"{recs[m, meth]['score']:.3f}", str(recs[m, meth]["rank"])]
        assert _row(page, m) == cells + [str(why[m]["spread"]), why[m]["why"]]
        assert _JA.search(why[m]["why"])
    # the same scores as the English report, with the words translated
    en = cmp_run[1]
    assert [(r["mineral"], r["method"], r["score"], r["rank"]) for r in en["records"]] == \
        [(r["mineral"], r["method"], r["score"], r["rank"]) for r in doc["records"]]


def test_english_report_keeps_its_words(unc_run, cmp_run):
    """English stays the source: the same headings and legend names as before."""
    page = unc_run[0].read_text(encoding="utf-8")
    assert "lang='en'" in page and "Rank stability (rank 1 = highest risk; top tier = rank ≤ 10)" in page
    assert "Draws: 300; seed 0." in page and not _JA.search(visible(page))
    page = cmp_run[0].read_text(encoding="utf-8")
    assert "Side by side, 2024 (rank 1 = highest risk; spread = percentile-rank gap)" in page
    assert "importer Japan (JPN) · 2018–2024" in page and not _JA.search(visible(page))


# ----------------------------------------------------------------------------- 1280 px
LAYOUT_JS = """
var W = arguments[0], out = {scrollWidth: document.documentElement.scrollWidth, wide: [], tables: [],
                             charts: 0, radar_labels: 0, problems: []};
""" + PAGE_JS + """document.querySelectorAll('.js-plotly-plot').forEach(function(el){
  out.charts += 1;
  var svg = box(el.querySelector('svg.main-svg')), bar = el.querySelector('.modebar');
  var labels = [];
  el.querySelectorAll('.gtitle, .xtitle, .ytitle, .y2title, .xtick text, .ytick text, .y2tick text, '
                      + '.angularaxistick text, .legend').forEach(function(t){
    var r = box(t);
    if (r.width === 0) return;
    var name = (t.getAttribute('class') || t.parentNode.getAttribute('class')) + ':' + t.textContent.slice(0, 30);
    if (t.closest('.angularaxistick')) out.radar_labels += 1;
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


DRAWN_JS = """
    return Array.from(document.querySelectorAll('.chart.%s')).map(function(el){
      var ps = el.querySelectorAll('.scatterlayer .trace');
      var p = el.querySelector('.scatterlayer path.js-line, .scatterlayer path');
      return [el.id, el.querySelectorAll('svg.main-svg').length, ps.length,
              p ? (p.getAttribute('d') || '').length : 0];
    });"""


@pytest.mark.browser
@pytest.mark.parametrize("name", ["compare", "uncertainty"])
def test_report_fits_1280px_in_both_languages(name, request, browser):
    pages = {"en": request.getfixturevalue("cmp_run" if name == "compare" else "unc_run")[0],
             "ja": request.getfixturevalue("cmp_run_ja" if name == "compare" else "unc_run_ja")[0]}
    browser.driver.execute_cdp_cmd("Emulation.setDeviceMetricsOverride",
                                   {"width": WIDTH, "height": 1000, "deviceScaleFactor": 1, "mobile": False})
    for lang, page in pages.items():
        drv = browser.open(page)
        assert drv.execute_script("return window.innerWidth") == WIDTH
        assert drv.execute_script("return document.documentElement.lang") == lang
        got = drv.execute_script(LAYOUT_JS, WIDTH)
        assert got["scrollWidth"] <= WIDTH, (lang, got["scrollWidth"])
        assert got["wide"] == [], (lang, got["wide"][:10])
        assert got["tables"] == [], (lang, got["tables"])
        # compare: a trend per mineral; uncertainty: a radar per mineral (six axis labels each) and the Sobol bars
        assert got["charts"] == len(MINERALS) + (name == "uncertainty"), (lang, got["charts"])
        assert got["radar_labels"] == (6 * len(MINERALS) if name == "uncertainty" else 0), (lang, got["radar_labels"])
        assert got["problems"] == [], (lang, got["problems"][:10])
        # every chart drawn: its lines, and the Sobol bars (moved here from test_methods_report.py)
        cls, ntraces = ("radar", 4) if name == "uncertainty" else ("trend", 3)
        drawn = drv.execute_script(DRAWN_JS % cls)
        assert len(drawn) == len(MINERALS), (lang, drawn)
        for fid, nsvg, ntr, dlen in drawn:
            assert nsvg >= 1 and ntr >= ntraces and dlen > 20, (lang, fid, nsvg, ntr, dlen)
        if name == "uncertainty":
            assert drv.execute_script("return document.querySelectorAll('#sobol .barlayer .point').length;") > 0
        browser.assert_clean()
