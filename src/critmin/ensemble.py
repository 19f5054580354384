"""Ensembles of the uncertainty model over many importers and years, serially or on Dask.

One *partition* is one (importer, year): :func:`critmin.methods.uncertainty.run` for that importer
and year, its Monte Carlo bands and Sobol indices turned into rows of one long table
(:data:`COLUMNS`). A run is reproducible wherever its partitions execute:

* **Random streams.** A partition's generator is ``numpy.random.default_rng(SeedSequence(seed,
  spawn_key=(stable_key(importer), year)))`` (:func:`partition_seed`), where :func:`stable_key`
  is a SHA-256 of the name — never Python's per-process ``hash()``. The stream depends on
  (seed, importer, year) only: not on the order, the worker, the number of workers, or a rerun
  after a worker died.
* **Data.** The supply data are prepared once, in the calling process (:func:`prepare`): the
  importer-independent tables of one :class:`~critmin.supply.SupplyData` (picked production and
  reserves, their HHI, governance, prices, recycling, unit values) and, per importer, its import
  weights and domestic production, plus the answers to the few queries a partition asks its data
  source. The result, a :class:`Snapshot`, holds no database connection and pickles; on Dask it
  is scattered to every worker once (``client.scatter(..., broadcast=True)``) and every task reads
  it — nothing is re-read from files per task. A partition that would need anything else raises
  :class:`SnapshotMiss` (a bug, never a silent re-read).
* **Output.** Rows are rounded to :data:`~critmin.methods.uncertainty.SIG_DIGITS` significant
  digits (as ``run``), sorted, and written with fixed Parquet options and no timestamps
  (:func:`write`): the same arguments give byte-identical files serially, on a LocalCluster with
  any number of workers, or on a remote cluster with the same package versions (checked: each
  partition reports the versions it ran under).

Partitions without data (a year outside the importer's trade data, no mineral with an
indicator) are *skipped* and listed with the reason in the provenance, never filled.

Dask is optional (``pip install 'critmin[distributed]'``); ``scheduler="none"`` runs the same
partitions in this process without it. Importing this module loads nothing.
"""
from __future__ import annotations

import copy
import hashlib
import json
import os
import shutil
import tempfile
import time
import warnings
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from .errors import CritminError, DataValidationError
from .i18n import translator

#: the output table: one row per (importer, year, mineral, indicator) for the bands, and one row
#: per (importer, year, factor) for the Sobol indices of the ranking (``mineral`` empty,
#: ``indicator`` ``ranking``)
COLUMNS = ["importer", "year", "mineral", "indicator", "factor", "base", "mean", "p05", "p50", "p95",
           "p_top", "S1", "ST", "S1_conf", "ST_conf"]
FLOAT_COLUMNS = COLUMNS[5:]
#: what each column holds (written into the provenance)
COLUMN_DOC = {
    "importer": "importing country (ISO3)",
    "year": "assessment year",
    "mineral": "mineral id ('' on Sobol rows: they concern the whole ranking)",
    "indicator": "a sampled indicator (score 0-1 on the assessment's anchors), 'mean_score' (the mean of "
                 "the six scores, as Assessment.rank()), 'rank' (1 = highest risk), or 'ranking' (Sobol rows)",
    "factor": "Sobol rows: the input group (wgi, trade, production, reserves, price, secondary, "
              "normalisation, window, governance, variant, missing_wgi); '' otherwise",
    "base": "the central draw = critmin assess (score, mean score or rank)",
    "mean": "mean over the draws (mean_score rows)",
    "p05": "5th percentile over the draws", "p50": "median over the draws", "p95": "95th percentile",
    "p_top": "rank rows: P(rank <= top)",
    "S1": "first-order Sobol index of 1 - Spearman rho to the central ranking",
    "ST": "total-order Sobol index", "S1_conf": "95 % bootstrap half-width (SALib)", "ST_conf": "idem",
}
#: the row order of the indicators within a (importer, year, mineral)
ROW_ORDER = ("reserve_concentration", "production_concentration", "import_concentrate", "import_refined",
             "price_volatility", "secondary_supply", "mean_score", "rank", "ranking")
SCHEDULERS = "none | local | tcp://HOST:8786 (any Dask scheduler address)"
INSTALL_HINT = "pip install 'critmin[distributed]'"
PARQUET_OPTIONS = {"compression": "zstd", "compression_level": 9, "use_dictionary": True,
                   "write_statistics": True, "data_page_version": "2.0", "row_group_size": 1 << 20}
PROVENANCE_FILE = "_provenance.json"
RUN_FILE = "_run.json"


class SnapshotMiss(RuntimeError):
    """A partition asked its data source for something :func:`prepare` did not record."""


# -- pure helpers ------------------------------------------------------------------------------------

def stable_key(name: str) -> int:
    """A 64-bit integer of ``name`` that is the same in every process and Python version
    (the first 8 bytes of its SHA-256; Python's ``hash()`` of a string is salted per process).

    >>> stable_key("JPN")
    15274787350043749582
    """
    return int.from_bytes(hashlib.sha256(str(name).encode("utf-8")).digest()[:8], "big")


def partition_seed(seed: int, *keys) -> np.random.SeedSequence:
    """The random stream of one partition: ``SeedSequence(seed, spawn_key=keys)`` with every
    string key replaced by :func:`stable_key` (integers as given).

    >>> int(partition_seed(0, "JPN", 2020).generate_state(1)[0])
    2241398955
    """
    if int(seed) < 0:
        raise DataValidationError("the seed must not be negative", field="seed", found=seed,
                                  fix="pass a seed of 0 or more")
    spawn = tuple(stable_key(k) if isinstance(k, str) else int(k) for k in keys)
    return np.random.SeedSequence(int(seed), spawn_key=spawn)


def partitions(importers: Sequence[str], years: Sequence[int] | dict) -> list[tuple[str, int]]:
    """Every (importer, year), sorted: ``years`` one list for all importers, or a dict
    importer → its years.

    >>> partitions(["KOR", "JPN"], [2021, 2020])
    [('JPN', 2020), ('JPN', 2021), ('KOR', 2020), ('KOR', 2021)]
    >>> partitions(["JPN", "KOR"], {"JPN": [2022], "KOR": []})
    [('JPN', 2022)]
    """
    out = set()
    for imp in importers:
        for y in (years.get(imp, []) if isinstance(years, dict) else years):
            out.add((str(imp), int(y)))
    return sorted(out)


def tidy(res: dict, importer: str, year: int) -> pd.DataFrame:
    """One partition's :func:`~critmin.methods.uncertainty.run` result as rows of :data:`COLUMNS`."""
    from .methods.uncertainty import _sig

    ind = res["indicators"]
    s = res["summary"]
    parts = [ind[["mineral", "indicator", "base", "p05", "p50", "p95"]],
             s.assign(indicator="mean_score").rename(columns={"base_score": "base"})[
                 ["mineral", "indicator", "base", "mean", "p05", "p50", "p95"]],
             s[["mineral", "base_rank", "rank_p05", "rank_p50", "rank_p95", "p_top"]].assign(indicator="rank")
             .rename(columns={"base_rank": "base", "rank_p05": "p05", "rank_p50": "p50", "rank_p95": "p95"})]
    so = res.get("sobol")
    if so is not None:
        parts.append(_sig(so).assign(mineral="", indicator="ranking"))
    df = pd.concat(parts, ignore_index=True)
    df["factor"] = df["factor"].fillna("") if "factor" in df else ""
    df["importer"], df["year"] = importer, int(year)
    for c in FLOAT_COLUMNS:
        df[c] = df[c].astype(float) if c in df else np.nan
    return df[COLUMNS]


def sort_rows(df: pd.DataFrame) -> pd.DataFrame:
    """Rows in the one order every run writes: importer, year, mineral, indicator
    (:data:`ROW_ORDER`), factor (the model's order)."""
    from .methods.uncertainty import FACTORS

    ind = df["indicator"].map({k: i for i, k in enumerate(ROW_ORDER)}).fillna(len(ROW_ORDER))
    fac = df["factor"].map({k: i for i, k in enumerate(("",) + tuple(FACTORS))}).fillna(len(FACTORS) + 1)
    key = df.assign(_i=ind, _f=fac).sort_values(["importer", "year", "mineral", "_i", "_f"], kind="stable")
    return df.loc[key.index].reset_index(drop=True)


def versions() -> dict:
    """The versions that decide the numbers (recorded in the provenance; a worker running other
    versions is an error)."""
    import platform
    from importlib.metadata import PackageNotFoundError, version

    import critmin

    def ver(name):
        try:
            return version(name)
        except PackageNotFoundError:
            return None

    return {"critmin": critmin.__version__, "numpy": ver("numpy"), "pandas": ver("pandas"), "scipy": ver("scipy"),
            "SALib": ver("SALib"), "python": platform.python_version()}


def _frozen(v):
    if isinstance(v, dict):
        return tuple(sorted((k, _frozen(x)) for k, x in v.items()))
    if isinstance(v, (list, tuple, set, frozenset)):
        return tuple(_frozen(x) for x in (sorted(v) if isinstance(v, (set, frozenset)) else v))
    return v.item() if hasattr(v, "item") else v


def _query_key(op: str, *parts) -> tuple:
    return (op,) + tuple(" ".join(p.split()) if isinstance(p, str) else _frozen(p) for p in parts)


# -- the snapshot --------------------------------------------------------------------------------------

class _Recorder:
    """A data source that answers through ``source`` and keeps every answer (``memo``); answers
    already in ``base`` are not asked again."""

    def __init__(self, source, base: dict | None = None) -> None:
        self.source, self.base, self.memo = source, base or {}, {}

    def _get(self, key, fetch):
        if key in self.base:
            return self.base[key].copy()
        if key not in self.memo:
            self.memo[key] = fetch()
        return self.memo[key].copy()

    def load(self, dataset: str, **filters) -> pd.DataFrame:
        return self._get(_query_key("load", dataset, filters), lambda: self.source.load(dataset, **filters))

    def sql(self, query: str, params=None) -> pd.DataFrame:
        return self._get(_query_key("sql", query, list(params or ())), lambda: self.source.sql(query, params))

    def summary(self, name: str, query: str) -> pd.DataFrame:
        from .supply import summary

        return self._get(("summary", name), lambda: summary(self.source, name, query))

    def version(self) -> str:
        v = getattr(self.source, "version", None)
        return v() if callable(v) else "unversioned"


class FrozenSource:
    """The recorded answers of :class:`_Recorder` without the database behind them: picklable;
    a question not recorded raises :class:`SnapshotMiss`."""

    def __init__(self, memo: dict, fingerprint: str, extra: dict | None = None) -> None:
        self.memo, self.fingerprint, self.extra = memo, fingerprint, extra or {}

    def _get(self, key):
        hit = self.extra.get(key)
        if hit is None:
            hit = self.memo.get(key)
        if hit is None:
            raise SnapshotMiss(f"the ensemble's prepared data hold no answer to {key[0]} {key[1:]!r}: the "
                               "partition read data that critmin.ensemble.prepare did not prepare (a bug: "
                               "please report it with the command)")
        return hit.copy()

    def load(self, dataset: str, **filters) -> pd.DataFrame:
        return self._get(_query_key("load", dataset, filters))

    def sql(self, query: str, params=None) -> pd.DataFrame:
        return self._get(_query_key("sql", query, list(params or ())))

    def summary(self, name: str, query: str) -> pd.DataFrame:
        return self._get(("summary", name))

    def version(self) -> str:
        return self.fingerprint


@dataclass
class Piece:
    """What one importer adds to the shared supply data: its prepared tables (import weights,
    domestic production) and the recorded answers to its queries (its years with trade data)."""

    weights: dict
    memo: dict
    years: list[int]


@dataclass
class Snapshot:
    """Supply data prepared once for a set of importers (see the module docstring).

    ``supply`` is a :class:`~critmin.supply.SupplyData` over a :class:`FrozenSource` with every
    importer-independent table built; ``pieces`` the per-importer additions; ``fingerprint`` the
    data version (``Store.version()``). :meth:`supply_for` gives one importer's supply data (a
    shallow copy: the shared tables are not copied, nothing a partition builds leaks into another).
    """

    supply: object
    pieces: dict[str, Piece]
    fingerprint: str
    skipped: list[dict] = field(default_factory=list)

    def supply_for(self, importer: str):
        sd = copy.copy(self.supply)
        p = self.pieces[importer]
        sd._flows = {}
        sd._weights = {**self.supply._weights, **p.weights}
        sd.source = FrozenSource(self.supply.source.memo, self.fingerprint, p.memo)
        return sd

    @property
    def years(self) -> dict[str, list[int]]:
        return {k: p.years for k, p in self.pieces.items()}

    def nbytes(self) -> int:
        """Size of the pickled snapshot (what is sent to each worker)."""
        import pickle

        return len(pickle.dumps(self, protocol=5))


def _warm(sd) -> None:
    """Build the importer-independent tables every partition reads."""
    for name in ("production_obs", "reserves_obs", "refined_obs", "gov_obs", "held_codes", "trade_sources",
                 "_price_tables", "recycling", "secondary", "element_value", "reserve_life", "_unit_values"):
        getattr(sd, name)
    sd.hhi("reserves", window=1)
    sd.hhi("production")
    for w in (1, 3):                      # the model's windows (methods.uncertainty.WINDOWS)
        sd.hhi("production", window=w)
    from .supply import summary

    summary(sd.source, "importers", "SELECT DISTINCT country FROM obs WHERE dataset = 'trade'")


def importers_in(store=None) -> list[str]:
    """Every importer with trade data, sorted."""
    from .assessment import importers_held
    from .store import default_store

    return sorted(importers_held(store if store is not None else default_store()))


def prepare(importers: Sequence[str], years: Sequence[int] | None, *, store=None, method=None,
            on_importer: Callable[[int, int], None] | None = None) -> Snapshot:
    """Prepare the supply data of ``importers`` once (see the module docstring).

    ``years``: the years asked for (``None``: each importer's latest year with trade data); a year
    outside an importer's trade data is left out of its ``Piece.years`` and listed in
    ``Snapshot.skipped`` with the reason. ``on_importer(i, n)`` is called after each importer.
    """
    from .method import Method
    from .store import default_store
    from .supply import SupplyData, check_years, latest_year

    store = store if store is not None else default_store()
    rec = _Recorder(store)
    sd = SupplyData(rec, None, method or Method())
    _warm(sd)
    pieces, skipped = {}, []
    known = set(importers_in(rec))
    todo = sorted(set(importers))
    for i, imp in enumerate(todo):
        if imp not in known:
            from .errors import UnknownNameError, did_you_mean

            raise UnknownNameError(f"{imp} is not an importer in the trade data{did_you_mean(imp, known)}",
                                   field="--country", found=imp, fix="choose importers listed by "
                                                                     "`critmin data info`, or 'all'")
        q = _Recorder(store)                  # the questions a partition asks its source itself
        ok = []
        for y in (years if years is not None else [latest_year(q, imp)]):
            try:
                check_years(q, imp, [int(y)])
            except CritminError as exc:
                skipped.append({"importer": imp, "year": int(y), "reason": str(exc)})
                continue
            ok.append(int(y))
        sd_i = copy.copy(sd)
        sd_i._flows, sd_i._weights, sd_i.source = {}, dict(sd._weights), _Recorder(store, base=rec.memo)
        if ok:
            sd_i.import_weights([imp])       # flows and domestic production folded into import weights
        pieces[imp] = Piece({k: v for k, v in sd_i._weights.items() if k not in sd._weights}, q.memo, ok)
        if on_importer is not None:
            on_importer(i + 1, len(todo))
    # the raw tables behind the prepared ones are not shared: only the whole-store summaries a
    # partition asks for (the importers list)
    sd.source = FrozenSource({k: v for k, v in rec.memo.items() if k[0] == "summary"}, rec.version())
    return Snapshot(sd, pieces, sd.source.fingerprint, skipped)


# -- one partition ---------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Params:
    """The settings of every partition of one run."""

    draws: int
    seed: int
    top: int = 10
    sobol: bool = True
    sobol_n: int = 256
    sobol_engine: str = "numpy"

    def token(self, fingerprint: str) -> str:
        return hashlib.sha256(json.dumps([self.__dict__, fingerprint], sort_keys=True).encode()).hexdigest()[:12]


def run_partition(snapshot: Snapshot, importer: str, year: int, params: Params) -> dict:
    """The uncertainty model of one (importer, year) on the prepared data, its own random stream.

    Returns ``{"importer", "year", "rows" (DataFrame of COLUMNS, empty when skipped), "skipped"
    (the reason or None), "versions", "seconds"}``.
    """
    from .methods.uncertainty import run

    t0 = time.perf_counter()
    out = {"importer": importer, "year": int(year), "skipped": None, "versions": versions()}
    try:
        with warnings.catch_warnings():
            # pandas' chained-assignment heuristic fires in critmin.indicators.governance.scores on
            # workers (arrays deserialised as views of the message); the values are unaffected
            warnings.simplefilter("ignore", pd.errors.SettingWithCopyWarning)
            res = run(importer, int(year), draws=params.draws, seed=partition_seed(params.seed, importer, int(year)),
                      top=params.top, sobol=params.sobol, sobol_n=params.sobol_n,
                      sobol_engine=params.sobol_engine, supply=snapshot.supply_for(importer))
        out["rows"] = tidy(res, importer, year)
    except CritminError as exc:          # no data for this partition: skipped, with the reason
        out["rows"] = pd.DataFrame({c: pd.Series(dtype=float if c in FLOAT_COLUMNS else object)
                                    for c in COLUMNS})
        out["skipped"] = str(exc)
    out["seconds"] = time.perf_counter() - t0
    return out


def _share(snapshot: Snapshot) -> Snapshot:
    """The task that hands the snapshot to the cluster (see ``_run_dask``)."""
    return snapshot


def _rss() -> int:
    """Resident memory of this process in bytes (run on each worker)."""
    import psutil

    return int(psutil.Process().memory_info().rss)


# -- the run -------------------------------------------------------------------------------------------------

@dataclass
class Result:
    """An ensemble run: ``table`` (:data:`COLUMNS`, sorted), ``provenance`` (deterministic: the same
    for the same arguments and data, whatever the scheduler) and ``run`` (times, scheduler,
    workers, memory: not part of the byte comparison)."""

    table: pd.DataFrame
    provenance: dict
    run: dict
    #: column → Arrow type name (``string``, ``int32``, ``float64``, ``bool``) of a table other than
    #: the uncertainty ensemble's (a sweep, :mod:`critmin.sweep`); None: :data:`COLUMNS`
    schema: dict | None = None
    #: the column a directory output is partitioned by (``COLUMN=VALUE/part-0.parquet``)
    partition: str = "importer"


def check_scheduler(scheduler: str | None) -> str:
    """``none``, ``local`` or a scheduler address; else a clear error."""
    s = (scheduler or "none").strip()
    if s.lower() in ("none", "local"):
        return s.lower()
    if "://" in s and s.split("://", 1)[1]:
        return s
    raise DataValidationError("unknown scheduler", field="--scheduler", found=scheduler, expected=SCHEDULERS,
                              fix="pass none (this process), local (a LocalCluster here) or the address of a "
                                  "running Dask scheduler, e.g. tcp://10.0.0.5:8786")


def dask_available() -> bool:
    try:
        import distributed  # noqa: F401
    except ImportError:
        return False
    return True


def _require_dask(scheduler: str):
    try:
        import distributed
    except ImportError:
        raise CritminError(f"--scheduler {scheduler} needs Dask, an optional extra: {INSTALL_HINT} (or "
                           "--scheduler none to run the same partitions in this process)") from None
    return distributed


def dashboard_link(client) -> str | None:
    """The Dask dashboard's URL, or None where it is not running (it needs bokeh)."""
    try:
        info = client.scheduler_info()
        if "dashboard" not in info.get("services", {}):
            return None
        return client.dashboard_link
    except Exception:  # noqa: BLE001 - the link is informative only
        return None


#: environment of the worker processes of :func:`local_cluster`: Dask sets ``MALLOC_TRIM_THRESHOLD_``,
#: which switches off glibc's adaptive mmap threshold, so every array above 128 KiB is a fresh
#: mmap — a partition then takes ~50 % more CPU (measured: 0.65 → 1.0 s); arrays below 32 MiB come
#: from the heap again (0.71 s), memory is still trimmed
WORKER_ENV = {"MALLOC_MMAP_THRESHOLD_": 32 * 1024 * 1024}


def local_cluster(workers: int | None = None, **kw):
    """A ``distributed.LocalCluster`` of ``workers`` processes (default: one per core), one thread
    each, with :data:`WORKER_ENV`."""
    distributed = _require_dask("local")
    import dask

    env = {f"distributed.nanny.pre-spawn-environ.{k}": v for k, v in WORKER_ENV.items()}
    with dask.config.set(env):
        return distributed.LocalCluster(**{"n_workers": workers or os.cpu_count() or 1, "threads_per_worker": 1,
                                           "processes": True} | kw)


def run_ensemble(importers: str | Sequence[str] = "all", years: Iterable[int] | None = None, *,
                 draws: int = 1000, seed: int = 0, top: int = 10, sobol: bool = True, sobol_n: int = 256,
                 sobol_engine: str = "auto", scheduler: str | None = "none", workers: int | None = None,
                 client=None, store=None, on_done: Callable[[int, int], None] | None = None,
                 on_prepare: Callable[[int, int], None] | None = None,
                 on_event: Callable[[str], None] | None = None, lang: str = "en") -> Result:
    """Run the uncertainty model for every (importer, year), serially or on Dask.

    Parameters
    ----------
    importers : ``"all"`` or ISO3 codes
    years : the years (``None``: each importer's latest year with trade data)
    draws, seed, top, sobol, sobol_n, sobol_engine : as :func:`critmin.methods.uncertainty.run`
        (``sobol_engine`` ``auto`` is resolved here, so that every partition uses the same)
    scheduler : ``none`` (this process, no Dask needed), ``local`` (a LocalCluster of
        ``workers`` processes, one thread each) or a Dask scheduler address (``tcp://HOST:8786``)
    client : a ``distributed.Client`` to use instead (``scheduler`` is then ignored)
    on_done : called with (partitions done, partitions in all) as results arrive (a progress bar)
    on_prepare : called with (importers prepared, importers in all) while the data are prepared
    on_event : called with one line of text (e.g. the dashboard link), in ``lang``
    """
    from .methods.uncertainty import _engine
    from .store import default_store

    if int(draws) < 2:
        raise DataValidationError("too few Monte Carlo draws", field="--draws", found=draws,
                                  expected="at least 2 (10,000 for stable bands)", fix="pass --draws 1000")
    sched = "client" if client is not None else check_scheduler(scheduler)
    if sched not in ("none", "client"):
        _require_dask(sched)
    store = store if store is not None else default_store()
    imps = importers_in(store) if isinstance(importers, str) and importers.lower() == "all" else \
        sorted({str(i) for i in ([importers] if isinstance(importers, str) else importers)})
    yrs = sorted({int(y) for y in years}) if years is not None else None
    params = Params(int(draws), int(seed), int(top), bool(sobol), int(sobol_n), _engine(sobol_engine))
    say = on_event or (lambda s: None)
    _ = translator(lang)

    t0 = time.perf_counter()
    snap = prepare(imps, yrs, store=store, on_importer=on_prepare)
    parts = partitions(imps, snap.years)
    t_prep = time.perf_counter() - t0
    snap_mb = snap.nbytes() / 1e6
    say(_("prepared the supply data once: {importers} importers, {n} partitions, {mb:.1f} MB to share, "
          "{s:.1f} s").format(importers=len(imps), n=len(parts), mb=snap_mb, s=t_prep))
    t1 = time.perf_counter()
    info: dict = {"scheduler": sched, "prepare_seconds": round(t_prep, 3), "snapshot_mb": round(snap_mb, 2)}
    if sched == "none":
        results = []
        for i, (imp, y) in enumerate(parts):
            results.append(run_partition(snap, imp, y, params))
            if on_done is not None:
                on_done(i + 1, len(parts))
        info |= {"workers": 1, "memory_mb": {"this process": round(_rss() / 1e6, 1)}}
    else:
        results, more = _run_dask(snap, parts, params, sched, workers, client, on_done, say, lang)
        more.pop("scheduler", None)
        info |= more
    info["compute_seconds"] = round(time.perf_counter() - t1, 3)
    info["partition_seconds"] = round(float(sum(r["seconds"] for r in results)), 3)
    return _assemble(results, snap, params, imps, yrs, info)


def _run_dask(snap, parts, params, sched, workers, client, on_done, say, lang="en"):
    tok = params.token(snap.fingerprint)
    return map_partitions(_run_one, snap, parts, args=(params,), scheduler=sched, workers=workers, client=client,
                          keys=[f"critmin-uncertainty-{tok}-{imp}-{y}" for imp, y in parts],
                          labels=[f"{imp} {y}" for imp, y in parts], share_key=f"critmin-snapshot-{tok}",
                          on_done=on_done, on_event=say, lang=lang)


def _run_one(snapshot: Snapshot, part: tuple[str, int], params: Params) -> dict:
    return run_partition(snapshot, part[0], part[1], params)


def map_partitions(func, shared, items: Sequence, *, args: tuple = (), scheduler: str = "none",
                   workers: int | None = None, client=None, keys: Sequence[str] | None = None,
                   labels: Sequence[str] | None = None, share_key: str | None = None,
                   on_done: Callable[[int, int], None] | None = None,
                   on_event: Callable[[str], None] | None = None, lang: str = "en") -> tuple[list, dict]:
    """``func(shared, item, *args)`` for every item, in this process (``scheduler`` ``none``) or
    on Dask (``local``, an address, or ``client``); the results in the order of ``items`` and the
    run's facts (scheduler, workers, memory per worker, dashboard).

    On Dask ``shared`` travels once, as the result of one task holding the driver's copy: a worker
    fetches it from a peer, and if every worker holding it dies the scheduler runs that task again
    (data put with ``client.scatter`` cannot be recovered, and the active memory manager keeps a
    single replica of it once no task waits on the others). A task that fails cancels the rest
    and raises :class:`CritminError` naming its item (``labels``)."""
    say = on_event or (lambda s: None)
    labels = list(labels) if labels is not None else [str(i) for i in items]
    sched = "client" if client is not None else check_scheduler(scheduler)
    if sched == "none":
        results = []
        for i, it in enumerate(items):
            results.append(func(shared, it, *args))
            if on_done is not None:
                on_done(i + 1, len(items))
        return results, {"scheduler": "none", "workers": 1, "memory_mb": {"this process": round(_rss() / 1e6, 1)}}
    distributed = _require_dask(sched)
    own = []
    try:
        if client is None:
            if sched == "local":
                cluster = local_cluster(workers)
                own.append(cluster)
                client = distributed.Client(cluster)
            else:
                try:
                    client = distributed.Client(sched, timeout="30s")
                except (OSError, TimeoutError) as exc:
                    raise CritminError(f"cannot reach the Dask scheduler at {sched}: {exc}. Fix: start it "
                                       "(`dask scheduler`, then `dask worker {sched}` on each machine) or "
                                       "check the address") from None
            own.insert(0, client)
        link = dashboard_link(client)
        _ = translator(lang)
        say(_("Dask dashboard: {link}").format(link=link) if link else
            _("Dask dashboard: not running (it needs bokeh: pip install bokeh)"))
        n_workers = len(client.scheduler_info().get("workers", {}))
        import dask

        with dask.config.set({"distributed.admin.large-graph-warning-threshold": "4GB"}):
            fut_shared = client.submit(_share, shared, key=share_key, pure=False) if share_key else \
                client.submit(_share, shared, pure=False)
        keys = list(keys) if keys is not None else [None] * len(items)
        futs = {}
        for i, (it, k) in enumerate(zip(items, keys)):
            kw = {"key": k} if k else {"pure": False}
            futs[client.submit(func, fut_shared, it, *args, **kw)] = i
        results: list = [None] * len(items)
        for n, f in enumerate(distributed.as_completed(futs)):
            i = futs[f]
            try:
                results[i] = f.result()
            except Exception as exc:
                for g in futs:
                    g.cancel()
                raise CritminError(f"partition {labels[i]} failed on the cluster: {type(exc).__name__}: {exc}") from exc
            if on_done is not None:
                on_done(n + 1, len(items))
        try:
            mem = {k: round(v / 1e6, 1) for k, v in sorted(client.run(_rss).items())}
        except Exception:  # noqa: BLE001 - memory is reported, not required
            mem = {}
        return results, {"scheduler": sched, "workers": n_workers, "memory_mb": mem, "dashboard": link}
    finally:
        for o in own:
            o.close()


def _assemble(results, snap, params, imps, yrs, info) -> Result:
    want = versions()
    other = [r for r in results if r["versions"] != want]
    if other:
        raise CritminError(f"partition {other[0]['importer']} {other[0]['year']} ran under other versions "
                           f"({other[0]['versions']}) than this process ({want}): the results would not be "
                           "reproducible. Fix: install the same versions on the workers")
    frames = [r["rows"] for r in results if r["skipped"] is None]
    table = pd.concat(frames, ignore_index=True) if frames else pd.DataFrame(columns=COLUMNS)
    table = sort_rows(table.astype({"year": "int32"}))
    skipped = snap.skipped + [{"importer": r["importer"], "year": r["year"], "reason": r["skipped"]}
                              for r in results if r["skipped"] is not None]
    skipped = sorted(skipped, key=lambda d: (d["importer"], d["year"]))
    from .method import Method
    from .methods import uncertainty as u

    prov = {
        "what": "critmin uncertainty ensemble: Monte Carlo bands and Sobol indices per (importer, year)",
        "seed": params.seed, "draws": params.draws, "top": params.top, "sobol": params.sobol,
        "sobol_n": params.sobol_n, "sobol_engine": params.sobol_engine,
        "seed_rule": "numpy.random.default_rng(SeedSequence(seed, spawn_key=(first 8 bytes of sha256(importer) "
                     "as a big-endian integer, year)))",
        "importers": list(imps), "years": yrs if yrs is not None else "latest per importer",
        "partitions": len(results), "partitions_done": len(frames), "skipped": skipped,
        "data_fingerprint": snap.fingerprint, "method": Method().as_dict(),
        "model": {"trade_sigma": u.TRADE_SIGMA, "production_sigma": u.PROD_SIGMA,
                  "reserve_sigma": u.RESERVE_SIGMA, "secondary_sigma": u.SECONDARY_SIGMA,
                  "price_sigma": "1/sqrt(2(n - 2)), n = annual prices in the volatility window",
                  "secondary_range": "two-piece uniform with median r on the source's printed range of "
                                     "estimates (UNEP IRP 2011), else r x LogNormal(0, secondary_sigma)",
                  "sampled": list(u.SAMPLED), "sig_digits": u.SIG_DIGITS},
        "versions": want, "columns": COLUMN_DOC,
    }
    return Result(table.reset_index(drop=True), prov, info)


# -- writing ---------------------------------------------------------------------------------------------------

def _arrow(df: pd.DataFrame, prov: dict, drop: Sequence[str] = (), schema: dict | None = None):
    import pyarrow as pa

    if schema is None:
        types = {"importer": pa.string(), "year": pa.int32(), "mineral": pa.string(), "indicator": pa.string(),
                 "factor": pa.string()} | {c: pa.float64() for c in FLOAT_COLUMNS}
        cols = [c for c in COLUMNS if c not in drop]
    else:
        types = {c: getattr(pa, t)() for c, t in schema.items()}
        cols = [c for c in schema if c not in drop]
    schema = pa.schema([(c, types[c]) for c in cols],
                       metadata={"critmin.provenance": json.dumps(prov, sort_keys=True, ensure_ascii=False)})
    return pa.Table.from_pandas(df[cols], schema=schema, preserve_index=False).replace_schema_metadata(
        schema.metadata)


def check_output(out: Path | str) -> Path:
    """Check before any work that ``out`` can be written: a new or earlier-ensemble directory, or a
    ``.parquet`` file (:func:`critmin.report.io.check_target`); a clear error otherwise."""
    from .report.io import check_target

    out = Path(out)
    if out.suffix.lower() == ".parquet":
        return check_target(out)
    if out.is_file() or (out.is_dir() and any(out.iterdir()) and not (out / PROVENANCE_FILE).is_file()):
        raise DataValidationError("the output exists and is not an earlier ensemble output", field="--out",
                                  found=str(out), fix="name a new directory (or a file ending in .parquet)")
    check_target(out / PROVENANCE_FILE)
    return out


def write(result: Result, out: Path | str) -> list[Path]:
    """Write the table atomically: a directory ``out`` (partitioned by importer,
    ``importer=XXX/part-0.parquet`` — a sweep by its ``Result.partition`` — plus ``_provenance.json`` and ``_run.json``; read it back with
    ``pandas.read_parquet(out)``) or one file when ``out`` ends in ``.parquet``. Everything is
    written to a temporary sibling first and renamed into place; an existing directory is
    replaced only when it is an earlier ensemble output (or empty). Returns the files written.
    """
    import pyarrow.parquet as pq

    out = check_output(out)
    prov = json.dumps(result.provenance, indent=1, sort_keys=True, ensure_ascii=False) + "\n"
    run = json.dumps(result.run, indent=1, sort_keys=True, ensure_ascii=False, default=str) + "\n"
    out.parent.mkdir(parents=True, exist_ok=True)
    if out.suffix.lower() == ".parquet":
        fd, tmp = tempfile.mkstemp(dir=out.parent, prefix=".tmp-", suffix=".parquet")
        os.close(fd)
        try:
            pq.write_table(_arrow(result.table, result.provenance, schema=result.schema), tmp, **PARQUET_OPTIONS)
            os.chmod(tmp, 0o644)
            os.replace(tmp, out)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise
        return [out]
    tmp = Path(tempfile.mkdtemp(dir=out.parent, prefix=f".tmp-{out.name}-"))
    try:
        written = []
        part = result.partition
        for imp, g in result.table.groupby(part, sort=True):
            p = tmp / f"{part}={imp}" / "part-0.parquet"
            p.parent.mkdir()
            pq.write_table(_arrow(g, result.provenance, drop=(part,), schema=result.schema), p, **PARQUET_OPTIONS)
            written.append(out / p.relative_to(tmp))
        (tmp / PROVENANCE_FILE).write_text(prov, encoding="utf-8")
        (tmp / RUN_FILE).write_text(run, encoding="utf-8")
        for p in tmp.rglob("*"):
            os.chmod(p, 0o755 if p.is_dir() else 0o644)
        os.chmod(tmp, 0o755)
        old = None
        if out.exists():
            old = out.with_name(f".old-{out.name}-{os.getpid()}")
            os.replace(out, old)
        os.replace(tmp, out)
        if old is not None:
            shutil.rmtree(old, ignore_errors=True)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    return written + [out / PROVENANCE_FILE, out / RUN_FILE]


def read(path: Path | str) -> pd.DataFrame:
    """An ensemble output (directory or file) as one table of :data:`COLUMNS`, in the written order."""
    import pyarrow.dataset as ds

    path = Path(path)
    if path.is_dir():
        t = ds.dataset(path, format="parquet", partitioning="hive").to_table().to_pandas()
        t["importer"] = t["importer"].astype(str)
        return sort_rows(t[COLUMNS])
    return pd.read_parquet(path)[COLUMNS]


def provenance(path: Path | str) -> dict:
    """The provenance written with an ensemble output."""
    path = Path(path)
    if path.is_dir():
        return json.loads((path / PROVENANCE_FILE).read_text(encoding="utf-8"))
    import pyarrow.parquet as pq

    return json.loads(pq.read_schema(path).metadata[b"critmin.provenance"])
