"""How much memory one API process's DuckDB may take: `DUCKDB_MEMORY_LIMIT`, else an equal
share of 60% of the machine's memory (or its cgroup limit) over the API processes, plus the
export worker when `REDIS_URL` is set.

Why 60%: the processes' DuckDB peaks may come together (every worker sorting at once), and
must then still fit beside what DuckDB does not count: each process's own heap (about 400 MB
measured: Python, the compiled-query caches, and its result cache up to
`RESULT_CACHE_MAX_MB`), the Reflex server, Redis, and the page cache the Parquet files are
read through. DuckDB's own default, 80% of RAM for each process, lets two processes promise
more than the machine has. `python -m backend.serve` sets the share in the environment of the
workers it starts; `backend.wiring` applies the same share to an app started any other way.
"""

from __future__ import annotations

import os
from pathlib import Path

import psutil

from backend.config import Settings

MEMORY_SHARE = 0.6
_CGROUP_MAX = Path("/sys/fs/cgroup/memory.max")


def machine_memory() -> int:
    """Bytes this process tree may use: RAM, or less when a cgroup (container) says so."""
    total = int(psutil.virtual_memory().total)
    try:
        limit = _CGROUP_MAX.read_text().strip()
    except OSError:
        return total
    return min(total, int(limit)) if limit.isdigit() else total


def memory_limit(settings: Settings, workers: int, memory: int | None = None) -> str:
    """DuckDB's `memory_limit` for one process, e.g. '2457MiB'.

    >>> plain = Settings(REDIS_URL=None, DUCKDB_MEMORY_LIMIT=None)
    >>> memory_limit(plain, 2, memory=8 * 2**30)
    '2457MiB'
    >>> memory_limit(plain.model_copy(update={"redis_url": "redis://r"}), 2, memory=8 * 2**30)
    '1638MiB'
    >>> memory_limit(Settings(DUCKDB_MEMORY_LIMIT="1GiB"), 2)
    '1GiB'
    """
    if settings.duckdb_memory_limit:
        return settings.duckdb_memory_limit
    processes = workers + (1 if settings.redis_url else 0)  # the ARQ export worker
    share = (memory or machine_memory()) * MEMORY_SHARE / processes
    return f"{int(share // 2**20)}MiB"


def api_workers(settings: Settings, given: int | None = None) -> int:
    """API processes: as given, else API_WORKERS, else one per core with Redis and one per
    two cores without.

    Each process keeps its own result cache unless Redis shares one, and a user's next page
    lands on whichever process a pooled connection reaches: without Redis, two processes
    each ran most cold blocks again. On 2 cores, 200 UI users on the 3M demo cost the API
    18.6 ms of CPU per action from one process against 26.1 from two, with 1,095 cache
    misses against ~1,900 (bench/results/loadtest-20261203-2206-ui-1p-cache.md, -2113-).

    >>> alone, shared = Settings(REDIS_URL=None), Settings(REDIS_URL="redis://r")
    >>> import os; cores = os.cpu_count() or 1
    >>> api_workers(alone) == max(1, cores // 2), api_workers(shared) == cores
    (True, True)
    """
    cores = os.cpu_count() or 1
    default = cores if settings.redis_url else max(1, cores // 2)
    return max(1, given or settings.api_workers or default)
