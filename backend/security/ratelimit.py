"""Failed-login limits: per (user name, client), per client and per user name, each over a
moving window, with the `limits` library.

    limiter = LoginLimiter.from_settings(settings)
    attempt = Attempt("ann", "203.0.113.7")
    limiter.retry_after(attempt)   # 0, or seconds until every limit has room again
    limiter.failed(attempt)        # one failure against all three
    limiter.succeeded(attempt)     # the pair starts afresh; the wider counts stay

Three limits so that nobody can lock anybody else out cheaply: ten typos count against that
user on that client only, a client guessing many names meets its own cap, and a name guessed
from many clients meets a much higher one. Nothing is locked: each failure stops counting
`window_s` after it happened, so a blocked caller may try again after `Retry-After` (when the
oldest failure ages out), and a refused attempt is not counted.

With `REDIS_URL` the counts live in Redis, shared by every API process; without it, in
memory. If Redis fails, the counts fall back to this process's memory rather than letting
every guess through or refusing every login.
"""

from __future__ import annotations

import logging
import math
import time
from dataclasses import dataclass
from typing import cast
from urllib.parse import quote

from limits import RateLimitItem, RateLimitItemPerSecond
from limits.errors import StorageError
from limits.storage import MemoryStorage, RedisStorage, Storage
from limits.strategies import MovingWindowRateLimiter

from backend.config import Settings

log = logging.getLogger("aurora.security")

KEY_PREFIX = "aurora:login"
# MemoryStorage keeps a key after its failures expire; every this many failures the keys with
# nothing left in the window go, so a flood of distinct names cannot grow a process forever.
PRUNE_EVERY = 10_000


@dataclass(frozen=True)
class Attempt:
    username: str
    client: str

    def identifiers(self) -> dict[str, tuple[str, ...]]:
        """Each limit's key parts; names are compared case-blind and quoted, so no name can
        spell another limit's key.

        >>> Attempt("Ann/B", "10.0.0.1").identifiers()["pair"]
        ('ann%2Fb', '10.0.0.1')
        """
        name = quote(self.username.lower(), safe="")
        return {"pair": (name, self.client), "client": (self.client,), "user": (name,)}


class LoginLimiter:
    def __init__(
        self, storage: Storage, *, pair: int, client: int, user: int, window_s: int
    ) -> None:
        self._shared = MovingWindowRateLimiter(storage)
        self._storage = storage
        # With Redis, this process also counts in memory, to fall back on if Redis fails.
        self._local = (
            self._shared
            if isinstance(storage, MemoryStorage)
            else MovingWindowRateLimiter(MemoryStorage())
        )
        self._memory = cast(MemoryStorage, self._local.storage)
        self._failures = 0
        self._limits: dict[str, RateLimitItem] = {
            name: RateLimitItemPerSecond(amount, window_s, namespace=name)
            for name, amount in (("pair", pair), ("client", client), ("user", user))
        }

    @classmethod
    def from_settings(cls, settings: Settings) -> LoginLimiter:
        storage: Storage = (
            RedisStorage(settings.redis_url, key_prefix=KEY_PREFIX, wrap_exceptions=True)
            if settings.redis_url
            else MemoryStorage()
        )
        return cls(
            storage,
            pair=settings.login_failures_per_pair,
            client=settings.login_failures_per_client,
            user=settings.login_failures_per_user,
            window_s=settings.login_window_s,
        )

    def retry_after(self, attempt: Attempt) -> int:
        """Seconds until this attempt is under every limit; 0 when it is now."""
        try:
            return self._retry_after(self._shared, attempt)
        except StorageError:
            log.exception("login limits: the shared store failed; counting in this process")
            return self._retry_after(self._local, attempt)

    def failed(self, attempt: Attempt) -> None:
        try:
            self._hit(self._shared, attempt)
        except StorageError:
            log.exception("login limits: the shared store failed; counting in this process")
        if self._local is not self._shared:
            self._hit(self._local, attempt)
        self._failures += 1
        if self._failures % PRUNE_EVERY == 0:
            self.forget_expired()

    def succeeded(self, attempt: Attempt) -> None:
        pair = attempt.identifiers()["pair"]
        for strategy in {self._shared, self._local}:
            try:
                strategy.clear(self._limits["pair"], *pair)
            except StorageError:
                log.exception("login limits: could not clear a pair in the shared store")

    def forget_expired(self) -> int:
        """Drop the in-memory keys whose failures have all expired; how many went."""
        gone, now, memory = 0, time.time(), self._memory
        for key in list(memory.events):
            with memory.locks[key]:
                events = memory.events.get(key)
                # Newest first: when the newest has expired, they all have.
                if events is not None and (not events or events[0].expiry <= now):
                    del memory.events[key]
                    gone += 1
        return gone

    def close(self) -> None:
        if isinstance(self._storage, RedisStorage):
            self._storage.storage.close()

    def _retry_after(self, strategy: MovingWindowRateLimiter, attempt: Attempt) -> int:
        now, wait = time.time(), 0.0
        for name, parts in attempt.identifiers().items():
            limit = self._limits[name]
            if not strategy.test(limit, *parts):
                wait = max(wait, strategy.get_window_stats(limit, *parts).reset_time - now)
        return max(1, math.ceil(wait)) if wait > 0 else 0

    def _hit(self, strategy: MovingWindowRateLimiter, attempt: Attempt) -> None:
        for name, parts in attempt.identifiers().items():
            strategy.hit(self._limits[name], *parts)
