"""Distinct values of one column, for filter pickers: vintage and RLS applied like a query."""

from __future__ import annotations

from sqlglot import exp

from backend.errors import InvalidQuery
from backend.query.context import CompileContext
from backend.query.operators import OPERATORS, condition_sql
from backend.query.plan import Plan
from backend.query.spec import Condition, Op, QuerySpec, Vintage
from backend.query.steps.ctes import (
    cte_select,
    free_cte_name,
    rls_predicates,
    unqualify,
    vintage_predicates,
)
from backend.query.steps.sources import resolve_sources


def compile_values(
    dataset_key: str,
    column: str,
    q: str | None,
    limit: int,
    ctx: CompileContext,
    *,
    vintage: Vintage | None = None,
) -> exp.Select:
    """SELECT DISTINCT non-NULL values of `column`, those containing `q` (case-insensitive,
    literal; text columns only) when given, ordered, at most `limit`.

    >>> from tests.query.catalog import context
    >>> from backend.query.render import render
    >>> print(render(compile_values("products", "category", "o", 20, context()), "postgres",
    ...              pretty=True))
    WITH "products_rows" AS (
      SELECT
        "category"
      FROM "products"
      WHERE
        NOT "category" IS NULL AND LOWER("category") LIKE LOWER('%o%') ESCAPE '\\'
    )
    SELECT DISTINCT
      "products"."category" AS "category"
    FROM "products_rows" AS "products"
    ORDER BY
      "category" ASC
    LIMIT 20
    """
    if limit < 1:
        raise InvalidQuery("limit must be at least 1", path="limit")
    plan = resolve_sources(Plan(QuerySpec(dataset=dataset_key, vintage=vintage), ctx))
    source = plan.scope.sources[0]
    ref = plan.scope.resolve(column, "column", calculated=False)
    where = [condition_sql(Condition(column=column, operator=Op.IS_NOT_NULL), ref, "column")]
    if q:
        contains = OPERATORS[Op.CONTAINS]
        where.append(contains.build(ref.expr.copy(), contains.values(q, ref, "q")))
    name = ref.expr.name
    cte = cte_select(
        source,
        {name},
        [*vintage_predicates(source), *rls_predicates(plan, source), *map(unqualify, where)],
    )
    cte_name = free_cte_name(source.alias, {source.dataset.relation.casefold()})
    return (
        exp.select(exp.alias_(ref.expr.copy(), exp.to_identifier(name)))
        .distinct()
        .from_(exp.table_(cte_name, alias=source.alias))
        .with_(exp.to_identifier(cte_name), as_=cte)
        .order_by(exp.Ordered(this=exp.column(name), desc=False, nulls_first=False))
        .limit(limit)
    )
