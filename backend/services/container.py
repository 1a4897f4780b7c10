"""The long-lived parts of the service, built once per process from the settings."""

from __future__ import annotations

import functools
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from adapters.base import DatabaseAdapter
from backend.config import Settings
from backend.materialize.service import Materializations
from backend.services.access import AccessPolicy
from backend.services.admission import Admission
from backend.services.executor import QueryExecutor
from backend.services.queries import QueryService
from backend.store.engine import Store

if TYPE_CHECKING:
    from backend.catalog.sources import DatasetSource
    from backend.datasets_admin.service import DatasetAdmin
    from backend.datasets_admin.settings_store import SettingsStore


@dataclass
class Services:
    settings: Settings
    adapter: DatabaseAdapter
    catalog: Any
    policy: AccessPolicy
    executor: QueryExecutor
    queries: QueryService
    datasets: DatasetAdmin | None = None
    owned_store: Store | None = None  # the store build_services opened itself
    materialized: Materializations | None = None

    def close(self) -> None:
        if self.materialized is not None:
            self.materialized.close()
        self.executor.shutdown()
        self.adapter.close()
        if self.owned_store is not None:
            self.owned_store.close()


def build_adapter_and_catalog(
    settings: Settings, dataset_settings: SettingsStore | None = None
) -> tuple[DatabaseAdapter, Any]:
    from backend.catalog.catalog import Catalog
    from backend.datasets_admin.overlay import SettingsOverlay
    from backend.datasets_admin.relations import RegisteredRelations

    adapter, source = _adapter_and_source(settings)
    if dataset_settings is None:
        return adapter, Catalog(adapter, source)
    source = RegisteredRelations(source, adapter, dataset_settings)
    catalog = Catalog(adapter, source, overlay=SettingsOverlay(dataset_settings))
    return adapter, catalog


def _adapter_and_source(settings: Settings) -> tuple[DatabaseAdapter, DatasetSource]:
    """The adapter AURORA_DB names, and where its datasets come from: the warehouse folder
    for DuckDB, the database's own tables and views otherwise."""
    from backend.catalog.sources import RelationsSource
    from backend.catalog.warehouse import WarehouseSource

    if settings.db == "postgres":
        adapter: DatabaseAdapter = _postgres(settings)
        return adapter, RelationsSource(adapter)
    if settings.db == "oracle":
        adapter = _oracle(settings)
        return adapter, RelationsSource(adapter)
    from adapters.duckdb_adapter import DuckDBAdapter

    settings.data_dir.mkdir(parents=True, exist_ok=True)
    return DuckDBAdapter(settings.data_dir), WarehouseSource(settings.data_dir)


def _db_url(settings: Settings) -> str:
    if settings.db_url is None:
        raise ValueError(f"AURORA_DB={settings.db} needs AURORA_DB_URL")
    return settings.db_url.get_secret_value()


def _postgres(settings: Settings) -> DatabaseAdapter:
    from adapters.postgres_adapter import PostgresAdapter
    from backend.query.render import render

    return PostgresAdapter(
        _db_url(settings),
        schema=settings.db_schema or "public",
        max_size=settings.query_workers + 2,  # the workers, plus catalog and EXPLAIN calls
        renderer=functools.partial(render, dialect="postgres"),
    )


def _oracle(settings: Settings) -> DatabaseAdapter:
    from adapters.oracle_adapter import OracleAdapter
    from backend.query.render import render

    return OracleAdapter(
        _db_url(settings),
        schema=settings.db_schema,
        pool_min=settings.oracle_pool_min,
        pool_max=settings.oracle_pool_max,
        pool_increment=settings.oracle_pool_increment,
        renderer=functools.partial(render, dialect="oracle"),
    )


def build_services(settings: Settings, store: Store | None = None) -> Services:
    """`store`: the metadata store (the app's); without it one is opened and migrated here
    (the export worker, scripts) and closed with the services."""
    from backend.datasets_admin.rules import StoreRules
    from backend.datasets_admin.service import DatasetAdmin
    from backend.datasets_admin.settings_store import SettingsStore
    from backend.store.engine import default_url
    from backend.store.migrate import migrate

    owned = None
    if store is None:
        owned = store = Store(default_url(settings))
        migrate(store)
    dataset_settings = SettingsStore(store)
    adapter, catalog = build_adapter_and_catalog(settings, dataset_settings)
    policy = AccessPolicy(catalog, StoreRules(dataset_settings))
    executor = QueryExecutor(adapter, _admission(settings))
    materialized = _materializations(adapter, catalog, store)
    queries = QueryService(settings, adapter, catalog, policy, executor, materialized=materialized)
    datasets = DatasetAdmin(settings, adapter, catalog, dataset_settings)
    return Services(
        settings, adapter, catalog, policy, executor, queries, datasets, owned, materialized
    )


def _admission(settings: Settings) -> Admission:
    return Admission(
        settings.query_workers,
        wait_s=settings.query_queue_wait_s,
        max_waiting=settings.query_queue,
    )


def _materializations(adapter: DatabaseAdapter, catalog: Any, store: Store) -> Materializations:
    """Built as Parquet in the warehouse on DuckDB; elsewhere views the DBA maintains."""
    from backend.materialize.store import MaterializationStore

    warehouse = getattr(adapter, "warehouse_dir", None)
    return Materializations(adapter, catalog, MaterializationStore(store), warehouse=warehouse)
