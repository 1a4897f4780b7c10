"""One app per module for the property tests: the tiny warehouse plus hand-filtered copies
of `sales` (DuckDB `COPY ... WHERE region IN (...)`), `sales` limited by region for the
viewers `nora` (North) and `sid` (South, East)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import duckdb
import pytest
from hypothesis import HealthCheck, settings

from backend.store.engine import Store
from tests.conftest import build_tiny_warehouse
from tests.store.fixtures import Api, _running_api

SLICES = {"nora": ["North"], "sid": ["South", "East"]}

# Bounded so that the whole directory adds about a minute to `make test`; no example
# database (CI starts clean), no deadline (a busy machine is slow, not wrong).
settings.register_profile(
    "aurora",
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
settings.load_profile("aurora")


@pytest.fixture(scope="module")
def property_warehouse(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = build_tiny_warehouse(tmp_path_factory.mktemp("property") / "warehouse").root
    source = f"read_parquet('{root}/sales/**/*.parquet', hive_partitioning=true)"
    with duckdb.connect() as con:
        for user, regions in SLICES.items():
            con.execute(
                f"COPY (SELECT * FROM {source} WHERE region IN (SELECT unnest($r))) "
                f"TO '{root}/sales_{user}' (FORMAT parquet, PARTITION_BY (load_type, load_id))",
                {"r": regions},
            )
    return root


@pytest.fixture(scope="module")
def property_api(
    sqlite_store: Store, tmp_path_factory: pytest.TempPathFactory, property_warehouse: Path
) -> Iterator[Api]:
    folder = tmp_path_factory.mktemp("property_app")
    for api in _running_api(sqlite_store, folder, data_dir=property_warehouse, redis_url=None):
        r = api.client.patch(
            "/api/admin/datasets/sales",
            json={"rls": [{"column": "region", "attribute": "region"}]},
            headers=api.headers(),
        )
        assert r.status_code == 200, r.text
        for user, regions in SLICES.items():
            api.new_user(user, attributes={"region": regions})
        api.new_user("open")  # a viewer of the copies, which have no row-level security
        yield api
