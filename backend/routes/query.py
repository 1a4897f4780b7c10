"""Run, preview, explain and show the SQL of a query spec."""

from __future__ import annotations

from dataclasses import asdict
from typing import Any, Literal

from fastapi import APIRouter, Depends, Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field

from backend.deps import CurrentUser, QueriesDep, require_user
from backend.query.spec import QuerySpec
from backend.routes.audited import audited_page
from backend.routes.disconnect import cancel_on_disconnect
from backend.services.joined_schema import JoinedSchema, SchemaColumn
from backend.services.offload import cells, json_response, off_loop
from backend.services.queries import ExplainResult

router = APIRouter(tags=["query"], dependencies=[Depends(require_user)])


class ColumnOut(BaseModel):
    name: str
    type: str
    label: str
    format: str | None = None


class QueryResponse(BaseModel):
    columns: list[ColumnOut]
    rows: list[list[Any]]
    page: int
    page_size: int
    total_rows: int | None
    sql: str
    elapsed_ms: float
    total_pending: bool = False  # total_rows is null while a count runs: ask POST /api/count


class CountResponse(BaseModel):
    total_rows: int


class PreviewResponse(QueryResponse):
    schema_: list[SchemaColumn] = Field(alias="schema")


class SqlResponse(BaseModel):
    sql: str
    dialect: str


# Pages are returned as plain JSON (validated once by the service, not again per row).
@router.post("/query", response_model=QueryResponse)
async def run_query(
    spec: QuerySpec, user: CurrentUser, queries: QueriesDep, request: Request
) -> JSONResponse:
    work = queries.page(spec, user)
    result = await audited_page(request, user, spec, work, action="query.run")
    return await json_response(result.as_dict, cells(result.rows))


@router.post("/count", response_model=CountResponse)
async def count(
    spec: QuerySpec, user: CurrentUser, queries: QueriesDep, request: Request
) -> CountResponse:
    """The spec's row count (page and page_size ignored), cached with its pages; joins the
    count a page of the same spec already started."""
    total = await cancel_on_disconnect(request, queries.count(spec, user))
    return CountResponse(total_rows=total)


@router.post("/preview", response_model=PreviewResponse)
async def preview(
    spec: QuerySpec, user: CurrentUser, queries: QueriesDep, request: Request
) -> JSONResponse:
    """At most PREVIEW_ROWS rows; `schema` lists every column the datasets and joins make
    available, with its source dataset."""
    work = queries.preview(spec, user)
    result = await audited_page(request, user, spec, work, action="query.preview")
    schema = await off_loop(queries.joined_schema, spec, user)

    def body() -> dict[str, Any]:
        return {**asdict(result), "schema": [asdict(c) for c in schema.columns]}

    return await json_response(body, cells(result.rows))


@router.post("/explain", response_model=ExplainResult)
async def explain(
    spec: QuerySpec, user: CurrentUser, queries: QueriesDep, request: Request
) -> ExplainResult:
    return await cancel_on_disconnect(request, queries.explain(spec, user))


@router.post("/joined-schema", response_model=JoinedSchema)
async def joined_schema(spec: QuerySpec, user: CurrentUser, queries: QueriesDep) -> JoinedSchema:
    """The columns of the joined result with their source dataset, before anything runs."""
    return await off_loop(queries.joined_schema, spec, user)


@router.post("/sql", response_model=SqlResponse)
async def sql(
    spec: QuerySpec,
    user: CurrentUser,
    queries: QueriesDep,
    dialect: Literal["duckdb", "postgres", "oracle"] = "duckdb",
) -> SqlResponse:
    return SqlResponse(sql=await off_loop(queries.sql, spec, user, dialect), dialect=dialect)
