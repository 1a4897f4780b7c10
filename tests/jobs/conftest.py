"""A real export stack on the tiny warehouse plus one bigger dataset: SQLite metadata store,
the DuckDB-backed QueryService, and two users. No mocks anywhere."""

from __future__ import annotations

import os
import shutil
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import duckdb
import pytest

from backend.config import Settings
from backend.jobs.export_job import ExportDeps
from backend.jobs.files import exports_dir
from backend.jobs.models import FINISHED
from backend.jobs.state import JobStore, JobView
from backend.security.principal import User
from backend.store.engine import Store
from backend.store.models import UserRow
from backend.wiring import Services, open_services
from tests.conftest import build_tiny_warehouse
from tests.required import redis_client, redis_url
from tests.store.fixtures import Api, make_settings, wipe

BIG_ROWS = 150_000
HUGE_ROWS = 3_000_000  # never finishes as XLSX within a test: for cancel and progress
REDIS_URL = redis_url(9)

BIG_SQL = """
SELECT i::BIGINT AS id, 'name ' || (i % 997) AS name,
  CASE WHEN i % 11 = 0 THEN '=cmd' || i ELSE 'text ' || i END AS note,
  (i * 1.25)::DECIMAL(18,2) AS amount, i / 7.0 AS ratio,
  DATE '2020-01-01' + (i % 1500)::INTEGER AS day,
  TIMESTAMP '2020-01-01' + to_seconds(i) AS at, i % 2 = 0 AS flag
FROM range($n) t(i)
"""


@pytest.fixture(scope="session")
def shared_warehouse(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("shared") / "warehouse"
    build_tiny_warehouse(root)
    with duckdb.connect() as con:
        target = root / "big.parquet"
        con.execute(f"COPY ({BIG_SQL}) TO '{target}' (FORMAT parquet)", {"n": BIG_ROWS})
        huge = "SELECT i::BIGINT AS id, 'row ' || i AS name FROM range($n) t(i)"
        con.execute(
            f"COPY ({huge}) TO '{root / 'huge.parquet'}' (FORMAT parquet)", {"n": HUGE_ROWS}
        )
    return root


def link_warehouse(shared: Path, root: Path) -> Path:
    """A per-test warehouse folder whose files are hard links to the shared, read-only ones
    (the warehouse scan skips symlinks)."""
    shutil.copytree(shared, root, copy_function=os.link)
    return root


def add_user(store: Store, username: str, role: str = "viewer", **attributes: Any) -> User:
    with store.session() as session:
        row = UserRow(
            username=username, password_hash="-", role=role, attributes=attributes, display_name=""
        )
        session.add(row)
        session.flush()
        return User.from_row(row)


@dataclass
class JobEnv:
    settings: Settings
    store: Store
    services: Services
    owner: User
    other: User

    @property
    def deps(self) -> ExportDeps:
        return ExportDeps(
            self.settings, self.store, self.services.queries, self.services.adapter.cancel
        )

    @property
    def jobs(self) -> JobStore:
        return JobStore(self.store)

    @property
    def exports_dir(self) -> Path:
        return exports_dir(self.settings)

    def wait(self, job_id: str, until: Callable[[JobView], bool], timeout: float = 60) -> JobView:
        deadline = time.monotonic() + timeout
        while True:
            job = self.jobs.get(job_id)
            assert job is not None
            if until(job):
                return job
            assert time.monotonic() < deadline, f"timed out waiting on {job}"
            time.sleep(0.05)

    def wait_finished(self, job_id: str, timeout: float = 60) -> JobView:
        return self.wait(job_id, lambda j: j.status in FINISHED, timeout)


def make_env(tmp_path: Path, store: Store, shared: Path, **overrides: Any) -> Iterator[JobEnv]:
    wipe(store)
    root = link_warehouse(shared, tmp_path / "warehouse")
    settings = make_settings(tmp_path, store, data_dir=root, **overrides)
    services = open_services(settings)
    try:
        yield JobEnv(settings, store, services, add_user(store, "ann"), add_user(store, "bob"))
    finally:
        services.close()


@pytest.fixture
def job_env(tmp_path: Path, sqlite_store: Store, shared_warehouse: Path) -> Iterator[JobEnv]:
    yield from make_env(tmp_path, sqlite_store, shared_warehouse, export_excel_max_rows=HUGE_ROWS)


@pytest.fixture
def export_api(sqlite_store: Store, tmp_path: Path, shared_warehouse: Path) -> Iterator[Api]:
    """The app with its lifespan entered, no Redis: exports run in-process."""
    from tests.jobs.api_fixtures import running_api

    yield from running_api(
        sqlite_store, tmp_path, shared_warehouse, export_excel_max_rows=HUGE_ROWS
    )


@pytest.fixture
def queue() -> Iterator[str]:
    """A queue of this test's own on database 9. Job ids are random, and ARQ expires their
    results after an hour, so only the queue key itself needs removing."""
    name = f"aurora:test:{uuid.uuid4().hex[:10]}"
    client = redis_client(9)
    yield name
    client.delete(name)
    client.close()
