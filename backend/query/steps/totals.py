"""Steps: totals rows computed by the database (`spec.totals`).

- "grand": `GROUP BY GROUPING SETS ((g1, ..., gn), ())`, the groups plus one grand total;
- "rollup": `GROUP BY ROLLUP (g1, ..., gn)`, a subtotal for every prefix of the group-by
  columns too.

A totals row has NULL in the columns it totals over, like a real NULL group, so every row
also carries `TOTAL_LEVEL` = GROUPING(g1) + ... + GROUPING(gn): 0 for a plain group, n for
the grand total. Rows come totals first: the grand total on top, and with "rollup" each
subtotal right above the rows it sums; the requested sort applies among siblings.
"""

from __future__ import annotations

from sqlglot import exp

from backend.errors import InvalidQuery
from backend.query.context import OutputColumn
from backend.query.plan import Output, Plan

TOTAL_LEVEL = "_total_level"


def total_level(plan: Plan) -> Plan:
    """Add the `TOTAL_LEVEL` output (after the group-by columns and measures).

    >>> from tests.query.catalog import plan_for
    >>> from backend.query.compiler import run_steps
    >>> p = run_steps(plan_for({"dataset": "global_sales", "group_by": ["region", "channel"],
    ...     "measures": [{"agg": "count", "alias": "n"}], "totals": "rollup"}),
    ...     until=total_level)
    >>> p.outputs[-1].name, p.outputs[-1].expr.sql()
    ('_total_level', 'GROUPING(global_sales.region) + GROUPING(global_sales.channel)')
    """
    if plan.spec.totals is None:
        return plan
    if not plan.group_by:
        raise InvalidQuery("totals need group_by columns to total over", path="totals")
    if any(o.name.casefold() == TOTAL_LEVEL for o in plan.outputs):
        raise InvalidQuery(f"'{TOTAL_LEVEL}' is reserved for totals; rename it", path="totals")
    groupings = [_grouping(g) for g in plan.group_by]
    level = groupings[0]
    for grouping in groupings[1:]:
        level = exp.Add(this=level, expression=grouping)
    info = OutputColumn(TOTAL_LEVEL, "Total level", "INTEGER")
    return plan.but(outputs=(*plan.outputs, Output(TOTAL_LEVEL, level, info)))


def order_totals(plan: Plan) -> Plan:
    """Put totals rows before the rows they total (runs after `order_rows`).

    >>> from tests.query.catalog import plan_for
    >>> from backend.query.compiler import run_steps
    >>> p = run_steps(plan_for({"dataset": "global_sales", "group_by": ["region", "channel"],
    ...     "measures": [{"agg": "count", "alias": "n"}], "totals": "rollup",
    ...     "sort": [{"column": "n", "direction": "desc"}]}), until=order_totals)
    >>> [o.sql() for o in p.order][:4]
    ['GROUPING(global_sales.region) DESC NULLS FIRST', 'region ASC NULLS LAST', \
'GROUPING(global_sales.channel) DESC NULLS FIRST', 'n DESC NULLS FIRST']
    """
    if plan.spec.totals is None:
        return plan
    if plan.spec.totals == "grand":
        first = [_ordered(exp.Column(this=exp.to_identifier(TOTAL_LEVEL)), desc=True)]
        return plan.but(order=(*first, *plan.order))
    desc = {o.this.name: bool(o.args.get("desc")) for o in plan.order}
    groups = [o for o in plan.outputs if o.expr in plan.group_by]
    keys: list[exp.Ordered] = []
    for output in groups[:-1]:
        column = exp.Column(this=exp.to_identifier(output.name))
        keys += [_ordered(_grouping(output.expr), desc=True), _ordered(column, desc[output.name])]
    keys.append(_ordered(_grouping(groups[-1].expr), desc=True))
    return plan.but(order=(*keys, *plan.order))


def requested_order(plan: Plan) -> tuple[exp.Ordered, ...]:
    """`plan.order` without the keys `order_totals` put first: the order among groups."""
    if plan.spec.totals is None:
        return plan.order
    groups = sum(1 for o in plan.outputs if o.expr in plan.group_by)
    added = 1 if plan.spec.totals == "grand" else 2 * groups - 1
    return plan.order[added:]


def group_totals(plan: Plan) -> Plan:
    """Replace the assembled GROUP BY with its GROUPING SETS or ROLLUP form."""
    if plan.spec.totals is None:
        return plan
    assert plan.tree is not None, "assemble runs before group_totals"
    groups = [g.copy() for g in plan.group_by]
    if plan.spec.totals == "rollup":
        clause: exp.Expr = exp.Rollup(expressions=groups)
    else:
        clause = exp.GroupingSets(
            expressions=[exp.Tuple(expressions=groups), exp.Tuple(expressions=[])]
        )
    tree = plan.tree.copy()
    tree.set("group", exp.Group(expressions=[clause]))
    return plan.but(tree=tree)


def _grouping(expr: exp.Expr) -> exp.Expr:
    return exp.Grouping(expressions=[expr.copy()])


def _ordered(expr: exp.Expr, desc: bool) -> exp.Ordered:
    # Same NULL placement as `order_rows`: NULLS FIRST descending, NULLS LAST ascending.
    return exp.Ordered(this=expr, desc=desc, nulls_first=desc)
