"""The policy overlay on the supply data (tiny dataset of conftest.py): what the assessment reads."""
from __future__ import annotations

import pandas as pd
import pytest

from critmin.assessment import assess
from critmin.errors import ConsistencyError
from critmin.policy import PlanSupply, build_plan, evaluate, parse_policy, with_plan
from critmin.supply import SupplyData

NI = "nickel"
#: a new refined supplier: 30 t Ni from CAN (g 0.2), displacing AUS 40 / CHN 60 t pro rata
DIVERSIFY = {"type": "offtake", "mineral": NI, "country": "CAN", "stage": "refined", "quantity_t": 30}


def _pol(*ivs):
    return parse_policy({"name": "p", "country": "JPN", "year": 2020, "interventions": list(ivs)})


def test_diversification_moves_the_import_score_by_the_hand_amount(tiny_store):
    # before: AUS 40, CHN 60, domestic 100 of 200 t → 0.2² × 0.3 + 0.3² × 0.5 = 0.057
    # after:  AUS 28, CHN 42, CAN 30, domestic 100 → 0.14² × 0.3 + 0.21² × 0.5 + 0.15² × 0.2 = 0.03243
    # scores (anchors 0 → 0, 0.075 → 0.3): 0.057 / 0.075 × 0.3 = 0.228 and 0.03243 / 0.075 × 0.3
    # = 0.12972: Δ = −0.09828. A view that passed trade through unchanged gives Δ = 0.
    t = evaluate(_pol(DIVERSIFY), store=tiny_store, attribute=False)
    r = t[(t["case"] == "after") & (t["indicator"] == "import_refined") & (t["mineral"] == NI)].iloc[0]
    assert r["value_before"] == pytest.approx(0.057)
    assert r["value"] == pytest.approx(0.03243)
    assert r["score_before"] == pytest.approx(0.228)
    assert r["delta"] == pytest.approx(0.12972 - 0.228)
    e = t.attrs["effects"]["p"][0]
    assert e["moved"] == {"to": {"CAN": 30.0}, "from": {"AUS": 12.0, "CHN": 18.0}, "stage": "refined", "unit": "t"}


class Recorder:
    """A data source that logs every query it answers."""

    def __init__(self, base) -> None:
        self.base, self.log = base, []

    def load(self, dataset, **kw):
        self.log.append(("load", dataset))
        return self.base.load(dataset, **kw)

    def sql(self, query, params=None):
        self.log.append(("sql", " ".join(query.split())))
        return self.base.sql(query, params)


def test_assess_on_the_overlay_reads_only_planned_data(tiny_store):
    src = Recorder(tiny_store)
    sd = SupplyData(src, [NI, "cobalt"])
    before = assess("JPN", 2020, [NI], supply=sd)
    plan = build_plan(sd, _pol(DIVERSIFY).interventions, country="JPN", year=2020)
    ov = with_plan(sd, plan)
    assert isinstance(ov, SupplyData) and isinstance(ov, PlanSupply)
    src.log.clear()
    after = assess("JPN", 2020, [NI], supply=ov)
    assert after.supply is ov
    # nothing reached the raw data but metadata: no bilateral trade, no planned table
    assert not [q for q in src.log if q[0] == "load" or "partner" in q[1].lower()], src.log
    # the flows the two assessments read: the same but for the planned group
    fb = sd.flows(["JPN"]).query("mineral == @NI and stage == 'refined'").set_index("exporter")["q_c"]
    fa = ov.flows(["JPN"]).query("mineral == @NI and stage == 'refined'").set_index("exporter")["q_c"]
    assert fb.sort_index().to_dict() == {"AUS": 40.0, "CHN": 60.0}
    assert fa.sort_index().to_dict() == pytest.approx({"AUS": 28.0, "CAN": 30.0, "CHN": 42.0})
    assert ov.flows(["JPN"]).query("stage == 'concentrate'").equals(sd.flows(["JPN"]).query("stage == 'concentrate'"))
    sh = after.details["import_shares"]
    sh = sh[(sh["mineral"] == NI) & (sh["stage"] == "refined")].set_index("exporter")["share"]
    assert sh.to_dict() == pytest.approx({"AUS": 0.14, "CHN": 0.21, "CAN": 0.15, "domestic": 0.5})
    # the indicators the plan does not touch are equal, record for record
    keep = ["reserve_concentration", "production_concentration", "import_concentrate", "price_volatility",
            "secondary_supply"]
    b = before.records.set_index("indicator").loc[keep, ["value", "score"]]
    a = after.records.set_index("indicator").loc[keep, ["value", "score"]]
    pd.testing.assert_frame_equal(a, b)
    # the overlay's provenance says a policy is laid over
    assert "policy overlay" in set(ov.provenance["table"])


def test_the_overlay_cannot_be_bypassed_or_stacked(tiny_store):
    sd = SupplyData(tiny_store, [NI])
    ov = with_plan(sd, build_plan(sd, _pol(DIVERSIFY).interventions, country="JPN", year=2020))
    with pytest.raises(ConsistencyError, match="bypass"):
        ov.source.sql("SELECT * FROM obs WHERE dataset = 'trade' AND partner = 'CAN'")
    with pytest.raises(ConsistencyError, match="bypass"):
        assess("JPN", 2020, [NI], store=ov.source)        # a fresh SupplyData over the guard
    with pytest.raises(ConsistencyError, match="do not stack"):
        with_plan(ov, ov.plan)
    with pytest.raises(Exception, match="holds no cobalt"):
        build_plan(sd, _pol({"type": "stockpile", "mineral": "cobalt", "days": 10}).interventions,
                   country="JPN", year=2020)
