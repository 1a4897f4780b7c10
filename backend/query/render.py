"""SQL text for a compiled tree, per dialect, with every identifier quoted.

The compiler builds one dialect-neutral tree; the few constructs sqlglot does not render
validly for a dialect are rewritten here, as data (`DIALECTS`), not as branches in the steps.
Oracle folds unquoted names to upper case, so its identifiers are normalized first and then
quoted: `"GLOBAL_SALES"."REGION"` matches a table created without quotes. Names that need
quotes anyway (`"Net amount"`) keep their case everywhere.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from sqlglot import exp
from sqlglot.optimizer.normalize_identifiers import normalize_identifiers

from backend.errors import BadRequest

Transform = Callable[[exp.Expr], exp.Expr]

# Oracle TRUNC format models; 'DAY' would truncate to the start of the week there.
ORACLE_TRUNC = {
    "YEAR": "YYYY",
    "QUARTER": "Q",
    "MONTH": "MM",
    "WEEK": "IW",
    "DAY": "DD",
    "HOUR": "HH24",
    "MINUTE": "MI",
}


_PREDICATE_PARENTS = (exp.Where, exp.Having, exp.Connector, exp.Not, exp.Join, exp.If)


def _oracle_boolean(node: exp.Expr) -> exp.Expr:
    # Oracle before 23ai has no boolean literals; flags are NUMBER(1) columns there. A bare
    # TRUE/FALSE where a condition goes (an RLS "no rows" predicate) becomes 1 = 1 / 1 = 0.
    if not isinstance(node, exp.Boolean):
        return node
    number = exp.Literal.number(1 if node.this else 0)
    parent, key = node.parent, node.arg_key
    is_condition = isinstance(parent, _PREDICATE_PARENTS) and key in ("this", "expression", "on")
    if is_condition and (not isinstance(parent, exp.If) or key == "this"):
        return exp.EQ(this=exp.Literal.number(1), expression=number)
    return number


# Where a condition stands as a condition; anywhere else (a select item, GROUP BY, ORDER BY,
# a function or aggregate argument, a comparison's operand, a THEN) it is a value.
_CONDITION_SLOTS: tuple[tuple[type[exp.Expr], tuple[str, ...] | None], ...] = (
    (exp.Where, None),
    (exp.Having, None),
    (exp.Qualify, None),
    (exp.Connector, None),
    (exp.Not, None),
    (exp.Join, ("on",)),
    (exp.If, ("this",)),
)


def _is_boolean(node: exp.Expr) -> bool:
    if isinstance(node, exp.Paren | exp.Escape):  # `(a > 1)`, `x LIKE p ESCAPE '\'`
        return isinstance(node.this, exp.Expr) and _is_boolean(node.this)
    is_predicate = isinstance(node, exp.Predicate) and not isinstance(node, exp.Any | exp.All)
    return is_predicate or isinstance(node, exp.Connector | exp.Not)


def _is_value(node: exp.Expr) -> bool:
    """A boolean `node` standing where a value goes (not inside a `(...)` or ESCAPE, whose
    own place decides)."""
    parent, key = node.parent, node.arg_key
    if parent is None or isinstance(parent, exp.Paren | exp.Escape):
        return False
    return not any(
        isinstance(parent, kind) and (keys is None or key in keys)
        for kind, keys in _CONDITION_SLOTS
    )


def _oracle_boolean_values(tree: exp.Expr) -> exp.Expr:
    # Oracle before 23ai has no boolean values: a condition used as a value (a calculated
    # `amount > 50` selected, grouped or aggregated) becomes 1/0, and NULL when unknown.
    values = [n for n in tree.walk() if _is_boolean(n) and _is_value(n)]
    for node in reversed(values):  # innermost first: a copy carries its rewritten insides
        condition = node.this.copy() if isinstance(node, exp.Paren) else node.copy()
        negated = exp.Not(this=_bracketed(node.copy()))
        case = exp.Case(
            ifs=[
                exp.If(this=condition, true=exp.Literal.number(1)),
                exp.If(this=negated, true=exp.Literal.number(0)),
            ]
        )
        node.replace(case)
    return tree


def _bracketed(node: exp.Expr) -> exp.Expr:
    return node if isinstance(node, exp.Paren) else exp.Paren(this=node)


def _oracle_trunc(node: exp.Expr) -> exp.Expr:
    if isinstance(node, exp.DateTrunc):
        unit = ORACLE_TRUNC.get(node.args["unit"].name.upper(), "DD")
        value = node.this
        # The compiler casts a DATE to TIMESTAMP for PostgreSQL's sake; Oracle's TRUNC of a
        # DATE already keeps a time of day (read as a TIMESTAMP), so the cast is dropped.
        if isinstance(value, exp.Cast) and value.to.is_type(exp.DType.TIMESTAMP):
            value = value.this
        return exp.Anonymous(this="TRUNC", expressions=[value, exp.Literal.string(unit)])
    return node


def _oracle_timestamp(node: exp.Expr) -> exp.Expr:
    # sqlglot has no Oracle form for TimeStrToTime; TO_TIMESTAMP with an explicit format
    # does not depend on the session's NLS settings.
    if isinstance(node, exp.TimeStrToTime):
        fraction = ".%f" if "." in node.name else ""
        fmt = exp.Literal.string(f"%Y-%m-%d %H:%M:%S{fraction}")
        return exp.StrToTime(this=node.this, format=fmt)
    return node


def _postgres_round(node: exp.Expr) -> exp.Expr:
    # PostgreSQL has ROUND(numeric, int) but no ROUND(double precision, int).
    if isinstance(node, exp.Round) and node.args.get("decimals") is not None:
        value = exp.cast(node.this, exp.DataType.build("DECIMAL"))
        return exp.Round(this=value, decimals=node.args["decimals"])
    return node


@dataclass(frozen=True)
class Dialect:
    transforms: tuple[Transform, ...] = ()  # node by node
    normalize: bool = False
    passes: tuple[Transform, ...] = ()  # whole tree, before the node transforms


DIALECTS: dict[str, Dialect] = {
    "duckdb": Dialect(),
    "postgres": Dialect((_postgres_round,)),
    "oracle": Dialect(
        (_oracle_boolean, _oracle_trunc, _oracle_timestamp),
        normalize=True,
        passes=(_oracle_boolean_values,),
    ),
}


def render(tree: exp.Expr, dialect: str, *, pretty: bool = False) -> str:
    """SQL text of `tree` for `dialect` (duckdb, postgres or oracle), identifiers quoted.

    >>> from sqlglot import exp
    >>> q = exp.select(exp.column("region", table="s")).from_(exp.table_("sales", alias="s"))
    >>> render(q, "oracle")
    'SELECT "S"."REGION" FROM "SALES" "S"'
    >>> render(q, "postgres")
    'SELECT "s"."region" FROM "sales" AS "s"'
    """
    spec = DIALECTS.get(dialect)
    if spec is None:
        raise BadRequest(f"unknown dialect '{dialect}'; use one of {', '.join(DIALECTS)}")
    tree = tree.copy()
    for rewrite in spec.passes:
        tree = rewrite(tree)
    for transform in spec.transforms:
        tree = tree.transform(transform, copy=False)
    if spec.normalize:
        tree = normalize_identifiers(tree, dialect=dialect)
    return tree.sql(dialect=dialect, identify=True, pretty=pretty)
