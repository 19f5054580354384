"""Demand scenarios (issue #5): the seed's table, battery-chemistry mixes, deployment rules, errors."""
from __future__ import annotations

import json

import pandas as pd
import pytest

import critmin.demand as dm
from critmin.errors import DataValidationError, UnknownNameError

SEED_EV = {"copper": 83_000, "neodymium": 775, "lithium": 7_150, "nickel": 28_000, "cobalt": 11_000}
SEED_WIND = {"copper": 115_000, "neodymium": 1_060}
JAPAN_2018 = {"copper": 1_063_000, "neodymium": 4_624, "lithium": 7_939, "nickel": 113_000, "cobalt": 11_000}

# BatPac 5.1 kg/kWh (the shipped dataset), for the hand calculations
BATPAC = {"nmc622": {"lithium": 0.110247, "nickel": 0.546261, "cobalt": 0.182769},
          "nmc811": {"lithium": 0.099802, "nickel": 0.658375, "cobalt": 0.082605},
          "lfp": {"lithium": 0.091485, "nickel": 0.0, "cobalt": 0.0}}


def totals(p: pd.DataFrame) -> dict:
    return p.groupby("mineral")["tonnes"].sum().to_dict()


def ev_scenario(mix, kwh=50.0, n=1000.0, **tech) -> dict:
    return {"name": "t-ev", "years": [2030], "technologies": [
        {"id": "bev", "unit": "vehicle", "deployment": {"values": {2030: n}},
         "battery": {"kwh_per_unit": kwh, "chemistry_mix": mix, "include": ["lithium", "nickel", "cobalt"]},
         **tech}]}


def test_seed_ev_reproduces_the_seed_table_exactly():
    assert totals(dm.project("seed-ev-1m")) == pytest.approx(SEED_EV, rel=1e-12)


def test_seed_offshore_wind_reproduces_the_seed_table_exactly():
    assert totals(dm.project("seed-offshore-wind-10gw")) == pytest.approx(SEED_WIND, rel=1e-12)


def test_seed_scenarios_carry_the_seed_intensities_with_source():
    s = dm.load_scenario("seed-offshore-wind-10gw")
    per = {t.id: {i.mineral: (i.value, i.unit, i.source) for i in t.intensities} for t in s.technologies}
    assert per["offshore_wind"]["copper"] == (11_500, "kg/MW", "METI/ANRE 2021 seed")
    assert per["offshore_wind"]["neodymium"] == (106, "kg/MW", "METI/ANRE 2021 seed")
    assert per["onshore_wind"]["copper"] == (1_740, "kg/MW", "METI/ANRE 2021 seed")
    assert per["onshore_wind"]["neodymium"] == (70, "kg/MW", "METI/ANRE 2021 seed")


def test_seed_ratios_to_japan_2018_demand():
    o = dm.outlook(dm.project("seed-ev-1m"), world=False).set_index("mineral")
    for m, d in JAPAN_2018.items():
        assert o.at[m, "domestic_demand_t"] == d
        assert o.at[m, "share_of_domestic"] == pytest.approx(SEED_EV[m] / d)
    assert round(100 * o.at["copper", "share_of_domestic"], 1) == 7.8
    assert round(100 * o.at["lithium", "share_of_domestic"], 1) == 90.1
    assert set(o["demand_basis"]) == {"reported"}
    ow = dm.outlook(dm.project("seed-offshore-wind-10gw"), world=False).set_index("mineral")
    assert ow.at["copper", "share_of_domestic"] == pytest.approx(115_000 / 1_063_000)
    assert ow.at["neodymium", "share_of_domestic"] == pytest.approx(1_060 / 4_624)


@pytest.mark.parametrize("mix", [{"nmc622": 1.0}, {"nmc811": 0.5, "lfp": 0.5}, {"nmc622": 0.2, "nmc811": 0.3,
                                                                                 "lfp": 0.5}])
def test_battery_mix_matches_hand_calculation(mix):
    got = totals(dm.project(ev_scenario(mix)))
    for m in ("lithium", "nickel", "cobalt"):
        hand = 1000 * 50 * sum(s * BATPAC[c][m] for c, s in mix.items()) / 1000  # kg -> t
        assert got.get(m, 0.0) == pytest.approx(hand, rel=1e-5), m


def test_changing_the_mix_moves_lithium_nickel_cobalt():
    base = totals(dm.project(ev_scenario({"nmc622": 1.0})))
    lfp = totals(dm.project(ev_scenario({"nmc622": 1.0}), mix={"lfp": 1.0}))
    assert "cobalt" not in lfp and "nickel" not in lfp           # LFP holds none
    assert lfp["lithium"] == pytest.approx(50 * 0.091485, rel=1e-5)
    assert base["cobalt"] == pytest.approx(50 * 0.182769, rel=1e-5)
    # on a shipped scenario: more LFP -> less nickel and cobalt
    a = totals(dm.project("japan-targets-low", years=[2030], mix={"nmc811": 1.0}))
    b = totals(dm.project("japan-targets-low", years=[2030], mix={"lfp": 1.0}))
    assert b.get("cobalt", 0.0) < a["cobalt"] and b["nickel"] < a["nickel"] and b["lithium"] < a["lithium"]
    # only the battery part moves: vehicle-body copper is the same
    assert b["zinc"] == pytest.approx(a["zinc"])


def test_mix_by_year_is_interpolated():
    sc = ev_scenario({2020: {"nmc811": 1.0}, 2040: {"lfp": 1.0}})
    sc["years"] = [2030]
    got = totals(dm.project(sc))
    assert got["nickel"] == pytest.approx(50 * 0.5 * 0.658375, rel=1e-5)


def test_intensity_improvement_compounds_from_the_intensity_year():
    sc = ev_scenario({"lfp": 1.0}, intensity_improvement=0.1)
    sc.update(years=[2030, 2031, 2032], intensity_year=2030)
    sc["technologies"][0]["deployment"]["values"] = {2030: 1000, 2032: 1000}
    p = dm.project(sc)
    li = p[p["mineral"] == "lithium"].set_index("year")["tonnes"]
    assert li[2032] / li[2030] == pytest.approx(0.81)


def test_deployment_bases_and_units():
    tech = {"id": "w", "unit": "GW", "deployment": {"basis": "cumulative", "values": {2020: 0, 2030: 10}},
            "intensities": [{"mineral": "copper", "value": 11.5, "unit": "t/MW", "source": "x"}]}
    p = dm.project({"name": "t", "years": list(range(2021, 2036)), "technologies": [tech]})
    cu = p.groupby("year")["tonnes"].sum()
    assert cu.loc[2025] == pytest.approx(1000 * 11.5)          # 1 GW a year
    assert 2031 not in cu.index                                  # stock held: no additions
    assert cu.sum() == pytest.approx(10_000 * 11.5)
    share = {"id": "car", "unit": "vehicle", "deployment": {"basis": "share", "values": {2030: 0.25}},
             "market": {"size": 4_000_000, "source": "x"},
             "intensities": [{"mineral": "copper", "value": 80, "unit": "kg/vehicle", "source": "x"}]}
    assert totals(dm.project({"name": "t", "years": [2030], "technologies": [share]}))["copper"] == 80_000
    storage = {"id": "storage", "unit": "GWh", "deployment": {"values": {2030: 2}},
               "battery": {"chemistry_mix": {"lfp": 1}, "include": ["lithium"]}}
    assert totals(dm.project({"name": "t", "years": [2030], "technologies": [storage]}))["lithium"] == \
        pytest.approx(2e6 * 0.091485 / 1000, rel=1e-5)


def test_dataset_intensities_and_override_order():
    tech = {"id": "off", "unit": "MW", "deployment": {"values": {2030: 100}},
            "intensities": [{"from": {"source": "iea_2021", "variable": "offshore_wind"}},
                            {"mineral": "copper", "value": 11_500, "unit": "kg/MW", "source": "seed"}]}
    t = totals(dm.project({"name": "t", "years": [2030], "technologies": [tech]}))
    assert t["copper"] == pytest.approx(1_150)                  # the later entry wins
    assert t["zinc"] == pytest.approx(550)                      # IEA 5,500 kg/MW


def test_outlook_exceed_years_and_world_share():
    tech = {"id": "x", "unit": "vehicle", "deployment": {"values": {2030: 1000, 2040: 3000}},
            "intensities": [{"mineral": "copper", "value": 1000, "unit": "kg/vehicle", "source": "x"}]}
    p = dm.project({"name": "t", "technologies": [tech]})
    w = pd.DataFrame({"mineral": ["copper"], "world_production_t": [2500.0], "world_year": [2024],
                      "world_basis": ["metal"], "world_source": ["test"]})
    o = dm.outlook(p, domestic={"copper": 1500.0}, world=w).set_index("year")
    assert o.at[2035, "tonnes"] == pytest.approx(2000)
    # demand(y) = 1000 + 200 (y - 2030) t: first above 1500 in 2033, first above 2500 in 2038
    assert o["year_exceeds_domestic"].iloc[0] == 2033
    assert o["year_exceeds_world"].iloc[0] == 2038
    assert o.at[2040, "share_of_world"] == pytest.approx(3000 / 2500)


def test_world_production_from_shipped_data():
    w = dm.world_production(["copper", "neodymium"]).set_index("mineral")
    assert "neodymium" not in w.index
    assert w.at["copper", "world_production_t"] > 1e7 and w.at["copper", "world_basis"] == "metal"


def test_scenario_files_and_errors(tmp_path):
    f = tmp_path / "s.json"
    f.write_text(json.dumps(ev_scenario({"lfp": 1.0})))
    assert dm.load_scenario(f).name == "t-ev"
    with pytest.raises(UnknownNameError, match="did you mean 'seed-ev-1m'"):
        dm.load_scenario("seed-ev-1n")
    with pytest.raises(DataValidationError, match=r"sum to 0\.9.*chemistry_mix"):
        dm.project(ev_scenario({"nmc811": 0.5, "lfp": 0.4}))
    with pytest.raises(UnknownNameError, match="did you mean 'nmc811'"):
        dm.project(ev_scenario({"nmc8111": 1.0}))
    bad = tmp_path / "bad.yaml"
    bad.write_text("name: b\ntechnologies:\n  - id: c\n    unit: vehicle\n    deployment: {values: {2030: 1}}\n"
                   "    intensities:\n      - {mineral: copper, value: 1, unit: kg/vehicle, sorce: x}\n")
    with pytest.raises(DataValidationError) as e:
        dm.load_scenario(bad)
    assert "bad.yaml" in str(e.value) and "technologies.0.intensities.0" in str(e.value)
    mism = {"id": "c", "unit": "vehicle", "deployment": {"values": {2030: 1}},
            "intensities": [{"mineral": "copper", "value": 1, "unit": "kg/MW", "source": "x"}]}
    with pytest.raises(DataValidationError, match="does not match the deployment unit"):
        dm.project({"name": "t", "technologies": [mism]})
    with pytest.raises(DataValidationError, match="yaml"):
        dm.load_scenario("yaml: [unclosed")  # not a file, not a name


def test_html_report_is_self_contained(tmp_path):
    from critmin.demand.report import write

    p = dm.project("japan-targets-low")
    path = write(p, dm.outlook(p), tmp_path / "r.html")
    text = path.read_text(encoding="utf-8")
    assert "Plotly.newPlot" in text and '"barmode": "stack"' in text
    assert "domestic demand 2018 (reported consumption)" in text
    import re
    assert not [u for u in re.findall(r"https?://[^\s\"'<>)]+", text) if "www.w3.org" not in u]


def test_cli_json_contract():
    from typer.testing import CliRunner

    from critmin.cli import app

    r = CliRunner().invoke(app, ["demand", "--scenario", "seed-ev-1m", "--format", "json"])
    assert r.exit_code == 0, r.output
    doc = json.loads(r.stdout)
    assert {"mineral", "year", "technology", "tonnes", "basis", "sources"} == set(doc["records"][0])
    assert {x["mineral"]: x["tonnes"] for x in doc["records"]} == pytest.approx(SEED_EV)
    assert "METI/ANRE 2021 seed" in doc["records"][0]["sources"]
    assert doc["demand_basis"] == "reported"
    r = CliRunner().invoke(app, ["demand", "--scenario", "nope"])
    assert r.exit_code == 2 and "unknown demand scenario" in r.output


def test_shipped_solar_and_storage_scenario_by_hand():
    p = dm.project("japan-solar-storage")
    t = p.groupby(["technology", "mineral", "year"])["tonnes"].sum()
    add = (117_600 - 55_800) / 11                      # MW a year, linear cumulative 2019 → 2030
    # IEA 2021 silicon 3,948 kg/MW; intensities fall 1 %/yr from 2025
    assert t[("solar_pv", "silicon", 2025)] == pytest.approx(add * 3.948, rel=1e-9)
    assert t[("solar_pv", "copper", 2030)] == pytest.approx(add * 2.822 * 0.99 ** 5, rel=1e-9)
    # storage: 5 GWh of LFP in 2030, BatPac lithium kg/kWh
    assert t[("stationary_storage", "lithium", 2030)] == pytest.approx(
        5e6 * BATPAC["lfp"]["lithium"] / 1000 * 0.99 ** 5, rel=1e-5)
    assert ("stationary_storage", "cobalt", 2030) not in t or t[("stationary_storage", "cobalt", 2030)] == 0
    assert "japan-solar-storage" in set(dm.list_scenarios()["name"])


def test_html_report_in_japanese_names_minerals_and_technologies(tmp_path):
    from typer.testing import CliRunner

    from critmin.cli import app

    out = tmp_path / "ja.html"
    r = CliRunner().invoke(app, ["demand", "--scenario", "japan-targets-high", "--lang", "ja", "--out", str(out)])
    assert r.exit_code == 0, r.output
    text = out.read_text(encoding="utf-8")
    assert "<html lang='ja'>" in text and "鉱物需要見通し" in text and "前提条件" in text
    assert "<h2>銅</h2>" in text and "<h2>ネオジム</h2>" in text
    assert '"name": "バッテリー電気自動車"' in text and "前提条件" in text   # the scenario's ja: block
    bad = CliRunner().invoke(app, ["demand", "--scenario", "seed-ev-1m", "--lang", "fr"])
    assert bad.exit_code == 2 and "use ja or en" in bad.output
