"""Two imports at the same moment both land (the import index is written under a lock).

Two worker processes each import 10 distinct small BACI CSVs through the CLI (``critmin data
import baci FILE``) into one user data directory, starting each round together at a barrier:
10 pairs of simultaneous imports. Without the lock of :func:`critmin.store.index_lock` the
read-modify-write of ``imports.json`` loses one of a pair now and then (the fuzzing run of issue
16 measured 1 in 20); with it all 20 are in the index and every Parquet file it names exists.
"""
from __future__ import annotations

import json
import multiprocessing as mp
from pathlib import Path

from critmin.store import Store

ROUNDS = 10
CODES = ("country_code,country_name,country_iso2,country_iso3\n36,Australia,AU,AUS\n156,China,CN,CHN\n"
         "392,Japan,JP,JPN\n410,Rep. of Korea,KR,KOR\n")


def _files(folder: Path, worker: int) -> list[Path]:
    """Small valid BACI CSVs, one per round, each its own edition and content (distinct SHA-256)."""
    folder.mkdir(parents=True)
    (folder / "country_codes_V202501.csv").write_text(CODES)
    out = []
    for r in range(ROUNDS):
        p = folder / f"BACI_HS92_Y2024_V20{30 + worker}{r + 1:02d}.csv"
        q = 1000 + 100 * worker + r
        p.write_text("t,i,j,k,v,q\n" f"2024,36,392,790111,{q * 3.1:.3f},{q}\n2024,156,392,790111,31.0,10\n")
        out.append(p)
    return out


def _worker(home: str, files: list[str], barrier, results) -> None:
    import os

    os.environ["CRITMIN_HOME"] = home
    from typer.testing import CliRunner

    from critmin.cli import app

    runner = CliRunner()
    for f in files:
        barrier.wait(timeout=60)
        r = runner.invoke(app, ["data", "import", "baci", f])
        results.put((f, r.exit_code, r.output[-300:]))


def test_twenty_simultaneous_imports_all_land(tmp_path):
    home = tmp_path / "home"
    files = [_files(tmp_path / f"w{w}", w) for w in range(2)]
    ctx = mp.get_context("spawn")
    barrier, results = ctx.Barrier(2), ctx.Queue()
    procs = [ctx.Process(target=_worker, args=(str(home), [str(f) for f in files[w]], barrier, results))
             for w in range(2)]
    for p in procs:
        p.start()
    got = [results.get(timeout=120) for _ in range(2 * ROUNDS)]
    for p in procs:
        p.join(timeout=60)
        assert p.exitcode == 0
    assert all(code == 0 for _, code, _ in got), [g for g in got if g[1] != 0]
    index = json.loads((home / "imports.json").read_text())
    assert len(index) == 2 * ROUNDS
    assert sorted(Path(e["origin"]).name for e in index) == sorted(f.name for fs in files for f in fs)
    assert all((home / e["file"]).is_file() for e in index)
    # every import's rows are there, as many as the importer makes of one file, and the store reads them
    import pandas as pd

    from critmin.sources import baci

    per_file = len(baci.read(files[0][0]))
    assert per_file > 0
    assert [len(pd.read_parquet(home / e["file"])) for e in index] == [per_file] * 2 * ROUNDS
    assert all(e["rows"] == per_file for e in index)
    editions = {e["edition"] for e in index}
    assert len(editions) == 2 * ROUNDS
    held = Store(home=home).sql("SELECT DISTINCT edition FROM obs_all WHERE year = 2024 "
                                "AND edition LIKE 'V203%'")
    assert set(held["edition"]) == editions
