"""End-to-end fixtures: a demo warehouse, the real API and the Reflex app (prod build) in
subprocesses, and Debian's Chromium driven by Playwright.

One session builds everything once (about a minute, most of it the Reflex prod build);
each test gets a fresh browser context, i.e. a fresh Reflex session.
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
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.required import require_service

ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS = ROOT / "tests" / "artifacts"
BUN_BIN = ROOT / ".tools" / "node_modules" / ".bin"
ADMIN_PASSWORD = os.environ.get("AURORA_E2E_ADMIN_PASSWORD", "e2e-Admin-pass-1")
DEMO_ROWS = int(os.environ.get("AURORA_E2E_ROWS", "1000000"))
# The cost gate sits between one load (< 100k rows) and the whole table (1M rows).
EXPLAIN_MAX_ROWS = int(os.environ.get("AURORA_E2E_EXPLAIN_MAX_ROWS", "500000"))
CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"

TIMINGS: dict[str, float] = {}


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    here = Path(__file__).parent
    for item in items:
        if here in Path(str(item.fspath)).parents:
            item.add_marker(pytest.mark.e2e)


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
def api_url(e2e_dir: Path, warehouse: Path) -> Iterator[str]:
    if os.environ.get("AURORA_E2E_API_URL"):  # iterate against servers you already run
        yield os.environ["AURORA_E2E_API_URL"]
        return
    port = _free_port()
    env = {
        **os.environ,
        "AURORA_DATA_DIR": str(warehouse),
        "AURORA_ADMIN_USER": "admin",
        "AURORA_ADMIN_PASSWORD": ADMIN_PASSWORD,
        "EXPLAIN_MAX_ROWS": str(EXPLAIN_MAX_ROWS),
        "AURORA_LOG_LEVEL": "WARNING",
    }
    env.pop("REDIS_URL", None)
    env.pop("AURORA_METADATA_URL", None)
    log = e2e_dir / "api.log"
    started = time.monotonic()
    cmd = [
        sys.executable,
        "-m",
        "uvicorn",
        "backend.main:app",
        "--host",
        "127.0.0.1",
        "--port",
        str(port),
    ]
    proc = _start(cmd, env, log)
    url = f"http://127.0.0.1:{port}"
    try:
        _wait_http(f"{url}/api/health", proc, log, timeout=60)
        TIMINGS["api start"] = time.monotonic() - started
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


@pytest.fixture(scope="session")
def ui_url(e2e_dir: Path, api_url: str, states_dir: Path) -> Iterator[str]:
    """The Reflex app in prod mode on one port (frontend and backend together)."""
    if os.environ.get("AURORA_E2E_UI_URL"):
        yield os.environ["AURORA_E2E_UI_URL"]
        return
    port = _free_port()
    env = {
        **os.environ,
        "PATH": f"{BUN_BIN}{os.pathsep}{Path(sys.executable).parent}{os.pathsep}"
        f"{os.environ.get('PATH', '')}",
        "REFLEX_USE_SYSTEM_BUN": "1",
        "AURORA_API_URL": api_url,
        "REFLEX_STATES_WORKDIR": str(states_dir),
    }
    env.pop("REFLEX_REDIS_URL", None)
    log = e2e_dir / "ui.log"
    started = time.monotonic()
    cmd = [
        sys.executable,
        "-m",
        "reflex",
        "run",
        "--env",
        "prod",
        "--frontend-port",
        str(port),
        "--backend-port",
        str(port),
        "--loglevel",
        "warning",
    ]
    proc = _start(cmd, env, log, cwd=_app_dir(e2e_dir))
    url = f"http://127.0.0.1:{port}"
    try:
        _wait_http(f"{url}/ping", proc, log, timeout=600)
        TIMINGS["reflex prod build + start"] = time.monotonic() - started
        yield url
    finally:
        _stop(proc)


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
