"""AG Grid requests as Aurora query specs: every SQL the grid causes comes from a QuerySpec,
so the compiler, row-level security, vintage and the cost gate apply unchanged.

One request asks for one level: `groupKeys` (the path of the expanded group) fixes the
upper levels by equality, `rowGroupCols[len(groupKeys)]` is grouped, and past the last
group column come the detail rows. A NULL group key is the group of NULLs (IS NULL).
"""

from __future__ import annotations

import functools
import itertools
from collections.abc import Callable, Iterator, Mapping, Sequence
from decimal import Decimal
from typing import Any, Literal, ParamSpec, TypeVar

from pydantic import ValidationError

from backend.aggrid.filters import column_of, filter_nodes
from backend.aggrid.models import AUTO_GROUP_COLUMN, ColumnVO, GridRequest
from backend.catalog.models import Dataset
from backend.errors import InvalidQuery
from backend.http_errors import json_path
from backend.query.spec import (
    MAX_FILTER_DEPTH,
    MAX_FILTER_NODES,
    Agg,
    Condition,
    FilterGroup,
    FilterNode,
    Measure,
    Op,
    QuerySpec,
    Scalar,
    SortKey,
)

AGG_FUNCS: dict[str, Agg] = {
    "sum": Agg.SUM,
    "avg": Agg.AVG,
    "min": Agg.MIN,
    "max": Agg.MAX,
    "count": Agg.COUNT,
}
NULL_PIVOT_KEY = "(Blanks)"  # the pivot key text of NULL, as AG Grid's set filter says it
PIVOT_ALIAS = "_pivot_{}"  # a pivot cell's SQL name; its field (any text) is its label
Totals = Literal["grand", "rollup"] | None

P = ParamSpec("P")
R = TypeVar("R")


def grid_input(build: Callable[P, R]) -> Callable[P, R]:
    """The spec pieces built from a grid request are validated like a posted spec; a value
    they refuse is the request's fault: 422 in the error shape, never a 500."""

    @functools.wraps(build)
    def checked(*args: P.args, **kwargs: P.kwargs) -> R:
        try:
            return build(*args, **kwargs)
        except ValidationError as e:
            first = e.errors()[0]
            where = json_path(first.get("loc", ()))
            message = f"This grid request cannot be answered: {first.get('msg', 'invalid')}"
            message += f" (in the query it becomes, at {where})" if where else ""
            raise InvalidQuery(message, details=[{"path": where, "message": message}]) from e

    return checked


def measure(
    col: ColumnVO,
    alias: str,
    path: str,
    where: FilterNode | None = None,
    label: str | None = None,
) -> Measure:
    """The aggregate of one value column. AG Grid's `count` counts rows (COUNT(*));
    `first`/`last` need a row order SQL groups do not have, so they are refused."""
    name = col.aggFunc or "sum"
    agg = AGG_FUNCS.get(name)
    if agg is None:
        known = ", ".join(AGG_FUNCS)
        raise InvalidQuery(
            f"aggFunc '{name}' of {col.id} is not available on the server; use one of {known}",
            path=f"{path}.aggFunc",
        )
    column = None if agg is Agg.COUNT else col.column
    return Measure(agg=agg, alias=alias, column=column, where=where, label=label)


@grid_input
def value_measures(request: GridRequest) -> list[Measure]:
    """Group rows carry each aggregate under the value column's field, as AG Grid reads it."""
    return [measure(col, col.column, f"valueCols[{i}]") for i, col in enumerate(request.valueCols)]


def equals(column: str, value: Scalar) -> Condition:
    if value is None:
        return Condition(column=column, operator=Op.IS_NULL)
    return Condition(column=column, operator=Op.EQ, value=value)


@grid_input
def group_conditions(request: GridRequest) -> list[FilterNode]:
    """The expanded group's path as equalities on the upper group columns."""
    if request.level > len(request.rowGroupCols):
        raise InvalidQuery(
            f"groupKeys has {request.level} keys but rowGroupCols only "
            f"{len(request.rowGroupCols)} columns",
            path="groupKeys",
        )
    return [
        equals(col.column, key)
        for col, key in zip(request.rowGroupCols, request.groupKeys, strict=False)
    ]


def filters(request: GridRequest, dataset: Dataset, *extra: FilterNode) -> FilterGroup | None:
    """The grid's filters and the expanded group's path: conditions on the rows (WHERE),
    before any grouping, as AG Grid means them."""
    nodes = [*filter_nodes(request.filterModel, dataset), *extra]
    if not nodes:
        return None
    group = on_rows(FilterGroup(conditions=nodes), dataset)
    depth, count = group.walk()
    if depth > MAX_FILTER_DEPTH or count > MAX_FILTER_NODES:
        raise InvalidQuery(
            f"filterModel becomes {count} conditions nested {depth} deep; at most "
            f"{MAX_FILTER_NODES} conditions, {MAX_FILTER_DEPTH} deep (the grid's own "
            "groups, a set or range filter and the expanded group path each add a level)",
            path="filterModel",
        )
    return group


def on_rows(group: FilterGroup, dataset: Dataset) -> FilterGroup:
    """`group` with every condition naming its column qualified by the dataset
    (`sales.quantity`). In a spec a plain name resolves to a measure alias first (a filter on
    the aggregate, HAVING), and value columns are measures named after their column; a
    qualified name is always the row's column.

    >>> from backend.catalog.models import Column, Dataset
    >>> sales = Dataset("sales", "sales", (Column("quantity", "BIGINT"),))
    >>> rows = on_rows(FilterGroup(conditions=[{"column": "quantity", "operator": ">",
    ...     "value": 2}]), sales)
    >>> rows.conditions[0].column
    'sales.quantity'
    """
    return group.model_copy(update={"conditions": [_on_row(c, dataset) for c in group.conditions]})


def _on_row(node: FilterNode, dataset: Dataset) -> FilterNode:
    if isinstance(node, Condition):
        return node.model_copy(update={"column": f"{dataset.key}.{node.column}"})
    return on_rows(node, dataset)


def sort_keys(request: GridRequest, names: dict[str, str]) -> list[SortKey]:
    """The sort model over this request's outputs. `names` maps a grid column id to an
    output; the grid sends one sort model for every level, so keys a level does not have
    (a detail column on a group level) are skipped, not refused."""
    keys: dict[str, SortKey] = {}
    for item in request.sortModel:
        name = names.get(item.colId)
        if name is not None and name not in keys:
            keys[name] = SortKey(column=name, direction=item.sort)
    return list(keys.values())


def group_names(col: ColumnVO) -> dict[str, str]:
    """A group column answers to its own id and to the auto group column's ids."""
    return {
        col.id: col.column,
        AUTO_GROUP_COLUMN: col.column,
        f"{AUTO_GROUP_COLUMN}-{col.id}": col.column,
    }


@grid_input
def level_spec(
    request: GridRequest, key: str, dataset: Dataset, totals: Totals, *, deep: bool = False
) -> QuerySpec:
    """The group rows of the requested level with their aggregates; `deep`: grouped by
    that level and every level below it at once (with `totals="rollup"`: the whole
    hierarchy with its subtotals, for exports)."""
    cols = group_cols(request, dataset, deep)
    names = {**{c.id: c.column for c in request.valueCols}, **level_names(cols)}
    return QuerySpec(
        dataset=key,
        vintage=request.vintage,
        filters=filters(request, dataset, *group_conditions(request)),
        group_by=[c.column for c in cols],
        measures=value_measures(request),
        totals=totals,
        sort=sort_keys(request, names),
    )


def group_cols(request: GridRequest, dataset: Dataset, deep: bool) -> list[ColumnVO]:
    """The group columns a level query groups by: its own, or (deep) it and those below."""
    level = request.level
    cols = request.rowGroupCols[level:] if deep else request.rowGroupCols[level : level + 1]
    for i, col in enumerate(cols, start=level):
        column_of(dataset, col.column, f"rowGroupCols[{i}]")
    return cols


def level_names(cols: Sequence[ColumnVO]) -> dict[str, str]:
    """Sort names of group columns; the auto group column means the first of them."""
    names: dict[str, str] = {}
    for col in reversed(cols):
        names.update(group_names(col))
    return names


@grid_input
def leaf_spec(request: GridRequest, key: str, dataset: Dataset, *extra: FilterNode) -> QuerySpec:
    """The detail rows under the expanded group (all rows when not grouped)."""
    shown = request.columns or [c.name for c in dataset.visible_columns]
    names = {name: name for name in shown}
    return QuerySpec(
        dataset=key,
        vintage=request.vintage,
        columns=request.columns,
        filters=filters(request, dataset, *group_conditions(request), *extra),
        sort=sort_keys(request, names),
    )


@grid_input
def grand_total_spec(request: GridRequest, key: str, dataset: Dataset) -> QuerySpec:
    """One row: the value columns over every row the filters keep."""
    return QuerySpec(
        dataset=key,
        vintage=request.vintage,
        filters=filters(request, dataset),
        measures=value_measures(request),
    )


# -- pivot ----------------------------------------------------------------------------


@grid_input
def pivot_values_spec(request: GridRequest, key: str, dataset: Dataset, limit: int) -> QuerySpec:
    """The distinct pivot key paths under the grid's filters (not the group path: every
    level must get the same pivot result columns), in order, at most `limit`."""
    for i, col in enumerate(request.pivotCols):
        column_of(dataset, col.column, f"pivotCols[{i}]")
    return QuerySpec(
        dataset=key,
        vintage=request.vintage,
        filters=filters(request, dataset),
        group_by=[c.column for c in request.pivotCols],
        page_size=limit,
    )


def key_text(value: Any) -> str:
    """A pivot value as it appears in a pivot result field."""
    if value is None:
        return NULL_PIVOT_KEY
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


@grid_input
def pivot_measures(
    request: GridRequest, paths: Sequence[Sequence[Any]]
) -> tuple[list[Measure], list[str]]:
    """One conditional aggregate per (pivot key path, value column). Its field, as AG Grid
    names pivot result columns (the keys then the value column id, joined by the
    separator), is any text the data holds: quotes, control characters, long values. So it
    is the measure's label, and its SQL name is `_pivot_<n>` (never longer than a database
    allows, never folded into another by case); rows are keyed by field again on the way
    out (`by_field`)."""
    sep = request.pivotResultFieldSeparator
    taken = {c.column.casefold() for c in request.rowGroupCols}
    aliases = (
        a for n in itertools.count(1) if (a := PIVOT_ALIAS.format(n)).casefold() not in taken
    )
    measures: list[Measure] = []
    for path in paths:
        where = FilterGroup(
            conditions=[equals(c.column, v) for c, v in zip(request.pivotCols, path, strict=True)]
        )
        prefix = sep.join(key_text(v) for v in path)
        for i, col in enumerate(request.valueCols):
            field = f"{prefix}{sep}{col.id}"
            measures.append(measure(col, next(aliases), f"valueCols[{i}]", where, field))
    fields = [m.label or m.alias for m in measures]
    if len(set(fields)) < len(fields):
        raise InvalidQuery(
            "two pivot columns get the same field (e.g. NULL and "
            f"'{NULL_PIVOT_KEY}', or values that contain the separator '{sep}'); filter one "
            "out, or set a pivotResultFieldSeparator the values do not contain",
            path="pivotCols",
        )
    return measures, fields


def _free_aliases(taken: set[str]) -> Iterator[str]:
    """`_pivot_1`, `_pivot_2`...: none the name of a group column."""
    for n in itertools.count(1):
        alias = PIVOT_ALIAS.format(n)
        if alias.casefold() not in taken:
            yield alias


def by_field(spec: QuerySpec) -> dict[str, str]:
    """The pivot result fields of a pivot spec, by the SQL names of their cells."""
    return {m.alias: m.label for m in spec.measures if m.label is not None}


def keyed_by_field(row: Mapping[str, Any] | None, fields: Mapping[str, str]) -> Any:
    """A result row with each pivot cell under its field, as AG Grid reads it."""
    if row is None or not fields:
        return row
    return {fields.get(name, name): value for name, value in row.items()}


@grid_input
def pivot_spec(
    request: GridRequest,
    key: str,
    dataset: Dataset,
    measures: list[Measure],
    totals: Totals,
    *,
    deep: bool = False,
) -> QuerySpec:
    """The cross-tab of the requested level: its group column (none at the top when the
    grid groups no rows: one row of totals; `deep` as in `level_spec`) and one conditional
    aggregate per field."""
    cols = group_cols(request, dataset, deep)
    names = {**{m.label or m.alias: m.alias for m in measures}, **level_names(cols)}
    return QuerySpec(
        dataset=key,
        vintage=request.vintage,
        filters=filters(request, dataset, *group_conditions(request)),
        group_by=[c.column for c in cols],
        measures=measures,
        totals=totals if cols else None,
        sort=sort_keys(request, names),
    )


@grid_input
def pivot_conditions(request: GridRequest, keys: Sequence[Scalar]) -> list[FilterNode]:
    """A pivot cell's keys (strings from the grid's column, or JSON values) as filters."""
    if len(keys) != len(request.pivotCols):
        raise InvalidQuery(
            f"pivotKeys has {len(keys)} values for {len(request.pivotCols)} pivot columns",
            path="pivotKeys",
        )
    return [
        equals(col.column, None if value == NULL_PIVOT_KEY else value)
        for col, value in zip(request.pivotCols, keys, strict=True)
    ]


def plain(value: Any) -> Any:
    """A JSON value from a row back to a filter value (exact decimals stay text)."""
    return str(value) if isinstance(value, Decimal) else value
