"""The export machinery of one API process, opened and closed with the app's lifespan.

With `REDIS_URL` set, jobs go to ARQ and the worker process runs them (and the schedule
tick); without it, a bounded in-process pool runs them and an in-process loop ticks the
schedules, so the embedded default needs no Redis.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Callable
from typing import Annotated

from fastapi import Depends, FastAPI, Request

from backend.config import Settings
from backend.jobs.arq_runner import ArqRunner
from backend.jobs.export_job import ExportDeps, ExportQueries
from backend.jobs.runner import InProcessRunner, JobRunner
from backend.jobs.scheduler import loop
from backend.jobs.service import ExportService
from backend.jobs.state import JobStore
from backend.jobs.sweep import sweep
from backend.security.context import auth_of
from backend.store.engine import Store

IN_PROCESS_WORKERS = 2
ExportCancel = Callable[[str], object]


def build_export_service(
    settings: Settings, store: Store, queries: ExportQueries, cancel_query: ExportCancel
) -> ExportService:
    jobs = JobStore(store)
    runner: JobRunner
    if settings.redis_url:
        runner = ArqRunner(jobs, settings.redis_url, settings.export_queue, settings=settings)
    else:
        in_process = InProcessRunner(
            ExportDeps(settings, store, queries, cancel_query), workers=IN_PROCESS_WORKERS
        )
        in_process.fail_orphans()
        runner = in_process
    return ExportService(settings, jobs, runner, queries)


async def open_exports(app: FastAPI, settings: Settings) -> ExportService:
    """Call from the lifespan after `app.state.services` is built."""
    store = auth_of(app).store
    services = app.state.services
    exports = build_export_service(settings, store, services.queries, services.adapter.cancel)
    app.state.exports = exports
    await asyncio.to_thread(sweep, settings, store)
    if not settings.redis_url:  # with Redis the ARQ worker's cron ticks the schedules
        app.state.export_scheduler = asyncio.create_task(loop(store, exports))
    return exports


async def close_exports(app: FastAPI) -> None:
    task: asyncio.Task[None] | None = getattr(app.state, "export_scheduler", None)
    if task is not None:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task
        app.state.export_scheduler = None
    exports: ExportService | None = getattr(app.state, "exports", None)
    if exports is not None:
        await exports.runner.close()
        app.state.exports = None


def get_exports(request: Request) -> ExportService:
    exports: ExportService = request.app.state.exports
    return exports


ExportsDep = Annotated[ExportService, Depends(get_exports)]
