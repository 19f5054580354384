"""The self-contained HTML report of an assessment.

One file that opens offline: plotly.js (from the installed ``plotly`` package) is
inlined, every chart is a JSON figure drawn by it, and there is no reference to
any network address. Sections: overview (sortable table of the six scores, the
most exposed minerals per axis), then per mineral the radar chart, country shares
behind each indicator, the price series, each indicator's trend over the years,
the diagnosis and policy tools, and the sources.

Escaping (every report of critmin, and the dashboard pages that serve them): text that may come
from a file or an argument reaches a page only through :func:`esc` (HTML text and attribute
values) or :func:`script_json` (JSON inside a ``<script>`` element, with ``<``, ``>`` and ``&``
written as ``\\u003c`` ``\\u003e`` ``\\u0026`` so that no string can close the element or open a
comment); :func:`plot_text` escapes a label drawn by Plotly, which reads a few HTML tags in
labels, so that it is shown as written.
"""
from __future__ import annotations

import datetime as dt
import functools
import html
import re
import json
from pathlib import Path

import numpy as np
import pandas as pd

from .. import catalogue
from ..diagnosis import INDICATORS
from ..i18n import country_name
from ..reasons import translate
from .labels import INDICATOR_LABELS, SHORT, TOOL_LABELS, UI, radar_axes

CSS = """
body{font-family:system-ui,-apple-system,'Segoe UI','Hiragino Sans','Noto Sans CJK JP',sans-serif;margin:0;color:#1d2733;background:#f6f7f9}
header{background:#14324a;color:#fff;padding:18px 28px}header h1{margin:0;font-size:22px}header p{margin:4px 0 0;opacity:.85}
main{padding:18px 28px;max-width:1280px}section{background:#fff;border-radius:8px;padding:16px 20px;margin:0 0 18px;box-shadow:0 1px 3px rgba(0,0,0,.08)}
h2{font-size:19px;margin:0 0 10px}h3{font-size:15px;margin:14px 0 6px}
table{border-collapse:collapse;font-size:13px;width:100%}th,td{border-bottom:1px solid #e3e6ea;padding:4px 6px;text-align:left;vertical-align:top}
th{background:#eef1f4;cursor:pointer;position:sticky;top:0}td.num{text-align:right;font-variant-numeric:tabular-nums}
td.s{text-align:center;font-variant-numeric:tabular-nums}.na{color:#99a;font-style:italic}
.grid{display:grid;grid-template-columns:repeat(auto-fit,minmax(360px,1fr));gap:12px}.chart{min-height:300px}
.tool{display:inline-block;background:#e8f0fb;border:1px solid #b9cde8;border-radius:12px;padding:2px 10px;margin:2px 4px 2px 0;font-size:13px}
.diag{font-size:14px}.small{font-size:12px;color:#556}nav a{margin-right:10px;font-size:13px}
"""

SORT_JS = """
document.querySelectorAll('table.sortable th').forEach(function(th, i){
  th.addEventListener('click', function(){
    var tb = th.closest('table').tBodies[0]; var rows = Array.prototype.slice.call(tb.rows);
    var asc = th.dataset.asc !== '1'; th.dataset.asc = asc ? '1' : '0';
    rows.sort(function(a, b){
      var x = a.cells[i].dataset.v !== undefined ? a.cells[i].dataset.v : a.cells[i].textContent;
      var y = b.cells[i].dataset.v !== undefined ? b.cells[i].dataset.v : b.cells[i].textContent;
      var nx = parseFloat(x), ny = parseFloat(y);
      if (!isNaN(nx) || !isNaN(ny)) { nx = isNaN(nx) ? -1 : nx; ny = isNaN(ny) ? -1 : ny; return asc ? nx - ny : ny - nx; }
      return asc ? x.localeCompare(y) : y.localeCompare(x);
    });
    rows.forEach(function(r){ tb.appendChild(r); });
  });
});
"""


#: Plotly's configuration in every report: the mode bar shows one button, "download plot as a PNG"
#: (toImage, twice the screen resolution); no logo, no zoom/pan/select tools, no cloud link
PLOTLY_CONFIG = {"displaylogo": False, "displayModeBar": True, "modeBarButtons": [["toImage"]],
                 "responsive": True, "showLink": False, "toImageButtonOptions": {"format": "png", "scale": 2}}
#: every chart's second download button, SVG (vector: for print and slides), beside the PNG one;
#: defined in the page head so every script of the page can wrap its chart settings with it
SVG_JS = ("function critminSvg(cfg){ var c = Object.assign({}, cfg); c.modeBarButtons = [['toImage', "
          "{name: 'toSVG', title: 'SVG', icon: Plotly.Icons.disk || Plotly.Icons.camera, click: function(gd){ "
          "Plotly.downloadImage(gd, {format: 'svg', filename: gd.id || 'chart'}); }}]]; return c; }\n")
CFG_JS = "var CFG = critminSvg(" + json.dumps(PLOTLY_CONFIG) + ");\n"


def esc(value) -> str:
    """``value`` as HTML text, safe in element content and in quoted attribute values.

    >>> esc('"><img src=x onerror=alert(1)>')
    '&quot;&gt;&lt;img src=x onerror=alert(1)&gt;'
    """
    return html.escape(str(value), quote=True)


_SCRIPT_UNSAFE = {"<": "\\u003c", ">": "\\u003e", "&": "\\u0026", "\u2028": "\\u2028", "\u2029": "\\u2029"}
_SCRIPT_RE = re.compile("[<>&\u2028\u2029]")


def script_json(obj, *, allow_nan: bool = False, **kw) -> str:
    """``obj`` as JSON that is safe inside an HTML ``<script>`` element.

    ``<``, ``>``, ``&`` (and the JavaScript line separators U+2028/U+2029) are written as
    ``\\uXXXX`` escapes, which JSON and JavaScript read back as the same characters, so no
    string — ``</script>``, ``<!--`` — can end the element or change how it is parsed.

    >>> script_json({"name": "</script><script>alert(1)</script>"})
    '{"name": "\\\\u003c/script\\\\u003e\\\\u003cscript\\\\u003ealert(1)\\\\u003c/script\\\\u003e"}'
    """
    s = json.dumps(obj, ensure_ascii=False, allow_nan=allow_nan, **kw)
    return _SCRIPT_RE.sub(lambda m: _SCRIPT_UNSAFE[m.group(0)], s)


def plot_text(value) -> str:
    """A label for a Plotly figure, shown literally (Plotly renders a few HTML tags in labels)."""
    return html.escape(str(value), quote=False)


def color_of(score: float) -> str:
    if score is None or not np.isfinite(score):
        return "#f4f4f6"
    r = int(255)
    g = int(245 - 150 * score)
    b = int(235 - 190 * score)
    return f"rgb({r},{max(g, 60)},{max(b, 40)})"


def _fmt(v, nd=3) -> str:
    if v is None or (isinstance(v, float) and not np.isfinite(v)):
        return "—"
    return f"{v:.{nd}f}"


def _radar(scores: dict, lang: str, name: str, not_applicable=()) -> dict:
    r = [None if s is None or not np.isfinite(s) else round(float(s), 4) for s in
         (scores.get(i) for i in INDICATORS)]
    theta = radar_axes({i for i, v in zip(INDICATORS, r) if v is None}, lang, not_applicable)
    rr = [0 if v is None else v for v in r]
    return {"data": [{"type": "scatterpolar", "r": rr + rr[:1], "theta": theta + theta[:1], "fill": "toself",
                      "name": name, "line": {"color": "#c0392b"}, "fillcolor": "rgba(192,57,43,0.25)",
                      "text": [("n/a" if v is None else f"{v:.2f}") for v in r + r[:1]],
                      "hovertemplate": "%{theta}: %{text}<extra></extra>"}],
            "layout": {"polar": {"radialaxis": {"range": [0, 1], "tickvals": [0.25, 0.5, 0.75, 1], "angle": 90,
                                                "tickfont": {"size": 9}},
                                 "angularaxis": radar_angular_axis(theta)},
                       "showlegend": False, "margin": {"l": 95, "r": 95, "t": 50, "b": 50}, "height": 360,
                       "font": {"size": 11}}}


def wrap_label(text: str, width: int = 16) -> str:
    """A Plotly label on lines of at most ``width`` characters (at spaces), each line escaped.

    >>> wrap_label("Import stability (concentrate) (n/a)")
    'Import stability<br>(concentrate)<br>(n/a)'
    >>> wrap_label("輸入安定性（精鉱） (該当なし)")
    '輸入安定性（精鉱）<br>(該当なし)'
    """
    import textwrap

    text = str(text)
    if any(ord(ch) >= 0x2E80 for ch in text):     # CJK: each character about twice as wide
        width = (width + 1) // 2 + 1
    return "<br>".join(plot_text(x) for x in textwrap.wrap(text, width, break_long_words=False) or [""])


def radar_angular_axis(theta: list[str]) -> dict:
    """The angular axis of a six-indicator radar that reads at a chart width of ~360 px: the first
    axis at the top, clockwise, and every label wrapped onto short lines (:func:`wrap_label`) so that
    no label runs outside the chart, in English or Japanese."""
    return {"rotation": 90, "direction": "clockwise", "tickmode": "array", "tickvals": list(theta),
            "ticktext": [wrap_label(t) for t in theta], "tickfont": {"size": 10}}


def _bar(shares: dict, title: str, top: int = 10, lang: str = "en") -> dict | None:
    """Horizontal bars of the largest country shares (names in ``lang``, the rest as one bar)."""
    from .excel import partner_name

    if not shares:
        return None
    items = sorted(shares.items(), key=lambda kv: -kv[1])
    head = items[:top]
    rest = sum(v for _, v in items[top:])
    labels = ([plot_text(f"{partner_name(c, lang)} ({c})" if c != "domestic" else partner_name(c, lang))
               for c, _ in head] + ([plot_text(UI[lang]["others"])] if rest > 1e-9 else []))
    vals = [round(100 * v, 2) for _, v in head] + ([round(100 * rest, 2)] if rest > 1e-9 else [])
    return {"data": [{"type": "bar", "x": vals[::-1], "y": labels[::-1], "orientation": "h",
                      "marker": {"color": "#2c6e9b"}, "hovertemplate": "%{y}: %{x:.1f}%<extra></extra>"}],
            "layout": {"title": {"text": title, "font": {"size": 13}}, "height": 300,
                       "margin": {"l": 170, "r": 20, "t": 36, "b": 30}, "xaxis": {"ticksuffix": "%"}}}


def _lines(series: dict[str, tuple[list, list]], title: str, yrange=None, ytitle="") -> dict | None:
    data = [{"type": "scatter", "mode": "lines+markers", "x": xs, "y": ys, "name": nm}
            for nm, (xs, ys) in series.items() if len(xs)]
    if not data:
        return None
    lay = {"title": {"text": title, "font": {"size": 13}}, "height": 300,
           "margin": {"l": 60, "r": 20, "t": 36, "b": 40}, "legend": {"font": {"size": 10}},
           "yaxis": {"title": {"text": ytitle}}}
    if yrange:
        lay["yaxis"]["range"] = yrange
    return {"data": data, "layout": lay}


_URL = re.compile(r"https?://(?!www\.w3\.org/)[^\s\"'`)<>]*")


@functools.lru_cache(maxsize=1)
def offline_plotlyjs() -> str:
    """plotly.js from the installed ``plotly`` package, with every web address blanked.

    The bundle carries addresses it would only use for features critmin never
    draws (map tiles, the cloud 'edit chart' link, the logo link, help links in
    error messages). They are replaced by empty strings so that the report holds
    no network reference at all; what remains are XML namespace names
    (``http://www.w3.org/2000/svg``), which identify SVG and are never fetched.
    """
    from plotly.offline import get_plotlyjs

    return _URL.sub("", get_plotlyjs())


def render_assessment(result, *, trend: pd.DataFrame | None = None, lang: str = "en",
                      manifest: dict | None = None) -> str:
    """Render the HTML report of an :class:`~critmin.assessment.Assessment` (one country and year)."""
    ui, labels = UI[lang], INDICATOR_LABELS[lang]
    records = result.records
    method = result.method.as_dict()
    diag = {d["mineral"]: d for d in result.diagnosis_in(lang)}
    details = result.details
    country = str(records["country"].iloc[0])
    year = int(records["year"].iloc[0])
    wide = result.rank()
    mname = {m: catalogue.name(m, lang) for m in wide.index}
    figs: dict[str, dict] = {}
    out = []
    from .flow import ReportFlows

    flows = ReportFlows(result, lang)       # each mineral's material flow, beside its radar (issue 17)
    out.append(f"<header><h1>{esc(ui['title'])}</h1><p>{ui['importer']}: "
               f"{esc(country_name(country, lang))} ({esc(country)}) · {ui['year']}: {year}</p></header><main>")
    # -- overview -------------------------------------------------------------------------------
    out.append(f"<section id='overview'><h2>{ui['overview']}</h2><p class='small'>{ui['overview_note']}</p>")
    out.append("<table class='sortable' id='overview-table'><thead><tr>"
               f"<th>{ui['mineral']}</th>" + "".join(f"<th>{SHORT[lang][i]}</th>" for i in INDICATORS)
               + f"<th>{ui['mean']}</th><th>{ui['n_scored']}</th><th>{ui['tools']}</th></tr></thead><tbody>")
    for m, row in wide.iterrows():
        cells = "".join(
            f"<td class='s' data-v='{'' if pd.isna(row[i]) else round(row[i], 4)}' "
            f"style='background:{color_of(row[i])}'>{'' if pd.isna(row[i]) else f'{row[i]:.2f}'}</td>"
            for i in INDICATORS)
        tools = ", ".join(TOOL_LABELS[lang][t] for t in diag.get(m, {}).get("tools", []))
        out.append(f"<tr><td data-v='{esc(m)}'><a href='#m-{esc(m)}'>{esc(mname[m])}</a></td>{cells}"
                   f"<td class='num' data-v='{_fmt(row['mean'])}'>{_fmt(row['mean'], 2)}</td>"
                   f"<td class='num'>{int(row['n'])}</td><td class='small'>{html.escape(tools)}</td></tr>")
    out.append("</tbody></table>")
    out.append(f"<h3>{ui['most_exposed']}</h3><table><thead><tr><th>{ui['indicator']}</th><th>1</th><th>2</th>"
               "<th>3</th><th>4</th><th>5</th></tr></thead><tbody>")
    for i in INDICATORS:
        top = wide[i].dropna().sort_values(ascending=False).head(5)
        out.append(f"<tr><td>{labels[i]}</td>" + "".join(
            f"<td>{html.escape(mname[m])} ({v:.2f})</td>" for m, v in top.items()) + "</tr>")
    out.append("</tbody></table></section>")
    # -- per mineral ------------------------------------------------------------------------------
    for m in wide.index:
        rec = records[records["mineral"] == m].set_index("indicator")
        scores = {i: (float(rec.at[i, "score"]) if i in rec.index and pd.notna(rec.at[i, "score"]) else None)
                  for i in INDICATORS}
        out.append(f"<section id='m-{esc(m)}' class='mineral'><h2>{esc(mname[m])} "
                   f"<span class='small'>({esc(m)})</span></h2>")
        d = diag.get(m, {})
        out.append(f"<p class='diag'><b>{ui['diagnosis']}:</b> {html.escape(d.get('diagnosis', ''))}</p><p>"
                   + "".join(f"<span class='tool' data-tool='{esc(t)}'>{esc(TOOL_LABELS[lang][t])}</span>"
                             for t in d.get("tools", [])) + "</p>")
        if "reserve_concentration" in rec.index:
            rl = (rec.at["reserve_concentration", "inputs"] or {}).get("reserve_life_years")
            if rl:
                txt = " → ".join(f"{e}: {v:.0f}" for e, v in rl.items())
                note = ui["reserve_life_note"].format(years=ui["years_unit"])
                out.append(f"<p class='small'><b>{ui['reserve_life']}:</b> {html.escape(txt)} "
                           f"({html.escape(note)})</p>")
        out.append("<div class='grid'>")
        fid = f"radar-{m}"
        nap = set(rec.index[rec["status"] == "not_applicable"]) if "status" in rec else set()
        figs[fid] = _radar(scores, lang, plot_text(mname[m]), nap)
        out.append(flows.beside_radar(m, f"<div class='chart radar' id='{esc(fid)}'></div>"))
        for ind, title in (("reserve_concentration", ui["reserves"]), ("production_concentration", ui["production"]),
                           ("import_concentrate", ui["imp_conc"]), ("import_refined", ui["imp_ref"])):
            if ind in rec.index:
                inp = rec.at[ind, "inputs"] or {}
                dy = inp.get("data_year")
                f = _bar(inp.get("shares", {}), f"{title}" + (f" ({ui['data_year']} {dy})" if dy else ""),
                         lang=lang)
                if f:
                    fid = f"{ind}-{m}"
                    figs[fid] = f
                    out.append(f"<div class='chart' id='{esc(fid)}'></div>")
        pr = details.get("prices")
        if pr is not None and "price_volatility" in rec.index:
            series = (rec.at["price_volatility", "inputs"] or {}).get("series")
            if series:
                p = pr[(pr["mineral"] == m) & (pr["series"] == series)].sort_values("year")
                unit = p["unit"].iloc[0] if len(p) else ""
                f = _lines({plot_text(series.split(":")[0]): (p["year"].tolist(), p["value"].round(4).tolist())},
                           plot_text(f"{ui['price']} ({unit})"), ytitle=plot_text(unit))
                if f:
                    figs[f"price-{m}"] = f
                    out.append(f"<div class='chart' id='price-{esc(m)}'></div>")
        if trend is not None and len(trend):
            t = trend[trend["mineral"] == m]
            ser = {SHORT[lang][i]: (g["year"].tolist(), [None if pd.isna(v) else round(float(v), 4) for v in g["score"]])
                   for i, g in t.sort_values("year").groupby("indicator") if g["score"].notna().any()}
            f = _lines(ser, ui["trend"], yrange=[0, 1.02], ytitle=ui["score"])
            if f:
                figs[f"trend-{m}"] = f
                out.append(f"<div class='chart' id='trend-{esc(m)}'></div>")
        out.append("</div>")
        out.append(f"<table><thead><tr><th>{ui['indicator']}</th><th>{ui['value']}</th><th>{ui['score']}</th>"
                   f"<th>{ui['data_year']}</th><th>{ui['reason']}</th><th>{ui['sources']}</th></tr></thead><tbody>")
        for i in INDICATORS:
            if i not in rec.index:
                continue
            r = rec.loc[i]
            inp = r["inputs"] or {}
            why = translate(r["reason"] if r["reason"] else r["rule"], lang)
            out.append(f"<tr><td>{labels[i]}</td><td class='num'>{_fmt(r['value'], 4)}</td>"
                       f"<td class='num'>{_fmt(r['score'], 2)}</td><td>{inp.get('data_year') or ''}</td>"
                       f"<td class='small{' na' if r['reason'] else ''}'>{html.escape(str(why))}</td>"
                       f"<td class='small'>{html.escape('; '.join(r['sources']))}</td></tr>")
        out.append("</tbody></table></section>")
    # -- method and sources ------------------------------------------------------------------------
    out.append(f"<section id='method'><h2>{ui['method']}</h2><table><thead><tr><th>{esc(ui['method_key'])}</th>"
               f"<th>{esc(ui['method_value'])}</th></tr></thead><tbody>" + "".join(
        f"<tr><td>{html.escape(k)}</td><td>{html.escape(json.dumps(v, ensure_ascii=False))}</td></tr>"
        for k, v in method.items()) + "</tbody></table>")
    if manifest:
        out.append(f"<h3>{ui['sources']}</h3><table><thead><tr>" + "".join(
            f"<th>{esc(ui[k])}</th>" for k in ("source_id", "source_name", "edition", "licence", "attribution"))
            + "</tr></thead><tbody>")
        for s in manifest.get("sources", []):
            out.append("<tr>" + "".join(f"<td class='small'>{html.escape(str(s.get(k, '')))}</td>" for k in
                                         ("id", "name", "editions", "licence", "attribution")) + "</tr>")
        out.append("</tbody></table>")
    out.append(f"<p class='small'>{ui['generated']} · "
               f"{dt.datetime.now(dt.timezone.utc).strftime('%Y-%m-%d %H:%M UTC')}</p></section></main>")
    out.append(flows.script())
    return page_html(f"{ui['title']} — {country} {year}", out, figs, lang)


def page_html(title: str, body: list[str], figs: dict, lang: str = "en") -> str:
    """The one page shell of every report: CSS, the offline plotly.js bundle, the figures (JSON made
    safe for a ``<script>`` element) drawn with the shared chart settings, sortable tables.
    ``title`` is text (escaped here); ``body`` is HTML the caller has escaped."""
    script = ("var FIGS = " + script_json(figs, default=float) + ";\n" + CFG_JS
              + "Object.keys(FIGS).forEach(function(id){ var el = document.getElementById(id);"
              " if (el) { Plotly.newPlot(el, FIGS[id].data, FIGS[id].layout, CFG); } });\n" + SORT_JS)
    return (f"<!DOCTYPE html><html lang='{esc(lang)}'><head><meta charset='utf-8'><link rel='icon' href='data:,'>"
            f"<title>{esc(title)}</title><style>{CSS}</style><script>{offline_plotlyjs()}</script>"
            f"<script>{SVG_JS}</script></head><body>"
            + "".join(body) + f"<script>{script}</script></body></html>")


def write_assessment(result, path: str | Path, **kw) -> Path:
    """Write the report to ``path`` atomically (temporary file, then rename)."""
    from .io import write_text_atomic

    return write_text_atomic(path, render_assessment(result, **kw))
