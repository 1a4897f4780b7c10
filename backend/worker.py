"""The ARQ worker: `arq backend.worker.WorkerSettings`.

It runs export jobs (the same `run_export` the in-process runner uses), the schedule tick
every minute, and the expiry sweep. Settings come from the environment like the API's, so
both see the same metadata store, warehouse and Redis.
"""

from __future__ import annotations

import asyncio
import threading
from typing import Any

from arq import cron, func

from backend.alerts.ticker import tick as alert_tick
from backend.config import get_settings
from backend.delivery.schedule_runs import deliver_ready
from backend.jobs.arq_config import (
    DEFAULT_REDIS,
    EXPORT_FUNCTION,
    MAX_TRIES,
    arq_job_id,
    job_timeout_s,
    queue_name,
    redis_settings,
)
from backend.jobs.arq_runner import ABANDONED, ArqRunner
from backend.jobs.export_job import ExportDeps, run_export
from backend.jobs.files import export_path, remove_parts
from backend.jobs.lease import Lease
from backend.jobs.scheduler import tick
from backend.jobs.sweep import sweep
from backend.lake import cdc_ticker
from backend.wiring import AppContext


async def startup(ctx: dict[str, Any]) -> None:
    context = await AppContext.open(get_settings(), worker=True)
    ctx["context"] = context
    ctx["deps"] = context.export_deps
    ctx["exports"] = context.exports
    runner = context.exports.runner
    assert isinstance(runner, ArqRunner), "the worker's exports always go through ARQ"
    await runner.recover_lost()


async def shutdown(ctx: dict[str, Any]) -> None:
    if "context" in ctx:
        await ctx["context"].close()


async def export_job(ctx: dict[str, Any], job_id: str) -> str:
    """One attempt of an export, holding its lease (backend.jobs.lease) while it runs. An
    ARQ abort or timeout cancels this coroutine, and a lost lease sets the stop event too;
    either ends the writing thread between two chunks."""
    deps: ExportDeps = ctx["deps"]
    attempt = int(ctx.get("job_try", 1))
    if attempt > MAX_TRIES:  # delivered again: the last attempt's worker died too
        return await asyncio.to_thread(give_up, deps, job_id)
    stop = threading.Event()
    lease = Lease(
        ctx["redis"],
        ctx.get("job_id", arq_job_id(job_id)),
        deps.settings.export_lease_s,
        on_lost=stop.set,
        fence=(deps.jobs, job_id, attempt),
    )
    async with lease:
        try:
            ended = await asyncio.to_thread(run_export, job_id, deps, attempt=attempt, stop=stop)
        except asyncio.CancelledError:
            stop.set()
            raise
    return "superseded" if lease.lost else ended


def give_up(deps: ExportDeps, job_id: str) -> str:
    """End an export whose every attempt's worker died, and delete what the last one left."""
    job = deps.jobs.get(job_id)
    if job is not None:
        deps.jobs.fail_stuck(job_id, ABANDONED)
        remove_parts(export_path(deps.settings, job_id, job.format))
    return "failed"


async def schedule_tick(ctx: dict[str, Any]) -> int:
    """Every minute: start due scheduled exports (claimed in the store, so exactly once),
    and bring back queued exports a Redis restart lost."""
    deps: ExportDeps = ctx["deps"]
    await ctx["exports"].runner.recover_lost()
    return await tick(deps.store, ctx["exports"])


async def check_alerts(ctx: dict[str, Any]) -> int:
    """Every minute: check the alerts that are due (claimed in the store, so once)."""
    return await alert_tick(ctx["context"].alert_deps)


async def deliver_runs(ctx: dict[str, Any]) -> int:
    """Every minute: send the scheduled runs whose export is done to their recipients, each
    claimed in the store, so exactly once (backend.delivery.schedule_runs)."""
    context: AppContext = ctx["context"]
    return await deliver_ready(context.run_delivery)


async def poll_cdc_sources(ctx: dict[str, Any]) -> int:
    """Every few seconds: poll the CDC sources that are due, each claimed in the store, so
    once (backend.lake.cdc_ticker); the watermark is committed with the version."""
    context: AppContext = ctx["context"]
    return await cdc_ticker.tick(context.cdc_sources, context.services.catalog.refresh)


async def sweep_exports(ctx: dict[str, Any]) -> int:
    deps: ExportDeps = ctx["deps"]
    return await asyncio.to_thread(sweep, deps.settings, deps.store)


class WorkerSettings:
    functions = [
        # One try more than MAX_TRIES: that delivery records the failure (see export_job).
        func(export_job, name=EXPORT_FUNCTION, max_tries=MAX_TRIES + 1, timeout=job_timeout_s())
    ]
    cron_jobs = [
        cron(schedule_tick, second={1}, unique=True, run_at_startup=False),
        cron(check_alerts, second={15}, unique=True, run_at_startup=False),
        cron(deliver_runs, second={31}, unique=True, run_at_startup=False),
        cron(poll_cdc_sources, second=set(range(0, 60, cdc_ticker.TICK_S)), unique=True),
        cron(sweep_exports, minute=set(range(0, 60, 10)), second={30}, unique=True),
    ]
    on_startup = startup
    on_shutdown = shutdown
    redis_settings = redis_settings(get_settings().redis_url or DEFAULT_REDIS)
    queue_name = queue_name()
    allow_abort_jobs = True
    # ARQ takes a job for its longest function timeout + 10 s; an export shortens that to
    # its lease at once (backend.jobs.lease). A dead worker's schedule tick is not waited
    # for: the next minute's tick restarts a run it left half-started.
    job_timeout = job_timeout_s()
    max_jobs = 2
    keep_result = 3600
    health_check_interval = 30
