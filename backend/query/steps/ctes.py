"""Step: one CTE per dataset occurrence, reading only the columns the query uses.

Its WHERE holds, in this order: the vintage (`load_type`/`load_id` on the raw relation, so
DuckDB prunes hive partitions), the row-level-security predicates, then the filters pushed
down to this dataset.
"""

from __future__ import annotations

from collections.abc import Iterable

from sqlglot import exp

from backend.query.coerce import coerce
from backend.query.names import Source, columns_in
from backend.query.plan import Cte, Plan


def build_ctes(plan: Plan) -> Plan:
    """
    >>> from tests.query.catalog import plan_for
    >>> from backend.query.compiler import run_steps
    >>> p = run_steps(plan_for({"dataset": "products", "columns": ["category"],
    ...     "filters": {"conditions": [{"column": "list_price", "operator": ">", "value": 10}]}}),
    ...     until=build_ctes)
    >>> p.ctes[0].name, p.ctes[0].select.sql()
    ('products_rows', 'SELECT category, list_price FROM products WHERE list_price > 10')
    """
    used = _used_columns(plan)
    taken = {s.dataset.relation.casefold() for s in plan.scope.sources}
    ctes = []
    for source in plan.scope.sources:
        name = free_cte_name(source.alias, taken)
        taken.add(name.casefold())
        pushed = [unqualify(p) for alias, p in plan.pushed if alias == source.alias]
        where = [*vintage_predicates(source), *rls_predicates(plan, source), *pushed]
        select = cte_select(source, used.get(source.alias, set()), where)
        ctes.append(Cte(source.alias, name, select))
    return plan.but(ctes=tuple(ctes))


def cte_select(source: Source, used: set[str], where: list[exp.Expr]) -> exp.Select:
    """SELECT the used columns (in dataset order) FROM the relation WHERE all of `where`."""
    columns: list[exp.Expr] = [exp.column(c.name) for c in source.dataset.columns if c.name in used]
    if not columns:  # e.g. COUNT(*) alone: a row per row is all that is needed
        columns = [exp.alias_(exp.Literal.number(1), "one")]
    select = exp.select(*columns, copy=False).from_(relation(source.dataset.relation), copy=False)
    return select.where(*where, copy=False) if where else select


def relation(name: str) -> exp.Table:
    """A table from a catalog relation name, `schema.table` allowed."""
    parts = name.split(".")
    return exp.table_(
        parts[-1],
        db=parts[-2] if len(parts) > 1 else None,
        catalog=".".join(parts[:-2]) or None,
    )


def vintage_predicates(source: Source) -> list[exp.Expr]:
    """`load_type = '...'` and `load_id = ...`, typed like the load columns."""
    wanted, columns = source.vintage, source.dataset.vintage
    if wanted is None or columns is None:
        return []
    found: list[exp.Expr] = []
    for part, column in (("load_type", columns.load_type), ("load_id", columns.load_id)):
        value = getattr(wanted, part)
        if value is None or column is None:
            continue
        known = source.dataset.column(column)
        sql_type = known.type if known else ("BIGINT" if isinstance(value, int) else "VARCHAR")
        literal = coerce(value, sql_type, column=column, path=f"vintage.{part}")
        found.append(exp.EQ(this=exp.column(column), expression=literal))
    return found


RLS_MARK = "aurora_rls"  # in a node's `meta`: this predicate is the caller's row filter


def rls_predicates(plan: Plan, source: Source) -> list[exp.Expr]:
    """The caller's row filters on this dataset, each marked (`is_row_filter`) so that
    estimates can tell them from the query's own filters: statistics for this caller are
    computed inside their slice (`backend.services.estimates`). The mark lives in sqlglot's
    `meta`, which copies keep and SQL never shows."""
    marked = []
    for predicate in plan.ctx.rls.get(source.dataset.key, ()):
        copy = predicate.copy()
        copy.meta[RLS_MARK] = True
        marked.append(copy)
    return marked


def is_row_filter(node: exp.Expr) -> bool:
    """Whether `node` (or the parenthesis around it) is a caller's row filter."""
    inner = node.this if isinstance(node, exp.Paren) and isinstance(node.this, exp.Expr) else node
    return bool(inner.meta.get(RLS_MARK))


def unqualify(predicate: exp.Expr) -> exp.Expr:
    """The predicate over the dataset's own columns, for use inside its CTE."""

    def strip(node: exp.Expr) -> exp.Expr:
        if isinstance(node, exp.Column) and node.table:
            return exp.Column(this=node.this.copy())
        return node

    return predicate.transform(strip)


def _used_columns(plan: Plan) -> dict[str, set[str]]:
    expressions: Iterable[exp.Expr] = (
        *(o.expr for o in plan.outputs),
        *plan.group_by,
        *plan.where,
        *(p for _, p in plan.pushed),
        *plan.having,
        *(c for j in plan.joins for c in j.conditions),
    )
    used: dict[str, set[str]] = {}
    for expression in expressions:
        for alias, name in columns_in(expression):
            used.setdefault(alias, set()).add(name)
    return used


def free_cte_name(alias: str, taken: set[str]) -> str:
    # A CTE named like a relation would shadow it for the CTEs after it.
    name, n = alias if alias.casefold() not in taken else f"{alias}_rows", 1
    while name.casefold() in taken:
        n += 1
        name = f"{alias}_rows{n}"
    return name
