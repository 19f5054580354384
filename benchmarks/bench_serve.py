"""Load run of ``critmin serve`` on 127.0.0.1: requests/s and latency of ``GET /api/v1/assess``.

Starts the server in its own process (``python -m critmin.cli serve``, one uvicorn worker), then

1. **cached**: ``--clients`` concurrent clients (default 50) repeat one assessment (Japan, 2022, all
   minerals: the full ~360 kB document) for ``--seconds`` (default 20): every answer but the first
   comes from the result cache;
   then the same at a fixed offered rate (``--rate``, default 200 requests/s, open loop);
2. **cold, concurrent**: the same clients, each request a new (importer, year) that is not cached:
   the computations queue behind the server's one compute lock;
3. **cold, one client**: the latency of a single uncached assessment with nothing queued.

Reports requests/s, p50/p99/max latency, errors, and the server's resident memory (VmRSS, peak VmHWM
from /proc). The client runs on the same machine (it shares the cores). Run on demand::

    .venv/bin/python benchmarks/bench_serve.py [--seconds 20] [--clients 50]
"""
from __future__ import annotations

import argparse
import asyncio
import itertools
import os
import socket
import subprocess
import sys
import time

import httpx


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def memory(pid: int) -> dict:
    out = {}
    with open(f"/proc/{pid}/status", encoding="ascii") as fh:
        for line in fh:
            k, _, v = line.partition(":")
            if k in ("VmRSS", "VmHWM"):
                out[k] = int(v.split()[0]) / 1024  # MiB
    return out


def pct(xs: list[float], q: float) -> float:
    if not xs:
        return float("nan")
    xs = sorted(xs)
    return xs[min(len(xs) - 1, round(q * (len(xs) - 1)))]


async def _get(reader, writer, host: bytes, path: str) -> int:
    """One keep-alive HTTP/1.1 GET on an open connection; returns the status (the body is read and dropped)."""
    writer.write(b"GET " + path.encode() + b" HTTP/1.1\r\nHost: " + host + b"\r\n\r\n")
    head = await reader.readuntil(b"\r\n\r\n")
    lines = head.split(b"\r\n")
    status = int(lines[0].split()[1])
    n = next(int(v) for k, _, v in (ln.partition(b":") for ln in lines[1:]) if k.lower() == b"content-length")
    await reader.readexactly(n)
    return status


async def load(base: str, urls, clients: int, seconds: float, limit: int | None = None, rate: float = 0.0) -> dict:
    """``clients`` connections take URLs from ``urls`` (an iterator) until ``seconds`` pass (or ``limit``
    requests). A minimal asyncio HTTP/1.1 client (keep-alive, Content-Length bodies), so that the load
    generator costs little of the cores it shares with the server.

    ``rate`` > 0: open loop, request k is due at start + k / rate and its latency counts from then (a
    request sent late because every client was busy counts the wait)."""
    host, port = base.removeprefix("http://").split(":")
    lat: list[float] = []
    errors = 0
    n = 0
    stop = time.perf_counter() + seconds
    it = iter(urls)
    start = 0.0

    async def worker():
        nonlocal errors, n
        reader, writer = await asyncio.open_connection(host, int(port), limit=2**22)
        try:
            while time.perf_counter() < stop and (limit is None or n < limit):
                try:
                    url = next(it)
                except StopIteration:
                    return
                k = n
                n += 1
                if rate:
                    due = start + k / rate
                    wait = due - time.perf_counter()
                    if wait > 0:
                        await asyncio.sleep(wait)
                    t0 = min(due, time.perf_counter())
                else:
                    t0 = time.perf_counter()
                try:
                    ok = await _get(reader, writer, host.encode(), url) == 200
                except (OSError, asyncio.IncompleteReadError, ValueError, StopIteration):
                    ok = False
                    writer.close()
                    reader, writer = await asyncio.open_connection(host, int(port), limit=2**22)
                lat.append(time.perf_counter() - t0)
                errors += not ok
        finally:
            writer.close()

    start = t0 = time.perf_counter()
    await asyncio.gather(*(worker() for _ in range(clients)))
    wall = time.perf_counter() - t0
    return {"requests": len(lat), "wall_s": wall, "rps": len(lat) / wall, "p50_ms": 1000 * pct(lat, 0.5),
            "p99_ms": 1000 * pct(lat, 0.99), "max_ms": 1000 * max(lat, default=float("nan")), "errors": errors}


def show(name: str, r: dict) -> None:
    print(f"{name:28s} {r['requests']:7d} req in {r['wall_s']:6.1f} s = {r['rps']:8.1f} req/s   "
          f"p50 {r['p50_ms']:8.1f} ms   p99 {r['p99_ms']:8.1f} ms   max {r['max_ms']:8.1f} ms   "
          f"non-200 {r['errors']}", flush=True)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--seconds", type=float, default=20.0, help="length of each concurrent phase (bounded)")
    ap.add_argument("--clients", type=int, default=50)
    ap.add_argument("--cold-serial", type=int, default=8, help="single-client cold requests")
    ap.add_argument("--rate", type=float, default=200.0, help="open-loop phase: requests/s offered (cached)")
    a = ap.parse_args()
    a.seconds = min(a.seconds, 120.0)
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    proc = subprocess.Popen([sys.executable, "-m", "critmin.cli", "serve", "--port", str(port), "--log-level",
                             "warning"], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, env=os.environ.copy())
    try:
        t0 = time.perf_counter()
        while True:
            try:
                if httpx.get(base + "/api/v1/health", timeout=2).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            if proc.poll() is not None or time.perf_counter() - t0 > 60:
                raise SystemExit("the server did not start: " + proc.stderr.read().decode(errors="replace")[-2000:])
            time.sleep(0.2)
        print(f"server pid {proc.pid} up in {time.perf_counter() - t0:.1f} s; memory {memory(proc.pid)}")
        hot = "/api/v1/assess?country=JPN&year=2022"
        t0 = time.perf_counter()
        r = httpx.get(base + hot, timeout=600)
        print(f"first (cold) assess JPN 2022, all minerals: {1000 * (time.perf_counter() - t0):.0f} ms, "
              f"{len(r.content) / 1024:.0f} kB, cache {r.headers.get('x-critmin-cache')}")
        print(f"memory after warm-up: {memory(proc.pid)}")
        show(f"cached, {a.clients} clients", asyncio.run(load(base, itertools.repeat(hot), a.clients, a.seconds)))
        show(f"cached, {a.rate:g} req/s offered", asyncio.run(load(base, itertools.repeat(hot), a.clients, a.seconds,
                                                                  rate=a.rate)))
        print(f"memory: {memory(proc.pid)}")
        imp = [x["country"] for x in httpx.get(base + "/api/v1/importers", timeout=60).json()["importers"]]
        cold = (f"/api/v1/assess?country={c}&year={y}" for y in range(2021, 2012, -1) for c in imp
                if (c, y) != ("JPN", 2022))
        show(f"cold, {a.clients} clients", asyncio.run(load(base, cold, a.clients, a.seconds)))
        print(f"memory: {memory(proc.pid)}")
        show("cold, 1 client", asyncio.run(load(base, cold, 1, a.seconds, limit=a.cold_serial)))
        h = httpx.get(base + "/api/v1/health").json()
        print(f"memory at the end: {memory(proc.pid)}; result cache (computed answers) {h['cache']}; "
              f"cores {os.cpu_count()}")
    finally:
        proc.terminate()
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            proc.kill()


if __name__ == "__main__":
    main()
