"""Dashboard labels in Japanese and English.

The page texts are English messages marked with ``N_`` and translated from the gettext
catalogue (``src/critmin/locale/ja/LC_MESSAGES/web.po``, :mod:`critmin.i18n`); the indicator and
tool names, the radar's axis labels ("n/a" where the stage does not exist, "no data" where
nothing is held) and the words the reports also use come from :mod:`critmin.report.labels` and
its catalogue (the same messages); country names from CLDR (``GET /api/v1/countries``).
"""
from __future__ import annotations

import functools

from ..i18n import N_, translator
from ..report.labels import INDICATOR_LABELS, SHORT, TOOL_LABELS, radar_axes

#: the page texts: key → English message (translated by :func:`labels`)
UI = {
    "title": N_("critmin dashboard"), "overview": N_("Overview"), "mineral": N_("Mineral"),
    "compare": N_("Compare importers"), "whatif": N_("Policy what-if"), "demand": N_("Demand"),
    "disruption": N_("Disruption"), "importer": N_("Importer"), "year": N_("Year"),
    "latest": N_("latest"), "list": N_("Mineral list"), "all": N_("all minerals"), "show": N_("Show"),
    "mean": N_("Mean"), "n": N_("Scored"), "loading": N_("Loading…"),
    "overview_note": N_("Scores 0–1, 1 = highest risk; blank = not assessed. Click a column header to sort."),
    "radar": N_("Risk profile"), "diagnosis": N_("Diagnosis"), "tools": N_("Policy tools"),
    "shares": N_("Country shares"), "price": N_("Price series"), "indicator": N_("Indicator"),
    "value": N_("Value"), "score": N_("Score"), "reason": N_("Reason / rule"),
    "countries": N_("Importers (ISO3, comma-separated)"), "policy": N_("Policy"),
    "interventions": N_("Interventions"), "run": N_("Run"), "before": N_("before"), "after": N_("after"),
    "risk": N_("Risk measure"), "moved": N_("moved"), "why": N_("why"), "scenario": N_("Scenario"),
    "stock_days": N_("Stockpile (days of imports)"), "shortfall": N_("Shortfall"),
    "no_examples": N_("No policy examples found (examples/policies/ of a source checkout)."),
    "demand_note": N_("Demand in the scenario's last year, tonnes, by mineral; the table compares it with "
                      "domestic demand and world production."),
    "disruption_note": N_("Daily imports lost, stock left and shortfall over the stop (no rerouting)."),
    "reserves": N_("Reserves"), "production": N_("Mine production"),
    "imp_conc": N_("Concentrate imports by partner"), "imp_ref": N_("Refined imports by partner"),
    "data_year": N_("data year"), "trend": N_("Indicator trend"),
    "day": N_("day"), "tonnes": N_("tonnes"), "new": N_("new"),
}

#: field labels of the demand table and the disruption figures (API field → English message)
FIELDS = {
    "mineral": N_("Mineral"), "year": N_("Year"), "country": N_("Importer"), "stage": N_("Stage"),
    "days": N_("Days stopped"), "tonnes": N_("Demand (t)"), "domestic_demand_t": N_("Domestic demand (t)"),
    "share_of_domestic": N_("Share of domestic demand"), "world_production_t": N_("World production (t)"),
    "share_of_world": N_("Share of world production"), "annual_imports_t": N_("Annual imports (t)"),
    "cut_share": N_("Share of imports cut"), "shortfall_t": N_("Shortfall (t)"),
    "covered_days": N_("Days covered by the stock"), "stock_needed_t": N_("Stock needed (t)"),
}

#: the disruption curve's series (API key → English message)
CURVE = {"lost_t": N_("Imports lost (t)"), "stock_left_t": N_("Stock left (t)"), "shortfall_t": N_("Shortfall (t)")}


def _axes(lang: str) -> dict[str, dict[str, str]]:
    """The radar axis labels of the reports (:func:`critmin.report.labels.radar_axes`) per indicator:
    ``na`` (the stage does not exist for the mineral) and ``nd`` (no data held)."""
    from ..diagnosis import INDICATORS

    every = list(INDICATORS)
    return {"na": dict(zip(every, radar_axes(every, lang, every))), "nd": dict(zip(every, radar_axes(every, lang)))}


@functools.lru_cache(maxsize=None)
def _labels(lang: str) -> dict:
    _ = translator(lang)
    ui = {k: _(v) for k, v in UI.items()}
    ui["switch"] = "English" if lang == "ja" else "日本語"      # the other language, in its own words
    ui["api"] = "API"
    return {"ui": ui, "fields": {k: _(v) for k, v in FIELDS.items()},
            "curve": {k: _(v) for k, v in CURVE.items()}, "axes": _axes(lang),
            "indicators": INDICATOR_LABELS[lang], "short": SHORT[lang], "tools": TOOL_LABELS[lang], "lang": lang}


def labels(lang: str) -> dict:
    """Everything the page script needs in ``lang`` (``ui``, ``fields``, ``curve``, ``axes``,
    ``indicators``, ``short``, ``tools``, ``lang``)."""
    return _labels(lang)
