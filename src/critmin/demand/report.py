"""Self-contained HTML report of a demand projection (plotly.js inlined, no network reference).

Per mineral: demand stacked by technology over the years, and total demand against the
importer's domestic demand and world mine production; then the outlook table, the
scenario's assumptions and the sources.
"""
from __future__ import annotations

import datetime as dt
import html
import json
import math
from pathlib import Path

import pandas as pd

from .project import by_technology

PALETTE = ["#2c6e9b", "#c0392b", "#27ae60", "#8e44ad", "#e67e22", "#16a085", "#7f8c8d", "#d35400",
           "#2980b9", "#f1c40f"]


def _num(v) -> float | None:
    try:
        f = float(v)
    except (TypeError, ValueError):
        return None
    return f if math.isfinite(f) else None


def stacked_figure(bt: pd.DataFrame, mineral: str) -> dict:
    """Plotly figure dict: demand of ``mineral`` stacked by technology over the years."""
    sub = bt[bt["mineral"] == mineral]
    techs = sorted(sub["technology"].unique())
    data = []
    for i, t in enumerate(techs):
        s = sub[sub["technology"] == t].sort_values("year")
        data.append({"type": "bar", "name": t, "x": [int(y) for y in s["year"]],
                     "y": [round(float(v), 3) for v in s["tonnes"]],
                     "marker": {"color": PALETTE[i % len(PALETTE)]},
                     "hovertemplate": t + " %{x}: %{y:,.0f} t<extra></extra>"})
    return {"data": data, "layout": {"barmode": "stack", "height": 320,
                                     "title": {"text": f"{mineral}: demand by technology (t)", "font": {"size": 13}},
                                     "margin": {"l": 70, "r": 20, "t": 40, "b": 40},
                                     "yaxis": {"title": {"text": "t"}}, "legend": {"font": {"size": 10}}}}


def reference_figure(out: pd.DataFrame, mineral: str) -> dict:
    """Plotly figure dict: total demand against domestic demand and world production."""
    sub = out[out["mineral"] == mineral].sort_values("year")
    xs = [int(y) for y in sub["year"]]
    data = [{"type": "scatter", "mode": "lines+markers", "name": "projected demand", "x": xs,
             "y": [round(float(v), 3) for v in sub["tonnes"]], "line": {"color": "#c0392b"}}]
    dd = _num(sub["domestic_demand_t"].iloc[0])
    if dd is not None:
        basis = sub["demand_basis"].iloc[0]
        yr = sub["domestic_year"].iloc[0]
        data.append({"type": "scatter", "mode": "lines", "x": [xs[0], xs[-1]] if len(xs) > 1 else [xs[0] - 0.5,
                     xs[0] + 0.5], "y": [dd, dd], "line": {"dash": "dash", "color": "#2c6e9b"},
                     "name": f"domestic demand {'' if yr != yr else int(yr)} ({basis})"})
    wp = _num(sub["world_production_t"].iloc[0]) if pd.notna(sub["share_of_world"]).any() else None
    if wp is not None:
        data.append({"type": "scatter", "mode": "lines", "x": [xs[0], xs[-1]] if len(xs) > 1 else [xs[0] - 0.5,
                     xs[0] + 0.5], "y": [wp, wp], "line": {"dash": "dot", "color": "#27ae60"},
                     "name": f"world mine production {int(sub['world_year'].iloc[0])}"})
    return {"data": data, "layout": {"height": 320, "yaxis": {"type": "log", "title": {"text": "t (log)"}},
                                     "title": {"text": f"{mineral}: demand against domestic demand and world "
                                                       "production", "font": {"size": 13}},
                                     "margin": {"l": 70, "r": 20, "t": 40, "b": 40}, "legend": {"font": {"size": 10}}}}


def _pct(v) -> str:
    f = _num(v)
    return "—" if f is None else f"{100 * f:.1f} %"


def render(proj: pd.DataFrame, out: pd.DataFrame) -> str:
    """The HTML text of the report of ``project(...)`` and ``outlook(...)``."""
    from ..report.html import CSS, offline_plotlyjs

    sc = proj.attrs.get("scenario", {})
    bt = by_technology(proj)
    minerals = (out.groupby("mineral")["tonnes"].max().sort_values(ascending=False).index.tolist())
    figs: dict[str, dict] = {}
    e = html.escape
    parts = [f"<header><h1>Mineral demand — {e(sc.get('title') or sc.get('name', ''))}</h1>"
             f"<p>scenario <b>{e(sc.get('name', ''))}</b> · importer {e(sc.get('country', ''))} · tonnes of "
             f"contained element (graphite gross) · intensity year {proj.attrs.get('intensity_year')}</p></header><main>"]
    parts.append("<section><h2>Assumptions</h2><ul>" + "".join(f"<li>{e(a)}</li>" for a in sc.get("assumptions", []))
                 + f"</ul><p class='small'>{e(sc.get('source') or '')}</p></section>")
    bases = sorted(set(out["demand_basis"]))
    parts.append("<section><h2>Outlook</h2><p class='small'>Domestic demand basis: <b>"
                 + e(", ".join(bases)) + "</b> (reported = consumption statistics; apparent = production + "
                 "imports − exports). Shares are of that year's projected demand.</p>"
                 "<table class='sortable'><thead><tr><th>mineral</th><th>peak demand t</th><th>year of peak</th>"
                 "<th>% of domestic demand (peak)</th><th>% of world production (peak)</th>"
                 "<th>exceeds domestic demand from</th><th>exceeds world production from</th><th>note</th>"
                 "</tr></thead><tbody>")
    for m in minerals:
        s = out[out["mineral"] == m]
        pk = s.loc[s["tonnes"].idxmax()]
        parts.append(f"<tr><td>{e(m)}</td><td class='num'>{pk['tonnes']:,.0f}</td><td>{int(pk['year'])}</td>"
                     f"<td class='num'>{_pct(pk['share_of_domestic'])}</td>"
                     f"<td class='num'>{_pct(pk['share_of_world'])}</td>"
                     f"<td>{'' if pd.isna(pk['year_exceeds_domestic']) else int(pk['year_exceeds_domestic'])}</td>"
                     f"<td>{'' if pd.isna(pk['year_exceeds_world']) else int(pk['year_exceeds_world'])}</td>"
                     f"<td class='small'>{e(str(pk['note']))}</td></tr>")
    parts.append("</tbody></table></section>")
    for i, m in enumerate(minerals):
        a, b = f"stack{i}", f"ref{i}"
        figs[a] = stacked_figure(bt, m)
        figs[b] = reference_figure(out, m)
        parts.append(f"<section id='m-{e(m)}'><h2>{e(m)}</h2><div class='grid'><div id='{a}' class='chart'></div>"
                     f"<div id='{b}' class='chart'></div></div></section>")
    srcs = sorted(set(proj["source"]))
    parts.append("<section><h2>Sources of the intensities</h2><ul>" + "".join(f"<li>{e(s)}</li>" for s in srcs)
                 + "</ul><p class='small'>Generated by critmin · "
                 + dt.datetime.now(dt.timezone.utc).strftime("%Y-%m-%d %H:%M UTC") + "</p></section></main>")
    script = ("var FIGS = " + json.dumps(figs, allow_nan=False) + ";\n"
              "var CFG = {displaylogo:false, displayModeBar:false, responsive:true, showLink:false};\n"
              "Object.keys(FIGS).forEach(function(id){ var el = document.getElementById(id);"
              " if (el) { Plotly.newPlot(el, FIGS[id].data, FIGS[id].layout, CFG); } });")
    return ("<!DOCTYPE html><html lang='en'><head><meta charset='utf-8'><link rel='icon' href='data:,'>"
            f"<title>Mineral demand — {e(sc.get('name', ''))}</title><style>{CSS}</style>"
            f"<script>{offline_plotlyjs()}</script></head><body>" + "".join(parts)
            + f"<script>{script}</script></body></html>")


def write(proj: pd.DataFrame, out: pd.DataFrame, path: str | Path) -> Path:
    """Write the report to ``path`` (atomically)."""
    from ..report.io import write_text_atomic

    return write_text_atomic(path, render(proj, out))
