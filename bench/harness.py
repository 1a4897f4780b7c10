"""Shared pieces of the benchmarks: demo data, a real API server, raw DuckDB, timing."""

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

import duckdb
import httpx

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


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass
class Api:
    client: httpx.Client

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
        _wait_healthy(base)
        with httpx.Client(base_url=base, timeout=120) as client:
            login = client.post(
                "/api/auth/login", json={"username": "admin", "password": ADMIN_PASSWORD}
            )
            login.raise_for_status()
            client.headers["Authorization"] = f"Bearer {login.json()['access_token']}"
            yield Api(client)
    finally:
        proc.terminate()
        proc.wait(timeout=30)


def _wait_healthy(base: str) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
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
