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
    transforms: tuple[Transform, ...] = ()
    normalize: bool = False


DIALECTS: dict[str, Dialect] = {
    "duckdb": Dialect(),
    "postgres": Dialect((_postgres_round,)),
    "oracle": Dialect((_oracle_boolean, _oracle_trunc, _oracle_timestamp), normalize=True),
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
    for transform in spec.transforms:
        tree = tree.transform(transform, copy=False)
    if spec.normalize:
        tree = normalize_identifiers(tree, dialect=dialect)
    return tree.sql(dialect=dialect, identify=True, pretty=pretty)
