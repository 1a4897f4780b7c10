"""The FastAPI application: routers, middleware and error handlers, assembled once."""

from __future__ import annotations

from fastapi import FastAPI

from backend.http_errors import register_error_handlers
from backend.routes import health


def create_app() -> FastAPI:
    app = FastAPI(
        title="Aurora",
        version="0.1.0",
        openapi_url="/api/openapi.json",
        docs_url="/api/docs",
        redoc_url=None,
    )
    register_error_handlers(app)
    app.include_router(health.router, prefix="/api")
    return app


app = create_app()
