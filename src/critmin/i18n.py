"""Languages: message catalogues, country names, numbers and the default language.

Everything a person reads exists in Japanese and English. English is the source language: the code
writes English sentences marked for translation, and the Japanese lives in gettext catalogues,
``src/critmin/locale/ja/LC_MESSAGES/*.po`` (one file per part of the tool, merged on load, read
with Babel). Translators edit the ``.po`` files with any PO editor; ``tests/test_i18n.py`` extracts
every marked message from the code (Babel's extractor) and fails when one has no translation or a
translation drops a ``{placeholder}``.

In code::

    from critmin.i18n import N_, translator

    _ = translator(lang)
    _("{n} minerals assessed").format(n=3)      # → "3 鉱種を評価" with lang="ja"
    REASON = N_("no trade data")                # marked at module level, translated where shown: _(REASON)

Country names come from the Unicode CLDR (via Babel), the maintained source behind most software's
country lists; the former countries some sources still report (USSR, Yugoslavia ...) have no CLDR
name and keep their English one.

The default language (used when a command gets no ``--lang``): ``$CRITMIN_LANG``, else ``lang`` in
the config file (``$CRITMIN_HOME/config.toml`` or the user config directory's ``critmin/config.toml``),
else the locale (``LC_ALL``, ``LC_MESSAGES``, ``LANG``: ``ja_JP.UTF-8`` → ja), else English.
"""
from __future__ import annotations

import functools
import gettext as _gettext
import io
import os
from pathlib import Path
from typing import Callable

from .errors import CritminError

LANGS = ("ja", "en")
DOMAIN_DIR = Path(__file__).parent / "locale"


def N_(message: str) -> str:
    """Mark ``message`` for translation without translating it (module-level constants)."""
    return message


def check_lang(lang: str) -> str:
    """``lang`` normalised ('JA', 'ja_JP' → 'ja'); an unknown one is a clear error."""
    code = (lang or "").strip().lower().replace("-", "_").split("_")[0]
    if code not in LANGS:
        raise CritminError(f"unknown language {lang!r}: use ja or en "
                           "(or set CRITMIN_LANG / `lang` in the config file)")
    return code


@functools.lru_cache(maxsize=None)
def catalogue(lang: str) -> _gettext.NullTranslations:
    """The merged catalogue of ``lang`` (English: the identity)."""
    lang = check_lang(lang)
    folder = DOMAIN_DIR / lang / "LC_MESSAGES"
    files = sorted(folder.glob("*.po")) if folder.is_dir() else []
    if not files:
        return _gettext.NullTranslations()
    from babel.messages.mofile import write_mo
    from babel.messages.pofile import read_po

    merged = None
    for po in files:
        with po.open("rb") as fh:
            cat = read_po(fh, locale=lang, domain=po.stem)
        buf = io.BytesIO()
        write_mo(buf, cat)
        buf.seek(0)
        t = _gettext.GNUTranslations(buf)
        if merged is None:
            merged = t
        else:
            merged._catalog.update(t._catalog)      # one flat catalogue; msgids are unique across files
    return merged


def translator(lang: str) -> Callable[[str], str]:
    """The ``gettext`` function of ``lang``: English text in, the translation out (the English
    itself where the catalogue has none)."""
    return catalogue(lang).gettext


def tr(message: str, lang: str) -> str:
    """``message`` in ``lang`` (one-off form of :func:`translator`)."""
    return catalogue(lang).gettext(message)


# ---- countries -------------------------------------------------------------------------------
_SPECIAL = {"WLD": N_("World"), "OTH": N_("Other countries")}


@functools.lru_cache(maxsize=4096)
def country_name(iso3: str, lang: str = "en") -> str:
    """Display name of an ISO3 code: CLDR's short name in ``lang`` (日本, 韓国, コンゴ民主共和国 …);
    ``WLD``/``OTH`` translated; a code CLDR lacks (former countries) keeps its English name; an
    unknown code is returned as it is."""
    from .countries import iso3_names

    code = str(iso3)
    if code in _SPECIAL:
        return tr(_SPECIAL[code], lang)
    english = iso3_names().get(code, code)
    if check_lang(lang) == "en":
        return english
    iso2 = _iso2().get(code)
    if iso2:
        from babel import Locale

        name = Locale.parse(lang).territories.get(iso2)
        if name:
            return name
    return english


@functools.lru_cache(maxsize=1)
def _iso2() -> dict[str, str]:
    from .countries import converter

    table = converter().data
    return {a3: a2 for a3, a2 in zip(table["ISO3"], table["ISO2"]) if isinstance(a2, str) and len(a2) == 2}


# ---- numbers ---------------------------------------------------------------------------------
def number(x, lang: str = "en", digits: int = 0) -> str:
    """``x`` with the language's thousands separator and ``digits`` decimals; '–' for a missing value."""
    import math

    if x is None or (isinstance(x, float) and math.isnan(x)):
        return "–"
    from babel.numbers import format_decimal

    pattern = "#,##0" + ("." + "0" * digits if digits > 0 else "")
    return format_decimal(x, format=pattern, locale="ja_JP" if check_lang(lang) == "ja" else "en_US")


def money(x, currency: str = "JPY", lang: str = "en") -> str:
    """An amount with its currency (¥1,200,000,000 / US$3,500 …), in the language's format."""
    import math

    if x is None or (isinstance(x, float) and math.isnan(x)):
        return "–"
    from babel.numbers import format_currency

    return format_currency(x, currency, locale="ja_JP" if check_lang(lang) == "ja" else "en_US",
                           currency_digits=True)


# ---- the default language --------------------------------------------------------------------
def config_path() -> Path:
    """The user's config file (``$CRITMIN_HOME/config.toml`` or the user config directory's)."""
    env = os.environ.get("CRITMIN_HOME")
    if env:
        return Path(env) / "config.toml"
    import platformdirs

    return Path(platformdirs.user_config_dir("critmin", appauthor=False)) / "config.toml"


def default_lang() -> str:
    """``$CRITMIN_LANG``, else the config file's ``lang``, else the locale, else ``en``."""
    env = os.environ.get("CRITMIN_LANG")
    if env:
        return check_lang(env)
    p = config_path()
    if p.is_file():
        try:
            import tomllib
        except ModuleNotFoundError:         # Python 3.10: no TOML reader in the standard library
            tomllib = None
        if tomllib is not None:
            try:
                lang = tomllib.loads(p.read_text(encoding="utf-8")).get("lang")
            except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
                raise CritminError(f"{p}: not a valid TOML file ({exc}); fix or delete it") from exc
            if lang:
                try:
                    return check_lang(str(lang))
                except CritminError as exc:
                    raise CritminError(f"{p}: field 'lang': {exc}") from exc
    for var in ("LC_ALL", "LC_MESSAGES", "LANG"):
        v = os.environ.get(var)
        if v:
            return "ja" if v.lower().startswith("ja") else "en"
    return "en"
