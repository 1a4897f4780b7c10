"""Shared pieces of the benchmarks: demo data, a real API server, raw DuckDB, timing, and
fresh specs.

A repeated request is not a first request: the API caches result pages, counts and cost-gate
decisions (per SQL and data version), and RESULT_CACHE=false turns off only the first. So a
benchmark that means "the API doing the work" sends each sample a spec it has not seen:
`no_op_filter` adds a condition that keeps every row but changes the SQL.
"""

from __future__ import annotations

import contextlib
import os
import socket
import statistics
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import duckdb
import httpx
import psutil

ROOT = Path(__file__).resolve().parent.parent
BENCH_DATA = ROOT / "data" / "bench"
ADMIN_PASSWORD = "bench-admin-password-1"  # a throwaway store under data/bench only


def warehouse(rows: int) -> Path:
    """A demo warehouse of `rows` sales rows, built once and reused (the demo skips work
    when the same build exists)."""
    from backend.demo import build_demo

    out = BENCH_DATA / f"w{rows}" / "warehouse"
    build_demo(out, rows=rows)
    return out


def timed(fn: Callable[[], object], *, repeat: int = 7, warmup: int = 2) -> float:
    """Median wall time in milliseconds."""
    for _ in range(warmup):
        fn()
    samples = []
    for _ in range(repeat):
        started = time.perf_counter()
        fn()
        samples.append((time.perf_counter() - started) * 1000)
    return statistics.median(samples)


@dataclass(frozen=True)
class Timing:
    """Wall times in ms of one benchmark's samples."""

    samples: tuple[float, ...]

    @property
    def median(self) -> float:
        return statistics.median(self.samples)

    @property
    def spread(self) -> str:
        return f"{min(self.samples):.0f}-{max(self.samples):.0f} ms"

    def overlaps(self, other: Timing) -> bool:
        return min(self.samples) <= max(other.samples) and min(other.samples) <= max(self.samples)


def speed_probe(repeat: int = 3) -> tuple[float, float]:
    """The machine's speed now, in ms (median of `repeat`): a fixed pure-Python loop and a
    fixed one-thread DuckDB aggregate. The same code on this VM ran up to 2.5x slower in one
    hour than in another with nothing else running; a report that gives these beside its
    latencies says which kind of hour it had."""
    connection = duckdb.connect()
    connection.execute("SET threads = 1")

    def python_loop() -> None:
        total = 0
        for i in range(2_000_000):
            total += i

    def duckdb_sum() -> None:
        connection.execute("SELECT sum(i * 2) FROM range(30000000) t(i)").fetchall()

    try:
        python_ms = timed(python_loop, repeat=repeat, warmup=0)
        return python_ms, timed(duckdb_sum, repeat=repeat, warmup=0)
    finally:
        connection.close()


def interleaved_timings(
    runs: dict[str, Callable[[int], object]],
    *,
    repeat: int = 7,
    settle: Callable[[int], object] | None = None,
) -> dict[str, Timing]:
    """Each run's samples. The runs take turns, so a busy moment on the machine hits them
    alike. Run i gets i: 0 is the warm-up, then 1..repeat. `settle(i)`, untimed, after each
    round: work a run left going (a count after its page) ends before the next sample."""
    for run in runs.values():
        run(0)
    if settle is not None:
        settle(0)
    samples: dict[str, list[float]] = {name: [] for name in runs}
    for i in range(1, repeat + 1):
        for name, run in runs.items():
            started = time.perf_counter()
            run(i)
            samples[name].append((time.perf_counter() - started) * 1000)
        if settle is not None:
            settle(i)
    return {name: Timing(tuple(times)) for name, times in samples.items()}


def interleaved(runs: dict[str, Callable[[int], object]], *, repeat: int = 7) -> dict[str, float]:
    """Median wall time in ms of each run, samples interleaved (see interleaved_timings)."""
    return {name: t.median for name, t in interleaved_timings(runs, repeat=repeat).items()}


def below_one_note(what: str, ours: Timing, theirs: Timing, why: str) -> str:
    """A table note for a ratio below 1.0: `why`, and whether the samples overlap (noise)."""
    if ours.overlaps(theirs):
        verdict = "the samples overlap, so the order of the medians is within this machine's noise"
    else:
        verdict = "the samples do not overlap"
    return f"- _{what}: {why} ({ours.spread} vs {theirs.spread}; {verdict})._"


def no_op_filter(body: dict[str, Any], i: int, column: str = "order_id") -> dict[str, Any]:
    """`body` AND `column > -1 - i`: every demo order id is positive, so the rows are the same,
    but the SQL is new to the API for each `i` (no cached page, count or gate decision)."""
    condition = {"column": column, "operator": ">", "value": -1 - i}
    given = body.get("filters")
    conditions = [condition] if given is None else [given, condition]
    return {**body, "filters": {"op": "and", "conditions": conditions}}


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass
class Api:
    client: httpx.Client
    pid: int = 0  # the server process, for its CPU time (`server_cpu_ms`)

    def server_cpu_ms(self) -> float:
        """The server process's CPU time so far (user + system, DuckDB's threads included):
        unlike wall time, what a request costs it does not grow with the machine's load."""
        times = psutil.Process(self.pid).cpu_times()
        return (times.user + times.system) * 1000

    def post(self, path: str, body: object) -> dict[str, object]:
        response = self.client.post(path, json=body)
        response.raise_for_status()
        result: dict[str, object] = response.json()
        return result


@contextlib.contextmanager
def api_server(data_dir: Path, **env: str) -> Iterator[Api]:
    """A real uvicorn process on loopback, logged in as the admin."""
    port = _free_port()
    environment = {
        **os.environ,
        "AURORA_DATA_DIR": str(data_dir),
        "AURORA_ADMIN_PASSWORD": ADMIN_PASSWORD,
        "AURORA_LOG_LEVEL": "WARNING",
        **env,
    }
    cmd = [
        sys.executable,
        "-m",
        "uvicorn",
        "backend.main:app",
        "--port",
        str(port),
        "--host",
        "127.0.0.1",
        "--log-level",
        "warning",
    ]
    proc = subprocess.Popen(cmd, env=environment, cwd=ROOT)
    base = f"http://127.0.0.1:{port}"
    try:
        _wait_healthy(base, proc)
        with httpx.Client(base_url=base, timeout=120) as client:
            login = client.post(
                "/api/auth/login", json={"username": "admin", "password": ADMIN_PASSWORD}
            )
            login.raise_for_status()
            client.headers["Authorization"] = f"Bearer {login.json()['access_token']}"
            yield Api(client, proc.pid)
    finally:
        proc.terminate()
        proc.wait(timeout=30)


def _wait_healthy(base: str, proc: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + 180  # a loaded machine starts it slowly
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"the API exited with {proc.returncode}")
        with contextlib.suppress(httpx.HTTPError):
            if httpx.get(f"{base}/api/health", timeout=2).status_code == 200:
                return
        time.sleep(0.2)
    raise RuntimeError("the API did not start")


def raw_duckdb(data_dir: Path) -> duckdb.DuckDBPyConnection:
    """A plain DuckDB connection with one view per dataset, as the adapter makes them."""
    con = duckdb.connect()
    for entry in sorted(data_dir.iterdir()):
        if entry.name.startswith((".", "_")):
            continue
        if entry.is_dir():
            source = f"read_parquet('{entry}/**/*.parquet', hive_partitioning=true)"
            name = entry.name
        elif entry.suffix == ".parquet":
            source, name = f"read_parquet('{entry}')", entry.stem
        else:
            continue
        con.execute(f'CREATE VIEW "{name}" AS SELECT * FROM {source}')
    return con


def markdown_table(headers: list[str], rows: list[list[object]]) -> str:
    lines = ["| " + " | ".join(headers) + " |", "|" + "---|" * len(headers)]
    lines += ["| " + " | ".join(str(c) for c in row) + " |" for row in rows]
    return "\n".join(lines)
