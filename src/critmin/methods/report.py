"""Self-contained HTML reports of the established methods (issue #7).

* :func:`render_uncertainty` — per mineral a radar of the six METI indicators with uncertainty
  bands (5 % and 95 % outlines, the median, and the assessment's base scores), the rank-stability
  table (rank 5/50/95 %, probability of the top tier) and the Sobol indices chart;
* :func:`render_compare` — per mineral the trend of each method's score over the years, and the
  side-by-side table with why the methods disagree.

Like the assessment report (:mod:`critmin.report.html`): plotly.js inlined with every web address
blanked (:func:`~critmin.report.html.offline_plotlyjs`), figures as JSON drawn with
``Plotly.newPlot``, written atomically; nothing is fetched when the file is opened.
"""
from __future__ import annotations

import datetime as dt
import html
from pathlib import Path

import numpy as np
import pandas as pd

METHOD_LABELS = {"meti": "METI six (mean score)", "eu_crm": "EU CRM supply risk (SR)",
                 "geopolrisk": "GeoPolRisk score"}
METHOD_COLORS = {"meti": "#c0392b", "eu_crm": "#2c6e9b", "geopolrisk": "#27865f"}
SOBOL_LABELS = {"wgi": "WGI estimate errors", "trade": "trade quantities", "production": "production quantities",
                "reserves": "reserve quantities", "price": "price volatility (sampling error)",
                "secondary": "recycling rates", "normalisation": "normalisation", "window": "window (1 or 3 years)",
                "governance": "governance index", "variant": "import-stability variant",
                "missing_wgi": "partners without WGI"}


def _num(v, nd: int = 4):
    """A JSON-safe rounded number (None for NaN)."""
    if v is None:
        return None
    v = float(v)
    return round(v, nd) if np.isfinite(v) else None


def _fmt(v, nd: int = 3) -> str:
    v = _num(v, 12)
    return "—" if v is None else f"{v:.{nd}f}"


def _name(m: str) -> str:
    from .. import catalogue

    try:
        return catalogue.name(m, "en")
    except Exception:  # noqa: BLE001 - a label only
        return m


def _page(title: str, subtitle: str, body: list[str], figs: dict) -> str:
    from ..report.html import page_html

    stamp = dt.datetime.now(dt.timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
    return page_html(title, [f"<header><h1>{html.escape(title)}</h1><p>{html.escape(subtitle)}</p></header><main>",
                             *body, f"<p class='small'>critmin · {stamp}</p></main>"], figs, "en")


# --------------------------------------------------------------------------------- uncertainty
def _band_radar(base: dict, band: dict, name: str, mband: dict | None = None) -> dict:
    """Radar of the six indicators: p95 and p05 outlines (band filled between), median, base.

    ``band``: Monte Carlo (p05, p50, p95) per sampled indicator (axis marked *); ``mband``:
    (min, median, max) over method choices for other indicators (axis marked †)."""
    band = {**(mband or {}), **band}
    mc = set(band) - set(mband or {})
    from ..diagnosis import INDICATORS
    from ..report.labels import INDICATOR_LABELS

    # wrapped labels ("Import stability<br>(refined)") keep the polar area large in a 3-column grid
    def label(i):
        t = INDICATOR_LABELS["en"][i]
        t = t.replace(" (", "<br>(") if " (" in t else (t.replace(" ", "<br>", 1) if len(t) > 16 else t)
        # a missing base score is drawn at 0 on the ring: the axis says so
        mark = " *" if i in mc else (" †" if i in band else "")
        return t + mark + (" (n/a)" if _num(base.get(i)) is None else "")

    theta = [label(i) for i in INDICATORS]
    theta = theta + theta[:1]

    def ring(vals):
        r = [_num(v) for v in vals]
        r = [0.0 if v is None else v for v in r]
        return r + r[:1]

    b = [base.get(i) for i in INDICATORS]
    lo = [band[i][0] if i in band else base.get(i) for i in INDICATORS]
    md = [band[i][1] if i in band else base.get(i) for i in INDICATORS]
    hi = [band[i][2] if i in band else base.get(i) for i in INDICATORS]
    txt = ["n/a" if _num(v) is None else f"{v:.2f}" for v in b]
    hov = "%{theta}: %{r:.3f}<extra>%{fullData.name}</extra>"
    data = [
        {"type": "scatterpolar", "r": ring(hi), "theta": theta, "name": "upper (p95 * / max †)", "mode": "lines",
         "line": {"color": "rgba(192,57,43,0.55)", "width": 1}, "hovertemplate": hov},
        {"type": "scatterpolar", "r": ring(lo), "theta": theta, "name": "lower (p05 * / min †)", "mode": "lines", "fill": "tonext",
         "fillcolor": "rgba(192,57,43,0.22)", "line": {"color": "rgba(192,57,43,0.55)", "width": 1},
         "hovertemplate": hov},
        {"type": "scatterpolar", "r": ring(md), "theta": theta, "name": "median", "mode": "lines",
         "line": {"color": "#c0392b", "width": 2, "dash": "dash"}, "hovertemplate": hov},
        {"type": "scatterpolar", "r": ring(b), "theta": theta, "name": "base (assessment)", "mode": "lines+markers",
         "line": {"color": "#14324a", "width": 2}, "text": txt + txt[:1],
         "hovertemplate": "%{theta}: %{text}<extra>base</extra>"},
    ]
    return {"data": data, "layout": {
        "title": {"text": name, "font": {"size": 13}},
        "polar": {"radialaxis": {"range": [0, 1], "tickvals": [0.25, 0.5, 0.75, 1]}},
        "showlegend": True,
        "legend": {"font": {"size": 10}, "orientation": "h", "x": 0.5, "xanchor": "center", "y": -0.12},
        "margin": {"l": 95, "r": 95, "t": 50, "b": 60}, "height": 420, "font": {"size": 10}}}


def _sobol_bar(so: pd.DataFrame, engine: str | None) -> dict:
    x = [SOBOL_LABELS.get(f, f) for f in so["factor"]]
    data = []
    for col, color in (("S1", "#2c6e9b"), ("ST", "#c0392b")):
        trace = {"type": "bar", "name": "first order S1" if col == "S1" else "total ST", "x": x,
                 "y": [_num(v) for v in so[col]], "marker": {"color": color}}
        conf = so.get(col + "_conf")
        if conf is not None and conf.notna().any():
            trace["error_y"] = {"type": "data", "array": [_num(v) or 0.0 for v in conf], "visible": True}
        data.append(trace)
    return {"data": data, "layout": {
        "title": {"text": f"Sobol indices of the ranking (1 − Spearman ρ to the base ranking); engine: {engine}",
                  "font": {"size": 13}}, "barmode": "group", "height": 360,
        "margin": {"l": 60, "r": 20, "t": 40, "b": 110}, "yaxis": {"title": {"text": "index"}}}}


def render_uncertainty(res: dict, base: pd.DataFrame, country: str, year: int,
                       minerals: list[str] | None = None, top: int = 10,
                       method_bands: pd.DataFrame | None = None) -> str:
    """HTML of :func:`critmin.methods.uncertainty.run` output.

    ``base``: the assessment's records (``mineral, indicator, score``) for the same country and
    year (the model's central draw, ``res["model"].assessment``), drawn as the base outline and
    used on the axes the model does not sample.
    ``minerals``: the minerals that get a radar (default all the model ranks).
    ``method_bands``: :func:`critmin.methods.uncertainty.method_bands` for the same country and
    year; its range (min–max over the method choices) is drawn on the axes the model does not
    sample (marked †). Without it those axes show the base score only.
    """
    from ..countries import name as country_name
    from .uncertainty import METHOD_FAMILIES

    summ = res["summary"]
    ind = res.get("indicators")
    so = res.get("sobol")
    engine = res.get("sobol_engine") or (so.attrs.get("engine") if so is not None else None)
    figs: dict[str, dict] = {}
    body = []
    body.append(
        "<section id='about'><h2>What is drawn</h2><p class='small'>The Monte Carlo model is the assessment "
        "(<code>critmin assess</code>) drawn many times: each mineral's risk is the mean of its six METI indicator "
        "scores, minerals with at least four of six scored ranked first, on the same supply data, anchors, "
        "normalisation and 'Other countries' rule as the assessment. Its central draw (no noise, default method) "
        "is the assessment itself: the base rank and base score below are the assessment's. Each draw perturbs "
        "the inputs of all six indicators — <b>reserve concentration</b>, <b>production concentration</b> (each "
        "country's quantity), <b>import stability of concentrate and of refined</b> products (each import flow, "
        "domestic production, and each partner's WGI estimate within its published standard error), <b>price "
        "volatility</b> (its sampling error: log-normal with σ = 1/√(2(n − 2)) for n annual prices) and "
        "<b>secondary supply</b> (the recycling rate: uniform on each side of the median within the source's "
        "printed range of estimates, else log-normal) — and draws "
        "the method choices (normalisation anchors / minmax / percentile, window 1 / 3 years, governance "
        "index, import-stability variant, partners without WGI). These axes are marked * and show the 5 %–95 % "
        "band and median of that indicator scored on the assessment's own anchors. Where the report was given "
        "the method-choice ranges, an axis without a Monte Carlo band (marked †) shows the min–max of the "
        "assessment's score over the method choices of that indicator. The base outline is the "
        f"assessment's score (default method); an axis marked (n/a) has no base score and is drawn at 0. "
        f"Draws: {int(res.get('draws', 0)):,}; seed {html.escape(str(res.get('seed')))}; "
        + (f"Sobol engine: {html.escape(str(engine))}" if engine else "Sobol indices: not computed (--no-sobol)")
        + (" (SALib: Saltelli design on a Sobol' sequence, bootstrap 95 % intervals)" if engine == "salib" else
           " (NumPy Monte Carlo A/B/AB design, no intervals)" if engine == "numpy" else "")
        + ".</p></section>")
    # -- rank stability ---------------------------------------------------------------------------
    body.append(f"<section id='ranks'><h2>Rank stability (rank 1 = highest risk; top tier = rank ≤ {top})</h2>"
                "<table class='sortable' id='rank-table'><thead><tr><th>mineral</th><th>base rank</th>"
                "<th>rank p05</th><th>rank p50</th><th>rank p95</th><th>P(top tier)</th><th>base score</th>"
                "<th>score p05</th><th>score p50</th><th>score p95</th></tr></thead><tbody>")
    for r in summ.itertuples(index=False):
        body.append(f"<tr><td data-v='{html.escape(r.mineral)}'><a href='#u-{html.escape(r.mineral)}'>"
                    f"{html.escape(_name(r.mineral))}</a></td>"
                    f"<td class='num'>{int(r.base_rank)}</td><td class='num'>{_fmt(r.rank_p05, 0)}</td>"
                    f"<td class='num'>{_fmt(r.rank_p50, 0)}</td><td class='num'>{_fmt(r.rank_p95, 0)}</td>"
                    f"<td class='num'>{_fmt(r.p_top, 2)}</td><td class='num'>{_fmt(r.base_score)}</td>"
                    f"<td class='num'>{_fmt(r.p05)}</td>"
                    f"<td class='num'>{_fmt(r.p50)}</td><td class='num'>{_fmt(r.p95)}</td></tr>")
    body.append("</tbody></table></section>")
    # -- Sobol ------------------------------------------------------------------------------------
    if so is not None and len(so):
        figs["sobol"] = _sobol_bar(so, engine)
        body.append("<section id='sensitivity'><h2>Sensitivity of the ranking</h2>"
                    "<div class='chart sobol' id='sobol'></div></section>")
    # -- per mineral radar ------------------------------------------------------------------------
    b = base.pivot_table(index="mineral", columns="indicator", values="score", aggfunc="first")
    show = [m for m in (minerals or summ["mineral"].tolist()) if m in set(summ["mineral"])]
    mb_note = ("† range over method choices (min–max; the choices varied: "
               + "; ".join(f"{' / '.join(i.replace('_', ' ') for i in inds)}: "
                           + (", ".join(sorted({k.replace('_', ' ') for kw in fam for k in kw})) or "none")
                           for inds, fam in METHOD_FAMILIES.items())
               + "), no data noise; an axis with neither mark shows the base score only."
               if method_bands is not None else "other axes: base score, not sampled.")
    body.append("<section id='radars'><h2>Indicator bands per mineral</h2><p class='small'>* sampled by the "
                f"Monte Carlo model (band = 5 %–95 %); {html.escape(mb_note)}</p><div class='grid'>")
    for m in show:
        bs = {i: (float(v) if pd.notna(v) else None) for i, v in (b.loc[m].items() if m in b.index else [])}
        band, mband = {}, {}
        if method_bands is not None:
            for r in method_bands[method_bands["mineral"] == m].itertuples(index=False):
                if r.hi > r.lo:
                    mband[r.indicator] = (r.lo, r.p50, r.hi)
        if ind is not None:
            for r in ind[ind["mineral"] == m].itertuples(index=False):
                band[r.indicator] = (r.p05, r.p50, r.p95)
                mband.pop(r.indicator, None)
        fid = f"radar-{m}"
        figs[fid] = _band_radar(bs, band, html.escape(_name(m), quote=False), mband)
        sr = summ[summ["mineral"] == m].iloc[0]
        body.append(f"<div id='u-{html.escape(m)}'><div class='chart radar' id='{html.escape(fid)}'></div>"
                    f"<p class='small'>rank {_fmt(sr['rank_p50'], 0)} (5–95 %: {_fmt(sr['rank_p05'], 0)}–"
                    f"{_fmt(sr['rank_p95'], 0)}), P(top {top}) = {_fmt(sr['p_top'], 2)}</p></div>")
    body.append("</div></section>")
    return _page("Uncertainty of the supply-risk ranking",
                 f"importer {country_name(country)} ({country}) · year {year}", body, figs)


def write_uncertainty(path: str | Path, *args, **kw) -> Path:
    """Write :func:`render_uncertainty` to ``path`` atomically."""
    from ..report.io import write_text_atomic

    return write_text_atomic(path, render_uncertainty(*args, **kw))


# --------------------------------------------------------------------------------- compare
def _trend(s: pd.DataFrame, name: str, years: list[int]) -> dict:
    data = []
    for m in ("meti", "geopolrisk", "eu_crm"):
        t = s[s["method"] == m].set_index("year")["score"].reindex(years)
        data.append({"type": "scatter", "mode": "lines+markers", "name": METHOD_LABELS[m], "x": years,
                     "y": [_num(v) for v in t], "line": {"color": METHOD_COLORS[m]},
                     "yaxis": "y2" if m == "eu_crm" else "y", "connectgaps": False})
    return {"data": data, "layout": {
        "title": {"text": name, "font": {"size": 13}}, "height": 320,
        "margin": {"l": 60, "r": 60, "t": 40, "b": 40}, "legend": {"font": {"size": 10}, "orientation": "h",
                                                                   "y": -0.2},
        "xaxis": {"dtick": 1}, "yaxis": {"title": {"text": "METI mean / GeoPolRisk"}, "rangemode": "tozero"},
        "yaxis2": {"title": {"text": "EU CRM SR"}, "overlaying": "y", "side": "right", "rangemode": "tozero",
                   "showgrid": False}}}


def render_compare(series: pd.DataFrame, table: pd.DataFrame, country: str, years: list[int], year: int,
                   minerals: list[str] | None = None) -> str:
    """HTML of :func:`critmin.methods.compare.series` (trends) and :func:`~critmin.methods.compare.compare`
    (the side-by-side table of ``year``, with why the methods disagree)."""
    from ..countries import name as country_name

    years = sorted(int(y) for y in years)
    mins = minerals or sorted(set(series["mineral"]) | set(table["mineral"]))
    figs: dict[str, dict] = {}
    body = ["<section id='about'><h2>Methods</h2><p class='small'>METI six: mean of the six indicator scores "
            "(0–1, ≥ 4 scored), vectorised over the years; EU CRM: supply risk SR (JRC 2017 method, bottleneck "
            "stage; right axis); GeoPolRisk: score HHI × import risk, default mode, the riskier stage. Each is "
            "on its own scale: compare a method with itself over time, and the methods by rank (table). A gap "
            "in a line is a year the method cannot score.</p></section>"]
    body.append(f"<section id='side-by-side'><h2>Side by side, {year} (rank 1 = highest risk; spread = "
                "percentile-rank gap)</h2><table class='sortable' id='compare-table'><thead><tr><th>mineral</th>"
                + "".join(f"<th>{METHOD_LABELS[m]}</th><th>rank</th>" for m in ("meti", "eu_crm", "geopolrisk"))
                + "<th>spread</th><th>why they disagree</th></tr></thead><tbody>")
    t = table[table["mineral"].isin(mins)]
    sc = t.pivot_table(index="mineral", columns="method", values="score", aggfunc="first")
    rk = t.pivot_table(index="mineral", columns="method", values="rank", aggfunc="first")
    ex = t.drop_duplicates("mineral").set_index("mineral")[["spread", "why"]].sort_values("spread", ascending=False)
    for m, e in ex.iterrows():
        cells = ""
        for meth in ("meti", "eu_crm", "geopolrisk"):
            s = sc.at[m, meth] if meth in sc.columns else np.nan
            r = rk.at[m, meth] if meth in rk.columns else np.nan
            cells += (f"<td class='num'>{_fmt(s)}</td><td class='num' data-v='{_fmt(r, 0)}'>{_fmt(r, 0)}</td>")
        body.append(f"<tr><td data-v='{html.escape(m)}'><a href='#c-{html.escape(m)}'>{html.escape(_name(m))}</a>"
                    f"</td>{cells}<td class='num'>{int(e['spread'])}</td><td class='small'>"
                    f"{html.escape(str(e['why']))}</td></tr>")
    body.append("</tbody></table></section>")
    body.append(f"<section id='trends'><h2>Scores over {years[0]}–{years[-1]}</h2><div class='grid'>")
    for m in mins:
        s = series[series["mineral"] == m]
        fid = f"trend-{m}"
        figs[fid] = _trend(s, html.escape(_name(m), quote=False), years)
        why = ex.at[m, "why"] if m in ex.index else "not scored in the table year"
        body.append(f"<div id='c-{html.escape(m)}'><div class='chart trend' id='{html.escape(fid)}'></div>"
                    f"<p class='small'>{html.escape(str(why))}</p></div>")
    body.append("</div></section>")
    return _page("Established methods side by side",
                 f"importer {country_name(country)} ({country}) · {years[0]}–{years[-1]}", body, figs)


def write_compare(path: str | Path, *args, **kw) -> Path:
    """Write :func:`render_compare` to ``path`` atomically."""
    from ..report.io import write_text_atomic

    return write_text_atomic(path, render_compare(*args, **kw))
