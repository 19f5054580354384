"""``/api/v1/minerals/{mineral}/flow`` and ``/api/v1/flow/world`` (issue 17) against the live server: the
document of `critmin flow --format json`, its Sankey figure, the statement where nothing can be drawn, and
errors that name the field and the fix.

Hand figures (shipped data): WMD 2024 copper mine production of Chile in 2022 5,330,400 t; USGS MCS 2024
refined copper of Japan 1,550,000 t and of China 11,100,000 t (world 25,900,000 t: China's share
11.1 / 25.9 = 3/7); Japan's copper ore imports (HS 260300) are gross weight, so each partner's tonnes are
its import value ÷ the copper unit value 8.822 kUSD/t (Chile: 3,829,256.721 kUSD → 434,040 t)."""
from __future__ import annotations

import json

import pytest

STAGES = {"mine", "concentrate", "smelting", "refined_import", "refined", "refined_export", "use", "scrap"}


def _cli(*args: str) -> dict:
    from typer.testing import CliRunner

    from critmin.cli import app

    r = CliRunner().invoke(app, ["flow", *args, "--format", "json"])
    assert r.exit_code == 0, r.output
    return json.loads(r.stdout)


def test_copper_flow_is_the_cli_document_with_its_sankey(live):
    r = live.client.get("/api/v1/minerals/copper/flow", params={"country": "JPN", "year": 2022})
    assert r.status_code == 200          # a miss, or a hit when another test of the shared server asked first
    doc = r.json()
    flow = doc["flow"]
    # the CLI's document, whole (critmin flow --mineral copper --country JPN --year 2022 --format json)
    assert flow == _cli("--mineral", "copper", "--country", "JPN", "--year", "2022")
    nodes = {n["id"]: n for n in flow["nodes"]}
    assert nodes["mine:CHL"]["tonnes"] == 5_330_400
    assert nodes["smelt:JPN"]["tonnes"] == 1_550_000 and nodes["smelt:JPN"]["source"] == "usgs_mcs:MCS2024"
    chl = next(li for li in flow["links"] if li["source"] == "mine:CHL" and li["target"] == "conc:JPN")
    assert chl["basis"] == "value_equivalent" and chl["value_kusd"] == pytest.approx(3_829_256.721)
    assert chl["tonnes"] == pytest.approx(3_829_256.721 / 8.822, rel=1e-4)           # value ÷ unit value
    assert {s["stage"]: s["status"] for s in flow["stages"]} == {s: "data" for s in STAGES}
    # the figure: one Sankey node per flow node, each node's id in its customdata; a title; no statement
    assert doc["has_chain"] is True and doc["statement"] is None and doc["why"] == []
    assert doc["title"] == "Material flow — Copper · Japan (JPN) · 2022"
    sk = doc["figure"]["data"][0]
    assert sk["type"] == "sankey" and [c[0] for c in sk["node"]["customdata"]] == list(nodes)
    assert {nodes[i]["stage"] for i in nodes} >= STAGES
    # the second answer from the cache
    r2 = live.client.get("/api/v1/minerals/copper/flow", params={"country": "JPN", "year": 2022})
    assert r2.headers["x-critmin-cache"] == "hit" and r2.content == r.content


def test_copper_flow_in_japanese(live):
    doc = live.client.get("/api/v1/minerals/copper/flow", params={"country": "JPN", "year": 2022,
                                                                  "lang": "ja"}).json()
    assert doc["flow"] == _cli("--mineral", "copper", "--country", "JPN", "--year", "2022", "--lang", "ja")
    assert doc["title"] == "マテリアルフロー — 銅 · 日本 (JPN) · 2022"
    labels = doc["figure"]["data"][0]["node"]["label"]
    assert labels[0] == "チリ (CHL) 5.33 Mt (24%)"                      # 5,330,400 t, 24 % of world mine output
    assert any(lab.startswith("製錬・精製") for lab in labels), labels


def test_a_mineral_without_stage_data_gets_a_statement(live):
    r = live.client.get("/api/v1/minerals/hafnium/flow", params={"country": "JPN", "year": 2022, "lang": "ja"})
    assert r.status_code == 200
    doc = r.json()
    assert doc["has_chain"] is False and doc["figure"] is None and doc["flow"]["nodes"] == []
    assert doc["statement"] == ("描画できるマテリアルフローなし: 2022年の日本のハフニウムのサプライチェーンを通るフローは"
                                "データにない。")
    assert len(doc["why"]) == len(doc["flow"]["stages"]) == 7
    assert doc["why"][1] == "精鉱輸入 (該当なし): ハフニウムはジルコニウム精製の副産物: 鉱石は取引されない"
    en = live.client.get("/api/v1/minerals/hafnium/flow", params={"country": "JPN", "year": 2022}).json()
    assert en["statement"] == ("No material flow to draw: the data hold no flow of hafnium through Japan's chain "
                               "in 2022.")


@pytest.mark.parametrize("path,params,status,field,words", [
    ("/api/v1/minerals/unobtainium/flow", {}, 404, "mineral", "did you mean"),
    ("/api/v1/minerals/copper/flow", {"country": "XXX"}, 422, "country", "ISO 3166"),
    ("/api/v1/minerals/copper/flow", {"country": "ATA"}, 422, "country", "critmin data info"),
    ("/api/v1/minerals/copper/flow", {"year": 1991}, 422, "year", "between 1995 and 2024"),
    ("/api/v1/minerals/copper/flow", {"year": 1800}, 422, "year", "≥ 1990"),
    ("/api/v1/minerals/copper/flow", {"lang": "fr"}, 422, "lang", "values listed"),
    ("/api/v1/flow/world", {"mineral": "unobtainium"}, 422, "mineral", "did you mean"),
    ("/api/v1/flow/world", {}, 422, "mineral", "add this field"),
    ("/api/v1/flow/world", {"mineral": "copper", "year": 2099}, 422, "year", "1995–2024"),
])
def test_flow_errors_name_the_field_and_fix(live, path, params, status, field, words):
    r = live.client.get(path, params=params)
    assert r.status_code == status
    d = r.json()["detail"][0]
    assert d["field"] == field
    assert words in (d["msg"] + " " + (d.get("fix") or ""))
    assert "Traceback" not in r.text


def test_world_flow(live):
    doc = live.client.get("/api/v1/flow/world", params={"mineral": "copper", "year": 2022}).json()
    flow = doc["flow"]
    assert flow["view"] == "world" and flow["country"] is None and doc["has_chain"] is True
    nodes = {n["id"]: n for n in flow["nodes"]}
    assert nodes["refine:CHN"]["tonnes"] == 11_100_000 and nodes["refine:JPN"]["tonnes"] == 1_550_000
    assert nodes["refine:CHN"]["share"] == pytest.approx(3 / 7, abs=1e-6)              # 11.1 / 25.9
    assert nodes["refine:JPN"]["share"] == pytest.approx(1.55 / 25.9, abs=1e-6)
    assert doc["title"] == "Material flow — Copper · World · 2022" and doc["figure"]["data"][0]["type"] == "sankey"
    assert flow == _cli("--mineral", "copper", "--world", "--year", "2022")
    spec = live.client.get("/api/v1/openapi.json").json()
    assert {"/api/v1/minerals/{mineral}/flow", "/api/v1/flow/world"} <= set(spec["paths"])
