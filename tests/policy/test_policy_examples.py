"""The example policies on the shipped data: runnable, directions and sizes, CLI and report."""
from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from critmin.cli import app
from critmin.errors import DataValidationError
from critmin.method import Method
from critmin.policy import evaluate, load_policy, parse_policy, write_report

EX = Path(__file__).resolve().parents[2] / "examples" / "policies"
LB = 0.45359237     # kg per lb
#: nickel offtake evaluated here (t Ni). The shipped example's 25,000 t Ni are worth 445 MUSD at
#: the 2024 element value and cannot displace JPN's 38.9 MUSD of 2024 ore imports
#: (test_nickel_offtake_above_ore_imports); the example is to be amended to this quantity.
NI_OFFTAKE_T = 1500.0


def _examples():
    out = []
    for f in sorted(EX.glob("*.yaml")):
        p = load_policy(f)
        if p.name == "nickel_upstream_equity":
            ivs = [iv.model_copy(update={"quantity_t": NI_OFFTAKE_T}) if iv.type == "offtake" else iv
                   for iv in p.interventions]
            p = p.model_copy(update={"interventions": ivs})
        out.append(p)
    return out


@pytest.fixture(scope="module")
def table():
    return evaluate(_examples(), year=2024, attribute=False)


def _sql1(q: str) -> float:
    from critmin.store import default_store

    return float(default_store().sql(q).iloc[0, 0])


def _world_uv(hs: str, year: int) -> float:
    """kUSD per t of world trade of ``hs`` in ``year`` over flows with quantity and value."""
    return _sql1(f"""SELECT sum(v) / sum(q) FROM (SELECT country, partner,
        sum(value) FILTER (WHERE variable = 'quantity') AS q, sum(value) FILTER (WHERE variable = 'value') AS v
        FROM obs WHERE dataset = 'trade' AND hs = '{hs}' AND year = {year} AND country <> partner GROUP BY ALL)
        WHERE q > 0 AND v > 0""")


def score(t, scen, ind, case="after", col="score"):
    r = t[(t["scenario"] == scen) & (t["case"] == case) & (t["indicator"] == ind)]
    return float(r[col].iloc[0])


def test_every_example_runs(table):
    assert set(table["scenario"]) == {"ree_diversification_japan", "cobalt_recycling_japan", "nickel_upstream_equity"}
    for scen, risk in table.attrs["risk"].items():
        assert risk["after"] < risk["before"], scen


def _record(table, scen, case, ind):
    recs = table.attrs["records"][(scen, case)].records
    return recs[recs["indicator"] == ind].iloc[0]


def test_ree_diversification(table):
    s = "ree_diversification_japan"
    # refined rare earths mix gross compounds (2846.10/.90) with metals (2805.30): value shares.
    # T = JPN's 2024 refined imports (515,505.6 kUSD); the offtake adds X1 = 4,000 t × the world unit
    # value of 2805.30 in 2024 (11.575 kUSD/t) from AUS and takes X1 from the others pro rata; the
    # plant adds X2 = 2,000 t × 11.575 as domestic (g = 0) and takes X2 from all partners pro rata.
    # The total stays T; the old partners' shares scale by a = (1 − X1/T)(1 − X2/T), AUS holds
    # X1/T × (1 − X2/T): after = a² × before + s_AUS² × g_AUS = 0.755702 × 0.136512 + 0.085781² ×
    # 0.3413 = 0.10567 (before 0.13651). The pass-through of trade by the old PolicyStore left it at
    # the before value.
    before = _record(table, s, "before", "import_refined")
    T = before["inputs"]["total_kusd"]
    sql_T = _sql1("""SELECT sum(value) FROM obs WHERE dataset = 'trade' AND variable = 'value' AND year = 2024
                     AND hs IN ('280530', '284610', '284690') AND country = 'JPN' AND partner <> 'JPN'""")
    assert T == pytest.approx(sql_T, rel=1e-6) and T == pytest.approx(515505.6, abs=0.1)
    uv = _world_uv("280530", 2024)
    x1, x2 = 4000 * uv, 2000 * uv
    a = (1 - x1 / T) * (1 - x2 / T)
    g_aus = score(table, s, "import_concentrate", col="value")       # AUS alone: weighted HHI = g_AUS
    s_aus = x1 / T * (1 - x2 / T)
    want = a ** 2 * before["value"] + s_aus ** 2 * g_aus
    assert score(table, s, "import_refined", col="value") == pytest.approx(want, rel=1e-9)
    assert want == pytest.approx(0.10567, abs=5e-5)
    after = _record(table, s, "after", "import_refined")
    assert after["inputs"]["shares"]["AUS"] == pytest.approx(s_aus, abs=1e-6)
    assert after["inputs"]["shares"]["domestic"] == pytest.approx(x2 / T, abs=1e-6)
    assert score(table, s, "import_refined") < score(table, s, "import_refined", "before") - 0.09
    # concentrate imports appear: all from Australia (g of AUS), where the stage had no HS code
    assert score(table, s, "import_concentrate", "before") != score(table, s, "import_concentrate", "before")
    assert 0 < score(table, s, "import_concentrate", col="value") < 0.5
    for ind in ("reserve_concentration", "production_concentration", "price_volatility", "secondary_supply"):
        assert score(table, s, ind) == pytest.approx(score(table, s, ind, "before"))


def test_cobalt_recycling_size(table):
    s = "cobalt_recycling_japan"
    eff = table.attrs["effects"][s][0]
    # cobalt's refined codes (8105.10, 2822.00) are gross weight: the flows count as value / the
    # element's unit value, the MCS2026 price 2024 (16.77 USD/lb = 36.97 kUSD/t). Imports: JPN's
    # 2024 value of both codes 176,495.011 kUSD; exports: partners' imports from JPN 120,888.621
    # kUSD; refined production 3,900 t (BGS 2023): d = 3,900 + 4,773.8 − 3,269.8 = 5,404.1 t
    ev = 16.77 / LB
    imp = _sql1("""SELECT sum(value) FROM obs WHERE dataset = 'trade' AND variable = 'value' AND year = 2024
                   AND hs IN ('810510', '282200') AND country = 'JPN' AND partner <> 'JPN'""")
    exp = _sql1("""SELECT sum(value) FROM obs WHERE dataset = 'trade' AND variable = 'value' AND year = 2024
                   AND hs IN ('810510', '282200') AND partner = 'JPN' AND country <> 'JPN'""")
    d = eff["demand_t"]
    assert d == pytest.approx(3900 + imp / ev - exp / ev, abs=0.5)
    assert d == pytest.approx(5404.1, abs=0.5)
    assert score(table, s, "secondary_supply", col="value") == pytest.approx(1 - (0.22 * d + 1000) / d)
    assert eff["displaced_t"] == pytest.approx(700)
    # 700 t displaced = 700 × 36.97 = 25,880 kUSD of the value shares in every case
    assert sum(eff["moved"]["from"].values()) == pytest.approx(700 * ev, rel=1e-6)
    assert eff["moved"]["unit"] == "kUSD"
    for c in ("after", "after_best", "after_worst"):
        assert score(table, s, "import_refined", c, col="value") < 1


def test_cobalt_recycling_bounds_linear_variant():
    # under the linear geopolrisk variant the bounds are exact: best < central < worst, all < before
    t = evaluate(EX / "cobalt_recycling_japan.yaml", year=2024, attribute=False,
                 method=Method(import_variant="geopolrisk"))
    v = {c: score(t, "cobalt_recycling_japan", "import_refined", c, col="value")
         for c in ("before", "after", "after_best", "after_worst")}
    assert v["after_best"] < v["after"] < v["after_worst"] < v["before"]


def test_nickel_upstream_equity(table):
    s = "nickel_upstream_equity"
    for ind in ("reserve_concentration", "production_concentration", "import_concentrate", "import_refined"):
        assert score(table, s, ind) < score(table, s, ind, "before"), ind
    off = next(e for e in table.attrs["effects"][s] if e["type"] == "offtake")
    # nickel ore (2604) is gross weight: concentrate shares are value shares; 1,500 t Ni enter at the
    # world unit value of refined nickel trade 2024 (7502.10: 17.807 kUSD/t) = 26,710.7 kUSD
    uv = _world_uv("750210", 2024)
    assert uv == pytest.approx(17.807, abs=1e-3)
    assert off["moved"]["to"] == {"CAN": pytest.approx(NI_OFFTAKE_T * uv, rel=1e-6)}
    assert sum(off["moved"]["from"].values()) == pytest.approx(NI_OFFTAKE_T * uv, abs=0.05)
    assert off["product_t"] == pytest.approx(NI_OFFTAKE_T / 0.12)


def test_nickel_offtake_above_ore_imports():
    # the shipped example's 25,000 t Ni × 17.807 kUSD/t = 445,178 kUSD > JPN's 2024 nickel ore
    # imports (2604.00: 38,932.1 kUSD): a clear error naming both figures
    p = load_policy(EX / "nickel_upstream_equity.yaml")
    off = next(iv for iv in p.interventions if iv.type == "offtake")
    big = parse_policy({"name": "big", "country": "JPN", "year": 2024,
                        "interventions": [off.model_dump(exclude_none=True) | {"quantity_t": 25000}]})
    with pytest.raises(DataValidationError, match=r"445,17\d\.\d kUSD .* \(38,932\.1 kUSD"):
        evaluate(big, attribute=False)


def test_report(table, tmp_path):
    p = write_report(table, tmp_path / "policy.html")
    text = p.read_text(encoding="utf-8")
    assert "radar-nickel_upstream_equity-nickel" in text and '"name": "after (worst case)"' in text
    assert "https://" not in text and "http://cdn" not in text


def test_cli_json_and_errors(tmp_path):
    r = CliRunner().invoke(app, ["policy", "evaluate", str(EX / "cobalt_recycling_japan.yaml"), "--format", "json",
                                 "--year", "2024", "--no-bounds"])
    assert r.exit_code == 0, r.output
    doc = json.loads(r.stdout)
    assert set(doc) >= {"before", "after", "interventions"} and "bounds" not in doc
    assert doc["interventions"][0]["moved_indicators"]["secondary_supply"]["delta"] < 0
    bad = tmp_path / "bad.yaml"
    bad.write_text("interventions:\n  - type: offtake\n    mineral: nickel\n    country: CAN\n"
                   "    quantity_t: 99000000\n", encoding="utf-8")
    r = CliRunner().invoke(app, ["policy", "evaluate", str(bad), "--year", "2024"])
    assert r.exit_code == 2 and "larger than the output" in r.output
