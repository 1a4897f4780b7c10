"""Two small answers built from ordinary query specs, so vintage, row-level security, hidden
columns, the cost gate, the result cache and admission apply as to any query:

- the grand total of an aggregated spec (`POST /api/totals`): the spec with `totals:
  "grand"` (GROUPING SETS), its first row; under a measure filter it adds up the groups the
  filter keeps (`backend.query.steps.shown_totals`);
- a column's summary (`GET /api/datasets/{key}/summary/{column}`): row, null and distinct
  counts, min and max, and the most frequent values.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from typing import Any

from backend.catalog.models import type_kind
from backend.errors import InvalidQuery, UnknownColumn
from backend.query.spec import Measure, QuerySpec, Vintage
from backend.query.steps.totals import TOTAL_LEVEL
from backend.services.access import Caller
from backend.services.queries import PageResult, QueryService

TOP_VALUES = 5
_ORDERED_KINDS = frozenset({"integer", "decimal", "float", "text", "date", "timestamp"})


@dataclass(frozen=True)
class TotalRow:
    columns: list[dict[str, Any]]
    row: list[Any] | None
    sql: str


@dataclass(frozen=True)
class TopValue:
    value: Any
    rows: int


@dataclass(frozen=True)
class ColumnSummary:
    """A column at a glance; also the response model of its route."""

    column: str
    label: str
    type: str
    rows: int
    nulls: int
    distinct: int | None
    min: Any = None
    max: Any = None
    top: list[TopValue] = field(default_factory=list)


async def grand_total(queries: QueryService, spec: QuerySpec, caller: Caller) -> TotalRow:
    """The spec's measures over every row of the groups it shows, in one row whose group
    columns are NULL; `row` is None only if the database gave no totals row."""
    if not spec.group_by:
        raise InvalidQuery(
            "a totals row needs group-by columns: without them the result is its own total",
            path="group_by",
        )
    # A top N's sort says which groups are shown, so it stays; otherwise order is moot.
    first = {"totals": "grand", "page": 1, "page_size": 1, "sort": spec.sort if spec.limit else []}
    page = await queries.preview(spec.model_copy(update=first), caller)
    names = [str(c["name"]) for c in page.columns]
    keep = [i for i, name in enumerate(names) if name != TOTAL_LEVEL]
    top = page.rows[0] if page.rows else None
    is_total = top is not None and top[names.index(TOTAL_LEVEL)] == len(spec.group_by)
    row = [top[i] for i in keep] if top is not None and is_total else None
    return TotalRow(columns=[page.columns[i] for i in keep], row=row, sql=page.sql)


async def column_summary(
    queries: QueryService, key: str, column: str, caller: Caller, vintage: Vintage | None
) -> ColumnSummary:
    """Counts, range and top values of one column of one dataset, as `caller` sees it."""
    dataset = queries.policy.dataset_for(key, caller)
    found = dataset.column(column)
    if found is None:
        raise UnknownColumn(f"unknown column '{column}' in {dataset.display}", path="column")
    kind = type_kind(found.type)
    stats, top = await asyncio.gather(
        queries.preview(_stats_spec(key, column, kind, vintage), caller),
        queries.preview(_top_spec(key, column, vintage), caller),
    )
    values = dict(zip((str(c["name"]) for c in stats.columns), stats.rows[0], strict=True))
    rows = int(values["_rows"])
    return ColumnSummary(
        column=found.name,
        label=found.display,
        type=found.type,
        rows=rows,
        nulls=rows - int(values["_values"]),
        distinct=None if values.get("_distinct") is None else int(values["_distinct"]),
        min=values.get("_min"),
        max=values.get("_max"),
        top=_top_values(top),
    )


def _stats_spec(key: str, column: str, kind: str, vintage: Vintage | None) -> QuerySpec:
    measures = [
        Measure(agg="count", alias="_rows"),
        Measure(agg="count", column=column, alias="_values"),
    ]
    if kind != "other":
        measures.append(Measure(agg="count_distinct", column=column, alias="_distinct"))
    if kind in _ORDERED_KINDS:  # PostgreSQL has no MIN/MAX of a boolean
        measures += [
            Measure(agg="min", column=column, alias="_min"),
            Measure(agg="max", column=column, alias="_max"),
        ]
    return QuerySpec(dataset=key, vintage=vintage, measures=measures)


def _top_spec(key: str, column: str, vintage: Vintage | None) -> QuerySpec:
    return QuerySpec.model_validate(
        {
            "dataset": key,
            "vintage": vintage,
            "group_by": [column],
            "measures": [{"agg": "count", "alias": "_rows"}],
            "filters": {"conditions": [{"column": column, "operator": "is_not_null"}]},
            "sort": [{"column": "_rows", "direction": "desc"}, {"column": column}],
            "page_size": TOP_VALUES,
        }
    )


def _top_values(page: PageResult) -> list[TopValue]:
    return [TopValue(row[0], int(row[1])) for row in page.rows]
