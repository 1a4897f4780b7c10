"""Fixtures for anything that needs the metadata store or an authenticated client.

Loaded for the whole suite by `pytest_plugins` in tests/conftest.py.

- `metadata_store`: a migrated store, once per session and backend: SQLite in a temp folder
  and PostgreSQL (AURORA_TEST_PG_URL, see tests/required.py) in a fresh schema
  `aurora_test_<random>` dropped at the end. Parametrized, so a test using it (or `api`)
  runs on both.
- `api`: a running app (lifespan entered) on an emptied store, with the first admin
  `admin` / `ADMIN_PASSWORD`. `api.headers()` logs in; `api.new_user("ann")` creates a
  user and returns its headers. `api_sqlite` is the same on SQLite only, for tests that do
  not care which store holds the users. `own_store_api` gives a module-scoped app a store of
  its own.
"""

from __future__ import annotations

import secrets
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from psycopg import sql
from pydantic import SecretStr
from sqlalchemy import delete

from backend import audit
from backend.config import Settings
from backend.main import create_app
from backend.store.all_models import metadata
from backend.store.engine import Store
from backend.store.migrate import migrate
from tests.required import PG_URL, pg_connect

ADMIN = "admin"
ADMIN_PASSWORD = "admin-test-password"
USER_PASSWORD = "viewer-test-password"
# The same server for code that hands the URL to SQLAlchemy's create_engine directly (it needs
# the driver named); everything else uses PG_URL as it is.
PG_SERVER = PG_URL.replace("postgresql://", "postgresql+psycopg://", 1)


@contextmanager
def fresh_pg_schema() -> Iterator[str]:
    """A fresh PostgreSQL schema (its URL), dropped at the end."""
    name = f"aurora_test_{secrets.token_hex(5)}"
    schema = sql.Identifier(name)
    with pg_connect(autocommit=True) as conn:
        conn.execute(sql.SQL("CREATE SCHEMA {}").format(schema))
    try:
        joiner = "&" if "?" in PG_URL else "?"
        yield f"{PG_URL}{joiner}options=-csearch_path%3D{name}"
    finally:
        with pg_connect(autocommit=True) as conn:
            conn.execute(sql.SQL("DROP SCHEMA {} CASCADE").format(schema))


@pytest.fixture(scope="session")
def pg_schema_url() -> Iterator[str]:
    """A fresh PostgreSQL schema for this test run (its URL), dropped at the end."""
    with fresh_pg_schema() as url:
        yield url


def _open_store(url: str) -> Store:
    store = Store(url)
    migrate(store)
    return store


STORES = ["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)]


@pytest.fixture(scope="session", params=STORES)
def metadata_store(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Store]:
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path_factory.mktemp('metadata') / 'aurora.db'}"
    else:
        url = request.getfixturevalue("pg_schema_url")
    store = _open_store(url)
    yield store
    store.close()


@pytest.fixture(scope="session")
def sqlite_store(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Store]:
    store = _open_store(f"sqlite:///{tmp_path_factory.mktemp('metadata') / 'aurora.db'}")
    yield store
    store.close()


def wipe(store: Store) -> None:
    """Empty every table (children first), keeping the schema and its migration version."""
    with store.session() as session:
        for table in reversed(metadata.sorted_tables):
            session.execute(delete(table))


@pytest.fixture(scope="session")
def shared_warehouse(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A tiny warehouse for API tests that only read it (see tests/conftest.py)."""
    from tests.conftest import build_tiny_warehouse

    return build_tiny_warehouse(tmp_path_factory.mktemp("shared")).root


def make_settings(tmp_path: Path, store: Store, **overrides: Any) -> Settings:
    values: dict[str, Any] = {
        "data_dir": tmp_path / "warehouse",
        "state_path": tmp_path / "state",
        "metadata_url": store.url,
        "admin_user": ADMIN,
        "admin_password": SecretStr(ADMIN_PASSWORD),
        "argon2_profile": "fast",
        "secret_key": None,
        **overrides,
    }
    return Settings(**values)


@dataclass
class Api:
    client: TestClient
    app: FastAPI
    settings: Settings
    store: Store
    _tokens: dict[str, str] = field(default_factory=dict)

    def login(self, username: str = ADMIN, password: str = ADMIN_PASSWORD) -> str:
        r = self.client.post("/api/auth/login", json={"username": username, "password": password})
        assert r.status_code == 200, r.text
        token: str = r.json()["access_token"]
        return token

    def headers(self, username: str = ADMIN, password: str = ADMIN_PASSWORD) -> dict[str, str]:
        if username not in self._tokens:
            self._tokens[username] = self.login(username, password)
        return {"Authorization": f"Bearer {self._tokens[username]}"}

    def new_user(
        self, username: str, role: str = "viewer", attributes: dict[str, Any] | None = None
    ) -> dict[str, str]:
        """Create a user through the admin API and return its auth headers."""
        body = {
            "username": username,
            "password": USER_PASSWORD,
            "role": role,
            "attributes": attributes or {},
        }
        r = self.client.post("/api/admin/users", json=body, headers=self.headers())
        assert r.status_code == 201, r.text
        return self.headers(username, USER_PASSWORD)

    @property
    def writer(self) -> audit.AuditWriter:
        """The running app's audit writer (its AppContext's)."""
        writer: audit.AuditWriter = self.app.state.context.auth.audit
        return writer

    def audit_rows(self, **filters: Any) -> list[dict[str, Any]]:
        self.writer.flush()
        params = {"page_size": 500, **filters}
        r = self.client.get("/api/admin/audit", params=params, headers=self.headers())
        assert r.status_code == 200, r.text
        items: list[dict[str, Any]] = r.json()["items"]
        return items


def _running_api(store: Store, tmp_path: Path, **overrides: Any) -> Iterator[Api]:
    wipe(store)
    settings = make_settings(tmp_path, store, **overrides)
    app = create_app(settings)
    with TestClient(app) as client:
        yield Api(client, app, settings, store)


def own_store_api(folder: Path, backend: str = "sqlite", **overrides: Any) -> Iterator[Api]:
    """An app on a store of its own (a SQLite file in `folder`, or a PostgreSQL schema), for a
    module-scoped app: every other app wipes the shared stores as it starts. A module's tests
    that only read as the admin (no users, settings or audit rows of their own), or only send
    requests that are refused, can share one app this way; each app costs a quarter of a
    second to start (FastAPI builds its routes per app)."""
    with ExitStack() as stack:
        if backend == "sqlite":
            url = f"sqlite:///{folder / 'aurora.db'}"
        else:
            url = stack.enter_context(fresh_pg_schema())
        store = _open_store(url)
        stack.callback(store.close)  # before the schema goes
        yield from _running_api(store, folder, **overrides)


@pytest.fixture
def api(metadata_store: Store, tmp_path: Path, shared_warehouse: Path) -> Iterator[Api]:
    yield from _running_api(metadata_store, tmp_path, data_dir=shared_warehouse)


@pytest.fixture
def api_sqlite(sqlite_store: Store, tmp_path: Path, shared_warehouse: Path) -> Iterator[Api]:
    yield from _running_api(sqlite_store, tmp_path, data_dir=shared_warehouse)
