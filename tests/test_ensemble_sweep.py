"""Scenario sweeps (issue 15): ``critmin disrupt --sweep`` and ``critmin policy rank --sweep`` — the file
validated at the boundary, rows equal to the single-scenario commands, and the same bytes serially and on
a LocalCluster with two worker processes."""
from __future__ import annotations

import hashlib
import json
from pathlib import Path

import numpy as np
import pytest
from typer.testing import CliRunner

from critmin import disruption as dr
from critmin import ensemble as ens
from critmin import sweep as sw
from critmin.cli import app
from critmin.errors import DataValidationError

REPO = Path(__file__).resolve().parents[1]
POLICY = REPO / "examples" / "policies" / "cobalt_recycling_japan.yaml"

SWEEP = """\
name: t
importer: JPN
grid:
  mineral: [rare_earths, gallium]
  exporters: [CHN, CHN+VNM]
  share: [0.5, 1.0]
  days: [90]
  stock_days: [30]
scenarios:
  - {mineral: graphite, exporters: CHN, share: 1.0, days: 90, stock_days: 30, runs: 4000}
  - {mineral: rare_earths, exporters: CHN, share: 0.5, days: 60, stock_t: 500, runs: 3000}
  - {mineral: rare_earths, exporters: [VNM, CHN], share: 1, days: 90, stock_days: 30}   # = a grid scenario
"""


def digest(path: Path) -> dict:
    return {str(p.relative_to(path)): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(path.rglob("*")) if p.is_file() and p.name != ens.RUN_FILE}


@pytest.fixture(scope="module")
def sweep_file(tmp_path_factory) -> Path:
    p = tmp_path_factory.mktemp("sw") / "sweep.yaml"
    p.write_text(SWEEP, encoding="utf-8")
    return p


@pytest.fixture(scope="module")
def serial(sweep_file, tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("serial") / "dis"
    r = CliRunner().invoke(app, ["disrupt", "--sweep", str(sweep_file), "--scheduler", "none", "--seed", "3",
                                 "--out", str(out), "--lang", "en"])
    assert r.exit_code == 0, r.output
    return out


@pytest.fixture(scope="module")
def cluster():
    distributed = pytest.importorskip("distributed")
    with ens.local_cluster(2, dashboard_address=":0") as c, distributed.Client(c) as client:
        yield c, client


def _bad(tmp_path, text: str, name: str = "s.yaml") -> str:
    p = tmp_path / name
    p.write_text(text, encoding="utf-8")
    with pytest.raises(DataValidationError) as e:
        sw.disrupt_scenarios(p)
    return str(e.value)


def test_sweep_file_expands_dedupes_and_names_file_row_field(sweep_file, tmp_path):
    stops, facts = sw.disrupt_scenarios(sweep_file)
    # 2 minerals x 2 stops x 2 shares = 8, plus 3 listed of which one repeats a grid scenario
    assert (facts["rows"], facts["duplicates"], len(stops)) == (11, 1, 10)
    s = next(x for x in stops if x.mineral == "rare_earths" and x.exporters == ("CHN", "VNM") and x.share == 1.0)
    assert s.key == "JPN|rare_earths|auto|latest|CHN+VNM|share=1|days=90|stock_days=30|bound=0|runs=0"
    msg = _bad(tmp_path, "grid: {mineral: [copper], exporters: [CHL], days: [30], share: [0.5, 1.5]}\n")
    assert "share is out of bounds" in msg and "row grid mineral=copper" in msg and "share=1.5" in msg
    assert "field 'share'" in msg and "s.yaml" in msg
    msg = _bad(tmp_path, "scenarios:\n  - {mineral: copper, exporters: CHL, days: 30, sahre: 1}\n")
    assert "did you mean 'share'" in msg and "row scenarios[0]" in msg
    msg = _bad(tmp_path, "importer,mineral,exporters,days\nJPN,copper,CHL,30\nJPN,copper,XXQ,30\n", "s.csv")
    assert "row line 3" in msg and "field 'exporters'" in msg
    msg = _bad(tmp_path, "scenarios:\n  - {mineral: copper, exporters: CHL}\n")
    assert "days is required" in msg
    msg = _bad(tmp_path, "mineral: copper\nexporters: CHL\ndays: 30\nstock_t: 5\nstock_days: 5\n")
    assert "not both" in msg
    msg = _bad(tmp_path, "grid: {mineral: [copper], exporters: [CHL], days: [5000]}\n")
    assert "3,650" in msg
    big = "grid: {mineral: [copper], exporters: [CHL], days: [%s], share: [%s], stock_days: [%s]}\n" % (
        ", ".join(str(i) for i in range(1, 101)), ", ".join(str(i / 100) for i in range(1, 101)),
        ", ".join(str(i) for i in range(11)))
    assert "too many combinations" in _bad(tmp_path, big)            # 110,000 > 100,000
    assert "too many values" in _bad(tmp_path, "grid: {days: [%s]}\n" % ", ".join(["1"] * 201))


def test_rows_are_the_disrupt_command(serial):
    """Rare earths, JPN, refined 2024: CHN sent 15,969.389 t of 24,149 t. Half of it stopped for 90 days:
    L = 0.5 x 15,969.389 / 365 = 21.876 t/day, gross shortfall 90 L = 1,968.8 t; a 30-day stock covers
    30 x 24,149/365 / L days."""
    t = sw.read(serial)
    assert len(t) == 10 and t["scenario"].is_unique
    r = t[(t["mineral"] == "rare_earths") & (t["exporters"] == "CHN") & (t["share"] == 0.5) & (t["days"] == 90)]
    r = r.iloc[0]
    assert r["gross_shortfall_t"] == pytest.approx(0.5 * 15969.389 * 90 / 365, rel=1e-9)
    assert r["gross_shortfall_t"] == pytest.approx(1968.83, abs=0.01)
    want = dr.simulate("JPN", "rare_earths", ["CHN"], 90, share=0.5, stock_days=30)
    for k in ("annual_imports_t", "gross_shortfall_t", "stock_t", "shortfall_t", "covered_days", "stock_needed_t",
              "stock_needed_days"):
        assert r[k] == pytest.approx(want[k], rel=1e-9), k
    assert (r["stage"], int(r["year"]), r["basis"]) == (want["stage"], want["year"], want["basis"])
    # a Monte Carlo row: quantiles in order, the stock needed is the 95 % loss (bound 0)
    mc = t[t["runs"] > 0]
    assert len(mc) == 2 and mc["mc_loss_mean_t"].notna().all() and t.loc[t["runs"] == 0, "mc_loss_mean_t"].isna().all()
    assert ((mc["mc_loss_p50_t"] <= mc["mc_loss_p95_t"]) & (mc["mc_loss_p95_t"] <= mc["mc_loss_p99_t"])).all()
    np.testing.assert_allclose(mc["mc_stock_needed_p95_t"], mc["mc_loss_p95_t"])
    prov = ens.provenance(serial)
    assert (prov["seed"], prov["scenarios"], prov["rows"], prov["skipped"]) == (3, 10, 10, [])
    assert prov["sweep"]["duplicates"] == 1 and "spawn_key" in prov["seed_rule"]
    files = sorted(p.relative_to(serial).as_posix() for p in serial.rglob("*.parquet"))
    assert files == ["mineral=gallium/part-0.parquet", "mineral=graphite/part-0.parquet",
                     "mineral=rare_earths/part-0.parquet"]


def test_stream_depends_only_on_seed_and_scenario_key(serial, tmp_path):
    """The graphite Monte Carlo scenario alone, in a file of its own, gives its row of the sweep."""
    p = tmp_path / "one.csv"
    p.write_text("mineral,exporters,share,days,stock_days,runs\ngraphite,CHN,1,90,30,4000\n", encoding="utf-8")
    one = sw.run_sweep("disrupt", p, seed=3).table
    t = sw.read(serial)
    row = t[t["scenario"] == one["scenario"].iat[0]]
    assert len(row) == 1
    for c in ("mc_loss_mean_t", "mc_loss_p95_t", "mc_shortfall_p95_t", "mc_prob_shortfall"):
        assert row[c].iat[0] == one[c].iat[0], c
    other = sw.run_sweep("disrupt", p, seed=4).table
    assert other["mc_loss_mean_t"].iat[0] != one["mc_loss_mean_t"].iat[0]


def test_local_cluster_same_bytes(serial, sweep_file, cluster, tmp_path):
    c, _ = cluster
    out = tmp_path / "dis"
    r = CliRunner().invoke(app, ["disrupt", "--sweep", str(sweep_file), "--scheduler", c.scheduler_address,
                                 "--seed", "3", "--out", str(out), "--lang", "en"])
    assert r.exit_code == 0, r.output
    assert digest(out) == digest(serial)
    run = json.loads((out / ens.RUN_FILE).read_text())
    assert run["workers"] == 2 and len(run["memory_mb"]) == 2


@pytest.fixture(scope="module")
def policy_sweep(tmp_path_factory) -> Path:
    p = tmp_path_factory.mktemp("pol") / "sizes.yaml"
    p.write_text("grid:\n  scale: [0.5, 2]\nscenarios:\n  - {battery_recycling.displacement_rate: 0.5}\n",
                 encoding="utf-8")
    return p


@pytest.fixture(scope="module")
def policy_serial(policy_sweep, tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("pol") / "pol.parquet"
    r = CliRunner().invoke(app, ["policy", "rank", str(POLICY), "--sweep", str(policy_sweep), "--scheduler", "none",
                                 "--out", str(out), "--lang", "en"])
    assert r.exit_code == 0, r.output
    return out


def test_policy_sweep_rows_are_rank_of_the_scaled_policy(policy_serial):
    from critmin.policy import load_policy, rank

    t = sw.read(policy_serial)
    assert t["scenario"].tolist() == ["JPN|2024|scale=0.5", "JPN|2024|scale=1|battery_recycling.displacement_rate=0.5",
                                      "JPN|2024|scale=2"]
    # the policy's 1,000 t/yr recycled, scaled: 500 and 2,000 t/yr
    assert t["size"].tolist() == [500.0, 1000.0, 2000.0] and set(t["size_field"]) == {"quantity_t"}
    p = sw.scaled_policy(load_policy(POLICY), 2.0, ())
    assert p.interventions[0].quantity_t == 2000.0
    want = rank(p, "JPN", 2024)                     # the command's own ranking, on fresh data
    assert t.at[2, "reduction"] == pytest.approx(float(want["reduction"].iat[0]), rel=1e-12)
    assert t.at[2, "reduction"] > t.at[1, "reduction"] > t.at[0, "reduction"] > 0
    assert ens.provenance(policy_serial)["sweep"]["policy"] == "cobalt_recycling_japan"


def test_policy_sweep_refuses_a_scenario_outside_the_policy_bounds(tmp_path):
    bad = tmp_path / "bad.yaml"
    bad.write_text("scenarios:\n  - {battery_recycling.displacement_rate: 1.5}\n", encoding="utf-8")
    with pytest.raises(DataValidationError, match=r"invalid policy.*row scenarios\[0\]"):
        sw.policy_variants(bad, POLICY)
    bad.write_text("grid: {lynas_offtake.quantity_t: [1]}\n", encoding="utf-8")
    with pytest.raises(DataValidationError, match="no intervention named 'lynas_offtake'"):
        sw.policy_variants(bad, POLICY)


def test_policy_sweep_local_cluster_same_bytes(policy_sweep, policy_serial, cluster, tmp_path):
    c, _ = cluster
    out = tmp_path / "pol2.parquet"
    r = CliRunner().invoke(app, ["policy", "rank", str(POLICY), "--sweep", str(policy_sweep), "--scheduler",
                                 c.scheduler_address, "--out", str(out), "--lang", "en"])
    assert r.exit_code == 0, r.output
    assert out.read_bytes() == policy_serial.read_bytes()


@pytest.mark.parametrize("args, options, fix", [
    (["disrupt", "--sweep", "SWEEP", "--mineral", "copper", "--days", "30", "-e", "CHN"],
     "--mineral, --exporter, --days", "set mineral, exporters, days in the sweep file"),
    (["disrupt", "--sweep", "SWEEP", "--flows", "mix.csv", "--runs", "100"],
     "--flows, --runs", "set runs in the sweep file"),
    (["policy", "rank", str(POLICY), "--sweep", "SWEEP", "--country", "KOR", "--year", "2022"],
     "--country, --year", "set importer, year in the sweep file"),
])
def test_sweep_refuses_an_option_of_one_scenario(args, options, fix, sweep_file, tmp_path):
    """With --sweep, an option that describes one scenario would be ignored: refused before any work,
    the message naming each option given and the sweep-file field to set instead."""
    out = tmp_path / "o.parquet"
    args = [str(sweep_file) if a == "SWEEP" else a for a in args]
    r = CliRunner().invoke(app, [*args, "--scheduler", "none", "--out", str(out), "--lang", "en"])
    assert r.exit_code == 2
    msg = " ".join(r.stderr.split())
    assert f"--sweep takes its scenarios from the sweep file; {options} would be ignored" in msg
    assert fix in msg and "Traceback" not in r.output and not out.exists()
    if "--flows" in options:
        assert "drop --flows: a sweep has no such setting" in msg
    # the same option at its default value, not given: the sweep runs (tested by the fixtures above);
    # in Japanese the refusal is Japanese
    r = CliRunner().invoke(app, [*args, "--scheduler", "none", "--lang", "ja"])
    assert r.exit_code == 2 and "スイープファイル" in r.stderr and options in " ".join(r.stderr.split())
