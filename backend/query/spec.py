"""The query spec: the only input of the SQL builder. Frozen, closed, bounded.

Every model forbids unknown fields, and every list has a bound, so a spec can never grow a
back door (no raw-SQL extras) nor exhaust the compiler.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from enum import StrEnum
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Discriminator, Field, Tag, model_validator

MAX_FILTER_DEPTH = 8
MAX_FILTER_NODES = 500
MAX_IN_VALUES = 5_000
MAX_COLUMNS = 500
MAX_PAGE_SIZE = 1_000
MAX_LIMIT = 10_000_000
MAX_MEASURES = 1_000  # a pivot cross-tab is one measure per (pivot value, value column)
MAX_LABEL = 100_000  # a pivot result field: pivot values of any length, joined

Name = Annotated[str, Field(min_length=1, max_length=255)]
Alias = Annotated[str, Field(min_length=1, max_length=128, pattern=r"^[^\x00-\x1f\"]+$")]
Scalar = str | bool | int | float | Decimal | dt.date | dt.datetime | None
Value = Scalar | Annotated[list[Scalar], Field(max_length=MAX_IN_VALUES)]


class Model(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class Op(StrEnum):
    """Filter operators. Their SQL lives in one registry: `backend.query.operators`."""

    EQ = "="
    NE = "!="
    LT = "<"
    GT = ">"
    LE = "<="
    GE = ">="
    CONTAINS = "contains"
    STARTS_WITH = "starts_with"
    ENDS_WITH = "ends_with"
    IN = "in"
    NOT_IN = "not_in"
    BETWEEN = "between"
    IS_NULL = "is_null"
    IS_NOT_NULL = "is_not_null"


class Agg(StrEnum):
    SUM = "sum"
    AVG = "avg"
    MIN = "min"
    MAX = "max"
    COUNT = "count"
    COUNT_DISTINCT = "count_distinct"


class JoinType(StrEnum):
    INNER = "inner"
    LEFT = "left"
    RIGHT = "right"
    FULL = "full"


class Condition(Model):
    column: Name
    operator: Op
    value: Value = None


def _node_kind(v: Any) -> str:
    if isinstance(v, dict):
        return "group" if "conditions" in v or "op" in v else "condition"
    return "group" if isinstance(v, FilterGroup) else "condition"


FilterNode = Annotated[
    Annotated[Condition, Tag("condition")] | Annotated["FilterGroup", Tag("group")],
    Discriminator(_node_kind),
]


class FilterGroup(Model):
    op: Literal["and", "or"] = "and"
    negate: bool = False
    conditions: Annotated[list[FilterNode], Field(max_length=MAX_FILTER_NODES)] = []

    def walk(self, depth: int = 1) -> tuple[int, int]:
        """(deepest nesting, node count) of this tree."""
        deepest, count = depth, 1
        for node in self.conditions:
            if isinstance(node, FilterGroup):
                d, n = node.walk(depth + 1)
                deepest, count = max(deepest, d), count + n
            else:
                count += 1
        return deepest, count


def _check_bounds(group: FilterGroup, what: str) -> None:
    depth, nodes = group.walk()
    if depth > MAX_FILTER_DEPTH:
        raise ValueError(f"{what} nest {depth} deep; at most {MAX_FILTER_DEPTH}")
    if nodes > MAX_FILTER_NODES:
        raise ValueError(f"{what} have {nodes} nodes; at most {MAX_FILTER_NODES}")


class Vintage(Model):
    """One load type and/or load id. `all_loads`: every load of every type, whatever the
    admin's default (an omitted or empty vintage means that default)."""

    load_type: Annotated[str, Field(max_length=255)] | None = None
    load_id: int | Annotated[str, Field(max_length=255)] | None = None
    all_loads: bool = False

    @model_validator(mode="after")
    def _all_or_one(self) -> Vintage:
        if self.all_loads and (self.load_type is not None or self.load_id is not None):
            raise ValueError("all_loads takes no load_type or load_id")
        return self


class JoinOn(Model):
    left: Name
    right: Name


class Join(Model):
    dataset: Name
    type: JoinType = JoinType.INNER
    on: Annotated[list[JoinOn], Field(min_length=1, max_length=8)]
    alias: Alias | None = None


class Calculated(Model):
    name: Alias
    expr: Annotated[str, Field(min_length=1, max_length=2_000)]


class Measure(Model):
    """`where` makes a conditional aggregate: only the rows it matches are aggregated,
    `AGG(CASE WHEN <where> THEN <value> END)` (a pivot cell); it reads columns and
    calculated fields, never measures. `label` is the column's title for people (export
    headers; any text: it never reaches SQL); without it, one made from the alias."""

    agg: Agg
    alias: Alias
    label: Annotated[str, Field(min_length=1, max_length=MAX_LABEL)] | None = None
    column: Name | None = None
    expr: Annotated[str, Field(min_length=1, max_length=2_000)] | None = None
    where: FilterNode | None = None

    @model_validator(mode="after")
    def _one_input(self) -> Measure:
        if self.column is not None and self.expr is not None:
            raise ValueError("a measure takes either column or expr, not both")
        if self.column is None and self.expr is None and self.agg is not Agg.COUNT:
            raise ValueError(f"measure '{self.alias}' needs a column or an expr")
        if isinstance(self.where, FilterGroup):
            _check_bounds(self.where, f"measure '{self.alias}' where")
        return self


class GroupBucket(Model):
    """A date column grouped by a period (backend.query.buckets): its output is the period's
    first day, named `alias` or `<column>_<bucket>`."""

    column: Name
    bucket: Literal["day", "week", "month", "quarter", "year"]
    alias: Alias | None = None

    @property
    def name(self) -> str:
        return self.alias or f"{self.column.rsplit('.', 1)[-1]}_{self.bucket}"


GroupEntry = Name | GroupBucket


class SortKey(Model):
    column: Name
    direction: Literal["asc", "desc"] = "asc"


class AsOf(Model):
    """Time travel on a versioned (Delta) dataset: its numbered `version`, or the newest
    version committed at or before `timestamp` (a timestamp without a zone is the server's
    local time). A version applies to the spec's own dataset; a timestamp to every
    versioned dataset the spec reads."""

    version: Annotated[int, Field(ge=0, le=2**62)] | None = None
    timestamp: dt.datetime | None = None

    @model_validator(mode="after")
    def _exactly_one(self) -> AsOf:
        if (self.version is None) == (self.timestamp is None):
            raise ValueError("as_of takes either a version or a timestamp")
        return self


class QuerySpec(Model):
    dataset: Name
    vintage: Vintage | None = None
    as_of: AsOf | None = None
    joins: Annotated[list[Join], Field(max_length=8)] = []
    calculated: Annotated[list[Calculated], Field(max_length=50)] = []
    columns: Annotated[list[Name], Field(max_length=MAX_COLUMNS)] = []
    filters: FilterGroup | None = None
    group_by: Annotated[list[GroupEntry], Field(max_length=20)] = []
    measures: Annotated[list[Measure], Field(max_length=MAX_MEASURES)] = []
    # Totals rows computed by the database: "grand" adds one grand-total row (GROUPING
    # SETS), "rollup" a subtotal per group-by prefix too (ROLLUP). Each row then carries
    # `_total_level` (backend.query.steps.totals): how many trailing group-by columns it
    # totals over (0 = a plain group row).
    totals: Literal["rollup", "grand"] | None = None
    sort: Annotated[list[SortKey], Field(max_length=20)] = []
    # Top N: the result is only its first `limit` rows in the sort order ("top 5 regions by
    # revenue"), pushed down as a LIMIT (backend.query.steps.top_n). Pages, the count,
    # exports and totals all see those rows only; `page_size` stays a page of them.
    limit: Annotated[int, Field(ge=1, le=MAX_LIMIT)] | None = None
    page: Annotated[int, Field(ge=1, le=10_000_000)] = 1
    page_size: Annotated[int, Field(ge=1, le=MAX_PAGE_SIZE)] = 50

    @model_validator(mode="after")
    def _bounded_filters(self) -> QuerySpec:
        if self.filters is not None:
            _check_bounds(self.filters, "filters")
        return self

    @property
    def aggregated(self) -> bool:
        return bool(self.group_by or self.measures)

    @property
    def datasets(self) -> frozenset[str]:
        """Every dataset the spec reads: its own and the joined ones."""
        return frozenset([self.dataset, *(j.dataset for j in self.joins)])

    @property
    def group_names(self) -> list[str]:
        """The output names of the group-by entries (a bucket's is its own)."""
        return [g if isinstance(g, str) else g.name for g in self.group_by]
