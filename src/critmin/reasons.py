"""Reasons, rules and notes of records in the reader's language.

The records keep their ``reason``/``rule``/``note`` text in English (the machine fields that JSON
consumers and tests read). Each such text is built from English templates marked for translation,
joined with ``"; "``::

    from critmin.i18n import N_
    from critmin.reasons import template

    NO_PRICE = template(N_("no price series in the {window}-year window"))
    reason = NO_PRICE.format(window=10)             # the record's English text

and is put into another language where a person reads it (table, report, workbook) with
:func:`translate`: the text is split at ``"; "``, every part is matched against the registered
templates (the longest first; a template may itself hold ``"; "``) and rendered from the
template's translation with the part's values. Values are translated by their placeholder's name:
``{mineral}``/``{group}`` (catalogue names), ``{country}`` (CLDR names), ``{stage}``/``{weigh}``/
``{table}`` (words marked with ``N_``), ``{gap}``/``{basis}``/``{why}`` (a text of this kind
itself). A part that matches no template stays as it is (:func:`unmatched` lists them: the tests
require none for the shipped data).

The texts of :data:`critmin.catalogue.STAGE_GAPS` are translated as whole messages (their Japanese
is in ``assessment.po``).
"""
from __future__ import annotations

import functools
import importlib
import math
import re

from .i18n import N_, check_lang, tr

#: the registered templates (English, with ``{named}`` placeholders)
TEMPLATES: list[str] = []

#: modules whose import registers the templates of the texts they write
PRODUCERS = ("critmin.assessment", "critmin.supply", "critmin.balance", "critmin.indicators.secondary")

#: words filled into templates ({stage}, {weigh}, {table} ...), translated where shown
WORDS = (N_("concentrate"), N_("intermediate"), N_("refined"), N_("chemical"), N_("scrap"),
         N_("contained tonnes"), N_("import value (USD)"), N_("contained tonnes, else value"),
         N_("mine production"), N_("reserves"), N_("refined production"), N_("prices"), N_("trade"))

#: placeholders that hold a text of this kind (translated by :func:`translate` in turn)
_NESTED = ("gap", "basis", "why", "reason", "note")
_FIELD = re.compile(r"\{([A-Za-z_][A-Za-z_0-9]*)\}")
_SEP = {"ja": "；"}


def template(message: str) -> str:
    """Register ``message`` (an English template, marked with ``N_``) and return it."""
    if message not in TEMPLATES:
        TEMPLATES.append(message)
        _compiled.cache_clear()
        translate.cache_clear()         # a text read before may match the new template
    return message


def _regex(message: str) -> re.Pattern:
    out, pos, seen = [], 0, set()
    for m in _FIELD.finditer(message):
        out.append(re.escape(message[pos:m.start()]))
        name = m.group(1)
        # a value holds no '; ' (it separates parts), unless it is a text of this kind itself
        value = ".+?" if name in _NESTED else "(?:(?!; ).)+?"
        out.append(f"(?P={name})" if name in seen else f"(?P<{name}>{value})")
        seen.add(name)
        pos = m.end()
    out.append(re.escape(message[pos:]))
    return re.compile("".join(out), re.DOTALL)


@functools.lru_cache(maxsize=1)
def _compiled() -> tuple:
    for mod in PRODUCERS:
        importlib.import_module(mod)
    from .catalogue import STAGE_GAPS

    literal = {t: None for t in (*STAGE_GAPS.values(), *WORDS)}
    pats = [(t, _regex(t)) for t in TEMPLATES if t not in literal]
    # the most specific first: the most literal characters
    pats.sort(key=lambda tp: -len(_FIELD.sub("", tp[0])))
    return tuple(literal), tuple(pats)


def _value(name: str, value: str, lang: str) -> str:
    if name in ("mineral", "group"):
        from .catalogue import name as mineral_name

        try:
            return mineral_name(value, lang)
        except KeyError:            # an id the catalogue lacks: shown as it is
            return value
    if name == "minerals":
        return ("、" if lang == "ja" else ", ").join(_value("mineral", v, lang) for v in value.split(", "))
    if name == "country":
        from .i18n import country_name

        return country_name(value, lang)
    if name in ("weigh", "table") or name.endswith("stage"):
        return tr(value, lang)
    if name in _NESTED:
        return translate(value, lang)
    if name == "shared":        # "261690 (also gold), 711041 (also ruthenium, osmium)"
        return re.sub(r"[^\s,]+ \(also [^)]*\)", lambda m: _one(m.group(0), lang) or m.group(0), value)
    return value


def _one(part: str, lang: str) -> str | None:
    """``part`` in ``lang``, or None when no template matches it."""
    literal, pats = _compiled()
    if part in literal:
        return tr(part, lang)
    for t, rx in pats:
        m = rx.fullmatch(part)
        if m:
            vals = {k: _value(k, v, lang) for k, v in m.groupdict().items()}
            return tr(t, lang).format(**vals)
    return None


def _parse(text: str, lang: str) -> list[tuple[str, bool]]:
    """The parts of ``text`` (split at '; ', rejoined where a template holds '; '), translated:
    ``(text, matched)`` each; the longest matching part first."""
    pieces = text.split("; ")
    out: list[tuple[str, bool]] = []
    i = 0
    while i < len(pieces):
        for j in range(len(pieces), i, -1):
            hit = _one("; ".join(pieces[i:j]), lang)
            if hit is not None:
                out.append((hit, True))
                i = j
                break
        else:
            out.append((pieces[i], False))
            i += 1
    return out


@functools.lru_cache(maxsize=8192)
def translate(text, lang: str = "en") -> str:
    """A reason, rule or note of a record (English, built from registered templates) in ``lang``.

    >>> translate("no secondary-supply figure or recycling rate", "ja")
    '二次供給量・リサイクル率のデータなし'
    """
    if text is None or (isinstance(text, float) and math.isnan(text)):
        return ""
    text = str(text)
    lang = check_lang(lang)
    if lang == "en" or not text:
        return text
    return _SEP.get(lang, "; ").join(t for t, _ok in _parse(text, lang))


def unmatched(text: str) -> list[str]:
    """The parts of ``text`` no template matches (shown in English in every language)."""
    return [t for t, ok in _parse(str(text), "en") if not ok] if text else []
