"""`/metrics` for Prometheus. It names datasets and routes, so it is for admins: scrape with
an admin's API key (`X-API-Key` in Prometheus' `http_headers`)."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Response
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest

from backend.deps import MetricsDep, require_admin

router = APIRouter(tags=["metrics"], dependencies=[Depends(require_admin)])


@router.get("/metrics", response_class=Response)
def metrics(registry: MetricsDep) -> Response:
    return Response(generate_latest(registry.registry), media_type=CONTENT_TYPE_LATEST)
