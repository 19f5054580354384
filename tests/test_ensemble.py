"""Ensembles of the uncertainty model (issue 15): the same bytes serially, on a LocalCluster with two
worker processes, and after a worker is killed mid-run; the central draw is still ``assess``."""
from __future__ import annotations

import hashlib
import os
import signal
import sys

import numpy as np
import pandas as pd
import pytest
from typer.testing import CliRunner

import critmin
from critmin import ensemble as ens
from critmin.cli import app
from critmin.errors import CritminError
from critmin.methods.uncertainty import SAMPLED

ARGS = ["uncertainty", "--country", "JPN,KOR,DEU", "--years", "2020-2022", "--draws", "200", "--sobol-n", "32",
        "--seed", "7"]
KW = {"draws": 200, "seed": 7, "sobol_n": 32}


def digest(path) -> dict:
    """SHA-256 of every file of an output, except the run's times and memory (``_run.json``)."""
    return {str(p.relative_to(path)): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(path.rglob("*")) if p.is_file() and p.name != ens.RUN_FILE}


@pytest.fixture(scope="module")
def serial(tmp_path_factory):
    out = tmp_path_factory.mktemp("serial") / "unc"
    r = CliRunner().invoke(app, ARGS + ["--scheduler", "none", "--out", str(out)])
    assert r.exit_code == 0, r.output
    return out


@pytest.fixture(scope="module")
def cluster():
    distributed = pytest.importorskip("distributed")
    with ens.local_cluster(2, dashboard_address=":0") as c, distributed.Client(c) as client:
        yield c, client


def test_partition_seed_and_layout():
    # the stream depends on (seed, importer, year) only, through SHA-256 (not the salted hash())
    assert ens.stable_key("JPN") == int(hashlib.sha256(b"JPN").hexdigest()[:16], 16)
    a = np.random.default_rng(ens.partition_seed(7, "KOR", 2021)).random(3)
    b = np.random.default_rng(np.random.SeedSequence(7, spawn_key=(ens.stable_key("KOR"), 2021))).random(3)
    assert a.tolist() == b.tolist()
    assert a.tolist() != np.random.default_rng(ens.partition_seed(7, "KOR", 2022)).random(3).tolist()
    assert ens.partitions(["KOR", "JPN"], {"JPN": [2021, 2020], "KOR": [2020]}) == [
        ("JPN", 2020), ("JPN", 2021), ("KOR", 2020)]
    with pytest.raises(CritminError, match="scheduler"):
        ens.check_scheduler("yarn")


def test_serial_output(serial):
    files = sorted(p.relative_to(serial).as_posix() for p in serial.rglob("*") if p.is_file())
    assert files == ["_provenance.json", "_run.json", "importer=DEU/part-0.parquet", "importer=JPN/part-0.parquet",
                     "importer=KOR/part-0.parquet"]
    prov = ens.provenance(serial)
    assert (prov["seed"], prov["draws"], prov["partitions_done"], prov["skipped"]) == (7, 200, 9, [])
    assert prov["data_fingerprint"] == critmin.store.default_store().version()
    t = ens.read(serial)
    assert t.groupby(["importer", "year"]).ngroups == 9
    so = t[t["indicator"] == "ranking"]
    assert len(so) == 9 * 11 and so["S1"].notna().all() and (so["mineral"] == "").all()
    # the central draw of every partition is the assessment (its own supply data, read from the store)
    a = critmin.assess("JPN", 2022, detail=False).records
    a = a[a["indicator"].isin(SAMPLED)].set_index(["mineral", "indicator"])["score"].dropna()
    b = t[(t["importer"] == "JPN") & (t["year"] == 2022) & t["indicator"].isin(SAMPLED)]
    b = b.set_index(["mineral", "indicator"])["base"].dropna()
    assert len(b) > 50 and b.index.sort_values().equals(a.index.sort_values())
    np.testing.assert_allclose(b.loc[a.index].to_numpy(), a.to_numpy(float), rtol=1e-9)
    band = t[t["indicator"].isin(SAMPLED + ("mean_score",))]
    assert ((band["p05"] <= band["p50"] + 1e-12) & (band["p50"] <= band["p95"] + 1e-12)).all()
    # one file per importer, read back with pandas as well
    assert len(pd.read_parquet(serial / "importer=JPN" / "part-0.parquet")) == (t["importer"] == "JPN").sum()


def test_local_cluster_same_bytes(serial, cluster, tmp_path):
    c, _ = cluster
    out = tmp_path / "unc"
    r = CliRunner().invoke(app, ARGS + ["--scheduler", c.scheduler_address, "--out", str(out)])
    assert r.exit_code == 0, r.output
    assert digest(out) == digest(serial)
    run = __import__("json").loads((out / ens.RUN_FILE).read_text())
    assert run["workers"] == 2 and len(run["memory_mb"]) == 2


def test_killed_worker_same_bytes(serial, cluster, tmp_path):
    _, client = cluster
    killed = []

    def kill_one(done, total):
        if killed:
            return
        busy = {w: ks for w, ks in client.processing().items() if ks}
        w = min(busy)
        pid = client.run(os.getpid, workers=[w])[w]
        killed.append((w, busy[w], done, total))
        os.kill(pid, signal.SIGKILL)

    res = ens.run_ensemble(["JPN", "KOR", "DEU"], range(2020, 2023), client=client, on_done=kill_one, **KW)
    assert killed and killed[0][1] and killed[0][2] < killed[0][3]      # killed while it ran a partition
    ens.write(res, tmp_path / "unc")
    assert digest(tmp_path / "unc") == digest(serial)


def test_without_dask(monkeypatch, tmp_path):
    monkeypatch.setitem(sys.modules, "distributed", None)        # import distributed → ImportError
    with pytest.raises(CritminError, match=r"critmin\[distributed\]"):
        ens.run_ensemble(["MLT"], [2020], draws=20, scheduler="local")
    res = ens.run_ensemble(["MLT"], [2020], draws=20, sobol=False, scheduler="none")
    assert res.provenance["partitions_done"] == 1 and (res.table["importer"] == "MLT").all()
    assert not res.table["S1"].notna().any()
    ens.write(res, tmp_path / "mlt.parquet")
    assert ens.read(tmp_path / "mlt.parquet").equals(res.table)
    assert ens.provenance(tmp_path / "mlt.parquet")["importers"] == ["MLT"]
