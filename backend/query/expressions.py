"""The safe expression parser for calculated fields and measure expressions.

The user's text is parsed by sqlglot (duckdb dialect) only to get a tree. That tree is then
rebuilt node by node from a whitelist: each allowed node becomes a node *we* construct, names
become resolved qualified column references, literals become fresh typed literals. Anything
else (subqueries, casts, unknown functions, `*`, parameters, several statements) is
`InvalidQuery` naming the construct and the JSON path. Nothing of the text reaches the SQL
except through these rebuilt nodes.

The result type is a best-effort DuckDB type name, also used for light type checks that
turn obvious mistakes (`upper(quantity)`, `region * 2`, `created_at + 1`) into clear errors, not
database ones. Arithmetic is allowed only where DuckDB, PostgreSQL and Oracle all accept it.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable
from dataclasses import dataclass

import sqlglot
from sqlglot import exp
from sqlglot.errors import SqlglotError

from backend.catalog.models import type_kind
from backend.errors import InvalidQuery
from backend.query.coerce import coerce, number_text
from backend.query.names import Ref

MAX_NODES = 200
FUNCTIONS = (
    *("abs", "round", "coalesce", "lower", "upper", "year", "month", "day", "date_trunc"),
    *("nullif", "greatest", "least", "length", "trim", "concat"),
)
TRUNC_UNITS = ("year", "quarter", "month", "week", "day", "hour", "minute")
NUMERIC = frozenset({"integer", "decimal", "float"})
TEMPORAL = frozenset({"date", "timestamp"})
NULL_TYPE = "NULL"
DAY_COUNT_TYPES = r"^(TINYINT|SMALLINT|INTEGER|INT|INT2|INT4)$"

Resolver = Callable[[str], Ref]
Typed = tuple[exp.Expr, str]


@dataclass(frozen=True)
class _Walk:
    """One rebuild: how names resolve and where errors point."""

    resolve: Resolver
    path: str

    def fail(self, message: str) -> InvalidQuery:
        return InvalidQuery(f"{message} (at {self.path})", path=self.path)

    def build(self, node: exp.Expr) -> Typed:
        handler = _HANDLERS.get(type(node))
        if handler is None:
            raise self.fail(_refusal(node))
        return handler(self, node)

    def arg(self, node: exp.Expr, key: str) -> Typed:
        child = node.args.get(key)
        if not isinstance(child, exp.Expr):
            raise self.fail(f"{_what(node)} is missing a part")
        return self.build(child)

    def only(self, node: exp.Expr, *keys: str) -> None:
        extra = [k for k, v in node.args.items() if k not in keys and v not in (None, False, [])]
        if extra:
            raise self.fail(f"this form of {_what(node)} is not supported")


def parse_expression(
    text: str, resolve: Resolver, path: str, charge: Callable[[int], None] | None = None
) -> Typed:
    """Parse `text` into a safe tree over resolved columns, with its best-effort type.
    `charge` is told the size of the tree (calculated fields inlined) before it is built,
    so that it can refuse an expansion too big to build (`backend.query.budget`).

    >>> from backend.query.names import Ref
    >>> ref = Ref("amount", exp.column("amount", table="s"), "DECIMAL(18,2)", "Amount")
    >>> tree, kind = parse_expression("round(amount * 2, 1)", lambda n: ref, "calculated[0].expr")
    >>> tree.sql(), kind
    ('ROUND(s.amount * 2, 1)', 'DECIMAL')
    """
    walk = _Walk(resolve, path)
    try:
        statements = _parse(text)
    except (SqlglotError, RecursionError) as e:
        raise walk.fail(f"could not read the expression: {_first_line(e)}") from e
    trees = [s for s in statements if s is not None]
    if len(trees) != 1:
        raise walk.fail("write exactly one expression (no ';')")
    size = sum(1 for _ in trees[0].walk())
    if size > MAX_NODES:
        raise walk.fail(f"the expression has {size} parts; at most {MAX_NODES}")
    if charge is not None:
        charge(_inlined_size(walk, trees[0]))
    return walk.build(trees[0])


def _inlined_size(walk: _Walk, tree: exp.Expr) -> int:
    """Nodes of `tree` once built, each name replaced by what it stands for; known without
    building it, because a resolved name knows its own size. (Builders add a node here and
    there, a cast or a parenthesis: this is the size up to those.)"""
    total, todo = 0, [tree]
    while todo:
        node = todo.pop()
        ref = _named(walk, node) if isinstance(node, exp.Column) else None
        if ref is not None:
            total += ref.size
            continue
        total += 1
        todo.extend(node.iter_expressions())
    return total


def _named(walk: _Walk, node: exp.Column) -> Ref | None:
    """What a column name resolves to; None where building it fails anyway (with its own
    error, raised in the order the build meets it)."""
    if isinstance(node.this, exp.Star) or node.args.get("db") or node.args.get("catalog"):
        return None
    try:
        return walk.resolve(f"{node.table}.{node.name}" if node.table else node.name)
    except InvalidQuery:
        return None


@functools.lru_cache(maxsize=1024)
def _parse(text: str) -> tuple[exp.Expr | None, ...]:
    """sqlglot's parse, cached: a report re-sends the same fields page after page. The trees
    are shared, which is safe because the walk only reads them and builds new nodes."""
    return tuple(sqlglot.parse(text, read="duckdb"))


def _first_line(error: Exception) -> str:
    errors = getattr(error, "errors", None)
    if errors and isinstance(errors[0], dict) and errors[0].get("description"):
        return str(errors[0]["description"])
    return str(error).splitlines()[0] if str(error) else type(error).__name__


def _what(node: exp.Expr) -> str:
    if isinstance(node, exp.Anonymous):
        return f"function {node.name.lower()}()"
    if isinstance(node, exp.Func):
        return f"function {node.sql_name().lower()}()"
    return _NODE_NAMES.get(type(node), node.key.upper())


def _refusal(node: exp.Expr) -> str:
    if isinstance(node, exp.Func):
        return f"{_what(node)} is not allowed; allowed functions: {', '.join(FUNCTIONS)}"
    return f"{_what(node)} is not allowed in an expression"


_NODE_NAMES: dict[type[exp.Expr], str] = {
    exp.Add: "'+'",
    exp.Sub: "'-'",
    exp.Mul: "'*'",
    exp.Div: "'/'",
    exp.Mod: "'%'",
    exp.Neg: "'-'",
    exp.Subquery: "a subquery",
    exp.Select: "a subquery",
    exp.Union: "a subquery",
    exp.Star: "'*'",
    exp.Placeholder: "a parameter",
    exp.Cast: "a cast",
    exp.TryCast: "a cast",
    exp.Bracket: "element access ([...])",
    exp.Dot: "field access",
    exp.Alias: "an alias (AS)",
    exp.Command: "a command",
}


# ---- leaves -------------------------------------------------------------------------------


def _column(walk: _Walk, node: exp.Expr) -> Typed:
    assert isinstance(node, exp.Column)
    if isinstance(node.this, exp.Star):
        raise walk.fail("'*' is not allowed in an expression")
    if node.args.get("db") or node.args.get("catalog"):
        raise walk.fail(f"'{node.sql()}' has too many qualifiers; write dataset.column")
    name = f"{node.table}.{node.name}" if node.table else node.name
    ref = walk.resolve(name)
    if ref.measure:
        raise walk.fail(f"measure '{ref.name}' cannot be used inside an expression")
    tree = ref.expr.copy()
    return (tree if isinstance(tree, exp.Column) else exp.Paren(this=tree)), ref.type


def _literal(walk: _Walk, node: exp.Expr) -> Typed:
    assert isinstance(node, exp.Literal)
    if node.is_string:
        return exp.Literal.string(node.this), "VARCHAR"
    try:
        text = number_text(node.this)
    except ValueError as e:
        raise walk.fail(f"{node.this} is not a usable number") from e
    if not text.lstrip("-").isdigit():
        return exp.Literal.number(text), "DECIMAL"
    # DuckDB and PostgreSQL both type a whole number by size: `7` is an INTEGER.
    return exp.Literal.number(text), "INTEGER" if abs(int(text)) < 2**31 else "BIGINT"


def _constant(walk: _Walk, node: exp.Expr) -> Typed:
    if isinstance(node, exp.Boolean):
        return exp.Boolean(this=bool(node.this)), "BOOLEAN"
    return exp.Null(), NULL_TYPE


# ---- operators ----------------------------------------------------------------------------


def _kind(sql_type: str) -> str:
    return "null" if sql_type == NULL_TYPE else type_kind(sql_type)


def _numeric_type(walk: _Walk, node: exp.Expr, *types: str) -> str:
    kinds = {_kind(t) for t in types} - {"null"}
    if kinds - NUMERIC:
        raise walk.fail(f"{_what(node)} needs numbers, not {' and '.join(sorted(kinds))}")
    if "float" in kinds:
        return "DOUBLE"
    return "DECIMAL" if "decimal" in kinds else "BIGINT"


def _arithmetic(walk: _Walk, node: exp.Expr) -> Typed:
    (left, lt), (right, rt) = walk.arg(node, "this"), walk.arg(node, "expression")
    result = _arithmetic_type(node, lt, rt)
    if result is None:
        raise walk.fail(_arithmetic_refusal(node, lt, rt))
    if result == "DATE":
        left, right = _day_count(left, lt), _day_count(right, rt)
    if isinstance(node, exp.Div):
        result = "DOUBLE"
    return type(node)(this=left, expression=right), result


def _day_count(tree: exp.Expr, sql_type: str) -> exp.Expr:
    """A number of days added to a date: DuckDB and PostgreSQL add only INTEGER (32-bit)."""
    if _kind(sql_type) != "integer" or re.match(DAY_COUNT_TYPES, sql_type.strip().upper()):
        return tree
    return exp.cast(tree, exp.DataType.build("INTEGER"))


def _arithmetic_type(node: exp.Expr, lt: str, rt: str) -> str | None:
    """The result type of `lt <op> rt` where all three databases agree on one; else None.
    Dates take whole days (`d + 7`, `7 + d`, `d - 7`) and `d - d` counts days; a timestamp
    takes no arithmetic (that needs intervals, which differ per database)."""
    lk, rk = _kind(lt), _kind(rt)
    if {lk, rk} <= NUMERIC | {"null"} and {lk, rk} != {"null"}:
        kinds = {lk, rk} - {"null"}
        return "DOUBLE" if "float" in kinds else "DECIMAL" if "decimal" in kinds else "BIGINT"
    days = isinstance(node, exp.Add | exp.Sub) and lk == "date" and rk == "integer"
    if days or (isinstance(node, exp.Add) and lk == "integer" and rk == "date"):
        return "DATE"
    if isinstance(node, exp.Sub) and lk == rk == "date":
        return "BIGINT"
    return None


_VERBS: dict[type[exp.Expr], str] = {
    exp.Add: "cannot add {right} to {left}",
    exp.Sub: "cannot subtract {right} from {left}",
    exp.Mul: "cannot multiply {left} by {right}",
    exp.Div: "cannot divide {left} by {right}",
    exp.Mod: "cannot take the remainder of {left} divided by {right}",
}


def _arithmetic_refusal(node: exp.Expr, lt: str, rt: str) -> str:
    what = _VERBS[type(node)].format(left=_noun(lt), right=_noun(rt))
    return f"{what}; {_arithmetic_hint(node, {_kind(lt), _kind(rt)})}"


_NOUNS = {
    "date": "a date",
    "timestamp": "a timestamp",
    "text": "text",
    "boolean": "a true/false value",
    "null": "NULL",
}


def _noun(sql_type: str) -> str:
    kind = _kind(sql_type)
    return "a number" if kind in NUMERIC else _NOUNS.get(kind, f"a value of type {sql_type}")


def _arithmetic_hint(node: exp.Expr, kinds: set[str]) -> str:
    if "text" in kinds:
        if isinstance(node, exp.Add):
            return "use concat(a, b) to join text"
        return "arithmetic needs numbers, not text"
    if "boolean" in kinds:
        return "use CASE WHEN <condition> THEN 1 ELSE 0 END to count a condition"
    if "timestamp" in kinds:
        return "use date_trunc or compare dates instead"
    if "date" in kinds:
        if isinstance(node, exp.Add | exp.Sub):
            return "add or subtract a whole number of days (order_date + 7), or subtract two dates"
        return "dates take only + and - a whole number of days"
    return "arithmetic needs numbers"


def _compare(walk: _Walk, node: exp.Expr) -> Typed:
    (left, lt), (right, rt) = walk.arg(node, "this"), walk.arg(node, "expression")
    # A string literal against a date becomes a typed date literal, so Oracle gets TO_DATE.
    if _kind(lt) in TEMPORAL and _is_text_literal(right):
        right = coerce(right.name, lt, column=left.sql(), path=walk.path)
    elif _kind(rt) in TEMPORAL and _is_text_literal(left):
        left = coerce(left.name, rt, column=right.sql(), path=walk.path)
    elif not _comparable(lt, rt):
        raise walk.fail(f"cannot compare {lt} with {rt}")
    return type(node)(this=left, expression=right), "BOOLEAN"


def _is_text_literal(node: exp.Expr) -> bool:
    return isinstance(node, exp.Literal) and node.is_string


def _family(sql_type: str) -> str:
    kind = _kind(sql_type)
    return "number" if kind in NUMERIC else "time" if kind in TEMPORAL else kind


def _comparable(*types: str) -> bool:
    families = {_family(t) for t in types} - {"null", "other"}
    return len(families) <= 1


def _logic(walk: _Walk, node: exp.Expr) -> Typed:
    (left, lt), (right, rt) = walk.arg(node, "this"), walk.arg(node, "expression")
    _need_boolean(walk, node, lt, rt)
    return type(node)(this=left, expression=right), "BOOLEAN"


def _need_boolean(walk: _Walk, node: exp.Expr, *types: str) -> None:
    wrong = {t for t in types if _kind(t) not in ("boolean", "null", "other")}
    if wrong:
        raise walk.fail(
            f"{node.key.upper()} needs true/false conditions, not {', '.join(sorted(wrong))}"
        )


def _unary(walk: _Walk, node: exp.Expr) -> Typed:
    inner, kind = walk.arg(node, "this")
    if isinstance(node, exp.Not):
        _need_boolean(walk, node, kind)
        return exp.Not(this=inner), "BOOLEAN"
    if isinstance(node, exp.Neg):
        return exp.Neg(this=inner), _numeric_type(walk, node, kind)
    return exp.Paren(this=inner), kind


def _is(walk: _Walk, node: exp.Expr) -> Typed:
    if not isinstance(node.expression, exp.Null):
        raise walk.fail("only IS NULL / IS NOT NULL are allowed")
    return exp.Is(this=walk.arg(node, "this")[0], expression=exp.Null()), "BOOLEAN"


def _case(walk: _Walk, node: exp.Expr) -> Typed:
    walk.only(node, "this", "ifs", "default")
    operand = walk.build(node.this)[0] if isinstance(node.this, exp.Expr) else None
    whens, types = [], []
    for when in node.args.get("ifs") or []:
        if not isinstance(when, exp.If):
            raise walk.fail("CASE takes WHEN ... THEN ... branches")
        walk.only(when, "this", "true")
        (cond, _), (then, then_type) = walk.arg(when, "this"), walk.arg(when, "true")
        whens.append(exp.If(this=cond, true=then))
        types.append(then_type)
    default = node.args.get("default")
    otherwise = walk.build(default) if isinstance(default, exp.Expr) else None
    if otherwise:
        types.append(otherwise[1])
    tree = exp.Case(this=operand, ifs=whens, default=otherwise[0] if otherwise else None)
    return tree, _first_type(types)


def _if(walk: _Walk, node: exp.Expr) -> Typed:
    walk.only(node, "this", "true", "false")
    (cond, _), (then, then_type) = walk.arg(node, "this"), walk.arg(node, "true")
    otherwise = walk.build(node.args["false"]) if node.args.get("false") else None
    tree = exp.Case(ifs=[exp.If(this=cond, true=then)], default=otherwise[0] if otherwise else None)
    return tree, _first_type([then_type, otherwise[1] if otherwise else NULL_TYPE])


def _first_type(types: list[str]) -> str:
    return next((t for t in types if t != NULL_TYPE), NULL_TYPE)


# ---- functions ----------------------------------------------------------------------------


def _args(walk: _Walk, node: exp.Expr) -> list[Typed]:
    """`this` then `expressions` (or `expression`), rebuilt; the shape of most functions."""
    parts = [node.this] if isinstance(node.this, exp.Expr) else []
    parts += node.expressions
    if isinstance(node.args.get("expression"), exp.Expr):
        parts.append(node.args["expression"])
    return [walk.build(p) for p in parts]


def _same_as_first(walk: _Walk, node: exp.Expr) -> Typed:
    """coalesce, nullif, greatest, least: several arguments, the type of the first."""
    walk.only(node, "this", "expressions", "expression", "ignore_nulls", "is_nvl", "is_null")
    args = _dated(walk, _args(walk, node))
    if not _comparable(*(t for _, t in args)):
        raise walk.fail(f"{_what(node)} mixes {', '.join(t for _, t in args)}")
    trees = [a for a, _ in args]
    kind = _first_type([t for _, t in args])
    if isinstance(node, exp.Nullif):
        return exp.Nullif(this=trees[0], expression=trees[1]), kind
    if isinstance(node, exp.Coalesce):
        return exp.Coalesce(this=trees[0], expressions=trees[1:]), kind
    cls = type(node)
    return cls(this=trees[0], expressions=trees[1:], ignore_nulls=True), kind


def _dated(walk: _Walk, args: list[Typed]) -> list[Typed]:
    """With a date among `args`, text literals become dates of that type (TO_DATE on Oracle)."""
    dated = next(((a, t) for a, t in args if _kind(t) in TEMPORAL), None)
    if dated is None:
        return args
    column, temporal = dated[0].sql(), dated[1]
    return [
        (coerce(a.name, temporal, column=column, path=walk.path), temporal)
        if _is_text_literal(a)
        else (a, t)
        for a, t in args
    ]


def _numeric_fn(walk: _Walk, node: exp.Expr) -> Typed:
    walk.only(node, "this", "decimals")
    value, kind = walk.arg(node, "this")
    _numeric_type(walk, node, kind)
    if isinstance(node, exp.Abs):
        return exp.Abs(this=value), kind
    decimals = walk.build(node.args["decimals"])[0] if node.args.get("decimals") else None
    return exp.Round(this=value, decimals=decimals), kind


def _text_fn(walk: _Walk, node: exp.Expr) -> Typed:
    walk.only(node, "this")
    value, kind = walk.arg(node, "this")
    if _kind(kind) not in ("text", "null", "other"):
        raise walk.fail(f"{_what(node)} needs text, not {kind}")
    if isinstance(node, exp.Length):
        return exp.Length(this=value), "BIGINT"
    return type(node)(this=value), "VARCHAR"


def _concat(walk: _Walk, node: exp.Expr) -> Typed:
    walk.only(node, "this", "expression", "expressions", "safe", "coalesce")
    parts = [a for a, _ in _args(walk, node)]
    if not parts:
        raise walk.fail("concat needs at least one argument")
    # `||` renders the same on all three databases; Oracle's CONCAT takes only two arguments.
    tree = parts[0]
    for part in parts[1:]:
        tree = exp.DPipe(this=tree, expression=part, safe=True)
    return tree, "VARCHAR"


def _date_part(walk: _Walk, node: exp.Expr) -> Typed:
    walk.only(node, "this")
    value, kind = walk.arg(node, "this")
    if _kind(kind) not in (*TEMPORAL, "null", "other"):
        raise walk.fail(f"{_what(node)} needs a date, not {kind}")
    part = (
        "YEAR" if isinstance(node, exp.Year) else "MONTH" if isinstance(node, exp.Month) else "DAY"
    )
    return exp.Extract(this=exp.var(part), expression=value), "BIGINT"


def _date_trunc(walk: _Walk, node: exp.Expr) -> Typed:
    walk.only(node, "this", "unit", "zone")
    if node.args.get("zone"):
        raise walk.fail("date_trunc takes a unit and a date, no time zone")
    value, kind = walk.arg(node, "this")
    if _kind(kind) not in (*TEMPORAL, "null", "other"):
        raise walk.fail(f"date_trunc needs a date, not {kind}")
    unit = node.args.get("unit")
    name = unit.name.lower() if isinstance(unit, exp.Var | exp.Literal) else ""
    if name not in TRUNC_UNITS:
        raise walk.fail(f"date_trunc unit must be one of {', '.join(TRUNC_UNITS)}")
    if _kind(kind) == "date":
        # PostgreSQL truncates a DATE as a TIMESTAMPTZ (at the session's midnight), DuckDB as
        # a TIMESTAMP: from a TIMESTAMP both give the same wall-clock value and type.
        value = exp.cast(value, exp.DataType.build("TIMESTAMP"))
    tree = exp.DateTrunc(this=value, unit=exp.Literal.string(name.upper()))  # type: ignore[no-untyped-call]
    return tree, "TIMESTAMP"


Handler = Callable[[_Walk, exp.Expr], Typed]
_HANDLERS: dict[type[exp.Expr], Handler] = {
    exp.Column: _column,
    exp.Literal: _literal,
    exp.Boolean: _constant,
    exp.Null: _constant,
    exp.Paren: _unary,
    exp.Neg: _unary,
    exp.Not: _unary,
    exp.Is: _is,
    exp.Case: _case,
    exp.If: _if,
    exp.Abs: _numeric_fn,
    exp.Round: _numeric_fn,
    exp.Coalesce: _same_as_first,
    exp.Nullif: _same_as_first,
    exp.Greatest: _same_as_first,
    exp.Least: _same_as_first,
    exp.Lower: _text_fn,
    exp.Upper: _text_fn,
    exp.Trim: _text_fn,
    exp.Length: _text_fn,
    exp.Concat: _concat,
    exp.DPipe: _concat,
    exp.Year: _date_part,
    exp.Month: _date_part,
    exp.Day: _date_part,
    exp.TimestampTrunc: _date_trunc,
    exp.DateTrunc: _date_trunc,
    **dict.fromkeys((exp.Add, exp.Sub, exp.Mul, exp.Div, exp.Mod), _arithmetic),
    **dict.fromkeys((exp.EQ, exp.NEQ, exp.GT, exp.GTE, exp.LT, exp.LTE), _compare),
    **dict.fromkeys((exp.And, exp.Or), _logic),
}
