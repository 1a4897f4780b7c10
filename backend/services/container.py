"""The long-lived parts of the service, built once per process from the settings."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from adapters.base import DatabaseAdapter
from backend.config import Settings
from backend.services.access import AccessPolicy
from backend.services.executor import QueryExecutor
from backend.services.queries import QueryService


@dataclass
class Services:
    settings: Settings
    adapter: DatabaseAdapter
    catalog: Any
    policy: AccessPolicy
    executor: QueryExecutor
    queries: QueryService

    def close(self) -> None:
        self.executor.shutdown()
        self.adapter.close()


def build_adapter_and_catalog(settings: Settings) -> tuple[DatabaseAdapter, Any]:
    if settings.db != "duckdb":
        raise NotImplementedError(f"AURORA_DB={settings.db} is not available yet")
    from adapters.duckdb_adapter import DuckDBAdapter
    from backend.catalog.catalog import Catalog
    from backend.catalog.warehouse import WarehouseSource

    settings.data_dir.mkdir(parents=True, exist_ok=True)
    adapter = DuckDBAdapter(settings.data_dir)
    catalog = Catalog(adapter, WarehouseSource(settings.data_dir))
    return adapter, catalog


def build_services(settings: Settings) -> Services:
    adapter, catalog = build_adapter_and_catalog(settings)
    policy = AccessPolicy(catalog)
    executor = QueryExecutor(adapter, workers=settings.query_workers, queue=settings.query_queue)
    queries = QueryService(settings, adapter, catalog, policy, executor)
    return Services(settings, adapter, catalog, policy, executor, queries)
