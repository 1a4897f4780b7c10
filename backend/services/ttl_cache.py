"""A small thread-safe LRU with expiry, for gate decisions and counts, bounded in entries
and, when given `max_bytes`, in the bytes of its keys (the SQL text they carry, often
kilobytes) and values (`size`, default a small object) as `backend.services.sizes` counts."""

from __future__ import annotations

import threading
import time
from collections import OrderedDict
from collections.abc import Callable
from typing import Generic, TypeVar

from backend.services.sizes import ENTRY_BYTES

V = TypeVar("V")


class TtlCache(Generic[V]):
    def __init__(
        self,
        *,
        maxsize: int,
        ttl_s: float,
        max_bytes: int | None = None,
        size: Callable[[V], int] | None = None,
    ) -> None:
        self._data: OrderedDict[str, tuple[float, V, int]] = OrderedDict()
        self._maxsize, self._ttl = maxsize, ttl_s
        self._max_bytes, self._size = max_bytes, size
        self._lock = threading.Lock()
        self.bytes = 0

    def __len__(self) -> int:
        return len(self._data)

    def get(self, key: str) -> V | None:
        with self._lock:
            item = self._data.get(key)
            if item is None or item[0] < time.monotonic():
                self._drop(key)
                return None
            self._data.move_to_end(key)
            return item[1]

    def put(self, key: str, value: V, *, ttl_s: float | None = None) -> None:
        """Keep `value` for `ttl_s` seconds (default: the cache's own ttl).

        >>> cache: TtlCache[int] = TtlCache(maxsize=100, ttl_s=60, max_bytes=2_000)
        >>> for i in range(20):
        ...     cache.put(f"{i:04d}" + "x" * 300, i)
        >>> len(cache), cache.bytes <= 2_000
        (3, True)
        """
        size = len(key) + ENTRY_BYTES + (self._size(value) if self._size is not None else 0)
        expires = time.monotonic() + (self._ttl if ttl_s is None else ttl_s)
        with self._lock:
            self._drop(key)
            self._data[key] = (expires, value, size)
            self.bytes += size
            while len(self._data) > self._maxsize or self._over():
                self._drop(next(iter(self._data)))

    def _over(self) -> bool:
        return self._max_bytes is not None and self.bytes > self._max_bytes and len(self._data) > 1

    def _drop(self, key: str) -> None:
        item = self._data.pop(key, None)
        if item is not None:
            self.bytes -= item[2]
