"""Maintenance runs off the request path: one thread per process, runs one at a time.

A compaction or a vacuum rewrites or deletes files for seconds to minutes, so the admin
route only queues it and answers 202 with a job id; `GET` on that id follows it. Runs take
turns (one thread), so two maintenance runs never race each other on a table; a concurrent
writer (an upload, a merge) makes a compaction fail with a conflict, never half-apply.
The newest `kept` jobs are remembered, in this process only.
"""

from __future__ import annotations

import logging
import threading
import uuid
from collections import OrderedDict
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Literal

from backend.errors import AuroraError
from backend.lake.maintenance import Report
from backend.store.base import utcnow

log = logging.getLogger("aurora.lake")

Status = Literal["queued", "running", "done", "failed"]


@dataclass(frozen=True)
class MaintenanceJob:
    id: str
    dataset: str
    action: str
    status: Status
    queued_at: datetime
    finished_at: datetime | None = None
    report: Report | None = None
    error: str | None = None


class MaintenanceJobs:
    def __init__(self, kept: int = 200) -> None:
        self._pool = ThreadPoolExecutor(1, thread_name_prefix="lake-maintenance")
        self._jobs: OrderedDict[str, MaintenanceJob] = OrderedDict()
        self._kept = kept
        self._lock = threading.Lock()

    def submit(self, dataset: str, action: str, work: Callable[[], Report]) -> MaintenanceJob:
        job = MaintenanceJob(uuid.uuid4().hex, dataset, action, "queued", utcnow())
        self._put(job)
        self._pool.submit(self._run, job, work)
        return job

    def get(self, job_id: str) -> MaintenanceJob | None:
        with self._lock:
            return self._jobs.get(job_id)

    def close(self) -> None:
        self._pool.shutdown(wait=False, cancel_futures=True)

    def _run(self, job: MaintenanceJob, work: Callable[[], Report]) -> None:
        self._put(replace(job, status="running"))
        try:
            report = work()
        except AuroraError as e:
            self._put(replace(job, status="failed", error=e.message, finished_at=utcnow()))
        except Exception as e:  # a failed run is reported on its job, never lost in a thread
            log.exception("lake maintenance failed", extra={"dataset": job.dataset})
            error = f"{type(e).__name__}: {e}"
            self._put(replace(job, status="failed", error=error, finished_at=utcnow()))
        else:
            self._put(replace(job, status="done", report=report, finished_at=utcnow()))

    def _put(self, job: MaintenanceJob) -> None:
        with self._lock:
            self._jobs[job.id] = job
            self._jobs.move_to_end(job.id)
            while len(self._jobs) > self._kept:
                self._jobs.popitem(last=False)
