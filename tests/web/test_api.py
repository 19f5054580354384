"""The REST API against the live server: the same numbers as the CLI JSON, errors that name the field and
the fix, limits enforced, the cache, security headers, and a Schemathesis run of the OpenAPI document.

Hand figures: printed by the CLI on the shipped data (``critmin assess --country JPN --year 2022
--mineral cobalt --format json`` etc.), written here as numbers."""
from __future__ import annotations

import json
import time
from pathlib import Path

import pytest
import yaml

REPO = Path(__file__).resolve().parents[2]
POLICY = yaml.safe_load((REPO / "examples/policies/cobalt_recycling_japan.yaml").read_text(encoding="utf-8"))


def _scores(doc, mineral):
    return {r["indicator"]: r["score"] for r in doc["records"] if r["mineral"] == mineral}


def test_assess_is_the_cli_document_and_cached(live):
    from typer.testing import CliRunner

    from critmin.cli import app

    r = live.client.get("/api/v1/assess", params={"country": "JPN", "year": 2022, "mineral": "cobalt"})
    assert r.status_code == 200 and r.headers["content-type"] == "application/json"
    doc = r.json()
    s = _scores(doc, "cobalt")
    # hand figures (critmin assess --country JPN --year 2022 --mineral cobalt --format json)
    assert s["import_refined"] == pytest.approx(0.18246144754865487, rel=1e-12)
    assert s["reserve_concentration"] == pytest.approx(0.5160321579389966, rel=1e-12)
    assert s["secondary_supply"] == pytest.approx(0.78, rel=1e-12)
    assert s["import_concentrate"] is None
    # the whole document equals the CLI's
    cli = CliRunner().invoke(app, ["assess", "--country", "JPN", "--year", "2022", "--mineral", "cobalt",
                                   "--format", "json"])
    assert cli.exit_code == 0, cli.output
    assert doc == json.loads(cli.stdout)
    # the second answer comes from the result cache, in milliseconds
    t0 = time.perf_counter()
    r2 = live.client.get("/api/v1/assess", params={"country": "JPN", "year": 2022, "mineral": "cobalt"})
    dt = time.perf_counter() - t0
    assert r2.headers["x-critmin-cache"] == "hit" and r2.content == r.content
    assert dt < 0.5, dt


def test_assess_method_choices_and_japanese(live):
    a = live.client.get("/api/v1/assess", params={"country": "JPN", "year": 2022, "mineral": "cobalt",
                                                  "import_variant": "product", "lang": "ja"}).json()
    assert a["method"]["import_variant"] == "product"
    assert "→" in a["minerals"][0]["diagnosis"] and any("\u3040" <= ch <= "\u30ff" for ch in
                                                         a["minerals"][0]["diagnosis"])


@pytest.mark.parametrize("params,field,words", [
    ({"country": "XXX"}, "country", "ISO 3166"),
    ({"year": "abc"}, "year", "whole number"),
    ({"year": 1800}, "year", "≥ 1990"),
    ({"mineral": "unobtainium"}, "mineral", "did you mean"),
    ({"normalisation": "zscore"}, "normalisation", "values listed"),
])
def test_validation_errors_name_the_field_and_fix(live, params, field, words):
    r = live.client.get("/api/v1/assess", params=params)
    assert r.status_code == 422
    d = r.json()["detail"][0]
    assert d["field"] == field
    assert words in (d["msg"] + " " + (d["fix"] or ""))
    assert "Traceback" not in r.text


def test_compare_gaps_info_minerals(live):
    c = live.client.get("/api/v1/compare", params={"country": "JPN", "year": 2022}).json()
    co = {r["method"]: r for r in c["records"] if r["mineral"] == "cobalt"}
    # hand figures (critmin compare --country JPN --year 2022 --format json)
    assert co["meti"]["score"] == pytest.approx(0.6266295452048956, rel=1e-12) and co["meti"]["rank"] == 21
    assert co["eu_crm"]["score"] == pytest.approx(3.7545473538199263, rel=1e-12) and co["eu_crm"]["rank"] == 12
    assert co["geopolrisk"]["score"] == pytest.approx(0.16336121590726593, rel=1e-12)
    g = live.client.get("/api/v1/data/gaps", params={"country": "JPN"}).json()
    zn = [x for x in g["gaps"] if x["mineral"] == "zinc"]
    assert zn == [{"mineral": "zinc", "stage": "refined", "status": "missing", "codes": ["790111"], "held": [], "fix": "import",
                   "reason": zn[0]["reason"]}] and "790111" in zn[0]["reason"]
    info = live.client.get("/api/v1/data/info", params={"country": "JPN"}).json()
    assert info["country"] == "JPN" and {"usgs_mcs", "wgi"} <= {s["name"] for s in info["sources"]}
    m = live.client.get("/api/v1/minerals").json()
    ree = next(x for x in m["minerals"] if x["mineral"] == "rare_earths")
    assert ree["name_ja"] == "レアアース（希土類）"
    from critmin import catalogue

    if hasattr(catalogue, "list_members"):         # the published lists (catalogue/lists.csv)
        assert m["lists"]["jp-stockpile-34"][:3] == ["lithium", "beryllium", "boron"]
    else:                                          # the catalogue's JOGMEC stockpile flag
        assert "rare_earths" in m["lists"]["jogmec_stockpile"]
    assert "copper" in m["lists"]["group:base_metal"] and "rare_earths" not in m["lists"]["group:base_metal"]
    p = live.client.get("/api/v1/minerals/rare_earths/prices", params={"country": "JPN", "year": 2022}).json()
    assert p["series"] and len(p["points"]) > 10 and p["points"][0]["year"] < p["points"][-1]["year"]
    assert live.client.get("/api/v1/minerals/unobtainium/prices").status_code == 404


def test_policy_demand_stockpile_disrupt(live):
    r = live.client.post("/api/v1/policy/evaluate", json={"policy": POLICY})
    assert r.status_code == 200, r.text
    d = r.json()
    # hand figures (critmin policy evaluate examples/policies/cobalt_recycling_japan.yaml --format json)
    assert d["risk"]["before"] == pytest.approx(0.6164455679280496, rel=1e-12)
    assert d["risk"]["after"] == pytest.approx(0.5771496542024688, rel=1e-12)
    assert _scores({"records": d["after"]}, "cobalt")["secondary_supply"] == pytest.approx(0.5949530191650949)
    bad = live.client.post("/api/v1/policy/evaluate", json={"policy": {**POLICY, "interventions": [
        {**POLICY["interventions"][0], "displacement_rate": "lots"}]}})
    assert bad.status_code == 422 and "displacement_rate" in bad.json()["detail"][0]["msg"]
    many = live.client.post("/api/v1/policy/evaluate", json={"policy": {**POLICY, "interventions":
                                                                        POLICY["interventions"] * 13}})
    assert many.status_code == 422 and many.json()["detail"][0]["field"] == "policy.interventions"

    dm = live.client.get("/api/v1/demand", params={"scenario": "seed-ev-1m"}).json()
    cu = [r for r in dm["records"] if r["mineral"] == "copper"]
    assert cu[0]["tonnes"] == 83000.0 and cu[0]["year"] == 2030        # the seed's 1 M EVs: Cu 83,000 t
    assert live.client.get("/api/v1/demand", params={"scenario": "../../etc/passwd"}).status_code == 422
    assert live.client.get("/api/v1/demand", params={"scenario": "no-such"}).status_code == 422

    pl = live.client.get("/api/v1/stockpile/plan", params={"country": "JPN", "mineral": "cobalt"}).json()
    r0 = pl["records"][0]
    # hand figures (critmin stockpile plan --country JPN --mineral cobalt --format json)
    assert (pl["year"], r0["target_days"]) == (2024, 108.0)
    assert r0["target_t"] == pytest.approx(1746.9106838721618, rel=1e-12)
    assert pl["confidential"]["supplied"] is False and "stock_t" not in r0

    ds = live.client.post("/api/v1/disrupt", json={"country": "JPN", "mineral": "rare_earths", "exporter": ["CHN"],
                                                   "days": 90, "stock_days": 30}).json()
    # hand figures (critmin disrupt --country JPN --mineral rare_earths --exporter CHN --days 90 --stock-days 30)
    assert ds["shortfall_t"] == pytest.approx(1952.8029613303536, rel=1e-12)
    assert ds["covered_days"] == pytest.approx(45.36628978819545, rel=1e-12)
    over = live.client.post("/api/v1/disrupt", json={"mineral": "nickel", "monte_carlo": True,
                                                     "sim_years": 10_000_000})
    assert over.status_code == 422 and over.json()["detail"][0]["field"] == "sim_years"
    assert live.client.post("/api/v1/disrupt", json={"mineral": "nickel", "stocks": "x"}).status_code == 422


def test_limits_headers_and_docs(live):
    lim = live.client.get("/api/v1/limits").json()
    big = live.client.post("/api/v1/policy/evaluate", content=b"{" + b" " * (lim["max_body_bytes"] + 1) + b"}",
                           headers={"content-type": "application/json"})
    assert big.status_code == 413 and "limit" in big.json()["detail"][0]["msg"]
    r = live.client.get("/")
    assert r.status_code == 200
    csp = r.headers["content-security-policy"]
    assert "script-src 'self';" in csp and "unsafe-inline" not in csp.split("script-src")[1].split(";")[0]
    assert "frame-ancestors 'none'" in csp
    assert r.headers["x-content-type-options"] == "nosniff" and r.headers["x-frame-options"] == "DENY"
    assert r.headers["referrer-policy"] == "no-referrer"
    assert "access-control-allow-origin" not in live.client.get(
        "/api/v1/limits", headers={"Origin": "https://evil.example"}).headers          # CORS off
    assert "<script>" not in r.text                                                   # no inline script
    js = live.client.get("/static/plotly.min.js", headers={"accept-encoding": "gzip"})
    assert js.status_code == 200 and len(js.content) > 1_000_000
    assert live.client.get("/docs").status_code == 200
    assert live.client.get("/static/../auth.py").status_code == 404
    spec = live.client.get("/api/v1/openapi.json").json()
    assert {"/api/v1/assess", "/api/v1/policy/evaluate", "/api/v1/users/{user}/stocks", "/api/v1/users/{user}/company",
            "/api/v1/minerals/{mineral}/trend", "/api/v1/countries"} <= set(spec["paths"])
    up = spec["paths"]["/api/v1/users/{user}/company"]["post"]["requestBody"]["content"]
    assert {"text/csv", "application/octet-stream"} <= set(up)


def test_pages_escape_user_text(live):
    evil = "<script>alert(1)</script>"
    r = live.client.get("/whatif", params={"policy": evil})
    assert r.status_code == 422                    # rejected by the pattern
    r = live.client.get("/", params={"list": evil, "lang": "ja"})
    assert r.status_code == 200 and evil not in r.text and "&lt;script&gt;" in r.text


# -- property-based: the OpenAPI document, a few examples per operation ------------------------------------

#: the heavy analyses (seconds per random valid call) are exercised above with fixed inputs
HEAVY = ("/api/v1/uncertainty", "/api/v1/compare", "/api/v1/geopolrisk", "/api/v1/policy/rank",
         "/api/v1/policy/optimise", "/api/v1/minerals/{mineral}/trend")


def test_openapi_no_server_error(live):
    """Schemathesis draws requests from the OpenAPI document (4 per operation): none gets a 5xx."""
    schemathesis = pytest.importorskip("schemathesis")
    from hypothesis import HealthCheck, Phase, given, settings

    schema = schemathesis.openapi.from_url(f"{live.url}/api/v1/openapi.json")
    seen = []

    def fuzz(op):
        @given(case=op.as_strategy())
        @settings(max_examples=4, deadline=None, database=None, phases=[Phase.generate],
                  suppress_health_check=list(HealthCheck))
        def run(case):
            r = case.call(base_url=live.url)
            seen.append((op.method, op.path, r.status_code))
            assert r.status_code < 500, (case.method, case.formatted_path, case.query, case.body, r.text[:300])
            assert "Traceback" not in r.text

        run()

    for res in schema.get_all_operations():
        op = res.ok()
        if op.path not in HEAVY:
            fuzz(op)
    assert len({(m, p) for m, p, _ in seen}) >= 20
