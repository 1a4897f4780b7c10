"""The CDC poll on the real ARQ worker (`arq backend.worker.WorkerSettings`, REDIS_URL set):
its cron polls a registered source; the worker killed with SIGKILL in the middle of the
first merge leaves the dataset empty or whole, and the next worker completes it; then it
follows an update within twice the interval."""

from __future__ import annotations

import os
import secrets
import signal
import subprocess
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from deltalake import DeltaTable
from psycopg import sql

from backend.catalog.delta import LOG, log_version
from backend.config import Settings
from backend.lake.cdc_sources import CdcSources, Registration
from backend.wiring import open_store
from tests.lake.conftest import pg_rows
from tests.required import PG_URL, pg_connect, redis_url

pytestmark = [pytest.mark.postgres, pytest.mark.slow]
ROOT = Path(__file__).resolve().parents[2]
INTERVAL_S = 3
REDIS_DB = 4  # its own: no other test file uses it


def _env(settings: Settings, queue: str) -> dict[str, str]:
    return {
        **os.environ,
        "AURORA_DATA_DIR": str(settings.data_dir),
        "AURORA_STATE_DIR": str(settings.state_dir),
        "AURORA_METADATA_URL": settings.metadata_url or "",
        "REDIS_URL": redis_url(REDIS_DB),
        "AURORA_EXPORT_QUEUE": queue,  # a queue of its own: its cron jobs meet no one else's
    }


@pytest.fixture
def stack(
    tmp_path: Path,
) -> Iterator[tuple[Settings, CdcSources, Callable[[], subprocess.Popen[bytes]]]]:
    (tmp_path / "warehouse").mkdir()
    settings = Settings(
        data_dir=tmp_path / "warehouse",
        state_path=tmp_path / "state",
        metadata_url=f"sqlite:///{tmp_path}/aurora.db",
    )
    store = open_store(settings)
    env = _env(settings, f"aurora:cdc-test:{secrets.token_hex(4)}")
    started: list[subprocess.Popen[bytes]] = []

    def spawn() -> subprocess.Popen[bytes]:
        cmd = [str(ROOT / ".venv/bin/arq"), "backend.worker.WorkerSettings"]
        quiet = subprocess.DEVNULL
        started.append(subprocess.Popen(cmd, cwd=ROOT, env=env, stdout=quiet, stderr=quiet))
        return started[-1]

    yield settings, CdcSources.of(settings, store), spawn
    for worker in started:
        if worker.poll() is None:
            worker.send_signal(signal.SIGTERM)
            try:
                worker.wait(10)
            except subprocess.TimeoutExpired:
                worker.kill()
                worker.wait()
    store.close()


def _data_files(folder: Path) -> set[Path]:
    return (
        {p for p in folder.rglob("*.parquet") if LOG not in p.parts} if folder.exists() else set()
    )


def _rows(folder: Path) -> list[tuple[object, ...]]:
    table = DeltaTable(str(folder)).to_pyarrow_table(columns=["id", "name"])
    return sorted(
        zip(table.column("id").to_pylist(), table.column("name").to_pylist(), strict=True)
    )


def _wait(done: Callable[[], bool], timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while not done():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.002)


def test_the_worker_polls_and_a_worker_killed_mid_merge_is_completed_by_the_next(
    stack: tuple[Settings, CdcSources, Callable[[], subprocess.Popen[bytes]]],
    pg_source: tuple[str, str],
) -> None:
    settings, sources, spawn = stack
    schema, table = pg_source
    reg = Registration("orders", schema, table, "id", "updated_at", "deleted", INTERVAL_S)
    sources.create(Registration(**{**reg.__dict__, "url": PG_URL}), None)
    folder = settings.data_dir / "orders"

    first = spawn()
    _wait(lambda: bool(_data_files(folder)) or first.poll() is not None, 120)
    os.kill(first.pid, signal.SIGKILL)  # its first merge has written a file, maybe not committed
    first.wait(10)
    killed_state = _rows(folder)
    assert killed_state in ([], pg_rows(schema)), "the dataset is between versions"
    print(f"killed worker left {len(killed_state)} rows")

    spawn()
    _wait(lambda: (log_version(folder) or 0) >= 1 and _rows(folder) == pg_rows(schema), 120)
    version = log_version(folder) or 0
    time.sleep(INTERVAL_S)  # the next poll finds nothing: no version
    assert log_version(folder) == version

    with pg_connect(autocommit=True) as conn:
        update = "UPDATE {}.src SET name = 'moved', updated_at = clock_timestamp() WHERE id = 7"
        conn.execute(sql.SQL(update).format(sql.Identifier(schema)))
    committed = time.monotonic()
    _wait(lambda: (log_version(folder) or 0) > version, 4 * INTERVAL_S)
    lag = time.monotonic() - committed
    print(f"worker poll lag at interval {INTERVAL_S}s: {lag:.2f}s")
    assert lag <= 2 * INTERVAL_S
    assert _rows(folder) == pg_rows(schema)
    info = sources.get(sources.all()[0].id)
    assert info.last_status == "ok" and info.last_version == log_version(folder)
