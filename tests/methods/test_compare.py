"""compare: the three methods read one supply data; the EU-27 aggregate (issue 11)."""
from __future__ import annotations

import json

import pandas as pd
import pytest
from typer.testing import CliRunner

from critmin.cli import app
from critmin.methods import compare as cmp
from critmin.supply import TRADE_STAGES, SupplyData


def test_three_methods_read_the_identical_supply_data(monkeypatch):
    """compare builds ONE SupplyData; the METI six (assessment), EU CRM and GeoPolRisk all read
    their trade flows from it, and one request always gets the one cached table."""
    import inspect

    methods = ("critmin.assessment", "critmin.methods.eu_crm", "critmin.methods.geopolrisk")
    built, reads = [], []
    init, flows = SupplyData.__init__, SupplyData.flows

    def spy_init(self, *a, **k):
        built.append(self)
        init(self, *a, **k)

    def spy_flows(self, importers=None, **k):
        out = flows(self, importers, **k)
        mods = [f.frame.f_globals.get("__name__", "") for f in inspect.stack()[1:]]
        method = next((m for m in mods if m in methods), "")
        key = (tuple(sorted(importers)) if importers is not None else None,
               tuple(k.get("stages", TRADE_STAGES)), bool(k.get("exports", False)))
        reads.append((id(self), key, id(out), method))
        return out

    monkeypatch.setattr(SupplyData, "__init__", spy_init)
    monkeypatch.setattr(SupplyData, "flows", spy_flows)
    r = cmp.compare("JPN", 2022)
    assert set(r["method"]) == {"meti", "eu_crm", "geopolrisk"}
    assert len(built) == 1                                   # one supply data, no other built
    assert {x[0] for x in reads} == {id(built[0])}           # every read from it
    assert {x[3] for x in reads} == set(methods)             # by each of the three methods
    by_key: dict = {}
    for _, key, out, _ in reads:
        by_key.setdefault(key, set()).add(out)
    assert all(len(v) == 1 for v in by_key.values())         # identical flows tables
    # the METI six and EU CRM read JPN's imports through the same request
    k = (("JPN",), ("concentrate", "refined"), False)
    assert {m for _, key, _, m in reads if key == k} >= {"critmin.assessment", "critmin.methods.eu_crm"}


def test_assess_records_come_from_the_shared_supply():
    import critmin

    sd = SupplyData()
    comp = cmp.components("JPN", 2022, supply=sd)
    a = critmin.assess("JPN", 2022, detail=False, supply=sd)
    assert a.supply is sd
    w = a.records.pivot_table(index="mineral", columns="indicator", values="score", aggfunc="first")
    m = comp["meti"].set_index("mineral")
    assert m["score"].notna().sum() > 30
    pd.testing.assert_series_equal(m.loc[w.index, "import_refined"].rename(None),
                                   w["import_refined"].rename(None), check_names=False)


@pytest.fixture(scope="module")
def eu27_doc():
    res = CliRunner().invoke(app, ["compare", "--country", "EU27", "--year", "2020", "--format", "json"])
    assert res.exit_code == 0, res.output
    return json.loads(res.stdout)


def test_cli_compare_eu27(eu27_doc):
    recs = pd.DataFrame(eu27_doc["records"])
    assert eu27_doc["country"] == "EU27" and eu27_doc["year"] == 2020
    eu = recs[recs["method"] == "eu_crm"]
    assert eu["mineral"].nunique() >= 30 and eu["score"].notna().all()
    assert eu["rank"].min() == 1
    meti = recs[recs["method"] == "meti"]
    assert meti["score"].isna().all() and (meti["note"] == cmp.NOT_FOR_AGGREGATES).all()
    assert recs.loc[recs["method"] == "geopolrisk", "score"].notna().sum() >= 30


def test_eu27_scores_equal_the_eu_crm_module(eu27_doc):
    from critmin.methods import eu_crm

    recs = pd.DataFrame(eu27_doc["records"])
    eu = recs[recs["method"] == "eu_crm"].set_index("mineral")["score"]
    ref = eu_crm.scores("EU27", [2020], ["copper", "cobalt"]).set_index("mineral")["sr"]
    for m in ("copper", "cobalt"):
        assert eu[m] == pytest.approx(ref[m], rel=1e-12)


@pytest.mark.filterwarnings("ignore:Using `httpx` with `starlette.testclient`")
def test_the_api_writes_why_in_the_language_asked():
    """``/api/v1/compare?lang=ja`` (and the server's language when none is asked): the same ranks,
    why the methods disagree in Japanese."""
    pytest.importorskip("fastapi")
    pytest.importorskip("httpx")
    from fastapi.testclient import TestClient

    from critmin.web import Settings, create_app

    c = TestClient(create_app(Settings(lang="ja")))
    ja = c.get("/api/v1/compare", params={"country": "JPN", "year": 2022}).json()
    en = c.get("/api/v1/compare", params={"country": "JPN", "year": 2022, "lang": "en"}).json()
    assert ja["records"] == en["records"]
    why = {d["mineral"]: d["why"] for d in ja["disagreements"]}
    assert why["cobalt"].startswith("EU CRM では上位（12 位）") and "GeoPolRisk では下位（24 位）" in why["cobalt"]
    assert {d["mineral"]: d["why"] for d in en["disagreements"]}["cobalt"].startswith("EU CRM ranks it high (#12)")
