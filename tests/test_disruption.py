"""Disruption simulation: hand-computed export stops, scenarios, Monte Carlo against closed forms."""
from __future__ import annotations

import json
import math

import pandas as pd
import pytest
from typer.testing import CliRunner

from critmin import disruption as dr
from critmin.cli import app
from critmin.errors import DataValidationError, UnknownNameError

MIX = {"AUS": 600.0, "CHL": 300.0, "CHN": 100.0}     # a user's own import mix, t/yr


# -- deterministic ---------------------------------------------------------------------------------

def test_stop_path_closed_form():
    r = dr.stop_path(10.0, 30, stock_t=100.0, max_shortfall_t=50.0)
    assert r["gross_shortfall_t"] == 300.0
    assert r["stock_drawn_t"] == 100.0 and r["shortfall_t"] == 200.0
    assert r["covered_days"] == 10.0 and r["stock_cover_days"] == 10.0
    assert r["stock_needed_t"] == 250.0
    big = dr.stop_path(10.0, 30, stock_t=1000.0)
    assert big["shortfall_t"] == 0.0 and big["covered_days"] == 30.0 and big["stock_cover_days"] == 100.0
    c = dr.curve(10.0, 2.5, stock_t=12.0)
    assert c["day"].tolist() == [0.0, 1.0, 2.0, 2.5]
    assert c["shortfall_t"].tolist() == [0.0, 0.0, 8.0, 13.0]


def test_full_stop_hand_computed():
    """Full stop by a partner with share s for D days: s x annual x D/365 minus the stock drawn."""
    r = dr.simulate("JPN", "cobalt", ["AUS"], 73, flows=MIX, stock_days=10)
    s, annual = 0.6, 1000.0
    stock = 10 * annual / 365                                   # 27.397 t
    assert r["gross_shortfall_t"] == pytest.approx(s * annual * 73 / 365)      # 120 t
    assert r["stock_t"] == pytest.approx(stock)
    assert r["shortfall_t"] == pytest.approx(120.0 - stock)                    # 92.603 t
    assert r["covered_days"] == pytest.approx(stock / (s * annual / 365))      # 16.667 days
    assert r["covered_days"] == pytest.approx(10 / 0.6)
    assert r["stock_needed_t"] == pytest.approx(120.0)
    assert r["stock_needed_days"] == pytest.approx(43.8)
    assert r["partners"] == [{"exporter": "AUS", "imports_t": 600.0, "share": 0.6, "fraction_stopped": 1.0}]


def test_partial_and_several_exporters():
    r = dr.simulate("JPN", "cobalt", ["AUS", "CHN"], 100, flows=MIX, share={"AUS": 0.5, "CHN": 1.0},
                    stock_t=50.0, max_shortfall_t=40.0)
    L = (0.5 * 600 + 100) / 365
    assert r["daily_loss_t"] == pytest.approx(L)
    assert r["cut_share"] == pytest.approx(0.4)
    assert r["shortfall_t"] == pytest.approx(L * 100 - 50)
    assert r["stock_needed_t"] == pytest.approx(L * 100 - 40)
    assert r["covered_days"] == pytest.approx(50 / L)
    with pytest.raises(DataValidationError, match="share"):
        dr.simulate("JPN", "cobalt", ["AUS"], 10, flows=MIX, share=1.5)
    with pytest.raises(UnknownNameError):
        dr.simulate("JPN", "cobalt", ["XXZ"], 10, flows=MIX)


def test_full_stop_on_shipped_trade():
    fl = dr.import_flows("JPN", "rare_earths", "refined", 2024)
    s = float(fl.loc[fl["exporter"] == "CHN", "share"].iat[0])
    annual = float(fl["t"].sum())
    assert fl.attrs["year"] == 2024 and fl["share"].sum() == pytest.approx(1.0)
    assert 0.5 < s < 0.8
    r = dr.simulate("JPN", "rare_earths", "CHN", 90, stage="refined", year=2024, stock_days=30)
    assert r["annual_imports_t"] == pytest.approx(annual)
    assert r["gross_shortfall_t"] == pytest.approx(s * annual * 90 / 365)
    assert r["shortfall_t"] == pytest.approx(s * annual * 90 / 365 - 30 * annual / 365)
    assert r["covered_days"] == pytest.approx(30 / s)
    assert r["basis"] and r["hs"] == ["280530", "284610", "284690"]


def test_import_flows_errors():
    with pytest.raises(DataValidationError, match="no recorded concentrate imports"):
        dr.import_flows("JPN", "lithium", "concentrate")
    with pytest.raises(DataValidationError, match="no refined imports of rare_earths by JPN in 1900"):
        dr.import_flows("JPN", "rare_earths", "refined", 1900)


# -- catalogue and scenarios -----------------------------------------------------------------------

def test_event_catalogue_holds_spec_events():
    ev = dr.events().set_index("id")
    assert ev.loc["chn-ree-quota-2010", "type"] == "export_quota"
    assert ev.loc["idn-ore-ban-2014", "date"].isoformat() == "2014-01-12"
    assert ev.loc["idn-nickel-ore-ban-2020", "date"].isoformat() == "2020-01-01"
    assert ev.loc["chn-export-control-law-2020", "date"].isoformat() == "2020-12-01"
    assert ev.loc["cod-cobalt-concentrate-ban-talk-2020", "mineral"] == "cobalt"
    assert {"date", "country", "mineral", "stage", "measure", "source"} <= set(ev.columns)
    assert (ev["source"].str.len() > 0).all()


def test_shipped_scenarios():
    assert dr.scenario_names() == ["china_antimony_2024", "china_gallium_2023", "china_graphite_2023", "china_ree_2010",
                                   "china_ree_magnets_2025", "china_us_antimony_ban_2024", "china_us_gallium_ban_2024",
                                   "drc_cobalt", "indonesia_nickel_2014", "indonesia_nickel_2020"]
    sc = dr.load_scenario("china_ree_2010")
    assert sc.cuts[0].exporter == "CHN" and sc.cuts[0].fraction == 0.4 and sc.days == 365
    r = dr.run_scenario("china_ree_2010", stock_days=60)
    fl = dr.import_flows("JPN", "rare_earths", "refined", 2009)
    s = float(fl.loc[fl["exporter"] == "CHN", "share"].iat[0])
    assert r["year"] == 2009
    assert r["gross_shortfall_t"] == pytest.approx(0.4 * s * fl["t"].sum())      # a year at 40 %
    assert r["scenario"]["events"][0]["id"] == "chn-ree-quota-2010"
    n = dr.run_scenario("indonesia_nickel_2014")
    assert n["stage"] == "concentrate" and n["year"] == 2013 and n["days"] == 1095
    assert n["partners"][0]["share"] > 0.4                                       # Indonesia's ore in 2013
    c = dr.run_scenario("drc_cobalt")
    assert c["country"] == "CHN" and c["stage"] == "refined" and c["gross_shortfall_t"] > 0   # 8105.10 is refined


def test_recent_export_controls_in_catalogue():
    """China's controls of 2023-2025, dated and coded as the cited announcements say."""
    ev = dr.events().set_index("id")
    assert dr.events_as_of() == "2025-11-09"
    ga = ev.loc["chn-gallium-export-control-2023"]
    assert (ga["date"].isoformat(), ga["announced"], ga["type"]) == ("2023-08-01", "2023-07-03", "export_control")
    assert "8112929010" in ga["hs"] and ga["url"].startswith("https://m.mofcom.gov.cn/")
    assert "2825600002" in ev.loc["chn-germanium-export-control-2023", "hs"]             # germanium dioxide
    gr = ev.loc["chn-graphite-export-control-2023"]
    assert (gr["date"].isoformat(), gr["announced"], gr["stage"]) == ("2023-12-01", "2023-10-20", "concentrate")
    assert {"2504101000", "2504109100"} <= set(gr["hs"])                                 # flake, spherical
    sb = ev.loc["chn-antimony-export-control-2024"]
    assert (sb["date"].isoformat(), sb["announced"]) == ("2024-09-15", "2024-08-15") and "2617101000" in sb["hs"]
    us = ev[ev.index.str.startswith("chn-us-ban-") & (ev["type"] == "export_ban")]
    assert sorted(us["mineral"]) == ["antimony", "gallium", "germanium"]
    assert set(us["target"]) == {"USA"} and {d.isoformat() for d in us["date"]} == {"2024-12-03"}
    assert ev.loc["chn-us-ban-suspended-antimony-2025", "type"] == "lifted"
    ree = ev.loc["chn-ree-export-control-2025"]
    assert ree["date"].isoformat() == "2025-04-04" and "dysprosium" in ree["measure"] and "2805301910" in ree["hs"]
    recent = ev[ev["year"] >= 2023]
    assert (recent["url"].str.startswith("https://")).all() and (recent["source"].str.len() > 20).all()
    json.dumps(dr.events().assign(date=lambda d: d["date"].astype(str)).to_dict("records"))   # JSON-ready


def test_recent_scenarios_dated_sourced_and_hand_computed():
    t = dr.scenario_table().set_index("name")
    recent = t[t["date"] >= "2023"]
    assert len(recent) >= 5
    assert (recent["source"].str.len() > 20).all() and recent["url"].str.startswith("https://").all()
    assert (recent["assumption"].str.len() > 50).all()
    assert t.loc["indonesia_nickel_2014", "date"] == "2014-01-12"      # earliest restrictive event
    # gallium 2023: 100 % of China's 2022 flow for 51 days (1 Aug - 20 Sep 2023, first licences 21 Sep)
    r = dr.run_scenario("china_gallium_2023")
    fl = dr.import_flows("JPN", "gallium", "refined", 2022)
    chn = float(fl.loc[fl["exporter"] == "CHN", "t"].iat[0])
    assert r["year"] == 2022 and r["gross_shortfall_t"] == pytest.approx(chn * 51 / 365)
    assert r["scenario"]["date"] == "2023-08-01" and "21 September 2023" in r["scenario"]["assumption"]
    assert r["scenario"]["events"][0]["url"].startswith("https://")
    # antimony 2024: 97 % for 47 days; US ban: 100 % of China's flow to the USA for 341 days
    a = dr.run_scenario("china_antimony_2024")
    fa = dr.import_flows("JPN", "antimony", "refined", 2023)
    assert a["gross_shortfall_t"] == pytest.approx(0.97 * float(fa.set_index("exporter").at["CHN", "t"]) * 47 / 365)
    u = dr.run_scenario("china_us_antimony_ban_2024")
    assert u["country"] == "USA" and u["days"] == 341 and u["partners"][0]["fraction_stopped"] == 1.0


def test_cli_runs_every_recent_scenario():
    recent = dr.scenario_table().query("date >= '2023'")["name"]
    for n in recent:
        r = CliRunner().invoke(app, ["disrupt", "--scenario", n, "--format", "json"])
        assert r.exit_code == 0, (n, r.output)
        d = json.loads(r.stdout)
        assert d["scenario"]["name"] == n and d["gross_shortfall_t"] > 0 and d["scenario"]["source"]


def test_bad_scenario_file(tmp_path):
    p = tmp_path / "s.yaml"
    p.write_text("name: x\nmineral: cobalt\ndays: -3\ncuts: [{exporter: COD}]\n")
    with pytest.raises(DataValidationError, match="days") as e:
        dr.load_scenario(p)
    assert e.value.file == str(p)
    p.write_text("name: x\nmineral: cobalt\ndays: 3\ncuts: [{exporter: COD}]\nevents: [nope]\n")
    with pytest.raises(DataValidationError, match="unknown event id"):
        dr.load_scenario(p)
    with pytest.raises(UnknownNameError, match="did you mean 'china_ree_2010'"):
        dr.load_scenario("china_ree_201")


# -- Monte Carlo -----------------------------------------------------------------------------------

def test_event_rates_formula():
    ev = pd.DataFrame({"country": ["AAA", "AAA", "AAA", "BBB"], "mineral": ["nickel", "all", "copper", "nickel"],
                       "type": ["export_ban", "export_control", "export_ban", "royalty"],
                       "year": [2010, 2015, 2019, 2012]})
    r = dr.event_rates(["AAA", "BBB", "CCC"], {"AAA": 0.5, "BBB": 0.2}, ev, "nickel").set_index("exporter")
    assert r.loc["AAA", "restrictions"] == 2 and r.loc["BBB", "restrictions"] == 0   # royalty is no restriction
    assert r.loc["AAA", "lambda"] == pytest.approx((2 + 10 * 0.1 * 0.5) / (10 + 10))
    assert r.loc["BBB", "lambda"] == pytest.approx(0.2 / 20)
    assert r.loc["CCC", "g"] == 1.0 and r.loc["CCC", "g_missing"]                    # missing = worst
    assert r.loc["AAA", "p_year"] == pytest.approx(1 - math.exp(-0.125))


def test_mc_matches_closed_form_single_partner():
    """One partner, Poisson events of fixed length: E[max(0, X - S)] has a closed form."""
    m, lam, D, cut = 1000.0, 0.3, 60.0, 1.0
    losses = dr.simulate_losses([m], [lam], n_years=400_000, duration_days=D, duration="fixed", seed=11)
    tab = dr.shortfall_table(losses, m, stock_days=[0, 30, 60, 90])
    for _, r in tab.iterrows():
        exact = dr.expected_shortfall_fixed(m, lam, cut, D, r["stock_t"])
        assert abs(r["expected_shortfall_t"] - exact) < 4 * r["expected_shortfall_se_t"], (r["stock_days"], exact)
        assert r["expected_shortfall_t"] == pytest.approx(exact, rel=0.02)
    # S = 0: E[X] = lambda x M x D/365 (cap never binds at these rates to 1e-9)
    assert tab["expected_shortfall_t"].iat[0] == pytest.approx(lam * m * D / 365, rel=0.01)
    # P(shortfall | S = 0) = P(N >= 1) = 1 - exp(-lambda)
    assert tab["prob_shortfall"].iat[0] == pytest.approx(1 - math.exp(-lam), abs=0.003)
    # S = 90 days > one event: P(shortfall) = P(N >= 2)
    assert tab["prob_shortfall"].iat[3] == pytest.approx(1 - math.exp(-lam) * (1 + lam), abs=0.002)


def test_mc_exponential_durations_closed_form():
    """Exponential durations, S = 0, rare events: E[X] = M lambda mu / 365 (cap effect < 0.1 %)."""
    m, lam, mu = 500.0, 0.05, 30.0
    losses = dr.simulate_losses([m], [lam], n_years=400_000, duration_days=mu, seed=5)
    assert losses.mean() == pytest.approx(m * lam * mu / 365, rel=0.03)


def test_mc_two_seeds_agree_and_reproducible():
    flows = {"AUS": 700.0, "BRA": 300.0}
    kw = dict(flows=flows, rates={"AUS": 0.2, "BRA": 0.05}, n_years=200_000, duration_days=60, duration="fixed")
    a = dr.monte_carlo(seed=1, **kw)
    b = dr.monte_carlo(seed=2, **kw)
    a2 = dr.monte_carlo(seed=1, **kw)
    assert a["by_stock_days"] == a2["by_stock_days"]                    # same seed, same result
    # two seeds agree within 4 combined standard errors and within 3 %
    se = math.hypot(a["expected_loss_se_t"], b["expected_loss_se_t"])
    assert abs(a["expected_loss_t"] - b["expected_loss_t"]) < 4 * se
    assert a["expected_loss_t"] == pytest.approx(b["expected_loss_t"], rel=0.03)
    # and both match the closed form of the expected loss
    exact = (0.2 * 700 + 0.05 * 300) * 60 / 365
    assert a["analytic_expected_loss_t"] == pytest.approx(exact, rel=1e-6)
    assert a["expected_loss_t"] == pytest.approx(exact, rel=0.03)
    for ra, rb in zip(a["by_stock_days"], b["by_stock_days"]):
        tol = 4 * math.hypot(ra["expected_shortfall_se_t"], rb["expected_shortfall_se_t"]) + 1e-9
        assert abs(ra["expected_shortfall_t"] - rb["expected_shortfall_t"]) <= tol
    es = [r["expected_shortfall_t"] for r in a["by_stock_days"]]
    assert es == sorted(es, reverse=True)                               # more stock, less shortfall
    # recommended stock = the 95 % loss: P(A stops) = 0.18 > 5 %, so at least one 60-day A stop
    assert a["tail_loss_t"] == pytest.approx(700 * 60 / 365)
    assert a["recommended_stock_days"] == pytest.approx(0.7 * 60)


def test_mc_on_shipped_data_with_governance():
    r = dr.monte_carlo("JPN", "rare_earths", "refined", 2024, n_years=20_000, seed=3)
    rates = {x["exporter"]: x for x in r["rates"]}
    chn = rates["CHN"]
    assert chn["restrictions"] == 3                  # 2010 quota + 2020 export control law + 2025 seven-REE controls
    span = 2025 - 2009 + 1                           # the catalogue's years
    assert chn["lambda"] == pytest.approx((3 + 10 * 0.1 * chn["g"]) / (span + 10))
    assert 0 < chn["g"] < 1
    assert r["by_stock_days"][0]["stock_days"] == 0 and r["by_stock_days"][-1]["prob_shortfall"] == 0.0
    json.dumps(r)                                    # JSON-ready


# -- CLI ---------------------------------------------------------------------------------------------

def test_cli_disrupt_contract():
    r = CliRunner().invoke(app, ["disrupt", "--country", "JPN", "--mineral", "rare_earths", "--exporter", "CHN",
                                 "--days", "90", "--share", "0.5", "--stock-days", "20", "--format", "json"])
    assert r.exit_code == 0, r.output
    d = json.loads(r.stdout)
    assert {"shortfall_t", "covered_days", "stock_needed_t"} <= set(d)
    s = d["partners"][0]["share"]
    L = 0.5 * s * d["annual_imports_t"] / 365
    assert d["shortfall_t"] == pytest.approx(max(0.0, L * 90 - 20 * d["annual_imports_t"] / 365))
    assert d["shortfall_t"] > 0                                 # 20 days of imports < 0.5 s x 90 days
    assert d["covered_days"] == pytest.approx(min(90, 20 * d["annual_imports_t"] / 365 / L))
    assert d["stock_needed_t"] == pytest.approx(L * 90)


def test_cli_disrupt_confidential_stock_and_report(tmp_path):
    stocks = tmp_path / "stocks.yaml"
    stocks.write_text("- {mineral: rare_earths, stock_t: 2345.125, location: VAULT-QX}\n")
    out = tmp_path / "d.html"
    args = ["disrupt", "--mineral", "rare_earths", "--exporter", "CHN", "--days", "90", "--stocks", str(stocks),
            "--format", "json", "--out", str(out)]
    r = CliRunner().invoke(app, args)
    assert r.exit_code == 0, r.output
    d = json.loads(r.stdout)
    assert d["shortfall_t"] is None and d["covered_days"] is None and d["stock_t"] is None
    assert d["stock_needed_t"] > 0 and "withheld" in d["confidential_note"]
    from critmin.report.html import offline_plotlyjs

    page = out.read_text(encoding="utf-8").replace(offline_plotlyjs(), "")
    for t in (r.output, page):
        assert "2345.125" not in t and "2,345" not in t and "VAULT-QX" not in t
    r2 = CliRunner().invoke(app, args + ["--show-confidential"])
    d2 = json.loads(r2.stdout)
    assert d2["stock_t"] == 2345.125 and d2["covered_days"] > 0
    import os
    import stat

    if os.name == "posix":
        assert stat.S_IMODE(os.stat(out).st_mode) == 0o600


def test_cli_monte_carlo_and_scenario(tmp_path):
    out = tmp_path / "mc.html"
    r = CliRunner().invoke(app, ["disrupt", "--scenario", "indonesia_nickel_2020", "--stock-days", "30", "--monte-carlo",
                                 "--sim-years", "5000", "--seed", "4", "--format", "json", "--out", str(out)])
    assert r.exit_code == 0, r.output
    d = json.loads(r.stdout)
    assert d["scenario"]["name"] == "indonesia_nickel_2020" and d["monte_carlo"]["n_years"] == 5000
    text = out.read_text(encoding="utf-8")
    assert "https://" not in text and "<script src" not in text.lower()
    assert text.count("Plotly.newPlot") == 1 and '"FIGS"' not in text
    r = CliRunner().invoke(app, ["disrupt", "--mineral", "cobalt", "--exporter", "COD", "--format", "json"])
    assert r.exit_code == 2 and "--days" in r.output
    r = CliRunner().invoke(app, ["stockpile", "scenarios"])
    assert r.exit_code == 0 and "china_ree_2010" in r.output


def test_a_measure_aimed_at_one_importer_counts_for_it_alone():
    """China's 2024 ban on Ga/Ge/Sb exports to the United States (target USA) raises China's rate
    for the USA, not for Japan: one restriction more for the USA than for Japan, all else equal."""
    import critmin.disruption as d

    ev = d.events()
    us_only = ev[(ev["mineral"] == "antimony") & (ev["target"] == "USA")]
    assert len(us_only) >= 1
    g = {"CHN": 0.6}
    jp = d.event_rates(["CHN"], g, ev, "antimony", importer="JPN")
    us = d.event_rates(["CHN"], g, ev, "antimony", importer="USA")
    assert int(us["restrictions"].iat[0]) - int(jp["restrictions"].iat[0]) == len(
        us_only[us_only["type"].isin(d.RESTRICTIVE)])
    assert us["lambda"].iat[0] > jp["lambda"].iat[0]


def test_scenario_listing_has_dated_sourced_scenarios_since_2023():
    import json

    from typer.testing import CliRunner

    from critmin.cli import app

    r = CliRunner().invoke(app, ["disrupt", "--scenario", "list", "--format", "json"])
    assert r.exit_code == 0, r.output
    sc = json.loads(r.stdout)["scenarios"]
    recent = [s for s in sc if s["date"] >= "2023" and s["source"] and s["url"]]
    assert len(recent) >= 5
    assert {"china_gallium_2023", "china_graphite_2023", "china_antimony_2024", "china_ree_magnets_2025"} <= {
        s["name"] for s in recent}
