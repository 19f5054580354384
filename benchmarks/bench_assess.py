"""Benchmark: the assessment against a plain DuckDB scan-and-group, in one process.

Run:  .venv/bin/python benchmarks/bench_assess.py [--repeat N]

Times, in one process,
  (a) reference: one DuckDB scan of the shipped trade data grouped by (importer, HS, year,
      partner) — the least any assessment of every importer must read;
  (b) ``critmin.assessment.compute(countries=None, years=None)`` on a fresh supply layer: every
      importer × mineral × year the data allow, all six indicators;
  (c) the public call ``critmin.assess("all", "all", detail=False)`` (fresh supply layer);
  (d) ``critmin.assess("JPN", <latest>)`` cold (fresh supply layer) and warm (the process-wide
      supply layer already built: what a second call, a server or a notebook sees);
and prints the times, their ratios to (a) and the process's peak resident memory. Not a test:
speed is reported, never asserted.
"""
from __future__ import annotations

import argparse
import resource
import time


def _best(f, repeat: int) -> tuple[float, object]:
    ts, out = [], None
    for _ in range(repeat):
        t0 = time.perf_counter()
        out = f()
        ts.append(time.perf_counter() - t0)
    return min(ts), out


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--repeat", type=int, default=1)
    args = ap.parse_args()

    import critmin
    from critmin.assessment import compute
    from critmin.store import Store
    from critmin.supply import SupplyData, clear_cache

    st = Store(include_imports=False)
    st.sql("SELECT 1")  # open the connection outside the timings

    tr, g = _best(lambda: st.sql("""SELECT country, hs, year, partner, sum(value) AS v, count(*) AS n
                                     FROM obs WHERE dataset = 'trade' GROUP BY ALL"""), args.repeat)
    tf, (recs, _) = _best(lambda: compute(countries=None, years=None, supply=SupplyData(st)), args.repeat)

    def public():
        clear_cache()
        return critmin.assess("all", "all", detail=False, store=st)

    tp, res = _best(public, args.repeat)
    rss_all = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024

    def cold():
        clear_cache()
        return critmin.assess("JPN", store=st)

    tc, _ = _best(cold, args.repeat)
    tw, _ = _best(lambda: critmin.assess("JPN", store=st), max(3, args.repeat))
    n_imp, n_years, n_min = recs["country"].nunique(), recs["year"].nunique(), recs["mineral"].nunique()
    scored = int(recs["score"].notna().sum())
    print(f"(a) reference DuckDB scan-and-group:      {tr:8.2f} s  ({len(g):,} groups)")
    print(f"(b) compute, every importer x year:       {tf:8.2f} s  ({n_imp} importers x {n_min} minerals x "
          f"{n_years} years x 6 = {len(recs):,} records, {scored:,} scored)   ratio {tf / tr:5.1f}")
    print(f"(c) critmin.assess('all', 'all'):         {tp:8.2f} s  ({len(res):,} records)"
          f"   ratio {tp / tr:5.1f}   peak RSS so far {rss_all:,.0f} MB")
    print(f"(d) critmin.assess('JPN') cold / warm:    {tc:8.2f} s / {tw:.3f} s   ratio warm {tw / tr:5.2f}")


if __name__ == "__main__":
    main()
