"""Step: the compile budget (`backend.query.budget`), before anything else is done."""

from __future__ import annotations

from backend.query.budget import Budget, check_nesting, check_spec
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


def check_depth(plan: Plan) -> Plan:
    """Last: refuse a tree nested too deeply to render and parse back (QUERY_MAX_DEPTH);
    calculated fields chained into one another nest at each use.

    >>> from tests.query.catalog import plan_for
    >>> from backend.query.compiler import run_steps
    >>> chain = [{"name": "c0", "expr": "revenue"}] + [
    ...     {"name": f"c{i}", "expr": f"abs(c{i - 1})"} for i in range(1, 15)]
    >>> run_steps(plan_for({"dataset": "global_sales", "calculated": chain,
    ...     "columns": ["c14"]}))
    Traceback (most recent call last):
    backend.errors.QueryTooComplex: This query is nested too deeply to run: 28 levels of \
parentheses, functions and subqueries inside one another, more than the 24 a query may have \
(QUERY_MAX_DEPTH). Build its calculated fields from fewer calculated fields inside one another.
    """
    assert plan.tree is not None, "assemble runs before check_depth"
    check_nesting(plan.tree, plan.ctx.limits)
    return plan
