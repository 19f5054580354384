"""The result cache: encoded JSON documents, least recently used out, and one compute lock.

Keys start with the data version (:meth:`critmin.store.Store.version`), so an import into
the per-user store never serves a stale answer: :class:`DataWatch` notices a new version, also
one written by another process (``critmin data import`` while the server runs), by the
modification of the store's index (``imports.json``) and of the shipped manifest, looked at
no more often than every ``Settings.data_check_s`` seconds. The library's store holds one DuckDB
connection, so computations run one at a time under :data:`COMPUTE`; a cached answer never
waits for it. Two requests for the same missing key compute it once (the second finds it in
the cache once it holds the lock).
"""
from __future__ import annotations

import json
import math
import os
import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Hashable
from typing import Any

#: serialises the library calls (one DuckDB connection per process)
COMPUTE = threading.RLock()


def _finite(v):
    """JSON-safe: NaN/inf → None, numpy scalars → Python (the CLI's documents hold no NaN)."""
    if isinstance(v, float):
        return v if math.isfinite(v) else None
    if isinstance(v, dict):
        return {str(k): _finite(x) for k, x in v.items()}
    if isinstance(v, (list, tuple)):
        return [_finite(x) for x in v]
    if hasattr(v, "item") and not isinstance(v, (str, bytes)):
        return _finite(v.item())
    return v


def encode(doc: Any) -> bytes:
    """The JSON bytes of ``doc`` (UTF-8, non-finite numbers as null)."""
    try:
        return json.dumps(doc, ensure_ascii=False, allow_nan=False, separators=(",", ":")).encode("utf-8")
    except (ValueError, TypeError):
        return json.dumps(_finite(doc), ensure_ascii=False, allow_nan=False, default=str,
                          separators=(",", ":")).encode("utf-8")


class ResultCache:
    """LRU of encoded JSON documents (``maxsize`` entries)."""

    def __init__(self, maxsize: int = 256) -> None:
        self.maxsize = maxsize
        self._d: OrderedDict[Hashable, bytes] = OrderedDict()
        self._lock = threading.Lock()
        self.hits = self.misses = 0

    def get(self, key: Hashable) -> bytes | None:
        with self._lock:
            v = self._d.get(key)
            if v is not None:
                self._d.move_to_end(key)
                self.hits += 1
            return v

    def put(self, key: Hashable, value: bytes) -> None:
        with self._lock:
            self._d[key] = value
            self._d.move_to_end(key)
            while len(self._d) > self.maxsize:
                self._d.popitem(last=False)

    def clear(self) -> None:
        with self._lock:
            self._d.clear()

    def __len__(self) -> int:
        return len(self._d)

    def compute(self, key: Hashable, fn: Callable[[], Any]) -> tuple[bytes, bool]:
        """``(json bytes, cached?)``: the cached document, else ``fn()`` encoded (under the lock)."""
        hit = self.get(key)
        if hit is not None:
            return hit, True
        with COMPUTE:
            hit = self.get(key)
            if hit is not None:
                return hit, True
            self.misses += 1
            body = encode(fn())
        self.put(key, body)
        return body, False


def _stat(p) -> tuple | None:
    try:
        st = os.stat(p)
    except OSError:
        return None
    return st.st_ino, st.st_size, st.st_mtime_ns


class DataWatch:
    """The current data version, noticed without restarting the server.

    :meth:`version` is cheap (a clock read; every ``ttl`` seconds a few ``stat`` calls): it
    watches the per-user data directory, its ``imports.json`` and the shipped ``manifest.json``;
    on a change it fingerprints the files afresh (:meth:`critmin.store.Store.version` of a new,
    unconnected store). :meth:`sync`, called under :data:`COMPUTE` before a computation, drops
    the process's default store (and the shared supply tables) when it still reads an older
    version, so the computation reads the new data.
    """

    def __init__(self, ttl: float = 1.0) -> None:
        self.ttl = float(ttl)
        self._lock = threading.Lock()
        self._checked = -math.inf
        self._sig: tuple | None = None
        self._version: str | None = None

    def _signature(self) -> tuple:
        from ..store import shipped_dir, user_dir

        home = user_dir()
        return str(home), _stat(home / "imports.json"), _stat(shipped_dir() / "manifest.json")

    def version(self, *, fresh: bool = False) -> str:
        """The data version, looked at again when ``ttl`` seconds have passed (or ``fresh``)."""
        now = time.monotonic()
        if not fresh and self._version is not None and now - self._checked < self.ttl:
            return self._version
        with self._lock:
            sig = self._signature()
            if sig != self._sig or self._version is None:
                from ..store import Store

                self._sig, self._version = sig, Store().version()
            self._checked = time.monotonic()
            return self._version

    def sync(self) -> None:
        """Make the default store read the current version (call under :data:`COMPUTE`)."""
        from ..store import default_store, reset_default_store

        if default_store().version() != self.version() and default_store().version() != self.version(fresh=True):
            reset_default_store()
