"""What the policy tool says, in the reader's language (issue 13).

The planner (:mod:`.interventions`) writes each intervention's reason and each change it logs as a
:class:`Msg` — an English message marked for translation and its arguments — and keeps the English
text beside it (``why``, ``what``: the JSON output's stable fields). :func:`render` writes a
message in ``ja`` or ``en``: a nested :class:`Msg` is rendered first, :class:`Country` and
:class:`Countries` arguments become country names (CLDR, :func:`critmin.i18n.country_name`), and
every other argument keeps the format given in the message (``{x:,.0f}`` → 4,000).

The labels the tables and reports share — cases, intervention types, displacement rules, column
headers — are here too, marked with ``N_`` and translated where shown.

>>> render(Msg("{n:,.0f} t/yr from {who}", {"n": 4000, "who": Country("AUS")}), "en")
'4,000 t/yr from Australia'
>>> render(Msg("{n:,.0f} t/yr from {who}", {"n": 4000, "who": Country("AUS")}), "ja")
'4,000 t/yr from オーストラリア'
"""
from __future__ import annotations

import math
from typing import Any, NamedTuple

from ..i18n import N_, country_name, money, translator


class Msg(NamedTuple):
    """An English message (marked with ``N_`` where written) and its arguments."""

    text: str
    args: dict = {}


class Country(str):
    """An ISO3 code shown as the country's name."""


class Countries(tuple):
    """ISO3 codes shown as a list of names (the first three, then how many more)."""


def _countries(codes, lang: str, n: int = 3) -> str:
    _ = translator(lang)
    codes = list(codes)
    if not codes:
        return _("nobody (an addition)")
    sep = "、" if lang == "ja" else ", "
    head = sep.join(country_name(c, lang) for c in codes[:n])
    if len(codes) > n:
        return _("{names} and {n} more").format(names=head, n=len(codes) - n)
    return head


def _arg(v: Any, lang: str):
    if isinstance(v, Msg):
        return render(v, lang)
    if isinstance(v, Country):
        return country_name(str(v), lang)
    if isinstance(v, Countries):
        return _countries(v, lang)
    return v


def render(msg, lang: str = "en") -> str:
    """``msg`` (a :class:`Msg`, a list of them joined by '; ', or plain text) in ``lang``."""
    if msg is None:
        return ""
    if isinstance(msg, str):
        return msg
    if isinstance(msg, list):
        return ("；" if lang == "ja" else "; ").join(render(m, lang) for m in msg)
    text, args = msg
    return translator(lang)(text).format(**{k: _arg(v, lang) for k, v in (args or {}).items()})


def partners(moved: dict) -> Countries:
    """The partners of a {partner: amount} dict, the largest first."""
    return Countries(sorted(moved, key=lambda k: -moved[k]))


# ---- labels ----------------------------------------------------------------------------------
CASES = {"before": N_("before"), "after": N_("after"), "after_best": N_("after (best case)"),
         "after_worst": N_("after (worst case)")}
TYPES = {"offtake": N_("offtake"), "new_mine": N_("new mine"), "smelter": N_("domestic smelter"),
         "stockpile": N_("stockpiling"), "substitution": N_("substitution"), "recycling": N_("recycling programme"),
         "supply_shock": N_("supply shock")}
RULES = {"pro_rata": N_("displaced pro rata"), "riskiest_first": N_("displaced riskiest first"),
         "least_risky_first": N_("displaced least risky first"), "none": N_("not displaced (an addition)")}
MEASURES = {"mean": N_("mean of the six scores")}
ATTRIBUTION = {"combined": N_("combined (all interventions on the mineral)"),
               "incremental": N_("incremental, in the order applied (new mines first, then file order)")}

#: column headers of the tables, the workbooks and the report
HEAD = {
    "rank": N_("rank"), "name": N_("intervention"), "type": N_("type"), "mineral": N_("mineral"),
    "mineral_id": N_("mineral id"), "indicator": N_("indicator"), "case": N_("case"),
    "reduction": N_("risk reduction"), "cost": N_("budget"), "cost_units": N_("budget (cost units)"),
    "reduction_per_cost": N_("reduction per cost unit"), "note": N_("note"), "requires": N_("requires"),
    "score_before": N_("score before"), "score_after": N_("score after"), "delta": N_("change"),
    "mean": N_("mean"), "why": N_("why"), "moved": N_("indicators moved"), "changes": N_("what moved"),
    "selected": N_("selected"), "key": N_("item"), "value": N_("value"), "unit": N_("unit"),
    "country": N_("importer"), "year": N_("year"), "currency": N_("currency"), "policy": N_("policy"),
    "measure": N_("risk measure"), "risk_before": N_("risk before"), "risk_after": N_("risk after"),
    "reduction_evaluated": N_("risk reduction (evaluated)"), "reduction_model": N_("risk reduction (model)"),
    "solver": N_("solver"), "mix_cost": N_("budget of the mix"),
}

#: digits of a logged change's figures by unit
_DIGITS = {"1": 3, "t": 0, "kUSD": 0, "days": 0}


def change_text(c: dict, lang: str = "en") -> str:
    """A logged change — ``what: before → after unit`` — with thousands separators (4,000 t, never
    4e+03 t); ``what`` as written in the change (see :func:`critmin.policy.evaluate.effects_text`)."""
    from ..i18n import number

    d = _DIGITS.get(c.get("unit"), 1)
    unit = "" if c.get("unit") == "1" else " " + str(c.get("unit", ""))
    return f"{c['what']}: {number(c['before'], lang, d)} → {number(c['after'], lang, d)}{unit}"


def label(table: dict, key: str, lang: str) -> str:
    """``table[key]`` in ``lang`` (the key itself where the table has none)."""
    return translator(lang)(table[key]) if key in table else str(key)


def measure_label(measure: str, lang: str) -> str:
    """The risk measure's name: the mean of the six scores, or an indicator's name."""
    if measure in MEASURES:
        return label(MEASURES, measure, lang)
    from ..report.labels import INDICATOR_LABELS

    return INDICATOR_LABELS[lang].get(measure, measure)


def case_label(case: str, lang: str) -> str:
    return label(CASES, case, lang)


def budget(x, policy, lang: str = "en") -> str:
    """A budget in cost units as money: ``x × cost_unit`` in the policy's currency ('–' if missing)."""
    if x is None or (isinstance(x, float) and not math.isfinite(x)):
        return "–"
    return money(float(x) * float(getattr(policy, "cost_unit", 1.0)), getattr(policy, "currency", "JPY"), lang)


def rank_note(note: str, requires, lang: str = "en") -> str:
    """A ranking's note in ``lang``: the interventions it needs, or why it is infeasible (the
    error itself stays as written)."""
    _ = translator(lang)
    note = str(note or "")
    if note.startswith("infeasible: "):
        return _("infeasible: {error}").format(error=note[len("infeasible: "):])
    if requires is not None and len(requires):
        return _("needs {names}").format(names=", ".join(requires))
    return note


def significant(values, lo: int = 3, hi: int = 8) -> list[str]:
    """The numbers with as many significant digits (``lo``–``hi``) as it takes for different values
    to read differently: in scientific notation when one of them is below 0.001 or from 10⁶ up, in
    fixed notation otherwise; '–' for a missing value.

    >>> significant([5.2e-05, 2.519e-05, 0.0])
    ['5.20e-05', '2.52e-05', '0']
    >>> significant([0.0104123, 0.0104125, 0.00338])
    ['0.0104123', '0.0104125', '0.00338000']
    """
    xs = [None if v is None or (isinstance(v, float) and math.isnan(v)) else float(v) for v in values]
    finite = [abs(v) for v in xs if v is not None and math.isfinite(v) and v != 0]
    sci = any(a < 1e-3 or a >= 1e6 for a in finite)

    def fmt(v, d):
        if v is None:
            return "–"
        if v == 0:
            return "0"
        if math.isinf(v):
            return "∞" if v > 0 else "−∞"
        if sci:
            return f"{v:.{d - 1}e}"
        return f"{v:,.{max(0, d - 1 - int(math.floor(math.log10(abs(v)))))}f}"

    distinct = {v for v in xs if v is not None}
    for d in range(lo, hi + 1):
        out = [fmt(v, d) for v in xs]
        if len({o for o, v in zip(out, xs) if v is not None}) == len(distinct):
            return out
    return out
