"""Price volatility and secondary supply are sampled too (issue 15): their stated distributions, by
hand, and the central draw still equal to ``assess``."""
from __future__ import annotations

import math

import numpy as np
import pytest
from scipy.special import ndtri

import critmin
from critmin.diagnosis import INDICATORS
from critmin.methods import uncertainty as u

YEAR = 2024


@pytest.fixture(scope="module")
def model():
    return u.Model("JPN", YEAR)


def _one(model, **z):
    """The central draw with the noise of some minerals set: {block: {mineral: z}}."""
    b = model.central()
    for block, per in z.items():
        for m, v in per.items():
            b[block][0, model.minerals.index(m)] = v
    return model.evaluate(b, parts=True)


def test_price_volatility_lognormal_with_sigma_from_the_number_of_prices(model):
    """Copper, JPN 2024: World Bank Pink Sheet 2015–2024, n = 10 annual prices → 9 log returns,
    σ = 1/√(2·(10 − 2)) = 0.25. Volatility 0.170723; at z = 1: 0.170723·e^0.25 = 0.219213;
    anchors (0.2 → 0.5, 0.5 → 1): 0.5 + (0.219213 − 0.2)/0.3·0.5 = 0.532022 (base 0.451206)."""
    i, j = model.minerals.index("copper"), INDICATORS.index("price_volatility")
    vol = model.supply.volatility([YEAR]).set_index("mineral")
    assert int(vol.at["copper", "n_years"]) == 10
    assert model.price["sigma"][i] == 0.25
    base = model.price["v"][i]
    assert base == pytest.approx(0.170723, abs=1e-6)
    _, raw, sc = _one(model, price={"copper": 1.0})
    assert raw[0, i, u.SAMPLED.index("price_volatility")] == pytest.approx(base * math.exp(0.25), rel=1e-12)
    assert sc[0, i, j] == pytest.approx(0.532022, abs=1e-6)
    # gallium: USGS high-purity price 2017–2023, 7 prices → σ = 1/√10
    assert model.price["sigma"][model.minerals.index("gallium")] == pytest.approx(1 / math.sqrt(10), rel=1e-12)


def test_secondary_supply_two_piece_uniform_on_the_printed_range_else_lognormal(model):
    """Gallium: UNEP IRP 2011 recycled content, median 0.375 of estimates 0.25–0.5. At
    U = Φ(z) = 0.25: r = 0.375 − 0.5·(0.375 − 0.25) = 0.3125 → score 1 − 0.3125 = 0.6875.
    Copper: EU 2023 EoL-RIR 0.55 (one figure) → 0.55·e^(0.25·1) = 0.706214 → score 0.293786."""
    g, c = model.minerals.index("gallium"), model.minerals.index("copper")
    s = model.second
    assert (s["rate"][g], s["lo"][g], s["hi"][g], bool(s["ranged"][g])) == (0.375, 0.25, 0.5, True)
    assert s["rate"][c] == 0.55 and not s["ranged"][c]
    j = INDICATORS.index("secondary_supply")
    _, _, sc = _one(model, secondary={"gallium": float(ndtri(0.25)), "copper": 1.0})
    assert sc[0, g, j] == pytest.approx(0.6875, abs=1e-12)
    assert sc[0, c, j] == pytest.approx(1 - 0.55 * math.exp(u.SECONDARY_SIGMA), abs=1e-12)
    assert sc[0, c, j] == pytest.approx(0.293786, abs=1e-6)
    # over many draws: gallium's rate stays in [0.25, 0.5] with median 0.375
    b = model.draw(np.random.default_rng(2), 4000)
    b["choice"][:] = model.base_choice
    _, raw, _ = model.evaluate(b, parts=True)
    rate = 1 - raw[:, g, u.SAMPLED.index("secondary_supply")]
    assert rate.min() >= 0.25 and rate.max() <= 0.5
    assert np.median(rate) == pytest.approx(0.375, abs=0.01)
    # copper's log rate: sd 0.25 (below the cap at 1)
    lr = np.log(1 - raw[:, c, u.SAMPLED.index("secondary_supply")])
    assert np.std(lr) == pytest.approx(0.25, rel=0.05)


def test_central_draw_of_the_new_indicators_is_assess(model):
    """Every score of the two newly sampled indicators at the central draw is assess's, and the
    run's bands are centred on it."""
    a = critmin.assess("JPN", YEAR, detail=False).records
    res = u.run("JPN", YEAR, draws=60, seed=1, sobol=False, supply=model.supply)
    ind = res["indicators"]
    for name in ("price_volatility", "secondary_supply"):
        want = a[(a["indicator"] == name) & a["score"].notna()].set_index("mineral")["score"]
        got = ind[ind["indicator"] == name].set_index("mineral")["base"]
        assert len(want) >= 20 and sorted(got.dropna().index) == sorted(want.index)
        np.testing.assert_allclose(got.loc[want.index].to_numpy(float), want.to_numpy(float), rtol=1e-9, atol=0)
        band = ind[ind["indicator"] == name].dropna(subset=["p05"])
        assert ((band["p05"] <= band["p50"] + 1e-12) & (band["p50"] <= band["p95"] + 1e-12)).all()
        assert (band["p95"] - band["p05"]).max() > 0.05
    assert list(u.FACTORS[:6]) == ["wgi", "trade", "production", "reserves", "price", "secondary"]
