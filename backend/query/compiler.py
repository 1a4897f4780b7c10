"""The query compiler: a pipeline of small pure steps from a spec to a sqlglot tree.

Shape of every query (one code path for one dataset or many):

    WITH "<alias>_rows" AS (SELECT <used columns> FROM <relation>
                            WHERE <vintage> AND <rls> AND <filters on this dataset only>), ...
    SELECT <outputs> FROM "<alias>_rows" AS "<alias>" [JOIN ... ON ...]
    WHERE <filters across datasets, or on a null-supplying side>
    GROUP BY ... HAVING <filters on measures> ORDER BY <keys + tie-breakers> LIMIT/OFFSET

(A top N, `limit`, wraps that query whole: backend.query.steps.top_n.)
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from sqlglot import exp

from backend.query.context import CompileContext, CompiledQuery
from backend.query.plan import Plan
from backend.query.render import render
from backend.query.spec import QuerySpec
from backend.query.steps.assemble import assemble, order_joins, paginate
from backend.query.steps.budget import check_budget, check_depth
from backend.query.steps.calculated import define_calculated, define_measures
from backend.query.steps.ctes import build_ctes
from backend.query.steps.filters import split_filters
from backend.query.steps.select import require_mandatory_filters, select_outputs
from backend.query.steps.shown_totals import totals_over_shown_groups
from backend.query.steps.sort import order_rows
from backend.query.steps.sources import bind_joins, resolve_sources
from backend.query.steps.top_n import keep_top
from backend.query.steps.totals import group_totals, order_totals, total_level
from backend.query.values import compile_values

__all__ = ["STEPS", "compile_query", "compile_sql_text", "compile_values", "count_query", "render"]

Step = Callable[[Plan], Plan]

STEPS: tuple[Step, ...] = (
    check_budget,
    resolve_sources,
    bind_joins,
    define_calculated,
    define_measures,
    require_mandatory_filters,
    select_outputs,
    total_level,
    split_filters,
    order_rows,
    order_totals,
    build_ctes,
    order_joins,
    assemble,
    totals_over_shown_groups,
    group_totals,
    keep_top,
    paginate,
    check_depth,
)


def run_steps(plan: Plan, *, until: Step | None = None) -> Plan:
    """Fold the steps over `plan`, stopping after `until` (for tests and examples)."""
    for step in STEPS:
        plan = step(plan)
        if step is until:
            break
    return plan


def compile_query(spec: QuerySpec, ctx: CompileContext) -> CompiledQuery:
    """The paged query, its unpaged twin (exports) and its row count query.

    >>> from tests.query.catalog import context
    >>> q = compile_query(QuerySpec(dataset="products", columns=["category"], page_size=10),
    ...                   context())
    >>> print(compile_sql_text(q, "oracle", pretty=True))
    WITH "PRODUCTS_ROWS" AS (
      SELECT
        "CATEGORY"
      FROM "PRODUCTS"
    )
    SELECT
      "PRODUCTS"."CATEGORY" AS "CATEGORY"
    FROM "PRODUCTS_ROWS" "PRODUCTS"
    ORDER BY
      "CATEGORY" ASC
    FETCH FIRST 10 ROWS ONLY
    """
    plan = run_steps(Plan(spec, ctx))
    assert plan.tree is not None and plan.paged is not None
    return CompiledQuery(
        paged=plan.paged,
        unpaged=plan.tree,
        count=count_query(plan.tree),
        columns=tuple(o.info for o in plan.outputs),
        datasets=tuple(s.alias for s in plan.scope.sources),
        join_order=plan.join_order,
        notes=plan.notes,
        keys=tuple(dict.fromkeys(s.dataset.key for s in plan.scope.sources)),
    )


def count_query(unpaged: exp.Select) -> exp.Select:
    """SELECT COUNT(*) AS "n" over the unpaged query without its ORDER BY; the CTEs move to
    the top so the subquery stays plain on every database."""
    inner = unpaged.copy()
    ctes: Any = inner.args.get("with_")
    inner.set("with_", None)
    inner.set("order", None)
    count = exp.select(exp.alias_(exp.Count(this=exp.Star()), "n"), copy=False)
    count = count.from_(inner.subquery("q", copy=False), copy=False)
    count.set("with_", ctes)
    return count


def compile_sql_text(compiled: CompiledQuery, dialect: str, *, pretty: bool = False) -> str:
    """The SQL of the paged query in `dialect` (duckdb, postgres or oracle)."""
    return render(compiled.tree, dialect, pretty=pretty)
