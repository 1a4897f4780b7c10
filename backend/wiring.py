"""The composition root: every long-lived part of one process, built once from the settings.

    context = await AppContext.open(settings)               # the API (main.lifespan)
    context = await AppContext.open(settings, worker=True)  # the ARQ worker (worker.startup)
    ...
    await context.close()

`open` opens the metadata store and migrates it (the one place migrations run), then builds
the query services, the auth parts (API only: the worker signs nobody in and creates no first
admin), the export service and the AG Grid service over them. `close` undoes it in reverse.
Nothing else wires parts together; routes reach them through `backend.deps`.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from adapters.base import DatabaseAdapter
from backend.aggrid.service import AgGridService
from backend.alerts.check import AlertDeps
from backend.alerts.ticker import loop as alert_loop
from backend.audit import AuditWriter
from backend.catalog.catalog import Catalog
from backend.config import Settings
from backend.datasets_admin.overlay import SettingsOverlay
from backend.datasets_admin.relations import RegisteredRelations
from backend.datasets_admin.rules import StoreRules
from backend.datasets_admin.service import DatasetAdmin
from backend.datasets_admin.settings_store import SettingsStore
from backend.delivery.outbox import Outbox
from backend.delivery.registry import build_channels
from backend.delivery.schedule_runs import RunDelivery, deliver_ready
from backend.jobs.arq_config import DEFAULT_REDIS
from backend.jobs.arq_runner import ArqRunner
from backend.jobs.export_job import ExportDeps
from backend.jobs.runner import InProcessRunner, JobRunner
from backend.jobs.scheduler import loop
from backend.jobs.service import ExportService
from backend.jobs.state import JobStore
from backend.jobs.sweep import sweep
from backend.lake import cdc_ticker
from backend.lake.cdc_sources import CdcSources
from backend.lake.jobs import MaintenanceJobs
from backend.materialize.service import Materializations
from backend.materialize.store import MaterializationStore
from backend.security.context import AuthContext, build_auth
from backend.services.access import AccessPolicy
from backend.services.admission import Admission
from backend.services.executor import QueryExecutor
from backend.services.queries import QueryService
from backend.store.engine import Store, default_url
from backend.store.migrate import migrate

if TYPE_CHECKING:
    from backend.catalog.sources import DatasetSource

IN_PROCESS_WORKERS = 2


@dataclass
class Services:
    """What answers queries: the adapter, the catalog over it, the access policy, the
    executor, and the dataset settings and materializations that shape the catalog."""

    settings: Settings
    adapter: DatabaseAdapter
    catalog: Any
    policy: AccessPolicy
    executor: QueryExecutor
    queries: QueryService
    datasets: DatasetAdmin
    materialized: Materializations
    owned_store: Store | None = None  # the store `open_services` opened for a script

    def close(self) -> None:
        self.materialized.close()
        self.executor.shutdown()
        self.adapter.close()
        if self.owned_store is not None:
            self.owned_store.close()


def open_store(settings: Settings) -> Store:
    """The metadata store, migrated to the newest revision: the one place that migrates."""
    store = Store(default_url(settings))
    migrate(store)
    return store


def build_services(settings: Settings, store: Store) -> Services:
    """The query services over a migrated metadata `store` (see `open_store`)."""
    dataset_settings = SettingsStore(store)
    adapter, catalog = build_adapter_and_catalog(settings, dataset_settings)
    policy = AccessPolicy(catalog, StoreRules(dataset_settings))
    executor = QueryExecutor(adapter, _admission(settings))
    materialized = _materializations(adapter, catalog, store)
    queries = QueryService(settings, adapter, catalog, policy, executor, materialized=materialized)
    datasets = DatasetAdmin(settings, adapter, catalog, dataset_settings)
    return Services(settings, adapter, catalog, policy, executor, queries, datasets, materialized)


def open_services(settings: Settings) -> Services:
    """Scripts and benchmarks: the services over a store of their own, closed with them."""
    services = build_services(settings, store := open_store(settings))
    services.owned_store = store
    return services


@dataclass
class AppContext:
    """One process's parts. `auth` and `aggrid` are the API's; the worker has neither, and
    audits its deliveries through a writer of its own (`_worker_audit`)."""

    settings: Settings
    store: Store
    services: Services
    exports: ExportService
    outbox: Outbox
    auth: AuthContext | None = None
    aggrid: AgGridService | None = None
    maintenance: MaintenanceJobs = field(default_factory=MaintenanceJobs)  # optimize/vacuum runs
    _worker_audit: AuditWriter | None = field(default=None, repr=False)
    _scheduler: asyncio.Task[None] | None = field(default=None, repr=False)
    _alert_ticker: asyncio.Task[None] | None = field(default=None, repr=False)
    _cdc_ticker: asyncio.Task[None] | None = field(default=None, repr=False)

    @property
    def export_deps(self) -> ExportDeps:
        """What one export run needs (the worker's `ctx["deps"]`, the in-process runner's)."""
        return _export_deps(self.settings, self.store, self.services)

    @property
    def alert_deps(self) -> AlertDeps:
        """What checking alerts needs (the worker's cron, the in-process ticker)."""
        return AlertDeps(self.store, self.services.queries, self.outbox)

    @property
    def run_delivery(self) -> RunDelivery:
        """What sends finished scheduled runs to their recipients (the worker's cron, the
        in-process scheduler's tick)."""
        return RunDelivery(self.export_deps, self.services.queries, self.outbox)

    @functools.cached_property
    def cdc_sources(self) -> CdcSources:
        """The CDC poll's sources (the admin routes, the worker's cron, the in-process tick)."""
        return CdcSources.of(self.settings, self.store)

    @classmethod
    async def open(cls, settings: Settings, *, worker: bool = False) -> AppContext:
        store = await asyncio.to_thread(open_store, settings)
        services = build_services(settings, store)
        exports = build_export_service(settings, store, services, worker=worker)
        channels = build_channels(settings, store)
        if worker:
            writer = AuditWriter(store)
            writer.start()
            outbox = Outbox(store, channels, writer)
            return cls(settings, store, services, exports, outbox, _worker_audit=writer)
        auth = build_auth(settings, store)  # first admin, audit writer
        outbox = Outbox(store, channels, auth.audit)
        aggrid = AgGridService(services.queries)
        context = cls(settings, store, services, exports, outbox, auth, aggrid)
        await asyncio.to_thread(sweep, settings, store)
        if not settings.redis_url:  # with Redis the ARQ worker's cron ticks the schedules
            deliver = functools.partial(deliver_ready, context.run_delivery)
            context._scheduler = asyncio.create_task(loop(store, exports, after_tick=deliver))
            context._alert_ticker = asyncio.create_task(alert_loop(context.alert_deps))
            refresh = services.catalog.refresh
            context._cdc_ticker = asyncio.create_task(cdc_ticker.loop(context.cdc_sources, refresh))
        return context

    async def close(self) -> None:
        for task in (self._scheduler, self._alert_ticker, self._cdc_ticker):
            if task is not None:
                task.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await task
        self._scheduler = self._alert_ticker = self._cdc_ticker = None
        await self.exports.runner.close()
        self.maintenance.close()
        await self.services.queries.results.aclose()
        self.services.close()
        if self.auth is not None:
            self.auth.close()
        if self._worker_audit is not None:
            self._worker_audit.stop()
        self.store.close()


def build_export_service(
    settings: Settings, store: Store, services: Services, *, worker: bool = False
) -> ExportService:
    """Jobs go to ARQ with `REDIS_URL` set (always in the worker); without it a bounded
    in-process pool runs them, so the embedded default needs no Redis."""
    jobs = JobStore(store)
    runner: JobRunner
    if worker or settings.redis_url:
        url = settings.redis_url or DEFAULT_REDIS
        runner = ArqRunner(jobs, url, settings.export_queue, settings=settings)
    else:
        in_process = InProcessRunner(
            _export_deps(settings, store, services), workers=IN_PROCESS_WORKERS
        )
        in_process.fail_orphans()
        runner = in_process
    return ExportService(settings, jobs, runner, services.queries)


def _export_deps(settings: Settings, store: Store, services: Services) -> ExportDeps:
    return ExportDeps(settings, store, services.queries, services.adapter.cancel)


def build_adapter_and_catalog(
    settings: Settings, dataset_settings: SettingsStore
) -> tuple[DatabaseAdapter, Catalog]:
    adapter, source = _adapter_and_source(settings)
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
    from backend.memory_budget import api_workers, memory_limit

    settings.data_dir.mkdir(parents=True, exist_ok=True)
    # DuckDB's own default (80% of RAM per process) when started other than by serve.
    limit = memory_limit(settings, api_workers(settings))
    return DuckDBAdapter(settings.data_dir, memory_limit=limit), WarehouseSource(settings.data_dir)


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


def _admission(settings: Settings) -> Admission:
    return Admission(
        settings.query_workers,
        wait_s=settings.query_queue_wait_s,
        max_waiting=settings.query_queue,
    )


def _materializations(adapter: DatabaseAdapter, catalog: Any, store: Store) -> Materializations:
    """Built as Parquet in the warehouse on DuckDB; elsewhere views the DBA maintains."""
    warehouse = getattr(adapter, "warehouse_dir", None)
    return Materializations(adapter, catalog, MaterializationStore(store), warehouse=warehouse)
