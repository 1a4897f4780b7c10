"""The SQL text the Oracle adapter sends besides the user's query, and how it reads answers.

Kept apart from the adapter so it can be checked without a server: statement ids, the
EXPLAIN PLAN statement, the PLAN_TABLE read, the dictionary queries, names and type names.

Oracle stores an unquoted name in upper case. The catalog shows such a name in lower case
(`GLOBAL_SALES` is dataset `global_sales`, column `ORDER_ID` is `order_id`), because the
renderer folds unquoted names back to upper case (`normalize_identifiers`). A name stored in
mixed case (created with quotes) is shown as it is stored and the adapter quotes it, so it
keeps its case; one stored all in lower case cannot be told apart and is not supported.

>>> present_name("GLOBAL_SALES"), present_name("Mixed Case"), stored_name("global_sales")
('global_sales', 'Mixed Case', 'GLOBAL_SALES')
>>> oracle_type("NUMBER", 18, 2, None), oracle_type("NUMBER", None, 0, None)
('NUMBER(18,2)', 'NUMBER(38,0)')
>>> oracle_type("VARCHAR2", None, None, 100), oracle_type("TIMESTAMP(6)", None, 6, None)
('VARCHAR2(100)', 'TIMESTAMP(6)')
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Sequence
from typing import Any
from urllib.parse import unquote, urlsplit

from adapters.base import Estimate

STATEMENT_ID_PREFIX = "aurora_"
# PLAN_TABLE.STATEMENT_ID is VARCHAR2(30); ours are the prefix and 23 hex digits.
STATEMENT_ID_RE = re.compile(r"^aurora_[0-9a-f]{23}$")
_FOLDED = re.compile(r"^[A-Z][A-Z0-9_$#]*$")
_PLAIN_LOWER = re.compile(r"^[a-z][a-z0-9_$#]*$")

PLAN_ROWS_SQL = "SELECT id, cardinality, cost FROM plan_table WHERE statement_id = :sid ORDER BY id"
PLAN_DELETE_SQL = "DELETE FROM plan_table WHERE statement_id = :sid"
CURRENT_SCHEMA_SQL = "SELECT SYS_CONTEXT('USERENV', 'CURRENT_SCHEMA') FROM dual"
RELATIONS_SQL = """
SELECT table_name FROM all_tables
WHERE owner = :owner AND nested = 'NO' AND secondary = 'N' AND table_name NOT LIKE 'BIN$%'
UNION
SELECT view_name FROM all_views WHERE owner = :owner
ORDER BY 1"""
DESCRIBE_SQL = """
SELECT column_name, data_type, data_precision, data_scale, char_length
FROM all_tab_columns WHERE owner = :owner AND table_name = :name
ORDER BY column_id"""

INDEX_COLUMNS_SQL = """
SELECT index_name, column_name FROM all_ind_columns
WHERE table_owner = :owner AND table_name = :name
ORDER BY index_name, column_position"""


def new_statement_id() -> str:
    """A PLAN_TABLE statement id of our own, never derived from input."""
    return STATEMENT_ID_PREFIX + uuid.uuid4().hex[:23]


def explain_sql(statement_id: str, sql: str) -> str:
    """`EXPLAIN PLAN` for an already checked SELECT. The id goes in as a literal (Oracle takes
    no bind there), so only ids of our own format are accepted."""
    if not STATEMENT_ID_RE.match(statement_id):
        raise ValueError(f"not an Aurora statement id: {statement_id!r}")
    return f"EXPLAIN PLAN SET STATEMENT_ID = '{statement_id}' INTO plan_table FOR {sql}"


def estimate_from_plan_rows(rows: Sequence[Sequence[Any]]) -> Estimate:
    """`(id, cardinality, cost)` rows of one statement: id 0 holds the totals."""
    if not rows:
        return Estimate(rows=None)
    by_id = {int(r[0]): r for r in rows}
    root = by_id.get(0, rows[0])
    cardinalities = [int(r[1]) for r in rows if r[1] is not None]
    return Estimate(
        rows=None if root[1] is None else int(root[1]),
        cost=None if root[2] is None else float(root[2]),
        max_rows=max(cardinalities, default=None),
        plan=[tuple(r) for r in rows],
    )


def present_name(stored: str) -> str:
    """The name the catalog shows for a name as Oracle stores it."""
    return stored.lower() if _FOLDED.match(stored) else stored


def stored_name(shown: str) -> str:
    """The inverse of `present_name`."""
    return shown.upper() if _PLAIN_LOWER.match(shown) else shown


def oracle_type(
    data_type: str, precision: int | None, scale: int | None, length: int | None
) -> str:
    """A type name as Oracle would declare it: `NUMBER(18,2)`, `VARCHAR2(100)`, `DATE`."""
    if data_type == "NUMBER":
        if precision is None and scale is None:
            return "NUMBER"
        return f"NUMBER({precision or 38},{scale or 0})"
    if data_type in ("VARCHAR2", "NVARCHAR2", "CHAR", "NCHAR") and length:
        return f"{data_type}({length})"
    return data_type


def connect_params(url: str) -> dict[str, str | None]:
    """user, password and dsn from `oracle://user:pw@host:port/service`, from
    `user/pw@dsn`, or a bare DSN (a TNS alias or wallet; no credentials).

    >>> connect_params("oracle://scott:t%40ger@db:1522/ORCLPDB1")
    {'user': 'scott', 'password': 't@ger', 'dsn': 'db:1522/ORCLPDB1'}
    >>> connect_params("scott/tiger@db/ORCLPDB1")
    {'user': 'scott', 'password': 'tiger', 'dsn': 'db/ORCLPDB1'}
    """
    if url.startswith(("oracle://", "oracle+oracledb://")):
        parts = urlsplit(url)
        host = parts.hostname or "localhost"
        return {
            "user": unquote(parts.username) if parts.username else None,
            "password": unquote(parts.password) if parts.password else None,
            "dsn": f"{host}:{parts.port or 1521}/{parts.path.lstrip('/')}",
        }
    credentials, at, dsn = url.rpartition("@")
    user, slash, password = credentials.partition("/")
    if at and slash and user:
        return {"user": user, "password": password, "dsn": dsn}
    return {"user": None, "password": None, "dsn": url}
