"""What one click costs the UI server's state store, counted on the wire (bench.redis_meter):
per action (open a dataset, next page, sort), how many times the tab's state is locked,
loaded and saved, the Redis commands and round trips, and the bytes each way. No timings:
these counts do not depend on the machine's load.

`python -m bench.ui_state_cost` starts the API and the Reflex backend as the UI mix of
`make loadtest` does (`LOADTEST_UI_WORKERS`, 2 by default, on Redis db `UI_COST_REDIS_DB`,
12 by default), its Reflex backend pointed at the meter, signs one tab in, and prints the
table. Each action is measured until the tab's traffic has been quiet for `quiet_s`
(`UI_COST_QUIET_S`, 3 s: longer than the UI's opportunistic lease, aurora.ui_state), so what
an action leaves to run after its rows arrive (a count, the lease's save) is its own.
`REFLEX_OPLOCK_ENABLED=false` measures the UI server without the lease.
"""

from __future__ import annotations

import os
import statistics
import time
from collections.abc import Callable
from dataclasses import dataclass

from bench import locust_ui_reflex as reflex
from bench.redis_meter import RedisMeter, Tally

SORTS = (("revenue", "desc"), ("revenue", "asc"), ("order_date", "desc"), ("order_id", "asc"))


@dataclass(frozen=True)
class Cost:
    """One action's state traffic."""

    locks: int  # the tab's state lock taken (SET NX)
    loads: int  # state reads (MGET), each of one or more stored substates
    states_loaded: int
    bytes_loaded: int
    saves: int  # fenced writes (EVAL), each of the substates an event touched
    states_saved: int
    bytes_saved: int
    commands: int
    round_trips: int
    bytes_out: int
    bytes_in: int

    @classmethod
    def of(cls, t: Tally) -> Cost:
        return cls(
            locks=t.by_name["SET NX"],
            loads=t.by_name["MGET"],
            states_loaded=t.keys_by_name["MGET"],
            bytes_loaded=t.got_by_name["MGET"],
            saves=t.by_name["EVAL"],
            states_saved=t.keys_by_name["EVAL"],
            bytes_saved=t.sent_by_name["EVAL"],
            commands=t.commands,
            round_trips=t.round_trips,
            bytes_out=t.bytes_out,
            bytes_in=t.bytes_in,
        )


def settle(meter: RedisMeter, quiet_s: float, limit_s: float = 30.0) -> None:
    """Until no Redis traffic for `quiet_s` (or `limit_s` passed)."""
    deadline = time.monotonic() + limit_s
    last = meter.snapshot()
    quiet_since = time.monotonic()
    while time.monotonic() < deadline:
        time.sleep(0.05)
        now = meter.snapshot()
        if (now.commands, now.bytes_in) != (last.commands, last.bytes_in):
            last, quiet_since = now, time.monotonic()
        elif time.monotonic() - quiet_since >= quiet_s:
            return


def cost(meter: RedisMeter, action: Callable[[], None], quiet_s: float) -> Cost:
    settle(meter, quiet_s)
    with meter.measuring() as got:
        action()
        settle(meter, quiet_s)
    return Cost.of(got[0])


def measure(
    tab: reflex.ReflexSession, meter: RedisMeter, dataset: str, quiet_s: float, repeat: int = 4
) -> dict[str, list[Cost]]:
    """A signed-in tab opens `dataset`, pages `repeat` times and sorts `repeat` times."""
    costs: dict[str, list[Cost]] = {"open dataset": [], "next page": [], "sort": []}
    costs["open dataset"].append(cost(meter, lambda: tab.open_dataset(dataset), quiet_s))
    for _ in range(repeat):
        costs["next page"].append(cost(meter, tab.next_page, quiet_s))
    for column, direction in (SORTS * repeat)[:repeat]:
        costs["sort"].append(cost(meter, lambda c=column, d=direction: tab.sort(c, d), quiet_s))
    return costs


COLUMNS = (
    ("locks", "locks"),
    ("loads", "loads (MGET)"),
    ("states_loaded", "states loaded"),
    ("bytes_loaded", "bytes loaded"),
    ("saves", "saves (EVAL)"),
    ("states_saved", "states saved"),
    ("bytes_saved", "bytes saved"),
    ("commands", "Redis commands"),
    ("round_trips", "round trips"),
    ("bytes_out", "bytes to Redis"),
    ("bytes_in", "bytes from Redis"),
)


def table(costs: dict[str, list[Cost]]) -> str:
    """Mean per action (the n actions measured in brackets)."""
    lines = [
        "| action (n) | " + " | ".join(label for _, label in COLUMNS) + " |",
        "|---" * (len(COLUMNS) + 1) + "|",
    ]
    for action, runs in costs.items():
        cells = [f"{statistics.fmean(getattr(c, name) for c in runs):,.1f}" for name, _ in COLUMNS]
        lines.append(f"| {action} ({len(runs)}) | " + " | ".join(cells) + " |")
    return "\n".join(lines)


def main() -> None:
    """The API (one process) on the `UI_COST_ROWS` demo (20,000), the Reflex backend with
    `UI_COST_UI_WORKERS` workers (2) keeping its state in Redis db `UI_COST_REDIS_DB` (12)
    through the meter; one viewer signs in and acts."""
    import secrets
    import tempfile
    from pathlib import Path

    import httpx

    from bench.harness import warehouse
    from tests.deploy.servers import ROOT, base_env, login, running

    env_ = os.environ.get
    db, quiet_s = int(env_("UI_COST_REDIS_DB", "12")), float(env_("UI_COST_QUIET_S", "3.0"))
    rows, workers = int(env_("UI_COST_ROWS", "20000")), int(env_("UI_COST_UI_WORKERS", "2"))
    with tempfile.TemporaryDirectory() as tmp, RedisMeter() as meter:
        env = base_env(warehouse(rows), Path(tmp) / "state", AURORA_UI_SECRET=secrets.token_hex(16))
        with running(env, Path(tmp)) as api, (Path(tmp) / "reflex.log").open("wb") as log:
            user = {"username": "costs", "password": "costs-pw-12", "role": "viewer"}
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
                    costs = measure(tab, meter, "global_sales", quiet_s)
                finally:
                    tab.close()
    print(table(costs))


if __name__ == "__main__":
    main()
