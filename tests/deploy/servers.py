"""Real API processes (`python -m backend.serve`, the command `make run` uses) for the deploy
tests: each on its own loopback port, configured only by environment, logs in a file."""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

import httpx
import psutil

ROOT = Path(__file__).resolve().parents[2]
ADMIN_PASSWORD = "deploy-admin-password-1"
# Whatever the developer's shell has set must not leak into a process under test.
_SCRUBBED = ("REDIS_URL", "AURORA_METADATA_URL", "DUCKDB_MEMORY_LIMIT", "API_WORKERS", "AURORA_DB")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def base_env(data_dir: Path, state_dir: Path, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in _SCRUBBED}
    return env | {
        "AURORA_DATA_DIR": str(data_dir),
        "AURORA_STATE_DIR": str(state_dir),
        "AURORA_ADMIN_PASSWORD": ADMIN_PASSWORD,
        "AURORA_ARGON2_PROFILE": "fast",
        "AURORA_LOG_LEVEL": "WARNING",
        **extra,
    }


@dataclass
class ApiProcess:
    process: subprocess.Popen[bytes]
    port: int
    log: Path

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def client(self, token: str | None = None) -> httpx.Client:
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        return httpx.Client(base_url=self.url, headers=headers, timeout=60)

    def workers(self) -> list[psutil.Process]:
        """The processes answering requests: uvicorn's children, or itself with one worker."""
        me = psutil.Process(self.process.pid)
        children = [c for c in me.children() if "resource_tracker" not in " ".join(c.cmdline())]
        return children or [me]


def start_api(
    env: dict[str, str], log_dir: Path, *, workers: int = 1, extra: tuple[str, ...] = ()
) -> ApiProcess:
    port = free_port()
    log = log_dir / f"api-{port}.log"
    cmd = [sys.executable, "-m", "backend.serve", "--workers", str(workers)]
    cmd += ["--host", "127.0.0.1", "--port", str(port), "--log-level", "warning", *extra]
    out: IO[Any] = log.open("wb")
    process = subprocess.Popen(cmd, cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT)
    api = ApiProcess(process, port, log)
    try:
        wait_healthy(api)
    except BaseException:
        stop(api)
        raise
    return api


def wait_healthy(api: ApiProcess, timeout_s: float = 90) -> None:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if api.process.poll() is not None:
            raise RuntimeError(f"the API exited: {api.log.read_text()[-3000:]}")
        with contextlib.suppress(httpx.HTTPError):
            if httpx.get(f"{api.url}/api/health", timeout=2).status_code == 200:
                return
        time.sleep(0.2)
    raise RuntimeError(f"the API did not start: {api.log.read_text()[-3000:]}")


def stop(api: ApiProcess) -> None:
    if api.process.poll() is None:
        api.process.send_signal(signal.SIGTERM)
        try:
            api.process.wait(30)
        except subprocess.TimeoutExpired:
            api.process.kill()
            api.process.wait()


@contextlib.contextmanager
def running(env: dict[str, str], log_dir: Path, *, workers: int = 1) -> Iterator[ApiProcess]:
    api = start_api(env, log_dir, workers=workers)
    try:
        yield api
    finally:
        stop(api)


def login(api_url: str, username: str = "admin", password: str = ADMIN_PASSWORD) -> str:
    r = httpx.post(
        f"{api_url}/api/auth/login", json={"username": username, "password": password}, timeout=30
    )
    assert r.status_code == 200, r.text
    return str(r.json()["access_token"])


def wait_for(check: Any, timeout_s: float, what: str, every_s: float = 0.3) -> Any:
    """Poll `check()` until it returns something truthy; that value, or AssertionError."""
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if value := check():
            return value
        time.sleep(every_s)
    raise AssertionError(f"timed out waiting for {what}")
