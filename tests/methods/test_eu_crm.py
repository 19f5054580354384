"""EU CRM supply risk on the one supply layer: hand-computed figures, the EU-27 aggregate, the
sourcing rule for own production (issue 11, defects 1, 2 and 7)."""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from critmin.methods import eu_crm
from critmin.methods.sourcing import group_sourcing
from critmin.store import default_store
from critmin.supply import SupplyData

PRIORITY = ("usgs_mcs", "wmd", "bgs_wms")     # refined production, as the supply layer picks it


@pytest.fixture(scope="module")
def sd():
    return SupplyData(minerals=["copper", "nickel", "lithium", "cobalt"])


def _hand_refined_sr(importer: str, year: int, hs: str, mineral: str) -> dict:
    """EU CRM SR of the refined stage for a mineral whose refined stage is ONE metal-basis code
    traded as value-only flows (no quantity reported that year), by SQL on the shipped store:

    * each flow's tonnes = value × (Σ quantity / Σ value of the code in the nearest year whose
      bilateral records report both, here 2024) × P(2024) / P(year) with P the mineral's Pink Sheet
      price — the supply layer's last resort when neither the importer nor the world reports a
      quantity for the code that year;
    * domestic production: the importer's refined production, first source of usgs_mcs > wmd >
      bgs_wms with rows for (mineral, year);
    * WGI = 5 − 2 · PV estimate of the year; t from ``t_world`` (1 where not listed; own
      production t = 1); EoL-RIR from the recycling dataset.
    """
    s = default_store()
    uvt = s.sql("""SELECT sum(q) / sum(v) AS r, min(year) AS y, count(DISTINCT year) AS ny FROM (
                    SELECT country, partner, year,
                    sum(value) FILTER (WHERE variable = 'quantity') AS q,
                    sum(value) FILTER (WHERE variable = 'value') AS v
                  FROM obs WHERE dataset = 'trade' AND hs = ? AND country <> partner GROUP BY ALL)
                  WHERE q > 0 AND v > 0""", [hs])
    assert int(uvt["ny"].iloc[0]) == 1 and int(uvt["y"].iloc[0]) == 2024
    price = s.sql("""SELECT year, value FROM obs WHERE dataset = 'price' AND source = 'pink_sheet'
                     AND mineral = ? AND year IN (?, 2024)""", [mineral, year]).set_index("year")["value"]
    uv = float(uvt["r"].iloc[0]) * price[2024] / price[year]
    nq = s.sql("""SELECT count(*) AS n FROM obs WHERE dataset = 'trade' AND hs = ? AND year = ?
                  AND variable = 'quantity'""", [hs, year])["n"].iloc[0]
    assert nq == 0, "the hand rule assumes value-only flows that year"
    imp = s.sql("""SELECT partner, sum(value) AS v FROM obs WHERE dataset = 'trade' AND hs = ? AND year = ?
                   AND variable = 'value' AND country = ? AND partner <> ? GROUP BY 1""",
                [hs, year, importer, importer]).set_index("partner")["v"]
    exp_v = s.sql("""SELECT sum(value) AS v FROM obs WHERE dataset = 'trade' AND hs = ? AND year = ?
                     AND variable = 'value' AND partner = ? AND country <> ?""",
                  [hs, year, importer, importer])["v"].iloc[0]
    prod = s.sql("""SELECT country, source, value, unit, basis FROM obs WHERE dataset = 'refined_production'
                    AND mineral = ? AND year = ? AND variable = 'quantity'""", [mineral, year])
    src = next(p for p in PRIORITY if (prod["source"] == p).any())
    prod = prod[prod["source"] == src]
    assert set(prod["unit"]) == {"t"} and set(prod["basis"]) == {"metal"}
    gov = s.sql("""SELECT country, value FROM obs WHERE dataset = 'governance' AND variable = 'pv_estimate'
                   AND year = ?""", [year]).set_index("country")["value"]
    wgi = (5 - 2 * gov).clip(0, 10)
    tp = s.load("trade_parameter", minerals=[mineral])
    t = tp[(tp["stage"] == "refined") & (tp["variable"] == "t_world")].set_index("country")["value"]
    eol = s.load("recycling", minerals=[mineral], variables=["eol_rir"])["value"].iloc[0]

    world = prod[~prod["country"].isin(["WLD", "OTH"])].groupby("country")["value"].sum()
    sh = world / world.sum()
    hgs = float((sh ** 2 * wgi.reindex(sh.index).fillna(10.0) * t.reindex(sh.index).fillna(1.0)).sum())
    q = imp * uv
    dom = float(prod.loc[prod["country"] == importer, "value"].sum())
    supp = pd.concat([q, pd.Series({importer: dom})])
    ss = supp / supp.sum()
    tt = t.reindex(ss.index).fillna(1.0)
    tt[importer] = 1.0
    hs_ = float((ss ** 2 * wgi.reindex(ss.index).fillna(10.0) * tt).sum())
    x = exp_v * uv
    ir = min(max((q.sum() - x) / (dom + q.sum() - x), 0.0), 1.0)
    sr = (hgs * ir / 2 + hs_ * (1 - ir / 2)) * (1 - eol)
    return {"sr": sr, "hhi_gs": hgs, "hhi_sourcing": hs_, "ir": ir, "imports": q.sum(), "exports": x,
            "domestic": dom, "import_value_kusd": imp.sum(), "own_wgi": float(wgi[importer])}


def test_deu_2020_refined_copper_counts_value_only_flows(sd):
    # Germany 2020, refined copper (HS 7403.11, Critical Materials Atlas flows with values only):
    # before issue 11 the flows were dropped and SR was 1.670 (sourcing = Germany's own output
    # only, IR = 0). Hand computation (above): imports 23 partners, USD 2.945 bn = 474,636 t at the
    # 2024 unit value rescaled to 2020 copper prices (6.21 kUSD/t); exports USD 1.002 bn = 161,499 t;
    # domestic 643,000 t (BGS WMS); HHI_GS 1.4021 (USGS MCS 2022's named refiners), HHI_sourcing
    # 1.3245, IR 0.32750, EoL-RIR 0.55: SR = (1.4021·0.16375 + 1.3245·0.83625)·0.45 = 0.6017.
    # (The 0.721 imputed tonnes at the 2024 unit value, a third too few for 2020.)
    h = _hand_refined_sr("DEU", 2020, "740311", "copper")
    assert h["sr"] == pytest.approx(0.60174, abs=5e-5)
    assert h["imports"] == pytest.approx(474635.5, rel=1e-6)
    r = eu_crm.supply_risk("DEU", [2020], ["copper"], supply=sd).set_index("stage")
    ref = r.loc["refined"]
    assert ref["basis"] == "contained" and ref["n_imputed"] == 23
    for k in ("sr", "hhi_gs", "hhi_sourcing", "ir", "imports", "exports", "domestic"):
        assert ref[k] == pytest.approx(h[k], rel=1e-9), k
    assert ref["bottleneck"]


def test_jpn_2022_refined_nickel_counts_usd_1_23_bn_of_imports(sd):
    # Japan 2022, unwrought nickel (HS 7502.10, value-only Atlas flows): USD 1.227 bn of imports that
    # the old code ignored, so its refined SR was Japan's own WGI (5 − 2·PV = 2.852) × 0.84 = 2.396.
    # Hand computation: imports 44,850 t (USD 1.227 bn at 27.4 kUSD/t: the 2024 unit value rescaled
    # to 2022 nickel prices), exports 9,045 t, domestic 117,800 t (BGS WMS); IR = 35,805 / 153,605 =
    # 0.2331; HHI_sourcing 1.5775; SR 1.2973.
    h = _hand_refined_sr("JPN", 2022, "750210", "nickel")
    assert h["import_value_kusd"] == pytest.approx(1_227_070.108, rel=1e-9)
    assert h["sr"] == pytest.approx(1.29734, abs=5e-5)
    r = eu_crm.supply_risk("JPN", [2022], ["nickel"], supply=sd).set_index("stage").loc["refined"]
    for k in ("sr", "hhi_sourcing", "ir", "imports", "domestic"):
        assert r[k] == pytest.approx(h[k], rel=1e-9), k
    assert r["hhi_sourcing"] < h["own_wgi"] - 1.0          # no longer Japan's governance alone


def test_own_production_is_one_supplier_at_own_wgi_with_t_1(sd):
    # China 2022 copper, mine stage: China is listed with t_world = 1.1 (export restrictions) —
    # which prices supply crossing its border, not China's own mine output: t = 1 for it.
    s = eu_crm.sourcing_shares("CHN", 2022, "copper", "mine", supply=sd)
    own = s[s["own"]]
    assert own["country"].tolist() == ["CHN"]
    assert own["t"].iloc[0] == 1.0
    pv = default_store().sql("SELECT value FROM obs WHERE dataset='governance' AND variable='pv_estimate' "
                             "AND country='CHN' AND year=2022")["value"].iloc[0]
    assert own["wgi"].iloc[0] == pytest.approx(5 - 2 * pv)
    assert (s.loc[s["country"] == "IDN", "t"] == 1.2).all()    # an import from a listed exporter keeps t
    r = eu_crm.supply_risk("CHN", [2022], ["copper"], supply=sd).set_index("stage").loc["mine"]
    assert r["hhi_sourcing"] == pytest.approx(s["term"].sum(), rel=1e-12)
    # value basis (ores have no contained conversion): domestic = 1,925,600 t (WMD) × 8.8224 kUSD/t
    # (pink sheet 2022) = 16.988 bn USD against USD 50.33 bn of ore imports → share 0.2524
    assert r["basis"] == "value"
    assert r["domestic_share"] == pytest.approx(1925600 * 8.822365833 / (1925600 * 8.822365833 + 50330120.0),
                                                rel=1e-6)


def test_eu27_members_are_the_eurostat_list():
    from critmin.countries import to_iso3

    t = eu_crm.eu27_table()
    assert len(t) == 27 and t["iso3"].is_unique
    assert to_iso3(t["name"].tolist()) == t["iso3"].tolist()
    assert "GBR" not in set(t["iso3"]) and {"HRV", "DEU", "FRA", "MLT"} <= set(t["iso3"])
    assert eu_crm.members_of("eu")[0] == "EU27"


def test_eu27_pools_extra_eu_flows_and_splits_production_by_member(sd):
    members = eu_crm.eu27_members()
    s = group_sourcing(sd, {"EU27": members}, [2020], exports=True)
    assert not s.imports["exporter"].isin(members).any()          # intra-EU trade excluded
    cu = s.imports[(s.imports["mineral"] == "copper") & (s.imports["stage"] == "refined")]
    # hand: Σ over members of the value of 7403.11 from non-members × the code's unit value
    st = default_store()
    ph = ", ".join("?" * len(members))
    v = st.sql(f"""SELECT sum(value) AS v FROM obs WHERE dataset='trade' AND hs='740311' AND year=2020
                   AND variable='value' AND country IN ({ph}) AND partner NOT IN ({ph})""",
               members + members)["v"].iloc[0]
    uv = sd.flows(["DEU"]).query("hs == '740311' and year == 2020").eval("q / v").iloc[0]
    assert cu["q"].sum() == pytest.approx(v * uv, rel=1e-9)
    r = eu_crm.supply_risk("EU27", [2020], ["copper"], supply=sd).set_index("stage").loc["refined"]
    dom = s.domestic[(s.domestic["mineral"] == "copper") & (s.domestic["stage"] == "refined")]
    assert r["domestic"] == pytest.approx(dom["p"].sum())
    assert {"DEU", "POL", "ESP", "BEL"} <= set(dom["country"])     # each member its own supplier
    sh = eu_crm.sourcing_shares("EU27", 2020, "copper", "refined", supply=sd)
    assert set(sh.loc[sh["own"], "country"]) == set(dom["country"])
    assert r["hhi_sourcing"] == pytest.approx(sh["term"].sum(), rel=1e-12)


def test_eu27_uses_t_eu_in_the_sourcing_term(sd):
    # copper, mine stage: t_eu lists IDN 1.2 and ARG 1.1 only; CHN (t_world 1.1) is 1 for the EU
    s = eu_crm.sourcing_shares("EU27", 2020, "copper", "mine", supply=sd)
    t = s.set_index("country")["t"]
    assert (t["IDN"], t["ARG"], t["CHN"], t["CHL"]) == (1.2, 1.1, 1.0, 1.0)
    assert set(np.unique(t)) == {1.0, 1.1, 1.2}


def test_group_of_one_equals_the_supply_layers_import_weights(sd):
    s = group_sourcing(sd, {"JPN": ["JPN"]}, [2020, 2022])
    w, d = sd.import_weights(["JPN"])
    w = w[w["year"].isin([2020, 2022])]
    key = ["mineral", "stage", "year", "exporter"]
    a = s.imports.rename(columns={"entity": "importer"}).sort_values(key).reset_index(drop=True)
    b = w.sort_values(key).reset_index(drop=True)
    pd.testing.assert_frame_equal(a[b.columns], b, check_dtype=False)
    k = ["mineral", "stage", "year"]
    dd = d[d["year"].isin([2020, 2022])].sort_values(k).reset_index(drop=True)
    ss = s.domestic.merge(b[k].drop_duplicates(), on=k).sort_values(k).reset_index(drop=True)
    pd.testing.assert_frame_equal(ss[k + ["p", "basis"]], dd[k + ["p", "basis"]], check_dtype=False)


def test_unknown_importer_is_a_clear_error():
    from critmin.errors import UnknownNameError

    with pytest.raises(UnknownNameError, match="country"):
        eu_crm.supply_risk("EUX", [2020], ["copper"])


def test_no_recorded_imports_is_unknown_sourcing_not_self_supply(sd):
    # China 2022 lithium, mine stage: lithium ores have no HS code of their own, so no imports are
    # recorded, while China's own mine output (26,897 t Li) is. Counting the output as 100 % of the
    # sourcing made SR = China's own WGI (5 − 2·PV); the sourcing is unknown: GS term only.
    r = eu_crm.supply_risk("CHN", [2022], ["lithium"], supply=sd).set_index("stage").loc["mine"]
    assert r["domestic"] == pytest.approx(26896.88, rel=1e-4)
    assert np.isnan(r["hhi_sourcing"]) and r["ir"] == 0.0
    assert r["sr"] == pytest.approx(r["hhi_gs"] * (1 - r["eol_rir"]), rel=1e-12)
    assert "sourcing unknown" in r["note"]
    assert eu_crm.sourcing_shares("CHN", 2022, "lithium", "mine", supply=sd).empty


def test_pol_2020_copper_mine_import_reliance_on_one_basis(sd):
    """Poland 2020, copper ore (HS 2603, gross weight): import reliance on the value basis — ore
    imports and exports in USD against Poland's own contained mine output valued at the copper price
    (Pink Sheet 2020 mean). Mixing 0.3 Mt of gross ore with contained copper gave 0.25."""
    s = default_store()

    def one(q, p):
        return float(s.sql(q, p).iloc[0, 0] or 0.0)

    imp = one("""SELECT sum(value) FROM obs WHERE dataset = 'trade' AND hs = '260300' AND year = 2020
                 AND variable = 'value' AND country = 'POL' AND partner <> 'POL'""", [])
    exp = one("""SELECT sum(value) FROM obs WHERE dataset = 'trade' AND hs = '260300' AND year = 2020
                 AND variable = 'value' AND partner = 'POL' AND country <> 'POL'""", [])
    prod = one("""SELECT value FROM obs WHERE dataset = 'mine_production' AND source = 'wmd'
                  AND mineral = 'copper' AND country = 'POL' AND year = 2020""", [])
    price = one("""SELECT value FROM obs WHERE dataset = 'price' AND source = 'pink_sheet'
                   AND mineral = 'copper' AND year = 2020""", [])
    dom = prod * price / 1000                                         # kUSD
    hand = (imp - exp) / (dom + imp - exp)
    r = eu_crm.supply_risk("POL", [2020], ["copper"], supply=sd).set_index("stage").loc["mine"]
    assert r["basis"] == "value" and r["ir"] == pytest.approx(hand, rel=1e-9)
    assert 0.05 < r["ir"] < 0.15                                      # 0.110 (was 0.25)
