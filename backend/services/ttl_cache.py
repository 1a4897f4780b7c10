"""A small thread-safe LRU with expiry, for gate decisions and counts."""

from __future__ import annotations

import threading
import time
from collections import OrderedDict
from typing import Generic, TypeVar

V = TypeVar("V")


class TtlCache(Generic[V]):
    def __init__(self, *, maxsize: int, ttl_s: float) -> None:
        self._data: OrderedDict[str, tuple[float, V]] = OrderedDict()
        self._maxsize, self._ttl = maxsize, ttl_s
        self._lock = threading.Lock()

    def get(self, key: str) -> V | None:
        with self._lock:
            item = self._data.get(key)
            if item is None or item[0] < time.monotonic():
                self._data.pop(key, None)
                return None
            self._data.move_to_end(key)
            return item[1]

    def put(self, key: str, value: V, *, ttl_s: float | None = None) -> None:
        """Keep `value` for `ttl_s` seconds (default: the cache's own ttl)."""
        with self._lock:
            self._data[key] = (time.monotonic() + (self._ttl if ttl_s is None else ttl_s), value)
            self._data.move_to_end(key)
            while len(self._data) > self._maxsize:
                self._data.popitem(last=False)
