"""Export jobs on ARQ against the real Redis at 127.0.0.1:6379 (database 9, a queue of our
own per test): a burst worker in this process, then real `arq backend.worker.WorkerSettings`
processes, one of them killed with SIGKILL half-way."""

from __future__ import annotations

import asyncio
import os
import signal
import time

import openpyxl
import polars as pl
import pytest
from arq import Worker

from backend.jobs.arq_config import EXPORT_FUNCTION, MAX_TRIES, arq_job_id, redis_settings
from backend.jobs.arq_runner import ABANDONED, ArqRunner
from backend.jobs.service import ExportService
from backend.jobs.state import JobView
from backend.jobs.sweep import sweep
from backend.query.spec import QuerySpec
from backend.worker import WorkerSettings
from tests.jobs.conftest import BIG_ROWS, REDIS_URL, JobEnv
from tests.jobs.workers import spawn_worker, stop_worker

pytestmark = pytest.mark.redis

ITEMS = QuerySpec(dataset="items")
BIG = QuerySpec(dataset="big")
HUGE = QuerySpec(dataset="huge")
SHORT_LEASE_S = 2  # as in test_leases.py: beats every 1/3 s
PACED_MS = 2_000  # as in test_leases.py: the kill lands in the pause after the first progress


def _service(env: JobEnv, queue: str) -> ExportService:
    runner = ArqRunner(env.jobs, REDIS_URL, queue, settings=env.settings)
    return ExportService(env.settings, env.jobs, runner, env.services.queries)


def _worker(env: JobEnv, queue: str, *, burst: bool) -> Worker:
    return Worker(
        functions=WorkerSettings.functions,
        redis_settings=redis_settings(REDIS_URL),
        queue_name=queue,
        burst=burst,
        poll_delay=0.05,
        handle_signals=False,
        allow_abort_jobs=True,
        ctx={"deps": env.deps},
    )


def test_burst_worker_runs_an_enqueued_export(job_env: JobEnv, queue: str) -> None:
    async def scenario() -> None:
        service = _service(job_env, queue)
        job = await service.create(job_env.owner, ITEMS, "parquet")
        await service.runner.submit(job.id)  # a repeated submit is a no-op (same _job_id)
        worker = _worker(job_env, queue, burst=True)
        await worker.main()
        assert worker.jobs_complete == 1
        done = await service.status(job.id, job_env.owner)
        assert (done.status, done.rows_written) == ("done", 300)
        frame = pl.read_parquet(service.download(job.id, job_env.owner).path)
        assert frame.height == 300 and frame.columns[0] == "item_id"
        await worker.close()
        await service.runner.close()

    asyncio.run(scenario())


def test_cancel_reaches_a_running_arq_job_within_two_seconds(job_env: JobEnv, queue: str) -> None:
    async def scenario() -> float:
        service = _service(job_env, queue)
        worker = _worker(job_env, queue, burst=False)
        running = asyncio.create_task(worker.main())
        job = await service.create(job_env.owner, HUGE, "xlsx")
        while (await service.status(job.id, job_env.owner)).rows_written == 0:
            await asyncio.sleep(0.05)
        asked = time.monotonic()
        await service.cancel(job.id, job_env.owner)
        while (await service.status(job.id, job_env.owner)).status != "cancelled":
            await asyncio.sleep(0.05)
            assert time.monotonic() - asked < 5
        took = time.monotonic() - asked
        running.cancel()
        await worker.close()
        await service.runner.close()
        return took

    assert asyncio.run(scenario()) < 2
    time.sleep(0.3)
    assert list(job_env.exports_dir.iterdir()) == []


def test_a_job_arq_gives_up_on_ends_failed(job_env: JobEnv, queue: str) -> None:
    """A poison job that killed its worker every time: delivered once more than MAX_TRIES,
    the worker records the failure instead of running it."""

    async def scenario() -> None:
        service = _service(job_env, queue)
        job = job_env.jobs.create(
            owner_id=job_env.owner.id,
            format="csv",
            filename="x.csv",
            spec=ITEMS.model_dump(),
            runner="arq",
        )
        redis = await service.runner.redis()
        await redis.enqueue_job(
            EXPORT_FUNCTION, job.id, _job_id=arq_job_id(job.id), _job_try=MAX_TRIES + 1
        )
        worker = _worker(job_env, queue, burst=True)
        await worker.main()
        failed = await service.status(job.id, job_env.owner)
        assert (failed.status, failed.error) == ("failed", ABANDONED)
        await worker.close()
        await service.runner.close()

    asyncio.run(scenario())


@pytest.mark.slow
def test_sigkill_mid_export_leaves_no_file_and_a_retry_finishes_it(
    job_env: JobEnv, queue: str
) -> None:
    service = _service(job_env, queue)

    async def enqueue() -> JobView:
        job = await service.create(job_env.owner, BIG, "xlsx")
        await service.runner.close()  # its Redis pool belongs to this event loop
        return job

    job = asyncio.run(enqueue())
    # Paced, so the kill lands mid-export however fast the machine writes; a short lease, so
    # the retry starts seconds after the kill rather than a default lease (30 s) later.
    first = spawn_worker(job_env, queue, timeout_s=12, pause_ms=PACED_MS, lease_s=SHORT_LEASE_S)
    try:
        job_env.wait(job.id, lambda j: j.rows_written > 0, timeout=60)
        os.kill(first.pid, signal.SIGKILL)
        first.wait()
    finally:
        stop_worker(first)
    killed = job_env.jobs.get(job.id)
    assert killed is not None and killed.status == "running"
    assert not (job_env.exports_dir / f"{job.id}.xlsx").exists()
    with pytest.raises(Exception, match="running"):
        service.download(job.id, job_env.owner)

    second = spawn_worker(job_env, queue, timeout_s=120)
    try:  # ARQ re-delivers once the dead worker's lease (EXPORT_LEASE_S) lapses
        done = job_env.wait_finished(job.id, timeout=180)
    finally:
        stop_worker(second)
    assert (done.status, done.rows_written, done.attempts) == ("done", BIG_ROWS, 2)
    sheet = openpyxl.load_workbook(service.download(job.id, job_env.owner).path, read_only=True)
    assert sheet["Data"].max_row == BIG_ROWS + 1
    assert sorted(p.name for p in job_env.exports_dir.iterdir()) == [f"{job.id}.xlsx"]
    assert sweep(job_env.settings, job_env.store) == 0  # nothing of the killed try is left


def test_queued_exports_survive_redis_losing_its_keys(job_env: JobEnv, queue: str) -> None:
    """Redis runs without persistence: a restart drops every key. Deleting this test's
    queue keys is that restart, for this queue only (the server is shared)."""

    async def scenario() -> None:
        service = _service(job_env, queue)
        jobs = [await service.create(job_env.owner, ITEMS, "csv") for _ in range(3)]
        redis = await service.runner.redis()
        keys = [queue] + [f"arq:job:{arq_job_id(j.id)}" for j in jobs]
        assert await redis.delete(*keys) >= 1
        assert await service.runner.recover_lost() == 3
        assert await service.runner.recover_lost() == 0
        worker = _worker(job_env, queue, burst=True)
        await worker.main()
        assert worker.jobs_complete == 3
        for job in jobs:
            done = await service.status(job.id, job_env.owner)
            assert done.status == "done"
        await service.runner.close()

    asyncio.run(scenario())
