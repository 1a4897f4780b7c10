"""What an export's lease (backend.jobs.lease) costs: the same 1M-row CSV export written as
an ARQ worker writes it (the writer in a thread, the event loop free) with and without the
lease heartbeat beside it, on the real Redis (BENCH_REDIS_URL, default database 14) and a
SQLite job store. Runs interleaved (the order rotated), median of 3.

At the default EXPORT_LEASE_S (30 s) the heartbeat beats every 5 s, so a few-second export
sees one beat at most; the short lease (beats every 0.2 s) is the worst case. Target (issue
26): within 2%.
"""

from __future__ import annotations

import asyncio
import os
import statistics
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import duckdb
from arq import create_pool
from arq.connections import ArqRedis
from arq.constants import in_progress_key_prefix
from redis.exceptions import RedisError

from backend.exports import write_export
from backend.jobs.arq_config import redis_settings
from backend.jobs.lease import Lease
from backend.jobs.state import JobStore
from backend.query.context import OutputColumn
from backend.store.engine import Store
from backend.store.migrate import migrate
from backend.store.models import UserRow
from bench.harness import markdown_table, raw_duckdb

ROWS = 1_000_000
REPEAT = 3
LEASES_S = (30.0, 1.2)
REDIS_URL = os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/14")
ARQ_ID = "export:bench-lease"


def _job(folder: Path) -> tuple[JobStore, str]:
    store = Store(f"sqlite:///{folder / 'bench.db'}")
    migrate(store)
    with store.session() as session:
        user = UserRow(username="bench", password_hash="-")
        session.add(user)
        session.flush()
        owner = user.id
    jobs = JobStore(store)
    job = jobs.create(owner_id=owner, format="csv", filename="b.csv", spec={}, runner="arq")
    jobs.start(job.id, 1)
    return jobs, job.id


def _export(con: duckdb.DuckDBPyConnection, sql: str, out: Path) -> Callable[[], int]:
    columns = [OutputColumn(r[0], r[0], r[1]) for r in con.sql(f"DESCRIBE {sql}").fetchall()]
    return lambda: write_export("csv", con.sql(sql).to_arrow_reader(65_536), columns, out)


async def _timed(
    write: Callable[[], int], redis: ArqRedis, fence: tuple[JobStore, str, int], lease_s: float
) -> float:
    started = time.perf_counter()
    if lease_s <= 0:
        await asyncio.to_thread(write)
    else:
        await redis.psetex(in_progress_key_prefix + ARQ_ID, 3_610_000, b"1")
        async with Lease(redis, ARQ_ID, lease_s, on_lost=lambda: None, fence=fence):
            await asyncio.to_thread(write)
    return time.perf_counter() - started


async def _medians(write: Callable[[], int], fence: tuple[JobStore, str, int]) -> list[float]:
    redis = await create_pool(redis_settings(REDIS_URL))
    samples: dict[float, list[float]] = {s: [] for s in (0.0, *LEASES_S)}
    try:
        for i in range(REPEAT):
            order = list(samples.items())
            for lease_s, out in order[i % len(order) :] + order[: i % len(order)]:  # fair warmth
                out.append(await _timed(write, redis, fence, lease_s))
    finally:
        await redis.delete(in_progress_key_prefix + ARQ_ID)
        await redis.aclose()
    return [statistics.median(samples[s]) for s in (0.0, *LEASES_S)]


def report(warehouses: dict[str, Path]) -> str:
    con = raw_duckdb(next(iter(warehouses.values())))
    con.execute("SET enable_progress_bar = false")
    sql = f"SELECT * FROM global_sales LIMIT {ROWS}"
    rows = int(con.sql(f"SELECT count(*) FROM ({sql})").fetchall()[0][0])
    with tempfile.TemporaryDirectory() as tmp:
        jobs, job_id = _job(Path(tmp))
        try:
            write = _export(con, sql, Path(tmp) / "out.csv")
            bare, *leased = asyncio.run(_medians(write, (jobs, job_id, 1)))
        except (OSError, RedisError) as e:
            return f"## Export lease overhead\n\n_skipped: no Redis at {REDIS_URL} ({e})._\n"
        finally:
            jobs.store.close()
    table = [["no lease", f"{rows:,}", f"{rows / bare:,.0f}", "1.000", "-"]]
    for lease_s, took in zip(LEASES_S, leased, strict=True):
        name = f"lease {lease_s:g} s (beat every {lease_s / 6:.1f} s)"
        table.append([name, f"{rows:,}", f"{rows / took:,.0f}", f"{bare / took:.3f}", ">= 0.98"])
    headers = ["CSV export", "rows", "rows/s", "throughput vs no lease", "target"]
    return "\n".join(
        [
            "## Export lease overhead (global_sales CSV, as an ARQ worker writes it)",
            "",
            markdown_table(headers, table),
            "",
            "_median of 3, runs interleaved; the heartbeat renews ARQ's in-progress key in "
            "Redis and records the attempt in the job store._",
            "",
        ]
    )


if __name__ == "__main__":  # on the warehouse of `make run`: python -m bench.lease_bench
    print(report({"1M": Path(os.environ.get("AURORA_DATA_DIR", "data/warehouse"))}))
