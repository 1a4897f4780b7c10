"""Change data capture, poll, against the real PostgreSQL: an admin registers a table, and
inserts, updates and soft deletes made there show in the dataset, each poll one version with
the watermark in its commit; the in-process ticker polls within twice the interval; bad
registrations are 4xx; a source's URL is never shown or audited."""

from __future__ import annotations

import datetime as dt
import secrets
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from deltalake import DeltaTable
from psycopg import sql

from backend.catalog.delta import log_version
from tests.required import PG_URL, pg_connect
from tests.store.fixtures import Api

pytestmark = pytest.mark.postgres
INTERVAL_S = 2
TOUCH = "updated_at = clock_timestamp()"  # what the source's writers do on each change
PASSWORD = "pw-" + secrets.token_hex(6)  # trust auth ignores it; it must never come back


def _url_with_password() -> str:
    return PG_URL.replace("postgresql://postgres@", f"postgresql://postgres:{PASSWORD}@", 1)


@pytest.fixture(scope="module")
def warehouse(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("cdc_poll") / "warehouse"
    root.mkdir(parents=True)
    return root


@pytest.fixture(scope="module")
def pg_schema() -> Iterator[str]:
    name = f"cdc_poll_{secrets.token_hex(4)}"
    with pg_connect(autocommit=True) as conn:
        conn.execute(sql.SQL("CREATE SCHEMA {}").format(sql.Identifier(name)))
    yield name
    with pg_connect(autocommit=True) as conn:
        conn.execute(sql.SQL("DROP SCHEMA {} CASCADE").format(sql.Identifier(name)))


def _sql(statement: str, schema: str, *params: Any) -> None:
    with pg_connect(autocommit=True) as conn:
        conn.execute(sql.SQL(statement).format(s=sql.Identifier(schema)), params)


@pytest.fixture
def orders(pg_schema: str) -> str:
    """A source table: key id, watermark updated_at (set on every write), soft delete."""
    table = f"orders_{secrets.token_hex(3)}"
    _sql(
        f"CREATE TABLE {{s}}.{table} (id int PRIMARY KEY, customer text, amount numeric(10,2),"
        " updated_at timestamptz NOT NULL DEFAULT clock_timestamp(),"
        " deleted boolean NOT NULL DEFAULT false)",
        pg_schema,
    )
    _sql(
        f"INSERT INTO {{s}}.{table} (id, customer, amount) "
        "VALUES (1, 'Ann', 10.5), (2, 'Bo', 20), (3, 'Cy', 30)",
        pg_schema,
    )
    return table


def _register(api: Api, schema: str, table: str, /, **extra: Any) -> Any:
    body = {
        "dataset": table,
        "schema_name": schema,
        "table": table,
        "key_column": "id",
        "watermark_column": "updated_at",
        "deleted_column": "deleted",
        "interval_s": 3600,
        # Paused unless a test wants the ticker: a new source is due at once, and a tick
        # racing the test's own run would leave that run nothing new to merge.
        "enabled": False,
        "url": PG_URL,
        **extra,
    }
    return api.client.post("/api/admin/cdc/sources", json=body, headers=api.headers())


def _run(api: Api, source_id: str) -> dict[str, Any]:
    r = api.client.post(f"/api/admin/cdc/sources/{source_id}/run", headers=api.headers())
    assert r.status_code == 200, r.text
    out: dict[str, Any] = r.json()
    assert out["last_status"] == "ok", out
    return out


def _rows(api: Api, key: str) -> list[list[Any]]:
    spec = {"dataset": key, "columns": ["id", "customer", "amount"], "sort": [{"column": "id"}]}
    r = api.client.post("/api/query", json=spec, headers=api.headers())
    assert r.status_code == 200, r.text
    return [list(row) for row in r.json()["rows"]]


def test_inserts_updates_and_soft_deletes_in_postgres_show_in_the_dataset(
    api: Api, warehouse: Path, pg_schema: str, orders: str
) -> None:
    r = _register(api, pg_schema, orders)
    assert r.status_code == 201, r.text
    source = r.json()
    first = _run(api, source["id"])
    assert first["last_version"] == 1  # version 0 created the empty table
    assert (first["last_upserted"], first["last_deleted"]) == (3, 0)
    assert first["last_change_at"] == first["last_run_at"]
    assert _rows(api, orders) == [[1, "Ann", 10.5], [2, "Bo", 20.0], [3, "Cy", 30.0]]

    _sql(
        f"UPDATE {{s}}.{orders} SET amount = 11, {TOUCH} WHERE id = 1",
        pg_schema,
    )
    _sql(
        f"UPDATE {{s}}.{orders} SET deleted = true, {TOUCH} WHERE id = 2",
        pg_schema,
    )
    _sql(f"INSERT INTO {{s}}.{orders} (id, customer, amount) VALUES (4, 'Di', 40)", pg_schema)
    second = _run(api, source["id"])
    assert second["last_version"] == 2
    assert (second["last_upserted"], second["last_deleted"]) == (2, 1)
    assert _rows(api, orders) == [[1, "Ann", 11.0], [3, "Cy", 30.0], [4, "Di", 40.0]]

    unchanged = _run(api, source["id"])  # nothing new: no version
    assert unchanged["last_version"] == 2
    assert (unchanged["last_upserted"], unchanged["last_deleted"]) == (0, 0)
    assert unchanged["last_change_at"] != unchanged["last_run_at"]
    table = DeltaTable(str(warehouse / orders))
    assert table.version() == 2
    entry = table.history(1)[0]
    assert entry["aurora.cdc.source"] == source["id"]
    assert int(entry["aurora.cdc.watermark"]) == second["watermark"]
    status = api.client.get(f"/api/admin/cdc/sources/{source['id']}", headers=api.headers())
    assert status.json()["watermark"] == second["watermark"]
    listed = api.client.get("/api/admin/cdc/sources", headers=api.headers()).json()
    mine = next(s for s in listed if s["id"] == source["id"])
    assert mine["watermark"] == second["watermark"]
    assert mine["watermark_text"] == _newest_touch(pg_schema, orders)


def _newest_touch(schema: str, table: str) -> str:
    """The source's largest updated_at as the API words a timestamptz watermark."""
    with pg_connect() as conn:
        query = sql.SQL("SELECT max(updated_at) FROM {}.{}").format(
            sql.Identifier(schema), sql.Identifier(table)
        )
        at = conn.execute(query).fetchone()[0].astimezone(dt.UTC)
    fraction = f".{at.microsecond:06d}" if at.microsecond else ""
    return at.strftime("%Y-%m-%d %H:%M:%S") + fraction + " UTC"


def test_a_failed_poll_says_why_and_keeps_the_applied_watermark(
    api: Api, pg_schema: str, orders: str
) -> None:
    source = _register(api, pg_schema, orders).json()
    applied = _run(api, source["id"])["watermark"]
    _sql(f"ALTER TABLE {{s}}.{orders} ADD COLUMN region text", pg_schema)
    _sql(f"UPDATE {{s}}.{orders} SET region = 'North', {TOUCH} WHERE id = 1", pg_schema)
    r = api.client.post(f"/api/admin/cdc/sources/{source['id']}/run", headers=api.headers())
    assert r.status_code == 200, r.text
    failed = r.json()
    assert failed["last_status"] == "failed"
    assert "column the dataset lacks: 'region'" in failed["last_error"]
    assert (failed["last_upserted"], failed["last_deleted"]) == (None, None)
    assert failed["watermark"] == applied and failed["last_version"] == 1


@pytest.mark.slow  # waits on the ticker for several intervals
def test_the_ticker_applies_a_committed_change_within_twice_the_interval(
    api: Api, warehouse: Path, pg_schema: str, orders: str
) -> None:
    r = _register(api, pg_schema, orders, interval_s=INTERVAL_S, enabled=True)
    assert r.status_code == 201, r.text
    folder = warehouse / orders
    _wait_for(lambda: log_version(folder) == 1, 4 * INTERVAL_S)
    lags = []
    for i in range(3):
        time.sleep(i * 0.7)  # a change lands at a different point of the interval each time
        version = log_version(folder) or 0
        _sql(f"UPDATE {{s}}.{orders} SET amount = amount + 1, {TOUCH} WHERE id = 3", pg_schema)
        committed = time.monotonic()
        _wait_for(lambda v=version: (log_version(folder) or 0) > v, 4 * INTERVAL_S)
        lags.append(time.monotonic() - committed)
    print(f"poll lag at interval {INTERVAL_S}s: {[round(s, 2) for s in lags]}")
    assert max(lags) <= 2 * INTERVAL_S, lags
    assert _rows(api, orders)[2] == [3, "Cy", 33.0]


def _wait_for(done: Any, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while not done():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.05)


@pytest.mark.parametrize(
    ("change", "status", "says"),
    [
        ({"table": "no_such_table"}, 400, "Cannot read"),
        ({"key_column": "nope"}, 400, "key column 'nope'"),
        ({"watermark_column": "customer"}, 400, "timestamp or integer"),
        ({"deleted_column": "gone"}, 400, "deleted column 'gone'"),
        ({"dataset": "../etc"}, 422, ""),
        ({"interval_s": 1}, 422, ""),
        ({"url": "mysql://x"}, 422, ""),
        ({"colour": "red"}, 422, ""),
        ({"url": "postgresql://postgres@127.0.0.1:5432/no_such_db_cdc"}, 400, "Cannot connect"),
    ],
)
def test_a_bad_registration_is_refused_and_nothing_is_registered(
    api: Api, pg_schema: str, orders: str, change: dict[str, Any], status: int, says: str
) -> None:
    r = _register(api, pg_schema, orders, **change)
    assert r.status_code == status, r.text
    assert says in r.text
    listed = api.client.get("/api/admin/cdc/sources", headers=api.headers()).json()
    assert orders not in [s["dataset"] for s in listed]


def test_change_disable_and_delete_a_source(api: Api, pg_schema: str, orders: str) -> None:
    source = _register(api, pg_schema, orders, enabled=True).json()
    assert source["enabled"] is True
    again = _register(api, pg_schema, orders)
    assert again.status_code == 409, again.text
    path = f"/api/admin/cdc/sources/{source['id']}"
    r = api.client.patch(path, json={"interval_s": 30, "enabled": False}, headers=api.headers())
    assert r.status_code == 200, r.text
    assert (r.json()["interval_s"], r.json()["enabled"]) == (30, False)
    bad = api.client.patch(path, json={"key_column": "nope"}, headers=api.headers())
    assert bad.status_code == 400, bad.text
    assert api.client.get(path, headers=api.headers()).json()["key_column"] == "id"
    assert api.client.delete(path, headers=api.headers()).status_code == 204
    assert api.client.get(path, headers=api.headers()).status_code == 404
    missing = api.client.post(f"{path}/run", headers=api.headers())
    assert missing.status_code == 404, missing.text


def test_a_viewer_cannot_see_or_register_sources(api: Api, pg_schema: str, orders: str) -> None:
    viewer = api.new_user(f"viewer_{orders}")
    assert api.client.get("/api/admin/cdc/sources", headers=viewer).status_code == 403
    body = {"dataset": orders, "table": orders, "key_column": "id", "watermark_column": "x"}
    assert api.client.post("/api/admin/cdc/sources", json=body, headers=viewer).status_code == 403


def test_the_url_is_sealed_never_shown_nor_audited_nor_in_an_error(
    api: Api, pg_schema: str, orders: str
) -> None:
    r = _register(api, pg_schema, orders, url=_url_with_password())
    assert r.status_code == 201, r.text
    source = r.json()
    assert source["has_own_url"] is True and PASSWORD not in r.text
    _run(api, source["id"])
    with api.store.engine.connect() as conn:
        stored = conn.exec_driver_sql("SELECT url_sealed FROM cdc_sources").scalars().all()
    assert stored and not any(PASSWORD in (s or "") for s in stored)
    broken = _url_with_password().replace("/test", "/no_such_db_cdc")
    path = f"/api/admin/cdc/sources/{source['id']}"
    assert api.client.patch(path, json={"url": broken}, headers=api.headers()).status_code == 400
    assert api.writer.flush()  # the audit writer is a queue: wait until it has written
    audit = api.client.get("/api/admin/audit?limit=200", headers=api.headers())
    assert "cdc_source.create" in audit.text and PASSWORD not in audit.text
    listed = api.client.get("/api/admin/cdc/sources", headers=api.headers())
    assert PASSWORD not in listed.text
