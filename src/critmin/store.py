"""The embedded store: DuckDB over the shipped dataset plus the user's imports.

* The shipped dataset is ``critmin/data/*.parquet`` (canonical schema) with
  ``manifest.json`` (sources, editions, licences, attribution, raw-file SHA-256).
* User imports live in a per-user data directory (``$CRITMIN_HOME`` or the
  platform's user-data dir, e.g. ``~/.local/share/critmin``): one Parquet file
  per import plus ``imports.json``. Nothing is created until the first import.
* An import lands whole or not at all: the file is written to a temporary name
  and renamed, then the index is replaced atomically; on any error both are
  left as they were. Writers of the index are serialised by an exclusive lock
  on the user data directory (:func:`index_lock`): two imports at the same moment both
  land, the second after the first (it waits up to ``LOCK_TIMEOUT`` seconds,
  then fails with a clear error) — never a lost update.
* Edition precedence: where the same key (dataset, mineral, stage, hs, country,
  partner, year, variable, source) exists in several editions of one source,
  the query view keeps the newest edition (lexicographic order of the edition
  string: MCS2026 > MCS2025, V202501 > V202401b). Older editions stay
  queryable with ``editions="all"``.
* Query results are kept in this process (:data:`SQL_MEMO_BYTES`): an assessment, a policy, a
  comparison or the server asks the same question of the same data many times. The key is the
  query, its parameters and the data the connection reads (each file's path, inode, size and
  modification times, and the HS map), so an import, a rebuilt dataset or another user directory
  never meets an answer of other data; callers get a copy, never the kept table.

Importing this module creates nothing and loads nothing.
"""
from __future__ import annotations

import contextlib
import hashlib
import json
import os
import tempfile
import threading
from collections import OrderedDict
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Iterable, Sequence

import pandas as pd

from . import schema
from .errors import CritminError, DataValidationError

PACKAGE_DATA = "critmin.data"


def shipped_dir() -> Path:
    """Directory of the shipped dataset inside the installed package."""
    return Path(str(resources.files(PACKAGE_DATA)))


def user_dir() -> Path:
    """Per-user data directory (not created here)."""
    env = os.environ.get("CRITMIN_HOME")
    if env:
        return Path(env)
    import platformdirs

    return Path(platformdirs.user_data_dir("critmin", appauthor=False))


def cache_dir() -> Path:
    """Directory of derived, re-computable caches (``$CRITMIN_HOME/cache`` or the user cache dir)."""
    env = os.environ.get("CRITMIN_HOME")
    if env:
        return Path(env) / "cache"
    import platformdirs

    return Path(platformdirs.user_cache_dir("critmin", appauthor=False))


def read_manifest(directory: Path | None = None) -> dict:
    """The shipped dataset's manifest (sources, editions, checksums)."""
    p = (directory or shipped_dir()) / "manifest.json"
    if not p.is_file():
        raise CritminError(f"no shipped dataset found at {p.parent}: run `critmin data build` "
                           "(needs the raw files in ../shared/data/raw)")
    return json.loads(p.read_text(encoding="utf-8"))


def read_imports_index(directory: Path | None = None) -> list[dict]:
    p = (directory or user_dir()) / "imports.json"
    if not p.is_file():
        return []
    try:
        return json.loads(p.read_text(encoding="utf-8"))
    except json.JSONDecodeError as exc:
        raise CritminError(f"the import index {p} is corrupt ({exc}); move it away and re-import") from exc


#: Seconds an import waits for another import to release the index lock.
LOCK_TIMEOUT = 120.0


@contextlib.contextmanager
def index_lock(home: Path, timeout: float = LOCK_TIMEOUT):
    """Hold the exclusive lock of the user data directory's import index.

    An advisory OS lock: ``fcntl.flock`` on the directory itself on POSIX (no lock file is left
    behind), ``msvcrt.locking`` on a file ``imports.lock`` on Windows. The OS releases it when
    the process ends, even under kill -9, so a crashed import never leaves the store locked.
    Waits up to ``timeout`` seconds for another import, then raises :class:`CritminError`.
    """
    import time

    home.mkdir(parents=True, exist_ok=True)
    if os.name == "nt":  # pragma: no cover - Windows
        import msvcrt

        fh = open(home / "imports.lock", "a+b")
        fd = fh.fileno()

        def try_lock() -> bool:
            try:
                fh.seek(0)
                msvcrt.locking(fd, msvcrt.LK_NBLCK, 1)
                return True
            except OSError:
                return False

        def unlock() -> None:
            fh.seek(0)
            msvcrt.locking(fd, msvcrt.LK_UNLCK, 1)

        close = fh.close
    else:
        import fcntl

        fd = os.open(home, os.O_RDONLY)

        def try_lock() -> bool:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                return True
            except BlockingIOError:
                return False

        def unlock() -> None:
            fcntl.flock(fd, fcntl.LOCK_UN)

        def close() -> None:
            os.close(fd)
    try:
        deadline = time.monotonic() + timeout
        delay = 0.005
        while not try_lock():
            if time.monotonic() > deadline:
                raise CritminError(f"another import into {home} has held the import lock for more than "
                                   f"{timeout:.0f} s; wait for it to finish and import again")
            time.sleep(delay)
            delay = min(0.2, delay * 2)
        try:
            yield
        finally:
            unlock()
    finally:
        close()


def _atomic_write_text(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".tmp-", suffix=path.suffix)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            fh.write(text)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def write_parquet_atomic(df: pd.DataFrame, path: Path) -> None:
    """Write ``df`` to ``path`` via a temporary file and rename (all or nothing)."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".tmp-", suffix=".parquet")
    os.close(fd)
    try:
        table = pa.Table.from_pandas(df[schema.COLUMNS], preserve_index=False)
        pq.write_table(table, tmp, compression="zstd", compression_level=9,
                       use_dictionary=True, row_group_size=256_000)
        os.chmod(tmp, 0o644)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


#: Query results kept in this process (see the module docstring): least recently used out beyond
#: this many bytes (estimated); a larger single result is not kept.
SQL_MEMO_BYTES = 256 * 2**20
SQL_MEMO_MAX_ITEM = 32 * 2**20
_SQL_MEMO: OrderedDict = OrderedDict()
_SQL_MEMO_LOCK = threading.Lock()
_sql_memo_size = 0


def _frame_bytes(df: pd.DataFrame) -> int:
    """A quick estimate of a result's memory (text cells counted at 64 bytes each)."""
    return sum(a.nbytes if a.dtype != object else 64 * len(a) for a in (df[c].to_numpy() for c in df.columns)) \
        + 64 * len(df.columns)


def clear_sql_memo() -> None:
    """Forget every kept query result."""
    global _sql_memo_size
    with _SQL_MEMO_LOCK:
        _SQL_MEMO.clear()
        _sql_memo_size = 0


@dataclass
class Store:
    """A DuckDB view over the shipped Parquet files and the user's imports.

    Parameters
    ----------
    shipped : Path, optional
        Directory of the shipped dataset (default: the package's).
    home : Path, optional
        The user data directory (default: :func:`user_dir`).
    include_imports : bool
        Include the user's imports (default True).
    """

    shipped: Path | None = None
    home: Path | None = None
    include_imports: bool = True

    def __post_init__(self) -> None:
        self.shipped = Path(self.shipped) if self.shipped else shipped_dir()
        self.home = Path(self.home) if self.home else user_dir()
        self._con = None
        self._data_key: str | None = None
        self._summaries: dict[str, pd.DataFrame] = {}
        self._version: str | None = None

    # -- files ---------------------------------------------------------------------------
    def files(self) -> list[Path]:
        files = sorted(self.shipped.glob("*.parquet"))
        if not files:
            raise CritminError(f"no shipped dataset found in {self.shipped}: run `critmin data build`")
        if self.include_imports:
            for entry in read_imports_index(self.home):
                p = self.home / entry["file"]
                if p.is_file():
                    files.append(p)
        return files

    @property
    def con(self):
        """The DuckDB connection (created on first use) with views ``obs_all`` and ``obs``."""
        if self._con is None:
            import duckdb

            con = duckdb.connect(":memory:")
            con.execute("SET enable_progress_bar = false")
            files = self.files()
            flist = ", ".join("'" + str(f).replace("'", "''") + "'" for f in files)
            con.execute(f"CREATE VIEW obs_all AS SELECT * FROM read_parquet([{flist}])")
            key = ", ".join(k for k in schema.KEY if k != "edition")
            # one row per key: the newest edition. Only series held in several editions, or also in
            # a user import (a file imported again, or a byte-different copy of a shipped one, must
            # not add its rows a second time), need the window; ties in edition are broken by value
            # so that the choice never depends on the scan order
            multi = con.execute("""SELECT dataset, source FROM (SELECT DISTINCT dataset, source, edition
                                   FROM obs_all) GROUP BY ALL HAVING count(*) > 1""").fetchall()
            imported = [f for f in files if f.parent != self.shipped]
            if imported:
                ilist = ", ".join("'" + str(f).replace("'", "''") + "'" for f in imported)
                multi = sorted(set(multi) | set(con.execute(
                    f"SELECT DISTINCT dataset, source FROM read_parquet([{ilist}])").fetchall()))
            if multi:
                cond = " OR ".join(f"(dataset = '{d}' AND source = '{s}')" for d, s in multi)
                con.execute(f"""CREATE VIEW obs AS
                    SELECT * FROM obs_all WHERE NOT ({cond})
                    UNION ALL
                    SELECT * FROM (SELECT * FROM obs_all WHERE {cond}
                        QUALIFY row_number() OVER (PARTITION BY {key} ORDER BY edition DESC, value DESC NULLS LAST)
                        = 1)""")
            else:
                con.execute("CREATE VIEW obs AS SELECT * FROM obs_all")
            hs = _catalogue_hs()
            con.register("hs_map_df", hs)
            con.execute("CREATE TABLE hs_map AS SELECT hs, mineral, stage, content_basis, shared FROM hs_map_df")
            # what this connection reads: the key of its kept query results
            h = hashlib.sha256(pd.util.hash_pandas_object(hs, index=False).to_numpy().tobytes())
            for f in files:
                st = f.stat()
                h.update(f"{f}|{st.st_ino}|{st.st_size}|{st.st_mtime_ns}|{st.st_ctime_ns}\n".encode())
            self._data_key = h.hexdigest()
            self._con = con
        return self._con

    def close(self) -> None:
        if self._con is not None:
            self._con.close()
            self._con = None
        self._data_key = None
        self._summaries = {}
        self._version = None

    def version(self) -> str:
        """A fingerprint of the data read (each file's path, size and modification time)."""
        if self._version is None:
            import hashlib

            h = hashlib.sha256()
            for f in self.files():
                st = f.stat()
                h.update(f"{f}|{st.st_size}|{st.st_mtime_ns}\n".encode())
            self._version = h.hexdigest()[:16]
        return self._version

    def summary(self, name: str, query: str) -> pd.DataFrame:
        """A whole-store summary query (no parameters), computed once per data version.

        Kept in memory and in the user cache directory (``$CRITMIN_HOME/cache`` or the
        platform's user cache dir) so that a fresh process does not rescan the trade data.
        The cache file is named by the data fingerprint (:meth:`version`): an import or a
        rebuilt dataset gives a new name, never a stale answer. A cache that cannot be read or
        written is ignored.
        """
        if name in self._summaries:
            return self._summaries[name]
        import hashlib

        qh = hashlib.sha256(" ".join(query.split()).encode()).hexdigest()[:8]
        path = cache_dir() / f"{name}-{self.version()}-{qh}.parquet"
        df = None
        if path.is_file():
            try:
                df = pd.read_parquet(path)
            except Exception:  # noqa: BLE001 - a damaged cache is recomputed
                df = None
        if df is None:
            df = self.sql(query)
            try:
                path.parent.mkdir(parents=True, exist_ok=True)
                fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".tmp-", suffix=".parquet")
                os.close(fd)
                try:
                    df.to_parquet(tmp, index=False)
                    os.replace(tmp, path)
                finally:
                    Path(tmp).unlink(missing_ok=True)
            except OSError:
                pass
        self._summaries[name] = df
        return df

    # -- queries -------------------------------------------------------------------------
    def sql(self, query: str, params: Sequence | None = None) -> pd.DataFrame:
        """Run SQL against the views ``obs`` (current editions), ``obs_all`` and ``hs_map``.

        The result is kept in this process for the same query, parameters and data (see the
        module docstring); a copy is returned."""
        global _sql_memo_size
        con = self.con
        key = (self._data_key, query, repr(list(params or [])))
        with _SQL_MEMO_LOCK:
            hit = _SQL_MEMO.get(key)
            if hit is not None:
                _SQL_MEMO.move_to_end(key)
        if hit is not None:
            return hit[0].copy()
        df = con.execute(query, params or []).df()
        n = _frame_bytes(df)
        if n <= SQL_MEMO_MAX_ITEM:
            with _SQL_MEMO_LOCK:
                if key not in _SQL_MEMO:
                    _SQL_MEMO[key] = (df, n)
                    _sql_memo_size += n
                while _sql_memo_size > SQL_MEMO_BYTES and _SQL_MEMO:
                    _sql_memo_size -= _SQL_MEMO.popitem(last=False)[1][1]
            return df.copy()
        return df

    def load(self, dataset: str, *, minerals: Iterable[str] | None = None,
             countries: Iterable[str] | None = None, years: Iterable[int] | None = None,
             sources: Iterable[str] | None = None, variables: Iterable[str] | None = None,
             editions: str = "current") -> pd.DataFrame:
        """Observations of one dataset as a tidy DataFrame in the canonical schema.

        Parameters
        ----------
        dataset : str
            One of :data:`critmin.schema.DATASETS`.
        minerals, countries, years, sources, variables : optional filters
        editions : ``"current"`` (newest edition per key) or ``"all"``
        """
        if dataset not in schema.DATASETS:
            from .errors import did_you_mean

            raise DataValidationError(f"unknown dataset{did_you_mean(dataset, schema.DATASETS)}",
                                      field="dataset", found=dataset,
                                      expected=f"one of {list(schema.DATASETS)}")
        view = "obs" if editions == "current" else "obs_all"
        where, params = ["dataset = ?"], [dataset]
        for col, vals in (("mineral", minerals), ("country", countries), ("year", years),
                          ("source", sources), ("variable", variables)):
            if vals is not None:
                vals = list(vals)
                where.append(f"{col} IN ({', '.join('?' * len(vals))})" if vals else "FALSE")
                params.extend(vals)
        # a fixed row order: a parallel scan returns rows in any order, and every float sum and
        # every "first of" downstream would depend on it
        order = ", ".join(k for k in schema.KEY)
        return self.sql(f"SELECT * FROM {view} WHERE {' AND '.join(where)} ORDER BY {order}", params)

    def trade(self, *, stage: str | None = None, minerals: Iterable[str] | None = None,
              importers: Iterable[str] | None = None, variable: str = "quantity") -> pd.DataFrame:
        """Bilateral trade joined to the catalogue's HS map: one row per (hs, mineral) pair.

        Columns: mineral, stage, hs, content_basis, shared, importer, exporter, year,
        value, unit, source, edition. A shared multi-metal code appears once per mineral.
        """
        where, params = ["o.dataset = 'trade'", "o.variable = ?"], [variable]
        if stage is not None:
            where.append("m.stage = ?")
            params.append(stage)
        for col, vals in (("m.mineral", minerals), ("o.country", importers)):
            if vals is not None:
                vals = list(vals)
                where.append(f"{col} IN ({', '.join('?' * len(vals))})" if vals else "FALSE")
                params.extend(vals)
        return self.sql(f"""
            SELECT m.mineral, m.stage, o.hs, m.content_basis, m.shared, o.country AS importer,
                   o.partner AS exporter, o.year, o.value, o.unit, o.source, o.edition
            FROM obs o JOIN hs_map m ON o.hs = m.hs
            WHERE {' AND '.join(where)}""", params)

    def trade_flows(self, *, stages: Iterable[str] = ("concentrate", "refined"),
                    minerals: Iterable[str] | None = None,
                    importers: Iterable[str] | None = None) -> pd.DataFrame:
        """Bilateral flows with quantity ``q`` (t) and value ``v`` (kUSD) side by side, one scan.

        Columns: mineral, stage, hs, content_basis, importer, exporter, year, q, v
        (``q`` is NaN where the source reports no quantity).
        """
        stages = list(stages)
        where = ["o.dataset = 'trade'", f"m.stage IN ({', '.join('?' * len(stages))})"]
        params: list = stages
        for col, vals in (("m.mineral", minerals), ("o.country", importers)):
            if vals is not None:
                vals = list(vals)
                where.append(f"{col} IN ({', '.join('?' * len(vals))})" if vals else "FALSE")
                params = params + vals
        return self.sql(f"""
            SELECT m.mineral, m.stage, o.hs, m.content_basis, o.country AS importer, o.partner AS exporter,
                   o.year, sum(o.value) FILTER (WHERE o.variable = 'quantity') AS q,
                   sum(o.value) FILTER (WHERE o.variable = 'value') AS v
            FROM obs o JOIN hs_map m ON o.hs = m.hs
            WHERE {' AND '.join(where)}
            GROUP BY ALL""", params)

    # -- imports -------------------------------------------------------------------------
    def add(self, df: pd.DataFrame, *, source: str, edition: str, origin: str, sha256: str) -> Path:
        """Add validated observations as one import (atomic). Returns the Parquet path."""
        df = schema.validate(df, file=origin)
        if df.empty:
            raise DataValidationError("the file yielded no observations", file=origin,
                                      fix="check that it is the right source format and not truncated")
        # read-modify-write of the index under the lock: a concurrent import waits, never lost
        with index_lock(self.home):
            index = read_imports_index(self.home)
            if any(e["sha256"] == sha256 for e in index):
                raise DataValidationError("this file has already been imported", file=origin,
                                          fix="nothing to do; `critmin data info` lists what is held")
            safe_ed = "".join(ch if ch.isalnum() else "-" for ch in edition)[:40]
            rel = f"imports/{source}-{safe_ed}-{sha256[:10]}.parquet"
            target = self.home / rel
            write_parquet_atomic(df, target)
            try:
                entry = {"file": rel, "source": source, "edition": edition, "origin": origin,
                         "sha256": sha256, "rows": int(len(df))}
                _atomic_write_text(self.home / "imports.json", json.dumps(index + [entry], indent=1))
            except BaseException:
                target.unlink(missing_ok=True)
                raise
        self.close()
        return target


def _catalogue_hs() -> pd.DataFrame:
    from .catalogue import hs_codes

    return hs_codes()[["hs", "mineral", "stage", "content_basis", "shared"]].copy()


_DEFAULT: Store | None = None


def default_store() -> Store:
    """The process-wide default store (shipped data + user imports), created lazily."""
    global _DEFAULT
    if _DEFAULT is None or _DEFAULT.home != user_dir():
        if _DEFAULT is not None:
            _DEFAULT.close()
        _DEFAULT = Store()
    return _DEFAULT


def reset_default_store() -> None:
    """Forget the default store (after an import or a change of ``CRITMIN_HOME``)."""
    global _DEFAULT
    if _DEFAULT is not None:
        _DEFAULT.close()
    _DEFAULT = None
    from .supply import clear_cache

    clear_cache()
