"""The message catalogues, country names, numbers and the default language (critmin.i18n)."""
from __future__ import annotations

import re
from pathlib import Path

import pytest

from critmin import i18n
from critmin.errors import CritminError

SRC = Path(i18n.__file__).parent
KEYWORDS = {"_": None, "N_": None, "tr": None}
_FIELD = re.compile(r"\{([A-Za-z_][A-Za-z_0-9]*)[^{}]*\}")


def _marked() -> dict[str, str]:
    """Every message marked in the code (Babel's extractor) → where."""
    from babel.messages.extract import extract_from_dir

    found = {}
    for filename, lineno, message, _c, _x in extract_from_dir(
            str(SRC), method_map=[("**.py", "python")], keywords=KEYWORDS):
        if isinstance(message, str):
            found.setdefault(message, f"{filename}:{lineno}")
    return found


def test_every_marked_message_has_a_japanese_translation_with_the_same_placeholders():
    ja = i18n.catalogue("ja")
    marked = _marked()
    assert len(marked) >= 2
    untranslated = [f"{where}: {m!r}" for m, where in marked.items() if ja.gettext(m) == m]
    assert untranslated == [], "add these to a .po file in src/critmin/locale/ja/LC_MESSAGES:\n" + "\n".join(untranslated)
    wrong = [f"{where}: {m!r} → {ja.gettext(m)!r}" for m, where in marked.items()
             if set(_FIELD.findall(m)) != set(_FIELD.findall(ja.gettext(m)))]
    assert wrong == [], "placeholders differ:\n" + "\n".join(wrong)


def test_catalogue_files_parse_and_hold_no_duplicate_message():
    from babel.messages.pofile import read_po

    seen: dict[str, str] = {}
    for po in sorted((SRC / "locale" / "ja" / "LC_MESSAGES").glob("*.po")):
        with po.open("rb") as fh:
            cat = read_po(fh, locale="ja")
        for m in cat:
            if m.id:
                assert m.id not in seen, f"{m.id!r} in both {seen[m.id]} and {po.name}"
                seen[m.id] = po.name
                assert m.string, f"{po.name}: {m.id!r} has an empty translation"
    assert seen["World"] == "common.po"


def test_translator_translates_and_english_is_the_identity():
    assert i18n.tr("World", "ja") == "世界"
    assert i18n.tr("World", "en") == "World"
    assert i18n.translator("ja")("a sentence nobody translated") == "a sentence nobody translated"


@pytest.mark.parametrize("iso3, ja, en", [
    ("JPN", "日本", "Japan"), ("KOR", "韓国", "South Korea"), ("TWN", "台湾", "Taiwan"),
    ("COD", "コンゴ民主共和国(キンシャサ)", "DR Congo"), ("WLD", "世界", "World"), ("OTH", "その他の国", "Other countries"),
])
def test_country_names_come_from_cldr(iso3, ja, en):
    assert i18n.country_name(iso3, "ja") == ja
    assert i18n.country_name(iso3, "en") == en


def test_a_former_country_keeps_its_english_name_and_an_unknown_code_is_returned():
    assert i18n.country_name("SUN", "ja") == i18n.country_name("SUN", "en")
    assert i18n.country_name("XYZ", "ja") == "XYZ"


def test_numbers_and_money():
    assert i18n.number(1234567.891, "ja", 1) == "1,234,567.9"
    assert i18n.number(4000, "en") == "4,000"
    assert i18n.number(float("nan"), "en") == "–"
    assert i18n.money(1.2e9, "JPY", "en") == "¥1,200,000,000"
    assert i18n.money(3500, "USD", "en") == "$3,500.00"


def test_default_language_from_env_config_and_locale(monkeypatch, tmp_path):
    for v in ("CRITMIN_LANG", "LC_ALL", "LC_MESSAGES", "LANG"):
        monkeypatch.delenv(v, raising=False)
    monkeypatch.setenv("CRITMIN_HOME", str(tmp_path))
    assert i18n.default_lang() == "en"
    monkeypatch.setenv("LANG", "ja_JP.UTF-8")
    assert i18n.default_lang() == "ja"
    (tmp_path / "config.toml").write_text('lang = "en"\n', encoding="utf-8")
    assert i18n.default_lang() == "en"                       # the config file over the locale
    monkeypatch.setenv("CRITMIN_LANG", "ja")
    assert i18n.default_lang() == "ja"                       # the environment over the config file
    monkeypatch.delenv("CRITMIN_LANG")
    (tmp_path / "config.toml").write_text('lang = "fr"\n', encoding="utf-8")
    with pytest.raises(CritminError, match=r"config.toml: field 'lang': unknown language 'fr'"):
        i18n.default_lang()
    (tmp_path / "config.toml").write_text('lang = \n', encoding="utf-8")
    with pytest.raises(CritminError, match="not a valid TOML file"):
        i18n.default_lang()


def test_check_lang_normalises_and_refuses():
    assert i18n.check_lang("JA") == i18n.check_lang("ja_JP") == "ja"
    with pytest.raises(CritminError, match="use ja or en"):
        i18n.check_lang("de")
