"""The six-indicator assessment on the shipped dataset: the seed's worked examples, golden cases,
stage discipline, missing data, method variants and the JSON contract."""
import json

import numpy as np
import pandas as pd
import pytest
from typer.testing import CliRunner

import critmin
from critmin.assessment import Method
from critmin.cli import app
from critmin.errors import CritminError

IND = ["reserve_concentration", "production_concentration", "import_concentrate", "import_refined",
       "price_volatility", "secondary_supply"]


@pytest.fixture(scope="module")
def result2024():
    return critmin.assess("JPN", 2024)


@pytest.fixture(scope="module")
def jp2024(result2024):
    return result2024.records


@pytest.fixture(scope="module")
def wide2024(jp2024):
    return jp2024.pivot_table(index="mineral", columns="indicator", values="score")


@pytest.fixture(scope="module")
def wide2019():
    r = critmin.assess("JPN", 2019, detail=False).records
    return r.pivot_table(index="mineral", columns="indicator", values="score")


def pct_rank(wide, mineral, ind):
    col = wide[ind].dropna()
    return (col > col[mineral]).sum() / len(col)   # share of minerals scoring strictly higher


# -- the seed's worked examples ---------------------------------------------------------------------

def test_copper_low_relative_to_rare_earths(wide2024):
    cu, ree = wide2024.loc["copper"], wide2024.loc["rare_earths"]
    assert cu["reserve_concentration"] < ree["reserve_concentration"]
    assert cu["production_concentration"] < ree["production_concentration"]
    # rare earths have no concentrate code (stated gap): compare copper's imports with REE refined
    assert cu["import_concentrate"] < ree["import_refined"]
    assert cu["import_refined"] < ree["import_refined"]


def test_rare_earths_among_the_most_exposed(wide2024, wide2019):
    # (by-products such as gallium and germanium, scored on refined production, rank above it)
    assert pct_rank(wide2024, "rare_earths", "production_concentration") <= 0.3
    # refined REE codes mix metals (contained) with compounds (gross): shares are taken of import value,
    # where Vietnam's metal exports weigh more than China's cheap cerium compounds (CHN 38 %, VNM 32 %)
    assert pct_rank(wide2024, "rare_earths", "import_refined") <= 0.5
    # price volatility of the seed's decade (2010-2019: the quota crisis) is in the top 10 %
    assert pct_rank(wide2019, "rare_earths", "price_volatility") <= 0.1
    assert pct_rank(wide2019, "rare_earths", "import_refined") <= 0.55   # value-weighted (see above)


def test_diagnosis_matches_the_seed(result2024):
    d = {m["mineral"]: m for m in result2024.diagnosis}
    assert {"upstream_development", "recycling"} <= set(d["copper"]["tools"])
    assert set(d["rare_earths"]["tools"]) == {"upstream_development", "smelter_support_stockpile",
                                              "substitution", "recycling"}
    assert "substitution" not in d["copper"]["tools"]


# -- golden cases from the data ---------------------------------------------------------------------

def test_reserve_hhi_equals_hand_calculation_from_mcs2025(jp2024):
    import critmin.data as cd

    res = cd.reserves(minerals=["copper"], years=[2024], sources=["usgs_mcs"])
    res = res[res["variable"] == "quantity"]
    chl = res.set_index("country")["value"]["CHL"]
    assert chl == pytest.approx(190_000_000)          # MCS2025: Chile 190,000 kt
    named = res[~res["country"].isin(["OTH", "WLD"])]["value"]
    oth = res.set_index("country")["value"]["OTH"]
    tot = named.sum() + oth
    k = np.ceil((oth / tot) / (named.min() / tot))
    hand = ((named / tot) ** 2).sum() + (oth / tot) ** 2 / k
    rec = jp2024[(jp2024.mineral == "copper") & (jp2024.indicator == "reserve_concentration")].iloc[0]
    assert rec.value == pytest.approx(hand)
    assert rec.inputs["shares"]["CHL"] == pytest.approx(190_000_000 / tot, abs=1e-6)


def test_import_stability_is_sum_of_share_squared_times_g(jp2024):
    rec = jp2024[(jp2024.mineral == "rare_earths") & (jp2024.indicator == "import_refined")].iloc[0]
    sh, g = rec.inputs["shares"], rec.inputs["g"]
    assert sum(sh.values()) == pytest.approx(1.0, abs=1e-4)
    top = sum(sh[c] ** 2 * g[c] for c in g)           # the top partners carry almost all of it
    assert rec.value == pytest.approx(top, rel=0.01)
    assert max(sh, key=sh.get) == "CHN"


# -- stage discipline and missing data ---------------------------------------------------------------

def test_no_stage_code_gives_null_with_reason(jp2024):
    rec = jp2024[(jp2024.mineral == "lithium") & (jp2024.indicator == "import_concentrate")].iloc[0]
    assert pd.isna(rec.score) and "no HS code" in rec.reason


def test_every_missing_import_stage_says_specifically_why(jp2024):
    miss = jp2024[jp2024["indicator"].str.startswith("import") & jp2024["score"].isna()].set_index(
        ["mineral", "indicator"])["reason"]
    assert not miss.str.startswith("no HS code").any(), miss[miss.str.startswith("no HS code")]
    # a code the catalogue knows but the shipped extract lacks: say which and how to fill it
    assert miss[("zinc", "import_refined")].startswith("HS 790111 not in the trade data held")
    assert "critmin data import baci" in miss[("zinc", "import_refined")]
    assert "no refined (metal) stage" in miss[("feldspar", "import_refined")]
    assert "see rare_earths" in miss[("neodymium", "import_concentrate")]
    assert "by-product" in miss[("cadmium", "import_concentrate")]


def test_shared_stage_code_is_named_in_the_rule(jp2024):
    r = jp2024[(jp2024["mineral"] == "platinum_group_metals") & (jp2024["indicator"] == "import_concentrate")]
    assert "shared HS code(s) 261690 (also gold)" in r["rule"].iloc[0]
    cu = jp2024[(jp2024["mineral"] == "copper") & (jp2024["indicator"] == "import_concentrate")]
    assert "shared" not in cu["rule"].iloc[0]


def test_every_missing_score_has_a_reason_and_no_zero_default(jp2024):
    miss = jp2024[jp2024["score"].isna()]
    assert len(miss) and (miss["reason"].str.len() > 10).all()
    assert not (jp2024["score"].notna() & (jp2024["reason"] != "")).any()


def test_refined_imports_of_a_net_exporter_count_domestic_production(jp2024):
    rec = jp2024[(jp2024.mineral == "copper") & (jp2024.indicator == "import_refined")].iloc[0]
    assert rec.inputs["domestic_production"] > 1e6      # Japan refines ~1.5 Mt of copper
    assert rec.score < 0.1


def test_count_of_fully_scored_minerals(wide2024):
    full = wide2024.reindex(columns=IND).notna().all(axis=1)
    # the shipped trade data lack refined codes for lead, zinc, tin, silver, molybdenum ... (see README)
    assert full.sum() >= 9
    assert {"copper", "nickel", "aluminium", "tungsten", "titanium"} <= set(full[full].index)


# -- variants, normalisation, cross product ---------------------------------------------------------

def test_variants_are_selectable_and_recorded():
    base = critmin.assess("JPN", 2024, ["nickel"], detail=False).records
    prod = critmin.assess("JPN", 2024, ["nickel"], import_variant="product").records
    gpr = critmin.assess("JPN", 2024, ["nickel"], detail=False, import_variant="geopolrisk").records
    pick = lambda d: d.set_index("indicator").loc["import_concentrate"]  # noqa: E731
    assert pick(base).value != pick(prod).value != pick(gpr).value
    assert "product" in pick(prod).rule and "product" in set(prod["rule"].str.extract(r"^(\w+)")[0])
    # product form: HHI × share-weighted g
    p = pick(prod)
    assert p.value == pytest.approx(p.inputs["hhi"] * p.inputs["g_weighted_mean"])


def test_minmax_normalisation_spans_zero_to_one():
    r = critmin.assess("JPN", 2024, detail=False, normalisation="minmax").records
    for ind, g in r.groupby("indicator"):
        s = g["score"].dropna()
        assert s.min() == pytest.approx(0.0) and s.max() == pytest.approx(1.0), ind


def test_one_call_for_many_importers_and_years():
    r = critmin.assess(["JPN", "KOR", "DEU"], [2015, 2024], ["copper", "nickel"], detail=False).records
    assert set(r["country"]) == {"JPN", "KOR", "DEU"} and set(r["year"]) == {2015, 2024}
    assert len(r) == 3 * 2 * 2 * 6


def test_bad_method_and_country_errors():
    with pytest.raises(CritminError, match="did you mean 'product'"):
        Method(import_variant="prodcut")
    with pytest.raises(CritminError, match="unknown country code"):
        critmin.assess("JAP")
    with pytest.raises(CritminError, match="did you mean 'copper'"):
        critmin.assess("JPN", 2024, ["coper"])


# -- CLI contract ----------------------------------------------------------------------------------

def test_cli_json_contract(tmp_path):
    r = CliRunner().invoke(app, ["assess", "--format", "json", "--no-report", "-m", "copper",
                                 "-m", "rare_earths", "--year", "2024"])
    assert r.exit_code == 0, r.output
    doc = json.loads(r.stdout)
    assert set(doc) >= {"records", "minerals"}
    assert len(doc["records"]) == 12
    for rec in doc["records"]:
        assert set(rec) >= {"country", "year", "mineral", "indicator", "value", "score", "reason", "rule",
                            "inputs", "sources"}
        assert rec["indicator"] in IND
        assert rec["score"] is None or 0 <= rec["score"] <= 1
        if rec["score"] is None:
            assert rec["reason"]
        if rec["indicator"].startswith("import_") and rec["score"] is not None:
            assert "hhi" in rec["inputs"] and rec["inputs"]["shares"]
    tools = {m["mineral"]: m["tools"] for m in doc["minerals"]}
    assert "smelter_support_stockpile" in tools["rare_earths"]


def test_cli_table_and_csv(tmp_path):
    out = tmp_path / "r.html"
    r = CliRunner().invoke(app, ["assess", "-m", "copper", "--year", "2024", "--out", str(out),
                                 "--trend-years", "3"])
    assert r.exit_code == 0, r.output
    assert "Copper" in r.stdout and out.is_file() and "UP" in r.stdout
    r = CliRunner().invoke(app, ["assess", "-m", "copper", "--format", "csv", "--no-report", "--lang", "ja"])
    assert r.stdout.lstrip("\ufeff").splitlines()[0].startswith("country,year,mineral,indicator,value")


def test_year_outside_the_trade_data_is_a_clear_error():
    from critmin.errors import DataValidationError

    with pytest.raises(DataValidationError, match="expected years 1995–2024"):
        critmin.assess("JPN", 2030)


def test_every_record_has_a_status(jp2024):
    """scored / not_applicable (no HS code can hold the stage) / missing (data not held: the reason
    names the remedy) — issue 12's three kinds, kept apart."""
    assert set(jp2024["status"]) == {"scored", "not_applicable", "missing"}
    assert (jp2024["status"].eq("scored") == jp2024["score"].notna()).all()
    st = jp2024.set_index(["mineral", "indicator"])
    assert st.loc[("gallium", "import_concentrate"), "status"] == "not_applicable"      # by-product
    assert st.loc[("bentonite", "import_refined"), "status"] == "not_applicable"       # industrial mineral
    z = st.loc[("zinc", "import_refined")]
    assert z["status"] == "missing" and "critmin data import baci" in z["reason"]
    assert st.loc[("copper", "import_concentrate"), "status"] == "scored"
    # elements reported only as a group; reserves of by-products
    assert st.loc[("neodymium", "reserve_concentration"), "status"] == "not_applicable"
    assert st.loc[("neodymium", "production_concentration"), "status"] == "not_applicable"
    assert st.loc[("gallium", "reserve_concentration"), "status"] == "not_applicable"
    na = jp2024[jp2024["status"] == "not_applicable"]
    assert not na["indicator"].isin(["price_volatility", "secondary_supply"]).any()
    # a by-product's production concentration is its refined production's (China ~98 % of gallium)
    ga = st.loc[("gallium", "production_concentration")]
    assert ga["status"] == "scored" and "refined production" in ga["rule"] and ga["value"] > 0.9
    full = jp2024[jp2024["status"] != "not_applicable"].groupby("mineral")["status"].agg(
        lambda s: (s == "scored").all())
    assert full.sum() >= 30                    # issue 12: every applicable indicator scored (34)


def test_gallium_production_concentration_is_of_refined_production():
    """Gallium (a by-product: no mine production by country) — USGS MCS 2026 refined production
    2024: CHN 839 t, RUS 6 t, JPN 3 t of a 848 t world total → Σ s² = 0.978956."""
    r = critmin.assess("JPN", 2024, ["gallium"]).records.set_index("indicator")
    pc = r.loc["production_concentration"]
    hand = (839 / 848) ** 2 + (6 / 848) ** 2 + (3 / 848) ** 2
    assert pc["value"] == pytest.approx(hand, rel=1e-9)
    assert pc["inputs"]["shares"]["CHN"] == pytest.approx(839 / 848, abs=1e-6)
    assert pc["sources"] == ["usgs_mcs:MCS2026"]
