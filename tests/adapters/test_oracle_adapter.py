"""OracleAdapter without a server: the SQL it would send, statement ids, EXPLAIN PLAN text,
names and types, error mapping. With AURORA_TEST_ORACLE_DSN set, `tests/adapters/
test_oracle_live.py` runs the same adapter against the real database."""

from __future__ import annotations

import time
from collections.abc import Iterator
from types import SimpleNamespace

import oracledb
import pytest
import sqlglot
from oracledb.errors import _Error as OracleErrorDetail
from sqlglot import exp

from adapters.base import (
    AdapterQueryError,
    DatabaseAdapter,
    QueryCancelledError,
    UnsafeStatementError,
)
from adapters.oracle_adapter import OracleAdapter, default_render
from adapters.oracle_sql import (
    PLAN_DELETE_SQL,
    PLAN_ROWS_SQL,
    STATEMENT_ID_RE,
    connect_params,
    estimate_from_plan_rows,
    explain_sql,
    new_statement_id,
    oracle_type,
    present_name,
    stored_name,
)
from adapters.statements import RunningStatement
from backend.catalog.models import type_kind
from backend.query.compiler import compile_query
from backend.query.render import render
from backend.query.spec import QuerySpec
from tests.query.catalog import context

# Nothing listens on port 9; creating the pool does not connect, using it fails at once.
UNREACHABLE = "oracle://aurora:secret@127.0.0.1:9/FREEPDB1"


@pytest.fixture
def offline() -> Iterator[OracleAdapter]:
    adapter = OracleAdapter(UNREACHABLE, schema="sales_mart", pool_min=0, pool_max=2)
    try:
        yield adapter
    finally:
        adapter.close()


def test_adapter_satisfies_the_protocol(offline: OracleAdapter) -> None:
    assert isinstance(offline, DatabaseAdapter)
    assert (offline.name, offline.dialect) == ("oracle", "oracle")


def test_default_render_folds_and_quotes_names_the_oracle_way() -> None:
    query = (
        exp.select(exp.column("region", "s"), exp.column("Net amount", "s"))
        .from_(exp.to_table("global_sales", alias="s"))
        .where(exp.column("load_id", "s").eq(exp.Literal.number(3)))
        .limit(5)
    )
    assert default_render(query) == (
        'SELECT "S"."REGION", "S"."Net amount" FROM "GLOBAL_SALES" s '
        'WHERE "S"."LOAD_ID" = 3 FETCH FIRST 5 ROWS ONLY'
    )


def test_checked_sql_is_the_backend_rendering(offline: OracleAdapter) -> None:
    compiled = compile_query(
        QuerySpec(dataset="products", columns=["category"], page=3, page_size=10), context()
    )
    backend = OracleAdapter(UNREACHABLE, pool_min=0, renderer=lambda q: render(q, "oracle"))
    try:
        sql = backend.checked_sql(compiled.tree)
    finally:
        backend.close()
    assert sql == render(compiled.tree, "oracle")
    assert sql.endswith("OFFSET 20 ROWS FETCH FIRST 10 ROWS ONLY")
    assert sqlglot.parse_one(sql, read="oracle") is not None


@pytest.mark.parametrize(
    "statement",
    [
        exp.Drop(this=exp.to_table("items"), kind="TABLE"),
        exp.insert(exp.select("1"), "items"),
        exp.Command(this="BEGIN", expression=exp.Literal.string("NULL; END;")),
    ],
    ids=["drop", "insert", "plsql"],
)
def test_anything_but_a_select_is_refused_before_the_pool(
    offline: OracleAdapter, statement: exp.Expr
) -> None:
    with pytest.raises(UnsafeStatementError):
        offline.run(statement)
    with pytest.raises(UnsafeStatementError):
        offline.explain(statement)


def test_unreachable_server_is_an_adapter_error_at_once(offline: OracleAdapter) -> None:
    started = time.monotonic()
    with pytest.raises(AdapterQueryError, match="DPY-"):
        offline.run(exp.select(exp.Literal.number(1).as_("one")).from_("dual"))
    with pytest.raises(AdapterQueryError, match="DPY-"):
        offline.relations()
    assert time.monotonic() - started < 10


def test_statement_ids_are_ours_unique_and_fit_plan_table() -> None:
    ids = {new_statement_id() for _ in range(1000)}
    assert len(ids) == 1000
    assert all(STATEMENT_ID_RE.match(i) and len(i) <= 30 for i in ids)


def test_explain_sql_wraps_the_checked_select() -> None:
    sid = "aurora_" + "0" * 23
    text = explain_sql(sid, 'SELECT "A" FROM "T" FETCH FIRST 5 ROWS ONLY')
    assert text == (
        f"EXPLAIN PLAN SET STATEMENT_ID = '{sid}' INTO plan_table "
        'FOR SELECT "A" FROM "T" FETCH FIRST 5 ROWS ONLY'
    )
    assert ":sid" in PLAN_ROWS_SQL and ":sid" in PLAN_DELETE_SQL


@pytest.mark.parametrize("sid", ["x' FOR DROP TABLE t --", "aurora_", "AURORA_" + "0" * 23, ""])
def test_explain_sql_refuses_a_statement_id_not_of_ours(sid: str) -> None:
    with pytest.raises(ValueError):
        explain_sql(sid, "SELECT 1 FROM dual")


def test_plan_rows_give_root_rows_cost_and_the_largest_node() -> None:
    estimate = estimate_from_plan_rows([(0, 50, 1234.0), (1, 50, 1200.0), (2, 9_000_000, 900.0)])
    assert (estimate.rows, estimate.cost, estimate.max_rows) == (50, 1234.0, 9_000_000)
    assert estimate_from_plan_rows([]).rows is None


@pytest.mark.parametrize(
    ("stored", "shown"),
    [("GLOBAL_SALES", "global_sales"), ("ORDER_ID", "order_id"), ("Mixed", "Mixed")],
)
def test_names_fold_both_ways(stored: str, shown: str) -> None:
    assert present_name(stored) == shown
    assert stored_name(shown) == stored


@pytest.mark.parametrize(
    ("column", "spelled", "kind"),
    [
        (("NUMBER", 18, 2, None), "NUMBER(18,2)", "decimal"),
        (("NUMBER", 10, 0, None), "NUMBER(10,0)", "integer"),
        (("NUMBER", None, 0, None), "NUMBER(38,0)", "integer"),
        (("NUMBER", None, None, None), "NUMBER", "decimal"),
        (("VARCHAR2", None, None, 100), "VARCHAR2(100)", "text"),
        (("BINARY_DOUBLE", None, None, None), "BINARY_DOUBLE", "float"),
        (("DATE", None, None, None), "DATE", "date"),
        (("TIMESTAMP(6)", None, 6, None), "TIMESTAMP(6)", "timestamp"),
        (("BOOLEAN", None, None, None), "BOOLEAN", "boolean"),
    ],
)
def test_oracle_types_are_spelled_for_the_catalog(
    column: tuple[str, int | None, int | None, int | None], spelled: str, kind: str
) -> None:
    assert oracle_type(*column) == spelled
    assert type_kind(spelled) == kind


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("oracle://scott:t%40ger@db:1522/ORCL", ("scott", "t@ger", "db:1522/ORCL")),
        ("oracle://scott:tiger@db/ORCL", ("scott", "tiger", "db:1521/ORCL")),
        ("scott/ti@ger@db:1521/ORCL", ("scott", "ti@ger", "db:1521/ORCL")),
        ("db.example.com:1521/ORCL", (None, None, "db.example.com:1521/ORCL")),
        ("MYTNSALIAS", (None, None, "MYTNSALIAS")),
    ],
)
def test_connect_params_read_every_url_form(
    url: str, expected: tuple[str | None, str | None, str]
) -> None:
    params = connect_params(url)
    assert (params["user"], params["password"], params["dsn"]) == expected


def _error(code: str) -> Exception:
    return Exception(SimpleNamespace(full_code=code))


@pytest.mark.parametrize(
    ("code", "reason", "expected"),
    [
        ("DPY-4024", None, "timeout"),
        ("ORA-01013", None, "cancelled"),
        ("ORA-01013", "timeout", "timeout"),
        ("ORA-00942", "cancelled", "cancelled"),
    ],
)
def test_timeouts_and_cancels_map_to_query_cancelled(
    code: str, reason: str | None, expected: str
) -> None:
    statement = RunningStatement("q", lambda: None)
    statement.reason = reason  # type: ignore[assignment]
    failure = OracleAdapter._failure(_error(code), statement, 5.0)
    assert isinstance(failure, QueryCancelledError) and failure.reason == expected


def test_other_database_errors_keep_their_message() -> None:
    message = 'ORA-00942: table or view "SALES" does not exist'
    # The exception python-oracledb raises: a DatabaseError around its own _Error detail.
    error = oracledb.DatabaseError(OracleErrorDetail(message))
    failure = OracleAdapter._failure(error, None, 5.0)
    assert type(failure) is AdapterQueryError and str(failure) == message


def test_mixed_case_names_keep_their_case_and_lower_case_ones_fold(offline: OracleAdapter) -> None:
    query = exp.select(exp.column("Amount", "t"), exp.column("region", "t")).from_(
        exp.to_table("Mixed", alias="t")
    )
    assert offline.render(query) == 'SELECT "T"."Amount", "T"."REGION" FROM "Mixed" t'
    assert query.sql() == "SELECT t.Amount, t.region FROM Mixed AS t"  # the input is untouched
