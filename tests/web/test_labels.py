"""The dashboard's words: from the message catalogue (web.po; the words the reports share, from theirs),
the radar's two marks as in the reports (n/a: no such stage; no data: nothing held)."""
from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from critmin.web.i18n import CURVE, FIELDS, UI, labels

PO = Path(__file__).resolve().parents[2] / "src/critmin/locale/ja/LC_MESSAGES/web.po"


def test_labels_shape_and_the_radar_marks():
    en, ja = labels("en"), labels("ja")
    assert set(en) == set(ja) == {"ui", "fields", "curve", "axes", "indicators", "short", "tools", "lang"}
    assert set(en["ui"]) == set(ja["ui"]) == set(UI) | {"switch", "api"}
    assert (en["ui"]["switch"], ja["ui"]["switch"]) == ("日本語", "English")
    # the reports' labels (critmin.report.labels.radar_axes): two different marks
    assert en["axes"]["na"]["import_concentrate"] == "Import stability (concentrate) (n/a)"
    assert en["axes"]["nd"]["import_concentrate"] == "Import stability (concentrate) (no data)"
    from critmin.report.labels import radar_axes

    every = list(en["axes"]["na"])
    assert list(ja["axes"]["na"].values()) == radar_axes(every, "ja", every)
    assert list(ja["axes"]["nd"].values()) == radar_axes(every, "ja")
    assert ja["axes"]["na"] != ja["axes"]["nd"]


def test_every_dashboard_message_of_web_po_is_translated_and_used():
    from critmin.i18n import tr

    held = re.findall(r'^msgid "(.+)"$', PO.read_text(encoding="utf-8"), flags=re.M)
    used = set(UI.values()) | set(FIELDS.values()) | set(CURVE.values())
    assert set(held) <= used, set(held) - used                 # no stale entry
    for m in held:
        assert tr(m, "ja") != m, m
    ja = labels("ja")
    assert (ja["ui"]["whatif"], ja["fields"]["shortfall_t"], ja["curve"]["stock_left_t"]) == (
        "政策シミュレーション", "不足量（t）", "備蓄残量（t）")


def test_pages_carry_the_labels_and_the_importer_name(live):
    r = live.client.get("/mineral/cobalt", params={"lang": "ja", "country": "KOR"})
    assert r.status_code == 200 and "輸入国" in r.text and "韓国 (KOR)" in r.text
    blob = re.search(r'<script type="application/json" id="i18n">(.*?)</script>', r.text, flags=re.S).group(1)
    doc = json.loads(blob)
    assert doc["lang"] == "ja" and doc["axes"] == labels("ja")["axes"] and doc["ui"]["trend"]
    assert 'id="trend"' in r.text


@pytest.mark.filterwarnings("ignore:Using `httpx` with `starlette.testclient`")
def test_the_server_language_is_the_default_of_the_pages(monkeypatch):
    from fastapi.testclient import TestClient

    from critmin.web import Settings, create_app

    monkeypatch.setenv("CRITMIN_LANG", "ja")
    s = Settings.from_env()
    assert s.lang == "ja"
    c = TestClient(create_app(s))
    r = c.get("/")
    assert r.status_code == 200 and '<html lang="ja">' in r.text and "総覧" in r.text
    assert '<html lang="en">' in c.get("/", params={"lang": "en"}).text          # a page asks: it gets
    assert '<html lang="en">' in TestClient(create_app(Settings())).get("/whatif").text
