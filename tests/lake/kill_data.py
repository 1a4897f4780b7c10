"""The rows the kill -9 tests write, shared by the test and its child processes."""

from __future__ import annotations

from typing import Any

import pyarrow as pa

from backend.lake.changes import Event

PARTS = 16  # partitions (loads): a merge or an erase writes one file per partition it touches
SECRET = "Zed Secretperson"


def base_table(rows: int) -> pa.Table:
    """`rows` people spread over PARTS loads; every 50th is the secret person."""
    ids = list(range(rows))
    return pa.table(
        {
            "id": pa.array(ids, pa.int64()),
            "name": [SECRET if i % 50 == 0 else f"person {i}" for i in ids],
            "amount": pa.array([float(i) for i in ids], pa.float64()),
            "load_id": pa.array([i % PARTS for i in ids], pa.int64()),
        }
    )


def merge_events(first: int, count: int, tag: str) -> list[Event]:
    """Upserts of ids first..first+count: the existing ones change name, new ones arrive."""
    return [
        Event("upsert", {"id": i, "name": f"{tag} {i}", "amount": -1.0, "load_id": i % PARTS})
        for i in range(first, first + count)
    ]


def erase_filter(name: str) -> dict[str, Any]:
    return {"conditions": [{"column": "name", "operator": "=", "value": name}]}
