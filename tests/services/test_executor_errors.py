"""The executor turns database refusals into the contract's error, never a 500."""

from __future__ import annotations

import asyncio

import pytest
from sqlglot import exp

from adapters.duckdb_adapter import DuckDBAdapter
from backend.errors import DatabaseError
from backend.services.admission import Admission
from backend.services.executor import QueryExecutor


def test_a_statement_the_database_refuses_becomes_database_error(
    duckdb_adapter: DuckDBAdapter,
) -> None:
    executor = QueryExecutor(duckdb_adapter, Admission(1, wait_s=1, max_waiting=1))
    broken = exp.select(exp.column("x")).from_(exp.table_("no_such_relation"))
    try:
        with pytest.raises(DatabaseError) as caught:
            asyncio.run(
                executor.run(lambda qid: duckdb_adapter.run(broken, query_id=qid), timeout_s=5)
            )
    finally:
        executor.shutdown()
    assert caught.value.status == 502
    assert "no_such_relation" not in caught.value.message  # the database's words stay in logs
