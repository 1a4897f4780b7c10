"""Step: top N (`spec.limit`), the first N rows of the sorted result and nothing else.

The whole result becomes those rows, so everything cut from the unpaged tree afterwards
(pages and their blocks, the count, exports, the cost gate) sees only them, unchanged:

    WITH <the dataset CTEs>
    SELECT "top_rows"."a" AS "a", ... FROM (<the query> ORDER BY <keys> LIMIT N) AS "top_rows"
    ORDER BY <keys>                        -- a page adds its LIMIT/OFFSET here, as ever

The inner LIMIT is the database's (FETCH FIRST N ROWS ONLY on Oracle), so it stops after N
rows; the outer query only pages them. The sort is total (`backend.query.steps.sort`), so
which N rows is decided, and ties never move a row in or out between two pages.

With totals rows (`spec.totals`) the groups are limited instead, and the totals add up the
groups kept (`backend.query.steps.shown_totals`): a LIMIT would cut the totals rows away.
"""

from __future__ import annotations

from sqlglot import exp

from backend.query.plan import Plan

TOP = "top_rows"


def keep_top(plan: Plan) -> Plan:
    """Runs after the tree is assembled (and its totals made), before `paginate`.

    >>> from tests.query.catalog import plan_for
    >>> from backend.query.compiler import run_steps
    >>> p = run_steps(plan_for({"dataset": "products", "columns": ["category"], "limit": 3,
    ...     "sort": [{"column": "category", "direction": "desc"}]}), until=keep_top)
    >>> print(p.tree.sql())  # doctest: +NORMALIZE_WHITESPACE
    WITH products_rows AS (SELECT category FROM products) SELECT top_rows.category AS category
    FROM (SELECT products.category AS category FROM products_rows AS products ORDER BY
    category DESC NULLS FIRST LIMIT 3) AS top_rows ORDER BY category DESC NULLS FIRST
    """
    limit = plan.spec.limit
    if limit is None or plan.spec.totals is not None:
        return plan
    assert plan.tree is not None, "assemble runs before keep_top"
    inner = plan.tree.copy()
    ctes = inner.args.get("with_")
    inner.set("with_", None)
    inner = inner.limit(limit, copy=False)
    columns = [
        exp.alias_(exp.column(exp.to_identifier(o.name), table=TOP), exp.to_identifier(o.name))
        for o in plan.outputs
    ]
    outer = exp.select(*columns, copy=False).from_(inner.subquery(TOP, copy=False), copy=False)
    outer.set("with_", ctes)
    if plan.order:
        outer = outer.order_by(*(o.copy() for o in plan.order), copy=False)
    return plan.but(tree=outer)
