"""Conditional aggregation: a measure's `where` as `CASE WHEN <where> THEN <value> END`.

The condition is built with the same operator registry as the filters, so its values are
typed literals; it reads dataset columns and calculated fields, never measure aliases (an
aggregate inside an aggregate is not SQL).
"""

from __future__ import annotations

from collections.abc import Callable

from sqlglot import exp

from backend.query.budget import condition_size
from backend.query.names import Scope, columns_in
from backend.query.operators import condition_sql
from backend.query.spec import Condition, FilterNode, Measure

Charge = Callable[[int], None]


def conditional_value(
    scope: Scope, measure: Measure, value: exp.Expr, path: str, charge: Charge | None = None
) -> tuple[exp.Expr, frozenset[str]]:
    """`value` (the aggregate's argument; `*` for COUNT(*)) kept only where the measure's
    condition holds, plus the dataset aliases the condition reads. NULLs drop out of every
    aggregate, so COUNT(CASE WHEN c THEN 1 END) counts the matching rows. `charge` is told
    each condition's size before it is built (the compile budget).

    >>> from tests.query.catalog import plan_for
    >>> from backend.query.steps.sources import resolve_sources
    >>> scope = resolve_sources(plan_for({"dataset": "global_sales"})).scope
    >>> m = Measure(agg="count", alias="n", where={"column": "channel", "operator": "=",
    ...     "value": "Web"})
    >>> conditional_value(scope, m, exp.Star(), "measures[0]")[0].sql()
    "CASE WHEN global_sales.channel = 'Web' THEN 1 END"
    """
    if measure.where is None:
        return value, frozenset()
    condition = node_sql(scope, measure.where, f"{path}.where", charge)
    if condition is None:  # an empty group keeps every row, as in `filters`
        return value, frozenset()
    then = exp.Literal.number(1) if isinstance(value, exp.Star) else value
    case = exp.Case(ifs=[exp.If(this=condition, true=then)])
    return case, frozenset(alias for alias, _ in columns_in(condition))


def node_sql(
    scope: Scope, node: FilterNode, path: str, charge: Charge | None = None
) -> exp.Expr | None:
    """The predicate of a condition or group over columns; None for an empty group."""
    if isinstance(node, Condition):
        ref = scope.resolve(node.column, f"{path}.column")
        if charge is not None:
            charge(condition_size(node, ref.size))
        return condition_sql(node, ref, path)
    parts = [
        part
        for i, child in enumerate(node.conditions)
        if (part := node_sql(scope, child, f"{path}.conditions[{i}]", charge)) is not None
    ]
    if not parts:
        return None
    combine = exp.and_ if node.op == "and" else exp.or_
    sql = combine(*parts) if len(parts) > 1 else parts[0]
    return exp.Not(this=exp.Paren(this=sql)) if node.negate else sql
