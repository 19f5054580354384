"""Issue #7 reports (uncertainty bands, methods over the years) and the Sobol engines."""
from __future__ import annotations

import json
import re

import numpy as np
import pytest

from critmin.methods import uncertainty

from .conftest import MINERALS, YEARS


def _figs(text: str) -> dict:
    m = re.search(r"var FIGS = (\{.*?\});\nvar CFG", text, re.S)
    assert m, "no figure data"
    return json.loads(m.group(1))


@pytest.fixture(scope="module")
def unc_report(unc_run):
    out, doc = unc_run
    assert doc["sobol_engine"] in ("salib", "numpy")
    # per mineral the bands of the sampled indicators it has, ordered p05 <= p50 <= p95
    ind = doc["indicators"]
    # (JPN 2022 has no reserve concentration: the shipped reserves start later than 2022 − 5)
    assert {"production_concentration", "import_concentrate", "import_refined"} <= {x["indicator"] for x in ind}
    assert {x["indicator"] for x in ind} <= set(uncertainty.SAMPLED)
    assert {x["mineral"] for x in ind} <= {x["mineral"] for x in doc["records"]}
    assert len(ind) > 2 * len(MINERALS)
    assert all(x["p05"] <= x["p50"] <= x["p95"] for x in ind if x["p05"] is not None)
    return out


@pytest.fixture(scope="module")
def cmp_report(cmp_run):
    out, doc = cmp_run
    assert doc["year"] == YEARS[-1]
    ser = doc["series"]
    assert {s["method"] for s in ser} == {"meti", "eu_crm", "geopolrisk"}
    assert {s["year"] for s in ser} == set(YEARS)
    return out


def _offline(text: str) -> None:
    assert "https://" not in text
    assert set(re.findall(r"http://([^/\"']+)", text)) <= {"www.w3.org"}
    assert "<script src" not in text.lower()
    assert not re.search(r"""(src|href)\s*=\s*["']?(https?:)?//""", text, re.I)


LO, HI = "lower (p05 * / min †)", "upper (p95 * / max †)"


def test_uncertainty_report_bands(unc_report):
    text = unc_report.read_text(encoding="utf-8")
    _offline(text)
    figs = _figs(text)
    radars = sorted(k for k in figs if k.startswith("radar-"))
    assert radars == sorted(f"radar-{m}" for m in MINERALS)
    n_dagger, n_new = 0, 0
    for k in radars:
        tr = {t["name"]: t for t in figs[k]["data"]}
        assert {LO, HI, "median", "base (assessment)"} <= set(tr)
        assert tr[LO]["fill"] == "tonext"
        lo, hi = np.array(tr[LO]["r"]), np.array(tr[HI]["r"])
        assert (lo <= hi + 1e-9).all() and len(lo) == 7          # six axes, closed
        theta = [t.replace(" (n/a)", "") for t in tr[LO]["theta"][:6]]
        # the Monte Carlo axes (the sampled indicators the mineral has) are marked *, the
        # method-choice ranges †, the rest is the base
        mc = [i for i, t in enumerate(theta) if t.endswith(" *")]
        dag = [i for i, t in enumerate(theta) if t.endswith(" †")]
        assert 1 <= len(mc) <= 6
        n_new += {4, 5} <= set(mc)          # price volatility and secondary supply are sampled too
        base = np.array(tr["base (assessment)"]["r"])
        plain = [i for i in range(6) if i not in mc and i not in dag]
        np.testing.assert_allclose(lo[plain], base[plain])
        assert (lo[dag] <= base[dag] + 1e-9).all() and (base[dag] <= hi[dag] + 1e-9).all()
        assert (hi[dag] > lo[dag]).all()
        n_dagger += len(dag)
    # every axis with a base score has a Monte Carlo band now: a method-choice range (†) is left
    # only where the model has no band
    assert n_new == len(radars) and n_dagger == 0
    assert "sobol" in figs and len(figs["sobol"]["data"]) == 2
    assert "id='rank-table'" in text and "P(top tier)" in text
    assert "range over method choices" in text


def test_method_bands_span_the_assessment_variants():
    import critmin

    b = uncertainty.method_bands("JPN", 2022).set_index(["mineral", "indicator"])
    vols = [critmin.assess("JPN", 2022, ["copper"], detail=False, volatility=v).records
            .set_index("indicator").at["price_volatility", "score"]
            for v in ("log_return_std", "yoy_std", "range", "cv", "mean_abs_change")]
    r = b.loc[("copper", "price_volatility")]
    assert r["n"] == 5 and r["choices"] == "volatility"
    assert r["lo"] == pytest.approx(min(vols)) and r["hi"] == pytest.approx(max(vols))
    assert r["p50"] == pytest.approx(float(np.median(vols)))
    res = [critmin.assess("JPN", 2022, ["copper"], detail=False, residual_rule=x).records
           .set_index("indicator").at["production_concentration", "score"]
           for x in ("split", "as_one", "ignore", "named_only")]
    r = b.loc[("copper", "production_concentration")]
    assert (r["lo"], r["hi"]) == (pytest.approx(min(res)), pytest.approx(max(res)))
    # secondary supply has no method choice: a point
    r = b.loc[("copper", "secondary_supply")]
    assert r["lo"] == r["hi"] and r["n"] == 1


def test_compare_report_trends(cmp_report):
    text = cmp_report.read_text(encoding="utf-8")
    _offline(text)
    figs = _figs(text)
    trends = sorted(k for k in figs if k.startswith("trend-"))
    assert trends == sorted(f"trend-{m}" for m in MINERALS)
    for k in trends:
        data = figs[k]["data"]
        assert len(data) == 3
        for t in data:
            assert t["x"] == YEARS and len(t["y"]) == len(YEARS)
            assert any(v is not None for v in t["y"])
    assert "why they disagree" in text and "id='compare-table'" in text
    assert text.count("<tr><td data-v=") == len(MINERALS)


def test_compare_series_matches_single_year():
    from critmin.methods.compare import components, series

    s = series("JPN", [2021, 2022], ["copper", "lithium"]).set_index(["mineral", "year", "method"])["score"]
    c = components("JPN", 2022)
    for m in ("copper", "lithium"):
        for meth, t in c.items():
            v = t.set_index("mineral").at[m, "score"]
            assert s[(m, 2022, meth)] == pytest.approx(float(v), rel=1e-9)


# ----------------------------------------------------------------------------- Sobol engines
def _ishigami(U, a=7.0, b=0.1):
    x = {k: -np.pi + 2 * np.pi * U[k][:, 0] for k in ("x1", "x2", "x3")}
    return np.sin(x["x1"]) + a * np.sin(x["x2"]) ** 2 + b * x["x3"] ** 4 * np.sin(x["x1"])


def _ishigami_exact(a=7.0, b=0.1):
    v1 = 0.5 * (1 + b * np.pi ** 4 / 5) ** 2
    v2 = a ** 2 / 8
    v13 = b ** 2 * np.pi ** 8 * (1 / 18 - 1 / 50)
    v = v1 + v2 + v13
    return {"S1": [v1 / v, v2 / v, 0.0], "ST": [(v1 + v13) / v, v2 / v, v13 / v]}


FACTORS3 = {"x1": 1, "x2": 1, "x3": 1}


def test_numpy_sobol_ishigami():
    s = uncertainty.sobol_indices(_ishigami, FACTORS3, 2 ** 15, np.random.default_rng(0), engine="numpy")
    assert s.attrs["engine"] == "numpy"
    ex = _ishigami_exact()
    np.testing.assert_allclose(s["S1"], ex["S1"], atol=0.04)
    np.testing.assert_allclose(s["ST"], ex["ST"], atol=0.04)


def test_salib_and_numpy_agree():
    pytest.importorskip("SALib")
    ex = _ishigami_exact()
    sa = uncertainty.sobol_indices(_ishigami, FACTORS3, 2 ** 13, np.random.default_rng(1), engine="salib")
    nu = uncertainty.sobol_indices(_ishigami, FACTORS3, 2 ** 15, np.random.default_rng(1), engine="numpy")
    assert sa.attrs["engine"] == "salib" and sa["ST_conf"].notna().all()
    np.testing.assert_allclose(sa["S1"], ex["S1"], atol=0.03)
    np.testing.assert_allclose(sa["ST"], ex["ST"], atol=0.03)
    np.testing.assert_allclose(sa["S1"], nu["S1"], atol=0.05)
    np.testing.assert_allclose(sa["ST"], nu["ST"], atol=0.05)
    # a linear model with known indices (variance shares 1 : 4 : 0), grouped inputs
    lin = {"a": 1, "b": 2, "c": 1}

    def f(U):
        return U["a"][:, 0] + U["b"][:, 0] + U["b"][:, 1] * np.sqrt(3.0) + 0.0 * U["c"][:, 0]

    for eng, n in (("salib", 2 ** 12), ("numpy", 2 ** 14)):
        s = uncertainty.sobol_indices(f, lin, n, np.random.default_rng(2), engine=eng).set_index("factor")
        np.testing.assert_allclose(s["S1"], [0.2, 0.8, 0.0], atol=0.04, err_msg=eng)
        np.testing.assert_allclose(s["ST"], [0.2, 0.8, 0.0], atol=0.04, err_msg=eng)


def test_model_sobol_numpy_engine_unchanged():
    d = uncertainty.Model("JPN", 2022)
    s = uncertainty.sobol(d, np.random.default_rng(3), n=64, engine="numpy")
    assert s.attrs["engine"] == "numpy"
    assert list(s["factor"]) == list(uncertainty.FACTORS)
    assert s.set_index("factor").loc["governance", "ST"] == 0.0


# The reports in headless Chromium (charts drawn, nothing fetched, no console error): the 1280 px test
# of tests/methods/test_methods_report_lang.py opens both, in English and in Japanese.
