"""The executor turns database refusals into the contract's error, never a 500."""

from __future__ import annotations

import asyncio
import gc

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


def test_a_cancelled_request_leaves_no_unretrieved_database_error(
    duckdb_adapter: DuckDBAdapter,
) -> None:
    """The client went away: the statement is interrupted, and its error, which nobody
    awaits any more, is not logged as "Future exception was never retrieved"."""
    a = exp.Table(this=exp.func("range", exp.Literal.number(100_000_000)), alias="a")
    b = exp.Table(this=exp.func("range", exp.Literal.number(10_000)), alias="b")
    slow = exp.select(exp.Count(this=exp.Star())).from_(a).join(b, join_type="cross")
    executor = QueryExecutor(duckdb_adapter, Admission(1, wait_s=1, max_waiting=1))
    logged: list[str] = []

    async def scenario() -> None:
        loop = asyncio.get_running_loop()
        loop.set_exception_handler(lambda _loop, context: logged.append(context["message"]))
        run = executor.run(lambda qid: duckdb_adapter.run(slow, query_id=qid), timeout_s=30)
        task = asyncio.ensure_future(run)
        await asyncio.sleep(0.3)
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task
        await asyncio.sleep(1.5)  # the interrupted statement hands back its thread
        gc.collect()

    try:
        asyncio.run(scenario())
    finally:
        executor.shutdown()
    assert not [m for m in logged if "never retrieved" in m], logged
