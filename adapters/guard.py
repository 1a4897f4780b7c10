"""The single-SELECT check every adapter applies before a statement reaches its connection.

A locked-down DuckDB still lets `COPY ... TO` write inside the warehouse, and other databases
may allow more, so the adapter itself refuses anything that is not one read-only query: the
tree's root must be a SELECT or a set operation of SELECTs (a WITH is part of its SELECT in
sqlglot), no node anywhere may be a statement of another kind, and the rendered text must
re-parse to the same single query.

>>> from sqlglot import exp
>>> ensure_select(exp.select("a").from_("t"))
>>> ensure_select(exp.Drop(this=exp.to_table("t"), kind="TABLE"))
Traceback (most recent call last):
...
adapters.base.UnsafeStatementError: Only a single SELECT may run; got a DROP statement.
"""

from __future__ import annotations

import sqlglot
from sqlglot import exp
from sqlglot.errors import SqlglotError

from adapters.base import UnsafeStatementError

_ROOTS: tuple[type[exp.Expr], ...] = (exp.Select, exp.SetOperation)

# Statement node types that must not appear anywhere in a query tree. Looked up by name so a
# sqlglot release that renames one fails closed in the tests rather than at import.
_FORBIDDEN_NAMES = (
    "DML",
    "DDL",
    "Into",
    "Command",
    "Copy",
    "Set",
    "Pragma",
    "Attach",
    "Detach",
    "Install",
    "Describe",
    "Use",
    "Transaction",
    "Commit",
    "Rollback",
    "Alter",
    "Drop",
    "Create",
    "Insert",
    "Update",
    "Delete",
    "Merge",
    "Summarize",
    "Show",
    "Export",
    "Refresh",
    "Analyze",
    "Cache",
    "Uncache",
    "Kill",
    "LoadData",
    "Grant",
    "Revoke",
    "Comment",
    "TruncateTable",
    "Declare",
    "Lock",
    "Put",
    "Get",
)
_FORBIDDEN: tuple[type[exp.Expr], ...] = tuple(
    getattr(exp, name) for name in _FORBIDDEN_NAMES if hasattr(exp, name)
)


def _kind(node: exp.Expr) -> str:
    return type(node).__name__.upper()


def _unwrap(node: exp.Expr) -> exp.Expr:
    """`(SELECT ...)` at the top parses as a Subquery; judge what it wraps."""
    while isinstance(node, exp.Subquery) and isinstance(node.this, exp.Expr):
        node = node.this
    return node


def ensure_select(query: exp.Expr) -> None:
    """Raise UnsafeStatementError unless `query` is one read-only SELECT tree."""
    root = _unwrap(query)
    if not isinstance(root, _ROOTS):
        raise UnsafeStatementError(f"Only a single SELECT may run; got a {_kind(root)} statement.")
    for node in root.walk():
        if isinstance(node, _FORBIDDEN):
            raise UnsafeStatementError(
                f"Only a single SELECT may run; the query contains a {_kind(node)} clause."
            )


def ensure_select_sql(sql: str, dialect: str) -> None:
    """Raise UnsafeStatementError unless `sql` parses, in `dialect`, to exactly one SELECT."""
    try:
        statements = [s for s in sqlglot.parse(sql, read=dialect) if s is not None]
    except SqlglotError as e:
        raise UnsafeStatementError("The rendered SQL does not parse back to a query.") from e
    if len(statements) != 1:
        raise UnsafeStatementError(
            f"Only a single SELECT may run; the SQL holds {len(statements)} statements."
        )
    ensure_select(statements[0])
