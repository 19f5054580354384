"""The supply layer: one set of prepared inputs, with the defects of issue 11 as hand-computed cases.

Each hand figure is computed here straight from the store's rows (SQL), independently of
:mod:`critmin.supply`, and the comment says how.
"""
import json

import numpy as np
import pandas as pd
import pytest
from typer.testing import CliRunner

import critmin
from critmin.cli import app
from critmin.store import default_store
from critmin.supply import SupplyData, contained_tonnes, screen_unit_values, stage_codes
from critmin.units import STOICHIOMETRY, content_factor


@pytest.fixture(scope="module")
def store():
    return default_store()


@pytest.fixture(scope="module")
def jpn2022():
    return critmin.assess("JPN", 2022, ["cobalt", "titanium", "nickel", "lithium", "copper", "germanium",
                                        "gallium"])


def rec(result, mineral, indicator):
    r = result.records
    return r[(r["mineral"] == mineral) & (r["indicator"] == indicator)].iloc[0]


def flow_sum(store, country, year, hs, variable):
    return float(store.sql("""SELECT sum(value) AS x FROM obs WHERE dataset = 'trade' AND country = ?
                              AND partner <> country AND year = ? AND hs = ? AND variable = ?""",
                           [country, year, hs, variable])["x"].iloc[0])


# -- defect 2: gross weight never mixed with contained metal ------------------------------------------

def test_china_copper_concentrate_domestic_share_on_the_value_basis(store):
    """China 2022, HS 2603 (gross ore): shares of import value; domestic mine output (contained Cu)
    valued at the copper price. Hand: WMD 1,925,600 t × Pink Sheet 2022 mean 8,822.37 USD/t =
    USD 16.99 bn against USD 50.33 bn of imports → 0.2524 (gross tonnes gave 0.09)."""
    r = critmin.assess("CHN", 2022, ["copper"])
    c = rec(r, "copper", "import_concentrate")
    assert c.inputs["basis"] == "value"
    imports = flow_sum(store, "CHN", 2022, "260300", "value")                       # kUSD
    prod = store.sql("""SELECT value FROM obs WHERE dataset = 'mine_production' AND source = 'wmd'
                        AND mineral = 'copper' AND country = 'CHN' AND year = 2022""")["value"].iloc[0]
    price = store.sql("""SELECT value FROM obs WHERE dataset = 'price' AND source = 'pink_sheet'
                         AND mineral = 'copper' AND year = 2022""")["value"].iloc[0]  # USD/t
    dom = prod * price / 1000
    assert prod == 1_925_600 and imports == pytest.approx(50_330_121.7, rel=1e-6)
    assert c.inputs["shares"]["domestic"] == pytest.approx(dom / (dom + imports), abs=1e-6)
    assert 0.15 <= c.inputs["shares"]["domestic"] <= 0.45
    assert c.inputs["domestic_production_unit"] == "kUSD" and "pink_sheet" in c.inputs["domestic_valued_at"]


def test_import_records_carry_their_basis(jpn2022):
    r = jpn2022.records
    imp = r[r["indicator"].str.startswith("import_") & r["value"].notna()]
    assert len(imp) and set(imp["inputs"].map(lambda d: d["basis"])) <= {"contained", "value"}
    # refined nickel and lithium are metal/chemical codes: contained; copper ore is gross: value
    assert rec(jpn2022, "nickel", "import_refined").inputs["basis"] == "contained"
    assert rec(jpn2022, "lithium", "import_refined").inputs["basis"] == "contained"
    assert rec(jpn2022, "copper", "import_concentrate").inputs["basis"] == "value"


def test_contained_tonnes_never_converts_gross():
    d = pd.DataFrame({"value": [10.0, 10.0], "unit": ["kt", "t"], "basis": ["gross", "Nb2O5"]})
    out = contained_tonnes(d)
    assert out["t_basis"].tolist() == ["gross", "contained"]
    assert out["t"].tolist() == pytest.approx([10_000.0, 10.0 * STOICHIOMETRY["Nb2O5"][1]])


# -- defect 1: value-only flows are kept ---------------------------------------------------------------

def test_value_only_flows_are_kept_with_an_imputed_quantity(store, jpn2022):
    """Japan 2022 refined nickel (HS 7502.10) comes from the Critical Materials Atlas with values only
    (USD 1.23 bn): the flows are kept and their tonnes imputed from unit values."""
    assert flow_sum(store, "JPN", 2022, "750210", "value") == pytest.approx(1_227_070.108, rel=1e-9)
    sd = SupplyData(minerals=["nickel"])
    f = sd.flows(["JPN"])
    f = f[(f["hs"] == "750210") & (f["year"] == 2022)]
    assert f["v"].sum() == pytest.approx(1_227_070.108, rel=1e-9)
    assert f["q_imputed"].all() and (f["q"] > 0).all()
    ni = rec(jpn2022, "nickel", "import_refined")
    assert ni.inputs["n_flows_imputed"] == len(f) and ni.inputs["total_t"] == pytest.approx(f["q_c"].sum())


# -- defect 3: cobalt's refined stage holds HS 8105.10 -------------------------------------------------

def test_cobalt_refined_stage_counts_unwrought_cobalt(store, jpn2022):
    """Japan 2022: 7,787 t of HS 8105.10 (USD 532 M) beside 1,045 t of oxides (USD 54 M)."""
    assert "810510" in stage_codes("cobalt", "refined")
    co = rec(jpn2022, "cobalt", "import_refined")
    assert "810510" in co.inputs["stage_codes"] and co.score >= 0.1
    assert flow_sum(store, "JPN", 2022, "810510", "quantity") == pytest.approx(7786.571)
    v = flow_sum(store, "JPN", 2022, "810510", "value") + flow_sum(store, "JPN", 2022, "282200", "value")
    assert co.inputs["basis"] == "value"
    assert co.inputs["total_kusd"] == pytest.approx(v, rel=1e-9)          # 585,676 kUSD


# -- defect 4: lithium hydroxide is the monohydrate ---------------------------------------------------

def test_lithium_hydroxide_is_converted_as_the_monohydrate(store, jpn2022):
    f = content_factor("LiOH.H2O")
    assert f == pytest.approx(6.94 / (6.94 + 2 * 15.999 + 3 * 1.008), rel=1e-9)
    assert round(f, 4) == 0.1654
    li = rec(jpn2022, "lithium", "import_refined")
    hand = (flow_sum(store, "JPN", 2022, "282520", "quantity") * f
            + flow_sum(store, "JPN", 2022, "283691", "quantity") * content_factor("Li2CO3"))
    # 35,845.6 t LiOH·H2O → 5,929 t Li; 26,277.0 t Li2CO3 → 4,937 t Li
    assert li.inputs["total_t"] == pytest.approx(hand, rel=1e-9)
    assert hand == pytest.approx(35845.633 * 0.16537 + 26277.031 * 0.18790, rel=1e-3)


# -- defect 5: unit values screened ------------------------------------------------------------------

def test_unit_value_screen_drops_the_titanium_2014_error_row(jpn2022):
    """BACI's titanium unit value 2014 is 35 USD/t (one 45 Mt error row) against a median of ~370:
    dropped. The unit-value series' volatility 2013–2022 falls from > 1 to about 0.2."""
    from critmin.indicators.price import volatility

    sd = jpn2022.supply
    d = sd.price_dropped
    ti = d[(d["mineral"] == "titanium") & (d["year"] == 2014)]
    assert len(ti) == 1 and ti["value"].iloc[0] < 40 and ti["factor"].iloc[0] > 5
    uv = sd.prices[(sd.prices["mineral"] == "titanium") & (sd.prices["source"] == "baci_hs92")]
    w = uv.set_index("year")["value"].sort_index().loc[2013:2022]
    assert 2014 not in w.index
    hand = float(np.std(np.diff(np.log(w.to_numpy())), ddof=1))
    got = volatility(uv, years=[2022], window=10, min_years=6)["value"].iloc[0]
    assert got == pytest.approx(hand, rel=1e-12) and got < 0.5
    raw = pd.concat([uv, ti.drop(columns=["median", "factor"])]).set_index("year")["value"].sort_index()
    assert float(np.std(np.diff(np.log(raw.loc[2013:2022].to_numpy())), ddof=1)) > 1.0
    assert rec(jpn2022, "titanium", "price_volatility").value < 0.5


def test_screen_keeps_real_price_spikes_of_published_series():
    # the screen applies to unit values only; a five-fold spike within the band is kept
    d = pd.DataFrame({"series": "s", "year": range(2018, 2025), "value": [10., 11, 12, 55, 40, 12, 10]})
    kept, dropped = screen_unit_values(d)
    assert dropped.empty and len(kept) == 7


# -- shared codes: a mineral's own code first ----------------------------------------------------------

def test_own_code_over_shared_code():
    assert stage_codes("germanium", "refined") == ["811230"]
    assert stage_codes("gallium", "refined") == ["811292"]


def test_gallium_and_germanium_imports_differ(jpn2022):
    ga, ge = rec(jpn2022, "gallium", "import_refined"), rec(jpn2022, "germanium", "import_refined")
    assert ga.inputs.get("stage_codes") != ge.inputs.get("stage_codes")
    assert ga.value != ge.value


# -- the result type and the CLI ----------------------------------------------------------------------

def test_assessment_result_round_trips(jpn2022):
    doc = jpn2022.to_json()
    assert len(doc["records"]) == len(jpn2022.records) == 7 * 6
    assert doc["method"]["import_variant"] == "weighted_hhi"
    assert list(jpn2022.rank().columns[-2:]) == ["mean", "n"]
    assert not jpn2022.provenance.empty
    assert jpn2022.to_frame() is not jpn2022.records


def test_json_writes_no_report_unless_out_is_given(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    r = CliRunner().invoke(app, ["assess", "--format", "json", "-m", "cobalt", "--year", "2022"])
    assert r.exit_code == 0, r.output
    assert not (tmp_path / "critmin-report.html").exists()
    doc = json.loads(r.stdout)
    co = [x for x in doc["records"] if x["indicator"] == "import_refined"][0]
    assert "810510" in co["inputs"]["stage_codes"] and co["score"] >= 0.1


# -- defect 6: lithium's price series reaches the assessment year ---------------------------------------

def test_lithium_volatility_reads_the_chained_mcs_prices_not_the_stale_ds140():
    """USGS DS140 ends in 2021; the MCS battery-grade carbonate prices, chained across the 2022–2026
    editions (the later edition's revised figure stands), reach 2025. Window 2015–2024, prices
    (USD/t) 2017 15,000 · 2018 16,000 · 2019 12,100 · 2020 8,600 · 2021 11,700 · 2022 63,700 ·
    2023 39,000 · 2024 11,800 → std (ddof 1) of the 7 log returns = 0.8969 (DS140 gave 0.205)."""
    prices = [15000, 16000, 12100, 8600, 11700, 63700, 39000, 11800]
    hand = float(np.std(np.diff(np.log(prices)), ddof=1))
    assert hand == pytest.approx(0.8969, abs=1e-4)
    r = critmin.assess("JPN", 2024, ["lithium"])
    pv = rec(r, "lithium", "price_volatility")
    assert pv.value == pytest.approx(hand, rel=1e-9) and pv.value >= 0.8
    assert pv.inputs["first_year"] == 2017 and pv.inputs["last_year"] == 2024
    assert "usgs_mcs:MCS2026" in pv.sources and "usgs_mcs:MCS2022" in pv.sources


def test_trade_sums_are_bit_reproducible(tmp_path, monkeypatch):
    """Sums over many flows are exact (DECIMAL), not a parallel float sum whose last bits depend on
    the order the threads finish: two fresh stores give identical unit values and flows."""
    from critmin.store import Store

    monkeypatch.setenv("CRITMIN_HOME", str(tmp_path))     # no shared summary cache
    a = SupplyData(Store(home=tmp_path / "a"), minerals=["nickel", "copper"])
    b = SupplyData(Store(home=tmp_path / "b"), minerals=["nickel", "copper"])
    ua = a._unit_values.sort_values(["hs", "year"]).reset_index(drop=True)
    ub = b._unit_values.sort_values(["hs", "year"]).reset_index(drop=True)
    pd.testing.assert_frame_equal(ua, ub, check_exact=True)
    k = ["mineral", "stage", "hs", "importer", "exporter", "year"]
    fa = a.flows(["JPN"]).sort_values(k).reset_index(drop=True)
    fb = b.flows(["JPN"]).sort_values(k).reset_index(drop=True)
    pd.testing.assert_frame_equal(fa, fb, check_exact=True)


def test_two_fresh_runs_of_assess_json_are_byte_identical(tmp_path):
    import os
    import subprocess
    import sys

    outs = []
    for k in range(2):
        env = dict(os.environ, CRITMIN_HOME=str(tmp_path / f"home{k}"))
        r = subprocess.run([sys.executable, "-m", "critmin.cli", "assess", "--format", "json", "--year", "2022",
                            "-m", "nickel", "-m", "copper", "-m", "cobalt", "-m", "rare_earths"],
                           capture_output=True, env=env, timeout=120)
        assert r.returncode == 0, r.stderr.decode()
        outs.append(r.stdout)
    assert outs[0] == outs[1] and len(outs[0]) > 1000
