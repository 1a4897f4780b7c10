"""Step: the compile budget (`backend.query.budget`), before anything else is done."""

from __future__ import annotations

from backend.query.budget import Budget, check_spec
from backend.query.plan import Plan


def check_budget(plan: Plan) -> Plan:
    """Refuse a spec over the size budget before anything is parsed, then count from zero
    what the following steps build.

    >>> from tests.query.catalog import plan_for
    >>> spec = {"dataset": "global_sales", "filters": {"op": "or", "conditions": [
    ...     {"column": "order_id", "operator": "in", "value": list(range(5_000))}] * 3}}
    >>> check_budget(plan_for(spec))
    Traceback (most recent call last):
    backend.errors.QueryTooComplex: The IN lists of this query hold 15,000 values in total \
(the longest, at filters.conditions[2], 5,000); at most 10,000 (QUERY_MAX_IN_VALUES). Filter \
on a coarser column (a range, a category) instead of listing values.
    """
    check_spec(plan.spec, plan.ctx.limits)
    return plan.but(budget=Budget(plan.ctx.limits))
