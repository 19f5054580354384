"""Price volatility measures, secondary-supply risk and normalisation: closed forms."""
import numpy as np
import pandas as pd
import pytest

from critmin.indicators import normalise, price, secondary


def series(values, start=2011):
    return pd.DataFrame({"mineral": "x", "series": "s", "rank": 0,
                         "year": range(start, start + len(values)), "value": values})


def test_constant_price_has_zero_volatility_every_measure():
    for m in price.MEASURES:
        v = price.volatility(series([5.0] * 10), years=[2020], measure=m)["value"].iloc[0]
        assert v == pytest.approx(0.0), m


def test_log_return_std_golden():
    # prices 1,2,1,2,... → log returns ±ln2, sample std = ln2 * sqrt(n/(n-1)) with n = 9
    v = price.volatility(series([1.0, 2.0] * 5), years=[2020])["value"].iloc[0]
    r = np.diff(np.log([1.0, 2.0] * 5))
    assert v == pytest.approx(np.std(r, ddof=1))


def test_range_and_cv_golden():
    p = [1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0, 8.0, 9.0, 10.0]
    assert price.volatility(series(p), years=[2020], measure="range")["value"].iloc[0] == pytest.approx(9 / 5.5)
    assert price.volatility(series(p), years=[2020], measure="cv")["value"].iloc[0] == pytest.approx(
        np.std(p, ddof=1) / 5.5)


def test_too_few_years_is_missing_not_zero():
    out = price.volatility(series([1.0, 2.0, 3.0]), years=[2013], min_years=6)
    assert out.empty


def test_window_is_trailing():
    p = [1.0] * 10 + [1.0, 4.0, 1.0, 4.0, 1.0, 4.0, 1.0, 4.0, 1.0, 4.0]
    s = series(p, start=2001)
    calm = price.volatility(s, years=[2010])["value"].iloc[0]
    wild = price.volatility(s, years=[2020])["value"].iloc[0]
    assert calm == pytest.approx(0.0) and wild > 1.0


def test_secondary_priority_and_risk():
    r = pd.DataFrame({"mineral": ["copper", "copper", "rare_earths"], "variable": ["eol_rir", "eol_rr", "eol_rr"],
                      "value": [0.55, 0.45, 0.01], "source": "s", "edition": "e", "year": 2023})
    out = secondary.secondary_risk(r, ["copper", "rare_earths", "rubidium"]).set_index("mineral")
    assert out.loc["copper", "risk"] == pytest.approx(0.45)
    assert out.loc["copper", "variable"] == "eol_rir"
    assert out.loc["rare_earths", "risk"] == pytest.approx(0.99)
    assert "rubidium" not in out.index  # no data → no value, never 0 risk


def test_anchor_scaling():
    a = normalise.ANCHORS["production_concentration"]
    np.testing.assert_allclose(normalise.by_anchors([0, 0.15, 0.25, 1.0, 0.2], a), [0, 0.3, 0.5, 1.0, 0.4])
    assert np.isnan(normalise.by_anchors([np.nan], a)[0])


def test_minmax_and_percentile():
    df = pd.DataFrame({"indicator": "price_volatility", "country": "JPN", "year": 2020,
                       "value": [0.1, 0.2, 0.3]})
    assert normalise.scale(df, method="minmax").tolist() == pytest.approx([0, 0.5, 1])
    assert normalise.scale(df, method="percentile").tolist() == pytest.approx([1 / 3, 2 / 3, 1])
