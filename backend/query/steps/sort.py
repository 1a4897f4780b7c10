"""Step: ORDER BY, always total so that pages never overlap or skip rows.

Keys are output names (the SQL aliases). Every key has explicit NULL ordering, the same on
all three databases: NULLS LAST ascending, NULLS FIRST descending (NULL sorts as the largest
value, PostgreSQL's and Oracle's default). After the requested keys (or the base dataset's
`default_sort` when the spec has none) come tie-breakers: every other result column for a
detail query, the group-by columns for a grouped one. A one-row total needs no order.
"""

from __future__ import annotations

from sqlglot import exp

from backend.errors import InvalidQuery
from backend.query.names import column_ref
from backend.query.plan import Output, Plan


def order_rows(plan: Plan) -> Plan:
    """
    >>> from tests.query.catalog import plan_for
    >>> from backend.query.compiler import run_steps
    >>> p = run_steps(plan_for({"dataset": "products", "columns": ["category", "list_price"],
    ...     "sort": [{"column": "list_price", "direction": "desc"}]}), until=order_rows)
    >>> [o.sql() for o in p.order]
    ['list_price DESC NULLS FIRST', 'category ASC NULLS LAST']
    """
    keys: dict[str, bool] = {}
    for i, key in enumerate(plan.spec.sort):
        output = _sort_output(plan, key.column, f"sort[{i}].column")
        keys.setdefault(output.name, key.direction == "desc")
    if not plan.spec.sort:
        for name, desc in _default_sort(plan):
            keys.setdefault(name, desc)
    for output in _tie_breakers(plan):
        keys.setdefault(output.name, False)
    order = tuple(
        exp.Ordered(this=exp.Column(this=exp.to_identifier(name)), desc=desc, nulls_first=desc)
        for name, desc in keys.items()
    )
    return plan.but(order=order)


def _sort_output(plan: Plan, name: str, path: str) -> Output:
    exact = plan.output(name)
    if exact is not None:
        return exact
    ref = plan.scope.resolve(name, path, measures=plan.spec.aggregated)
    match = next((o for o in plan.outputs if o.expr == ref.expr), None)
    if match is not None:
        return match
    if plan.spec.aggregated:
        message = f"a grouped query sorts only by its group-by columns and measures, not '{name}'"
    else:
        message = f"to sort by '{name}', add it to columns"
    raise InvalidQuery(message, path=path)


def _default_sort(plan: Plan) -> list[tuple[str, bool]]:
    base = plan.scope.sources[0]
    found = []
    for name, direction in base.dataset.default_sort:
        column = base.dataset.column(name)
        if column is None:
            continue
        expr = column_ref(base.alias, column).expr
        match = next((o for o in plan.outputs if o.expr == expr), None)
        if match is not None:
            found.append((match.name, direction.lower() == "desc"))
    return found


def _tie_breakers(plan: Plan) -> list[Output]:
    if not plan.spec.aggregated:
        return list(plan.outputs)
    return [o for o in plan.outputs if o.expr in plan.group_by]
