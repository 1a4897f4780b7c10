"""CPU time per cached request of a real API process: what a warm page costs, whatever the
machine's load.

On a shared machine wall times measure the queue for a core as much as the work; the server
process's CPU time (user + system, every thread: the event loop, the compile pool, the audit
writer, DuckDB's) does not grow with the load. One uvicorn process (`bench.harness.api_server`)
on a bench warehouse (`data/bench/w<ROWS>`), every cache on, gets the scale mix's requests
(75% pages 1-200 of 50 rows in one of six orders, 25% group-bys) one after another: once to
warm every block and count, then again, measured. Cold pages' CPU is in bench.query_bench.

    python -m bench.request_cpu

REQUEST_CPU_ROWS (3000000), REQUEST_CPU_N (300), REQUEST_CPU_PYSPY=<file>: py-spy's raw
stacks (GIL-holding samples) of the server during the measured requests, for where it goes.
"""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from bench.harness import api_server, warehouse

# The scale mix of bench.locust_mixes (not imported: Locust patches the standard library for
# gevent, and the bench's client must not run under it).
DETAIL = ["order_id", "order_date", "region", "country", "channel", "product_id", "revenue"]
SORT_COLUMNS = ["revenue", "order_date", "product_id"]
GROUP_COLUMNS = ["region", "channel", "department"]


def group_by_spec(rng: random.Random) -> dict[str, Any]:
    """bench.locust_mixes.group_by_spec."""
    least = rng.choice([1000, 10000, 100000])
    having = {"column": "total_revenue", "operator": ">", "value": least}
    return {
        "dataset": "global_sales",
        "group_by": rng.sample(GROUP_COLUMNS, 2),
        "measures": [
            {"column": "revenue", "agg": "sum", "alias": "total_revenue"},
            {"column": "employee_id", "agg": "count_distinct", "alias": "sellers"},
        ],
        "filters": {"conditions": [having]},
        "sort": [{"column": "total_revenue", "direction": "desc"}],
    }


def scale_mix(rng: random.Random) -> dict[str, Any]:
    """One request of the load test's scale mix (bench.locust_mixes.ScaleUser)."""
    if rng.random() >= 0.75:
        return group_by_spec(rng)
    key = {"column": rng.choice(SORT_COLUMNS), "direction": rng.choice(["asc", "desc"])}
    spec = {"dataset": "global_sales", "columns": DETAIL, "sort": [key]}
    return spec | {"page": rng.randint(1, 200), "page_size": 50}


@contextmanager
def py_spy(out: str | None, pid: int) -> Iterator[None]:
    if not out:
        yield
        return
    spy_bin = str(Path(sys.executable).parent / "py-spy")
    cmd = [spy_bin, "record", "--gil", "-r", "200", "-f", "raw", "-o", out, "-p", str(pid)]
    spy = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    time.sleep(1)
    try:
        yield
    finally:
        spy.send_signal(signal.SIGINT)  # py-spy writes its file on Ctrl-C
        spy.wait(timeout=30)


def cached(rows: int, n: int) -> str:
    rng = random.Random(7)
    specs = [scale_mix(rng) for _ in range(n)]
    with api_server(warehouse(rows)) as api:
        for spec in specs:  # every block and count warm
            api.post("/api/query", spec)
            api.post("/api/count", spec)
        load = os.getloadavg()[0]
        with py_spy(os.environ.get("REQUEST_CPU_PYSPY"), api.pid):
            cpu, wall = api.server_cpu_ms(), time.perf_counter()
            for spec in specs:
                api.post("/api/query", spec)
            cpu, wall = api.server_cpu_ms() - cpu, (time.perf_counter() - wall) * 1000
    return (
        f"cached scale mix, {rows:,} rows, {n} requests, one API process: server CPU "
        f"{cpu / n:.2f} ms, wall {wall / n:.2f} ms per request "
        f"(load {load:.1f} -> {os.getloadavg()[0]:.1f})"
    )


def main() -> None:
    rows = int(os.environ.get("REQUEST_CPU_ROWS", "3000000"))
    print(cached(rows, int(os.environ.get("REQUEST_CPU_N", "300"))))


if __name__ == "__main__":
    main()
