"""Run a query use case and leave one audit row for it, whatever the outcome."""

from __future__ import annotations

import time
from collections.abc import Awaitable

from fastapi import Request

from backend import audit
from backend.errors import AuroraError
from backend.query.spec import QuerySpec
from backend.routes.disconnect import cancel_on_disconnect
from backend.security.principal import User
from backend.services.queries import PageResult
from backend.services.usage import spec_usage


async def audited_page(
    request: Request,
    user: User,
    spec: QuerySpec,
    work: Awaitable[PageResult],
    *,
    action: str,
    watch: bool = True,
) -> PageResult:
    """`action` is `query.run` or `query.preview`; failures are recorded with their code.
    `watch`: cancel the work when the client disconnects (False: a streamed response,
    which its stream cancels itself)."""
    started = time.perf_counter()
    try:
        result = await (cancel_on_disconnect(request, work) if watch else work)
    except AuroraError as e:
        _record(request, user, spec, action, started, rows=None, status=e.code, error=e.message)
        raise
    _record(request, user, spec, action, started, rows=len(result.rows), status="ok")
    return result


def record_answered(
    request: Request, user: User, spec: QuerySpec, *, action: str, rows: int
) -> None:
    """The audit row of a request answered from a kept response (no query ran): the same
    record as a run's, so every read of data is still audited per request."""
    _record(request, user, spec, action, time.perf_counter(), rows=rows, status="ok")


def _record(
    request: Request,
    user: User,
    spec: QuerySpec,
    action: str,
    started: float,
    *,
    rows: int | None,
    status: str,
    error: str | None = None,
) -> None:
    elapsed = (time.perf_counter() - started) * 1000
    metrics = getattr(request.app.state, "metrics", None)
    if metrics is not None:
        metrics.query_seconds.labels(spec.dataset, status).observe(elapsed / 1000)
    detail = audit.query_detail(spec, rows=rows, elapsed_ms=elapsed, status=status, error=error)
    detail["usage"] = spec_usage(spec)
    audit.record(action, user=user, dataset=spec.dataset, request=request, detail=detail)
