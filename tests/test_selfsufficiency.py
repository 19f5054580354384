"""Self-sufficiency ratio (SPEC §2.7, issue #5): equity rule, de-duplication, estimates, template errors."""
from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest

import critmin.selfsufficiency as ss
from critmin.errors import DataValidationError

EXAMPLE = Path(__file__).resolve().parents[1] / "examples" / "selfsufficiency-template.csv"


def rows(*rs) -> pd.DataFrame:
    return pd.DataFrame(list(rs))


DEMAND = {"mineral": "copper", "component": "demand", "quantity_t": 1000, "demand_basis": "reported"}


def one(t, **kw) -> pd.Series:
    return ss.compute(t, **kw).set_index("mineral").iloc[0]


def test_equity_rule_takes_the_smaller_of_equity_and_imports():
    r = one(rows({"mineral": "copper", "component": "equity_mine", "production_t": 400, "equity_share": 0.25,
                  "imports_t": 80},                                   # equity 100, imports 80 -> 80
                 {"mineral": "copper", "component": "equity_mine", "production_t": 200, "equity_share": "30%",
                  "imports_t": 90},                                   # equity 60, imports 90 -> 60
                 {"mineral": "copper", "component": "equity_smelter", "equity_t": 50},  # no imports -> 50
                 DEMAND), estimate=False)
    assert r["equity_mine_t"] == pytest.approx(140)
    assert r["equity_smelter_t"] == pytest.approx(50)
    assert r["ratio"] == pytest.approx(100 * 190 / 1000)
    assert r["demand_basis"] == "reported"
    assert any("imports" in n for n in r["notes"])


def test_all_five_components_hand_computed():
    r = one(rows({"mineral": "nickel", "component": "1", "equity_t": 100, "imports_t": 100},
                 {"mineral": "nickel", "component": "②", "equity_t": 50, "imports_t": 40},
                 {"mineral": "nickel", "component": "post_consumer_scrap", "quantity_t": 30},
                 {"mineral": "nickel", "component": "smelter_residue", "quantity_t": 20},
                 {"mineral": "nickel", "component": "process_scrap", "quantity_t": 10},
                 {"mineral": "nickel", "component": "demand", "quantity_t": 400, "demand_basis": "apparent"}),
            estimate=False)
    assert [r[f"{c}_t"] for c in ss.COMPONENTS] == [100, 40, 30, 20, 10]
    assert r["ratio"] == pytest.approx(50.0)
    assert r["demand_basis"] == "apparent" and r["estimated"] == []


def test_equity_ore_smelted_at_home_is_counted_once():
    # 100 t of equity ore imported and smelted at home, reported again as the smelter's equity metal
    t = rows({"mineral": "copper", "component": "equity_mine", "equity_t": 100, "imports_t": 100, "chain": "A"},
             {"mineral": "copper", "component": "equity_smelter", "equity_t": 100, "chain": "A"}, DEMAND)
    r = one(t, estimate=False)
    assert r["equity_mine_t"] == 100 and r["equity_smelter_t"] == 0 and r["ratio"] == pytest.approx(10.0)
    # without the chain id both would count
    t2 = t.drop(columns="chain")
    assert one(t2, estimate=False)["ratio"] == pytest.approx(20.0)


def test_chain_counts_the_largest_stage_upstream_first():
    # two equity mines (60 + 40) feed an equity smelter abroad that ships 120 t: 100 + 20 counted
    t = rows({"mineral": "copper", "component": "equity_mine", "equity_t": 60, "imports_t": 70, "chain": "S"},
             {"mineral": "copper", "component": "equity_mine", "equity_t": 40, "imports_t": 40, "chain": "S"},
             {"mineral": "copper", "component": "equity_smelter", "equity_t": 120, "imports_t": 130, "chain": "S"},
             DEMAND)
    r = one(t, estimate=False)
    assert (r["equity_mine_t"], r["equity_smelter_t"]) == (100, 20)
    audit = ss.compute(t, estimate=False).attrs["rows"]
    assert "already counted upstream" in audit.loc[audit["component"] == "equity_smelter", "rule"].iat[0]


def test_missing_scrap_is_estimated_and_labelled():
    t = rows({"mineral": "copper", "component": "equity_mine", "equity_t": 100, "imports_t": 100}, DEMAND)
    r = one(t)
    # EU CRM 2023 EoL-RIR of copper 0.55 x 1000 t
    assert r["post_consumer_scrap_t"] == pytest.approx(550)
    assert r["estimated"] == ["post_consumer_scrap"]
    assert r["ratio"] == pytest.approx(65.0)
    assert any("estimated" in n and "EU" in n for n in r["notes"])
    r0 = one(t, estimate=False)
    assert r0["post_consumer_scrap_t"] == 0 and r0["ratio"] == pytest.approx(10.0)


def test_missing_demand_uses_apparent_consumption_labelled():
    r = one(rows({"mineral": "copper", "component": "equity_mine", "equity_t": 100, "imports_t": 100}))
    assert r["demand_basis"] == "apparent" and "demand" in r["estimated"]
    assert r["demand_t"] > 100_000 and r["demand_source"].startswith("estimate: apparent consumption")
    r0 = one(rows({"mineral": "copper", "component": "equity_mine", "equity_t": 100}), estimate=False)
    assert r0["ratio"] != r0["ratio"] and r0["demand_basis"] == "none"


def test_example_file():
    r = ss.compute(ss.read_template(EXAMPLE)).set_index("mineral")
    assert r.at["copper", "ratio"] == pytest.approx(35.0)
    assert r.at["nickel", "ratio"] == pytest.approx(100 * (12_000 + 12_000 + 0.16 * 110_000) / 110_000)
    assert "ILLUSTRATIVE" in EXAMPLE.read_text(encoding="utf-8").splitlines()[0]


def _write(tmp_path, body: str) -> Path:
    f = tmp_path / "t.csv"
    f.write_text(ss.template_text() + body, encoding="utf-8")
    return f


def test_malformed_template_names_row_and_column(tmp_path):
    hdr = len(ss.template_text().splitlines())          # header is this line number
    f = _write(tmp_path, "copper,equity_mine,A,2023,400,0.3,,lots,,,,,\n")
    with pytest.raises(DataValidationError) as e:
        ss.read_template(f)
    assert e.value.row == hdr + 1 and e.value.field == "imports_t"
    assert f"row {hdr + 1}" in str(e.value) and "'imports_t'" in str(e.value) and "lots" in str(e.value)
    f = _write(tmp_path, "copper,demand,,2023,,,,,1000,,,,\ncopper,equity_mine,,,,,5,,,,,,\n")
    with pytest.raises(DataValidationError, match="demand_basis") as e:
        ss.read_template(f)
    assert e.value.row == hdr + 1
    f = _write(tmp_path, "copper,demand,,2023,,,,,1000,reported,,,\ncopper,equity_mne,,,,,5,,,,,,\n")
    with pytest.raises(DataValidationError, match="did you mean 'equity_mine'") as e:
        ss.read_template(f)
    assert e.value.row == hdr + 2 and e.value.field == "component"
    f = _write(tmp_path, "copper,equity_mine,,,400,30,,,,,,,\n")
    with pytest.raises(DataValidationError, match="equity share above 1"):
        ss.read_template(f)
    f = _write(tmp_path, "coper,equity_mine,,,400,0.3,,,,,,,\n")
    with pytest.raises(DataValidationError, match="did you mean 'copper'"):
        ss.read_template(f)
    f = _write(tmp_path, "copper,equity_mine,,,400,,,,,,,,\n")
    with pytest.raises(DataValidationError, match="equity_share"):
        ss.read_template(f)
    g = tmp_path / "h.csv"
    g.write_text("mineral,component,quantity,demand_basis\ncopper,demand,5,reported\n")
    with pytest.raises(DataValidationError, match="did you mean 'quantity_t'") as e:
        ss.read_template(g)
    assert e.value.row == 1


def test_templates_round_trip_csv_and_excel(tmp_path):
    blank = ss.write_template(tmp_path / "b.csv")
    assert ss.read_template(blank).empty
    x = ss.write_template(tmp_path / "b.xlsx")
    assert ss.read_template(x).empty
    filled = tmp_path / "f.xlsx"
    pd.DataFrame([{"mineral": "銅", "component": "equity_mine", "equity_t": 100, "imports_t": 100},
                  {**DEMAND}]).to_excel(filled, index=False)
    assert one(ss.read_template(filled), estimate=False)["ratio"] == pytest.approx(10.0)


def test_cli_json_contract(tmp_path):
    from typer.testing import CliRunner

    from critmin.cli import app

    r = CliRunner().invoke(app, ["selfsufficiency", "--input", str(EXAMPLE), "--format", "json"])
    assert r.exit_code == 0, r.output
    doc = json.loads(r.stdout)
    rec = {x["mineral"]: x for x in doc["records"]}
    assert {"mineral", "ratio", "components", "demand_basis"} <= set(rec["copper"])
    assert rec["copper"]["ratio"] == pytest.approx(35.0)
    assert rec["copper"]["components"]["equity_mine"] == pytest.approx(210_000)
    out = tmp_path / "blank.csv"
    r = CliRunner().invoke(app, ["selfsufficiency", "--template", str(out)])
    assert r.exit_code == 0 and out.read_text().splitlines()[-1].startswith("mineral,component,")
    bad = _write(tmp_path, "copper,equity_mine,A,2023,400,0.3,,lots,,,,,\n")
    r = CliRunner().invoke(app, ["selfsufficiency", "--input", str(bad)])
    assert r.exit_code == 2 and "imports_t" in r.output


def test_cli_takes_the_file_as_argument_and_speaks_japanese(tmp_path):
    from typer.testing import CliRunner

    from critmin.cli import app

    a = CliRunner().invoke(app, ["selfsufficiency", str(EXAMPLE), "--format", "json"])
    b = CliRunner().invoke(app, ["selfsufficiency", "--input", str(EXAMPLE), "--format", "json"])
    assert a.exit_code == 0 and a.stdout == b.stdout
    other = ss.write_template(tmp_path / "b.csv")
    r = CliRunner().invoke(app, ["selfsufficiency", str(EXAMPLE), "--input", str(other)])
    assert r.exit_code == 2 and "not both" in r.output
    r = CliRunner().invoke(app, ["selfsufficiency", str(EXAMPLE), "--lang", "ja"])
    assert r.exit_code == 0, r.output
    # copper: (210,000 + 0 + 95,000 + 5,000 + 40,000) / 1,000,000 = 35.0 %; nickel ④ and ⑤ have no row
    assert "自給率（権益ベース）" in r.stdout and "35.0" in r.stdout and "1,000,000" in r.stdout
    assert "ニッケル: ④ 製錬残渣: 行なし、0 として計上" in r.stdout
    res = ss.compute(ss.read_template(EXAMPLE), lang="ja").set_index("mineral")
    assert "重複排除: 上流の項目で計上済みの金属は再計上していない" in res.at["copper", "notes_text"]
    assert "de-duplication: metal counted in an upstream component was not counted again" in res.at["copper", "notes"]
