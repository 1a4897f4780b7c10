"""Findings about one measure: anomalies, trend and top movers (backend.insights)."""

from __future__ import annotations

import time

from fastapi import APIRouter, Depends, Request

from backend import audit
from backend.deps import CurrentUser, QueriesDep, require_user
from backend.errors import AuroraError
from backend.insights.models import InsightsRequest, InsightsResponse
from backend.insights.service import Insights
from backend.routes.disconnect import cancel_on_disconnect
from backend.security.principal import User

router = APIRouter(tags=["query"], dependencies=[Depends(require_user)])


@router.post("/insights", response_model=InsightsResponse)
async def insights(
    body: InsightsRequest, user: CurrentUser, queries: QueriesDep, request: Request
) -> InsightsResponse:
    """Short findings, each with a sentence and the spec that shows it; computed in SQL over
    the compiled spec, so vintage, row-level security, hidden columns and the gate apply."""
    started = time.perf_counter()
    try:
        found = await cancel_on_disconnect(request, Insights(queries).find(body, user))
    except AuroraError as e:
        _record(request, user, body, started, rows=None, status=e.code, error=e.message)
        raise
    _record(request, user, body, started, rows=len(found.findings), status="ok")
    return found


def _record(
    request: Request,
    user: User,
    body: InsightsRequest,
    started: float,
    *,
    rows: int | None,
    status: str,
    error: str | None = None,
) -> None:
    """One `query.insights` audit row, like a query run's: rows are the findings."""
    elapsed = (time.perf_counter() - started) * 1000
    detail = audit.query_detail(
        body.spec, rows=rows, elapsed_ms=elapsed, status=status, error=error
    )
    audit.record(
        "query.insights", user=user, dataset=body.spec.dataset, request=request, detail=detail
    )
