"""One app per test module over the module's own `warehouse` fixture."""

from __future__ import annotations

import secrets
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from psycopg import sql

from backend.store.engine import Store
from tests.lake.kill_data import PARTS
from tests.required import pg_connect
from tests.store.fixtures import Api, _running_api

ROWS = 64_000


@pytest.fixture(scope="module")
def api(
    metadata_store: Store, tmp_path_factory: pytest.TempPathFactory, warehouse: Path
) -> Iterator[Api]:
    yield from _running_api(metadata_store, tmp_path_factory.mktemp("app"), data_dir=warehouse)


@pytest.fixture
def pg_source() -> Iterator[tuple[str, str]]:
    """A PostgreSQL source table of ROWS rows in a schema of its own: key id, watermark
    updated_at, soft delete flag `deleted`."""
    schema = f"cdc_kill_{secrets.token_hex(4)}"
    with pg_connect(autocommit=True) as conn:
        conn.execute(sql.SQL("CREATE SCHEMA {}").format(sql.Identifier(schema)))
        conn.execute(
            sql.SQL(
                "CREATE TABLE {}.src (id bigint PRIMARY KEY, name text, amount float8,"
                " load_id bigint, updated_at timestamptz NOT NULL DEFAULT clock_timestamp(),"
                " deleted boolean NOT NULL DEFAULT false)"
            ).format(sql.Identifier(schema))
        )
        conn.execute(
            sql.SQL(
                "INSERT INTO {}.src (id, name, amount, load_id) SELECT i, 'person ' || i,"
                " i, i %% %s FROM generate_series(0, %s) i"
            ).format(sql.Identifier(schema)),
            (PARTS, ROWS - 1),
        )
    yield schema, "src"
    with pg_connect(autocommit=True) as conn:
        conn.execute(sql.SQL("DROP SCHEMA {} CASCADE").format(sql.Identifier(schema)))


def pg_rows(schema: str) -> list[tuple[Any, ...]]:
    with pg_connect() as conn:
        query = sql.SQL("SELECT id, name FROM {}.src WHERE NOT deleted ORDER BY id")
        return [tuple(r) for r in conn.execute(query.format(sql.Identifier(schema)))]
