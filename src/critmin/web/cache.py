"""The result cache: encoded JSON documents, least recently used out, and one compute lock.

Keys start with the data version (:meth:`critmin.store.Store.version`), so an import into
the per-user store never serves a stale answer. The library's store holds one DuckDB
connection, so computations run one at a time under :data:`COMPUTE`; a cached answer never
waits for it. Two requests for the same missing key compute it once (the second finds it in
the cache once it holds the lock).
"""
from __future__ import annotations

import json
import math
import threading
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
