"""One job interface, two runners: `InProcessRunner` here (no Redis: a bounded thread pool
in the API process) and `ArqRunner` (backend.jobs.arq_runner) when `REDIS_URL` is set."""

from __future__ import annotations

import logging
import threading
from concurrent.futures import ThreadPoolExecutor
from typing import Protocol

from backend.jobs.export_job import ExportDeps, run_export
from backend.jobs.state import JobStore, JobView

log = logging.getLogger("aurora.exports")

RESTARTED = "The server restarted before this export finished; please start it again."


class JobRunner(Protocol):
    """Runs export jobs whose row is already in the store; state is read from the store."""

    name: str

    async def submit(self, job_id: str) -> str: ...

    async def status(self, job_id: str) -> JobView | None: ...

    async def cancel(self, job_id: str) -> None: ...

    async def close(self) -> None: ...


class InProcessRunner:
    """At most `workers` exports at once in this process; more wait in the pool's queue."""

    name = "inprocess"

    def __init__(self, deps: ExportDeps, workers: int = 2) -> None:
        self._deps = deps
        self._jobs = JobStore(deps.store)
        self._pool = ThreadPoolExecutor(workers, thread_name_prefix="export")
        self._stops: dict[str, threading.Event] = {}
        self._lock = threading.Lock()

    def fail_orphans(self) -> None:
        """Jobs of this runner still active at start belonged to a process that is gone."""
        for job_id in self._jobs.active_ids(self.name):
            self._jobs.fail_stuck(job_id, RESTARTED)

    async def submit(self, job_id: str) -> str:
        stop = threading.Event()
        with self._lock:
            self._stops[job_id] = stop
        self._pool.submit(self._run, job_id, stop)
        return job_id

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
        with self._lock:
            for stop in self._stops.values():
                stop.set()
        self._pool.shutdown(wait=True, cancel_futures=True)
