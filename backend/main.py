"""The FastAPI application: routers, middleware and error handlers, assembled once."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI

from backend.config import Settings, get_settings
from backend.http_errors import register_error_handlers
from backend.routes import health


def create_app(settings: Settings | None = None) -> FastAPI:
    settings = settings or get_settings()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        yield

    app = FastAPI(
        title="Aurora",
        version="0.1.0",
        openapi_url="/api/openapi.json",
        docs_url="/api/docs",
        redoc_url=None,
        lifespan=lifespan,
    )
    app.dependency_overrides[get_settings] = lambda: settings
    register_error_handlers(app)
    for module in (health,):
        app.include_router(module.router, prefix="/api")
    return app


app = create_app()
