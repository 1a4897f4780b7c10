"""The datasets a caller may see, their columns and vintages, and distinct values."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict, replace
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel
from sqlglot import exp

from backend.catalog.delta import Change
from backend.catalog.models import Dataset
from backend.catalog.vintage import default_vintage
from backend.deps import CurrentUser, ServicesDep, require_user
from backend.query.spec import Vintage
from backend.routes.disconnect import cancel_on_disconnect
from backend.services import summaries

router = APIRouter(tags=["datasets"], dependencies=[Depends(require_user)])


class DatasetSummary(BaseModel):
    key: str
    label: str
    description: str | None


class ColumnDetail(BaseModel):
    name: str
    type: str
    label: str
    description: str | None = None
    format: str | None = None


class LoadId(BaseModel):
    load_id: Any
    rows: int | None = None


class LoadTypeOption(BaseModel):
    load_type: str | None
    load_ids: list[LoadId]


class VintageDetail(BaseModel):
    load_type_column: str | None
    load_id_column: str | None
    default_load_type: str | None
    options: list[LoadTypeOption]


class DefaultVintage(BaseModel):
    load_type: str | None
    load_id: Any


class DatasetDetail(DatasetSummary):
    columns: list[ColumnDetail]
    vintage: VintageDetail | None
    # The one load the dataset opens on (backend.catalog.vintage.default_vintage); clients
    # send it as the spec's vintage. None without load columns.
    default_vintage: DefaultVintage | None = None
    row_estimate: int | None
    mandatory_filters: list[str] = []
    # Row-level security for the caller: "none", "filtered" (some rows), or "no_rows" (a
    # rule's attribute the caller lacks: every row is filtered out, so clients can say why).
    row_security: Literal["none", "filtered", "no_rows"] = "none"


class ValuesResponse(BaseModel):
    column: str
    values: list[Any]


def _summary(d: Dataset) -> DatasetSummary:
    return DatasetSummary(key=d.key, label=d.display, description=d.description)


@router.get("/datasets", response_model=list[DatasetSummary])
def list_datasets(user: CurrentUser, services: ServicesDep) -> list[DatasetSummary]:
    return [_summary(d) for d in services.policy.datasets_for(user)]


@router.get("/datasets/{key}", response_model=DatasetDetail)
def get_dataset(key: str, user: CurrentUser, services: ServicesDep) -> DatasetDetail:
    dataset = services.policy.dataset_for(key, user)
    predicates = services.policy.rls_for(user).get(key) or []
    filtered = bool(predicates)
    vintage = _vintage(services, dataset, hide_counts=filtered)
    return DatasetDetail(
        **_summary(dataset).model_dump(),
        columns=[
            ColumnDetail(
                name=c.name,
                type=c.type,
                label=c.display,
                description=c.description,
                format=c.format,
            )
            for c in dataset.columns
        ],
        vintage=vintage,
        default_vintage=_default_vintage(services, dataset) if vintage else None,
        row_estimate=None if filtered else dataset.row_estimate,
        mandatory_filters=list(dataset.mandatory_filters),
        row_security=_row_security(predicates),
    )


def _row_security(predicates: Sequence[exp.Expression]) -> str:
    """FALSE among the caller's row filters means none of the rows can pass."""
    if not predicates:
        return "none"
    return "no_rows" if any(p == exp.false() for p in predicates) else "filtered"


def _vintage(services: Any, dataset: Dataset, *, hide_counts: bool) -> VintageDetail | None:
    """Load types with their load ids, newest first. Row counts are the whole load's, so
    they are left out for callers whose rows are filtered by row-level security."""
    v = dataset.vintage
    if v is None:
        return None
    options = [
        LoadTypeOption(
            load_type=o["load_type"],
            load_ids=[
                LoadId(load_id=i["load_id"], rows=None if hide_counts else i.get("rows"))
                for i in o["load_ids"]
            ],
        )
        for o in services.catalog.vintage_options(dataset.key)
    ]
    return VintageDetail(
        load_type_column=v.load_type,
        load_id_column=v.load_id,
        default_load_type=v.default_load_type,
        options=options,
    )


def _default_vintage(services: Any, dataset: Dataset) -> DefaultVintage | None:
    """From the whole loads' options (row counts break ties), the same for every caller."""
    assert dataset.vintage is not None
    options = services.catalog.vintage_options(dataset.key)
    found = default_vintage(options, dataset.vintage.default_load_type)
    return DefaultVintage(**found) if found else None


class History(BaseModel):
    dataset: str
    versioned: bool
    current_version: int | None
    versions: list[Change]


@router.get("/datasets/{key}/history", response_model=History)
def dataset_history(
    key: str,
    user: CurrentUser,
    services: ServicesDep,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
) -> History:
    """The dataset's versions, newest first: a Delta table's commits, each readable with
    the spec's `as_of`. A dataset without versions (plain Parquet, a database table) answers
    `versioned: false` and no versions. Row counts are whole-table figures, so a caller
    under row-level security gets them as null, as the detail's row estimate."""
    dataset = services.policy.dataset_for(key, user)
    changes = services.catalog.history(dataset, limit)
    if changes is None:
        return History(dataset=key, versioned=False, current_version=None, versions=[])
    counts = not services.policy.rls_for(user).get(key)
    versions = [c if counts else replace(c, **_NO_COUNTS) for c in changes]
    current = versions[0].version if versions else None
    return History(dataset=key, versioned=True, current_version=current, versions=versions)


_NO_COUNTS = {"rows_added": None, "rows_removed": None, "rows_updated": None}


@router.get("/datasets/{key}/values/{column}", response_model=ValuesResponse)
async def distinct_values(
    key: str,
    column: str,
    user: CurrentUser,
    services: ServicesDep,
    request: Request,
    q: Annotated[str | None, Query(max_length=200)] = None,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
) -> ValuesResponse:
    work = services.queries.values(key, column, user, q=q, limit=limit)
    return ValuesResponse(column=column, values=await cancel_on_disconnect(request, work))


@router.get("/datasets/{key}/summary/{column}", response_model=summaries.ColumnSummary)
async def column_summary(
    key: str,
    column: str,
    user: CurrentUser,
    services: ServicesDep,
    request: Request,
    load_type: Annotated[str | None, Query(max_length=255)] = None,
    load_id: Annotated[str | None, Query(max_length=255)] = None,
    all_loads: bool = False,
) -> JSONResponse:
    """A column at a glance: rows, NULLs, distinct values, min and max, and the most frequent
    values, over the vintage given (as the spec's `vintage`; none: the dataset's default for
    an omitted vintage), under row-level security and the cost gate like a query."""
    vintage = None
    if load_type is not None or load_id is not None or all_loads:
        vintage = Vintage(load_type=load_type, load_id=load_id, all_loads=all_loads)
    work = summaries.column_summary(services.queries, key, column, user, vintage)
    return JSONResponse(asdict(await cancel_on_disconnect(request, work)))
