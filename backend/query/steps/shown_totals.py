"""Step: totals over the groups a HAVING keeps (`spec.totals` with a measure filter).

GROUPING SETS applies HAVING to every row it makes, the totals too: the grand total would be
the sum of *all* groups, and would itself vanish when it fails the condition. A totals row
should add up the groups on screen (as Metabase and Superset do), so the rows are first
limited to the groups that pass:

    WITH ..., "_kept_groups" AS (SELECT <group exprs> AS "_k0".. FROM .. WHERE .. GROUP BY ..
                                 HAVING <measure filters>)
    SELECT .. FROM .. WHERE .. AND EXISTS (SELECT 1 FROM "_kept_groups" AS "_kept"
                                            WHERE "_kept"."_k0" = g0 OR (both NULL) ..)
    GROUP BY GROUPING SETS (..)          -- no HAVING: every group left passes it

Each total is then computed from the rows of the shown groups, so it is right for every
aggregate (a distinct count or an average over the shown rows, not a sum of the groups'
values). A NULL group is a group like any other, hence the NULL-safe match.

A top N (`spec.limit`) keeps groups the same way: "_kept_groups" then also selects the
outputs, sorted by the requested keys and limited to N, so the totals add up the N groups
shown (a LIMIT on the totals query itself would cut its totals rows away).
"""

from __future__ import annotations

from sqlglot import exp

from backend.query.plan import Plan
from backend.query.steps.totals import TOTAL_LEVEL, requested_order

KEPT = "_kept_groups"
_KEPT_ALIAS = "_kept"


def totals_over_shown_groups(plan: Plan) -> Plan:
    """Runs after `assemble`, before `group_totals` (which needs the plain GROUP BY here).

    >>> from tests.query.catalog import plan_for
    >>> from backend.query.compiler import run_steps
    >>> p = run_steps(plan_for({"dataset": "global_sales", "group_by": ["region"],
    ...     "measures": [{"agg": "sum", "column": "revenue", "alias": "rev"}], "totals": "grand",
    ...     "filters": {"conditions": [{"column": "rev", "operator": ">", "value": 10}]}}),
    ...     until=totals_over_shown_groups)
    >>> p.tree.args.get("having") is None, p.tree.args["where"].sql()
    (True, 'WHERE EXISTS(SELECT 1 FROM _kept_groups AS _kept WHERE _kept._k0 = \
global_sales.region OR (_kept._k0 IS NULL AND global_sales.region IS NULL))')
    """
    if plan.spec.totals is None or not (plan.having or plan.spec.limit):
        return plan
    assert plan.tree is not None, "assemble runs before totals_over_shown_groups"
    size = sum(len(list(e.walk())) for e in (*plan.where, *plan.having, *plan.group_by))
    plan.budget.charge("totals", 2 * size, "totals under a measure filter", "totals")
    tree = plan.tree.copy()
    kept = _kept_groups(plan, tree)
    taken = {cte.alias_or_name.casefold() for cte in tree.args["with_"].expressions}
    name = _free(KEPT, taken)
    match = [_same(exp.column(_key(i), table=_KEPT_ALIAS), g) for i, g in enumerate(plan.group_by)]
    shown = exp.select(exp.Literal.number(1)).from_(exp.table_(name, alias=_KEPT_ALIAS))
    tree = tree.where(exp.Exists(this=shown.where(*match)), copy=False)
    tree.set("having", None)
    tree = tree.with_(exp.to_identifier(name), as_=kept, copy=False)
    return plan.but(tree=tree)


def _kept_groups(plan: Plan, tree: exp.Select) -> exp.Select:
    """The groups shown: those the HAVING keeps, and with a top N the first N of them in the
    requested order (its keys name outputs, so the outputs stay selected; the totals' own
    keys, GROUPING() and the total level, mean nothing in a plain GROUP BY)."""
    kept = tree.copy()
    kept.set("with_", None)
    kept.set("order", None)
    keys = [exp.alias_(g.copy(), _key(i)) for i, g in enumerate(plan.group_by)]
    if plan.spec.limit is None:
        kept.set("expressions", keys)
        return kept
    outputs = [e for e in kept.expressions if e.alias != TOTAL_LEVEL]
    kept.set("expressions", [*outputs, *keys])
    order = [o.copy() for o in requested_order(plan)]
    if order:
        kept = kept.order_by(*order, copy=False)
    return kept.limit(plan.spec.limit, copy=False)


def _key(i: int) -> str:
    return f"_k{i}"


def _same(kept: exp.Expr, group: exp.Expr) -> exp.Expr:
    """`kept = group`, NULL matching NULL, in a form every dialect takes (Oracle before 23ai
    has no IS NOT DISTINCT FROM)."""
    both_null = exp.and_(kept.copy().is_(exp.null()), group.copy().is_(exp.null()))
    return exp.or_(exp.EQ(this=kept, expression=group.copy()), exp.paren(both_null))


def _free(name: str, taken: set[str]) -> str:
    found, n = name, 1
    while found.casefold() in taken:
        n += 1
        found = f"{name}{n}"
    return found
