"""The lease's two halves without worker processes: ARQ's in-progress key on the real Redis
(database 9, a key of this test's own) kept to the lease by the heartbeat, and the attempt
fence in the store that lets only a job's latest attempt record anything."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Callable
from typing import Any

import pytest
from arq import create_pool
from arq.constants import in_progress_key_prefix

from backend.jobs.arq_config import arq_job_id, redis_settings
from backend.jobs.arq_runner import ArqRunner
from backend.jobs.lease import Lease
from backend.jobs.service import ExportService
from backend.jobs.state import JobStore, JobView
from backend.query.spec import QuerySpec
from tests.jobs.conftest import REDIS_URL, JobEnv

ARQ_CLAIM_MS = 3_610_000  # what ARQ sets when it takes a job: the timeout (3600 s) + 10 s


def _job(env: JobEnv) -> JobView:
    spec = QuerySpec(dataset="items").model_dump()
    return env.jobs.create(owner_id=env.owner.id, format="csv", filename="x.csv", spec=spec)


@pytest.mark.parametrize(
    ("write", "seen"),
    [
        (lambda jobs, i: jobs.progress(i, 999, attempt=1), lambda j: j.rows_written == 0),
        (lambda jobs, i: jobs.finish(i, "done", attempt=1), lambda j: j.status == "running"),
        (lambda jobs, i: jobs.finish(i, "failed", attempt=1), lambda j: j.error is None),
        (lambda jobs, i: jobs.requeue(i, "stop", attempt=1), lambda j: j.status == "running"),
    ],
    ids=["progress", "done", "failed", "requeue"],
)
def test_an_attempt_a_later_one_took_over_records_nothing(
    job_env: JobEnv,
    write: Callable[[JobStore, str], Any],
    seen: Callable[[JobView], bool],
) -> None:
    job = _job(job_env)
    job_env.jobs.start(job.id, attempt=1)
    job_env.jobs.start(job.id, attempt=2)  # the lease lapsed; another worker has it now
    write(job_env.jobs, job.id)
    now = job_env.jobs.get(job.id)
    assert now is not None and now.attempts == 2 and seen(now)
    assert job_env.jobs.renew(job.id, 1) is False
    assert job_env.jobs.renew(job.id, 2) is True


async def _lease_scenario(env: JobEnv, scenario: Callable[..., Any]) -> Any:
    redis = await create_pool(redis_settings(REDIS_URL))
    arq_id = f"export:test-{uuid.uuid4().hex[:10]}"
    key = in_progress_key_prefix + arq_id
    await redis.psetex(key, ARQ_CLAIM_MS, b"1")
    job = _job(env)
    env.jobs.start(job.id, attempt=1)
    lost: list[bool] = []
    lease = Lease(redis, arq_id, 0.6, lambda: lost.append(True), fence=(env.jobs, job.id, 1))
    try:
        async with lease:
            return await scenario(redis, key, job, lost)
    finally:
        await redis.delete(key)
        await redis.aclose()


@pytest.mark.redis
def test_the_heartbeat_holds_arqs_claim_to_the_lease_not_the_timeout(job_env: JobEnv) -> None:
    async def scenario(redis: Any, key: str, job: JobView, lost: list[bool]) -> None:
        assert 0 < await redis.pttl(key) <= 600  # shortened at once
        await asyncio.sleep(1.5)  # past two leases: only the heartbeat keeps it
        assert 0 < await redis.pttl(key) <= 600 and lost == []
        await redis.delete(key)  # this worker stalled past its lease; nobody else took it
        await asyncio.sleep(0.3)
        assert await redis.exists(key) and lost == []  # so it takes its claim back

    asyncio.run(_lease_scenario(job_env, scenario))


@pytest.mark.redis
def test_a_later_attempt_in_the_store_stops_this_one(job_env: JobEnv) -> None:
    async def scenario(redis: Any, key: str, job: JobView, lost: list[bool]) -> None:
        job_env.jobs.start(job.id, attempt=2)  # another worker took the job over
        await asyncio.sleep(0.4)
        assert lost == [True]

    asyncio.run(_lease_scenario(job_env, scenario))


@pytest.mark.redis
def test_a_lapsed_lease_reads_as_the_next_attempt_restarting_until_cancelled(
    job_env: JobEnv, queue: str
) -> None:
    """A worker took the job and died: its row says running, ARQ's claim has expired and the
    job waits in the queue. No worker runs here, so the job stays waiting."""

    async def scenario() -> tuple[JobView | None, JobView | None]:
        runner = ArqRunner(job_env.jobs, REDIS_URL, queue, settings=job_env.settings)
        service = ExportService(job_env.settings, job_env.jobs, runner, job_env.services.queries)
        job = await service.create(job_env.owner, QuerySpec(dataset="items"), "csv")
        job_env.jobs.start(job.id, attempt=1)
        waiting = await runner.status(job.id)
        await service.cancel(job.id, job_env.owner)
        cancelled = await runner.status(job.id)
        await (await runner.redis()).delete(f"arq:job:{arq_job_id(job.id)}")
        await runner.close()
        return waiting, cancelled

    waiting, cancelled = asyncio.run(scenario())
    assert waiting is not None and (waiting.status, waiting.attempts) == ("running", 2)
    assert waiting.restarting and waiting.rows_written == 0
    assert cancelled is not None and cancelled.status == "cancelled"
