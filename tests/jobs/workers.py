"""Real `arq backend.worker.WorkerSettings` processes for tests, configured by environment."""

from __future__ import annotations

import os
import signal
import subprocess
from pathlib import Path
from typing import Protocol

from backend.config import Settings
from backend.store.engine import Store
from tests.jobs.conftest import REDIS_URL


class Stack(Protocol):
    """A test's settings and metadata store (a JobEnv or an Api), which the worker shares."""

    settings: Settings
    store: Store


ROOT = Path(__file__).resolve().parents[2]


def spawn_worker(
    env: Stack, queue: str, timeout_s: int, pause_ms: int = 0, lease_s: int | None = None
) -> subprocess.Popen[bytes]:
    environment = {
        **os.environ,
        "AURORA_DATA_DIR": str(env.settings.data_dir),
        "AURORA_STATE_DIR": str(env.settings.state_dir),
        "AURORA_METADATA_URL": env.store.url,
        "REDIS_URL": REDIS_URL,
        "AURORA_EXPORT_QUEUE": queue,
        "AURORA_EXPORT_TIMEOUT_S": str(timeout_s),
        "EXPORT_BATCH_PAUSE_MS": str(pause_ms),
        "EXPORT_LEASE_S": str(lease_s or env.settings.export_lease_s),
    }
    return subprocess.Popen(
        [str(ROOT / ".venv/bin/arq"), "backend.worker.WorkerSettings"],
        cwd=ROOT,
        env=environment,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )


def stop_worker(process: subprocess.Popen[bytes]) -> None:
    if process.poll() is None:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
