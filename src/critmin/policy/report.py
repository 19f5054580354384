"""Self-contained HTML report of a policy evaluation (政策実施前/後の評価), in English or Japanese.

Per mineral one radar with every case on one chart — before (grey, dashed), after (blue), and the
best/worst bounds where computed (green dotted, purple dashed): the colours say which is which,
not which is better, so that a policy that lowers the risk reads as a smaller blue shape inside the
grey one — then the before/after table of the six scores with deltas, per intervention what moved
(tonnages with thousands separators), which indicator it moved, its budget in the policy's
currency and why, and the method as a table. plotly.js is inlined from the installed package (no
network address), as in the assessment report.
"""
from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from ..diagnosis import INDICATORS
from ..i18n import N_, country_name, number, translator
from .text import CASES, HEAD, TYPES, budget, change_text, label, measure_label, rank_note, significant

#: (line colour, fill, dash) per case: after is drawn over before; neither colour reads as "bad"
STYLE = {"before": ("#7f8c8d", "rgba(127,140,141,0.18)", "dash"), "after": ("#2c6e9b", "rgba(44,110,155,0.28)", "solid"),
         "after_best": ("#27ae60", "rgba(0,0,0,0)", "dot"), "after_worst": ("#8e44ad", "rgba(0,0,0,0)", "dashdot")}
ORDER = ("before", "after", "after_best", "after_worst")

TEXT = {"title": N_("critmin — policy evaluation"), "importer": N_("Importer"), "year": N_("Year"),
        "risk": N_("Risk measure ({measure}): {values}"), "scores": N_("Scores before and after"),
        "scores_note": N_("Scores 0–1, 1 = highest risk; Δ = after − before (negative: the risk falls)."),
        "interventions": N_("Interventions"), "none": N_("no indicator"), "new": N_("newly scored"),
        "ranking": N_("Ranking: risk reduction per unit of budget"), "method": N_("Method"),
        "legend": N_("Grey, dashed: before the policy; blue: after; green dotted and purple dashed: the best and "
                     "worst redistribution of the displaced imports.")}

#: the report's own layout rules: long names and reasons wrap inside their cells
CSS = ("<style>.policy td{overflow-wrap:anywhere}.policy td.num{white-space:nowrap;overflow-wrap:normal}"
       ".policy table.ivs{table-layout:fixed}.policy table.kv td:first-child{white-space:nowrap;width:14em}"
       ".policy h3.chart-title{text-align:center;margin:4px 0 0}</style>")


def radar_figure(table: pd.DataFrame, scenario: str, mineral: str, lang: str = "en") -> dict:
    """Plotly figure dict: the six scores of ``mineral`` for every case, one outline each (before
    first, so that after is drawn over it), axis labels wrapped to fit, the legend below."""
    from ..report.html import plot_text, radar_angular_axis
    from ..report.labels import radar_axes

    data = []
    t = table[(table["scenario"] == scenario) & (table["mineral"] == mineral)]
    scored = set(t.loc[t["score"].notna(), "indicator"])
    theta = radar_axes(set(INDICATORS) - scored, lang)
    cases = sorted(t["case"].unique(), key=lambda c: ORDER.index(c) if c in ORDER else len(ORDER))
    for case in cases:
        g = t[t["case"] == case]
        s = g.set_index("indicator")["score"].reindex(list(INDICATORS))
        r = [None if pd.isna(v) else round(float(v), 4) for v in s]
        rr = [0 if v is None else v for v in r]
        line, fill, dash = STYLE.get(case, ("#333", "rgba(0,0,0,0)", "solid"))
        nm = plot_text(label(CASES, case, lang))
        data.append({"type": "scatterpolar", "r": rr + rr[:1], "theta": theta + theta[:1], "name": nm,
                     "fill": "toself" if case in ("before", "after") else "none", "fillcolor": fill,
                     "line": {"color": line, "dash": dash, "width": 2},
                     "text": [("–" if v is None else f"{v:.2f}") for v in r + r[:1]],
                     "hovertemplate": nm + " · %{theta}: %{text}<extra></extra>"})
    return {"data": data, "layout": {
        "polar": {"radialaxis": {"range": [0, 1], "tickvals": [0.25, 0.5, 0.75, 1], "angle": 90,
                                 "tickfont": {"size": 9}},
                  "angularaxis": radar_angular_axis(theta)},
        "showlegend": True, "legend": {"orientation": "h", "x": 0.5, "xanchor": "center", "y": -0.16,
                                       "yanchor": "top", "font": {"size": 11}},
        "height": 420, "font": {"size": 11}, "margin": {"l": 95, "r": 95, "t": 50, "b": 90}}}


def _f(v, nd=3) -> str:
    return "–" if v is None or (isinstance(v, float) and not np.isfinite(v)) else f"{v:.{nd}f}"


def _kv_table(items: dict, lang: str) -> str:
    from ..report.html import esc

    rows = "".join(f"<tr><td>{esc(k)}</td><td>{esc(v if isinstance(v, str) else _plain(v))}</td></tr>"
                   for k, v in items.items())
    return (f"<table class='kv'><thead><tr><th>{esc(label(HEAD, 'key', lang))}</th>"
            f"<th>{esc(label(HEAD, 'value', lang))}</th></tr></thead><tbody>{rows}</tbody></table>")


def _plain(v) -> str:
    if isinstance(v, dict):
        return ", ".join(f"{k}: {x}" for k, x in v.items()) or "–"
    if isinstance(v, (list, tuple)):
        return ", ".join(map(str, v)) or "–"
    return str(v)


def render_report(table: pd.DataFrame, *, lang: str = "en", ranking: pd.DataFrame | None = None) -> str:
    from ..catalogue import name
    from ..report.html import esc, page_html
    from ..report.labels import INDICATOR_LABELS
    from .evaluate import effects_text

    _ = translator(lang)
    labels = INDICATOR_LABELS[lang]
    figs, out = {}, [CSS]
    first = table.iloc[0]
    sep = "、" if lang == "ja" else ", "
    out.append(f"<header><h1>{esc(_(TEXT['title']))}</h1><p>{esc(_(TEXT['importer']))} "
               f"{esc(country_name(str(first['country']), lang))} ({esc(first['country'])}) · {esc(_(TEXT['year']))} "
               f"{int(first['year'])}</p></header><main class='policy'>")
    policies = table.attrs.get("policies", {})
    for scen in table["scenario"].unique():
        pol = policies.get(scen)
        title = getattr(pol, "title", "") or scen
        risk = table.attrs.get("risk", {}).get(scen, {})
        out.append(f"<section><h2>{esc(title)} <span class='small'>({esc(scen)})</span></h2>")
        out.append("<p class='small'>" + esc(_(TEXT["risk"]).format(
            measure=measure_label(getattr(pol, "measure", "mean"), lang),
            values=sep.join(f"{label(CASES, k, lang)} {v:.4f}" for k, v in risk.items()))) + "</p>")
        t = table[table["scenario"] == scen]
        cases = [c for c in t["case"].unique() if c != "before"]
        out.append(f"<p class='small'>{esc(_(TEXT['legend']))}</p><div class='grid'>")
        for m in t["mineral"].unique():
            fid = f"radar-{scen}-{m}".replace(" ", "_")
            figs[fid] = radar_figure(table, scen, m, lang)
            out.append(f"<div><h3 class='chart-title'>{esc(name(m, lang))}</h3>"
                       f"<div class='chart radar' id='{esc(fid)}'></div></div>")
        out.append(f"</div><h3>{esc(_(TEXT['scores']))}</h3><p class='small'>{esc(_(TEXT['scores_note']))}</p>"
                   f"<table><thead><tr><th>{esc(label(HEAD, 'mineral', lang))}</th>"
                   f"<th>{esc(label(HEAD, 'indicator', lang))}</th><th>{esc(label(CASES, 'before', lang))}</th>"
                   + "".join(f"<th>{esc(label(CASES, c, lang))}</th><th>Δ</th>" for c in cases)
                   + "</tr></thead><tbody>")
        for (m, ind), g in t.groupby(["mineral", "indicator"], sort=False):
            g = g.set_index("case")
            row = (f"<tr><td>{esc(name(m, lang))}</td><td>{esc(labels.get(ind, ind))}</td><td class='num'>"
                   f"{_f(g['score_before'].iloc[0], 2)}</td>")
            for c in cases:
                d = g.at[c, "delta"] if c in g.index else np.nan
                row += f"<td class='num'>{_f(g.at[c, 'score'], 2)}</td><td class='num'>{_f(d, 3)}</td>"
            out.append(row + "</tr>")
        out.append(f"</tbody></table><h3>{esc(_(TEXT['interventions']))}</h3><table class='ivs'><colgroup>"
                   "<col style='width:17%'><col style='width:12%'><col style='width:22%'><col style='width:17%'>"
                   "<col style='width:32%'></colgroup><thead><tr>"
                   + "".join(f"<th>{esc(label(HEAD, k, lang))}</th>" for k in ("name", "cost", "changes", "moved", "why"))
                   + "</tr></thead><tbody>")
        for e in effects_text(table.attrs.get("effects", {}).get(scen, []), lang):
            ch = "<br>".join(esc(change_text(c, lang)) for c in e.get("changes", []))
            mv = "<br>".join(f"{esc(labels.get(k, k))}: " + (f"{v['delta']:+.3f}" if v["delta"] is not None else
                                                         f"{esc(_(TEXT['new']))} ({_f(v['after'], 2)})")
                             for k, v in e.get("moved_indicators", {}).items()) or esc(_(TEXT["none"]))
            attribution = f"<br><span class='small'>{esc(e['attribution'])}</span>" if e.get("attribution") else ""
            out.append(f"<tr><td>{esc(e['name'])} <span class='small'>({esc(label(TYPES, e['type'], lang))}{sep}"
                       f"{esc(name(e['mineral'], lang))})</span></td>"
                       f"<td class='num'>{esc(budget(e['cost'], pol, lang))}</td><td class='small'>{ch}</td>"
                       f"<td class='small'>{mv}{attribution}</td><td class='small why'>{esc(e.get('why', ''))}</td></tr>")
        out.append("</tbody></table></section>")
    if ranking is not None and len(ranking):
        pol = next(iter(policies.values()), None)
        red, rpc = significant(ranking["reduction"].tolist()), significant(ranking["reduction_per_cost"].tolist())
        cols = ("rank", "name", "mineral", "reduction", "cost", "reduction_per_cost", "note")
        out.append(f"<section><h2>{esc(_(TEXT['ranking']))}</h2><table><thead><tr>"
                   + "".join(f"<th>{esc(label(HEAD, c, lang))}</th>" for c in cols) + "</tr></thead><tbody>")
        for k, (_i, r) in enumerate(ranking.iterrows()):
            cells = [str(r["rank"]), r["name"], name(r["mineral"], lang), red[k], budget(r["cost"], pol, lang), rpc[k],
                     rank_note(r["note"], r["requires"], lang)]
            out.append("<tr>" + "".join(f"<td>{esc(c)}</td>" for c in cells) + "</tr>")
        out.append("</tbody></table></section>")
    method = dict(table.attrs.get("method", {}))
    pol = next(iter(policies.values()), None)
    if pol is not None:
        method = {"measure": pol.measure, "currency": pol.currency, "cost_unit": number(pol.cost_unit, lang), **method}
    out.append(f"<section><h2>{esc(_(TEXT['method']))}</h2>{_kv_table(method, lang)}</section></main>")
    return page_html(_(TEXT["title"]), out, figs, lang)


def write_report(table: pd.DataFrame, path: str | Path, **kw) -> Path:
    """Write the policy report to ``path`` atomically."""
    from ..report.io import write_text_atomic

    return write_text_atomic(path, render_report(table, **kw))
