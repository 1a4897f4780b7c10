"""The totals row of an aggregated grid."""

from __future__ import annotations

from dataclasses import asdict
from typing import Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel

from backend.deps import CurrentUser, QueriesDep, require_user
from backend.query.spec import QuerySpec
from backend.routes.disconnect import cancel_on_disconnect
from backend.routes.query import ColumnOut
from backend.services.summaries import grand_total

router = APIRouter(tags=["query"], dependencies=[Depends(require_user)])


class TotalsResponse(BaseModel):
    columns: list[ColumnOut]
    row: list[Any] | None
    sql: str


@router.post("/totals", response_model=TotalsResponse)
async def totals(
    spec: QuerySpec, user: CurrentUser, queries: QueriesDep, request: Request
) -> JSONResponse:
    """One row: the spec's measures over the rows of every group it shows (under a measure
    filter, only the groups that pass it; with a top N `limit`, only those N), NULL in the
    group-by columns; the spec's page and `totals` are ignored, and its sort unless it has a
    `limit`. Row-level security, vintage and the cost gate apply."""
    found = await cancel_on_disconnect(request, grand_total(queries, spec, user))
    return JSONResponse(asdict(found))
