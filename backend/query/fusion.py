"""Several aggregate queries over the same rows answered by one GROUPING SETS statement.

A dashboard's tiles often read one dataset under the same vintage, row filters and
dashboard filters, and differ only in what they group by and aggregate: each of them
scans the same rows. Fused, the rows are scanned once:

    WITH <the one CTE, its columns the union of the members'>
    SELECT <gid>, <each member's outputs>, <rn> FROM (
      SELECT <gid>, <each member's outputs, CASE WHEN gid = <its set> THEN .. END>,
             ROW_NUMBER() OVER (PARTITION BY gid ORDER BY <each set's own keys>) AS rn
      FROM (SELECT <every output once>, <gid> FROM .. WHERE ..
            GROUP BY GROUPING SETS (<each member's group-by>, ..))
    ) WHERE rn <= <rows> ORDER BY gid, rn

`gid` is GROUPING(g0) * 1 + GROUPING(g1) * 2 + ...: one number per grouping set (single
argument GROUPING, which all three databases have). A member's rows are those of its set,
in the order the database sorts them by the member's own ORDER BY (each key only non-null
inside its own set, so the other sets' keys never reorder it), at most `rows` of them: the
first block of the member's own result, row for row (`split`).

Only plain aggregates fuse (`shape`): one dataset, no join, no HAVING, no top N, no
totals, no window, no DISTINCT, every sort key an output. Members whose set is the same
must sort it the same way (`plan`); the rest run alone. All steps are pure: trees in,
trees and tables out.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import pyarrow as pa
import pyarrow.compute as pc
from sqlglot import exp

GID, RN = "_aurora_gid", "_aurora_rn"
_GROUPED, _RANKED = "_aurora_grouped", "_aurora_ranked"
# At most this many distinct group-by expressions in one statement (gid is a bit mask).
MAX_GROUP_EXPRESSIONS = 30
_NOT_FUSABLE = (exp.Window, exp.Rollup, exp.Cube, exp.GroupingSets, exp.Grouping, exp.GroupingId)


@dataclass(frozen=True)
class Key:
    """One sort key of a member: an output's expression, direction, NULL placement."""

    expr: str  # the output's SQL: keys of two members compare by what they sort
    desc: bool
    nulls_first: bool


@dataclass(frozen=True)
class Shape:
    """A fusable query taken apart. `rows` is the query without its outputs, grouping,
    order and CTE columns: queries fuse only when theirs are the same text."""

    tree: exp.Select
    rows: str
    groups: tuple[exp.Expr, ...]
    outputs: tuple[exp.Alias, ...]
    order: tuple[Key, ...]

    @property
    def distinct(self) -> bool:
        """Whether an output counts (or sums...) distinct values."""
        return any(o.find(exp.Distinct) for o in self.outputs)

    @property
    def grouping(self) -> frozenset[str]:
        """The grouping set, by its expressions' SQL (their order does not change it)."""
        return frozenset(g.sql() for g in self.groups)


def shape(tree: exp.Select) -> Shape | None:
    """`tree` taken apart when it can be a member of a fused statement, else None.

    >>> from sqlglot import parse_one
    >>> s = shape(parse_one("WITH c AS (SELECT a, x FROM t WHERE x > 0) "
    ...     "SELECT c.a AS a, SUM(c.x) AS s FROM c GROUP BY c.a ORDER BY a"))
    >>> s.rows, [g.sql() for g in s.groups], s.order[0].expr
    ('WITH c AS (SELECT FROM t WHERE x > 0) SELECT FROM c', ['c.a'], 'c.a')
    >>> shape(parse_one("WITH c AS (SELECT a FROM t) SELECT c.a AS a FROM c")) is None
    True
    """
    if not _plain(tree) or not _one_cte(tree):
        return None
    outputs = tuple(e for e in tree.expressions if isinstance(e, exp.Alias))
    if len(outputs) != len(tree.expressions) or not outputs:
        return None
    group = tree.args.get("group")
    groups = tuple(group.expressions) if group is not None else ()
    if not groups and not all(o.find(exp.AggFunc) for o in outputs):
        return None  # rows, not an aggregate
    order = _order(tree, outputs)
    if order is None:
        return None
    return Shape(tree, _rows_text(tree), groups, outputs, order)


def _plain(tree: exp.Select) -> bool:
    """No join, HAVING, LIMIT, DISTINCT, QUALIFY, window, subquery or grouping extension."""
    parts = ("joins", "having", "limit", "offset", "distinct", "qualify", "windows", "laterals")
    if any(tree.args.get(p) for p in parts):
        return False
    if sum(1 for _ in tree.find_all(exp.Query)) != 2:  # itself and its CTE's: no subquery
        return False
    return not any(tree.find(kind) for kind in _NOT_FUSABLE)


def _one_cte(tree: exp.Select) -> bool:
    """Read FROM its one CTE, a plain SELECT ... FROM a table WHERE ... ."""
    with_ = tree.args.get("with_")
    if with_ is None or len(with_.expressions) != 1:
        return False
    body = with_.expressions[0].this
    source = tree.args.get("from_")
    if not isinstance(body, exp.Select) or source is None:
        return False
    if not isinstance(source.this, exp.Table) or source.this.name != with_.expressions[0].alias:
        return False
    parts = ("joins", "group", "having", "limit", "offset", "distinct", "qualify", "order")
    return not any(body.args.get(p) for p in parts) and not body.find(exp.AggFunc)


def _order(tree: exp.Select, outputs: Sequence[exp.Alias]) -> tuple[Key, ...] | None:
    """The sort keys by what they sort; None when a key is not an output's name."""
    by_name = {o.alias: o.this for o in outputs}
    order = tree.args.get("order")
    keys = []
    for ordered in order.expressions if order is not None else ():
        column = ordered.this
        if not isinstance(column, exp.Column) or column.table or column.name not in by_name:
            return None
        nulls_first = bool(ordered.args.get("nulls_first"))
        keys.append(Key(by_name[column.name].sql(), bool(ordered.args.get("desc")), nulls_first))
    return tuple(keys)


def _rows_text(tree: exp.Select) -> str:
    bare = tree.copy()
    for part in ("group", "order"):
        bare.set(part, None)
    bare.set("expressions", [])
    bare.args["with_"].expressions[0].this.set("expressions", [])
    return bare.sql()


def plan(shapes: Sequence[Shape | None]) -> list[list[int]]:
    """The members of each fused statement worth running (two or more), by index into
    `shapes`: same rows; one sort per grouping set (a member sorting a set already taken
    differently goes to another statement); a distinct count only with members of its own
    grouping set; at most MAX_GROUP_EXPRESSIONS group-by expressions.

    >>> from sqlglot import parse_one
    >>> q = "WITH c AS (SELECT a, b, x FROM t) SELECT {} FROM c GROUP BY {} ORDER BY {}"
    >>> by_a = shape(parse_one(q.format("c.a AS a, SUM(c.x) AS s", "c.a", "a")))
    >>> by_b = shape(parse_one(q.format("c.b AS b, COUNT(*) AS n", "c.b", "b")))
    >>> by_a_desc = shape(parse_one(q.format("c.a AS a, MAX(c.x) AS m", "c.a", "a DESC")))
    >>> distinct_b = shape(parse_one(q.format("c.b AS b, COUNT(DISTINCT c.x) AS d", "c.b", "b")))
    >>> plan([by_a, None, by_b, by_a_desc, by_a, distinct_b])
    [[0, 2, 4]]
    """
    groups: list[_Group] = []
    for i, s in enumerate(shapes):
        if s is None:
            continue
        fits = next((g for g in groups if g.fits(s)), None)
        if fits is not None:
            fits.add(i, s)
        elif len(s.grouping) <= MAX_GROUP_EXPRESSIONS:
            groups.append(_Group(s.rows, [i], {s.grouping: s.order}, s.distinct))
    return [g.members for g in groups if len(g.members) > 1]


@dataclass
class _Group:
    """A fused statement being planned: its rows, members, each set's sort, and whether a
    member counts distinct values (then it holds one grouping set only: every aggregate is
    computed for every set, and a distinct count's hash table per set cost the 10M demo's
    dashboard as much as its nine statements apart, 2.1 s against 2.4 s, 0.56 s without)."""

    rows: str
    members: list[int]
    sorts: dict[frozenset[str], tuple[Key, ...]]
    distinct: bool

    def fits(self, s: Shape) -> bool:
        if s.rows != self.rows or self.sorts.get(s.grouping, s.order) != s.order:
            return False
        if (s.distinct or self.distinct) and set(self.sorts) != {s.grouping}:
            return False
        expressions = set(s.grouping).union(*self.sorts)
        return len(expressions) <= MAX_GROUP_EXPRESSIONS

    def add(self, i: int, s: Shape) -> None:
        self.members.append(i)
        self.sorts.setdefault(s.grouping, s.order)
        self.distinct = self.distinct or s.distinct


@dataclass(frozen=True)
class Part:
    """A member's rows in the fused result: those whose GID is `gid`, its outputs in the
    result's columns at `positions`, named `names` (its own output names)."""

    gid: int
    positions: tuple[int, ...]
    names: tuple[str, ...]


@dataclass(frozen=True)
class Fused:
    tree: exp.Select
    parts: tuple[Part, ...]


def fuse(members: Sequence[Shape], rows: int) -> Fused:
    """One statement for `members` (a group of `plan`), each member's first `rows` rows."""
    groups = _unique(g for m in members for g in m.groups)
    columns = _unique(o.this for m in members for o in m.outputs)
    inner = _grouped(members, groups, columns)
    position = {c.sql(): n for n, c in enumerate(columns)}
    gids = [_gid_of(m, groups) for m in members]
    parts: list[Part] = []
    cells: list[exp.Expr] = [_ref(GID)]
    for i, (m, gid) in enumerate(zip(members, gids, strict=True)):
        mine = [f"_aurora_m{i}_{j}" for j in range(len(m.outputs))]
        for name, output in zip(mine, m.outputs, strict=True):
            value = _ref(_col(position[output.this.sql()]))
            cells.append(exp.alias_(_only_in(gid, value), name, quoted=True))
        first = len(cells) - len(mine)
        parts.append(Part(gid, tuple(range(first, len(cells))), tuple(o.alias for o in m.outputs)))
    ranked = exp.select(*cells, _row_number(members, gids, position), copy=False)
    ranked = ranked.from_(inner.subquery(_quoted(_GROUPED), copy=False), copy=False)
    names = [_ref(c.alias if isinstance(c, exp.Alias) else c.name) for c in cells]
    outer = exp.select(*names, copy=False).from_(
        ranked.subquery(_quoted(_RANKED), copy=False), copy=False
    )
    outer = outer.where(exp.LTE(this=_ref(RN), expression=exp.Literal.number(rows)), copy=False)
    outer = outer.order_by(_ref(GID), _ref(RN), copy=False)
    outer.set("with_", _cte(members))
    return Fused(outer, tuple(parts))


def _unique(exprs: Iterable[exp.Expr]) -> list[exp.Expr]:
    found: dict[str, exp.Expr] = {}
    for e in exprs:
        found.setdefault(e.sql(), e)
    return list(found.values())


def _col(n: int) -> str:
    return f"_aurora_c{n}"


def _quoted(name: str) -> exp.Identifier:
    """A name of ours, quoted: Oracle would fold it to upper case, and refuse its `_`."""
    return exp.to_identifier(name, quoted=True)


def _ref(name: str) -> exp.Column:
    return exp.Column(this=_quoted(name))


def _grouped(
    members: Sequence[Shape], groups: list[exp.Expr], columns: list[exp.Expr]
) -> exp.Select:
    """The GROUPING SETS select over the first member's rows: every output once, and GID."""
    inner = members[0].tree.copy()
    for part in ("with_", "order", "group"):
        inner.set(part, None)
    cells = [exp.alias_(c.copy(), _col(n), quoted=True) for n, c in enumerate(columns)]
    inner.set("expressions", [*cells, exp.alias_(_gid(groups), GID, quoted=True)])
    sets = _unique_sets(members)
    if groups:  # else only the empty set: a plain aggregate, one row
        tuples = [exp.Tuple(expressions=[g.copy() for g in s]) for s in sets]
        inner.set("group", exp.Group(expressions=[exp.GroupingSets(expressions=tuples)]))
    return inner


def _unique_sets(members: Sequence[Shape]) -> list[tuple[exp.Expr, ...]]:
    found: dict[frozenset[str], tuple[exp.Expr, ...]] = {}
    for m in members:
        found.setdefault(m.grouping, m.groups)
    return list(found.values())


def _gid(groups: list[exp.Expr]) -> exp.Expr:
    """GROUPING(g0) * 1 + GROUPING(g1) * 2 + ... (0 when nothing is grouped)."""
    total: exp.Expr = exp.Literal.number(0)
    for n, g in enumerate(groups):
        bit = exp.Mul(
            this=exp.Grouping(expressions=[g.copy()]), expression=exp.Literal.number(1 << n)
        )
        total = bit if n == 0 else exp.Add(this=total, expression=bit)
    return total


def _gid_of(member: Shape, groups: list[exp.Expr]) -> int:
    """The GID of the member's rows: a bit for each expression its set does not group."""
    return sum(1 << n for n, g in enumerate(groups) if g.sql() not in member.grouping)


def _only_in(gid: int, value: exp.Expr) -> exp.Expr:
    """`value` in rows of set `gid`, NULL in the others."""
    test = exp.EQ(this=_ref(GID), expression=exp.Literal.number(gid))
    return exp.Case(ifs=[exp.If(this=test, true=value)])


def _row_number(members: Sequence[Shape], gids: list[int], position: dict[str, int]) -> exp.Expr:
    """ROW_NUMBER() within each set, in its members' order (each set's keys only set there)."""
    keys: list[exp.Ordered] = []
    done: set[int] = set()
    for m, gid in zip(members, gids, strict=True):
        if gid in done:
            continue
        done.add(gid)
        for key in m.order:
            value = _only_in(gid, _ref(_col(position[key.expr])))
            keys.append(exp.Ordered(this=value, desc=key.desc, nulls_first=key.nulls_first))
    window = exp.Window(this=exp.RowNumber(), partition_by=[_ref(GID)])
    if keys:
        window.set("order", exp.Order(expressions=keys))
    return exp.alias_(window, RN, quoted=True)


def _cte(members: Sequence[Shape]) -> exp.With:
    """The members' one CTE, selecting every column any of them reads."""
    with_: exp.With = members[0].tree.args["with_"].copy()
    body = with_.expressions[0].this
    cols = _unique(e for m in members for e in m.tree.args["with_"].expressions[0].this.expressions)
    body.set("expressions", [c.copy() for c in cols])
    return with_


def split_part(table: pa.Table, part: Part, rows: int) -> pa.Table:
    """A member's first `rows` rows of the fused statement's result, as its own query
    gives them: the same columns, names and order."""
    gids = table.column(0)
    mine = table.filter(pc.equal(gids, pa.scalar(part.gid, gids.type)))
    return mine.select(list(part.positions)).rename_columns(list(part.names)).slice(0, rows)
