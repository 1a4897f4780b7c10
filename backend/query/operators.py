"""The one registry of filter operators: how each becomes SQL and how it reads in English.

Semantics worth knowing:
- `contains`, `starts_with`, `ends_with` are case-insensitive (`LOWER(col) LIKE LOWER(pat)`)
  and literal: `%`, `_` and the escape character `\\` in the value match themselves, through
  an explicit `ESCAPE '\\'` (DuckDB has no default escape character). Text columns only.
- `!=` and `not_in` follow SQL: rows where the column is NULL match neither `=` nor `!=`,
  neither `in` nor `not_in`. Use `is_null` to get them.
- `in`/`not_in` take a list or a comma-separated string; items are trimmed and a
  double-quoted item keeps its commas (`"a,b", c` -> `a,b` and `c`). An empty list is an error.
- `between` takes exactly `[low, high]`, both ends included.
- `is_null`/`is_not_null` ignore `value`.

The registry is also the UI's vocabulary (GET /api/meta/operators, `vocabulary()`): each
operator's label and the shape of its value, and which operators each column kind offers.
"""

from __future__ import annotations

import csv
from collections.abc import Callable
from dataclasses import dataclass

from sqlglot import exp

from backend.catalog.models import Kind, type_kind
from backend.errors import InvalidQuery
from backend.query.coerce import coerce
from backend.query.names import Ref
from backend.query.spec import MAX_IN_VALUES, Condition, Op, Scalar, Value

ESCAPE = "\\"

Args = tuple[exp.Expr, ...]


@dataclass(frozen=True)
class OpDef:
    """`values` checks and types the condition's value; `build` makes the predicate;
    `label` names it in a filter builder's operator list."""

    template: str
    values: Callable[[Value, Ref, str], Args]
    build: Callable[[exp.Expr, Args], exp.Expr]
    label: str


def like_escape(text: str) -> str:
    """`text` with LIKE's wildcards and the escape character escaped.

    >>> like_escape("50%_off\\\\")
    '50\\\\%\\\\_off\\\\\\\\'
    """
    return text.replace(ESCAPE, ESCAPE * 2).replace("%", ESCAPE + "%").replace("_", ESCAPE + "_")


def split_list(value: Value) -> list[Scalar]:
    """The items of an `in` value: a list as is, or a comma-separated string.

    >>> split_list(' North , "a,b", South')
    ['North', 'a,b', 'South']
    """
    if isinstance(value, list):
        return value
    if isinstance(value, str):
        items = next(csv.reader([value], skipinitialspace=True), [])
        return [item.strip() for item in items if item.strip()]
    return [value]


def _none(_value: Value, _ref: Ref, _path: str) -> Args:
    return ()


def _one(value: Value, ref: Ref, path: str) -> Args:
    if isinstance(value, list):
        raise InvalidQuery(f"{path} takes one value, not a list", path=path)
    if value is None:
        raise InvalidQuery(f"{path} needs a value; to find empty cells use is_null", path=path)
    return (coerce(value, ref.type, column=ref.name, path=path),)


def _many(value: Value, ref: Ref, path: str) -> Args:
    items = split_list(value)
    if not items:
        raise InvalidQuery(f"{path} needs at least one value", path=path)
    if len(items) > MAX_IN_VALUES:
        raise InvalidQuery(f"{path} has {len(items)} values; at most {MAX_IN_VALUES}", path=path)
    return tuple(_one(item, ref, f"{path}[{i}]")[0] for i, item in enumerate(items))


def _pair(value: Value, ref: Ref, path: str) -> Args:
    items = split_list(value)
    if len(items) != 2:
        raise InvalidQuery(
            f"{path} takes exactly two values [low, high], got {len(items)}", path=path
        )
    return _one(items[0], ref, f"{path}[0]")[0], _one(items[1], ref, f"{path}[1]")[0]


def _pattern(shape: str) -> Callable[[Value, Ref, str], Args]:
    def values(value: Value, ref: Ref, path: str) -> Args:
        if type_kind(ref.type) != "text":
            raise InvalidQuery(
                f"text matching needs a text column; {ref.name} is {ref.type}", path=path
            )
        if isinstance(value, list) or value is None or isinstance(value, bool):
            raise InvalidQuery(f"{path} takes one text value", path=path)
        return (exp.Literal.string(shape.format(like_escape(str(value)))),)

    return values


def _like(col: exp.Expr, args: Args) -> exp.Expr:
    like = exp.Like(this=exp.Lower(this=col), expression=exp.Lower(this=args[0]))
    return exp.Escape(this=like, expression=exp.Literal.string(ESCAPE))


def _compare(node: type[exp.Binary]) -> Callable[[exp.Expr, Args], exp.Expr]:
    return lambda col, args: node(this=col, expression=args[0])


OPERATORS: dict[Op, OpDef] = {
    Op.EQ: OpDef("{column} is {value}", _one, _compare(exp.EQ), "equals"),
    Op.NE: OpDef("{column} is not {value}", _one, _compare(exp.NEQ), "is not"),
    Op.LT: OpDef("{column} is less than {value}", _one, _compare(exp.LT), "less than"),
    Op.GT: OpDef("{column} is greater than {value}", _one, _compare(exp.GT), "greater than"),
    Op.LE: OpDef("{column} is at most {value}", _one, _compare(exp.LTE), "at most"),
    Op.GE: OpDef("{column} is at least {value}", _one, _compare(exp.GTE), "at least"),
    Op.CONTAINS: OpDef("{column} contains {value}", _pattern("%{}%"), _like, "contains"),
    Op.STARTS_WITH: OpDef("{column} starts with {value}", _pattern("{}%"), _like, "starts with"),
    Op.ENDS_WITH: OpDef("{column} ends with {value}", _pattern("%{}"), _like, "ends with"),
    Op.IN: OpDef(
        "{column} is one of {values}",
        _many,
        lambda col, args: exp.In(this=col, expressions=list(args)),
        "is one of",
    ),
    Op.NOT_IN: OpDef(
        "{column} is none of {values}",
        _many,
        lambda col, args: exp.Not(this=exp.In(this=col, expressions=list(args))),
        "is none of",
    ),
    Op.BETWEEN: OpDef(
        "{column} is between {low} and {high}",
        _pair,
        lambda col, args: exp.Between(this=col, low=args[0], high=args[1]),
        "between",
    ),
    Op.IS_NULL: OpDef(
        "{column} is empty",
        _none,
        lambda col, _: exp.Is(this=col, expression=exp.Null()),
        "is empty",
    ),
    Op.IS_NOT_NULL: OpDef(
        "{column} is not empty",
        _none,
        lambda col, _: exp.Not(this=exp.Is(this=col, expression=exp.Null())),
        "is not empty",
    ),
}

_NULLS = (Op.IS_NULL, Op.IS_NOT_NULL)
_TEXT = (Op.CONTAINS, Op.EQ, Op.NE, Op.STARTS_WITH, Op.ENDS_WITH, Op.IN, Op.NOT_IN, *_NULLS)
_NUMBER = (Op.EQ, Op.NE, Op.LT, Op.LE, Op.GT, Op.GE, Op.BETWEEN, Op.IN, Op.NOT_IN, *_NULLS)
_DATE = (Op.BETWEEN, Op.EQ, Op.NE, Op.LT, Op.LE, Op.GT, Op.GE, *_NULLS)

# What a filter builder offers for a column of each kind, the first being its default. The
# pattern operators take text columns only (`_pattern`); a kind not listed ("other") gets
# no list: a builder offers it what it offers text, and the API says what it refuses.
BY_KIND: dict[Kind, tuple[Op, ...]] = {
    "text": _TEXT,
    "integer": _NUMBER,
    "decimal": _NUMBER,
    "float": _NUMBER,
    "date": _DATE,
    "timestamp": _DATE,
    "boolean": (Op.EQ, Op.NE, *_NULLS),
}

_SHAPES = {_none: "none", _many: "list", _pair: "pair"}


def value_shape(op: Op) -> str:
    """What the operator's value is: "none", "one", "list" (`in`) or "pair" (`between`).

    >>> [value_shape(o) for o in (Op.IS_NULL, Op.CONTAINS, Op.NOT_IN, Op.BETWEEN)]
    ['none', 'one', 'list', 'pair']
    """
    return _SHAPES.get(OPERATORS[op].values, "one")


def vocabulary() -> dict[str, object]:
    """The operators as a filter builder shows them (GET /api/meta/operators).

    >>> v = vocabulary()
    >>> v["operators"][0], v["by_kind"]["boolean"]
    ({'operator': '=', 'label': 'equals', 'value': 'one'}, ['=', '!=', 'is_null', 'is_not_null'])
    """
    return {
        "operators": [
            {"operator": op.value, "label": d.label, "value": value_shape(op)}
            for op, d in OPERATORS.items()
        ],
        "by_kind": {kind: [op.value for op in ops] for kind, ops in BY_KIND.items()},
    }


def condition_sql(condition: Condition, ref: Ref, path: str) -> exp.Expr:
    """The predicate of one filter condition on a resolved column, `path` being the
    condition's JSON path (errors point at `<path>.value`).

    >>> from backend.query.names import Ref
    >>> ref = Ref("region", exp.column("region", table="gs"), "VARCHAR", "Region")
    >>> cond = Condition(column="region", operator="in", value='North, "a,b"')
    >>> condition_sql(cond, ref, "filters.conditions[0]").sql()
    "gs.region IN ('North', 'a,b')"
    """
    op = OPERATORS[condition.operator]
    return op.build(operand(ref.expr), op.values(condition.value, ref, f"{path}.value"))


def operand(expr: exp.Expr) -> exp.Expr:
    """A copy of `expr`, in parentheses unless it is a single term (column, literal, call).

    >>> operand(exp.column("a").eq(exp.column("b"))).eq(exp.true()).sql()
    '(a = b) = TRUE'
    >>> operand(exp.and_("a", "b")).eq(exp.true()).sql()
    '(a AND b) = TRUE'
    """
    atomic = isinstance(expr, exp.Column | exp.Literal | exp.Func | exp.Paren | exp.Case)
    # AND and OR are sqlglot functions too, yet render as operators that bind loosely.
    atomic = atomic and not isinstance(expr, exp.Binary)
    return expr.copy() if atomic else exp.Paren(this=expr.copy())


def describe(condition: Condition, label: str) -> str:
    """The condition in plain English, for notes and error messages.

    >>> describe(Condition(column="q", operator="between", value=[1, 5]), "Quantity")
    'Quantity is between 1 and 5'
    """
    items = split_list(condition.value)
    low, high = [*items, None, None][:2]
    return OPERATORS[condition.operator].template.format(
        column=label,
        value=condition.value,
        values=", ".join(str(v) for v in items),
        low=low,
        high=high,
    )
