"""The dashboard bench (issue 19): a 10-tile dashboard on the demo, opened through the API.

1. Cold, one user: the ten tiles asked at once (as the view asks the tiles on screen), each
   under a filter value no query has used (a fresh SQL: nothing cached), against each
   tile's query asked alone (fresh again). Target: the slowest tile <= 1.25x its query alone.
2. A cold burst: 50 users open the dashboard at the same moment with the same filters; the
   database runs each distinct tile query once (single flight, then the result cache): the
   result cache's misses are counted from /metrics (one miss = one query run).
3. Cache warm: 50 Locust users (bench.locust_mixes.AuroraUser) open the same dashboard with
   the same filters, over and over (think 1-3 s), for BENCH_DASHBOARD_SECONDS (60). Each open
   asks the ten tiles at once; a tile is "painted" when its answer is in, timed from the
   open. Target: every tile's p95 <= 1.5 s; the database queries during the run are counted.

Run alone: `python -m bench.dashboard_bench` (prints the table); `make bench` runs it in a
subprocess (Locust patches the standard library for gevent) and adds its table.
Environment: BENCH_DASHBOARD_ROWS (10000000), BENCH_DASHBOARD_USERS (50),
BENCH_DASHBOARD_SECONDS (60), BENCH_DASHBOARD_WORKERS (1 API process: single flight is per
process), BENCH_DASHBOARD_MODE (`batch`: an open asks its tiles in one request, POST
.../tiles/data, as the view does, each tile painted as its NDJSON line arrives; `tile`: one
request per tile, as the view did before), BENCH_DASHBOARD_COLD_ROUNDS (1),
BENCH_DASHBOARD_ONLY_COLD (1: the cold one-user table only, no burst nor warm run),
BENCH_DASHBOARD_VIEWER (`admin`, the default, or `rls`: the cold user is a viewer under
row-level security on region whose slice is every region, so the admin's rows through the
slice gate's path). The API is started as `make run` starts it (bench.loadtest.serve), whole
table read.
"""

from __future__ import annotations

import contextlib
import json
import os
import statistics
import sys
import time
from collections import defaultdict
from collections.abc import Iterator
from pathlib import Path
from typing import Any, ClassVar

import gevent
import locust  # noqa: F401  (patches the standard library for gevent: first)
import requests
from gevent.pool import Pool
from locust import between, task
from locust.env import Environment

from backend.demo.constants import REGIONS
from bench import loadtest
from bench.harness import ROOT, markdown_table, warehouse
from bench.locust_mixes import ACTION, AuroraUser

TILE = "TILE"  # Locust request type of a tile painted (ms from the open)
P95_TARGET_MS = 1500.0
COLD_RATIO_TARGET = 1.25
COLD_HEAD = ["tile", "in the dashboard ms", "alone ms", "ratio"]
SALES = "global_sales"


ASKED = {"batch": "in one batch request per open", "tile": "one request each"}
VIEWERS = {"admin": "the admin", "rls": "a viewer under row-level security (every region)"}


def mode() -> str:
    return os.environ.get("BENCH_DASHBOARD_MODE", "batch")


def _m(column: str, agg: str = "sum") -> dict[str, Any]:
    return {"column": column, "agg": agg, "alias": f"{agg}_{column}"}


def tile_specs() -> dict[str, tuple[str, dict[str, Any]]]:
    """Ten tiles as a sales dashboard has them: KPIs, bars by a dimension, a top list."""
    count = {"agg": "count", "alias": "orders"}

    def by(column: str, *measures: dict[str, Any]) -> dict[str, Any]:
        return {"dataset": SALES, "group_by": [column], "measures": list(measures)}

    top = {
        "dataset": SALES,
        "columns": ["order_id", "order_date", "region", "channel", "revenue"],
        "sort": [{"column": "revenue", "direction": "desc"}],
    }
    return {
        "kpi_revenue": ("kpi", {"dataset": SALES, "measures": [_m("revenue")]}),
        "kpi_orders": ("kpi", {"dataset": SALES, "measures": [count]}),
        "kpi_avg": ("kpi", {"dataset": SALES, "measures": [_m("revenue", "avg")]}),
        "by_region": ("chart", by("region", _m("revenue"))),
        "by_channel": ("chart", by("channel", _m("revenue"))),
        "by_department": ("chart", by("department", _m("revenue"), count)),
        "by_country": ("table", by("country", _m("revenue"), count)),
        "by_month": ("table", by("load_id", _m("revenue"))),
        "sellers": ("table", by("region", _m("employee_id", "count_distinct"))),
        "top_orders": ("table", top),
    }


def dashboard_body() -> dict[str, Any]:
    """The ten tiles on a 12-column grid (three KPIs on top), one number filter on revenue
    that every tile maps: its value makes a tile's SQL new when a sample needs it cold."""
    tiles = []
    for n, (tile_id, (view, spec)) in enumerate(tile_specs().items()):
        w = 4 if view == "kpi" else 6
        x, y = (n * 4, 0) if view == "kpi" else (((n - 3) % 2) * 6, 3 + ((n - 3) // 2) * 6)
        tile: dict[str, Any] = {
            "kind": "report",
            "id": tile_id,
            "title": tile_id.replace("_", " ").title(),
            "position": {"x": x, "y": y, "w": w, "h": 3 if view == "kpi" else 6},
            "spec": spec,
            "view": "table" if view == "chart" else view,
            "filters": {"rev": "revenue"},
        }
        if view == "kpi":
            tile["chart"] = {"kind": "kpi", "y": spec["measures"][0]["alias"]}
        tiles.append(tile)
    return {
        "name": "Bench: sales overview",
        "shared": True,
        "filters": [{"id": "rev", "label": "Revenue", "type": "number_range", "column": "revenue"}],
        "tabs": [{"id": "main", "title": "Main", "tiles": tiles}],
    }


def viewer() -> str:
    return os.environ.get("BENCH_DASHBOARD_VIEWER", "admin")


@contextlib.contextmanager
def rls_viewer(admin: requests.Session, base: str) -> Iterator[requests.Session]:
    """A viewer under row-level security on region (the rule on while it is used) whose
    slice is every region: the admin's rows, each query gated inside its slice."""
    url = f"{base}/api/admin/datasets/{SALES}"
    rule = {"rls": [{"column": "region", "attribute": "region"}], "rls_admin_exempt": True}
    admin.patch(url, json=rule, timeout=60).raise_for_status()
    name, password = "bench_rls_viewer", "bench-rls-viewer-password-1"
    regions = {"region": [region for region, _ in REGIONS]}
    body = {"username": name, "password": password, "role": "viewer", "attributes": regions}
    made = admin.post(f"{base}/api/admin/users", json=body, timeout=60)
    if made.status_code not in (201, 409):
        made.raise_for_status()
    login = {"username": name, "password": password}
    token = requests.post(f"{base}/api/auth/login", json=login, timeout=60)
    token.raise_for_status()
    session = requests.Session()
    session.headers["Authorization"] = f"Bearer {token.json()['access_token']}"
    try:
        yield session
    finally:
        admin.patch(url, json={"rls": []}, timeout=60).raise_for_status()


def same_filters() -> dict[str, Any]:
    """What every user of the warm run and the burst sends (revenue >= 0: every order)."""
    return {"filters": {"rev": {"min": 0}}}


def fresh_filters(i: int) -> dict[str, Any]:
    """A value no other sample used: the same rows (revenue is never below -1 - i), new SQL."""
    return {"filters": {"rev": {"min": -1 - i}}}


# -- cold, one user ------------------------------------------------------------------------


def _tile_ms(s: requests.Session, base: str, dash: str, tile: str, body: dict[str, Any]) -> float:
    """One tile's answer, in ms (a request of its own: greenlets share no session)."""
    started = time.perf_counter()
    url = f"{base}/api/dashboards/{dash}/tiles/{tile}/data"
    r = requests.post(url, json=body, headers=dict(s.headers), timeout=120)
    r.raise_for_status()
    return (time.perf_counter() - started) * 1000


def _batch_ms(
    s: requests.Session, base: str, dash: str, tiles: list[str], body: dict[str, Any]
) -> list[float]:
    """Each tile's answer from one batch request, in ms from its start, in `tiles` order."""
    started = time.perf_counter()
    url = f"{base}/api/dashboards/{dash}/tiles/data"
    got: dict[str, float] = {}
    with requests.post(
        url, json={**body, "tiles": tiles}, headers=dict(s.headers), timeout=120, stream=True
    ) as r:
        r.raise_for_status()
        for raw in r.iter_lines():
            if raw:
                line = json.loads(raw)
                if line["status"] != 200:
                    raise RuntimeError(f"tile {line['tile']}: {line}")
                got[line["tile"]] = (time.perf_counter() - started) * 1000
    return [got[t] for t in tiles]


def _together_ms(
    s: requests.Session, base: str, dash: str, tiles: list[str], body: dict[str, Any]
) -> list[float]:
    if mode() == "batch":
        return _batch_ms(s, base, dash, tiles, body)
    pool = Pool(len(tiles))
    return list(pool.map(lambda t: _tile_ms(s, base, dash, t, body), tiles))


def cold_one_user(s: requests.Session, base: str, dash: str, repeat: int) -> list[list[Any]]:
    """Per round: the ten tiles at once (fresh SQL), then each alone (fresh SQL); the medians
    over the rounds, each with the 1-minute load averages its samples were taken at (the
    machine is shared: a number means little without the load beside it)."""
    tiles = list(tile_specs())
    together: dict[str, list[tuple[float, float]]] = defaultdict(list)
    alone: dict[str, list[tuple[float, float]]] = defaultdict(list)
    for r in range(repeat):
        times = _together_ms(s, base, dash, tiles, fresh_filters(1000 + r))
        at = os.getloadavg()[0]
        for t, ms in zip(tiles, times, strict=True):
            together[t].append((ms, at))
        for n, t in enumerate(tiles):
            ms = _tile_ms(s, base, dash, t, fresh_filters(2000 + r * 100 + n))
            alone[t].append((ms, os.getloadavg()[0]))
    rows = []
    for t in tiles:
        a, b = _median(together[t]), _median(alone[t])
        rows.append([t, _at(a, together[t]), _at(b, alone[t]), f"{a / b:.2f}"])
    return rows


def _median(samples: list[tuple[float, float]]) -> float:
    return statistics.median(ms for ms, _ in samples)


def _at(ms: float, samples: list[tuple[float, float]]) -> str:
    """`1,060 (load 11.2-13.4)`: the median and the loads its samples were taken at.

    >>> _at(1060.4, [(1000.0, 11.21), (1060.4, 13.4)])
    '1,060 (load 11.2-13.4)'
    """
    loads = [at for _, at in samples]
    low, high = min(loads), max(loads)
    span = f"{low:.1f}" if f"{low:.1f}" == f"{high:.1f}" else f"{low:.1f}-{high:.1f}"
    return f"{ms:,.0f} (load {span})"


# -- the cold burst and the warm run: Locust users -----------------------------------------


def _misses(admin: requests.Session, base: str) -> dict[str, float]:
    """aurora_cache_lookups{cache="result"} by result (hit, miss, shared), from /metrics."""
    text = admin.get(f"{base}/metrics", timeout=60).text
    out: dict[str, float] = {"hit": 0.0, "miss": 0.0, "shared": 0.0}
    for line in text.splitlines():
        if line.startswith('aurora_cache_lookups_total{cache="result"'):
            result = line.split('result="')[1].split('"')[0]
            out[result] = out.get(result, 0.0) + float(line.rsplit(" ", 1)[1])
    return out


class DashboardUser(AuroraUser):
    """Opens the dashboard (its document, then the ten tiles at once) and looks a while."""

    dashboard: ClassVar[str] = ""
    wait_time = between(1, 3)

    @task
    def open_dashboard(self) -> None:
        with self.action("open dashboard"):
            started = time.perf_counter()
            doc = self.call("GET", f"/api/dashboards/{self.dashboard}")
            tiles = [t["id"] for tab in doc["tabs"] for t in tab["tiles"]]
            if mode() == "batch":
                self._batch(tiles, started)
                return
            jobs = [gevent.spawn(self._tile, t, started) for t in tiles]
            gevent.joinall(jobs)
            for job in jobs:
                job.get()

    def _batch(self, tiles: list[str], started: float) -> None:
        """The tiles in one request; each painted as its line arrives."""
        path = f"/api/dashboards/{self.dashboard}/tiles/data"
        headers = {"Authorization": f"Bearer {self.token}"}
        body = {**same_filters(), "tiles": tiles}
        left = set(tiles)
        try:
            for raw in self.client.iter_lines(
                path, method="POST", json=body, headers=headers, name="POST tiles/data"
            ):
                if raw:
                    line = json.loads(raw)
                    left.discard(line["tile"])
                    failed = None if line["status"] == 200 else RuntimeError(str(line))
                    self._painted(line["tile"], started, failed)
        finally:
            for tile in left:  # the stream ended (or failed) before these arrived
                self._painted(tile, started, RuntimeError("no answer"))
        if left:
            raise RuntimeError(f"tiles not answered: {sorted(left)}")

    def _painted(self, tile: str, started: float, error: Exception | None) -> None:
        self.environment.events.request.fire(
            request_type=TILE,
            name=tile,
            response_time=(time.perf_counter() - started) * 1000,
            response_length=0,
            exception=error,
            context={},
        )

    def _tile(self, tile: str, started: float) -> None:
        error: Exception | None = None
        try:
            path = f"/api/dashboards/{self.dashboard}/tiles/{tile}/data"
            self.call("POST", path, same_filters())
        except Exception as e:
            error = e
        self._painted(tile, started, error)
        if error is not None:
            raise error


def run_users(base: str, tokens: list[str], users: int, seconds: float, ramp_s: float) -> Any:
    AuroraUser.tokens, AuroraUser._count = tokens, 0
    env = Environment(user_classes=[DashboardUser], host=base, stop_timeout=30)
    runner = env.create_local_runner()
    started = time.monotonic()
    runner.start(users, spawn_rate=users / max(ramp_s, 0.01))
    gevent.spawn_later(seconds, runner.quit)
    runner.greenlet.join()
    return env, time.monotonic() - started


def burst(base: str, tokens: list[str], users: int) -> float:
    """Every user opens the dashboard once at the same moment (cold cache): the slowest
    tile's p95 painted time, ms."""
    DashboardUser.wait_time = between(600, 600)  # one open each within the window
    env, _ = run_users(base, tokens, users, seconds=30, ramp_s=0)
    DashboardUser.wait_time = between(1, 3)
    tiles = [e for (_, kind), e in env.stats.entries.items() if kind == TILE]
    return max((e.get_response_time_percentile(0.95) for e in tiles), default=0.0)


def tile_rows(env: Environment) -> list[list[Any]]:
    rows = []
    for tile in tile_specs():
        e = env.stats.entries.get((tile, TILE))
        if e is None:
            continue
        p50, p95 = (e.get_response_time_percentile(q) for q in (0.5, 0.95))
        ok = "yes" if p95 <= P95_TARGET_MS and e.num_failures == 0 else "**no**"
        rows.append([tile, e.num_requests, f"{p50:,.0f}", f"{p95:,.0f}", e.num_failures, ok])
    return rows


# -- the whole bench -----------------------------------------------------------------------


def _config(rows: int, workers: int) -> loadtest.Config:
    return loadtest.Config(
        mix="scale",
        users=0,
        seconds=0,
        rows=rows,
        workers=workers,
        cache=True,
        ramp_s=0,
        seed=7,
        results=ROOT / "bench" / "results",
        ui_workers=None,
    )


def report() -> str:
    env = os.environ.get
    rows = int(env("BENCH_DASHBOARD_ROWS", "10000000"))
    users = int(env("BENCH_DASHBOARD_USERS", "50"))
    seconds = float(env("BENCH_DASHBOARD_SECONDS", "60"))
    workers = int(env("BENCH_DASHBOARD_WORKERS", "1"))
    rounds = int(env("BENCH_DASHBOARD_COLD_ROUNDS", "1"))
    only_cold = env("BENCH_DASHBOARD_ONLY_COLD", "0") == "1"
    data = warehouse(rows)
    with loadtest.serve(_config(rows, workers), data) as server:
        admin, base = server.admin(), server.base
        loadtest.set_vintage(admin, base, False)  # the whole table: every load
        made = admin.post(f"{base}/api/dashboards", json=dashboard_body(), timeout=60)
        made.raise_for_status()
        dash = DashboardUser.dashboard = str(made.json()["id"])
        in_scope = loadtest.rows_in_scope(admin, base)
        say(f"{in_scope:,} rows in scope; cold, {viewer()} ({rounds} round(s)); {load()}")
        if viewer() == "rls":
            with rls_viewer(admin, base) as seen_by:
                cold = cold_one_user(seen_by, base, dash, rounds)
        else:
            cold = cold_one_user(admin, base, dash, rounds)
        say(markdown_table(COLD_HEAD, cold))
        if only_cold:
            return _cold_text(rows, in_scope, rounds, cold)
        tokens = loadtest.user_tokens(admin, base, users, data.parent / ".dashboard-tokens.json")
        say(f"cold burst starts; {load()}")
        before = _misses(admin, base)
        burst_p95 = burst(base, tokens, users)
        after_burst = _misses(admin, base)
        say(f"cold burst: slowest tile p95 {burst_p95:,.0f} ms; {_delta(before, after_burst)}")
        say(f"warm run starts; {load()}")
        cpu = api_cpu_s(server)
        warm_env, took = run_users(base, tokens, users, seconds, ramp_s=5)
        cpu = api_cpu_s(server) - cpu
        after_warm = _misses(admin, base)
    counts = (before, after_burst, after_warm)
    head = (rows, in_scope, users, workers, took, burst_p95, rounds)
    return _text(head, cold, counts, warm_env) + _cpu_line(cpu, warm_env)


def api_cpu_s(server: loadtest.Server) -> float:
    """CPU seconds (user + system, DuckDB's threads included) the API processes used so far:
    per request, a cost the machine's load does not inflate the way it does wall times."""
    total = 0.0
    for p in server.watched().values():
        t = p.cpu_times()
        total += t.user + t.system
    return total


def load() -> str:
    return "load average " + " ".join(f"{x:.2f}" for x in os.getloadavg())


def _cpu_line(cpu: float, env: Environment) -> str:
    tiles = sum(e.num_requests for (_, kind), e in env.stats.entries.items() if kind == TILE)
    opens = env.stats.entries.get(("open dashboard", ACTION))
    docs = opens.num_requests if opens else 0
    per = cpu * 1000 / max(tiles, 1)
    return (
        f"API CPU during the warm run ({mode()}): {cpu:,.1f} s for {tiles:,} tiles painted in "
        f"{docs:,} opens (each with its dashboard read): {per:.2f} ms per tile, "
        f"{cpu * 1000 / max(docs, 1):.1f} ms per open ({load()} at the end).\n"
    )


def say(text: str) -> None:
    """Progress on stderr as each phase ends (a run cut short still shows what it had)."""
    print(f"{time.strftime('%H:%M:%S')} {text}", file=sys.stderr, flush=True)


def _delta(a: dict[str, float], b: dict[str, float]) -> str:
    return ", ".join(f"{k} {b.get(k, 0) - a.get(k, 0):,.0f}" for k in ("miss", "shared", "hit"))


def _text(
    head: tuple[int, int, int, int, float, float, int],
    cold: list[list[Any]],
    counts: tuple[dict[str, float], dict[str, float], dict[str, float]],
    warm_env: Environment,
) -> str:
    rows, in_scope, users, workers, took, burst_p95, rounds = head
    before, after_burst, after_warm = counts
    opens = warm_env.stats.entries.get(("open dashboard", ACTION))
    lines = [
        f"## Dashboard: 10 tiles, {rows:,}-row demo ({in_scope:,} rows in scope), "
        f"{workers} API process(es), tiles asked {ASKED[mode()]}",
        "",
        f"Cache warm: {users} Locust users open the same dashboard with the same filters "
        f"(think 1-3 s) for {took:.0f} s ({opens.num_requests if opens else 0} opens); a tile "
        f"is painted when its answer is in, timed from the open. Target p95 <= "
        f"{P95_TARGET_MS:,.0f} ms.",
        "",
        markdown_table(
            ["tile", "painted", "p50 ms", "p95 ms", "failures", "p95 <= 1.5 s"],
            tile_rows(warm_env),
        ),
        "",
        "Database queries (result-cache misses; each is one query run; `shared` joined a "
        "run already going, `hit` read the cache):",
        "",
        markdown_table(
            ["phase", "lookups"],
            [
                [
                    f"cold burst: {users} users open at once (10 distinct tile queries; "
                    f"slowest tile p95 {burst_p95:,.0f} ms)",
                    _delta(before, after_burst),
                ],
                ["warm run", _delta(after_burst, after_warm)],
            ],
        ),
        "",
    ]
    return "\n".join(lines) + "\n" + _cold_section(rounds, cold)


def _cold_text(rows: int, in_scope: int, rounds: int, cold: list[list[Any]]) -> str:
    """The report of a cold-only run (BENCH_DASHBOARD_ONLY_COLD=1)."""
    head = (
        f"## Dashboard, cold only: 10 tiles, {rows:,}-row demo ({in_scope:,} rows in scope), "
        f"1 API process, tiles asked {ASKED[mode()]}, cold user: {VIEWERS[viewer()]}\n\n"
    )
    return head + _cold_section(rounds, cold)


def _cold_section(rounds: int, cold: list[list[Any]]) -> str:
    worst = max(cold, key=lambda r: float(r[1].split(" ")[0].replace(",", "")))
    lines = [
        "Cold, one user: the ten tiles at once vs each tile's query alone (fresh SQL each, "
        f"median of {rounds} round(s); the first round also reads the files cold; beside each "
        "median the 1-minute load averages of its samples). "
        f"Target: the slowest tile <= {COLD_RATIO_TARGET}x its query alone.",
        "",
        markdown_table(COLD_HEAD, cold),
        "",
        f"Slowest tile: {worst[0]}, {worst[1]} ms vs {worst[2]} ms alone ({worst[3]}x).",
        "",
    ]
    return "\n".join(lines)


def main() -> None:
    text = report()
    print(text)
    if out := os.environ.get("BENCH_DASHBOARD_OUT"):
        Path(out).write_text(text)


if __name__ == "__main__":
    sys.exit(main())
