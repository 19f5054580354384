"""Benchmark: the full assessment cross product against a plain DuckDB scan-and-group.

Run:  .venv/bin/python benchmarks/bench_assess.py [--repeat N]

Times, in one process,
  (a) reference: one DuckDB scan of the shipped trade data grouped by (importer, HS, year,
      partner) — the least any assessment of every importer must read;
  (b) critmin: every importer × mineral × year the data allow, all six indicators
      (``critmin.assessment.compute(countries=None, years=None)``),
and prints both times and their ratio. Not a test: speed is reported, never asserted.
"""
from __future__ import annotations

import argparse
import time


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--repeat", type=int, default=1)
    args = ap.parse_args()

    from critmin.assessment import compute
    from critmin.store import Store

    st = Store(include_imports=False)
    st.sql("SELECT 1")  # open the connection outside the timings

    ref = []
    for _ in range(args.repeat):
        t0 = time.perf_counter()
        g = st.sql("""SELECT country, hs, year, partner, sum(value) AS v, count(*) AS n
                      FROM obs WHERE dataset = 'trade' GROUP BY ALL""")
        ref.append(time.perf_counter() - t0)
    full = []
    for _ in range(args.repeat):
        t0 = time.perf_counter()
        recs, _ = compute(st, countries=None, years=None)
        full.append(time.perf_counter() - t0)
    tr, tf = min(ref), min(full)
    n_imp, n_years, n_min = recs["country"].nunique(), recs["year"].nunique(), recs["mineral"].nunique()
    scored = int(recs["score"].notna().sum())
    print(f"reference DuckDB scan-and-group: {tr:8.2f} s  ({len(g):,} groups)")
    print(f"critmin full cross product:      {tf:8.2f} s  ({n_imp} importers x {n_min} minerals x "
          f"{n_years} years x 6 = {len(recs):,} records, {scored:,} scored)")
    print(f"ratio critmin / reference:       {tf / tr:8.1f}")


if __name__ == "__main__":
    main()
