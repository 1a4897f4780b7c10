"""The CDC poll's reading of a PostgreSQL source, against the real server: integer and
timestamp-without-zone watermarks, a page limit that never splits one watermark's rows,
unmapped types as text, and a column added to the source reported, not dropped."""

from __future__ import annotations

import secrets
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from deltalake import DeltaTable
from psycopg import sql

from backend.errors import BadRequest
from backend.lake import pg_source, poll
from tests.required import PG_URL, pg_connect

pytestmark = pytest.mark.postgres


@pytest.fixture
def schema() -> Iterator[str]:
    name = f"cdc_src_{secrets.token_hex(4)}"
    _run(f"CREATE SCHEMA {name}")
    yield name
    _run(f"DROP SCHEMA {name} CASCADE")


def _run(statement: str, *params: Any) -> None:
    with pg_connect(autocommit=True) as conn:
        conn.execute(sql.SQL(statement), params)  # type: ignore[arg-type]


def _rows(folder: Path) -> list[dict[str, Any]]:
    return sorted(DeltaTable(str(folder)).to_pyarrow_table().to_pylist(), key=lambda r: r["id"])


def _poll(folder: Path, spec: pg_source.SourceSpec, limit: int = 1000) -> poll.Polled:
    return poll.poll(folder, "s", spec, PG_URL, limit=limit, user="test")


def test_an_integer_watermark_and_a_soft_delete_flag_of_any_type(
    schema: str, tmp_path: Path
) -> None:
    _run(f"CREATE TABLE {schema}.t (id int PRIMARY KEY, v text, seq bigint, gone_at date)")
    _run(f"INSERT INTO {schema}.t VALUES (1, 'a', 1, NULL), (2, 'b', 2, NULL), (3, 'c', 3, NULL)")
    spec = pg_source.SourceSpec(schema, "t", "id", "seq", "gone_at")
    assert _poll(tmp_path / "d", spec).watermark == 3
    _run(f"UPDATE {schema}.t SET v = 'A', seq = 4 WHERE id = 1")
    _run(f"UPDATE {schema}.t SET gone_at = '2026-12-01', seq = 5 WHERE id = 2")
    done = _poll(tmp_path / "d", spec)
    assert (done.upserted, done.deleted, done.watermark) == (1, 1, 5)
    assert _rows(tmp_path / "d") == [{"id": 1, "v": "A", "seq": 4}, {"id": 3, "v": "c", "seq": 3}]


def test_a_page_limit_never_splits_the_rows_of_one_watermark(schema: str, tmp_path: Path) -> None:
    _run(f"CREATE TABLE {schema}.t (id int PRIMARY KEY, at timestamp NOT NULL)")
    _run(f"INSERT INTO {schema}.t SELECT i, '2026-01-01 00:00:00' FROM generate_series(1, 5) i")
    _run(f"INSERT INTO {schema}.t VALUES (6, '2026-01-02 00:00:00')")
    spec = pg_source.SourceSpec(schema, "t", "id", "at")
    first = _poll(tmp_path / "d", spec, limit=2)  # 2 rows asked: all 5 of that time come
    assert [r["id"] for r in _rows(tmp_path / "d")] == [1, 2, 3, 4, 5]
    assert first.watermark == pg_source.encode(pg_source.EPOCH.replace(year=2026))
    _poll(tmp_path / "d", spec, limit=2)
    assert [r["id"] for r in _rows(tmp_path / "d")] == [1, 2, 3, 4, 5, 6]
    assert _poll(tmp_path / "d", spec, limit=2).version is None


def test_unmapped_types_arrive_as_text_and_a_new_source_column_is_reported(
    schema: str, tmp_path: Path
) -> None:
    _run(
        f"CREATE TABLE {schema}.t (id uuid PRIMARY KEY, doc jsonb, n numeric(8,2),"
        " at timestamptz NOT NULL DEFAULT clock_timestamp())"
    )
    key = uuid.uuid4()
    _run(f"INSERT INTO {schema}.t (id, doc, n) VALUES (%s, '{{\"a\": 1}}', 2.5)", key)
    spec = pg_source.SourceSpec(schema, "t", "id", "at")
    _poll(tmp_path / "d", spec)
    [row] = _rows(tmp_path / "d")
    assert (row["id"], row["doc"], row["n"]) == (str(key), '{"a": 1}', 2.5)
    _run(f"ALTER TABLE {schema}.t ADD COLUMN extra int")
    _run(f"UPDATE {schema}.t SET n = 3, at = clock_timestamp()")
    with pytest.raises(BadRequest, match="'extra'"):
        _poll(tmp_path / "d", spec)
    assert _rows(tmp_path / "d")[0]["n"] == 2.5  # nothing half-applied
