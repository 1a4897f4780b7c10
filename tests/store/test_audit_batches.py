"""The audit writer batches rows that arrive one by one within a moment of each other: a
transaction per row cost several times the CPU of a row in a batch (backend.audit)."""

from __future__ import annotations

import time
from typing import Any

from sqlalchemy import event, func, select

from backend import audit
from backend.store.engine import Store
from backend.store.models import AuditRow
from tests.store.fixtures import wipe


class _User:
    id = 1
    username = "ann"


def test_rows_recorded_a_few_ms_apart_are_written_in_one_batch(sqlite_store: Store) -> None:
    wipe(sqlite_store)
    inserts: list[int] = []

    def seen(_conn: Any, _cursor: Any, statement: str, params: Any, *_: Any) -> None:
        if statement.startswith("INSERT INTO audit_log"):
            inserts.append(len(params) if isinstance(params, list) else 1)

    event.listen(sqlite_store.engine, "before_cursor_execute", seen)
    writer = audit.AuditWriter(sqlite_store)
    writer.start()
    try:
        for i in range(10):
            writer.record("query.run", user=_User(), detail={"i": i})
            time.sleep(0.002)
        assert writer.flush()
    finally:
        writer.stop()
        event.remove(sqlite_store.engine, "before_cursor_execute", seen)
    with sqlite_store.session() as session:
        assert session.scalar(select(func.count()).select_from(AuditRow)) == 10
    assert sum(inserts) == 10 and len(inserts) <= 2, inserts
