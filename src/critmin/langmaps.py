"""Per-language mappings built from the message catalogues.

Older modules hand out their words as ``{lang: {key: text}}`` (``UI[lang]["title"]``,
``INDICATOR_LABELS[lang][indicator]`` …). :class:`ByLang` keeps that shape while the words live
in the gettext catalogues: the code holds the English (marked with ``N_``), ``ByLang(english)[lang]``
is the same mapping with every text translated by :func:`critmin.i18n.tr` (built once per
language). A value may be a text, a tuple of texts, or a nested mapping of them.
"""
from __future__ import annotations

from collections.abc import Mapping

from .errors import CritminError
from .i18n import LANGS, check_lang, tr


def translated(value, lang: str):
    """``value`` (a text, a tuple/list of texts, a mapping of them) in ``lang``."""
    if isinstance(value, str):
        return tr(value, lang)
    if isinstance(value, Mapping):
        return {k: translated(v, lang) for k, v in value.items()}
    if isinstance(value, (tuple, list)):
        return type(value)(translated(v, lang) for v in value)
    return value


class ByLang(Mapping):
    """``{lang: english translated into lang}`` for every language of :data:`critmin.i18n.LANGS`.

    ``overrides[lang]`` replaces the translation of that language (e.g. English column headers
    that stay ids). An unknown language is a ``KeyError`` (as for a dict); ``.get`` works.

    >>> from critmin.i18n import N_
    >>> words = ByLang({"world": N_("World")})
    >>> words["ja"]["world"], words["en"]["world"], sorted(words)
    ('世界', 'World', ['en', 'ja'])
    """

    def __init__(self, english, overrides: dict | None = None) -> None:
        self.english = english
        self._overrides = overrides or {}
        self._cache: dict = {}

    def __getitem__(self, lang):
        if lang not in LANGS:
            try:
                lang = check_lang(lang)
            except CritminError:
                raise KeyError(lang) from None
        if lang not in self._cache:
            self._cache[lang] = (self._overrides[lang] if lang in self._overrides
                                 else translated(self.english, lang))
        return self._cache[lang]

    def __iter__(self):
        return iter(LANGS)

    def __len__(self) -> int:
        return len(LANGS)

    def __repr__(self) -> str:
        return f"ByLang({self.english!r})"
