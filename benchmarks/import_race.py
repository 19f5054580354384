"""Store robustness under concurrent and killed imports (issue 16), with the counts printed.

Run:  .venv/bin/python benchmarks/import_race.py [--pairs 20] [--kills 50]

In a fresh temporary ``CRITMIN_HOME``:

* ``--pairs N``: N rounds of two ``critmin data import baci FILE`` processes started together, each
  with its own small BACI CSV (its own edition); prints how many imports were attempted, how many
  the index holds and how many were lost (0 expected: the index is written under a lock);
* ``--kills K``: K imports killed with SIGKILL after a random delay (0–1.5 s, seeded); after each,
  the index must parse, name only Parquet files that exist and hold every import that completed;
  prints how many kills left the store consistent (K expected) and how many landed before the kill.

Not a test (it takes a minute or two); ``tests/test_store_concurrency.py`` runs 10 pairs.
"""
from __future__ import annotations

import argparse
import json
import os
import random
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

CODES = ("country_code,country_name,country_iso2,country_iso3\n36,Australia,AU,AUS\n156,China,CN,CHN\n"
         "392,Japan,JP,JPN\n410,Rep. of Korea,KR,KOR\n")
CRITMIN = [sys.executable, "-m", "critmin.cli"]


def _baci(folder: Path, n: int) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "country_codes_V202501.csv").write_text(CODES)
    p = folder / f"BACI_HS92_Y2024_V{300000 + n}.csv"
    p.write_text(f"t,i,j,k,v,q\n2024,36,392,790111,{3.1 * (1000 + n):.3f},{1000 + n}\n2024,156,392,790111,31.0,10\n")
    return p


def _index(home: Path) -> list[dict]:
    p = home / "imports.json"
    return json.loads(p.read_text()) if p.is_file() else []


def _consistent(home: Path) -> bool:
    try:
        idx = _index(home)
    except json.JSONDecodeError:
        return False
    return all((home / e["file"]).is_file() for e in idx)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--pairs", type=int, default=20)
    ap.add_argument("--kills", type=int, default=50)
    ap.add_argument("--seed", type=int, default=16)
    a = ap.parse_args()
    tmp = Path(tempfile.mkdtemp(prefix="critmin-race-"))
    home = tmp / "home"
    env = {**os.environ, "CRITMIN_HOME": str(home)}
    n = 0
    if a.pairs:
        for r in range(a.pairs):
            files = [_baci(tmp / f"p{r}-{w}", (n := n + 1)) for w in range(2)]
            procs = [subprocess.Popen([*CRITMIN, "data", "import", "baci", str(f)], env=env,
                                      stdout=subprocess.DEVNULL, stderr=subprocess.PIPE) for f in files]
            for p in procs:
                _, err = p.communicate()
                if p.returncode:
                    print(f"  import failed: {err.decode()[-300:]}")
        held = len(_index(home))
        print(f"simultaneous imports: {2 * a.pairs} attempted in {a.pairs} pairs, {held} in the index, "
              f"{2 * a.pairs - held} lost")
    if a.kills:
        rng = random.Random(a.seed)
        ok = landed = 0
        for k in range(a.kills):
            before = len(_index(home))
            f = _baci(tmp / f"k{k}", (n := n + 1))
            p = subprocess.Popen([*CRITMIN, "data", "import", "baci", str(f)], env=env,
                                 stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            time.sleep(rng.uniform(0.0, 1.5))
            p.send_signal(signal.SIGKILL)
            p.wait()
            after = len(_index(home))
            landed += after - before
            ok += _consistent(home) and after in (before, before + 1)
        print(f"kill -9 during import: {a.kills} kills, store consistent after {ok}, "
              f"{landed} imports had landed before the kill, {a.kills - landed} left no trace")
        leftovers = [p.name for p in home.rglob(".tmp-*")]
        print(f"temporary files left by killed imports: {len(leftovers)}")
    print(f"(work folder {tmp})")


if __name__ == "__main__":
    main()
