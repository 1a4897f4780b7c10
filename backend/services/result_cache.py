"""The result cache: query results by canonical SQL and data version, run once when shared.

The key is the compiled tree in canonical form (AND/OR operands and IN-list values sorted,
identifiers quoted), so specs that differ only in the order of their conditions or values
share an entry, plus the data version of every dataset read, so a new load is a miss. The
tree holds the caller's row-level-security predicates and the vintage, so callers who may
see different rows never share an entry, by construction.

Entries live in process memory (an LRU bounded in bytes) or, with REDIS_URL, in Redis as
Arrow IPC (zstd), shared by every API process, with the process's own LRU in front (a hot
block is not fetched from Redis and decoded on every page). Concurrent identical lookups in
one process run the query once (single flight); across processes a claim in Redis
(`SET NX`, named by the caller: one claim may cover several keys a single query fills)
makes the others wait for the first one's rows instead of running the query again.

Each entry is kept for the `ttl_s` its caller gives: a result whose datasets carry a data
version cannot go stale (a new load is a new key), so it may live long; CACHE_TTL is for
the rest.
"""

from __future__ import annotations

import asyncio
import functools
import hashlib
import logging
import secrets
import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Coroutine, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

import pyarrow as pa
from prometheus_client import Counter
from sqlglot import exp
from sqlglot.generators.duckdb import DuckDBGenerator

from backend.config import Settings
from backend.services.sizes import compacted, table_bytes

log = logging.getLogger(__name__)

Lookup = Callable[[str], None]
"""Told `hit`, `miss` or `shared` (joined a query already running) per lookup."""

_REDIS_PREFIX = "aurora:result:"
_CLAIM_PREFIX = "aurora:claim:"
# How often a process waiting for another's claim looks for the rows (backing off to the
# longer wait): a cold block takes tens to hundreds of milliseconds.
_POLL_FIRST_S, _POLL_MAX_S = 0.01, 0.1


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

    async def put(self, key: str, table: pa.Table, ttl_s: float | None = None) -> None: ...

    async def aclose(self) -> None: ...


class Claims(Protocol):
    """Who runs a query, across processes: a named claim one process holds at a time."""

    async def claim(self, name: str, ttl_s: float) -> str | None:
        """A token when this caller now holds `name` (for `release`), else None."""
        ...

    async def release(self, name: str, token: str) -> None: ...


class MemoryStore:
    """An LRU of Arrow tables with expiry, bounded in entries and in bytes: the bytes of the
    buffers each table keeps alive (`backend.services.sizes`), a slice of a span's table
    copied into its own first, so what is counted is what is held."""

    def __init__(self, *, ttl_s: float, max_bytes: int, max_entries: int = 10_000) -> None:
        self._data: OrderedDict[str, tuple[float, pa.Table, int]] = OrderedDict()
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

    @property
    def bytes(self) -> int:
        """The bytes of the buffers the kept tables hold (at most `max_bytes`)."""
        return self._bytes

    def __len__(self) -> int:
        return len(self._data)

    async def put(self, key: str, table: pa.Table, ttl_s: float | None = None) -> None:
        if table.nbytes > self._max_bytes // 4:  # one huge result must not flush the rest
            return
        table = compacted(table)
        size = table_bytes(table)
        if size > self._max_bytes // 4:
            return
        expires = time.monotonic() + (self._ttl if ttl_s is None else ttl_s)
        with self._lock:
            if key in self._data:
                self._drop(key)
            self._data[key] = (expires, table, size)
            self._bytes += size
            while self._bytes > self._max_bytes or len(self._data) > self._max_entries:
                self._drop(next(iter(self._data)))

    def _drop(self, key: str) -> None:
        _, _, size = self._data.pop(key)
        self._bytes -= size

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


# Deletes a claim only while it is still the holder's (it may have expired and been taken).
_RELEASE = "if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('del', KEYS[1]) end"


class RedisStore:
    """Entries in Redis with a TTL, and the claims that let one process run a query for
    all. Redis being down is a miss (or a claim granted), never a failed query."""

    def __init__(self, url: str, *, ttl_s: int) -> None:
        from redis.asyncio import Redis

        self._redis = Redis.from_url(url, socket_timeout=2, socket_connect_timeout=2)
        self._ttl = ttl_s

    async def get(self, key: str) -> pa.Table | None:
        found = await self.get_with_ttl(key)
        return found[0] if found is not None else None

    async def get_with_ttl(self, key: str) -> tuple[pa.Table, float] | None:
        """The entry and the seconds it has left."""
        try:
            async with self._redis.pipeline(transaction=False) as pipe:
                pipe.get(_REDIS_PREFIX + key)
                pipe.pttl(_REDIS_PREFIX + key)
                data, left_ms = await pipe.execute()
        except Exception as e:  # any Redis or network failure: run the query instead
            log.warning("result cache read failed: %s", e)
            return None
        if data is None:
            return None
        return from_ipc(data), max(left_ms, 0) / 1000

    async def put(self, key: str, table: pa.Table, ttl_s: float | None = None) -> None:
        ex = max(1, int(self._ttl if ttl_s is None else ttl_s))
        try:
            await self._redis.set(_REDIS_PREFIX + key, to_ipc(table), ex=ex)
        except Exception as e:
            log.warning("result cache write failed: %s", e)

    async def claim(self, name: str, ttl_s: float) -> str | None:
        token = secrets.token_hex(8)
        try:
            taken = await self._redis.set(
                _CLAIM_PREFIX + name, token, nx=True, px=max(1, int(ttl_s * 1000))
            )
        except Exception as e:  # without Redis each process runs its own query
            log.warning("result cache claim failed: %s", e)
            return token
        return token if taken else None

    async def release(self, name: str, token: str) -> None:
        try:
            await self._redis.eval(_RELEASE, 1, _CLAIM_PREFIX + name, token)  # type: ignore[misc]
        except Exception as e:  # the claim expires on its own
            log.warning("result cache claim release failed: %s", e)

    async def aclose(self) -> None:
        await self._redis.aclose()


class TieredStore:
    """Redis shared by every process, with this process's own LRU in front: a hit in
    memory costs neither a round trip nor decoding a block again. An entry found in Redis
    is kept in memory for the time it has left there, so no process serves it longer."""

    def __init__(self, near: MemoryStore, far: RedisStore) -> None:
        self.near, self.far = near, far

    async def get(self, key: str) -> pa.Table | None:
        found = await self.near.get(key)
        if found is not None:
            return found
        remote = await self.far.get_with_ttl(key)
        if remote is None:
            return None
        await self.near.put(key, remote[0], remote[1])
        return remote[0]

    async def put(self, key: str, table: pa.Table, ttl_s: float | None = None) -> None:
        await self.near.put(key, table, ttl_s)
        await self.far.put(key, table, ttl_s)

    async def claim(self, name: str, ttl_s: float) -> str | None:
        return await self.far.claim(name, ttl_s)

    async def release(self, name: str, token: str) -> None:
        await self.far.release(name, token)

    async def aclose(self) -> None:
        await self.near.aclose()
        await self.far.aclose()


# -- the cache -----------------------------------------------------------------------------


@dataclass
class _Flight:
    task: asyncio.Task[pa.Table]
    loop: asyncio.AbstractEventLoop
    waiters: int = 0


Compute = Callable[[], Coroutine[Any, Any, pa.Table]]


class ResultCache:
    """`run(key, compute)`: the cached table, else `compute()` once for all concurrent
    callers of the same key (and, with Redis, of the same claim in every process). Without
    a store (cache off) it keeps nothing."""

    def __init__(
        self, store: ResultStore | None, on_lookup: Lookup | None = None, *, claim_ttl_s: float = 60
    ) -> None:
        self.store = store
        self.on_lookup = on_lookup
        self.claim_ttl_s = claim_ttl_s  # a claim outlives the query it covers
        self._flights: dict[str, _Flight] = {}
        self._owned: dict[str, int] = {}  # claims this process holds: its flights run them
        self._landings = 0  # flights landed so far (any key): see `_looked_up`

    @classmethod
    def from_settings(cls, settings: Settings) -> ResultCache:
        if not settings.result_cache or settings.cache_ttl <= 0:
            return cls(None)
        max_bytes = settings.result_cache_max_mb * 1024 * 1024
        near = MemoryStore(ttl_s=settings.cache_ttl, max_bytes=max_bytes)
        if settings.redis_url:
            far = RedisStore(settings.redis_url, ttl_s=settings.cache_ttl)
            return cls(TieredStore(near, far), claim_ttl_s=settings.query_timeout_s + 5)
        return cls(near)

    def observe(self, counter: Counter) -> None:
        """Count lookups into Prometheus: `aurora_cache_lookups{cache="result",result=...}`."""
        self.on_lookup = lambda result: counter.labels("result", result).inc()

    @property
    def enabled(self) -> bool:
        return self.store is not None

    def held_bytes(self) -> int:
        """The bytes this process's own LRU holds (Redis's are Redis's)."""
        near = self.store.near if isinstance(self.store, TieredStore) else self.store
        return near.bytes if isinstance(near, MemoryStore) else 0

    async def run(
        self, key: str, compute: Compute, *, ttl_s: float | None = None, claim: str | None = None
    ) -> pa.Table:
        """Kept `ttl_s` seconds (the store's default when None). `claim` names who runs it
        across processes (default the key): a query that fills several keys claims once.
        Without a store (cache off) nothing is kept, but identical concurrent calls still
        share one run: a burst of requests for one block asks the database once."""
        loop = asyncio.get_running_loop()
        flight = self._flights.get(key)
        if flight is not None and flight.loop is loop and not flight.task.done():
            self._count("shared")
            return await self._join(flight)
        found = await self._looked_up(key)
        if found is not None:
            self._count("hit")
            return found
        flight = self._flights.get(key)  # another caller may have started while we looked
        if flight is None or flight.loop is not loop or flight.task.done():
            self._count("miss")
            work = functools.partial(self._claimed, key, compute, ttl_s, claim or key)
            flight = self._start(key, work, loop)
        else:
            self._count("shared")
        return await self._join(flight)

    async def _looked_up(self, key: str) -> pa.Table | None:
        """The stored table. The store's get can be a round trip (Redis): a flight of this
        key may start, keep its rows and land meanwhile, leaving no flight to join and the
        answer "not there" out of date, so a lookup that saw a landing looks again
        (a few times at most: each look is a trip of its own)."""
        if self.store is None:
            return None
        for _ in range(3):
            landings = self._landings
            found = await self.store.get(key)
            if found is not None or self._landings == landings:
                return found
        return None

    async def shared(self, key: str, compute: Compute) -> pa.Table:
        """`compute()` once for all concurrent callers of `key` in this process; nothing
        kept (the caller keeps the parts it wants with `keep`)."""
        loop = asyncio.get_running_loop()
        flight = self._flights.get(key)
        if flight is None or flight.loop is not loop or flight.task.done():
            flight = self._start(key, compute, loop)
        return await self._join(flight)

    def flying(self, key: str) -> bool:
        """Whether a flight of `key` runs in this process (it keeps its own table)."""
        flight = self._flights.get(key)
        return flight is not None and not flight.task.done()

    async def keep(self, key: str, table: pa.Table, ttl_s: float | None = None) -> None:
        if self.store is not None:
            await self.store.put(key, table, ttl_s)

    async def _claimed(
        self, key: str, compute: Compute, ttl_s: float | None, claim: str
    ) -> pa.Table:
        """`compute()` and keep its table, unless another process holds `claim`: then wait
        for the rows it puts (without a database slot), or for the claim to come free."""
        claims = self.store if isinstance(self.store, TieredStore) else None
        if claims is None or claim in self._owned:  # this process runs it: its flights join
            return await self._computed(key, compute, ttl_s)
        token = await claims.claim(claim, self.claim_ttl_s)
        if token is None:
            found = await self._awaited(key, claim, claims)
            if isinstance(found, pa.Table):
                return found
            token = found
        self._owned[claim] = self._owned.get(claim, 0) + 1
        try:
            return await self._computed(key, compute, ttl_s)
        finally:
            self._owned[claim] -= 1
            if not self._owned[claim]:
                del self._owned[claim]
            if token is not None:
                await claims.release(claim, token)

    async def _awaited(self, key: str, claim: str, claims: TieredStore) -> pa.Table | str | None:
        """The rows another process is getting, else the claim (its token) once free; None
        when the claim outlived its time (run the query regardless)."""
        delay, deadline = _POLL_FIRST_S, time.monotonic() + self.claim_ttl_s
        while time.monotonic() < deadline:
            await asyncio.sleep(delay)
            delay = min(delay * 1.5, _POLL_MAX_S)
            found = await claims.get(key)
            if found is not None:
                return found
            token = await claims.claim(claim, self.claim_ttl_s)
            if token is not None:  # the holder finished or failed: it may have put the rows
                found = await claims.get(key)
                if found is None:
                    return token
                await claims.release(claim, token)
                return found
        return None

    async def _computed(self, key: str, compute: Compute, ttl_s: float | None) -> pa.Table:
        table = await compute()
        await self.keep(key, table, ttl_s)
        return table

    def _start(self, key: str, work: Compute, loop: asyncio.AbstractEventLoop) -> _Flight:
        flight = _Flight(loop.create_task(work()), loop)
        self._flights[key] = flight
        flight.task.add_done_callback(lambda task: self._landed(key, task))
        return flight

    def _landed(self, key: str, task: asyncio.Task[pa.Table]) -> None:
        self._landings += 1
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
