"""A lookup that misses while the same key's flight lands runs nothing again.

The store's get is a round trip (Redis): a caller can find no flight, ask the store, and
hear "no" while another caller's flight runs, puts its rows and lands. Before, that caller
then found no flight either and ran the query a second time (the dashboard bench's 11th
database query for 10 distinct tiles under a 50-user burst)."""

from __future__ import annotations

import asyncio

import pyarrow as pa

from backend.services.result_cache import MemoryStore, ResultCache


class RoundTrip(MemoryStore):
    """`get` looks, then takes the next of `delays` seconds to answer (a network trip)."""

    def __init__(self, delays: list[float]) -> None:
        super().__init__(ttl_s=60, max_bytes=10_000_000)
        self.delays = delays

    async def get(self, key: str) -> pa.Table | None:
        found = await super().get(key)
        await asyncio.sleep(self.delays.pop(0) if self.delays else 0)
        return found


def test_a_miss_heard_while_the_flight_lands_joins_its_rows() -> None:
    runs = 0

    async def compute() -> pa.Table:
        nonlocal runs
        runs += 1
        await asyncio.sleep(0.05)
        return pa.table({"n": [runs]})

    async def both() -> list[pa.Table]:
        cache = ResultCache(RoundTrip([0.2, 0.0]))  # the first caller's answer comes late
        slow = asyncio.create_task(cache.run("k", compute))
        await asyncio.sleep(0.01)  # it looked for a flight (none) and waits on the store
        fast = await cache.run("k", compute)  # misses, runs, keeps, lands meanwhile
        return [await slow, fast]

    tables = asyncio.run(both())
    assert runs == 1
    assert [t.column("n").to_pylist() for t in tables] == [[1], [1]]
