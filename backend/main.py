"""The FastAPI application: routers, middleware and error handlers, assembled once."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from contextlib import AbstractAsyncContextManager, asynccontextmanager

from fastapi import FastAPI

from backend.admission_lanes import AdmissionLanes
from backend.body_limit import BodyLimitMiddleware
from backend.config import Settings, get_settings
from backend.http_errors import error_response, register_error_handlers
from backend.logging_setup import RequestIdMiddleware, configure_logging
from backend.metrics import Metrics, MetricsMiddleware, watch_app
from backend.routes import admin_cdc as admin_cdc_routes
from backend.routes import admin_datasets as admin_datasets_routes
from backend.routes import admin_erase as admin_erase_routes
from backend.routes import admin_maintenance as admin_maintenance_routes
from backend.routes import admin_materializations as materializations_routes
from backend.routes import admin_preview as admin_preview_routes
from backend.routes import admin_users, api_keys, audit, auth, datasets, health, query, reports
from backend.routes import admin_webhooks as admin_webhooks_routes
from backend.routes import advice as advice_routes
from backend.routes import aggrid as aggrid_routes
from backend.routes import alerts as alerts_routes
from backend.routes import api_docs as api_docs_routes
from backend.routes import ask as ask_routes
from backend.routes import changes as changes_routes
from backend.routes import dashboard_exports as dashboard_exports_routes
from backend.routes import dashboard_extras as dashboard_extras_routes
from backend.routes import dashboards as dashboards_routes
from backend.routes import dataset_version as dataset_version_routes
from backend.routes import delivery_files as delivery_files_routes
from backend.routes import delivery_options as delivery_options_routes
from backend.routes import exports as exports_routes
from backend.routes import insights as insights_routes
from backend.routes import meta as meta_routes
from backend.routes import metrics as metrics_routes
from backend.routes import notifications as notifications_routes
from backend.routes import schedules as schedules_routes
from backend.routes import totals as totals_routes
from backend.security.client_address import ClientAddressMiddleware
from backend.security.gate import AuthGate
from backend.wiring import AppContext

UPLOAD_PATHS = ("/api/admin/datasets",)  # multipart bodies here stream to disk (UPLOAD_MAX_MB)


# In matching order: a route of an earlier router wins over a later one's.
API_ROUTERS = (
    health,
    auth,
    datasets,
    query,
    reports,
    admin_users,
    api_keys,
    audit,
    exports_routes,
    schedules_routes,
    admin_datasets_routes,
    admin_preview_routes,
    advice_routes,
    aggrid_routes,
    materializations_routes,
    totals_routes,
    insights_routes,
    dashboards_routes,
    dashboard_extras_routes,
    dashboard_exports_routes,
    meta_routes,
    ask_routes,
    admin_erase_routes,
    admin_maintenance_routes,
    changes_routes,
    admin_cdc_routes,
    dataset_version_routes,
    alerts_routes,
    delivery_files_routes,
    admin_webhooks_routes,
    notifications_routes,
    delivery_options_routes,
)


def create_app(settings: Settings | None = None) -> FastAPI:
    settings = settings or get_settings()
    app = FastAPI(
        title="Aurora",
        version="0.1.0",
        openapi_url=None,  # backend.routes.api_docs serves it, under an auth rule
        docs_url=None,
        redoc_url=None,
        lifespan=_lifespan(settings),
    )
    app.state.settings = settings  # backend.deps.SettingsDep
    register_error_handlers(app)
    app.state.metrics = Metrics()
    _add_middleware(app, settings)
    for module in API_ROUTERS:
        app.include_router(module.router, prefix="/api")
    app.include_router(metrics_routes.router)
    app.include_router(api_docs_routes.router_for(settings), prefix="/api")
    return app


def _lifespan(settings: Settings) -> Callable[[FastAPI], AbstractAsyncContextManager[None]]:
    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        configure_logging(settings.log_level)
        # Migrations, services, first admin, audit writer, export runner and scheduler.
        context = await AppContext.open(settings)
        app.state.context = context
        watch_app(app.state.metrics, context)
        try:
            yield
        finally:
            app.state.context = None
            await context.close()

    return lifespan


def _add_middleware(app: FastAPI, settings: Settings) -> None:
    """Added innermost first: each one added later wraps the ones before."""
    app.add_middleware(MetricsMiddleware, metrics=app.state.metrics)
    app.add_middleware(AdmissionLanes)  # inside the gate: it reads the caller the gate found
    # Before the body is read: 401/403 win over 422.
    app.add_middleware(AuthGate, render=error_response)
    # A body over MAX_JSON_BODY_MB is refused as it streams in; uploads have their own limit.
    app.add_middleware(
        BodyLimitMiddleware,
        max_bytes=settings.max_json_body_mb * 2**20,
        upload_paths=UPLOAD_PATHS,
    )
    # The caller's address as the API believes it (the UI server's or a trusted proxy's word).
    app.add_middleware(ClientAddressMiddleware, **ClientAddressMiddleware.options(settings))
    app.add_middleware(RequestIdMiddleware)  # outermost: every line and response has the id


app = create_app()
