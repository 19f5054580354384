"""Self-contained HTML report of a policy evaluation (政策実施前/後の評価).

Per mineral one radar with both outlines (before, after, and the best/worst bounds where
computed) on one chart, the before/after table of the six scores with deltas, and per
intervention what moved, which indicator it moved and why. plotly.js is inlined from the
installed package (no network address), as in the assessment report.
"""
from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd

from ..diagnosis import INDICATORS

STYLE = {"before": ("#7f8c8d", "rgba(127,140,141,0.15)", "solid"), "after": ("#c0392b", "rgba(192,57,43,0.20)", "solid"),
         "after_best": ("#27ae60", "rgba(0,0,0,0)", "dot"), "after_worst": ("#8e44ad", "rgba(0,0,0,0)", "dash")}


def radar_figure(table: pd.DataFrame, scenario: str, mineral: str, lang: str = "en") -> dict:
    """Plotly figure dict: the six scores of ``mineral`` for every case, one outline each."""
    from ..report.html import plot_text
    from ..report.labels import radar_axes

    data = []
    t = table[(table["scenario"] == scenario) & (table["mineral"] == mineral)]
    scored = set(t.loc[t["score"].notna(), "indicator"])
    theta = radar_axes(set(INDICATORS) - scored, lang)
    for case, g in t.groupby("case", sort=False):
        s = g.set_index("indicator")["score"].reindex(list(INDICATORS))
        r = [None if pd.isna(v) else round(float(v), 4) for v in s]
        rr = [0 if v is None else v for v in r]
        line, fill, dash = STYLE.get(case, ("#333", "rgba(0,0,0,0)", "solid"))
        data.append({"type": "scatterpolar", "r": rr + rr[:1], "theta": theta + theta[:1], "name": plot_text(case),
                     "fill": "toself" if case in ("before", "after") else "none", "fillcolor": fill,
                     "line": {"color": line, "dash": dash},
                     "text": [("n/a" if v is None else f"{v:.2f}") for v in r + r[:1]],
                     "hovertemplate": plot_text(case) + " · %{theta}: %{text}<extra></extra>"})
    return {"data": data, "layout": {"polar": {"radialaxis": {"range": [0, 1], "tickvals": [0.25, 0.5, 0.75, 1]}},
                                     "showlegend": True, "height": 380, "font": {"size": 11},
                                     "margin": {"l": 120, "r": 120, "t": 40, "b": 40},
                                     "title": {"text": plot_text(mineral), "font": {"size": 13}}}}


def _f(v, nd=3) -> str:
    return "—" if v is None or (isinstance(v, float) and not np.isfinite(v)) else f"{v:.{nd}f}"


def render_report(table: pd.DataFrame, *, lang: str = "en", ranking: pd.DataFrame | None = None) -> str:
    from ..report.html import esc, page_html
    from ..report.labels import INDICATOR_LABELS

    labels = INDICATOR_LABELS[lang]
    figs, out = {}, []
    first = table.iloc[0]
    out.append(f"<header><h1>critmin — policy evaluation (政策評価)</h1><p>Importer {esc(str(first['country']))}"
               f" · year {int(first['year'])}</p></header><main>")
    for scen in table["scenario"].unique():
        pol = table.attrs.get("policies", {}).get(scen)
        title = getattr(pol, "title", "") or scen
        risk = table.attrs.get("risk", {}).get(scen, {})
        out.append(f"<section><h2>{esc(title)} <span class='small'>({esc(scen)})</span></h2>")
        out.append("<p class='small'>Risk measure (" + esc(getattr(pol, "measure", "mean")) + "): "
                   + ", ".join(f"{esc(k)} {v:.4f}" for k, v in risk.items()) + "</p>")
        t = table[table["scenario"] == scen]
        cases = [c for c in t["case"].unique() if c != "before"]
        out.append("<div class='grid'>")
        for m in t["mineral"].unique():
            fid = f"radar-{scen}-{m}".replace(" ", "_")
            figs[fid] = radar_figure(table, scen, m, lang)
            out.append(f"<div class='chart radar' id='{esc(fid)}'></div>")
        out.append("</div><table><thead><tr><th>mineral</th><th>indicator</th><th>before</th>"
                   + "".join(f"<th>{esc(c)}</th><th>Δ</th>" for c in cases) + "</tr></thead><tbody>")
        for (m, ind), g in t.groupby(["mineral", "indicator"], sort=False):
            g = g.set_index("case")
            row = f"<tr><td>{esc(m)}</td><td>{esc(labels.get(ind, ind))}</td><td class='num'>" \
                  f"{_f(g['score_before'].iloc[0], 2)}</td>"
            for c in cases:
                d = g.at[c, "delta"] if c in g.index else np.nan
                row += f"<td class='num'>{_f(g.at[c, 'score'], 2)}</td><td class='num'>{_f(d, 3)}</td>"
            out.append(row + "</tr>")
        out.append("</tbody></table><h3>Interventions</h3><table><thead><tr><th>intervention</th><th>budget</th>"
                   "<th>what moved</th><th>indicators moved (score Δ)</th><th>why</th></tr></thead><tbody>")
        for e in table.attrs.get("effects", {}).get(scen, []):
            ch = "<br>".join(f"{esc(c['what'])}: {c['before']:,.3g} → {c['after']:,.3g} {esc(c['unit'])}"
                             for c in e.get("changes", []))
            mv = "<br>".join(f"{esc(labels.get(k, k))}: " + (f"{v['delta']:+.3f}" if v["delta"] is not None else
                                                         f"{_f(v['before'], 2)} → {_f(v['after'], 2)}")
                             for k, v in e.get("moved_indicators", {}).items()) or "none"
            out.append(f"<tr><td>{esc(e['name'])} <span class='small'>({esc(e['type'])}, {esc(e['mineral'])})</span></td>"
                       f"<td class='num'>{float(e['cost']):,.1f}</td><td class='small'>{ch}</td><td class='small'>{mv}</td>"
                       f"<td class='small'>{esc(e.get('why', ''))}</td></tr>")
        out.append("</tbody></table></section>")
    if ranking is not None and len(ranking):
        out.append("<section><h2>Ranking: risk reduction per unit of budget</h2><table><thead><tr>"
                   + "".join(f"<th>{esc(c)}</th>" for c in ("rank", "name", "mineral", "reduction", "cost",
                                                       "reduction_per_cost", "note")) + "</tr></thead><tbody>")
        for _, r in ranking.iterrows():
            out.append("<tr>" + "".join(f"<td>{esc(str(r[c]))}</td>" for c in (
                "rank", "name", "mineral", "reduction", "cost", "reduction_per_cost", "note")) + "</tr>")
        out.append("</tbody></table></section>")
    out.append(f"<section><h2>Method</h2><pre class='small'>{esc(json.dumps(table.attrs.get('method', {})))}"
               "</pre></section></main>")
    return page_html("critmin policy evaluation", out, figs, lang)


def write_report(table: pd.DataFrame, path: str | Path, **kw) -> Path:
    """Write the policy report to ``path`` atomically."""
    from ..report.io import write_text_atomic

    return write_text_atomic(path, render_report(table, **kw))
