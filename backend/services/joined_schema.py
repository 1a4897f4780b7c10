"""The columns a spec's datasets and joins make available, before the join is applied.

The UI shows them while a user builds a join: every column of every dataset occurrence,
with the dataset it comes from and the name to use for it in a spec (plain when only one
dataset has it, `alias.column` when the plain name would be ambiguous). Nothing runs; the
joins are checked as the compiler checks them (datasets, aliases, keys and key types).
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass

from backend.query.context import CompileContext
from backend.query.plan import Plan
from backend.query.spec import QuerySpec
from backend.query.steps.sources import bind_joins, resolve_sources


@dataclass(frozen=True)
class SchemaSource:
    """One dataset occurrence: the base (`join` None) or a joined one."""

    alias: str
    dataset: str
    label: str
    join: str | None


@dataclass(frozen=True)
class SchemaColumn:
    name: str
    column: str
    alias: str
    dataset: str
    type: str
    label: str
    format: str | None


@dataclass(frozen=True)
class JoinedSchema:
    datasets: list[SchemaSource]
    columns: list[SchemaColumn]


def joined_schema(spec: QuerySpec, ctx: CompileContext) -> JoinedSchema:
    """
    >>> from tests.query.catalog import context
    >>> s = joined_schema(QuerySpec(dataset="global_sales", joins=[{"dataset": "products",
    ...     "on": [{"left": "product_id", "right": "product_id"}]}]), context())
    >>> [c.name for c in s.columns if c.column == "product_id"]
    ['global_sales.product_id', 'products.product_id']
    >>> next(c.name for c in s.columns if c.column == "category")
    'category'
    """
    plan = bind_joins(resolve_sources(Plan(spec, ctx)))
    sources = plan.scope.sources
    counts = Counter(c.name.casefold() for s in sources for c in s.dataset.columns)
    columns = [
        SchemaColumn(
            name=c.name if counts[c.name.casefold()] == 1 else f"{s.alias}.{c.name}",
            column=c.name,
            alias=s.alias,
            dataset=s.dataset.key,
            type=c.type,
            label=c.display,
            format=c.format,
        )
        for s in sources
        for c in s.dataset.columns
    ]
    datasets = [
        SchemaSource(
            s.alias, s.dataset.key, s.dataset.display, s.join_type.value if s.join_type else None
        )
        for s in sources
    ]
    return JoinedSchema(datasets, columns)
