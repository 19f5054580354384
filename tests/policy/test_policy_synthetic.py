"""Policy interventions on a tiny dataset: every change against a hand calculation."""
from __future__ import annotations

import itertools

import numpy as np
import pytest

from critmin.errors import ConsistencyError, DataValidationError
from critmin.policy import PlanSupply, build_plan, evaluate, optimise, parse_policy, rank, to_json, with_plan
from critmin.policy.interventions import check_plan, displace
from critmin.policy.optimise import _Evaluator, solve_mix
from critmin.supply import SupplyData

NI, CO = "nickel", "cobalt"


def pol(*ivs, **kw):
    return parse_policy({"name": kw.pop("name", "p"), "country": "JPN", "year": 2020, "interventions": list(ivs),
                         **kw})


def run(tiny_store, *ivs, bounds=None):
    t = evaluate(pol(*ivs), store=tiny_store, bounds=bounds, attribute=False)
    return t


def val(t, ind, case="after", mineral=NI):
    r = t[(t["case"] == case) & (t["indicator"] == ind) & (t["mineral"] == mineral)]
    return float(r["value"].iloc[0])


def test_before_matches_hand_calculation(tiny_store):
    t = run(tiny_store, {"type": "stockpile", "mineral": NI, "days": 73})
    assert val(t, "import_refined", "before") == pytest.approx(0.04 * 0.3 + 0.09 * 0.5)        # 0.057
    assert val(t, "import_concentrate", "before") == pytest.approx(0.5625 * 0.7 + 0.0625 * 0.6)
    assert val(t, "production_concentration", "before") == pytest.approx(0.42)
    assert val(t, "secondary_supply", "before") == pytest.approx(0.8)


def test_offtake_reroutes_concentrate_imports(tiny_store):
    # ores (260400) are gross weight: the concentrate shares are value shares, PHL 3,000 and IDN
    # 1,000 kUSD. 20 t Ni enter at the element's unit value, the world unit value of refined nickel
    # trade (750210: 1,000 kUSD / 100 t = 10 kUSD/t; CHN's quantity-only flow has no value) =
    # 200 kUSD from AUS; PHL −150, IDN −50 (pro rata): PHL 2,850, IDN 950, AUS 200 of 4,000
    t = run(tiny_store, {"type": "offtake", "mineral": NI, "country": "AUS", "quantity_t": 20, "content": 0.2})
    exp = 0.7125 ** 2 * 0.7 + 0.2375 ** 2 * 0.6 + 0.05 ** 2 * 0.3
    assert val(t, "import_concentrate") == pytest.approx(exp)
    e = t.attrs["effects"]["p"][0]
    assert e["moved"]["to"] == {"AUS": 200.0} and e["moved"]["unit"] == "kUSD"
    assert e["moved"]["from"] == {"PHL": 150.0, "IDN": 50.0}
    assert e["equity_t"] == 20 and e["product_t"] == pytest.approx(100.0)      # 20 t / 0.2 of ore
    assert set(e["moved_indicators"]) == {"import_concentrate"}
    for ind in ("production_concentration", "import_refined", "secondary_supply", "price_volatility"):
        assert val(t, ind) == pytest.approx(val(t, ind, "before"))


def test_offtake_above_output_is_an_error(tiny_store):
    with pytest.raises(DataValidationError, match="larger than the output"):
        run(tiny_store, {"type": "offtake", "mineral": NI, "country": "AUS", "quantity_t": 150, "content": 0.5})
    # with a new mine of 100 t in AUS the output is 200 t: feasible
    t = run(tiny_store, {"type": "new_mine", "mineral": NI, "country": "AUS", "capacity_t": 100},
            {"type": "offtake", "mineral": NI, "country": "AUS", "quantity_t": 150, "content": 0.5})
    assert val(t, "production_concentration") == pytest.approx((600**2 + 200**2 + 200**2 + 100**2) / 1100**2)
    # 150 t Ni × 10 kUSD/t = 1,500 kUSD from AUS displaces PHL 1,125, IDN 375 kUSD pro rata:
    # PHL 1,875, IDN 625, AUS 1,500 of 4,000
    assert val(t, "import_concentrate") == pytest.approx(0.46875**2 * 0.7 + 0.15625**2 * 0.6 + 0.375**2 * 0.3)


def test_new_mine_and_reserves(tiny_store):
    t = run(tiny_store, {"type": "new_mine", "mineral": NI, "country": "CAN", "capacity_t": 500, "reserves_t": 50})
    assert val(t, "production_concentration") == pytest.approx((600**2 + 200**2 + 100**2 + 600**2) / 1500**2)
    assert val(t, "reserve_concentration") == pytest.approx((50**2 + 30**2 + 20**2 + 50**2) / 150**2)
    assert val(t, "import_concentrate") == pytest.approx(val(t, "import_concentrate", "before"))


def test_smelter_moves_demand_to_concentrate(tiny_store):
    t = run(tiny_store, {"type": "smelter", "mineral": NI, "capacity_t": 50, "feed_from": {"AUS": 1},
                         "feed_content": 0.25})
    # refined: domestic 150, AUS 20, CHN 30 of 200
    assert val(t, "import_refined") == pytest.approx(0.1**2 * 0.3 + 0.15**2 * 0.5)
    # concentrate (value shares): feed 50 t Ni contained (recovery 1) × 10 kUSD/t = 500 kUSD from AUS:
    # PHL 3,000, IDN 1,000, AUS 500 of 4,500 (feed_content 0.25 only gives the 200 t of ore reported)
    assert val(t, "import_concentrate") == pytest.approx((2 / 3) ** 2 * 0.7 + (2 / 9) ** 2 * 0.6 + (1 / 9) ** 2 * 0.3)
    e = t.attrs["effects"]["p"][0]
    assert e["moved"]["feed"] == {"AUS": 500.0} and e["feed_product_t"] == pytest.approx(200.0)


def test_stockpile_cover_rule(tiny_store):
    t = run(tiny_store, {"type": "stockpile", "mineral": NI, "days": 73})
    e = t.attrs["effects"]["p"][0]
    assert e["demand_t"] == pytest.approx(180.0)           # 100 + 100 − 20
    assert e["stock_t"] == pytest.approx(36.0) and e["cover_days"] == 73
    assert val(t, "import_refined") == pytest.approx((40**2 * 0.3 + 60**2 * 0.5) / 236**2)


def test_recycling_bounds(tiny_store):
    t = run(tiny_store, {"type": "recycling", "mineral": NI, "quantity_t": 36, "displacement_rate": 0.5})
    assert set(t["case"]) == {"before", "after", "after_best", "after_worst"}
    assert val(t, "secondary_supply") == pytest.approx(1 - (0.2 * 180 + 36) / 180)    # 0.6
    assert val(t, "import_refined") == pytest.approx((32.8**2 * 0.3 + 49.2**2 * 0.5) / 182**2)
    assert val(t, "import_refined", "after_best") == pytest.approx((40**2 * 0.3 + 42**2 * 0.5) / 182**2)
    assert val(t, "import_refined", "after_worst") == pytest.approx((22**2 * 0.3 + 60**2 * 0.5) / 182**2)
    # the worst-case redistribution raises the import risk although imports fall
    assert val(t, "import_refined", "after_worst") > val(t, "import_refined", "before")
    with pytest.raises(ValueError):
        parse_policy({"interventions": [{"type": "recycling", "mineral": NI, "quantity_t": 1,
                                         "displacement_rate": 1.0}]})


def test_substitution(tiny_store):
    t = run(tiny_store, {"type": "substitution", "mineral": NI, "share": 0.25})
    assert val(t, "import_refined") == pytest.approx((22**2 * 0.3 + 33**2 * 0.5) / 155**2)
    assert val(t, "secondary_supply") == pytest.approx(1 - 36 / 135)
    assert val(t, "price_volatility") == pytest.approx(val(t, "price_volatility", "before"))
    with pytest.raises(DataValidationError, match="not smaller than the demand"):
        run(tiny_store, {"type": "substitution", "mineral": NI, "quantity_t": 180})


def test_supply_shock(tiny_store):
    t = run(tiny_store, {"type": "supply_shock", "mineral": NI, "country": "CHN"})
    assert val(t, "import_refined") == pytest.approx(0.25 * 0.3)      # AUS 100, domestic 100
    t = run(tiny_store, {"type": "supply_shock", "mineral": NI, "country": "CHN", "replaced": "none"})
    assert val(t, "import_refined") == pytest.approx(40**2 * 0.3 / 140**2)
    t = run(tiny_store, {"type": "supply_shock", "mineral": NI, "country": "CHN", "kind": "quota", "fraction": 0.5})
    assert val(t, "import_refined") == pytest.approx((70**2 * 0.3 + 30**2 * 0.5) / 200**2)
    with pytest.raises(DataValidationError, match="imports no refined nickel from IDN"):
        run(tiny_store, {"type": "supply_shock", "mineral": NI, "country": "IDN"})


def test_invariants_and_overlay_view(tiny_store):
    p = pol({"type": "smelter", "mineral": NI, "capacity_t": 50, "feed_from": {"AUS": 1}},
            {"type": "recycling", "mineral": NI, "quantity_t": 30})
    sd = SupplyData(tiny_store, [NI, CO])
    plan = build_plan(sd, p.interventions, country="JPN", year=2020)
    ov = with_plan(sd, plan)
    w, _ = ov.import_weights(["JPN"], domestic=False)
    for (m, stage, y), v in plan.vectors.items():
        got = w[(w["mineral"] == m) & (w["stage"] == stage) & (w["year"] == y)].set_index("exporter")["q"].sort_index()
        assert np.allclose(got.to_numpy(), v.sort_index().to_numpy())
        assert (v >= 0).all()
    # moved amounts balance: refined imports (contained t) 100 − 50 − 0.8×30; concentrate (kUSD)
    # 4,000 + 50 t × 10 kUSD/t
    assert plan.vectors[(NI, "refined", 2020)].sum() == pytest.approx(100 - 50 - 24)
    assert plan.vectors[(NI, "concentrate", 2020)].sum() == pytest.approx(4000 + 500)
    # the overlay passes through what it does not change; other importers are untouched
    assert ov.flows(["CHN"]).equals(sd.flows(["CHN"]))
    assert ov.domestic(["JPN"]).query("stage == 'refined'")["p"].sum() == pytest.approx(150)
    assert sd.domestic(["JPN"]).query("stage == 'refined'")["p"].sum() == pytest.approx(100)
    # the overlay's source refuses what the plan changes: nothing can bypass it
    with pytest.raises(ConsistencyError, match="bypass"):
        ov.source.load("refined_production")
    with pytest.raises(ConsistencyError, match="bypass"):
        SupplyData(ov.source, [NI]).flows(["JPN"])
    plan.vectors[(NI, "refined", 2020)]["AUS"] += 5.0
    with pytest.raises(ConsistencyError, match="do not balance"):
        check_plan(plan)
    # an overlay whose flows were not laid over (the base's) fails its check against the plan
    bad = PlanSupply(sd, plan)
    bad._flows[(("JPN",), ("concentrate", "refined"), False)] = sd.flows(["JPN"])
    with pytest.raises(ConsistencyError, match="differ from the plan"):
        bad.check()


def test_many_policies_and_json(tiny_store):
    a = pol({"type": "stockpile", "mineral": NI, "days": 73}, name="stock")
    b = pol({"type": "supply_shock", "mineral": CO, "country": "CHN"}, name="shock")
    t = evaluate([a, b], store=tiny_store)
    assert set(t["scenario"]) == {"stock", "shock"}
    doc = to_json(t, "shock")
    assert set(doc) >= {"before", "after", "interventions"}
    rec = doc["after"][0]
    assert set(rec) == {"country", "year", "mineral", "indicator", "value", "score", "status", "reason", "rule",
                        "inputs", "sources"}
    after = {r["indicator"]: r for r in doc["after"]}
    assert after["import_refined"]["value"] == pytest.approx(0.1)       # FIN only, g 0.1


def test_displace_rules():
    import pandas as pd

    v = pd.Series({"A": 60.0, "B": 40.0, "domestic": 100.0})
    g = pd.Series({"A": 0.2, "B": 0.8})
    assert displace(v, 50, g, "least_risky_first").to_dict() == {"A": 50.0, "B": 0.0}
    assert displace(v, 50, g, "none").sum() == 0
    with pytest.raises(ValueError):
        displace(v, 101, g, "pro_rata")


# -- ranking and the optimiser ------------------------------------------------------------------

OPT = [{"type": "offtake", "name": "A", "mineral": NI, "country": "AUS", "quantity_t": 20, "content": 0.2,
        "cost": {"amount": 5}},
       {"type": "smelter", "name": "B", "mineral": NI, "capacity_t": 50, "feed_from": {"CAN": 1},
        "cost": {"project_cost": 10, "equity_share": 0.3, "loan_share": 0.1}},
       {"type": "stockpile", "name": "C", "mineral": CO, "days": 73, "demand_t": 100, "cost": {"amount": 3}}]


@pytest.fixture(scope="module")
def opt_eval(tiny_store):
    p = pol(*OPT, name="opt")
    return p, _Evaluator(p, None, None, tiny_store, None)


def test_rank_by_reduction_per_cost(opt_eval):
    p, ev = opt_eval
    r = rank(p, _ev=ev)
    assert (r["reduction_per_cost"].diff().dropna() <= 1e-12).all()
    assert dict(zip(r["name"], r["cost"])) == {"A": 5.0, "B": 4.0, "C": 3.0}
    assert (r["reduction"] > 0).all()


@pytest.mark.parametrize("budget", [0, 3, 4, 5, 7, 8, 9, 12])
def test_optimiser_equals_brute_force(opt_eval, budget):
    p, ev = opt_eval
    cost = {iv.label: iv.budget for iv in p.interventions}
    best = None
    for k in range(len(cost) + 1):
        for s in itertools.combinations(sorted(cost), k):
            c = sum(cost[x] for x in s)
            if c > budget:
                continue
            key = (round(ev.reduction(s), 9), -c)
            if best is None or key > best[0]:
                best = (key, set(s))
    res = optimise(p, budget, _ev=ev)
    assert set(res["selected"]) == best[1]
    assert res["reduction_evaluated"] == pytest.approx(best[0][0])
    assert res["reduction_model"] == pytest.approx(res["reduction_evaluated"])   # pairwise model exact here
    assert res["cost"] <= budget


def test_solve_mix_with_interactions_and_prerequisites():
    # b_01 = −2.5 makes {0, 1} worse than {0} alone; item 2 needs item 1
    assert solve_mix([3, 2, 1], [1, 1, 1], 2, pairs={(0, 1): -2.5}) == [0, 2]
    assert solve_mix([3, 2, 1], [1, 1, 1], 2, pairs={(0, 1): -2.5}, requires={2: [1]}) == [0]   # tie: cheaper
    assert solve_mix([3, 2, 1.5], [1, 1, 1], 2, pairs={(0, 1): -2.5}, requires={2: [1]}) == [1, 2]
    assert solve_mix([1, 1], [1, 1], 0) == []
