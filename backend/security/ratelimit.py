"""Failed-login limiter: a sliding window per user name and per client address.

In memory, so it counts per process: with N workers an attacker gets up to N times the
budget. One process (the default) is exact; several would need Redis behind this class.
"""

from __future__ import annotations

import math
import threading
import time
from collections import deque
from collections.abc import Callable, Iterable

MAX_KEYS = 100_000


class LoginLimiter:
    def __init__(
        self,
        max_failures: int = 10,
        window_s: float = 300.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.max_failures, self.window_s, self._clock = max_failures, window_s, clock
        self._failures: dict[str, deque[float]] = {}
        self._lock = threading.Lock()

    def retry_after(self, keys: Iterable[str]) -> int:
        """Seconds until a blocked key may try again; 0 when none of `keys` is blocked."""
        now, wait = self._clock(), 0.0
        with self._lock:
            for key in keys:
                times = self._recent(key, now)
                if len(times) >= self.max_failures:
                    wait = max(wait, times[-self.max_failures] + self.window_s - now)
        return math.ceil(wait) if wait > 0 else 0

    def fail(self, keys: Iterable[str]) -> None:
        now = self._clock()
        with self._lock:
            if len(self._failures) >= MAX_KEYS:
                self._prune(now)
            for key in keys:
                self._failures.setdefault(key, deque(maxlen=self.max_failures)).append(now)

    def reset(self, key: str) -> None:
        with self._lock:
            self._failures.pop(key, None)

    def _recent(self, key: str, now: float) -> deque[float]:
        times = self._failures.get(key, deque())
        while times and times[0] <= now - self.window_s:
            times.popleft()
        return times

    def _prune(self, now: float) -> None:
        for key in [k for k, t in self._failures.items() if not t or t[-1] <= now - self.window_s]:
            del self._failures[key]
