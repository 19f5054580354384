"""Disruption results for people: labels, notes, the HTML report and the Excel sheets, in ja or en.

The numbers come from :mod:`critmin.disruption` (:func:`~critmin.disruption.simulate`,
:func:`~critmin.disruption.run_scenario`, :func:`~critmin.disruption.monte_carlo`); this module
only words and lays them out. English is the source language: every sentence below is marked
for translation and its Japanese lives in ``locale/ja/LC_MESSAGES/stockpile.po``. The JSON
output keeps its English keys and notes (data); what a person reads — the terminal tables, the
report, the workbook headers — is in the chosen language.

Shared page pieces (:func:`figure`, :func:`table_html`, :func:`render_html`) serve the
stockpile-plan report too (:mod:`critmin.report.stockpile`).
"""
from __future__ import annotations

import datetime as dt
import html
import math
from collections.abc import Mapping

import numpy as np
import pandas as pd

from ..i18n import N_, country_name, number, translator

#: the figures of an export stop: key → (label, unit)
STOP_FIGURES = {
    "annual_imports_t": (N_("annual imports at the stage"), "t"),
    "cut_share": (N_("share of the imports stopped"), "%"),
    "days": (N_("length of the stop"), N_("days")),
    "daily_loss_t": (N_("supply lost a day"), N_("t/day")),
    "gross_shortfall_t": (N_("supply lost over the stop"), "t"),
    "stock_t": (N_("stockpile"), "t"),
    "stock_days": (N_("stockpile, days of annual imports"), N_("days")),
    "stock_drawn_t": (N_("stockpile drawn"), "t"),
    "shortfall_t": (N_("shortfall left after the stockpile"), "t"),
    "covered_days": (N_("days covered by the stockpile"), N_("days")),
    "stock_cover_days": (N_("days the stockpile would last"), N_("days")),
    "stock_needed_t": (N_("smallest stockpile for the shortfall bound"), "t"),
    "stock_needed_days": (N_("smallest stockpile, days of annual imports"), N_("days")),
    "max_shortfall_t": (N_("shortfall bound"), "t"),
}
#: the figures the terminal shows (digits)
STOP_TABLE = (("annual_imports_t", 1), ("cut_share", 1), ("days", 0), ("daily_loss_t", 2),
              ("gross_shortfall_t", 1), ("stock_t", 1), ("stock_days", 1), ("stock_drawn_t", 1),
              ("shortfall_t", 1), ("covered_days", 1), ("stock_cover_days", 1), ("stock_needed_t", 1),
              ("stock_needed_days", 1))

#: column headers of the tables (key → label)
COLUMNS = {
    "figure": N_("figure"), "value": N_("value"), "unit": N_("unit"), "key": N_("field"), "item": N_("item"),
    "exporter": N_("exporter"), "exporter_name": N_("exporter name"), "imports_t": N_("imports, t"),
    "share": N_("share of imports"), "fraction_stopped": N_("fraction stopped"),
    "stock_days": N_("stockpile, days"), "stock_t": N_("stockpile, t"),
    "expected_shortfall_t": N_("mean shortfall a year, t"), "expected_shortfall_se_t": N_("standard error, t"),
    "tail_shortfall_t": N_("{q} shortfall a year, t"), "prob_shortfall": N_("probability of a shortfall"),
    "g": N_("WGI political-stability risk g"), "g_missing": N_("g missing (taken as 1)"),
    "restrictions": N_("past restrictions"), "lambda": N_("restrictions a year (lambda)"),
    "p_year": N_("probability of a restriction in a year"),
    "id": N_("event id"), "date": N_("date"), "country": N_("country"), "measure": N_("measure"),
    "source": N_("source"), "url": N_("address"), "day": N_("day"), "lost_t": N_("supply lost (cumulative), t"),
    "stock_left_t": N_("stockpile left, t"), "shortfall_cum_t": N_("shortfall (cumulative), t"),
}

#: the unit basis of the flows
BASIS_LABELS = {"contained element": N_("contained element"), "gross weight": N_("gross weight"),
                "mixed: contained element and gross weight": N_("mixed: contained element and gross weight"),
                "as supplied": N_("as supplied")}

SHEETS = {"figures": N_("export stop"), "partners": N_("exporters"), "curve": N_("day by day"),
          "mc": N_("Monte Carlo"), "rates": N_("restriction rates"), "scenario": N_("scenario"),
          "events": N_("events"), "sources": N_("sources"), "method": N_("method")}


def col(key: str, lang: str, **kw) -> str:
    """A column header in ``lang``."""
    text = translator(lang)(COLUMNS[key])
    return text.format(**kw) if kw else text


def basis_label(basis, lang: str) -> str:
    return translator(lang)(BASIS_LABELS[basis]) if basis in BASIS_LABELS else ("" if basis is None else str(basis))


def who(code: str, lang: str) -> str:
    """A country as people read it: the ISO3 code in English tables, the CLDR name in Japanese."""
    return country_name(code, lang) if lang != "en" else str(code)


def pct(x, lang: str, digits: int = 0) -> str:
    """``x`` (a fraction) as a percentage."""
    if x is None or (isinstance(x, float) and not math.isfinite(x)):
        return "–"
    return number(100.0 * float(x), lang, digits) + "%"


def mineral_label(mineral: str, lang: str) -> str:
    from .. import catalogue

    try:
        return catalogue.name(mineral, lang)
    except KeyError:
        return str(mineral)


# -- texts -------------------------------------------------------------------------------------------

def stop_header(doc: dict, lang: str) -> str:
    """One line: what stops, into whom, for how long."""
    from ..disruption import stage_label

    _ = translator(lang)
    partners = ", ".join(
        _("{exporter} ({share} of imports, {stopped} stopped)").format(
            exporter=who(p["exporter"], lang), share=pct(p["share"], lang, 1), stopped=pct(p["fraction_stopped"], lang))
        for p in doc["partners"])
    return _("Export stop: {mineral} ({stage}, {basis}) into {country}, trade year {year}; {partners}; "
             "{days} days").format(mineral=mineral_label(doc["mineral"], lang), stage=stage_label(doc["stage"], lang),
                                   basis=basis_label(doc.get("basis"), lang), country=who(doc["country"], lang),
                                   year=doc.get("year"), partners=partners, days=number(doc["days"], lang))


def stop_rows(doc: dict, lang: str) -> list[dict]:
    """The figures of an export stop: ``key, figure, value, unit`` (``cut_share`` in %)."""
    _ = translator(lang)
    rows = []
    for k, (label, unit) in STOP_FIGURES.items():
        if k not in doc:
            continue
        v = doc.get(k)
        if k == "cut_share" and v is not None:
            v = 100.0 * float(v)
        rows.append({"key": k, "figure": _(label), "value": None if v is None else float(v), "unit": _(unit)})
    return rows


def stop_notes(doc: dict, lang: str) -> list[str]:
    """Rule, notes and the confidentiality line of an export stop, in ``lang``."""
    from ..disruption import stop_notes as notes

    _ = translator(lang)
    out = [_(doc["rule"])] if doc.get("rule") else []
    out += notes(doc, lang) if "absent" in doc else list(doc.get("notes", []))
    if doc.get("confidential_note"):
        out.append(_(doc["confidential_note"]))
    return out


def mc_model(mc: dict, lang: str) -> str:
    """The Monte Carlo's probability model in ``lang``."""
    from ..disruption import EVENT_TYPE_LABELS, MC_MODEL, MC_MODEL_USER, RESTRICTIVE

    _ = translator(lang)
    if mc.get("prior_rate") is None:
        return _(MC_MODEL_USER) if mc.get("model") == MC_MODEL_USER else str(mc.get("model", ""))
    types = ", ".join(RESTRICTIVE) if lang == "en" else "、".join(_(EVENT_TYPE_LABELS[t]) for t in RESTRICTIVE)
    return _(MC_MODEL).format(weight=f"{mc['prior_weight']:g}", rate=f"{mc['prior_rate']:g}", types=types,
                              mineral=mineral_label(mc["mineral"], lang))


def mc_header(mc: dict, lang: str) -> str:
    from ..disruption import stage_label

    _ = translator(lang)
    return _("Monte Carlo: {mineral} ({stage}) into {country}, {n} simulated years, seed {seed}").format(
        mineral=mineral_label(mc["mineral"], lang), stage=stage_label(mc.get("stage"), lang),
        country=who(mc["country"], lang), n=number(mc["n_years"], lang), seed=mc["seed"])


def mc_summary(mc: dict, lang: str) -> list[str]:
    """The Monte Carlo's result in sentences: the expected loss and the stockpile it recommends
    (and, where that is 0 days while losses occur, why)."""
    _ = translator(lang)
    q = pct(mc["quantile"], lang)
    lines = [_("expected loss {loss} t a year (closed form {closed} t, {note}); smallest stockpile with the {q} "
               "shortfall at most {bound} t: {days} days ({t} t)").format(
        loss=number(mc["expected_loss_t"], lang, 1), closed=number(mc["analytic_expected_loss_t"], lang, 1),
        note=_(mc["analytic_note"]), q=q, bound=number(mc["max_shortfall_t"], lang),
        days=number(mc["recommended_stock_days"], lang, 1), t=number(mc["recommended_stock_t"], lang, 1))]
    rows = mc.get("by_stock_days") or []
    first = rows[0] if rows else None
    if mc["recommended_stock_t"] == 0 and first and first["expected_shortfall_t"] > 0:
        lines.append(_("the {q} quantile of the annual loss is {tail} t: restrictions hit {p} of the simulated "
                       "years, fewer than {rest}, so the {q} rule asks for no stockpile although the mean "
                       "shortfall without one is {mean} t a year; see the table for larger stockpiles").format(
            q=q, tail=number(mc["tail_loss_t"], lang, 1), p=pct(first["prob_shortfall"], lang, 1),
            rest=pct(1.0 - mc["quantile"], lang), mean=number(first["expected_shortfall_t"], lang, 1)))
    return lines


def mc_rows(mc: dict) -> list[dict]:
    return list(mc.get("by_stock_days") or [])


# -- the page ----------------------------------------------------------------------------------------

def figure(data: list, title: str, xt: str, yt: str, *, wide: bool = False) -> dict:
    """A Plotly figure: the title at the top left of the chart and the legend (shown also for one
    series) in its own band under it, both clear of the mode bar (top right) and of the tick labels;
    axis labels with room (automargin). ``wide``: the chart spans the page's width (many bars)."""
    fig = {"data": data, "layout": {
        "title": {"text": title, "x": 0, "xref": "container", "xanchor": "left", "y": 1, "yref": "container",
                  "yanchor": "top", "pad": {"t": 10, "l": 12}, "font": {"size": 15}},
        "xaxis": {"title": {"text": xt}, "automargin": True},
        "yaxis": {"title": {"text": yt}, "automargin": True, "tickformat": ",~r"},
        # the top band: title (about 40 px), then the legend, one row per series at most (22 px each)
        "margin": {"t": 52 + 22 * max(1, len(data)), "l": 70, "r": 24, "b": 40}, "showlegend": True,
        "legend": {"orientation": "h", "x": 0, "xanchor": "left", "y": 1.02, "yanchor": "bottom"}}}
    if wide:
        fig["wide"] = True
    return fig


def table_html(rows: list[dict], cols: list[str], fmt: Mapping[str, str] | None = None,
               headers: Mapping[str, str] | None = None, *, nowrap=(), compact: bool = False) -> str:
    """A sortable table of ``rows``; numbers right-aligned with thousands separators (``fmt``: the
    digits per column, a Python format spec), texts escaped, lists joined; ``headers`` label the
    columns; the text columns in ``nowrap`` (dates, countries) never wrap; ``compact``: as wide as
    its content (a short table of figures), not the page."""
    fmt = fmt or {}
    headers = headers or {}

    def cell(c, v):
        if v is None or (isinstance(v, float) and not math.isfinite(v)):
            return "<td class='na'>–</td>"
        if isinstance(v, (int, float, np.integer, np.floating)) and not isinstance(v, bool):
            return f"<td class='num' data-v='{float(v)!r}'>{format(v, fmt.get(c, ',.1f'))}</td>"
        if isinstance(v, list):
            v = ", ".join(map(str, v))
        return f"<td{' class=nw' if c in nowrap else ''}>{html.escape(str(v))}</td>"

    head = "".join(f"<th>{html.escape(headers.get(c, c))}</th>" for c in cols)
    body = "".join("<tr>" + "".join(cell(c, r.get(c)) for c in cols) + "</tr>" for r in rows)
    cls = "sortable compact" if compact else "sortable"
    return (f"<div class='tablewrap'><table class='{cls}'><thead><tr>{head}</tr></thead><tbody>{body}</tbody>"
            "</table></div>")


#: page CSS beyond the shared report CSS: long words wrap, charts keep their grid cell
EXTRA_CSS = (".tablewrap{max-width:100%;overflow-x:auto}td{overflow-wrap:break-word}td.num,td.nw{white-space:nowrap}"
             "table.compact{width:auto;min-width:50%;margin-bottom:10px}"
             ".grid{grid-template-columns:repeat(auto-fit,minmax(480px,1fr))}.grid>.chart{min-width:0;min-height:420px}"
             ".grid>.chart.wide{grid-column:1/-1;min-height:460px}p{overflow-wrap:break-word}h3{margin-top:18px}")


def render_html(title: str, sections: list[tuple[str, str, list[dict]]], *, banner: str = "",
                lang: str = "en") -> str:
    """A self-contained page: inline plotly.js, figures as JSON dicts, no network reference.

    ``title``, ``h`` and ``banner`` are text (escaped here); a section's ``body`` is HTML built with
    :func:`table_html` or escaped by the caller; the figures are embedded with
    :func:`critmin.report.html.script_json` (no string in them can end the script element).
    """
    from .html import CFG_JS, CSS, SORT_JS, SVG_JS, offline_plotlyjs, script_json

    parts, figs = [], []
    for h, body, fs in sections:
        divs = []
        for f in fs:
            figs.append({"data": f["data"], "layout": f["layout"]})
            divs.append(f'<div class="chart{" wide" if f.get("wide") else ""}" id="fig{len(figs) - 1}"></div>')
        parts.append(f"<section><h2>{html.escape(h)}</h2>{body}<div class='grid'>{''.join(divs)}</div></section>")
    figjson = script_json(figs, default=float, allow_nan=True)
    stamp = dt.datetime.now().strftime("%Y-%m-%d %H:%M")
    return (f"<!DOCTYPE html><html lang='{html.escape(lang)}'><head><meta charset='utf-8'>"
            f"<title>{html.escape(title)}</title><link rel='icon' href='data:,'>"
            f"<style>{CSS}{EXTRA_CSS}</style><script>{offline_plotlyjs()}</script><script>{SVG_JS}</script>"
            "</head><body>"
            f"<header><h1>{html.escape(title)}</h1><p>critmin, {stamp}</p></header><main>"
            + (f"<section><p><b>{html.escape(banner)}</b></p></section>" if banner else "")
            + "".join(parts)
            + f"</main><script>var FIGS = {figjson};{CFG_JS}FIGS.forEach(function(f, i){{"
              "Plotly.newPlot('fig' + i, f.data, f.layout, CFG);});" + SORT_JS
            + "</script></body></html>")


def shortfall_figure(res: dict, lang: str = "en") -> dict:
    """The shortfall curve of a :func:`~critmin.disruption.simulate` result (stock lines only where present)."""
    from ..disruption import stage_label

    _ = translator(lang)
    c = res["curve"]
    data = [{"type": "scatter", "mode": "lines", "name": _("supply lost (cumulative)"), "x": c["day"],
             "y": c["lost_t"]}]
    if "stock_left_t" in c:
        data.append({"type": "scatter", "mode": "lines", "name": _("stockpile left"), "x": c["day"],
                     "y": c["stock_left_t"]})
        data.append({"type": "scatter", "mode": "lines", "name": _("shortfall after the stockpile (cumulative)"),
                     "x": c["day"], "y": c["shortfall_t"]})
    title = _("Shortfall over time: {mineral} ({stage}) into {country}").format(
        mineral=mineral_label(res["mineral"], lang), stage=stage_label(res["stage"], lang),
        country=who(res["country"], lang))
    return figure(data, html.escape(title), _("day of the stop"),
                  _("tonnes ({basis})").format(basis=basis_label(res.get("basis"), lang)))


def cover_figure(res: dict, lang: str = "en", max_days: float | None = None) -> dict:
    """Shortfall left against stockpile days (deterministic; and MC mean/tail when given)."""
    from ..disruption import DAYS_PER_YEAR

    _ = translator(lang)
    annual = res["annual_imports_t"]
    data = []
    if "gross_shortfall_t" in res:
        top = max_days or max(30.0, 1.25 * res["stock_needed_days"])
        d = np.linspace(0, top, 101)
        sf = np.maximum(0.0, res["gross_shortfall_t"] - d * annual / DAYS_PER_YEAR)
        data.append({"type": "scatter", "mode": "lines",
                     "name": _("shortfall, {days}-day stop").format(days=number(res["days"], lang)),
                     "x": d.tolist(), "y": sf.tolist()})
    mc = res.get("monte_carlo") if "gross_shortfall_t" in res else res
    if mc:
        rows = mc["by_stock_days"]
        x = [r["stock_days"] for r in rows]
        data.append({"type": "scatter", "mode": "lines+markers", "name": _("mean shortfall a year (Monte Carlo)"),
                     "x": x, "y": [r["expected_shortfall_t"] for r in rows]})
        data.append({"type": "scatter", "mode": "lines+markers",
                     "name": _("{q} shortfall a year (Monte Carlo)").format(q=pct(mc["quantile"], lang)), "x": x,
                     "y": [r["tail_shortfall_t"] for r in rows]})
    return figure(data, _("Cover against stockpile days"), _("stockpile, days of annual imports"),
                  _("shortfall, tonnes ({basis})").format(basis=basis_label(res.get("basis"), lang)))


def report_html(res: dict, lang: str = "en") -> str:
    """HTML page of a (redacted) simulate/run_scenario result, with its Monte Carlo part if any."""
    from ..disruption import NO_CONFIDENTIAL

    _ = translator(lang)
    e = html.escape
    ja = lang == "ja"
    sections = []
    sc = res.get("scenario")
    if isinstance(sc, dict):
        title = (sc.get("title_ja") if ja else "") or sc.get("title") or ""
        note = (sc.get("note_ja") if ja else "") or sc.get("note") or ""
        assumption = (sc.get("assumption_ja") if ja else "") or sc.get("assumption") or ""
        source = (sc.get("source_ja") if ja else "") or sc.get("source") or ""
        evs = [{**ev, "country": who(ev["country"], lang),
                "measure": (ev.get("measure_ja") if ja else "") or ev.get("measure"),
                "source": (ev.get("source_ja") if ja else "") or ev.get("source")} for ev in sc.get("events") or []]
        body = (f"<p><b>{e(str(title))}</b> <span class='small'>({e(str(sc.get('name') or ''))})</span></p>"
                + (f"<p class='small'>{e(_('assumption'))}: {e(str(assumption))}</p>" if assumption else "")
                + (f"<p class='small'>{e(str(note))}</p>" if note else "")
                + (f"<p class='small'>{e(_('source'))}: {e(str(source))}</p>" if source else "")
                + (table_html(evs, ["date", "country", "measure", "source"], nowrap=("date", "country"),
                              headers={c: col(c, lang) for c in ("date", "country", "measure", "source")})
                   if evs else ""))
        sections.append((_("Scenario"), body, []))
    if "gross_shortfall_t" in res:
        rows = stop_rows(res, lang)
        partners = [{**p, "exporter": who(p["exporter"], lang)} for p in res["partners"]]
        src = ", ".join(res.get("sources", []))
        body = (f"<p>{e(stop_header(res, lang))}</p>"
                + "".join(f"<p class='small'>{e(n)}</p>" for n in stop_notes(res, lang))
                + f"<p class='small'>{e(_('sources'))}: {e(src)}</p>"
                + table_html(rows, ["figure", "value", "unit"], {"value": ",.2f"}, compact=True,
                             headers={c: col(c, lang) for c in ("figure", "value", "unit")})
                + table_html(partners, ["exporter", "imports_t", "share", "fraction_stopped"],
                             {"share": ".3f", "fraction_stopped": ".2f"}, compact=True,
                             headers={c: col(c, lang) for c in ("exporter", "imports_t", "share", "fraction_stopped")}))
        sections.append((_("Export stop"), body, [shortfall_figure(res, lang), cover_figure(res, lang)]))
    mc = res.get("monte_carlo") if "gross_shortfall_t" in res else res
    if mc:
        q = pct(mc["quantile"], lang)
        cols = ["stock_days", "stock_t", "expected_shortfall_t", "tail_shortfall_t", "prob_shortfall"]
        rcols = ["exporter", "imports_t", "share", "g", "restrictions", "lambda", "p_year"]
        rates = [{**r, "exporter": who(r["exporter"], lang)} for r in mc["rates"][:15]]
        body = (f"<p>{e(mc_header(mc, lang))}</p>"
                + "".join(f"<p>{e(s)}</p>" for s in mc_summary(mc, lang))
                + f"<p class='small'>{e(mc_model(mc, lang))}</p><p class='small'>{e(_(mc['rule']))}</p>"
                + table_html(mc["by_stock_days"], cols, {"prob_shortfall": ".4f", "stock_days": ".0f"}, compact=True,
                             headers={c: col(c, lang, q=q) if c == "tail_shortfall_t" else col(c, lang) for c in cols})
                + table_html(rates, rcols, {"share": ".3f", "g": ".3f", "lambda": ".4f", "p_year": ".4f",
                                            "restrictions": "d"}, compact=True, nowrap=("exporter",),
                             headers={c: col(c, lang) for c in rcols}))
        sections.append((_("Monte Carlo: shortfall against stockpile days"), body, [cover_figure(mc, lang)]))
    banner = _(res["confidential_note"]) if res.get("confidential_note") else (
        _(NO_CONFIDENTIAL) if not res.get("confidential") else "")
    title = _("Disruption: {mineral} into {country}").format(mineral=mineral_label(res["mineral"], lang),
                                                             country=who(res["country"], lang))
    return render_html(title, sections, banner=banner, lang=lang)


# -- the workbook ------------------------------------------------------------------------------------

def sheets(doc: dict, lang: str = "en") -> dict[str, pd.DataFrame]:
    """The ``critmin disrupt --format xlsx`` sheets: the export stop's figures, exporters and day-by-day
    path, the Monte Carlo table and rates, the scenario's events, sources and method (headers in ``lang``,
    numbers as numbers)."""
    from ..disruption import stage_label

    _ = translator(lang)
    sh = {k: _(v) for k, v in SHEETS.items()}
    out: dict[str, pd.DataFrame] = {}
    method: list[tuple[str, object]] = []
    sources: list[dict] = []
    stop = doc if "gross_shortfall_t" in doc else None
    mc = (doc.get("monte_carlo") if stop is not None else doc) or None
    head = stop or mc
    method += [(_("importer"), who(head["country"], lang)), (_("mineral"), mineral_label(head["mineral"], lang)),
               (_("stage"), stage_label(head.get("stage"), lang)), (_("trade year"), head.get("year")),
               (_("unit basis"), basis_label(head.get("basis"), lang))]
    if stop is not None:
        rows = stop_rows(stop, lang)
        out[sh["figures"]] = pd.DataFrame({col("figure", lang): [r["figure"] for r in rows],
                                           col("value", lang): [r["value"] for r in rows],
                                           col("unit", lang): [r["unit"] for r in rows],
                                           col("key", lang): [r["key"] for r in rows]})
        out[sh["partners"]] = pd.DataFrame({
            col("exporter", lang): [p["exporter"] for p in stop["partners"]],
            col("exporter_name", lang): [country_name(p["exporter"], lang) for p in stop["partners"]],
            col("imports_t", lang): [float(p["imports_t"]) for p in stop["partners"]],
            col("share", lang): [float(p["share"]) for p in stop["partners"]],
            col("fraction_stopped", lang): [float(p["fraction_stopped"]) for p in stop["partners"]]})
        c = stop.get("curve") or {}
        if c:
            cur = {col("day", lang): c["day"], col("lost_t", lang): c["lost_t"]}
            if "stock_left_t" in c:
                cur[col("stock_left_t", lang)] = c["stock_left_t"]
                cur[col("shortfall_cum_t", lang)] = c["shortfall_t"]
            out[sh["curve"]] = pd.DataFrame(cur)
        method += [(_("rule"), _(stop["rule"]))] + [(_("note"), n) for n in stop_notes(stop, lang)[1:]]
        sources += [{"kind": _("trade data"), "source": s, "url": ""} for s in stop.get("sources", [])]
        sources += [{"kind": _("HS code"), "source": h, "url": ""} for h in stop.get("hs", [])]
    if mc:
        q = pct(mc["quantile"], lang)
        keys = ["stock_days", "stock_t", "expected_shortfall_t", "expected_shortfall_se_t", "tail_shortfall_t",
                "prob_shortfall"]
        out[sh["mc"]] = pd.DataFrame({(col(k, lang, q=q) if k == "tail_shortfall_t" else col(k, lang)):
                                      [float(r[k]) for r in mc["by_stock_days"]] for k in keys})
        rk = [k for k in ("exporter", "imports_t", "share", "g", "g_missing", "restrictions", "lambda", "p_year")
              if mc["rates"] and k in mc["rates"][0]]
        rates = pd.DataFrame({col(k, lang): [r[k] for r in mc["rates"]] for k in rk})
        rates.insert(1, col("exporter_name", lang), [country_name(r["exporter"], lang) for r in mc["rates"]])
        out[sh["rates"]] = rates
        method += [(_("Monte Carlo"), mc_header(mc, lang)), (_("model"), mc_model(mc, lang)),
                   (_("rule"), _(mc["rule"]))] + [(_("result"), s) for s in mc_summary(mc, lang)]
        if stop is None:
            sources += [{"kind": _("trade data"), "source": s, "url": ""} for s in mc.get("sources", [])]
    sc = doc.get("scenario") if isinstance(doc.get("scenario"), dict) else None
    if sc:
        ja = lang == "ja"
        pick = (lambda k: (sc.get(f"{k}_ja") if ja else "") or sc.get(k) or "")
        out[sh["scenario"]] = pd.DataFrame({col("item", lang): [_("name"), _("title"), _("date"), _("assumption"),
                                                                  _("note"), _("source"), _("address")],
                                            col("value", lang): [sc.get("name"), pick("title"), sc.get("date"),
                                                                 pick("assumption"), pick("note"), pick("source"),
                                                                 sc.get("url")]})
        evs = sc.get("events") or []
        if evs:
            out[sh["events"]] = pd.DataFrame({
                col("id", lang): [ev["id"] for ev in evs], col("date", lang): [ev["date"] for ev in evs],
                col("country", lang): [who(ev["country"], lang) for ev in evs],
                col("measure", lang): [(ev.get("measure_ja") if ja else "") or ev["measure"] for ev in evs],
                col("source", lang): [(ev.get("source_ja") if ja else "") or ev["source"] for ev in evs],
                col("url", lang): [ev.get("url", "") for ev in evs]})
        sources += [{"kind": _("scenario"), "source": pick("source"), "url": sc.get("url") or ""}]
        sources += [{"kind": _("event"), "source": (ev.get("source_ja") if ja else "") or ev["source"],
                     "url": ev.get("url", "")} for ev in evs]
    if doc.get("confidential_note"):
        method.append((_("confidentiality"), _(doc["confidential_note"])))
    out[sh["sources"]] = pd.DataFrame({col("item", lang): [s["kind"] for s in sources],
                                       col("source", lang): [s["source"] for s in sources],
                                       col("url", lang): [s["url"] for s in sources]})
    out[sh["method"]] = pd.DataFrame({col("item", lang): [k for k, _v in method],
                                      col("value", lang): [v for _k, v in method]})
    return out


def csv_table(doc: dict, lang: str = "en") -> pd.DataFrame:
    """The ``--format csv`` table: the export stop's figures (and the Monte Carlo table when run alone)."""
    sh = sheets(doc, lang)
    _ = translator(lang)
    return sh[_(SHEETS["figures"])] if "gross_shortfall_t" in doc else sh[_(SHEETS["mc"])]
