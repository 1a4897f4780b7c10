"""Indexing advice: the columns users actually filter and join a dataset on (from the audit
log) and whether the database has an index that starts with each."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query
from pydantic import BaseModel

from backend import audit_log
from backend.deps import AuthDep, ServicesDep, require_admin
from backend.services.usage import column_usage

router = APIRouter(prefix="/admin/datasets", tags=["admin"], dependencies=[Depends(require_admin)])

_NO_INDEXES = (
    "This database has no indexes (DuckDB over Parquet): filters are served by row-group "
    "min/max statistics, so write files sorted by the most used filter column."
)


class ColumnAdvice(BaseModel):
    column: str
    filter_uses: int
    join_uses: int
    indexed: bool | None


class Advice(BaseModel):
    dataset: str
    queries_read: int
    columns: list[ColumnAdvice]
    note: str | None


@router.get("/{key}/advice", response_model=Advice)
def advice(
    key: str,
    auth: AuthDep,
    services: ServicesDep,
    recent: Annotated[int, Query(ge=1, le=100_000)] = 10_000,
) -> Advice:
    dataset = services.catalog.get(key)
    with auth.store.session() as session:
        details = audit_log.recent_details(session, "query.run", recent)
    usage = column_usage(details, key)
    leading = _leading_index_columns(services.adapter, dataset.relation)
    names = sorted(
        set(usage["filter"]) | set(usage["join"]),
        key=lambda c: (-(usage["filter"][c] + usage["join"][c]), c),
    )
    return Advice(
        dataset=key,
        queries_read=len(details),
        columns=[
            ColumnAdvice(
                column=c,
                filter_uses=usage["filter"][c],
                join_uses=usage["join"][c],
                indexed=None if leading is None else c in leading,
            )
            for c in names
        ],
        note=None if leading is not None else _NO_INDEXES,
    )


def _leading_index_columns(adapter: object, relation: str) -> set[str] | None:
    """First columns of the relation's indexes; None where the database has no indexes."""
    index_columns = getattr(adapter, "index_columns", None)
    if index_columns is None:
        return None
    return {cols[0] for cols in index_columns(relation) if cols}
