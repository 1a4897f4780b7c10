"""The result cache: query results by canonical SQL and data version, run once when shared.

The key is the compiled tree in canonical form (AND/OR operands and IN-list values sorted,
identifiers quoted), so specs that differ only in the order of their conditions or values
share an entry, plus the data version of every dataset read, so a new load is a miss. The
tree holds the caller's row-level-security predicates and the vintage, so callers who may
see different rows never share an entry, by construction.

Entries live in process memory (an LRU bounded in bytes) or, with REDIS_URL, in Redis as
Arrow IPC (zstd), shared by every API process. Concurrent identical lookups in one process
run the query once (single flight); across processes each may run it once, and the first
to finish fills Redis for the rest, which is enough at this scale.
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
import threading
import time
from collections import OrderedDict
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from typing import Protocol

import pyarrow as pa
from prometheus_client import Counter
from sqlglot import exp
from sqlglot.generators.duckdb import DuckDBGenerator

from backend.config import Settings

log = logging.getLogger(__name__)

Lookup = Callable[[str], None]
"""Told `hit`, `miss` or `shared` (joined a query already running) per lookup."""

_REDIS_PREFIX = "aurora:result:"


class _CanonicalGenerator(DuckDBGenerator):
    """Renders AND/OR operands and IN-list values in sorted order. It writes key text
    only, never SQL to run, so it needs no copy of the tree (a copy costs more than the
    rendering)."""

    def and_sql(self, expression: exp.And, stack: list[str | exp.Expr] | None = None) -> str:
        return self._sorted(expression, "AND")

    def or_sql(self, expression: exp.Or, stack: list[str | exp.Expr] | None = None) -> str:
        return self._sorted(expression, "OR")

    def _sorted(self, expression: exp.Connector, op: str) -> str:
        kind = type(expression)
        operands = [_unwrap(o) for o in expression.flatten()]
        flat = [p for o in operands for p in (o.flatten() if type(o) is kind else [o])]
        return "(" + f" {op} ".join(sorted(self.sql(o) for o in flat)) + ")"

    def in_sql(self, expression: exp.In) -> str:
        values = expression.expressions
        if not values:
            return super().in_sql(expression)
        listed = ", ".join(sorted(self.sql(v) for v in values))
        return f"{self.sql(expression, 'this')} IN ({listed})"


def _unwrap(node: exp.Expr) -> exp.Expr:
    return node.this if isinstance(node, exp.Paren) else node


def canonical_sql(tree: exp.Expr) -> str:
    """`tree` as key text: AND/OR operands and IN-list values sorted, identifiers quoted.

    >>> from sqlglot import parse_one
    >>> a = parse_one("SELECT x FROM t WHERE b IN (2, 1) AND (a = 1 OR c = 3)")
    >>> b = parse_one("SELECT x FROM t WHERE (c = 3 OR a = 1) AND b IN (1, 2)")
    >>> canonical_sql(a) == canonical_sql(b)
    True
    """
    return _CanonicalGenerator(identify=True).generate(tree)


def result_key(tree: exp.Expr, versions: Sequence[str], *, scope: str) -> str:
    """The cache key of `tree` over datasets at `versions` (in the order the query reads
    them); `scope` names the database (the adapter), since one Redis may serve several."""
    return text_key(canonical_sql(tree), versions, scope=scope)


def text_key(canonical: str, versions: Sequence[str], *, scope: str) -> str:
    """`result_key` of a tree whose `canonical_sql` is `canonical`."""
    text = f"{scope}|{','.join(versions)}|{canonical}"
    return hashlib.sha256(text.encode()).hexdigest()


# -- stores --------------------------------------------------------------------------------


class ResultStore(Protocol):
    async def get(self, key: str) -> pa.Table | None: ...

    async def put(self, key: str, table: pa.Table) -> None: ...

    async def aclose(self) -> None: ...


class MemoryStore:
    """An LRU of Arrow tables with expiry, bounded in entries and in bytes."""

    def __init__(self, *, ttl_s: float, max_bytes: int, max_entries: int = 10_000) -> None:
        self._data: OrderedDict[str, tuple[float, pa.Table]] = OrderedDict()
        self._ttl, self._max_bytes, self._max_entries = ttl_s, max_bytes, max_entries
        self._bytes = 0
        self._lock = threading.Lock()

    async def get(self, key: str) -> pa.Table | None:
        with self._lock:
            item = self._data.get(key)
            if item is None:
                return None
            if item[0] < time.monotonic():
                self._drop(key)
                return None
            self._data.move_to_end(key)
            return item[1]

    async def put(self, key: str, table: pa.Table) -> None:
        size = table.nbytes
        if size > self._max_bytes // 4:  # one huge result must not flush everything else
            return
        with self._lock:
            if key in self._data:
                self._drop(key)
            self._data[key] = (time.monotonic() + self._ttl, table)
            self._bytes += size
            while self._bytes > self._max_bytes or len(self._data) > self._max_entries:
                self._drop(next(iter(self._data)))

    def _drop(self, key: str) -> None:
        _, table = self._data.pop(key)
        self._bytes -= table.nbytes

    async def aclose(self) -> None:
        with self._lock:
            self._data.clear()
            self._bytes = 0


def to_ipc(table: pa.Table) -> bytes:
    sink = pa.BufferOutputStream()
    options = pa.ipc.IpcWriteOptions(compression="zstd")
    with pa.ipc.new_stream(sink, table.schema, options=options) as writer:
        writer.write_table(table)
    data: bytes = sink.getvalue().to_pybytes()
    return data


def from_ipc(data: bytes) -> pa.Table:
    return pa.ipc.open_stream(data).read_all()


class RedisStore:
    """Entries in Redis with a TTL. Redis being down is a miss, never a failed query."""

    def __init__(self, url: str, *, ttl_s: int) -> None:
        from redis.asyncio import Redis

        self._redis = Redis.from_url(url, socket_timeout=2, socket_connect_timeout=2)
        self._ttl = ttl_s

    async def get(self, key: str) -> pa.Table | None:
        try:
            data = await self._redis.get(_REDIS_PREFIX + key)
        except Exception as e:  # any Redis or network failure: run the query instead
            log.warning("result cache read failed: %s", e)
            return None
        return from_ipc(data) if data is not None else None

    async def put(self, key: str, table: pa.Table) -> None:
        try:
            await self._redis.set(_REDIS_PREFIX + key, to_ipc(table), ex=self._ttl)
        except Exception as e:
            log.warning("result cache write failed: %s", e)

    async def aclose(self) -> None:
        await self._redis.aclose()


# -- the cache -----------------------------------------------------------------------------


@dataclass
class _Flight:
    task: asyncio.Task[pa.Table]
    loop: asyncio.AbstractEventLoop
    waiters: int = 0


class ResultCache:
    """`run(key, compute)`: the cached table, else `compute()` once for all concurrent
    callers of the same key. Without a store (cache off) it keeps nothing."""

    def __init__(self, store: ResultStore | None, on_lookup: Lookup | None = None) -> None:
        self.store = store
        self.on_lookup = on_lookup
        self._flights: dict[str, _Flight] = {}

    @classmethod
    def from_settings(cls, settings: Settings) -> ResultCache:
        if not settings.result_cache or settings.cache_ttl <= 0:
            return cls(None)
        if settings.redis_url:
            return cls(RedisStore(settings.redis_url, ttl_s=settings.cache_ttl))
        max_bytes = settings.result_cache_max_mb * 1024 * 1024
        return cls(MemoryStore(ttl_s=settings.cache_ttl, max_bytes=max_bytes))

    def observe(self, counter: Counter) -> None:
        """Count lookups into Prometheus: `aurora_cache_lookups{cache="result",result=...}`."""
        self.on_lookup = lambda result: counter.labels("result", result).inc()

    @property
    def enabled(self) -> bool:
        return self.store is not None

    async def run(self, key: str, compute: Callable[[], Awaitable[pa.Table]]) -> pa.Table:
        """Without a store (cache off) nothing is kept, but identical concurrent calls
        still share one run: a burst of requests for one block asks the database once."""
        loop = asyncio.get_running_loop()
        flight = self._flights.get(key)
        if flight is not None and flight.loop is loop and not flight.task.done():
            self._count("shared")
            return await self._join(flight)
        found = await self.store.get(key) if self.store is not None else None
        if found is not None:
            self._count("hit")
            return found
        flight = self._flights.get(key)  # another caller may have started while we looked
        if flight is None or flight.loop is not loop or flight.task.done():
            self._count("miss")
            flight = self._start(key, compute, loop)
        else:
            self._count("shared")
        return await self._join(flight)

    def _start(
        self, key: str, compute: Callable[[], Awaitable[pa.Table]], loop: asyncio.AbstractEventLoop
    ) -> _Flight:
        store = self.store

        async def work() -> pa.Table:
            table = await compute()
            if store is not None:
                await store.put(key, table)
            return table

        flight = _Flight(loop.create_task(work()), loop)
        self._flights[key] = flight
        flight.task.add_done_callback(lambda task: self._landed(key, task))
        return flight

    def _landed(self, key: str, task: asyncio.Task[pa.Table]) -> None:
        if (flight := self._flights.get(key)) is not None and flight.task is task:
            del self._flights[key]
        if not task.cancelled():
            task.exception()  # retrieved here: waiters may all have gone

    async def _join(self, flight: _Flight) -> pa.Table:
        """Wait for the shared query. A caller who goes away (timeout, disconnect) leaves
        it running for the others; the last one to leave cancels it, and so the database
        work (the executor interrupts the statement)."""
        flight.waiters += 1
        try:
            return await asyncio.shield(flight.task)
        finally:
            flight.waiters -= 1
            if flight.waiters == 0 and not flight.task.done():
                flight.task.cancel()

    def _count(self, result: str) -> None:
        if self.on_lookup is not None:
            self.on_lookup(result)

    async def aclose(self) -> None:
        if self.store is not None:
            await self.store.aclose()
