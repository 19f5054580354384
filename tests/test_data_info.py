"""`critmin data info` contract and the coverage the foundation issue asks for."""
import json
import subprocess
import sys

import pytest
from typer.testing import CliRunner

from critmin.cli import app


@pytest.fixture(scope="module")
def info():
    r = CliRunner().invoke(app, ["data", "info", "--format", "json"])
    assert r.exit_code == 0, r.output
    return json.loads(r.output)


def _minerals(info, dataset, years=1, countries=1):
    return {c["mineral"] for c in info["coverage"] if c["dataset"] == dataset
            and len(c["years"]) >= years and c["countries"] >= countries}


def test_contract_keys(info):
    assert set(info) >= {"sources", "coverage"}
    for s in info["sources"]:
        assert set(s) >= {"name", "edition", "licence", "sha256"}
    datasets = {"reserves", "mine_production", "refined_production", "trade_concentrate", "trade_refined",
                "price", "recycling"}
    for c in info["coverage"]:
        assert set(c) >= {"mineral", "dataset", "years", "countries", "source"}
        assert c["dataset"] in datasets
        assert c["mineral"] == c["mineral"].lower()


def test_coverage_targets(info):
    assert len(_minerals(info, "reserves", countries=2)) >= 40
    assert len(_minerals(info, "mine_production", years=2, countries=2)) >= 45
    assert len(_minerals(info, "refined_production", countries=2)) >= 10
    assert len(_minerals(info, "trade_concentrate", years=10)) >= 15
    assert len(_minerals(info, "trade_refined", years=10)) >= 20
    assert len(_minerals(info, "price", years=10, countries=0)) >= 30
    assert len(_minerals(info, "recycling", countries=0)) >= 40


def test_wgi_coverage():
    from critmin.data import governance

    g = governance(variables=["pv_estimate"])
    assert g["country"].nunique() >= 200
    assert g["year"].nunique() >= 25


def test_sources_have_checksums(info):
    names = {s["name"] for s in info["sources"]}
    assert {"usgs_mcs", "baci_hs92", "wgi", "pink_sheet"} <= names
    for s in info["sources"]:
        assert isinstance(s["sha256"], str) and len(s["sha256"]) == 64
        assert all(len(v) == 64 for v in s["files"].values())


def test_info_in_a_fresh_process_is_quick_enough_to_answer():
    # not a timing assertion: the command runs in a fresh process and prints valid JSON
    out = subprocess.run([sys.executable, "-m", "critmin.cli", "data", "info", "--format", "json"],
                         capture_output=True, text=True, check=True)
    assert json.loads(out.stdout)["coverage"]


def test_gaps_say_which_codes_would_fill_them():
    from critmin import data

    g = data.gaps("JPN").set_index(["mineral", "stage"])
    zn = g.loc[("zinc", "refined")]
    assert zn["fix"] == "import" and zn["codes"] == ["790111"] and zn["held"] == []
    li = g.loc[("lithium", "concentrate")]
    assert li["fix"] == "none" and "no HS code of their own" in li["reason"]
    assert ("copper", "concentrate") not in g.index                 # Japan's copper ore imports are held
    assert ("copper", "refined") not in g.index


def test_cli_data_gaps_json():
    import json

    from typer.testing import CliRunner

    from critmin.cli import app

    r = CliRunner().invoke(app, ["data", "gaps", "--country", "jpn", "--format", "json"])
    assert r.exit_code == 0, r.output
    doc = json.loads(r.stdout)
    assert doc["country"] == "JPN"
    rows = {(x["mineral"], x["stage"]): x for x in doc["gaps"]}
    assert rows[("tin", "refined")]["codes"] == ["800110"] and rows[("tin", "refined")]["fix"] == "import"


def test_revisions_between_usgs_editions(info):
    rv = info["revisions"]
    assert rv["threshold"] == 0.05 and rv["count"] == len(rv["rows"]) > 100
    assert rv["superseded_rows"] > 0
    # lithium Zimbabwe 2023: MCS2024 3,400 t (estimate) → MCS2025 14,900 t (the store keeps 14,900)
    zwe = [r for r in rv["rows"] if (r["mineral"], r["country"], r["year"]) == ("lithium", "ZWE", 2023)]
    assert len(zwe) == 1
    r = zwe[0]
    assert (r["old_edition"], r["old_value"], r["new_edition"], r["new_value"], r["unit"]) == (
        "MCS2024", 3400.0, "MCS2025", 14900.0, "t")
    assert all(r["change"] is None or abs(r["change"]) > 0.05 for r in rv["rows"])
    assert {r["old_edition"] for r in rv["rows"]} >= {"MCS2022", "MCS2023", "MCS2024", "MCS2025"}


def test_info_table_prints_the_revision_count(info):
    r = CliRunner().invoke(app, ["data", "info"], terminal_width=200)
    assert r.exit_code == 0, r.output
    assert f"revised by more than 5% between editions: {info['revisions']['count']:,}" in r.output


def test_every_licence_text_is_in_japanese_except_licence_names():
    """`critmin data info --lang ja` shows each source's licence text in Japanese (data.po); the
    names of standard licences stay as they are."""
    import importlib
    import pkgutil

    import critmin.sources as pkg
    from critmin.i18n import tr
    from critmin.store import read_manifest

    names = {"CC BY 4.0", "Etalab Open Licence 2.0"}
    licences = {s.get("licence") for s in read_manifest()["sources"]}
    for m in pkgutil.iter_modules(pkg.__path__):
        src = getattr(importlib.import_module(f"critmin.sources.{m.name}"), "SOURCE", None)
        if src is not None:
            licences.add(src.licence)
    assert "Public domain (U.S. Government work)" in licences
    untranslated = sorted(x for x in licences - names if x and tr(x, "ja") == x)
    assert untranslated == []
    assert tr("Public domain (U.S. Government work)", "ja") == "パブリックドメイン（米国政府の著作物）"
