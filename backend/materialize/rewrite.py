"""The rewrite: a compiled query whose joins and columns a materialization covers reads the
materialized relation instead, with the same rows.

It works on the compiled tree, not the spec, because the compiler's output has one shape
(`backend.query.compiler`): one CTE per dataset with that dataset's pre-join predicates
(vintage, row-level security, pushed filters), then SELECT ... FROM them JOIN ... WHERE ...
GROUP BY ... ORDER BY. Replacing only the FROM part keeps everything the compiler decided
(output names, labels, sort and tie-breakers, HAVING, totals, calculated fields) exactly as
it is, and needs no renaming inside calculated-field text. Any tree of another shape is left
alone (None), so a future compiler change can only turn the rewrite off, never break rows.

The pre-join predicates move into one CTE over the materialized relation. That is the same
filter only for an input that no join null-supplies: the base, and inner-joined datasets.
A left-joined dataset with any predicate of its own (say, row-level security on it) keeps
the query on its inputs: filtered after the join, its unmatched rows would disappear
instead of being NULL-extended.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from sqlglot import exp

from backend.materialize.layout import JoinShape, Layout, Pair
from backend.query.steps.ctes import relation

_PLAIN_READ = frozenset({"expressions", "from_", "where"})


@dataclass(frozen=True)
class Shape:
    """A compiled tree as the rewrite sees it."""

    base: str
    sources: Mapping[str, exp.Select]  # alias -> its CTE: SELECT cols FROM relation [WHERE]
    joins: tuple[JoinShape, ...]


def rewrite(tree: exp.Select, layout: Layout, target: exp.Table) -> exp.Select | None:
    """`tree` reading `target` (the materialized relation) instead of joining, or None when
    the materialization does not cover it.

    >>> from tests.materialize.catalog import compiled, sales_roster
    >>> q = compiled({"dataset": "global_sales", "joins": [{"dataset": "employee_roster",
    ...     "on": [{"left": "employee_id", "right": "employee_id"}]}],
    ...     "columns": ["order_id", "employee_roster.name"], "page_size": 5})
    >>> print(rewrite(q.tree, sales_roster(), exp.table_("sales_roster")).sql(pretty=True))
    WITH materialized_rows AS (
      SELECT
        name,
        order_id
      FROM sales_roster
    )
    SELECT
      materialized.order_id AS order_id,
      materialized.name AS "employee_roster.name"
    FROM materialized_rows AS materialized
    ORDER BY
      order_id ASC NULLS LAST,
      "employee_roster.name" ASC NULLS LAST
    LIMIT 5
    """
    tree, derived = _split_derived(tree)
    shape = read_shape(tree)
    if shape is None or not same_join(shape, layout):
        return None
    predicates = pre_join_predicates(shape, layout)
    outer = tree.copy()
    outer.set("with_", None)
    bodies = [outer, *(cte.this for cte in derived)]
    for body in bodies:
        body.set("joins", None)
    read = {
        (c.table, c.name)
        for body in bodies
        for c in body.find_all(exp.Column)
        if c.table in shape.sources
    }
    if predicates is None or not read <= layout.columns.keys():
        return None
    return _assemble(outer, derived, shape, layout, target, predicates, read)


def _split_derived(tree: exp.Select) -> tuple[exp.Select, list[exp.CTE]]:
    """`tree` without the CTEs derived from its own join, and those CTEs (copies).

    A derived CTE reads exactly the tree's FROM and joins (the groups a HAVING keeps, see
    `backend.query.steps.shown_totals`); it reads the materialization the same way."""
    with_ = tree.args.get("with_")
    if with_ is None:
        return tree, []
    joins = tree.args.get("joins") or []
    derived = [
        cte
        for cte in with_.expressions
        if isinstance(cte.this, exp.Select)
        and cte.this.args.get("from_") == tree.args.get("from_")
        and (cte.this.args.get("joins") or []) == joins
    ]
    if not derived:
        return tree, []
    tree = tree.copy()
    kept = [c for c in tree.args["with_"].expressions if c not in derived]
    tree.args["with_"].set("expressions", kept)
    return tree, [cte.copy() for cte in derived]


def read_shape(tree: exp.Select) -> Shape | None:
    with_ = tree.args.get("with_")
    from_ = tree.args.get("from_")
    if with_ is None or from_ is None or with_.args.get("recursive"):
        return None
    ctes = {cte.alias: cte.this for cte in with_.expressions}
    base = _source(from_.this, ctes)
    if base is None:
        return None
    sources, joins = dict([base]), []
    for join in tree.args.get("joins") or []:
        joined, shape = _source(join.this, ctes), _join_shape(join)
        if joined is None or shape is None or joined[0] in sources:
            return None
        sources[joined[0]] = joined[1]
        joins.append(shape)
    if len(sources) != len(ctes):  # a CTE that is not one dataset's read: not our shape
        return None
    return Shape(base[0], sources, tuple(joins))


def _source(node: exp.Expr, ctes: Mapping[str, exp.Expr]) -> tuple[str, exp.Select] | None:
    """(alias, CTE) for `FROM "<cte>" AS "<alias>"` over a plain single-relation read."""
    if not isinstance(node, exp.Table) or node.db or not node.alias:
        return None
    select = ctes.get(node.name)
    if not isinstance(select, exp.Select):
        return None
    if any(v for k, v in select.args.items() if k not in _PLAIN_READ):
        return None
    read = select.args.get("from_")
    if read is None or not isinstance(read.this, exp.Table) or read.this.alias:
        return None
    return node.alias, select


def _join_shape(join: exp.Join) -> JoinShape | None:
    side, kind = join.side.upper(), join.kind.upper()
    if kind not in ("", "INNER") or side not in ("", "LEFT") or join.args.get("using"):
        return None
    pairs = set()
    on = join.args.get("on")
    for condition in on.flatten() if isinstance(on, exp.And) else [on]:
        if not isinstance(condition, exp.EQ):
            return None
        left, right = condition.this, condition.expression
        if not isinstance(left, exp.Column) or not isinstance(right, exp.Column):
            return None
        pairs.add(frozenset({(left.table, left.name), (right.table, right.name)}))
    return JoinShape(join.alias_or_name, "left" if side else "inner", frozenset(pairs))


def same_join(shape: Shape, layout: Layout) -> bool:
    """The same datasets under the same aliases, joined the same way. Left joins must come
    in the declared order; inner joins may be reordered (the compiler does so)."""
    if set(shape.sources) != set(layout.relations):
        return False
    for alias, select in shape.sources.items():
        if _table_name(select.args["from_"].this) != _table_name(relation(layout.relations[alias])):
            return False
    if layout.left_joined or any(j.kind == "left" for j in shape.joins):
        return shape.base == layout.base and shape.joins == layout.joins
    return _all_on(shape.joins) == _all_on(layout.joins)


def _all_on(joins: tuple[JoinShape, ...]) -> frozenset[frozenset[Pair]]:
    return frozenset(pair for j in joins for pair in j.on)


def _table_name(table: exp.Table) -> tuple[str, str, str]:
    return table.catalog, table.db, table.name


def pre_join_predicates(shape: Shape, layout: Layout) -> list[exp.Expr] | None:
    """Every CTE's predicates over materialized columns; None when one cannot move (it is
    on a left-joined dataset, or reads a column the materialization does not keep)."""
    moved: list[exp.Expr] = []
    for alias, select in shape.sources.items():
        where = select.args.get("where")
        if where is None:
            continue
        if alias in layout.left_joined:
            return None
        for predicate in where.this.flatten() if isinstance(where.this, exp.And) else [where.this]:
            columns = list(predicate.find_all(exp.Column))
            if any((alias, c.name) not in layout.columns for c in columns):
                return None
            copy = predicate.copy()
            for column in copy.find_all(exp.Column):
                column.replace(exp.column(layout.columns[(alias, column.name)]))
            moved.append(copy)
    return moved


def _assemble(
    outer: exp.Select,
    derived: list[exp.CTE],
    shape: Shape,
    layout: Layout,
    target: exp.Table,
    predicates: list[exp.Expr],
    read: set[Pair],
) -> exp.Select:
    taken = {a.casefold() for a in shape.sources} | {target.name.casefold()}
    taken |= {d.alias.casefold() for d in derived}
    alias = _free("materialized", taken)
    cte_name = _free(f"{alias}_rows", taken | {alias})
    used = sorted({layout.columns[p] for p in read})
    columns: list[exp.Expr] = [exp.column(c) for c in used]
    cte = exp.select(*(columns or [exp.alias_(exp.Literal.number(1), "one")]))
    cte = cte.from_(target.copy())
    if predicates:
        cte = cte.where(*predicates, copy=False)
    for body in [outer, *(d.this for d in derived)]:
        for column in list(body.find_all(exp.Column)):
            if column.table in shape.sources:
                column.replace(exp.column(layout.columns[(column.table, column.name)], table=alias))
        body.set("from_", exp.From(this=exp.table_(cte_name, alias=alias)))
    outer = outer.with_(cte_name, as_=cte, copy=False)
    for d in derived:
        outer = outer.with_(d.alias, as_=d.this, copy=False)
    return outer


def _free(name: str, taken: set[str]) -> str:
    candidate, n = name, 1
    while candidate.casefold() in taken:
        n += 1
        candidate = f"{name}{n}"
    return candidate
