"""Benchmark: the uncertainty Monte Carlo against one deterministic assessment, in one process.

Run:  .venv/bin/python benchmarks/bench_uncertainty.py [--draws 10000] [--country JPN] [--year 2024]

Times
  (a) baseline: one ``critmin.assess(country, year, detail=False)`` (all minerals, all six indicators);
  (b) ``critmin.methods.uncertainty.run`` with ``--draws`` draws, without Sobol indices (this includes
      building the model: one assessment on a fresh ``SupplyData``, the central draw);
  (c) the same with Sobol indices (SALib when installed, ``sobol_n`` 1024);
  (d) ``method_bands`` on the model of (b) (the radar ranges over method choices, as the report draws them),
and prints the times and their ratios to (a); then checks that the central draw is the assessment (largest
difference of the mean score), and reproducibility: the same seed twice gives identical summaries, and two
seeds' median scores differ by at most the printed amount. Not a test: speed is reported, never asserted.
"""
from __future__ import annotations

import argparse
import time


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--draws", type=int, default=10_000)
    ap.add_argument("--country", default="JPN")
    ap.add_argument("--year", type=int, default=2024)
    args = ap.parse_args()

    import numpy as np

    import critmin
    from critmin.methods.uncertainty import method_bands, run
    from critmin.store import default_store

    default_store().sql("SELECT 1")                     # open the store outside the timings
    t0 = time.perf_counter()
    critmin.assess(args.country, args.year, detail=False)
    base = time.perf_counter() - t0

    t0 = time.perf_counter()
    a = run(args.country, args.year, draws=args.draws, seed=0, sobol=False)
    t_mc = time.perf_counter() - t0
    t0 = time.perf_counter()
    s = run(args.country, args.year, draws=args.draws, seed=0, sobol=True, sobol_n=1024)
    t_so = time.perf_counter() - t0
    t0 = time.perf_counter()
    method_bands(args.country, args.year, model=a["model"])
    t_mb = time.perf_counter() - t0
    rk = a["model"].assessment.rank()["mean"]
    central = a["summary"].set_index("mineral")["base_score"].reindex(rk.index)

    n = len(a["summary"])
    print(f"baseline: one assessment ({args.country} {args.year}, all minerals):  {base:6.2f} s")
    print(f"Monte Carlo {args.draws:,} draws x {n} minerals:                 {t_mc:6.2f} s  "
          f"(x{t_mc / base:.1f} the baseline)")
    print(f"  + Sobol indices ({s.get('sobol_engine')}, n=1024):                      {t_so:6.2f} s  "
          f"(x{t_so / base:.1f})")
    print(f"method-choice ranges for the radar:                   {t_mb:6.2f} s  (x{t_mb / base:.1f})")
    print(f"central draw vs the assessment's mean score: max |difference| {float(np.nanmax(np.abs(central - rk))):.1e}")

    b = run(args.country, args.year, draws=args.draws, seed=0, sobol=False)
    same = a["summary"].equals(b["summary"])
    c = run(args.country, args.year, draws=args.draws, seed=1, sobol=False)
    x = a["summary"].set_index("mineral")["p50"]
    y = c["summary"].set_index("mineral")["p50"].reindex(x.index)
    print(f"same seed, same result: {same}; seeds 0 vs 1, max |median score difference|: "
          f"{float(np.nanmax(np.abs(x - y))):.4f}")


if __name__ == "__main__":
    main()
