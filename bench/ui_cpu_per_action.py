"""What one click costs the Reflex backend in CPU, per action: open a dataset, next page,
sort, filter. CPU time (user + system) of the Reflex process and its workers, read with
psutil before and after each action, is far less sensitive to the machine's load than a
latency: a starved process waits longer but burns about the same CPU. The wall time and the
Redis traffic (bench.redis_meter) of each action are printed beside it.

`python -m bench.ui_cpu_per_action` starts the API (the `UI_CPU_ROWS` demo, 20,000 rows) and
the Reflex backend with `UI_CPU_UI_WORKERS` workers (1) keeping its state in Redis db
`UI_CPU_REDIS_DB` (3) through the meter; one viewer signs in, then opens `global_sales`,
pages, sorts and filters `UI_CPU_REPEAT` times each (10). Each action waits until the tab's
Redis traffic has been quiet for `UI_CPU_QUIET_S` (2.5 s, longer than the UI's lease), so the
lease's save and anything an action leaves running count as its own.
"""

from __future__ import annotations

import os
import statistics
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import psutil

from bench import locust_ui_reflex as reflex
from bench.redis_meter import RedisMeter
from bench.ui_state_cost import SORTS, settle

FILTERS = ({"channel": "Online"}, {"channel": "Retail"}, {"channel": "Partner"})


def reflex_processes() -> list[psutil.Process]:
    """This process's descendants that run Reflex (the backend and its granian workers)."""
    found: dict[int, psutil.Process] = {}
    for child in psutil.Process().children(recursive=False):
        try:
            if "reflex" in " ".join(child.cmdline()):
                found |= {p.pid: p for p in [child, *child.children(recursive=True)]}
        except psutil.Error:
            continue
    return list(found.values())


def cpu_ms(processes: list[psutil.Process]) -> float:
    total = 0.0
    for p in processes:
        try:
            t = p.cpu_times()
        except psutil.Error:
            continue
        total += t.user + t.system
    return total * 1000


@contextmanager
def measured(meter: RedisMeter, quiet_s: float, into: list[dict[str, float]]) -> Iterator[None]:
    """CPU ms, wall ms (until the answer) and Redis commands of the block, until quiet."""
    settle(meter, quiet_s)
    procs = reflex_processes()
    cpu0, t0, redis0 = cpu_ms(procs), time.perf_counter(), meter.snapshot()
    yield
    wall = (time.perf_counter() - t0) * 1000
    settle(meter, quiet_s)
    tally = meter.snapshot().since(redis0)
    into.append({"cpu_ms": cpu_ms(procs) - cpu0, "wall_ms": wall, "redis": tally.commands})


def measure(tab: reflex.ReflexSession, meter: RedisMeter, quiet_s: float, repeat: int) -> Any:
    got: dict[str, list[dict[str, float]]] = {a: [] for a in ("open", "next", "sort", "filter")}
    actions: dict[str, Callable[[int], None]] = {
        "open": lambda i: tab.open_dataset("global_sales"),
        "next": lambda i: tab.next_page(),
        "sort": lambda i: tab.sort(*SORTS[i % len(SORTS)]),
        "filter": lambda i: tab.filter(FILTERS[i % len(FILTERS)]),
    }
    for i in range(repeat):
        for name, act in actions.items():
            with measured(meter, quiet_s, got[name]):
                act(i)
    return got


def table(got: dict[str, list[dict[str, float]]]) -> str:
    lines = [
        "| action (n) | Reflex CPU ms median | mean | wall ms median | Redis commands mean |",
        "|---|---|---|---|---|",
    ]
    for action, runs in got.items():
        cpu = [r["cpu_ms"] for r in runs]
        lines.append(
            f"| {action} ({len(runs)}) | {statistics.median(cpu):.0f} | {statistics.fmean(cpu):.0f}"
            f" | {statistics.median(r['wall_ms'] for r in runs):.0f}"
            f" | {statistics.fmean(r['redis'] for r in runs):.1f} |"
        )
    return "\n".join(lines)


def main() -> None:
    import secrets
    import tempfile
    from pathlib import Path

    import httpx

    from bench.harness import warehouse
    from tests.deploy.servers import ROOT, base_env, login, running

    env_ = os.environ.get
    db, quiet_s = int(env_("UI_CPU_REDIS_DB", "3")), float(env_("UI_CPU_QUIET_S", "2.5"))
    rows, workers = int(env_("UI_CPU_ROWS", "20000")), int(env_("UI_CPU_UI_WORKERS", "1"))
    repeat = int(env_("UI_CPU_REPEAT", "10"))
    with tempfile.TemporaryDirectory() as tmp, RedisMeter() as meter:
        env = base_env(warehouse(rows), Path(tmp) / "state", AURORA_UI_SECRET=secrets.token_hex(16))
        with running(env, Path(tmp)) as api, (Path(tmp) / "reflex.log").open("wb") as log:
            user = {"username": "cpu", "password": "cpu-pw-1234", "role": "viewer"}
            httpx.post(
                f"{api.url}/api/admin/users",
                json=user,
                headers={"Authorization": f"Bearer {login(api.url)}"},
            ).raise_for_status()
            ui_env = env | {"AURORA_API_URL": api.url, "REFLEX_REDIS_URL": meter.url(db)}
            with reflex.backend(ui_env, log, str(ROOT), workers=workers) as ui_url:
                tab = reflex.ReflexSession(ui_url)
                try:
                    tab.connect("/login")
                    tab.login(user["username"], user["password"])
                    got = measure(tab, meter, quiet_s, repeat)
                finally:
                    tab.close()
    print(f"load average: {os.getloadavg()}")
    print(table(got))


if __name__ == "__main__":
    main()
