"""The Alembic chain: linear, and at head it builds exactly the tables the models describe."""

from __future__ import annotations

import datetime as dt
import secrets
import subprocess
import sys

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import create_engine, inspect, select, text

from backend.store.all_models import metadata
from backend.store.engine import Store
from backend.store.migrate import alembic_config, at_head, migrate, upgrade
from backend.store.models import TokenRevocationRow
from tests.store.fixtures import PG_SERVER


def test_revisions_form_one_linear_chain() -> None:
    script = ScriptDirectory.from_config(alembic_config())
    assert len(script.get_heads()) == 1
    assert len(script.get_bases()) == 1
    for rev in script.walk_revisions():
        assert not rev.is_merge_point and not rev.is_branch_point


def test_migrated_schema_matches_the_models(metadata_store: Store) -> None:
    with metadata_store.engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn), metadata)
    assert diff == []


def test_upgrade_is_idempotent(metadata_store: Store) -> None:
    upgrade(metadata_store.engine)
    with metadata_store.engine.connect() as conn:
        version = conn.execute(text("SELECT version_num FROM alembic_version")).scalar_one()
    assert version == ScriptDirectory.from_config(alembic_config()).get_current_head()


def test_tables_exist(metadata_store: Store) -> None:
    names = set(inspect(metadata_store.engine).get_table_names())
    assert {"users", "api_keys", "audit_log", "reports", "token_revocations"} <= names


def test_timestamps_come_back_timezone_aware_utc(metadata_store: Store) -> None:
    at = dt.datetime(2024, 6, 1, 12, 0, tzinfo=dt.timezone(dt.timedelta(hours=2)))
    with metadata_store.session() as session:
        session.add(TokenRevocationRow(jti="tz-check", expires_at=at))
    with metadata_store.session() as session:
        got = session.scalar(
            select(TokenRevocationRow.expires_at).where(TokenRevocationRow.jti == "tz-check")
        )
        session.execute(TokenRevocationRow.__table__.delete())
    assert got == at and got is not None and got.utcoffset() == dt.timedelta(0)


def test_a_fresh_sqlite_store_migrates_from_nothing(tmp_path) -> None:  # type: ignore[no-untyped-def]
    store = Store(f"sqlite:///{tmp_path / 'new.db'}")
    try:
        migrate(store)
        assert "users" in inspect(store.engine).get_table_names()
    finally:
        store.close()


def test_a_store_behind_the_newest_revision_is_brought_there(tmp_path) -> None:  # type: ignore[no-untyped-def]
    # migrate() only reads a store already at head; one a revision behind is still upgraded.
    scripts = ScriptDirectory.from_config(alembic_config())
    head = scripts.get_current_head()
    assert head is not None
    before = scripts.get_revision(head).down_revision
    assert isinstance(before, str)
    store = Store(f"sqlite:///{tmp_path / 'behind.db'}")
    try:
        assert not at_head(store.engine)
        upgrade(store.engine, before)
        assert not at_head(store.engine)
        migrate(store)
        assert at_head(store.engine)
        with store.engine.connect() as conn:
            assert MigrationContext.configure(conn).get_current_revision() == head
    finally:
        store.close()


MIGRATE_IN_A_PROCESS = (
    "import sys; from backend.store.engine import Store; from backend.store.migrate import migrate;"
    " migrate(Store(sys.argv[1]))"
)


def _migrate_together(url: str, processes: int = 8) -> list[tuple[int, str]]:
    starts = [
        subprocess.Popen(
            [sys.executable, "-c", MIGRATE_IN_A_PROCESS, url],
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
        )
        for _ in range(processes)
    ]
    return [(p.wait(120), p.stdout.read().decode()[-400:] if p.stdout else "") for p in starts]


def _head() -> str:
    return str(ScriptDirectory.from_config(alembic_config()).get_current_head())


@pytest.mark.postgres
def test_processes_starting_together_on_a_fresh_postgresql_store_all_come_up() -> None:
    """The API's workers and the export worker migrate as they start; on a fresh schema all
    but one used to fail creating the same tables."""
    name = f"aurora_race_{secrets.token_hex(5)}"
    engine = create_engine(PG_SERVER)
    with engine.begin() as conn:
        conn.execute(text(f'CREATE SCHEMA "{name}"'))
    try:
        results = _migrate_together(f"{PG_SERVER}?options=-csearch_path%3D{name}")
        assert [rc for rc, _ in results] == [0] * len(results), results
        with engine.connect() as conn:
            version = conn.execute(text(f'SELECT version_num FROM "{name}".alembic_version'))
            assert version.scalar_one() == _head()
    finally:
        with engine.begin() as conn:
            conn.execute(text(f'DROP SCHEMA "{name}" CASCADE'))
        engine.dispose()


def test_processes_starting_together_on_a_fresh_sqlite_file_all_come_up(tmp_path) -> None:  # type: ignore[no-untyped-def]
    """The same on the embedded default's SQLite file (7 of 8 failed before the lock)."""
    url = f"sqlite:///{tmp_path / 'fresh.db'}"
    results = _migrate_together(url)
    assert [rc for rc, _ in results] == [0] * len(results), results
    store = Store(url)
    try:
        with store.engine.connect() as conn:
            version = conn.execute(text("SELECT version_num FROM alembic_version"))
            assert version.scalar_one() == _head()
    finally:
        store.close()
