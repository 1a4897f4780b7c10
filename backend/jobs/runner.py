"""One job interface, two runners: `InProcessRunner` here (no Redis: a bounded thread pool
in the API process) and `ArqRunner` (backend.jobs.arq_runner) when `REDIS_URL` is set."""

from __future__ import annotations

import datetime as dt
import logging
import threading
from concurrent.futures import ThreadPoolExecutor
from typing import Protocol

from backend.jobs.export_job import ExportDeps, run_export
from backend.jobs.state import JobStore, JobView
from backend.store.base import utcnow

log = logging.getLogger("aurora.exports")

RESTARTED = "The server restarted before this export finished; please start it again."
HEARTBEAT_S = 15.0
ORPHAN_AFTER_S = 90.0  # six missed heartbeats: the process is gone, not merely busy


class JobRunner(Protocol):
    """Runs export jobs whose row is already in the store; state is read from the store."""

    name: str

    async def submit(self, job_id: str) -> str: ...

    async def status(self, job_id: str) -> JobView | None: ...

    async def cancel(self, job_id: str) -> None: ...

    async def close(self) -> None: ...


class InProcessRunner:
    """At most `workers` exports at once in this process; more wait in the pool's queue.

    Several API processes may share one metadata store (`make run` starts API_WORKERS of
    them), so an active job in the store may belong to another live process. Each runner
    touches its jobs' heartbeat every HEARTBEAT_S; a job silent for ORPHAN_AFTER_S belonged
    to a process that is gone, and any process fails it (at start and once a minute)."""

    name = "inprocess"

    def __init__(self, deps: ExportDeps, workers: int = 2) -> None:
        self._deps = deps
        self._jobs = JobStore(deps.store)
        self._pool = ThreadPoolExecutor(workers, thread_name_prefix="export")
        self._stops: dict[str, threading.Event] = {}
        self._lock = threading.Lock()
        self._closed = threading.Event()
        self._heart: threading.Thread | None = None

    def fail_orphans(self, now: dt.datetime | None = None) -> int:
        """Fail the jobs no live process has touched lately; return how many."""
        before = (now or utcnow()) - dt.timedelta(seconds=ORPHAN_AFTER_S)
        orphans = self._jobs.stale_ids(self.name, before)
        for job_id in orphans:
            self._jobs.fail_stuck(job_id, RESTARTED)
        return len(orphans)

    async def submit(self, job_id: str) -> str:
        stop = threading.Event()
        with self._lock:
            self._stops[job_id] = stop
            if self._heart is None:
                self._heart = threading.Thread(target=self._beat, name="export-heartbeat")
                self._heart.daemon = True
                self._heart.start()
        self._jobs.touch([job_id])
        self._pool.submit(self._run, job_id, stop)
        return job_id

    def _beat(self) -> None:
        while not self._closed.wait(HEARTBEAT_S):
            with self._lock:
                held = list(self._stops)
            try:
                self._jobs.touch(held)
            except Exception:  # a busy store must not stop the heart; the margin is wide
                log.warning("could not touch the heartbeat of %d export(s)", len(held))

    def _run(self, job_id: str, stop: threading.Event) -> None:
        try:
            run_export(job_id, self._deps, stop=stop)
        except Exception:  # run_export records failures itself; this is its own bug
            log.exception("export %s crashed", job_id)
            self._jobs.fail_stuck(job_id, "The export failed unexpectedly; it has been logged.")
        finally:
            with self._lock:
                self._stops.pop(job_id, None)

    async def status(self, job_id: str) -> JobView | None:
        return self._jobs.get(job_id)

    async def cancel(self, job_id: str) -> None:
        with self._lock:
            stop = self._stops.get(job_id)
        if stop is not None:
            stop.set()

    async def close(self) -> None:
        self._closed.set()
        with self._lock:
            for stop in self._stops.values():
                stop.set()
        self._pool.shutdown(wait=True, cancel_futures=True)
