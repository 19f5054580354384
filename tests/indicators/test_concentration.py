"""HHI: closed forms, the seed's share tables (SPEC §2.6) by hand, residual rules, pooling."""
import numpy as np
import pandas as pd
import pytest

from critmin.indicators.concentration import country_hhi, country_shares, hhi, pool_window


@pytest.mark.parametrize("n", [1, 2, 3, 5, 10, 40])
def test_n_equal_suppliers_is_one_over_n(n):
    assert hhi([1.0] * n) == pytest.approx(1.0 / n)
    d = pd.DataFrame({"g": 1, "country": [f"C{i}" for i in range(n)], "value": 7.0})
    assert country_hhi(d, ["g"])["hhi"].iloc[0] == pytest.approx(1.0 / n)


def test_monopoly_is_one():
    d = pd.DataFrame({"g": 1, "country": ["CHN"], "value": [123.0]})
    r = country_hhi(d, ["g"]).iloc[0]
    assert r.hhi == 1.0 and r.top_country == "CHN" and r.top_share == 1.0


# Seed (SPEC §2.6): rare-earth production ~210 kt REO: China 63 %, USA 12 %, Myanmar 10 %,
# Australia 10 %, India 1 %, other 3 %.
REE = {"CHN": 63, "USA": 12, "MMR": 10, "AUS": 10, "IND": 1, "OTH": 3}
# Copper mine production 20 Mt: Chile 28 %, Peru 12 %, China 8 %, DR Congo 7 %, USA 6 %, other 39 %.
CU = {"CHL": 28, "PER": 12, "CHN": 8, "COD": 7, "USA": 6, "OTH": 39}


def _frame(d):
    return pd.DataFrame({"g": 1, "country": list(d), "value": [float(v) for v in d.values()]})


def test_seed_rare_earth_production_hhi_by_hand():
    # the seed's percentages sum to 99 (rounding): shares are of the 99.
    # named: 63² + 12² + 10² + 10² + 1² = 3969 + 144 + 100 + 100 + 1 = 4314 → 4314 / 99²
    r = country_hhi(_frame(REE), ["g"]).iloc[0]
    assert r.hhi_lower == pytest.approx(4314 / 99 ** 2)
    assert r.hhi_upper == pytest.approx((4314 + 9) / 99 ** 2)
    # split rule: residual 3 split into parts no larger than the smallest named (1): k = 3
    assert r.hhi == pytest.approx((4314 + 9 / 3) / 99 ** 2)
    assert r.residual_share == pytest.approx(3 / 99)


def test_seed_copper_production_hhi_by_hand():
    # named: .28² + .12² + .08² + .07² + .06² = .0784 + .0144 + .0064 + .0049 + .0036 = .1077
    r = country_hhi(_frame(CU), ["g"]).iloc[0]
    assert r.hhi_lower == pytest.approx(0.1077)
    # residual 39 % in parts of at most 6 %: k = ceil(39/6) = 7 → .39²/7
    assert r.hhi == pytest.approx(0.1077 + 0.39 ** 2 / 7)
    assert r.hhi_upper == pytest.approx(0.1077 + 0.1521)
    # the seed's diagnosis: copper far less concentrated than rare earths
    assert r.hhi < 0.5 * country_hhi(_frame(REE), ["g"])["hhi"].iloc[0]


def test_world_total_without_other_row_sets_the_residual():
    d = pd.DataFrame({"g": 1, "country": ["A", "B", "WLD"], "value": [40.0, 40.0, 100.0]})
    r = country_hhi(d, ["g"]).iloc[0]
    assert r.residual_share == pytest.approx(0.2)
    assert r.hhi_lower == pytest.approx(0.32)
    sh = country_shares(d, ["g"]).set_index("country")["share"]
    assert sh["OTH"] == pytest.approx(0.2) and sh.sum() == pytest.approx(1.0)


def test_named_only_renormalises():
    r = country_hhi(_frame(REE), ["g"], rule="named_only").iloc[0]
    s = np.array([63, 12, 10, 10, 1]) / 96
    assert r.hhi == pytest.approx(float((s ** 2).sum()))


def test_missing_values_do_not_become_zero_producers():
    d = pd.DataFrame({"g": 1, "country": ["A", "B", "C"], "value": [50.0, 50.0, np.nan]})
    r = country_hhi(d, ["g"]).iloc[0]
    assert r.hhi == pytest.approx(0.5) and r.n_countries == 2


def test_pooling_before_squaring():
    # year 1: A 100, B 0 ; year 2: A 0, B 100 → pooled shares .5/.5 → HHI .5 (not mean of yearly 1.0)
    d = pd.DataFrame({"mineral": "x", "year": [1, 2], "country": ["A", "B"], "value": [100.0, 100.0]})
    p = pool_window(d, 2)
    r = country_hhi(p, ["mineral", "year"]).set_index("year")
    assert r.loc[2, "hhi"] == pytest.approx(0.5)
    assert r.loc[1, "hhi"] == pytest.approx(1.0)


def test_unknown_rule_raises():
    with pytest.raises(ValueError, match="unknown residual rule"):
        country_hhi(_frame(CU), ["g"], rule="guess")
