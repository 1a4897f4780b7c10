"""`ArqRunner`: export jobs on ARQ, run by `arq backend.worker.WorkerSettings` processes.

Enqueued with `_job_id=export:<id>`, so a repeated submit is a no-op. State is still read
from the store; `status` also reads a running job's lease (backend.jobs.lease): lapsed and
waiting for another worker shows as the next attempt, restarting; and it reconciles a job
ARQ gave up on (out of tries, timed out) but whose row still says queued or running.
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import datetime as dt
import logging

from arq import create_pool
from arq.connections import ArqRedis
from arq.constants import in_progress_key_prefix
from arq.jobs import Job, JobStatus

from backend.config import Settings
from backend.jobs.arq_config import (
    EXPORT_FUNCTION,
    MAX_TRIES,
    arq_job_id,
    queue_name,
    redis_settings,
)
from backend.jobs.files import export_path, remove_parts
from backend.jobs.models import ACTIVE
from backend.jobs.state import JobStore, JobView
from backend.store.base import utcnow

log = logging.getLogger("aurora.exports")

ABANDONED = (
    f"The export's worker stopped (it crashed or was killed) during each of its {MAX_TRIES} "
    "attempts, so the export was given up. Try again; if it keeps happening, tell your "
    "administrator."
)
LOST = "The export queue lost this export after its worker stopped; please start it again."
TIMED_OUT = "The export ran past the worker's time limit (AURORA_EXPORT_TIMEOUT_S)."


class ArqRunner:
    name = "arq"

    def __init__(
        self, jobs: JobStore, redis_url: str, queue: str | None = None, *, settings: Settings
    ) -> None:
        self._jobs = jobs
        self._url = redis_url
        self._queue = queue or queue_name()
        self._settings = settings
        self._lease = dt.timedelta(seconds=settings.export_lease_s)
        self._pool: ArqRedis | None = None
        self._lock = asyncio.Lock()

    async def redis(self) -> ArqRedis:
        async with self._lock:
            if self._pool is None:
                self._pool = await create_pool(
                    redis_settings(self._url), default_queue_name=self._queue
                )
            return self._pool

    def _job(self, redis: ArqRedis, job_id: str) -> Job:
        return Job(arq_job_id(job_id), redis, _queue_name=self._queue)

    async def submit(self, job_id: str) -> str:
        redis = await self.redis()
        await redis.enqueue_job(EXPORT_FUNCTION, job_id, _job_id=arq_job_id(job_id))
        return job_id

    async def status(self, job_id: str) -> JobView | None:
        job = self._jobs.get(job_id)
        if job is None or job.status not in ACTIVE:
            return job
        redis = await self.redis()
        info = await self._job(redis, job_id).result_info()
        if info is not None and not info.success:
            return self._ended(job, info.result)
        if job.status == "queued":
            return job
        return await self._leased(redis, job)

    def _ended(self, job: JobView, result: object) -> JobView | None:
        """ARQ finished it without our code recording an end: aborted, timed out, out of
        tries."""
        log.warning("export %s ended in ARQ with %r", job.id, result)
        if job.cancel_requested:
            self._jobs.finish(job.id, "cancelled")
        elif isinstance(result, TimeoutError | asyncio.CancelledError):
            self._jobs.fail_stuck(job.id, TIMED_OUT)
        else:
            self._give_up(job, ABANDONED)
        return self._jobs.get(job.id)

    async def _leased(self, redis: ArqRedis, job: JobView) -> JobView | None:
        """A running job as its lease tells it: held (running), lapsed and waiting in ARQ's
        queue for another worker (the next attempt, restarting), or lapsed with nothing left
        to run it (failed, once its heartbeat has been silent for a whole lease)."""
        if await redis.exists(in_progress_key_prefix + arq_job_id(job.id)):
            return job
        waiting = await redis.zscore(self._queue, arq_job_id(job.id)) is not None
        if waiting and job.cancel_requested:  # no worker runs it to notice the cancel
            self._jobs.finish(job.id, "cancelled")
            return self._jobs.get(job.id)
        if waiting and job.attempts < MAX_TRIES:
            return dataclasses.replace(
                job, attempts=job.attempts + 1, rows_written=0, restarting=True
            )
        silent_since = job.heartbeat_at or job.created_at
        if utcnow() - silent_since < self._lease:
            return job
        return self._give_up(job, ABANDONED if waiting else LOST)

    def _give_up(self, job: JobView, reason: str) -> JobView | None:
        self._jobs.fail_stuck(job.id, reason)
        remove_parts(export_path(self._settings, job.id, job.format))  # the dead attempts'
        return self._jobs.get(job.id)

    async def recover_lost(self) -> int:
        """Re-enqueue queued jobs that Redis no longer knows (a Redis restart keeps nothing
        here): the store is the record, Redis only the delivery. Running jobs are left
        alone, since their worker may still be writing them."""
        redis = await self.redis()
        lost = [
            job_id
            for job_id in self._jobs.queued_ids(self.name)
            if await self._job(redis, job_id).status() == JobStatus.not_found
        ]
        for job_id in lost:
            log.warning("export %s was lost by Redis; enqueued again", job_id)
            await self.submit(job_id)
        return len(lost)

    async def cancel(self, job_id: str) -> None:
        """The store flag (set by the caller) stops a running job; the abort also drops it
        from the queue if no worker has picked it up yet."""
        with contextlib.suppress(TimeoutError):
            await self._job(await self.redis(), job_id).abort(timeout=0.05, poll_delay=0.05)

    async def close(self) -> None:
        if self._pool is not None:
            await self._pool.aclose()
            self._pool = None
