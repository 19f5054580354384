"""Named consistency checks: closed cases and the shipped data."""
import warnings

import pandas as pd
import pytest

from critmin import checks
from critmin.errors import ConsistencyError, ConsistencyWarning


def test_shares_sum_to_one_raise_warn_ignore():
    d = pd.DataFrame({"g": [1, 1, 2, 2], "share": [0.5, 0.5, 0.6, 0.3]})
    with pytest.raises(ConsistencyError, match="shares_sum_to_one"):
        checks.shares_sum_to_one(d, ["g"])
    with pytest.warns(ConsistencyWarning):
        checks.shares_sum_to_one(d, ["g"], action="warn")
    out = checks.shares_sum_to_one(d, ["g"], action="ignore")
    assert out["g"].tolist() == [2] and out["sum"].iloc[0] == pytest.approx(0.9)


def test_import_shares_of_the_assessment_sum_to_one():
    import critmin

    r = critmin.assess(["JPN", "KOR"], 2022, ["nickel", "copper", "lithium"], detail=False)
    sh = r.details["import_shares"]
    assert checks.shares_sum_to_one(sh, ["importer", "mineral", "stage", "year"]).empty


def test_world_total_gap_on_usgs_data():
    import critmin.data as cd

    obs = cd.mine_production(sources=["usgs_mcs"], minerals=["copper", "cobalt", "rare_earths"])
    obs = obs[obs["variable"] == "quantity"]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConsistencyWarning)
        bad = checks.world_total_gap(obs, tol=0.05)
    # USGS rounds world totals: named + other must agree within 5 % for these series
    assert bad.empty, bad


def test_world_total_gap_flags_a_bad_total():
    obs = pd.DataFrame({"dataset": "mine_production", "mineral": "x", "variable": "quantity", "year": 2020,
                        "source": "s", "edition": "e", "country": ["A", "OTH", "WLD"],
                        "value": [50.0, 10.0, 100.0]})
    with pytest.raises(ConsistencyError):
        checks.world_total_gap(obs, action="raise")


def test_trade_mirror_gaps():
    a = pd.DataFrame({"hs": "1", "importer": "JPN", "exporter": ["CHL", "PER"], "year": 2020, "value": [100.0, 50.0]})
    b = pd.DataFrame({"hs": "1", "importer": "JPN", "exporter": ["CHL", "AUS"], "year": 2020, "value": [98.0, 10.0]})
    bad = checks.trade_mirror_gaps(a, b, action="ignore").set_index("exporter")
    assert set(bad.index) == {"PER", "AUS"}
    assert bad.loc["PER", "gap"] == 1.0 and bad.loc["AUS", "gap"] == -1.0


def test_exporters_without_production_finds_reexport_hubs():
    flows = pd.DataFrame({"mineral": "x", "year": 2020, "exporter": ["CHN", "SGP", "AUS"], "q": [70.0, 20.0, 10.0]})
    prod = pd.DataFrame({"mineral": "x", "year": 2020, "country": ["CHN", "AUS"], "value": [100.0, 20.0]})
    bad = checks.exporters_without_production(flows, prod, action="ignore")
    assert bad["exporter"].tolist() == ["SGP"] and bad["share"].iloc[0] == pytest.approx(0.2)
