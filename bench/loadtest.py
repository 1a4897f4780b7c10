"""`make loadtest`: simulated business users against a real API server on loopback.

A closed model: each user logs in, then repeats "pick an action, run it, think 2-8 s" until
the run's time is up; an action in flight when time is up is finished and counted, none
starts after. The mix: open a dataset, page, sort, filter, aggregate, preview a join, and a
small CSV export (create, poll, download). Parameters are drawn from small skewed sets, the
way people in one company look at the same few loads, regions and pages.

Environment: LOADTEST_ROWS (demo sales rows, default 10000000), LOADTEST_USERS (200),
LOADTEST_SECONDS (300), LOADTEST_CACHE (1; 0 starts the server with RESULT_CACHE=false),
LOADTEST_SEED (7), LOADTEST_WORKERS (1; API worker processes). The server is started by
this script (bench.harness.api_server) on 127.0.0.1; its CPU and RSS (worker processes
included) are sampled every second with psutil. The table is printed and saved to
bench/results/loadtest-<time>-<cache|nocache>.md.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import os
import platform
import random
import statistics
import time
from collections import Counter, defaultdict
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import psutil

from bench.harness import Api, api_server, markdown_table, warehouse

RESULTS = Path(__file__).resolve().parent / "results"
PASSWORD = "loadtest-user-password-1"  # throwaway users in the bench store under data/bench
THINK_S = (2.0, 8.0)
REQUEST_TIMEOUT_S = 60.0

REGIONS = ["West", "East", "North", "Central", "South"]
CHANNELS = ["Online", "Retail", "Partner", "Direct"]
DEPARTMENTS = ["Enterprise", "Consumer", "Small Business", "Financial Services", "Healthcare"]
COUNTRIES = ["United States", "Japan", "United Kingdom", "Germany", "Canada", "France"]
DETAIL = ["order_id", "order_date", "region", "country", "channel", "product_id", "revenue"]
GROUPINGS = [["region"], ["channel"], ["department"], ["region", "channel"], ["country"]]


@dataclass(frozen=True)
class Config:
    rows: int
    users: int
    seconds: float
    cache: bool
    seed: int
    workers: int

    @classmethod
    def from_env(cls) -> Config:
        env = os.environ.get
        return cls(
            rows=int(env("LOADTEST_ROWS", "10000000")),
            users=int(env("LOADTEST_USERS", "200")),
            seconds=float(env("LOADTEST_SECONDS", "300")),
            cache=env("LOADTEST_CACHE", "1") not in ("0", "false", "no"),
            seed=int(env("LOADTEST_SEED", "7")),
            workers=int(env("LOADTEST_WORKERS", "1")),
        )


# -- the mix ---------------------------------------------------------------------------------


@dataclass
class User:
    """One simulated person: a login token over the shared connection pool."""

    http: httpx.AsyncClient
    token: str
    rng: random.Random
    vintages: list[dict[str, Any]]

    async def get(self, path: str) -> httpx.Response:
        return await self.http.get(path, headers={"Authorization": f"Bearer {self.token}"})

    async def post(self, path: str, body: Any) -> httpx.Response:
        auth = {"Authorization": f"Bearer {self.token}"}
        return await self.http.post(path, json=body, headers=auth)

    def skewed(self, options: list[Any]) -> Any:
        """The first options far more often than the last (people share favourites)."""
        weights = [1 / (i + 1) for i in range(len(options))]
        return self.rng.choices(options, weights)[0]

    def vintage(self) -> dict[str, Any] | None:
        return None if self.rng.random() < 0.15 else self.skewed(self.vintages)

    def base(self, **extra: Any) -> dict[str, Any]:
        spec: dict[str, Any] = {"dataset": "global_sales", **extra}
        if (vintage := self.vintage()) is not None:
            spec["vintage"] = vintage
        return spec


def cond(column: str, operator: str, value: Any) -> dict[str, Any]:
    return {"column": column, "operator": operator, "value": value}


async def open_dataset(u: User) -> int:
    r = await u.get("/api/datasets")
    if r.status_code != 200:
        return r.status_code
    return (await u.get("/api/datasets/global_sales")).status_code


async def page(u: User) -> int:
    spec = u.base(columns=DETAIL, page=u.skewed(list(range(1, 11))), page_size=50)
    return (await u.post("/api/query", spec)).status_code


async def sort(u: User) -> int:
    key = {"column": u.skewed(["revenue", "order_date", "product_id"])}
    key["direction"] = u.skewed(["desc", "asc"])
    spec = u.base(columns=DETAIL, sort=[key], page=u.skewed([1, 2, 3]))
    return (await u.post("/api/query", spec)).status_code


async def filter_(u: User) -> int:
    conditions = [cond("region", "in", sorted(u.rng.sample(REGIONS, u.rng.randint(1, 2))))]
    conditions.append(cond("channel", "=", u.skewed(CHANNELS)))
    if u.rng.random() < 0.5:
        conditions.append(cond("revenue", ">", u.skewed([1000, 100, 10000])))
    u.rng.shuffle(conditions)  # the same filters, built in another order by another user
    spec = u.base(columns=DETAIL, filters={"op": "and", "conditions": conditions})
    return (await u.post("/api/query", spec)).status_code


async def aggregate(u: User) -> int:
    measures = [
        {"column": "revenue", "agg": "sum", "alias": "revenue"},
        {"agg": "count", "alias": "orders"},
        {"column": "discount", "agg": "avg", "alias": "avg_discount"},
    ]
    spec = u.base(group_by=u.skewed(GROUPINGS), measures=measures)
    spec["sort"] = [{"column": "revenue", "direction": "desc"}]
    return (await u.post("/api/query", spec)).status_code


async def preview_join(u: User) -> int:
    spec = u.base(
        joins=[
            {"dataset": "employee_roster", "on": [{"left": "employee_id", "right": "employee_id"}]}
        ],
        columns=["order_id", "order_date", "full_name", "salary_band", "revenue"],
        filters={
            "conditions": [
                cond("global_sales.region", "=", u.skewed(REGIONS)),
                cond("channel", "=", u.skewed(CHANNELS)),
            ]
        },
    )
    return (await u.post("/api/preview", spec)).status_code


async def small_export(u: User) -> int:
    """Create a CSV export of a few hundred rows, wait for it, download it."""
    conditions = [
        cond("country", "=", u.skewed(COUNTRIES)),
        cond("channel", "=", "Direct"),
        cond("department", "=", u.skewed(DEPARTMENTS)),
    ]
    spec = u.base(columns=DETAIL, filters={"conditions": conditions})
    spec.setdefault("vintage", u.vintages[0])  # never the whole table
    r = await u.post("/api/exports", {"query": spec, "format": "csv"})
    if r.status_code != 202:
        return r.status_code
    export_id = r.json()["id"]
    deadline = time.monotonic() + REQUEST_TIMEOUT_S
    while time.monotonic() < deadline:
        r = await u.get(f"/api/exports/{export_id}")
        status = r.json().get("status") if r.status_code == 200 else None
        if status == "done":
            return (await u.get(f"/api/exports/{export_id}/download")).status_code
        if status != "queued" and status != "running":
            return r.status_code if r.status_code != 200 else 599  # failed or cancelled
        await asyncio.sleep(0.5)
    return 598  # not done in time


Action = Callable[[User], Awaitable[int]]
MIX: dict[str, tuple[float, Action]] = {
    "open dataset": (10, open_dataset),
    "page": (30, page),
    "sort": (12, sort),
    "filter": (20, filter_),
    "aggregate": (15, aggregate),
    "preview join": (8, preview_join),
    "small export": (5, small_export),
}


# -- running -------------------------------------------------------------------------------


@dataclass
class Sample:
    action: str
    ms: float
    status: int
    at: float


@dataclass
class Run:
    config: Config
    samples: list[Sample] = field(default_factory=list)
    server: list[tuple[float, float, float]] = field(default_factory=list)  # (t, cpu %, RSS MB)
    # The whole machine's CPU (100 = one core) not used by the server or this script: other
    # work on the machine competes for the same cores and must be read with the numbers.
    others: list[float] = field(default_factory=list)
    seconds: float = 0.0
    cache_lookups: dict[str, float] = field(default_factory=dict)
    failures: Counter[str] = field(default_factory=Counter)  # transport errors by kind


async def user_loop(user: User, run: Run, started: float, deadline: float) -> None:
    names = list(MIX)
    weights = [MIX[n][0] for n in names]
    pause = user.rng.uniform(0, THINK_S[1])  # staggered arrival
    while deadline - time.monotonic() > pause:  # no action starts after the deadline
        await asyncio.sleep(pause)
        name = user.rng.choices(names, weights)[0]
        begun = time.monotonic()
        try:
            status = await MIX[name][1](user)
        except httpx.HTTPError as e:
            status = 0  # connection failure or timeout
            run.failures[f"{name}: {type(e).__name__}"] += 1
        elapsed = (time.monotonic() - begun) * 1000
        run.samples.append(Sample(name, elapsed, status, begun - started))
        pause = user.rng.uniform(*THINK_S)


async def sample_server(
    proc: psutil.Process, run: Run, started: float, stop: asyncio.Event
) -> None:
    me, cores = psutil.Process(), psutil.cpu_count() or 1
    known = {proc.pid: proc}  # cpu_percent measures since the same object's last call
    proc.cpu_percent(None)
    me.cpu_percent(None)
    psutil.cpu_percent(None)
    while not stop.is_set():
        await asyncio.sleep(1.0)
        with_children = [proc, *proc.children(recursive=True)]
        fresh = [known.setdefault(p.pid, p) for p in with_children if p.is_running()]
        cpu = sum(p.cpu_percent(None) for p in fresh)
        rss = sum(p.memory_info().rss for p in fresh) / 2**20
        run.server.append((time.monotonic() - started, cpu, rss))
        machine = psutil.cpu_percent(None) * cores
        run.others.append(max(0.0, machine - cpu - me.cpu_percent(None)))


async def drive(base_url: str, tokens: list[str], run: Run, proc: psutil.Process) -> None:
    config = run.config
    limits = httpx.Limits(max_connections=config.users + 10, max_keepalive_connections=config.users)
    async with httpx.AsyncClient(base_url=base_url, timeout=REQUEST_TIMEOUT_S, limits=limits) as c:
        vintages = await _vintages(c, tokens[0])
        users = [
            User(c, token, random.Random(config.seed * 100_003 + i), vintages)
            for i, token in enumerate(tokens)
        ]
        started = time.monotonic()
        stop = asyncio.Event()
        sampler = asyncio.create_task(sample_server(proc, run, started, stop))
        deadline = started + config.seconds
        await asyncio.gather(*(user_loop(u, run, started, deadline) for u in users))
        run.seconds = time.monotonic() - started
        stop.set()
        await sampler


async def _vintages(client: httpx.AsyncClient, token: str) -> list[dict[str, Any]]:
    """The sales loads, newest first per load type, MONTH_END first (the favourite)."""
    r = await client.get("/api/datasets/global_sales", headers={"Authorization": f"Bearer {token}"})
    r.raise_for_status()
    options = (r.json().get("vintage") or {}).get("options") or []
    options.sort(key=lambda o: (o["load_type"] != "MONTH_END", o["load_type"] or ""))
    found = [
        {"load_type": o["load_type"], "load_id": i["load_id"]}
        for o in options
        for i in o["load_ids"][:3]
    ]
    if not found:
        raise RuntimeError("global_sales has no loads to choose from")
    return found


# -- setup ---------------------------------------------------------------------------------


def user_tokens(api: Api, users: int) -> list[str]:
    """Viewers `lt_user_<n>`, created once in the bench store, each logged in."""
    tokens = []
    for i in range(users):
        name = f"lt_user_{i:03d}"
        body = {"username": name, "password": PASSWORD, "role": "viewer"}
        r = api.client.post("/api/admin/users", json=body)
        if r.status_code not in (201, 409):
            r.raise_for_status()
        login = httpx.post(
            f"{api.client.base_url}/api/auth/login", json={"username": name, "password": PASSWORD}
        )
        login.raise_for_status()
        tokens.append(login.json()["access_token"])
    return tokens


def default_vintage(api: Api) -> None:
    """As an admin would set it up: a spec without a vintage reads the latest MONTH_END load
    (summing over every load would count each sale once per load it appears in)."""
    vintage = {
        "load_type_column": "load_type",
        "load_id_column": "load_id",
        "default_load_type": "MONTH_END",
    }
    r = api.client.patch("/api/admin/datasets/global_sales", json={"vintage": vintage})
    r.raise_for_status()


def server_process(api: Api) -> psutil.Process:
    """The uvicorn child that bench.harness.api_server started for this run."""
    port = api.client.base_url.port
    for child in psutil.Process().children(recursive=True):
        if "uvicorn" in " ".join(child.cmdline()) and str(port) in child.cmdline():
            return child
    raise RuntimeError("the API server process was not found")


def cache_lookups(api: Api) -> dict[str, float]:
    r = api.client.get("/metrics")
    found: dict[str, float] = {}
    for line in r.text.splitlines():
        if line.startswith("aurora_cache_lookups_total{") and 'cache="result"' in line:
            result = line.split('result="')[1].split('"')[0]
            found[result] = float(line.rsplit(" ", 1)[1])
    return found


# -- report --------------------------------------------------------------------------------


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(p / 100 * len(ordered)) - 1))]


def action_rows(run: Run) -> list[list[object]]:
    by_action: dict[str, list[Sample]] = defaultdict(list)
    for s in run.samples:
        by_action[s.action].append(s)
    rows: list[list[object]] = []
    for name in [*MIX, "all"]:
        samples = run.samples if name == "all" else by_action.get(name, [])
        if not samples:
            continue
        ok = [s.ms for s in samples if 200 <= s.status < 300]
        errors = len(samples) - len(ok)
        cells = [f"{percentile(ok, p):,.0f}" if ok else "-" for p in (50, 95, 99)]
        rows.append([name, len(samples), *cells, errors, f"{len(samples) / run.seconds:.2f}"])
    return rows


def server_rows(run: Run) -> list[list[object]]:
    if not run.server:
        return []
    cpu = [c for _, c, _ in run.server]
    rss = [r for _, _, r in run.server]
    quarter = max(1, len(rss) // 4)
    return [
        ["CPU % (100 = one core)", f"{statistics.mean(cpu):.0f}", f"{max(cpu):.0f}"],
        ["RSS MB, first quarter (mean)", f"{statistics.mean(rss[:quarter]):.0f}", ""],
        ["RSS MB, last quarter (mean)", f"{statistics.mean(rss[-quarter:]):.0f}", ""],
        ["RSS MB, whole run", f"{statistics.mean(rss):.0f}", f"{max(rss):.0f}"],
        ["other processes' CPU %", f"{statistics.mean(run.others):.0f}", f"{max(run.others):.0f}"],
    ]


def report(run: Run) -> str:
    c = run.config
    errors = Counter(s.status for s in run.samples if not 200 <= s.status < 300)
    lines = [
        f"# Load test, {dt.datetime.now(dt.UTC):%Y-%m-%d %H:%M} UTC, "
        f"result cache {'on' if c.cache else 'off'}"
        f"{', CACHE_TTL ' + os.environ['CACHE_TTL'] if 'CACHE_TTL' in os.environ else ''}",
        "",
        f"{platform.platform()}, {os.cpu_count()} CPUs; {c.rows:,} sales rows; "
        f"{c.workers} API process(es); {c.users} users, "
        f"think {THINK_S[0]:.0f}-{THINK_S[1]:.0f} s, {run.seconds:.0f} s run, seed {c.seed}; "
        "global_sales defaults to its latest MONTH_END load.",
        "",
        markdown_table(
            ["action", "requests", "p50 ms", "p95 ms", "p99 ms", "errors", "per s"],
            action_rows(run),
        ),
        "",
        markdown_table(["server", "mean", "max"], server_rows(run)),
        "",
        f"Errors by status: {dict(errors) or 'none'} (0 = connection failure or timeout, "
        "598 = export not done in 60 s, 599 = export failed)"
        f"{'; transport errors: ' + str(dict(run.failures)) if run.failures else ''}.",
        f"Result cache lookups: {run.cache_lookups or 'none'}"
        f"{' (of the one API process that answered /metrics)' if c.workers > 1 else ''}.",
        "Targets: page p95 <= 300 ms, aggregate p95 <= 1500 ms, 0 errors, RSS flat.",
    ]
    return "\n".join(lines) + "\n"


def main() -> None:
    config = Config.from_env()
    data_dir = warehouse(config.rows)
    # Its own metadata store: the users and settings below stay out of `make bench`'s.
    env = {"AURORA_STATE_DIR": str(data_dir.parent / ".loadtest-state")}
    if not config.cache:
        env["RESULT_CACHE"] = "false"
    if config.workers > 1:  # uvicorn reads it as --workers; each has its own memory cache
        env["WEB_CONCURRENCY"] = str(config.workers)
    with api_server(data_dir, **env) as api:
        assert api.client.base_url.host == "127.0.0.1", "loopback only"
        default_vintage(api)
        tokens = user_tokens(api, config.users)
        run = Run(config)
        asyncio.run(drive(str(api.client.base_url), tokens, run, server_process(api)))
        run.cache_lookups = cache_lookups(api)
    text = report(run)
    print(text)
    RESULTS.mkdir(parents=True, exist_ok=True)
    stamp = dt.datetime.now(dt.UTC).strftime("%Y%m%d-%H%M")
    name = f"loadtest-{stamp}-{'cache' if config.cache else 'nocache'}.md"
    (RESULTS / name).write_text(text)
    print(f"saved {RESULTS / name}")


if __name__ == "__main__":
    main()
