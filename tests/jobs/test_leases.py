"""Export leases (backend.jobs.lease) with real `arq backend.worker.WorkerSettings` processes
on the real Redis (database 9, a queue of this test's own) behind the real app: a worker
killed with SIGKILL costs one lease, not the export timeout; the client sees the restart,
gets one complete file without duplicate rows, or after three dead attempts a clear failure;
a half-written file is never downloadable."""

from __future__ import annotations

import os
import signal
import subprocess
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import polars as pl
import pytest
from sqlalchemy import update

from backend.jobs.arq_runner import ABANDONED, ArqRunner
from backend.jobs.files import exports_dir
from backend.jobs.models import ScheduleRow
from backend.jobs.scheduler import tick
from backend.jobs.service import ExportService
from backend.jobs.state import JobStore
from backend.jobs.sweep import sweep
from backend.store.base import utcnow
from backend.store.engine import Store
from tests.jobs.api_fixtures import poll, running_api
from tests.jobs.conftest import BIG_ROWS, REDIS_URL
from tests.jobs.workers import spawn_worker, stop_worker
from tests.store.fixtures import Api

pytestmark = [pytest.mark.redis, pytest.mark.slow]

BIG = {"dataset": "big"}
# A pause after each batch: the kill lands mid-export however fast we write. Progress shows
# after the second batch (one pause in), and the test kills within a poll (50 ms) of seeing
# it, long before the next batch; each paced attempt waits out one pause.
PACED_MS = 2_000
SHORT_LEASE_S = 2  # heartbeats every 1/3 s (lease / 6)


@pytest.fixture
def lease_api(
    sqlite_store: Store, tmp_path: Path, shared_warehouse: Path, queue: str
) -> Callable[..., Api]:
    """The app on Redis and this test's queue, with the given lease; exports run only in
    the worker processes the test starts."""
    opened: list[Iterator[Api]] = []

    def make(lease_s: int = 30) -> Api:
        stack = running_api(
            sqlite_store,
            tmp_path,
            shared_warehouse,
            redis_url=REDIS_URL,
            export_queue=queue,
            export_lease_s=lease_s,
        )
        opened.append(stack)
        return next(stack)

    yield make  # type: ignore[misc]
    for stack in opened:
        stack.close()


@contextmanager
def worker(api: Api, queue: str, *, paced: bool) -> Iterator[subprocess.Popen[bytes]]:
    process = spawn_worker(api, queue, timeout_s=3600, pause_ms=PACED_MS if paced else 0)
    try:
        yield process
    finally:
        stop_worker(process)


def kill(process: subprocess.Popen[bytes]) -> float:
    os.kill(process.pid, signal.SIGKILL)
    process.wait()
    return time.monotonic()


def start_export(api: Api, user: dict[str, str]) -> str:
    r = api.client.post("/api/exports", json={"query": BIG, "format": "csv"}, headers=user)
    assert r.status_code == 202, r.text
    return str(r.json()["id"])


def writing(attempt: int) -> Callable[[dict[str, Any]], bool]:
    return lambda b: b["attempt"] == attempt and b["status"] == "running" and b["rows_written"] > 0


def assert_not_downloadable(api: Api, export_id: str, user: dict[str, str]) -> None:
    r = api.client.get(f"/api/exports/{export_id}/download", headers=user)
    assert r.status_code == 409, r.text
    assert not (exports_dir(api.settings) / f"{export_id}.csv").exists()


def assert_one_complete_file(api: Api, export_id: str, user: dict[str, str]) -> None:
    r = api.client.get(f"/api/exports/{export_id}/download", headers=user)
    assert r.status_code == 200
    ids = pl.read_csv(r.content).to_series(0)  # the id column
    assert ids.len() == BIG_ROWS and ids.n_unique() == BIG_ROWS
    assert (ids.min(), ids.max()) == (0, BIG_ROWS - 1)
    folder = exports_dir(api.settings)
    assert [p.name for p in folder.iterdir()] == [f"{export_id}.csv"]  # no part file left
    assert sweep(api.settings, api.store) == 0


def test_a_worker_killed_mid_export_is_replaced_within_a_minute_by_default(
    lease_api: Callable[..., Api], queue: str
) -> None:
    api = lease_api()  # EXPORT_LEASE_S default 30, AURORA_EXPORT_TIMEOUT_S 3600
    ann = api.new_user("ann")
    export_id = start_export(api, ann)
    with worker(api, queue, paced=True) as first:
        poll(api, export_id, ann, writing(1), timeout=60)
        with worker(api, queue, paced=False):
            killed = kill(first)
            assert_not_downloadable(api, export_id, ann)
            done = poll(api, export_id, ann, lambda b: b["status"] == "done", timeout=75)
            took = time.monotonic() - killed
    print(f"complete file {took:.1f} s after the kill")  # docs/deploy.md quotes it
    assert took < 60, f"recovered in {took:.1f} s"
    assert (done["attempt"], done["max_attempts"], done["rows_written"]) == (2, 3, BIG_ROWS)
    assert done["restarting"] is False
    assert_one_complete_file(api, export_id, ann)


def test_two_workers_killed_in_turn_still_give_one_complete_file(
    lease_api: Callable[..., Api], queue: str
) -> None:
    api = lease_api(SHORT_LEASE_S)
    ann = api.new_user("ann")
    export_id = start_export(api, ann)
    for attempt in (1, 2):
        with worker(api, queue, paced=True) as doomed:
            poll(api, export_id, ann, writing(attempt), timeout=60)
            kill(doomed)
        # No worker alive: once the lease lapses the client is told the export restarts.
        waiting = poll(api, export_id, ann, lambda b: b["restarting"], timeout=SHORT_LEASE_S * 3)
        assert (waiting["status"], waiting["attempt"], waiting["rows_written"]) == (
            "running",
            attempt + 1,
            0,
        )
        assert waiting["error"] is None
        assert_not_downloadable(api, export_id, ann)
    with worker(api, queue, paced=False):
        done = poll(api, export_id, ann, lambda b: b["status"] == "done", timeout=60)
    assert (done["attempt"], done["rows_written"]) == (3, BIG_ROWS)
    assert_one_complete_file(api, export_id, ann)


def test_three_dead_attempts_fail_the_export_with_a_message_and_no_file(
    lease_api: Callable[..., Api], queue: str
) -> None:
    api = lease_api(SHORT_LEASE_S)
    ann = api.new_user("ann")
    export_id = start_export(api, ann)
    for attempt in (1, 2, 3):
        with worker(api, queue, paced=True) as doomed:
            poll(api, export_id, ann, writing(attempt), timeout=60)
            killed = kill(doomed)
    failed = poll(api, export_id, ann, lambda b: b["status"] != "running", timeout=30)
    took = time.monotonic() - killed
    print(f"failed {took:.1f} s after the third kill")  # docs/deploy.md quotes it
    assert took < SHORT_LEASE_S * 3
    assert (failed["status"], failed["attempt"], failed["error"]) == ("failed", 3, ABANDONED)
    assert "3 attempts" in failed["error"] and failed["download_url"] is None
    assert_not_downloadable(api, export_id, ann)
    assert list(exports_dir(api.settings).iterdir()) == []  # the dead attempts' parts went


def _start_due_run(api: Api, queue: str, schedule_id: str) -> None:
    """One tick of the scheduler, as a worker's cron runs it, on this test's queue."""
    now = utcnow().replace(microsecond=0)
    with api.store.session() as session:
        session.execute(
            update(ScheduleRow).where(ScheduleRow.id == schedule_id).values(next_run_at=now)
        )

    async def scenario() -> int:
        jobs = JobStore(api.store)
        runner = ArqRunner(jobs, REDIS_URL, queue, settings=api.settings)
        queries = api.app.state.context.services.queries
        try:
            return await tick(api.store, ExportService(api.settings, jobs, runner, queries))
        finally:
            await runner.close()

    portal = api.client.portal  # the app's own loop, where its Redis clients live
    assert portal is not None and portal.call(scenario) == 1


def test_a_scheduled_run_whose_worker_dies_is_run_again_once(
    lease_api: Callable[..., Api], queue: str
) -> None:
    api = lease_api(SHORT_LEASE_S)
    ann = api.new_user("ann")
    report = {"name": "Big", "spec": BIG}
    report_id = api.client.post("/api/reports", json=report, headers=ann).json()["id"]
    body = {"report_id": report_id, "cron": "0 0 1 1 *", "format": "csv"}
    schedule_id = api.client.post("/api/schedules", json=body, headers=ann).json()["id"]
    _start_due_run(api, queue, schedule_id)
    [run] = api.client.get(f"/api/schedules/{schedule_id}/runs", headers=ann).json()
    with worker(api, queue, paced=True) as doomed:
        poll(api, run["export_id"], ann, writing(1), timeout=60)
        kill(doomed)
    with worker(api, queue, paced=False):
        poll(api, run["export_id"], ann, lambda b: b["status"] == "done", timeout=60)
    [again] = api.client.get(f"/api/schedules/{schedule_id}/runs", headers=ann).json()
    assert (again["id"], again["export_id"]) == (run["id"], run["export_id"])
    assert (again["status"], again["rows_written"], again["attempts"]) == ("done", BIG_ROWS, 2)
    assert_one_complete_file(api, run["export_id"], ann)
