"""Where a dashboard tile's API CPU goes: the bench's 10-tile dashboard served as `make run`
serves it (one API process), every tile asked once to warm the result cache, then ROUNDS
opens of the ten tiles (at once, as the view asks them) by one viewer.

With BENCH_PROFILE_COLD=1 every open is cold instead: each round's filter value is one no
query used before (new SQL, nothing cached: compile, gate, admission and DuckDB each time),
and each round's tiles are printed in ms from the open, with the load average, and the
admission queue's waits summed from /metrics. BENCH_PROFILE_GIL=0 records every active
thread (DuckDB's native work included) instead of only the GIL holder.

Prints the API process's CPU time per tile request (user + system, DuckDB's threads
included: load-independent, unlike the wall time) and, with BENCH_PROFILE_OUT set, records
the same rounds with `py-spy record --gil` into that file (collapsed stacks: only samples
holding the GIL, the Python side), summed by bucket with `--buckets FILE`.

Run: `python -m bench.dashboard_profile` (BENCH_DASHBOARD_ROWS, default 10000000;
BENCH_PROFILE_ROUNDS, default 40; BENCH_DASHBOARD_MODE `batch`, the default: the ten tiles
in one POST .../tiles/data as the view asks them, or `tile`: a request per tile).
"""

from __future__ import annotations

import functools
import itertools
import os
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

import locust  # noqa: F401  (patches the standard library for gevent: first)
import requests
from gevent.pool import Pool

from bench import loadtest
from bench.dashboard_bench import (
    _batch_ms,
    _config,
    dashboard_body,
    fresh_filters,
    load,
    mode,
    same_filters,
    say,
    tile_specs,
)
from bench.harness import warehouse

# Frames that name a bucket (the innermost frame that matches one wins), for --buckets.
BUCKETS = (
    ("duckdb_adapter.py", "DuckDB statement (adapter)"),
    ("compile_query", "compile"),
    ("canonical_sql", "result cache key text"),
    ("authenticate", "token check and user read (authenticate)"),
    ("get_hidden_datasets", "hidden datasets"),
    ("get_visible_dashboard", "dashboard document read and validated"),
    ("tile_spec", "tile spec with filters"),
    ("prepared_key", "compile key"),
    ("_keyed_blocks", "block cache keys"),
    ("_decide", "gate decision"),
    ("_render", "SQL render"),
    ("(backend/audit.py", "audit record (and its writer thread)"),
    ("json_response", "JSON encoding"),
    ("table_rows", "rows from Arrow"),
    ("serialize_response", "response model"),
    ("solve_dependencies", "FastAPI dependencies (rest)"),
    ("request_response", "FastAPI request handling (rest)"),
)


def cpu_seconds(pid: int) -> float:
    import psutil

    proc = psutil.Process(pid)
    total = 0.0
    for p in [proc, *proc.children(recursive=True)]:
        t = p.cpu_times()
        total += t.user + t.system
    return total


_OPENED = itertools.count()  # cold opens so far: each takes a filter value of its own


def cold() -> bool:
    return os.environ.get("BENCH_PROFILE_COLD", "0") == "1"


def open_rounds(base: str, token: str, dash: str, rounds: int, users: int = 1) -> int:
    """`users` viewers opening the dashboard `rounds` times each, back to back (no think
    time): the dashboard's document, then its ten tiles at once. Returns the tile requests.
    Cold (BENCH_PROFILE_COLD=1): each open under a filter value never used before."""
    headers = {"Authorization": f"Bearer {token}"}
    tiles = list(tile_specs())

    def filters() -> dict[str, object]:
        return fresh_filters(5000 + next(_OPENED)) if cold() else same_filters()

    def one(tile: str, body: dict[str, object]) -> float:
        started = time.perf_counter()
        url = f"{base}/api/dashboards/{dash}/tiles/{tile}/data"
        r = requests.post(url, json=body, headers=headers, timeout=120)
        r.raise_for_status()
        return (time.perf_counter() - started) * 1000

    def user(_: int) -> None:
        pool = Pool(len(tiles))
        session = requests.Session()
        session.headers.update(headers)
        for _ in range(rounds):
            requests.get(f"{base}/api/dashboards/{dash}", headers=headers, timeout=60)
            body = filters()
            if mode() == "batch":  # the view's way: the ten tiles in one request
                times = _batch_ms(session, base, dash, tiles, body)
            else:
                times = list(pool.map(functools.partial(one, body=body), tiles))
            if cold():
                shown = ", ".join(f"{t} {ms:,.0f}" for t, ms in zip(tiles, times, strict=True))
                say(f"cold open: {shown} ms; {load()}")

    Pool(users).map(user, range(users))
    return rounds * users * len(tiles)


def main() -> None:
    rows = int(os.environ.get("BENCH_DASHBOARD_ROWS", "10000000"))
    rounds = int(os.environ.get("BENCH_PROFILE_ROUNDS", "40"))
    users = int(os.environ.get("BENCH_PROFILE_USERS", "1"))
    out = os.environ.get("BENCH_PROFILE_OUT")
    data = warehouse(rows)
    with loadtest.serve(_config(rows, 1), data) as server:
        admin, base = server.admin(), server.base
        loadtest.set_vintage(admin, base, False)
        made = admin.post(f"{base}/api/dashboards", json=dashboard_body(), timeout=60)
        made.raise_for_status()
        dash = str(made.json()["id"])
        token = loadtest.user_tokens(admin, base, 1, data.parent / ".dashboard-tokens.json")[0]
        open_rounds(base, token, dash, 2)  # cold, then warm (the files read once)
        pid = server.processes[0].pid
        spy = None
        if out:
            spy_bin = str(Path(sys.executable).with_name("py-spy"))
            what = ["-f", "raw", "-o", out, "--pid", str(pid), "--subprocesses"]
            gil = ["--gil"] if os.environ.get("BENCH_PROFILE_GIL", "1") == "1" else []
            spy = subprocess.Popen(
                [spy_bin, "record", *gil, "-r", "200", *what],
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
            )
            time.sleep(2)
        waited = queue_wait_s(admin, base)
        cpu, wall = cpu_seconds(pid), time.perf_counter()
        n = open_rounds(base, token, dash, rounds, users)
        cpu, wall = cpu_seconds(pid) - cpu, time.perf_counter() - wall
        waited = queue_wait_s(admin, base) - waited
        if spy is not None:
            spy.send_signal(2)
            spy.wait(timeout=60)
    kind = "cold" if cold() else "cached"
    say(
        f"{users} user(s), {mode()}: {n} {kind} tiles (+{n // 10} dashboard reads): API CPU "
        f"{cpu * 1000 / n:.2f} ms per tile; {n / wall:.0f} tiles/s; admission waits "
        f"{waited * 1000 / n:.1f} ms per tile; {load()}"
    )


def queue_wait_s(admin: requests.Session, base: str) -> float:
    """Seconds waited for a database worker so far (every outcome), from /metrics."""
    text = admin.get(f"{base}/metrics", timeout=60).text
    prefix = "aurora_query_queue_wait_seconds_sum"
    return sum(
        float(line.rsplit(" ", 1)[1]) for line in text.splitlines() if line.startswith(prefix)
    )


def buckets(path: Path) -> str:
    """Share of the samples in each bucket (collapsed stacks `frame;frame;... count`)."""
    counts: Counter[str] = Counter()
    total = 0
    for line in path.read_text().splitlines():
        stack, _, n = line.rpartition(" ")
        total += int(n)
        counts[bucket(stack.split(";"))] += int(n)
    return "\n".join(f"{n / total:6.1%}  {name}" for name, n in counts.most_common())


def bucket(frames: list[str]) -> str:
    """The bucket of the innermost frame that names one (a sample is its leaf's work: the
    page's rows turned to Python count as rows, not as the audited request around them).

    >>> bucket(["audited_page (backend/routes/audited.py:30)", "table_rows (rows.py:80)"])
    'rows from Arrow'
    >>> bucket(["_run (backend/audit.py:120)"]), bucket(["run (asyncio/runners.py:118)"])
    ('audit record (and its writer thread)', 'other')
    """
    for frame in reversed(frames):
        for key, label in BUCKETS:
            if key in frame:
                return label
    return "other"


if __name__ == "__main__":
    if len(sys.argv) == 3 and sys.argv[1] == "--buckets":
        print(buckets(Path(sys.argv[2])))
    else:
        main()
