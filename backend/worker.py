"""The ARQ worker: `arq backend.worker.WorkerSettings`.

It runs export jobs (the same `run_export` the in-process runner uses), the schedule tick
every minute, and the expiry sweep. Settings come from the environment like the API's, so
both see the same metadata store, warehouse and Redis.
"""

from __future__ import annotations

import asyncio
import threading
from typing import Any

from arq import func

from backend.config import get_settings
from backend.jobs.arq_config import (
    EXPORT_FUNCTION,
    MAX_TRIES,
    job_timeout_s,
    queue_name,
    redis_settings,
)
from backend.jobs.export_job import ExportDeps, run_export
from backend.store.engine import Store, default_url

DEFAULT_REDIS = "redis://127.0.0.1:6379/0"


async def startup(ctx: dict[str, Any]) -> None:
    from backend.services.container import build_services

    settings = get_settings()
    store = Store(default_url(settings))
    await asyncio.to_thread(store.migrate)
    services = build_services(settings)
    ctx["services"] = services
    ctx["deps"] = ExportDeps(settings, store, services.queries, services.adapter.cancel)


async def shutdown(ctx: dict[str, Any]) -> None:
    if "services" in ctx:
        ctx["services"].close()
    if "deps" in ctx:
        ctx["deps"].store.close()


async def export_job(ctx: dict[str, Any], job_id: str) -> str:
    """One export; an ARQ abort or timeout cancels this coroutine, and the stop event then
    ends the writing thread between two chunks."""
    stop = threading.Event()
    deps: ExportDeps = ctx["deps"]
    try:
        return await asyncio.to_thread(
            run_export, job_id, deps, attempt=int(ctx.get("job_try", 1)), stop=stop
        )
    except asyncio.CancelledError:
        stop.set()
        raise


class WorkerSettings:
    functions = [
        func(export_job, name=EXPORT_FUNCTION, max_tries=MAX_TRIES, timeout=job_timeout_s())
    ]
    cron_jobs: list[Any] = []
    on_startup = startup
    on_shutdown = shutdown
    redis_settings = redis_settings(get_settings().redis_url or DEFAULT_REDIS)
    queue_name = queue_name()
    allow_abort_jobs = True
    max_jobs = 2
    keep_result = 3600
    health_check_interval = 30
