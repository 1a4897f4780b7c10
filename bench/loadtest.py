"""`make loadtest`: Locust users (bench.locust_mixes) against a real Aurora on loopback.

The API is started the way `make run` starts it (`python -m backend.serve`, LOADTEST_WORKERS
processes), on a demo warehouse of LOADTEST_ROWS sales rows with its own metadata store.
Users are created and logged in before the clock starts; Locust then runs them headless for
LOADTEST_SECONDS (arriving over LOADTEST_RAMP_S). Every second the CPU and RSS of each API
process (and of the ARQ worker, with REDIS_URL) are sampled with psutil, and so is the CPU the
rest of the machine takes: the machine is shared, read the numbers with it.

Environment: LOADTEST_MIX (scale | realistic | superset | ui, see MIXES), LOADTEST_USERS (the
mix's), LOADTEST_SECONDS (300), LOADTEST_ROWS (3000000), LOADTEST_WORKERS (API_WORKERS, else
as `make run`: backend.memory_budget.api_workers), LOADTEST_CACHE (1; 0 turns the result
cache off), LOADTEST_RAMP_S (the mix's: 10, the UI mix 30), LOADTEST_UI_TICKER_S (0: the
UI mix's tabs send the page's new-data check this often, as a browser does every 10 s while
a dataset is shown), LOADTEST_SEED (7),
LOADTEST_RESULTS (bench/results). REDIS_URL, when set, is passed on (the processes then
share Redis and an ARQ worker runs the exports). The markdown table is printed and saved as
<results>/loadtest-<time>-<mix>-<workers>p-<cache|nocache>.md.
The exit status is 1 when any action failed (the smoke test in `make test` relies on it),
never on timings.

The UI mix (bench.locust_ui) also starts the Reflex backend as `make run` does (`reflex run
--env prod --backend-only`), its processes sampled like the API's; LOADTEST_UI_WORKERS sets
its worker processes (Reflex's own default otherwise: 1, or with Redis min(2 x cores + 1, 8);
more than one needs REDIS_URL, which the driver then passes on as REFLEX_REDIS_URL). Its users
sign in on the login form (they are not logged in beforehand), and the report adds each
tab's server-side state size after the run and the percentiles while users were arriving.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import os
import platform
import secrets
import shutil
import statistics
import subprocess
import sys
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import gevent
import locust  # patches the standard library for gevent: before httpx/ssl (bench.harness)
import psutil
import redis
import requests
from gevent.pool import Pool
from locust.env import Environment

from backend.config import Settings
from backend.memory_budget import api_workers
from bench import locust_mixes
from bench import locust_ui_reflex as reflex
from bench.harness import ADMIN_PASSWORD, ROOT, markdown_table, speed_probe, warehouse
from bench.locust_mixes import ACTION, AuroraUser, Mix
from bench.locust_ui import UI_MIX, UiUser
from bench.ui_targets import target_rows

MIXES: dict[str, Mix] = {**locust_mixes.MIXES, "ui": UI_MIX}

# `make run` hashes at OWASP's argon2id cost (the Makefile's `run`): the load test measures
# the shape `make run` starts unless AURORA_ARGON2_PROFILE says otherwise.
MAKE_RUN_ARGON2_PROFILE = "owasp"
PASSWORD = "loadtest-user-password-1"  # throwaway users in the bench store under data/bench


@dataclass(frozen=True)
class Config:
    mix: str
    users: int
    seconds: float
    rows: int
    workers: int
    cache: bool
    ramp_s: float
    seed: int
    results: Path
    ui_workers: int | None
    ticker_s: float = 0.0  # the UI mix's "new data" ticker per tab (0: off)

    @classmethod
    def from_env(cls) -> Config:
        env = os.environ.get
        mix = env("LOADTEST_MIX", "scale")
        if mix not in MIXES:
            raise SystemExit(f"LOADTEST_MIX={mix}: one of {', '.join(MIXES)}")
        return cls(
            mix=mix,
            users=int(env("LOADTEST_USERS") or MIXES[mix].users),
            seconds=float(env("LOADTEST_SECONDS", "300")),
            rows=int(env("LOADTEST_ROWS", "3000000")),
            workers=int(env("LOADTEST_WORKERS") or 0) or api_workers(Settings()),
            cache=env("LOADTEST_CACHE", "1") not in ("0", "false", "no"),
            ramp_s=float(env("LOADTEST_RAMP_S") or MIXES[mix].ramp_s),
            seed=int(env("LOADTEST_SEED", "7")),
            results=Path(env("LOADTEST_RESULTS") or ROOT / "bench" / "results"),
            ui_workers=int(env("LOADTEST_UI_WORKERS") or 0) or None,
            ticker_s=float(env("LOADTEST_UI_TICKER_S") or 0),
        )


# -- the servers ---------------------------------------------------------------------------


def _worker(child: psutil.Process) -> bool:
    """A server worker, not multiprocessing's resource tracker nor a child already gone
    (a zombie's command line cannot be read)."""
    try:
        return "resource_tracker" not in " ".join(child.cmdline())
    except psutil.NoSuchProcess:  # ZombieProcess included
        return False


@dataclass
class Server:
    base: str
    processes: list[subprocess.Popen[bytes]]
    ui: str = ""  # the Reflex backend's address, for the UI mix
    ui_process: subprocess.Popen[bytes] | None = None
    ui_states: str = ""  # where the Reflex backend keeps each tab's state: a folder or Redis

    def admin(self) -> requests.Session:
        s = requests.Session()
        body = {"username": "admin", "password": ADMIN_PASSWORD}
        r = s.post(f"{self.base}/api/auth/login", json=body, timeout=60)
        r.raise_for_status()
        s.headers["Authorization"] = f"Bearer {r.json()['access_token']}"
        return s

    def watched(self) -> dict[str, psutil.Process]:
        """API worker processes (uvicorn's children, or uvicorn itself with one) and the ARQ
        worker, by a stable label."""
        found: dict[str, psutil.Process] = {}
        api = psutil.Process(self.processes[0].pid)
        kids = [c for c in api.children() if _worker(c)]
        for i, p in enumerate(kids or [api]):
            found[f"API {i + 1} (pid {p.pid})"] = p
        for p in self.processes[1:]:
            found[f"ARQ worker (pid {p.pid})"] = psutil.Process(p.pid)
        if self.ui_process is not None:  # granian's workers, or the server itself with none
            main = psutil.Process(self.ui_process.pid)
            for i, p in enumerate(main.children() or [main]):
                found[f"Reflex {i + 1} (pid {p.pid})"] = p
        return found


def _free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@contextlib.contextmanager
def serve(config: Config, data_dir: Path) -> Any:
    port = _free_port()
    env = {
        **os.environ,
        "AURORA_DATA_DIR": str(data_dir),
        "AURORA_STATE_DIR": str(data_dir.parent / ".loadtest-state"),
        "AURORA_ADMIN_PASSWORD": ADMIN_PASSWORD,
        "AURORA_LOG_LEVEL": "WARNING",
    }
    # One UI secret for the API and every UI worker, as `make run` exports it: without it each
    # Reflex worker seals a tab's API token with a key of its own, and a tab whose socket is on
    # the other worker calls the API unsigned (401) — the unanswered opens of two-worker runs.
    env.setdefault("AURORA_UI_SECRET", secrets.token_urlsafe(32))
    env.setdefault("AURORA_ARGON2_PROFILE", MAKE_RUN_ARGON2_PROFILE)
    if not config.cache:
        env["RESULT_CACHE"] = "false"
    api = [sys.executable, "-m", "backend.serve", "--workers", str(config.workers)]
    api += ["--host", "127.0.0.1", "--port", str(port), "--log-level", "warning"]
    state = Path(env["AURORA_STATE_DIR"])
    state.mkdir(parents=True, exist_ok=True)
    log = (state / "server.log").open("ab")  # the servers' own errors, out of the report
    say(f"server logs: {state / 'server.log'}")
    if env.get("REDIS_URL"):
        _forget_results(env["REDIS_URL"])
    processes = [subprocess.Popen(api, cwd=ROOT, env=env, stdout=log, stderr=log)]
    if env.get("REDIS_URL"):
        arq = [str(Path(sys.executable).parent / "arq"), "backend.worker.WorkerSettings"]
        processes.append(subprocess.Popen(arq, cwd=ROOT, env=env, stdout=log, stderr=log))
    server = Server(f"http://127.0.0.1:{port}", processes)
    try:
        _wait_healthy(server)
        if MIXES[config.mix].ui:
            _start_ui(server, config, env, log)
        yield server
    finally:
        stopping = [*processes, *([server.ui_process] if server.ui_process else [])]
        for p in stopping:
            p.terminate()
        for p in stopping:
            _stopped(p)
        log.close()


def _stopped(process: subprocess.Popen[bytes]) -> None:
    """Wait for a server asked to stop; one still busy after 60 s (a loaded machine, queued
    queries) is killed with its workers, so the run's report is still written."""
    try:
        process.wait(timeout=60)
    except subprocess.TimeoutExpired:
        say(f"pid {process.pid} did not stop within 60 s: killed with its workers")
        with contextlib.suppress(psutil.NoSuchProcess):
            for child in psutil.Process(process.pid).children(recursive=True):
                child.kill()
        process.kill()
        process.wait(timeout=60)


def _start_ui(server: Server, config: Config, env: dict[str, str], log: Any) -> None:
    """The Reflex backend as `make run` runs it (REFLEX_REDIS_URL from REDIS_URL)."""
    port = _free_port()
    ui_env = {**env, "AURORA_API_URL": server.base, "REFLEX_STATES_WORKDIR": reflex_states(env)}
    shutil.rmtree(ui_env["REFLEX_STATES_WORKDIR"], ignore_errors=True)  # sizes of this run only
    if env.get("REDIS_URL"):
        ui_env["REFLEX_REDIS_URL"] = env.get("REFLEX_REDIS_URL") or env["REDIS_URL"]
    server.ui_process = reflex.start_backend(port, ui_env, log, str(ROOT), config.ui_workers)
    server.ui_states = ui_env.get("REFLEX_REDIS_URL") or ui_env["REFLEX_STATES_WORKDIR"]
    server.ui = f"http://127.0.0.1:{port}"
    reflex.wait_ready(server.ui, server.ui_process)


def reflex_states(env: dict[str, str]) -> str:
    """The Reflex disk state manager's folder for this run (unused with Redis)."""
    return str(Path(env["AURORA_STATE_DIR"]) / "reflex-states")


def _forget_results(url: str) -> None:
    """Every run starts cold, as it does without Redis (a new process, an empty cache): the
    result cache an earlier run left in Redis would answer this run's first clicks. Only the
    result cache's keys go (backend.services.result_cache's prefixes), nothing else of the
    database's."""
    client = redis.Redis.from_url(url)
    try:
        for prefix in ("aurora:result:", "aurora:claim:"):
            keys = list(client.scan_iter(match=prefix + "*", count=1000))
            for start in range(0, len(keys), 1000):
                client.delete(*keys[start : start + 1000])
    finally:
        client.close()


def _wait_healthy(server: Server) -> None:
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        if server.processes[0].poll() is not None:
            raise RuntimeError("the API exited")
        with contextlib.suppress(requests.RequestException):
            if requests.get(f"{server.base}/api/health", timeout=2).status_code == 200:
                return
        time.sleep(0.3)
    raise RuntimeError("the API did not start")


# -- set-up as an admin would do it ----------------------------------------------------------


def set_vintage(admin: requests.Session, base: str, default: bool) -> None:
    """The realistic mix: the admin points global_sales at its latest MONTH_END load (summing
    over every load would count each sale once per load). The others read the whole table."""
    vintage = None
    if default:
        vintage = {
            "load_type_column": "load_type",
            "load_id_column": "load_id",
            "default_load_type": "MONTH_END",
        }
    r = admin.patch(f"{base}/api/admin/datasets/global_sales", json={"vintage": vintage})
    r.raise_for_status()


def vintages(admin: requests.Session, base: str) -> list[dict[str, Any]]:
    """The sales loads, newest first per load type, MONTH_END first (the favourite)."""
    r = admin.get(f"{base}/api/datasets/global_sales")
    r.raise_for_status()
    options = (r.json().get("vintage") or {}).get("options") or []
    options.sort(key=lambda o: (o["load_type"] != "MONTH_END", o["load_type"] or ""))
    return [
        {"load_type": o["load_type"], "load_id": i["load_id"]}
        for o in options
        for i in o["load_ids"][:3]
    ]


def rows_in_scope(admin: requests.Session, base: str) -> int:
    spec = {"dataset": "global_sales", "measures": [{"agg": "count", "alias": "n"}]}
    r = admin.post(f"{base}/api/query", json=spec)
    r.raise_for_status()
    return int(r.json()["rows"][0][0])


TOKEN_REUSE_S = 45 * 60  # tokens live AURORA_TOKEN_TTL_MINUTES (60); a run takes minutes


def user_tokens(admin: requests.Session, base: str, users: int, kept: Path) -> list[str]:
    """Viewers `lt_user_<n>` (made once in the bench store), logged in a few at a time:
    logins are argon2 work and not what these mixes measure, so the tokens of a run in the
    last 45 minutes are used again (when the API still takes them)."""
    known: dict[str, Any] = json.loads(kept.read_text()) if kept.is_file() else {}
    fresh = time.time() - float(known.get("at", 0)) < TOKEN_REUSE_S
    tokens: list[str] = known.get("tokens", []) if fresh else []
    if len(tokens) >= users and _accepted(base, tokens[users - 1]):
        return tokens[:users]
    tokens = _log_in(admin, base, users)
    kept.write_text(json.dumps({"at": time.time(), "tokens": tokens}))
    kept.chmod(0o600)
    return tokens


def ensure_users(admin: requests.Session, base: str, users: int) -> list[str]:
    """The UI mix's viewers: they sign in on the login form during the run, so only the
    accounts are made here (once: creating one hashes its password)."""
    r = admin.get(f"{base}/api/admin/users")
    r.raise_for_status()
    known = {u["username"] for u in r.json()}
    names = [f"lt_user_{i:03d}" for i in range(users)]

    def create(name: str) -> None:
        body = {"username": name, "password": PASSWORD, "role": "viewer"}
        made = admin.post(f"{base}/api/admin/users", json=body)
        if made.status_code not in (201, 409):
            made.raise_for_status()

    list(Pool(4).imap(create, [n for n in names if n not in known]))
    return names


def _accepted(base: str, token: str) -> bool:
    headers = {"Authorization": f"Bearer {token}"}
    return requests.get(f"{base}/api/auth/me", headers=headers, timeout=60).status_code == 200


def _log_in(admin: requests.Session, base: str, users: int) -> list[str]:
    def one(i: int) -> str:
        name = f"lt_user_{i:03d}"
        body = {"username": name, "password": PASSWORD, "role": "viewer"}
        r = admin.post(f"{base}/api/admin/users", json=body)
        if r.status_code not in (201, 409):
            r.raise_for_status()
        login = requests.post(
            f"{base}/api/auth/login", json={"username": name, "password": PASSWORD}, timeout=60
        )
        login.raise_for_status()
        return str(login.json()["access_token"])

    return list(Pool(4).imap(one, range(users)))


# -- running and sampling ------------------------------------------------------------------


@dataclass
class Samples:
    cpu: dict[str, list[float]] = field(default_factory=dict)  # % of one core
    rss: dict[str, list[float]] = field(default_factory=dict)  # MB
    others: list[float] = field(default_factory=list)  # the rest of the machine, % of a core
    me: list[float] = field(default_factory=list)  # Locust itself
    load: list[tuple[float, float, float]] = field(default_factory=list)


def sample(processes: dict[str, psutil.Process], into: Samples) -> None:
    """Once a second until killed: one psutil object per process, so cpu_percent measures
    the time since the same object's previous call."""
    me, cores = psutil.Process(), psutil.cpu_count() or 1
    for p in [*processes.values(), me]:
        p.cpu_percent(None)
    psutil.cpu_percent(None)
    into.load.append(os.getloadavg())
    while True:
        gevent.sleep(1.0)
        total = 0.0
        for label, p in processes.items():
            with contextlib.suppress(psutil.Error):
                cpu = p.cpu_percent(None)
                into.cpu.setdefault(label, []).append(cpu)
                into.rss.setdefault(label, []).append(p.memory_info().rss / 2**20)
                total += cpu
        mine = me.cpu_percent(None)
        into.me.append(mine)
        into.others.append(max(0.0, psutil.cpu_percent(None) * cores - total - mine))
        into.load.append(os.getloadavg())


def drive(config: Config, server: Server, tokens: list[str], found: list[dict[str, Any]]) -> Run:
    mix = MIXES[config.mix]
    AuroraUser.tokens, AuroraUser.vintages, AuroraUser.seed = tokens, found, config.seed
    AuroraUser._count = 0
    env = Environment(user_classes=[mix.user], host=server.base, stop_timeout=30)
    runner = env.create_local_runner()
    samples = Samples()
    sampler = gevent.spawn(sample, server.watched(), samples)
    started = time.monotonic()
    timeline: list[tuple[float, str, float, bool]] = []

    def record(request_type: str, name: str, response_time: float, **kw: Any) -> None:
        if request_type == ACTION:
            timeline.append((time.monotonic() - started, name, response_time, not kw["exception"]))

    env.events.request.add_listener(record)
    runner.start(config.users, spawn_rate=config.users / max(config.ramp_s, 0.1))
    gevent.spawn_later(config.seconds, runner.quit)
    runner.greenlet.join()
    seconds = time.monotonic() - started
    samples.load.append(os.getloadavg())
    sampler.kill()
    return Run(config, mix, env, samples, seconds, timeline=timeline)


# -- the report ------------------------------------------------------------------------------


@dataclass
class Run:
    config: Config
    mix: Mix
    env: Environment
    samples: Samples
    seconds: float
    rows_in_scope: int = 0
    cache_lookups: dict[str, float] = field(default_factory=dict)
    version_checks: float | None = None  # GET .../version answered (one API process)
    timeline: list[tuple[float, str, float, bool]] = field(default_factory=list)  # s, ms
    state_bytes: list[int] = field(default_factory=list)  # per UI tab, after the run
    probes: list[tuple[float, float]] = field(default_factory=list)  # speed_probe: start, end

    def actions(self) -> list[Any]:
        entries = self.env.stats.entries
        named = [entries[(n, ACTION)] for n in self.mix.actions if (n, ACTION) in entries]
        others = [e for (n, t), e in entries.items() if t == ACTION and n not in self.mix.actions]
        return named + others

    def failures(self) -> int:
        return sum(e.num_failures for e in self.actions())


def action_rows(run: Run) -> list[list[object]]:
    rows: list[list[object]] = []
    for e in run.actions():
        cells = [f"{e.get_response_time_percentile(p):,.0f}" for p in (0.5, 0.95, 0.99)]
        rate = f"{e.num_requests / run.seconds:.2f}"
        rows.append([e.name, e.num_requests, *cells, e.num_failures, rate])
    total = sum(e.num_requests for e in run.actions())
    rows.append(["all", total, "", "", "", run.failures(), f"{total / run.seconds:.2f}"])
    return rows


def process_rows(samples: Samples) -> list[list[object]]:
    """RSS at start and end are means of the first and last 5 samples (one a second)."""
    rows: list[list[object]] = []
    for label, cpu in samples.cpu.items():
        rss = samples.rss[label]
        start, end = statistics.mean(rss[:5]), statistics.mean(rss[-5:])
        cpu_cells = [f"{statistics.mean(cpu):.0f}", f"{max(cpu):.0f}"]
        rows.append([label, *cpu_cells, f"{start:.0f}", f"{end:.0f}", f"{max(rss):.0f}"])
    if samples.me:
        rows.append(["Locust (this driver)", f"{statistics.mean(samples.me):.0f}"])
        rows[-1] += [f"{max(samples.me):.0f}", "", "", ""]
    if samples.others:
        rows.append(["the rest of the machine", f"{statistics.mean(samples.others):.0f}"])
        rows[-1] += [f"{max(samples.others):.0f}", "", "", ""]
    return rows


RSS_MARKS_MIN = (1, 2, 5, 10, 20, 30)  # minutes into the run at which the timeline reads RSS


def rss_timeline_rows(samples: Samples) -> list[list[object]]:
    """Each process's RSS (MB) at the start, at each of RSS_MARKS_MIN the run reached, and at
    the end: a mean of 5 samples (one a second) up to each, so one spike does not decide.
    Growth that stops once users have arrived (per-tab state, caches at their bound) reads
    flat from the first minute on; a leak keeps climbing.

    >>> s = Samples(rss={"API 1": [100.0] * 50 + [150.0] * 70 + [170.0] * 478})
    >>> rss_timeline_rows(s)
    [['API 1', '100', '150', '150', '170', '170', '', '', '170']]
    """
    rows: list[list[object]] = []
    for label, rss in samples.rss.items():
        cells: list[object] = [label, f"{statistics.mean(rss[:5]):.0f}"]
        for minute in RSS_MARKS_MIN:
            at = minute * 60
            window = rss[max(0, at - 5) : at] if at <= len(rss) + 5 else []
            cells.append(f"{statistics.mean(window):.0f}" if window else "")
        cells.append(f"{statistics.mean(rss[-5:]):.0f}")
        rows.append(cells)
    return rows


def rss_timeline(samples: Samples) -> list[str]:
    heads = ["process", "RSS MB start", *(f"{m} min" for m in RSS_MARKS_MIN), "end"]
    return [
        "RSS over the run (MB; blank: the run was shorter):",
        "",
        markdown_table(heads, rss_timeline_rows(samples)),
    ]


def cpu_per_action(samples: Samples, seconds: float, actions: int) -> str:
    """Each process's CPU over the run per action answered, in ms. Locust's own cost per
    action does not change with Aurora's code, so beside another run of the same mix it
    reads how fast the machine was.

    >>> cpu_per_action(Samples(cpu={"API 1": [50.0, 70.0]}, me=[20.0]), 300, 12_000)
    'API 1 15.0 ms, Locust (this driver) 5.0 ms'
    """
    share = {label: statistics.mean(cpu) for label, cpu in samples.cpu.items() if cpu}
    if samples.me:
        share["Locust (this driver)"] = statistics.mean(samples.me)
    per = {label: pct / 100 * seconds * 1000 / max(actions, 1) for label, pct in share.items()}
    return ", ".join(f"{label} {ms:.1f} ms" for label, ms in per.items())


def machine_speed(run: Run) -> list[str]:
    total = sum(e.num_requests for e in run.actions())
    lines = [f"CPU per action: {cpu_per_action(run.samples, run.seconds, total)}."]
    if len(run.probes) == 2:
        (py0, db0), (py1, db1) = run.probes
        lines.append(
            "Machine speed (bench.harness.speed_probe, median of 3, lower is faster: a Python "
            f"loop / a one-thread DuckDB sum): {py0:.0f} / {db0:.0f} ms before the servers "
            f"started, {py1:.0f} / {db1:.0f} ms after they stopped."
        )
    return [*lines, ""]


def report(run: Run) -> str:
    c, s = run.config, run.samples
    failed = [e for e in run.env.stats.errors.values() if e.method == ACTION]  # not per URL
    errors = Counter({f"{e.name}: {e.error}": e.occurrences for e in failed})
    first, last = s.load[0], s.load[-1]
    scope = "latest MONTH_END load by default" if run.mix.default_vintage else "every load"
    lines = [
        f"# Load test `{c.mix}`, {dt.datetime.now(dt.UTC):%Y-%m-%d %H:%M} UTC, "
        f"{c.workers} API process(es), result cache {'on' if c.cache else 'off'}"
        f"{', Redis' if os.environ.get('REDIS_URL') else ''}",
        "",
        f"{platform.platform()}, {os.cpu_count()} CPUs; Locust {locust.__version__}; "
        f"{c.rows:,} sales rows ({scope}: {run.rows_in_scope:,} rows in scope); "
        f"{c.users} users arriving over {c.ramp_s:.0f} s, {run.seconds:.0f} s run, seed "
        f"{c.seed}. Mix: {run.mix.description}.",
        f"Machine load average (1/5/15 min) at start {first[0]:.2f} / {first[1]:.2f} / "
        f"{first[2]:.2f}, at end {last[0]:.2f} / {last[1]:.2f} / {last[2]:.2f}.",
        "",
        markdown_table(
            ["action", "requests", "p50 ms", "p95 ms", "p99 ms", "errors", "per s"],
            action_rows(run),
        ),
        "",
        markdown_table(
            ["process", "CPU % mean", "CPU % max", "RSS MB start", "RSS MB end", "RSS MB max"],
            process_rows(s),
        ),
        "",
        *rss_timeline(s),
        "",
        *machine_speed(run),
        "Percentiles are over every action, failed ones included (a timeout counts its 60 s). "
        "CPU: 100 = one core. Errors: "
        f"{dict(errors) or 'none'} (status 0 = no answer within 60 s).",
        f"Result cache lookups: {run.cache_lookups or 'none'}"
        f"{' (of the one API process that answered /metrics)' if c.workers > 1 else ''}.",
        f"Targets: {run.mix.targets}.",
    ]
    if run.mix.ui:
        lines += ["", *ui_lines(run)]
    return "\n".join(lines) + "\n"


def _percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))] if ordered else 0.0


def arrival_rows(run: Run) -> list[list[object]]:
    """Each action while users were still arriving (signing in) and after."""
    rows: list[list[object]] = []
    for name in run.mix.actions:
        for label, during in (("arriving", True), ("after", False)):
            took = [
                ms
                for t, n, ms, _ in run.timeline
                if n == name and (t < run.config.ramp_s) == during
            ]
            failed = sum(
                1
                for t, n, _, ok in run.timeline
                if n == name and not ok and (t < run.config.ramp_s) == during
            )
            if took:
                cells = [f"{_percentile(took, q):,.0f}" for q in (0.5, 0.95)]
                rows.append([name, label, len(took), *cells, failed])
    return rows


def ui_lines(run: Run) -> list[str]:
    sizes = [b / 1024 for b in run.state_bytes if b]
    size = (
        f"mean {statistics.mean(sizes):,.0f} KB, max {max(sizes):,.0f} KB over {len(sizes)} tabs"
        if sizes
        else "not found"
    )
    reflex_processes = sum(label.startswith("Reflex ") for label in run.samples.cpu)
    profile = os.environ.get("AURORA_ARGON2_PROFILE") or MAKE_RUN_ARGON2_PROFILE
    return [
        f"Shape: {reflex_processes} Reflex process(es), {run.config.workers} API process(es); "
        f"argon2 profile `{profile}` (AURORA_ARGON2_PROFILE). {_ticker(run)}",
        "",
        markdown_table(
            ["target", "measured", "actions", "met"], target_rows(run.timeline, run.config.ramp_s)
        ),
        "",
        f"While users arrive (the first {run.config.ramp_s:.0f} s, as they connect and sign in) "
        "and after:",
        "",
        markdown_table(
            ["action", "when", "count", "p50 ms", "p95 ms", "errors"], arrival_rows(run)
        ),
        "",
        f"Reflex state per tab after the run (every substate as stored): {size}. "
        "An action is answered when the screen shows it (rows of the page, sort, filter or "
        "dataset asked for; the explorer after signing in; the downloaded file); "
        "'unanswered' = nothing within 30 s.",
    ]


def _ticker(run: Run) -> str:
    if run.config.ticker_s <= 0:
        return "The page's new-data ticker: off (LOADTEST_UI_TICKER_S)."
    return (
        f"The page's new-data ticker every {run.config.ticker_s:g} s per tab "
        f"(LOADTEST_UI_TICKER_S): {UiUser.ticks_sent} checks sent, {run.version_checks} "
        "version checks answered by the API (one process's /metrics)."
    )


def version_checks(admin: requests.Session, base: str) -> float | None:
    """`GET /api/datasets/{key}/version` answered 200, from one API process's /metrics."""
    try:
        text = admin.get(f"{base}/metrics", timeout=60).text
    except requests.RequestException:
        return None
    return sum(
        float(line.rsplit(" ", 1)[1])
        for line in text.splitlines()
        if line.startswith("aurora_http_requests_total{")
        and 'route="/api/datasets/{key}/version"' in line
        and 'status="200"' in line
    )


def cache_lookups(admin: requests.Session, base: str) -> dict[str, float]:
    """From one API process's /metrics; nothing when it cannot be read (the report stands)."""
    admin.close()  # its connection sat idle through the run: the server may be closing it
    found: dict[str, float] = {}
    try:
        text = admin.get(f"{base}/metrics", timeout=60).text
    except requests.RequestException as e:
        say(f"could not read /metrics: {e}")
        return found
    for line in text.splitlines():
        if line.startswith("aurora_cache_lookups_total{") and 'cache="result"' in line:
            result = line.split('result="')[1].split('"')[0]
            found[result] = float(line.rsplit(" ", 1)[1])
    return found


def state_sizes(where: str, tabs: list[str]) -> list[int]:
    """Bytes of each tab's stored state (every substate, pickled as Reflex keeps it), from
    Redis (keys `<token>_<state>`) or the disk manager's files (md5 of the same key)."""
    if where.startswith(("redis://", "rediss://", "unix://")):
        import redis

        client = redis.Redis.from_url(where)
        return [
            sum(int(client.strlen(k)) for k in client.scan_iter(match=f"{tab}_*", count=500))
            for tab in tabs
        ]
    import hashlib

    from reflex.state import State

    import aurora.aurora  # noqa: F401  (every page's states, for their names)

    def tree(cls: type[State]) -> list[str]:
        return [cls.get_full_name(), *(n for sub in cls.get_substates() for n in tree(sub))]

    names = tree(State)
    folder = Path(where)

    def size(key: str) -> int:
        path = folder / f"{hashlib.md5(key.encode()).hexdigest()}.pkl"
        return path.stat().st_size if path.is_file() else 0

    return [sum(size(f"{tab}_{name}") for name in names) for tab in tabs]


def say(text: str) -> None:
    print(f"{dt.datetime.now():%H:%M:%S} {text}", file=sys.stderr, flush=True)


def main() -> None:
    config = Config.from_env()
    data_dir = warehouse(config.rows)
    before = speed_probe()
    say(f"starting {config.workers} API process(es)")
    with serve(config, data_dir) as server:
        admin = server.admin()
        set_vintage(admin, server.base, MIXES[config.mix].default_vintage)
        found = vintages(admin, server.base)
        tokens: list[str] = []
        if MIXES[config.mix].ui:
            say(f"making {config.users} users (they sign in during the run)")
            UiUser.usernames = ensure_users(admin, server.base, config.users)
            UiUser.password, UiUser.ui_base, UiUser.tokens_seen = PASSWORD, server.ui, []
            UiUser.ticker_s, UiUser.ticks_sent = config.ticker_s, 0
        else:
            say(f"logging in {config.users} users")
            kept = data_dir.parent / ".loadtest-state" / "tokens.json"
            tokens = user_tokens(admin, server.base, config.users, kept)
        scope = rows_in_scope(admin, server.base)
        say(f"running the {config.mix} mix for {config.seconds:.0f} s")
        run = drive(config, server, tokens, found)
        run.rows_in_scope = scope
        if MIXES[config.mix].ui:
            run.state_bytes = state_sizes(server.ui_states, UiUser.tokens_seen)
        run.cache_lookups = cache_lookups(admin, server.base)
        if MIXES[config.mix].ui:
            run.version_checks = version_checks(admin, server.base)
    run.probes = [before, speed_probe()]
    text = report(run)
    print(text)
    config.results.mkdir(parents=True, exist_ok=True)
    stamp = dt.datetime.now(dt.UTC).strftime("%Y%m%d-%H%M")
    cache = "cache" if config.cache else "nocache"
    path = config.results / f"loadtest-{stamp}-{config.mix}-{config.workers}p-{cache}.md"
    path.write_text(text)
    print(f"saved {path}")
    sys.exit(1 if run.failures() else 0)


if __name__ == "__main__":
    main()
