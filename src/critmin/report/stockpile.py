"""Stockpile plans and the event catalogue for people: the terminal table, the HTML report and the
Excel sheets of ``critmin stockpile plan``, and the rows of ``stockpile events`` / ``scenarios``,
in ja or en.

The numbers come from :func:`critmin.stockpile.plan` (its JSON keeps English keys and notes);
this module words and lays them out. Sentences are marked for translation; the Japanese is in
``locale/ja/LC_MESSAGES/stockpile.po``. Confidential columns appear only when asked
(``show_confidential``), exactly as in :func:`critmin.stockpile.to_json`.
"""
from __future__ import annotations

import html

import pandas as pd

from ..i18n import N_, number, translator
from .disruption import figure, mineral_label, render_html, table_html, who

#: how the standard consumption was found: (short form in the table, long form)
BASIS = {"apparent": (N_("app."), N_("apparent consumption")),
         "imports": (N_("imp."), N_("the stage's imports")),
         "usgs_salient": ("USGS", N_("USGS salient statistics")),
         "user": (N_("user"), N_("your consumption table")),
         "none": ("-", N_("no data"))}
#: the unit basis of a plan row: suffix in the table, long form
UNIT = {"contained element": ("", N_("contained element")), "gross weight": (N_("(g)"), N_("gross weight")),
        "as supplied": ("", N_("as supplied")), "as reported by USGS": ("", N_("as reported by USGS"))}
MIXED = (N_("(m)"), N_("mixed: contained element and gross weight"))
AS_REPORTED = N_("as reported")

#: column headers: key → label
COLUMNS = {
    "mineral": N_("mineral"), "mineral_id": N_("mineral id"),
    "standard_consumption_t": N_("standard consumption, t/yr"), "target_days": N_("target days"),
    "target_t": N_("target quantity, t"), "risk": N_("risk R"), "importance": N_("importance w"),
    "basis": N_("consumption basis"), "unit_basis": N_("unit basis"), "stage": N_("stage"),
    "years": N_("years averaged"), "n_years": N_("number of years"), "imports_t": N_("imports, t/yr"),
    "exports_t": N_("exports, t/yr"), "production_t": N_("domestic production, t/yr"),
    "balance_t": N_("balance, t/yr"), "imputed_t": N_("imputed from unit values, t/yr"),
    "risk_rule": N_("how R was found"), "reason": N_("note"), "stock_t": N_("stock held, t"),
    "stock_days": N_("stock held, days"), "gap_t": N_("gap to target, t"), "locations": N_("locations"),
    "confidential_target_days": N_("official target days"), "confidential_target_t": N_("official target, t"),
    "sources": N_("sources"),
}
#: the terminal table's short headers
SHORT = {"mineral": N_("mineral"), "cons": N_("cons. t"), "basis": N_("basis / stage"), "yrs": N_("yrs"),
         "R": "R", "w": "w", "days": N_("target days"), "target": N_("target t"), "stock": N_("stock t"),
         "stock_d": N_("stock d"), "gap": N_("gap t")}

PLAN_TITLE = N_("Stockpile plan, {country} {year} (standard consumption = {window}-year mean)")
LEGEND = N_("cons. = standard consumption (app. = apparent consumption; imp. = the stage's imports where exports "
            "exceed imports + production in every year); quantities in contained element unless (g) gross weight "
            "or (m) mixed; R = risk score; w = importance weight; yrs = years averaged.")
METHOD = N_("R = mean of the assessment's production concentration and import stability (concentrate, refined) "
            "scores; w = industrial-importance weight. Apparent consumption = domestic production + imports - "
            "mirror exports at the mineral's refined stage (else concentrate, else chemical), in contained tonnes "
            "where the HS code's basis converts; value-only flows are counted through quantities imputed from unit "
            "values; years whose exports exceed imports + production are left out, and where every year does, the "
            "stage's imports stand in.")


def col(key: str, lang: str) -> str:
    return translator(lang)(COLUMNS[key])


def stage_text(stage, lang: str) -> str:
    from ..disruption import stage_label

    if stage == "as reported":
        return translator(lang)(AS_REPORTED)
    return stage_label(stage, lang) if stage else ""


def unit_text(unit_basis: str, lang: str, short: bool = False) -> str:
    _ = translator(lang)
    pair = MIXED if str(unit_basis).startswith("mixed") else UNIT.get(unit_basis)
    if pair is None:
        return "" if short else str(unit_basis or "")
    text = pair[0] if short else pair[1]
    return _(text) if text else ""


def basis_text(basis: str, lang: str, short: bool = False) -> str:
    pair = BASIS.get(basis)
    if pair is None:
        return str(basis or "")
    text = pair[0] if short else pair[1]
    return translator(lang)(text) if text not in ("USGS", "-") else text


def rule_text(doc: dict, lang: str) -> str:
    """The target rule of a plan document (:func:`critmin.stockpile.to_json`) in ``lang``."""
    from ..stockpile import RULE

    r = doc["rule"]
    return translator(lang)(RULE).format(cap=f"{r['cap_days']:g}", base=f"{r['base_days']:g}",
                                         gain=f"{r['risk_gain']:g}", window=r["window"])


def _num(v, lang: str, digits: int = 0) -> str:
    return "-" if v is None else number(v, lang, digits)


# -- the terminal table ------------------------------------------------------------------------------

def plan_table(doc: dict, lang: str):
    """The rich table of ``critmin stockpile plan`` for a :func:`critmin.stockpile.to_json` document."""
    from rich.table import Table, box

    _ = translator(lang)
    t = Table(title=_(PLAN_TITLE).format(country=who(doc["country"], lang), year=doc["year"],
                                         window=doc["rule"]["window"]),
              box=box.SIMPLE_HEAD, caption=f"{rule_text(doc, lang)}\n{_(LEGEND)}\n{_(doc['confidential']['note'])}",
              caption_justify="left")
    show_w = any(r["importance"] for r in doc["records"])
    keys = ["mineral", "cons", "basis", "yrs", "R"] + (["w"] if show_w else []) + ["days", "target"]
    if doc["confidential"]["shown"]:
        keys += ["stock", "stock_d", "gap"]
    for k in keys:
        t.add_column(_(SHORT[k]) if k not in ("R", "w") else k,
                     justify="left" if k in ("mineral", "basis") else "right", no_wrap=True)
    for r in doc["records"]:
        unit = unit_text(r["unit_basis"], lang, short=True)
        stage = stage_text(r["stage"], lang)
        row = [mineral_label(r["mineral"], lang) if lang != "en" else r["mineral"],
               _num(r["standard_consumption_t"], lang),
               " ".join(x for x in (basis_text(r["basis"], lang, short=True), stage, unit) if x),
               str(r["n_years"]), _num(r["risk"], lang, 2)] + (
            [_num(r["importance"], lang, 1)] if show_w else []) + [
            _num(r["target_days"], lang), _num(r["target_t"], lang)]
        if doc["confidential"]["shown"]:
            row += [_num(r.get("stock_t"), lang), _num(r.get("stock_days"), lang), _num(r.get("gap_t"), lang)]
        t.add_row(*row)
    return t


# -- the HTML report ---------------------------------------------------------------------------------

def _people(r: dict, lang: str) -> dict:
    """A plan record with its words in ``lang`` (numbers untouched)."""
    from ..reasons import translate
    from ..stockpile import RISK_ALL, RISK_GEO, RISK_NONE, RISK_NOT_GIVEN, RISK_USER

    _ = translator(lang)
    known = {RISK_GEO, RISK_ALL, RISK_NONE, RISK_USER, RISK_NOT_GIVEN}
    out = dict(r)
    out["mineral_id"] = r["mineral"]
    out["mineral"] = mineral_label(r["mineral"], lang)
    out["basis"] = basis_text(r["basis"], lang)
    out["unit_basis"] = unit_text(r["unit_basis"], lang)
    out["stage"] = stage_text(r["stage"], lang)
    out["risk_rule"] = _(r["risk_rule"]) if r.get("risk_rule") in known else r.get("risk_rule")
    out["reason"] = translate(r.get("reason") or "", lang)
    out["years"] = " ".join(map(str, r.get("years") or []))
    if "locations" in r:
        out["locations"] = "; ".join(r.get("locations") or [])
    return out


def plan_report(p: pd.DataFrame, *, show_confidential: bool, lang: str = "en") -> str:
    """HTML page of a stockpile plan (confidential columns only when ``show_confidential``): the targets
    (and stocks), then how each standard consumption was found, then the charts."""
    from .. import stockpile as sp

    _ = translator(lang)
    e = html.escape
    doc = sp.to_json(p, show_confidential=show_confidential)
    recs = [_people(r, lang) for r in doc["records"]]
    sep = "、" if lang == "ja" else ", "
    for r in recs:
        r["found"] = sep.join(x for x in (r["basis"], r["stage"], r["unit_basis"]) if x)
    ok = [r for r in recs if r["target_t"] is not None]
    x = [r["mineral"] for r in ok]
    figs = [figure([{"type": "bar", "x": x, "y": [r["target_days"] for r in ok], "name": _("target days")}],
                   _("Target days per mineral"), "", _("days"), wide=True),
            figure([{"type": "bar", "x": x, "y": [r["target_t"] for r in ok], "name": _("target quantity")}],
                   _("Target quantity per mineral"), "", _("tonnes (basis per row)"), wide=True)]
    for f in figs:          # one bar per mineral: labels upright-rotated so that none overlaps the next
        f["layout"]["xaxis"]["tickangle"] = -90
    show_w = any(r["importance"] for r in recs)
    targets = ["mineral", "standard_consumption_t", "found", "n_years", "risk"] + (["importance"] if show_w else []) + [
        "target_days", "target_t"]
    if doc["confidential"]["shown"]:
        targets += ["stock_t", "stock_days", "gap_t", "locations"]
        figs.append(figure([{"type": "bar", "x": x, "y": [r["target_days"] for r in ok], "name": _("target days")},
                            {"type": "bar", "x": x, "y": [r.get("stock_days") for r in ok],
                             "name": _("stock held, days")}],
                           _("Stock held against target (CONFIDENTIAL)"), "", _("days"), wide=True))
        figs[-1]["layout"]["xaxis"]["tickangle"] = -90
    found = ["mineral", "imports_t", "exports_t", "production_t", "imputed_t", "reason"]
    heads = {c: col(c, lang) for c in COLUMNS}
    heads["found"] = _("how the standard consumption was found")
    digits = {"risk": ".2f", "importance": ".2f", "target_days": ".0f", "n_years": "d", "stock_days": ".0f"}
    digits.update({c: ",.0f" for c in ("standard_consumption_t", "target_t", "imports_t", "exports_t",
                                      "production_t", "imputed_t", "stock_t", "gap_t")})
    body = (f"<p>{e(rule_text(doc, lang))}</p><p class='small'>{e(_(METHOD))}</p>"
            + f"<h3>{e(_('Targets'))}</h3>" + table_html(recs, targets, digits, headers=heads, nowrap=("mineral",))
            + f"<h3>{e(_('How the standard consumption was found (window means)'))}</h3>"
            + table_html(recs, found, digits, headers=heads, nowrap=("mineral",)))
    title = _("Stockpile plan: {country} {year}").format(country=who(doc["country"], lang), year=doc["year"])
    return render_html(title, [(_("Plan"), body, figs)], banner=_(doc["confidential"]["note"]), lang=lang)


# -- the workbook ------------------------------------------------------------------------------------

SHEETS = {"plan": N_("stockpile plan"), "sources": N_("sources"), "method": N_("method")}


def plan_sheets(p: pd.DataFrame, *, show_confidential: bool, lang: str = "en",
                manifest: dict | None = None) -> dict[str, pd.DataFrame]:
    """The ``critmin stockpile plan --format xlsx`` sheets: the plan (one row per mineral, numbers as
    numbers, headers in ``lang``), its sources and its method."""
    from .. import stockpile as sp

    _ = translator(lang)
    doc = sp.to_json(p, show_confidential=show_confidential)
    recs = [_people(r, lang) for r in doc["records"]]
    keys = ["mineral_id", "mineral", "standard_consumption_t", "target_days", "target_t", "risk", "importance",
            "basis", "stage", "unit_basis", "years", "n_years", "imports_t", "exports_t", "production_t",
            "balance_t", "imputed_t", "risk_rule", "reason"]
    keys += [c for c in ("stock_t", "stock_days", "gap_t", "locations", "confidential_target_days",
                         "confidential_target_t") if doc["records"] and c in doc["records"][0]]
    numeric = {"standard_consumption_t", "target_days", "target_t", "risk", "importance", "imports_t", "exports_t",
               "production_t", "balance_t", "imputed_t", "stock_t", "stock_days", "gap_t",
               "confidential_target_days", "confidential_target_t"}
    plan = pd.DataFrame({col(k, lang): pd.Series([r.get(k) for r in recs], dtype=float if k in numeric else object)
                         for k in keys})
    plan[col("n_years", lang)] = pd.array([r["n_years"] for r in recs], dtype="Int64")
    src = pd.DataFrame({col("mineral", lang): [r["mineral"] for r in recs],
                        col("sources", lang): [r.get("sources") or "" for r in recs]})
    if manifest:
        man = pd.DataFrame({col("mineral", lang): "", col("sources", lang): [
            f"{s.get('id')}: {s.get('name')} ({', '.join(map(str, s.get('editions') or []))}); {s.get('licence')}; "
            f"{s.get('url') or ''}".strip() for s in manifest.get("sources", [])]})
        src = pd.concat([src, man], ignore_index=True)
    r = doc["rule"]
    method = [(_("importer"), who(doc["country"], lang)), (_("plan year"), doc["year"]),
              (_("rule"), rule_text(doc, lang)), (_("base days"), r["base_days"]), (_("risk gain"), r["risk_gain"]),
              (_("upper bound on target days"), r["cap_days"]), (_("years averaged"), r["window"]),
              (_("risk indicators"), ", ".join(r["risk_indicators"])), (_("method"), _(METHOD)),
              (_("confidentiality"), _(doc["confidential"]["note"]))]
    meth = pd.DataFrame({_("item"): [k for k, _v in method], _("value"): [v for _k, v in method]})
    return {_(SHEETS["plan"]): plan, _(SHEETS["sources"]): src, _(SHEETS["method"]): meth}


# -- the event catalogue and the scenarios ---------------------------------------------------------

ALL_MINERALS = N_("all minerals")


def event_rows(ev: pd.DataFrame, lang: str) -> list[dict]:
    """The event catalogue as people read it: date, country (→ the importer a measure is aimed at),
    mineral, stage, type and measure in ``lang``."""
    from ..disruption import EVENT_TYPE_LABELS as EVENT_TYPES
    from ..disruption import stage_label

    _ = translator(lang)
    rows = []
    for r in ev.itertuples(index=False):
        country = who(r.country, lang) + (f" (→ {who(r.target, lang)})" if isinstance(r.target, str) and r.target
                                          else "")
        rows.append({"date": str(r.date), "country": country,
                     "mineral": _(ALL_MINERALS) if r.mineral == "all" else mineral_label(r.mineral, lang),
                     "stage": stage_label(r.stage, lang),
                     "type": _(EVENT_TYPES[r.type]) if r.type in EVENT_TYPES else r.type,
                     "measure": (r.measure_ja if lang == "ja" and r.measure_ja else r.measure)})
    return rows


EVENT_COLUMNS = {"date": N_("date"), "country": N_("country"), "mineral": N_("mineral"), "stage": N_("stage"),
                 "type": N_("type"), "measure": N_("measure")}


def scenario_lines(t: pd.DataFrame, lang: str, as_of: str | None) -> list[str]:
    """The lines of ``critmin disrupt --scenario list`` (a :func:`critmin.disruption.scenario_table`)."""
    from ..disruption import stage_label

    _ = translator(lang)
    ja = lang == "ja"
    out = []
    for r in t.itertuples(index=False):
        cuts = ", ".join(f"{who(c.split()[0], lang)} {c.split()[1]}" for c in r.cuts.split(", "))
        out.append(f"{r.name:28s} {r.date or '':10s} " + _(
            "{mineral}/{stage} into {importer}, {cuts}, {days} days: {title}").format(
            mineral=mineral_label(r.mineral, lang), stage=stage_label(r.stage, lang) if r.stage else _("auto"),
            importer=who(r.importer, lang), cuts=cuts, days=number(r.days, lang),
            title=(r.title_ja if ja else r.title)))
        source = r.source_ja if ja else r.source
        if source:
            out.append(f"{'':28s} " + _("source: {source}").format(source=source)
                       + (f" <{r.url}>" if r.url else ""))
    if as_of:
        out.append(_("event catalogue as of {date}; run one: critmin disrupt --scenario NAME").format(date=as_of))
    return out
