"""End-to-end fixtures: a demo warehouse, the real API and the Reflex app (prod build) in
subprocesses, and Debian's Chromium driven by Playwright.

One session builds everything once (about a minute, most of it the Reflex prod build);
each test gets a fresh browser context, i.e. a fresh Reflex session. Tests marked `deployed`
run a second time on the deployed shape (Redis, an ARQ worker, PostgreSQL metadata), on the
same Reflex build.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
from psycopg import sql

from tests.required import PG_URL, pg_connect, redis_client, redis_url, require_service

ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS = ROOT / "tests" / "artifacts"
BUN_BIN = ROOT / ".tools" / "node_modules" / ".bin"
ADMIN_PASSWORD = os.environ.get("AURORA_E2E_ADMIN_PASSWORD", "e2e-Admin-pass-1")
DEMO_ROWS = int(os.environ.get("AURORA_E2E_ROWS", "1000000"))
# The cost gate sits between one load (< 100k rows) and the whole table (1M rows).
EXPLAIN_MAX_ROWS = int(os.environ.get("AURORA_E2E_EXPLAIN_MAX_ROWS", "500000"))
# The UI forwards each browser's address to the API with it, as under `make run`.
UI_SECRET = f"e2e-ui-secret-{uuid.uuid4().hex}"
CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"

TIMINGS: dict[str, float] = {}

# Two server sets. Embedded: one API process, SQLite metadata, exports in the API, Reflex state
# on disk. Deployed (tests marked `deployed`): the API as `make run` starts it with REDIS_URL,
# an ARQ worker process, the metadata store on PostgreSQL, Reflex state in Redis.
EMBEDDED, DEPLOYED = "embedded", "deployed"
WORKER = "backend.worker.WorkerSettings"
DEPLOYED_REDIS_DB = 11
DEPLOYED_REFLEX_REDIS_DB = 13


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    here = Path(__file__).parent
    for item in items:
        if here in Path(str(item.fspath)).parents:
            item.add_marker(pytest.mark.e2e)


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    """Every browser test runs on the embedded shape; those marked `deployed` run again on
    the deployed one. Session-scoped, so pytest runs all of one shape, stops its servers,
    then starts the other's."""
    if "shape" in metafunc.fixturenames:
        deployed = metafunc.definition.get_closest_marker("deployed") is not None
        shapes = [EMBEDDED, DEPLOYED] if deployed else [EMBEDDED]
        metafunc.parametrize("shape", shapes, indirect=True, scope="session")


def smtp_port() -> int:
    """Where the e2e API sends delivery emails (issue 21); a test that reads them starts an
    SMTP server there itself (tests/e2e/test_schedule_delivery.py), else a send just fails.
    Kept in the environment: pytest loads this file twice (as `conftest` and, imported by
    tests, as `tests.e2e.conftest`), and both must name the same port."""
    if not os.environ.get("AURORA_E2E_SMTP_PORT"):
        os.environ["AURORA_E2E_SMTP_PORT"] = str(_free_port())
    return int(os.environ["AURORA_E2E_SMTP_PORT"])


def _require_tools() -> None:
    """Chromium and bun are services here like PostgreSQL: missing under `make test`, fail."""
    if not Path(CHROMIUM).exists():
        require_service("Chromium", f"{CHROMIUM} is missing (make chromium)")
    if not (BUN_BIN / "bun").exists():
        require_service("bun", f"{BUN_BIN / 'bun'} is missing (make bun)")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _wait_http(url: str, proc: subprocess.Popen[bytes], log: Path, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"{url} exited with {proc.returncode}:\n{log.read_text()[-4000:]}")
        with contextlib.suppress(httpx.HTTPError):
            if httpx.get(url, timeout=2).status_code < 500:
                return
        time.sleep(0.3)
    raise RuntimeError(f"{url} did not answer within {timeout}s:\n{log.read_text()[-4000:]}")


def _start(
    cmd: list[str], env: dict[str, str], log: Path, cwd: Path = ROOT
) -> subprocess.Popen[bytes]:
    out = log.open("wb")
    return subprocess.Popen(
        cmd, cwd=cwd, env=env, stdout=out, stderr=subprocess.STDOUT, start_new_session=True
    )


def _app_dir(e2e_dir: Path) -> Path:
    """A private Reflex project (links to the app's sources, its own `.web` build), so two
    test sessions, or a test session and `make run`, never build over each other."""
    app = e2e_dir / "app"
    app.mkdir()
    for name in ("aurora", "rxconfig.py", "assets"):
        (app / name).symlink_to(ROOT / name)
    shutil.copytree(ROOT / "reflex.lock", app / "reflex.lock")
    return app


def _stop(proc: subprocess.Popen[bytes]) -> None:
    """Stop a server we started, with its children (its own process group)."""
    if proc.poll() is not None:
        return
    with contextlib.suppress(ProcessLookupError):
        os.killpg(proc.pid, signal.SIGTERM)
    try:
        proc.wait(timeout=10)
    except subprocess.TimeoutExpired:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGKILL)
        proc.wait(timeout=5)


@pytest.fixture(scope="session")
def e2e_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    _require_tools()
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    return tmp_path_factory.mktemp("e2e")


@pytest.fixture(scope="session")
def warehouse(e2e_dir: Path) -> Path:
    from backend.demo.build import build_demo

    if os.environ.get("AURORA_E2E_API_URL"):
        return e2e_dir
    started = time.monotonic()
    out = build_demo(e2e_dir / "data" / "warehouse", rows=DEMO_ROWS, progress=lambda *_: None)
    TIMINGS["demo warehouse"] = time.monotonic() - started
    return out


@pytest.fixture(scope="session")
def shape(request: pytest.FixtureRequest) -> str:
    """Which server set the test runs on (see `pytest_generate_tests`)."""
    return str(getattr(request, "param", EMBEDDED))


def _api_env(warehouse: Path, **extra: str) -> dict[str, str]:
    env = {
        **os.environ,
        "AURORA_DATA_DIR": str(warehouse),
        "AURORA_ADMIN_USER": "admin",
        "AURORA_ADMIN_PASSWORD": ADMIN_PASSWORD,
        "EXPLAIN_MAX_ROWS": str(EXPLAIN_MAX_ROWS),
        "AURORA_LOG_LEVEL": "WARNING",
        # Cheap password hashing (the setting's test profile, as tests/deploy use): the
        # browser tests sign in and make users about 170 times a session, and at the default
        # profile each hash is ~0.3 s of a core. What a sign-in shows does not depend on it.
        "AURORA_ARGON2_PROFILE": "fast",
        "AURORA_UI_SECRET": UI_SECRET,
        # Webhook tests post to servers they start on this machine (test_notifications.py).
        "WEBHOOK_ALLOWED_HOSTS": "127.0.0.1",
        "SMTP_HOST": "127.0.0.1",
        "SMTP_PORT": str(smtp_port()),
        "SMTP_STARTTLS": "false",
        "DELIVERY_OUTSIDE_EMAILS": "true",
    }
    for name in ("REDIS_URL", "AURORA_METADATA_URL", "AURORA_STATE_DIR", "API_WORKERS"):
        env.pop(name, None)
    return env | extra


@dataclass(frozen=True)
class DeployedShape:
    """What the API and its export worker share in the deployed shape (`env`), and what only
    that shape leaves behind, so a test can show it really ran there."""

    env: dict[str, str]
    schema: str

    def users(self) -> set[str]:
        """User names in the PostgreSQL metadata store."""
        with pg_connect() as conn:
            table = sql.Identifier(self.schema, "users")
            rows = conn.execute(sql.SQL("SELECT username FROM {}").format(table)).fetchall()
        return {str(row[0]) for row in rows}

    def finished_exports(self) -> int:
        """Export jobs an ARQ worker finished (ARQ keeps each result for an hour)."""
        client = redis_client(DEPLOYED_REDIS_DB)
        try:
            return len(list(client.scan_iter("arq:result:export:*")))
        finally:
            client.close()

    def reflex_states(self) -> int:
        """Keys of Reflex's state manager in Redis."""
        client = redis_client(DEPLOYED_REFLEX_REDIS_DB)
        try:
            return len(list(client.scan_iter("*")))
        finally:
            client.close()


@pytest.fixture(scope="session")
def deployed_shape(e2e_dir: Path, warehouse: Path, ui_build: UiBuild) -> Iterator[DeployedShape]:
    """Redis databases of the tests' own (emptied before and after), the metadata store in a
    fresh PostgreSQL schema (dropped after), a state folder of its own for export files."""
    schema = f"aurora_e2e_{uuid.uuid4().hex[:10]}"
    with pg_connect(autocommit=True) as conn:
        conn.execute(sql.SQL("CREATE SCHEMA {}").format(sql.Identifier(schema)))
    redis = [redis_client(DEPLOYED_REDIS_DB), redis_client(DEPLOYED_REFLEX_REDIS_DB)]
    for client in redis:
        client.flushdb()
    joiner = "&" if "?" in PG_URL else "?"
    env = _api_env(
        warehouse,
        REDIS_URL=redis_url(DEPLOYED_REDIS_DB),
        AURORA_METADATA_URL=f"{PG_URL}{joiner}options=-csearch_path%3D{schema}",
        AURORA_STATE_DIR=str(e2e_dir / "deployed-state"),
        AURORA_EXPORT_QUEUE=f"aurora:e2e:{schema}",
        AURORA_UI_URL=_ui_address(ui_build),
    )
    try:
        yield DeployedShape(env, schema)
    finally:
        for client in redis:
            client.flushdb()
            client.close()
        with pg_connect(autocommit=True) as conn:
            conn.execute(sql.SQL("DROP SCHEMA {} CASCADE").format(sql.Identifier(schema)))


@pytest.fixture
def deployed(request: pytest.FixtureRequest, shape: str) -> DeployedShape | None:
    """The deployed shape's evidence when the test runs on it, else None."""
    return request.getfixturevalue("deployed_shape") if shape == DEPLOYED else None


@pytest.fixture(scope="session")
def api_url(
    request: pytest.FixtureRequest, e2e_dir: Path, warehouse: Path, shape: str, ui_build: UiBuild
) -> Iterator[str]:
    if os.environ.get("AURORA_E2E_API_URL"):  # iterate against servers you already run
        yield os.environ["AURORA_E2E_API_URL"]
        return
    if shape == DEPLOYED:  # asked for here, so a session without deployed tests needs no PG
        yield from _deployed_api(e2e_dir, request.getfixturevalue("deployed_shape").env)
        return
    yield from _embedded_api(e2e_dir, _api_env(warehouse, AURORA_UI_URL=_ui_address(ui_build)))


def _ui_address(ui_build: UiBuild) -> str:
    """Where the dashboard PDF's browser finds the UI (the build's one port)."""
    return f"http://127.0.0.1:{ui_build.port}"


def _embedded_api(e2e_dir: Path, env: dict[str, str]) -> Iterator[str]:
    """One uvicorn process: SQLite metadata, exports and schedules run in the API."""
    port = _free_port()
    cmd = [sys.executable, "-m", "uvicorn", "backend.main:app", "--host", "127.0.0.1"]
    with _serve_api(e2e_dir / "api.log", [*cmd, "--port", str(port)], env, port) as url:
        yield url


def _deployed_api(e2e_dir: Path, env: dict[str, str]) -> Iterator[str]:
    """`make run` with REDIS_URL: the API as `python -m backend.serve` starts it, and an ARQ
    worker process that runs the exports and the schedule tick. The worker starts once the
    API answers, so the two never migrate the fresh schema at the same time."""
    port = _free_port()
    cmd = [sys.executable, "-m", "backend.serve", "--workers", "1", "--host", "127.0.0.1"]
    log = e2e_dir / "deployed-worker.log"
    with _serve_api(e2e_dir / "deployed-api.log", [*cmd, "--port", str(port)], env, port) as url:
        worker = _start([str(Path(sys.executable).parent / "arq"), WORKER], env, log)
        try:
            yield url
            assert worker.poll() is None, f"the ARQ worker died:\n{log.read_text()[-4000:]}"
        finally:
            _stop(worker)


@contextlib.contextmanager
def _serve_api(log: Path, cmd: list[str], env: dict[str, str], port: int) -> Iterator[str]:
    started = time.monotonic()
    proc = _start(cmd, env, log)
    url = f"http://127.0.0.1:{port}"
    try:
        _wait_http(f"{url}/api/health", proc, log, timeout=90)
        TIMINGS[f"api start ({log.stem})"] = time.monotonic() - started
        yield url
    finally:
        _stop(proc)


@pytest.fixture(scope="session")
def states_dir(e2e_dir: Path) -> Path:
    if os.environ.get("AURORA_E2E_STATES_DIR"):
        return Path(os.environ["AURORA_E2E_STATES_DIR"])
    path = e2e_dir / "states"
    path.mkdir()
    return path


@dataclass
class UiBuild:
    """The Reflex prod build, made once per session. Its frontend has the backend's port
    built in, so every server of the session listens on this one port, one at a time."""

    app_dir: Path
    port: int
    built: bool = False


@pytest.fixture(scope="session")
def ui_build(e2e_dir: Path) -> UiBuild:
    return UiBuild(_app_dir(e2e_dir), _free_port())


@pytest.fixture(scope="session")
def ui_url(
    e2e_dir: Path, api_url: str, states_dir: Path, shape: str, ui_build: UiBuild
) -> Iterator[str]:
    """The Reflex app in prod mode on one port (frontend and backend together). The first
    start builds it; a start for the other shape serves that build with a new backend."""
    if os.environ.get("AURORA_E2E_UI_URL"):
        yield os.environ["AURORA_E2E_UI_URL"]
        return
    env = {
        **os.environ,
        "PATH": f"{BUN_BIN}{os.pathsep}{Path(sys.executable).parent}{os.pathsep}"
        f"{os.environ.get('PATH', '')}",
        "REFLEX_USE_SYSTEM_BUN": "1",
        "AURORA_API_URL": api_url,
        "REFLEX_STATES_WORKDIR": str(states_dir),
        "AURORA_UI_SECRET": UI_SECRET,
    }
    env.pop("REFLEX_REDIS_URL", None)
    if shape == DEPLOYED:  # Reflex keeps its state in Redis, as `make run` sets it up
        env["REFLEX_REDIS_URL"] = redis_url(DEPLOYED_REFLEX_REDIS_DB)
    port = ui_build.port
    log = e2e_dir / f"ui-{shape}.log"
    started = time.monotonic()
    if ui_build.built:
        proc = _start(_built_backend(ui_build, env), _built_env(env, port), log, ui_build.app_dir)
        what = f"reflex backend on the build ({shape})"
    else:
        proc = _start(_reflex_run(port), env, log, cwd=ui_build.app_dir)
        what = f"reflex prod build + start ({shape})"
    url = f"http://127.0.0.1:{port}"
    try:
        _wait_http(f"{url}/ping", proc, log, timeout=600)
        ui_build.built = True
        TIMINGS[what] = time.monotonic() - started
        yield url
    finally:
        _stop(proc)


def _reflex_run(port: int) -> list[str]:
    return [
        *(sys.executable, "-m", "reflex", "run", "--env", "prod"),
        *("--frontend-port", str(port), "--backend-port", str(port), "--loglevel", "warning"),
    ]


def _built_backend(build: UiBuild, env: dict[str, str]) -> list[str]:
    """What `reflex run --env prod` starts after its build, minus the build: the app's ASGI
    factory in uvicorn, with the compiled frontend mounted (see `_built_env`)."""
    ask = "from reflex.utils.exec import get_app_instance; print(get_app_instance())"
    target = (
        subprocess.run(
            [sys.executable, "-c", ask],
            cwd=build.app_dir,
            env=env,
            check=True,
            text=True,
            capture_output=True,
        )
        .stdout.strip()
        .splitlines()[-1]
    )
    return [
        *(sys.executable, "-m", "uvicorn", "--factory", target),
        *("--host", "127.0.0.1", "--port", str(build.port), "--log-level", "warning"),
    ]


def _built_env(env: dict[str, str], port: int) -> dict[str, str]:
    from reflex.environment import environment

    return env | {
        environment.REFLEX_ENV_MODE.name: "prod",
        environment.REFLEX_SKIP_COMPILE.name: "true",
        environment.REFLEX_MOUNT_FRONTEND_COMPILED_APP.name: "true",
        "REFLEX_FRONTEND_PORT": str(port),
        "REFLEX_BACKEND_PORT": str(port),
    }


@pytest.fixture(scope="session")
def api(api_url: str) -> Iterator[httpx.Client]:
    """The API as the admin: what each test checks the page against."""
    with httpx.Client(base_url=api_url, timeout=60) as client:
        answer = client.post(
            "/api/auth/login", json={"username": "admin", "password": ADMIN_PASSWORD}
        )
        answer.raise_for_status()
        client.headers["Authorization"] = f"Bearer {answer.json()['access_token']}"
        yield client


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args: dict[str, Any]) -> dict[str, Any]:
    return {**browser_type_launch_args, "executable_path": CHROMIUM}


@pytest.fixture(scope="session")
def browser_context_args(browser_context_args: dict[str, Any], ui_url: str) -> dict[str, Any]:
    return {
        **browser_context_args,
        "base_url": ui_url,
        "viewport": {"width": 1366, "height": 768},
        "accept_downloads": True,
    }


def pytest_terminal_summary(terminalreporter: Any) -> None:
    if TIMINGS:
        terminalreporter.write_sep("-", "e2e timings")
        for name, seconds in TIMINGS.items():
            terminalreporter.write_line(f"{name}: {seconds:.1f} s")
