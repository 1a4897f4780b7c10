"""The names the API and the ARQ worker must agree on."""

from __future__ import annotations

from arq.connections import RedisSettings

from backend.config import get_settings
from backend.jobs.models import MAX_ATTEMPTS

DEFAULT_REDIS = "redis://127.0.0.1:6379/0"  # the worker's, when REDIS_URL is not set
EXPORT_FUNCTION = "export_job"
MAX_TRIES = MAX_ATTEMPTS["arq"]


def queue_name() -> str:
    """`AURORA_EXPORT_QUEUE`: tests give each run its own queue on a shared Redis."""
    return get_settings().export_queue


def job_timeout_s() -> int:
    """`AURORA_EXPORT_TIMEOUT_S`: the longest one export attempt may run. A dead worker's
    job is noticed by its lease (`EXPORT_LEASE_S`, backend.jobs.lease), not by this."""
    return get_settings().export_timeout_s


def redis_settings(url: str) -> RedisSettings:
    return RedisSettings.from_dsn(url)


def arq_job_id(job_id: str) -> str:
    return f"export:{job_id}"
