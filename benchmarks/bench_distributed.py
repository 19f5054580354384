"""Benchmark: the uncertainty ensemble and a disruption sweep serially and on a Dask LocalCluster, and
what every importer × 2000–2024 would take.

Run:  .venv/bin/python benchmarks/bench_distributed.py [--country JPN,KOR,DEU] [--years 2020-2022]
          [--draws 2000] [--sobol-n 256] [--workers 1,2] [--target 8,32,128]
          [--sweep examples/sweeps/disrupt_china_stops.yaml] [--sweep-runs 500000]
          [--only uncertainty|sweep|both]

Uncertainty: times (``critmin.ensemble.run_ensemble``, the same partitions each time)
  (a) preparing the supply data once (in this process; not part of (b)–(c));
  (b) the partitions serially in this process (``scheduler="none"``);
  (c) the partitions on a LocalCluster of n worker processes, one thread each, for each n of ``--workers``
      (the cluster's start is timed apart, and one small warm-up run on every worker — first imports — is not
      timed: a long-lived cluster pays them once);
then prints the speed-up and the scaling efficiency E_n = T_serial / (n · T_n), checks that every run wrote the
same bytes, and extrapolates to every importer with trade data × 2000–2024 (years outside an importer's trade
data are not partitions):

    T_all(N) = T_prep(K) + P · t_part / (N · E)
    T_prep(K) = T_global + K · t_importer            (measured with 1 and with all sample importers)
    t_part    = T_serial / p                          (seconds per partition at these draws)

with K importers, P partitions, N workers and E the efficiency measured at the largest n. Memory per worker
is each worker's resident memory after the run. A partition's time grows about linearly with --draws and
--sobol-n (``critmin uncertainty`` defaults: 10,000 and 1024).

Disruption sweep (``critmin disrupt --sweep FILE``, :func:`critmin.sweep.run_sweep`): the same three times —
(a) preparing the import mixes once, (b) the partitions serially, (c) on the same LocalClusters (a one-scenario
warm-up sweep first, not timed) — with the speed-up, E_n and the bytes checked against the serial run. Its
partitions are uneven (the deterministic stops of one import mix batched together, each Monte Carlo scenario
alone), so the largest partition bounds the speed-up: it is printed with the partition count. The shipped
file is mostly deterministic stops (milliseconds: the cluster's overhead dominates); ``--sweep-runs N`` adds
the same scenarios each with a Monte Carlo of N simulated years, one partition each (the compute-bound case).

Not a test: speed is reported, never asserted.
"""
from __future__ import annotations

import argparse
import hashlib
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]

def _digest(path: Path) -> str:
    h = hashlib.sha256()
    for p in sorted(path.rglob("*")):
        if p.is_file() and p.name != "_run.json":
            h.update(p.relative_to(path).as_posix().encode() + p.read_bytes())
    return h.hexdigest()[:16]


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--country", default="JPN,KOR,DEU")
    ap.add_argument("--years", default="2020-2022")
    ap.add_argument("--draws", type=int, default=2000)
    ap.add_argument("--sobol-n", type=int, default=256)
    ap.add_argument("--workers", default="1,2")
    ap.add_argument("--target", default="8,32,128", help="worker counts of the extrapolation")
    ap.add_argument("--efficiency", type=float, default=None,
                    help="E of the extrapolation (default: the one measured at the largest --workers)")
    ap.add_argument("--sweep", type=Path, default=REPO / "examples" / "sweeps" / "disrupt_china_stops.yaml",
                    help="disruption sweep file")
    ap.add_argument("--sweep-runs", type=int, default=500_000,
                    help="also the sweep with every scenario's Monte Carlo at this many simulated years (0: not)")
    ap.add_argument("--only", choices=("uncertainty", "sweep", "both"), default="both")
    args = ap.parse_args()
    workers = [int(x) for x in args.workers.split(",")]
    if args.only in ("uncertainty", "both"):
        bench_uncertainty(args, workers)
    if args.only in ("sweep", "both"):
        bench_sweep(args.sweep, workers, args.sweep_runs)


def bench_uncertainty(args, workers: list[int]) -> None:
    from critmin import ensemble as ens
    from critmin.commands.methods import parse_years
    from critmin.store import default_store

    print("== uncertainty ensemble")
    imps = [c.strip() for c in args.country.split(",")]
    years = parse_years(args.years)
    kw = {"draws": args.draws, "seed": 0, "sobol_n": args.sobol_n}
    store = default_store()
    store.sql("SELECT 1")

    t0 = time.perf_counter()
    ens.prepare(imps[:1], years, store=store)
    t_prep1 = time.perf_counter() - t0
    t0 = time.perf_counter()
    snap = ens.prepare(imps, years, store=store)
    t_prep = time.perf_counter() - t0
    t_imp = max((t_prep - t_prep1) / max(len(imps) - 1, 1), 0.0)
    t_glob = max(t_prep1 - t_imp, 0.0)
    mb = snap.nbytes() / 1e6
    mb_imp = (mb - ens.prepare([], years, store=store).nbytes() / 1e6) / len(imps)
    p = len(ens.partitions(imps, snap.years))

    tmp = Path(tempfile.mkdtemp(prefix="bench-distributed-"))
    warm = {"draws": 20, "seed": 1, "sobol_n": 8}         # first imports and caches, outside the timings
    ens.run_ensemble(imps[:1], years[:1], scheduler="none", store=store, **warm)
    res = ens.run_ensemble(imps, years, scheduler="none", store=store, **kw)
    t_serial = res.run["compute_seconds"]
    ens.write(res, tmp / "serial")
    ref = _digest(tmp / "serial")
    print(f"{p} partitions ({', '.join(imps)} x {args.years}), {args.draws:,} draws, Sobol n={args.sobol_n} "
          f"({res.provenance['sobol_engine']})")
    print(f"(a) prepare the supply data once: {t_prep:6.2f} s  (global {t_glob:.2f} s + {t_imp:.2f} s per importer); "
          f"shared snapshot {mb:.1f} MB ({mb_imp:.1f} MB per importer)")
    print(f"(b) serial, this process:         {t_serial:6.2f} s  ({t_serial / p:.2f} s per partition; "
          f"memory {res.run['memory_mb']['this process']:.0f} MB)")

    import distributed

    eff = {}
    for n in workers:
        t0 = time.perf_counter()
        with ens.local_cluster(n, dashboard_address=":0") as cl, distributed.Client(cl) as client:
            t_start = time.perf_counter() - t0
            ens.run_ensemble((imps * n)[:n], years[:1] if n <= len(imps) else years, client=client, store=store,
                             **warm)
            r = ens.run_ensemble(imps, years, client=client, store=store, **kw)
        t_n = r.run["compute_seconds"]
        ens.write(r, tmp / f"w{n}")
        same = _digest(tmp / f"w{n}") == ref
        eff[n] = t_serial / (n * t_n)
        mem = r.run["memory_mb"]
        print(f"(c) LocalCluster {n} worker(s):     {t_n:6.2f} s  speed-up x{t_serial / t_n:.2f}, efficiency "
              f"{eff[n]:.0%}; memory per worker {min(mem.values()):.0f}-{max(mem.values()):.0f} MB; "
              f"start {t_start:.1f} s; bytes {'identical' if same else 'DIFFERENT'} to serial")

    spans = store.sql("""SELECT country, min(year) AS lo, max(year) AS hi FROM obs
                         WHERE dataset = 'trade' GROUP BY country""")
    k_all = len(spans)
    p_all = int(sum(max(0, min(hi, 2024) - max(lo, 2000) + 1) for lo, hi in zip(spans["lo"], spans["hi"])))
    e = args.efficiency or eff[max(eff)]
    t_part = t_serial / p
    t_prep_all = t_glob + k_all * t_imp
    print(f"\nevery importer x 2000-2024: K = {k_all} importers, P = {p_all} partitions "
          f"(years with the importer's trade data)")
    print("T_all(N) = T_prep(K) + P * t_part / (N * E)")
    print(f"         = {t_glob:.2f} + {k_all} * {t_imp:.3f}  +  {p_all} * {t_part:.3f} / (N * {e:.2f})   "
          f"[seconds; E {'given' if args.efficiency else f'measured at {max(eff)} workers'}]")
    print(f"shared snapshot for all importers: at most ~{mb - len(imps) * mb_imp + k_all * mb_imp:.0f} MB per worker "
          f"(the sample's per-importer size x K; small importers hold less)")
    for n in [1] + [int(x) for x in args.target.split(",")]:
        t = t_prep_all + p_all * t_part / (n * e)
        print(f"  N = {n:4d}: {t / 3600:7.2f} h  ({t:,.0f} s)")



def bench_sweep(sweep: Path, workers: list[int], runs: int = 0) -> None:
    """The disruption sweep serially and on LocalClusters of each size in ``workers``; with ``runs``
    > 0 also the same scenarios each with a Monte Carlo of ``runs`` simulated years (one partition
    each: the compute-bound case)."""
    import yaml

    tmp = Path(tempfile.mkdtemp(prefix="bench-sweep-"))
    cases = [(sweep.name, sweep)]
    if runs > 0:
        doc = yaml.safe_load(sweep.read_text(encoding="utf-8"))
        doc["runs"] = runs
        for sc in doc.get("scenarios") or []:
            sc["runs"] = runs
        heavy = tmp / f"{sweep.stem}-runs{runs}.yaml"
        heavy.write_text(yaml.safe_dump(doc, sort_keys=False), encoding="utf-8")
        cases.append((f"{sweep.name}, every scenario with runs={runs:,}", heavy))
    for title, path in cases:
        _bench_one_sweep(title, path, workers, tmp)


def _bench_one_sweep(title: str, sweep: Path, workers: list[int], tmp: Path) -> None:
    import distributed

    from critmin import ensemble as ens
    from critmin import sweep as sw
    from critmin.store import default_store

    print(f"\n== disruption sweep ({title})")
    store = default_store()
    store.sql("SELECT 1")
    tmp = Path(tempfile.mkdtemp(prefix=sweep.stem + "-", dir=tmp))
    items, _facts = sw.disrupt_scenarios(sweep)
    warm = tmp / "warm.yaml"                  # first imports and caches, outside the timings
    s0 = items[0]
    warm.write_text(f"importer: {s0.importer}\nscenarios:\n  - {{mineral: {s0.mineral}, exporters: "
                    f"{'+'.join(s0.exporters)}, days: 30, runs: 100}}\n", encoding="utf-8")
    sw.run_sweep("disrupt", warm, scheduler="none", store=store)
    res = sw.run_sweep("disrupt", sweep, scheduler="none", store=store)
    t_serial, p = res.run["compute_seconds"], res.provenance["partitions"]
    ens.write(res, tmp / "serial")
    ref = _digest(tmp / "serial")
    sizes = [len(b) for b in sw._batches(items)]
    mc = sum(1 for s in items if s.runs)
    per = f" (scenarios per partition: {', '.join(map(str, sizes))})" if len(sizes) == p and p <= 8 else ""
    print(f"{res.provenance['scenarios']} scenarios ({mc} with a Monte Carlo, "
          f"{sum(s.runs for s in items):,} simulated years) in {p} partitions{per}; {res.provenance['rows']} rows")
    print(f"(a) prepare the import mixes once: {res.run['prepare_seconds']:7.3f} s; shared data "
          f"{res.run['snapshot_mb']:.2f} MB")
    print(f"(b) serial, this process:          {t_serial:7.3f} s  ({t_serial / p:.3f} s per partition)")
    for n in workers:
        t0 = time.perf_counter()
        with ens.local_cluster(n, dashboard_address=":0") as cl, distributed.Client(cl) as client:
            t_start = time.perf_counter() - t0
            for _ in range(n):
                sw.run_sweep("disrupt", warm, client=client, store=store)
            r = sw.run_sweep("disrupt", sweep, client=client, store=store)
        t_n = r.run["compute_seconds"]
        ens.write(r, tmp / f"w{n}")
        same = _digest(tmp / f"w{n}") == ref
        mem = r.run.get("memory_mb") or {}
        memory = f"{min(mem.values()):.0f}-{max(mem.values()):.0f} MB" if mem else "not measured"
        print(f"(c) LocalCluster {n} worker(s):      {t_n:7.3f} s  speed-up x{t_serial / t_n:.2f}, efficiency "
              f"{t_serial / (n * t_n):.0%}; memory per worker {memory}; start {t_start:.1f} s; "
              f"bytes {'identical' if same else 'DIFFERENT'} to serial")

if __name__ == "__main__":
    main()
