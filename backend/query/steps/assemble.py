"""Steps: join order, the final SELECT, and pagination."""

from __future__ import annotations

from sqlglot import exp

from backend.errors import RowLimitExceeded
from backend.query.names import columns_in
from backend.query.plan import JoinStep, Plan
from backend.query.spec import JoinType, QuerySpec
from backend.query.steps.select import select_list


def order_joins(plan: Plan) -> Plan:
    """With row estimates and only inner joins, the smallest estimated input (after its own
    filters) drives, and each next dataset is the smallest one joined to those already
    placed (greedy), so every ON reads only datasets before it. Otherwise: written order.

    >>> from tests.query.catalog import plan_for
    >>> from backend.query.compiler import run_steps
    >>> sizes = {"global_sales": 1000, "products": 10}
    >>> p = run_steps(plan_for({"dataset": "global_sales", "joins": [{"dataset": "products",
    ...     "on": [{"left": "product_id", "right": "product_id"}]}]},
    ...     estimate_rows=lambda alias, cte: sizes[alias]), until=order_joins)
    >>> p.join_order
    ('products', 'global_sales')
    """
    written = (plan.base, *(j.alias for j in plan.joins))
    estimate = plan.ctx.estimate_rows
    if estimate is None or not plan.joins or any(j.type != JoinType.INNER for j in plan.joins):
        return plan.but(join_order=written)
    sizes = {cte.alias: estimate(cte.alias, cte.select) for cte in plan.ctes}
    if any(size is None for size in sizes.values()):
        return plan.but(join_order=written)
    rank = {alias: (sizes[alias], i) for i, alias in enumerate(written)}
    edges = [(c, frozenset(a for a, _ in columns_in(c))) for j in plan.joins for c in j.conditions]
    placed, steps = [min(written, key=rank.__getitem__)], []
    while len(placed) < len(written):
        joinable = [a for a in written if a not in placed and _touches(edges, a, placed)]
        pick = min(joinable, key=rank.__getitem__)
        on = tuple(c for c, aliases in edges if pick in aliases and aliases <= {*placed, pick})
        steps.append(JoinStep(pick, JoinType.INNER, on))
        placed.append(pick)
    note = () if tuple(placed) == written else (f"join order: {', '.join(placed)}",)
    return plan.but(joins=tuple(steps), join_order=tuple(placed), notes=plan.notes + note)


def _touches(edges: list[tuple[exp.Expr, frozenset[str]]], alias: str, placed: list[str]) -> bool:
    return any(alias in aliases and aliases - {alias} <= set(placed) for _, aliases in edges)


def assemble(plan: Plan) -> Plan:
    """WITH the CTEs, SELECT the outputs FROM the first dataset, JOIN the others, then
    WHERE, GROUP BY, HAVING and ORDER BY: the whole result, unpaged."""
    names = {cte.alias: cte.name for cte in plan.ctes}
    first = plan.join_order[0]
    # Every part is a fresh copy already, so the builders need not copy again (copy=False).
    tree = exp.select(*select_list(plan), copy=False)
    tree = tree.from_(exp.table_(names[first], alias=first), copy=False)
    for join in plan.joins:
        tree = tree.join(
            exp.table_(names[join.alias], alias=join.alias),
            on=exp.and_(*(c.copy() for c in join.conditions)),
            join_type=join.type.value,
            copy=False,
        )
    for cte in plan.ctes:
        tree = tree.with_(exp.to_identifier(cte.name), as_=cte.select.copy(), copy=False)
    if plan.where:
        tree = tree.where(*(w.copy() for w in plan.where), copy=False)
    if plan.group_by:
        tree = tree.group_by(*(g.copy() for g in plan.group_by), copy=False)
    if plan.having:
        tree = tree.having(*(h.copy() for h in plan.having), copy=False)
    if plan.order:
        tree = tree.order_by(*(o.copy() for o in plan.order), copy=False)
    return plan.but(tree=tree)


def page_window(spec: QuerySpec, max_row_limit: int) -> tuple[int, int]:
    """(offset, rows) of the spec's page; refused past `max_row_limit` rows from the top.

    >>> page_window(QuerySpec(dataset="t", page=3, page_size=50), 1000)
    (100, 50)
    """
    offset = (spec.page - 1) * spec.page_size
    if offset + spec.page_size > max_row_limit:
        raise RowLimitExceeded(
            f"page {spec.page} of {spec.page_size} rows reaches row {offset + spec.page_size:,}; "
            f"paging stops at {max_row_limit:,} rows. Narrow the query with filters, or export it."
        )
    return offset, spec.page_size


def paginate(plan: Plan) -> Plan:
    """LIMIT page_size OFFSET (page-1)*page_size (FETCH FIRST on Oracle), within
    `max_row_limit` rows from the top."""
    offset, rows = page_window(plan.spec, plan.ctx.max_row_limit)
    assert plan.tree is not None, "assemble runs before paginate"
    paged = plan.tree.limit(rows)  # copies: the unpaged tree stays as it is
    return plan.but(paged=paged.offset(offset, copy=False) if offset else paged)
