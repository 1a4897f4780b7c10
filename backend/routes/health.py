"""Liveness and readiness: the only routes that answer without credentials, and they say
nothing about the data."""

from __future__ import annotations

import asyncio

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel

from backend.deps import SettingsDep

router = APIRouter(tags=["health"])


class Health(BaseModel):
    status: str
    adapter: str


@router.get("/health", response_model=Health)
def health(settings: SettingsDep) -> Health:
    return Health(status="ok", adapter=settings.db)


@router.get("/health/live", response_model=Health)
def live(settings: SettingsDep) -> Health:
    """The process answers; an orchestrator restarts it when this fails."""
    return Health(status="ok", adapter=settings.db)


@router.get("/health/ready", response_model=Health)
async def ready(settings: SettingsDep, request: Request) -> JSONResponse:
    """Ready to serve: the metadata store and the query database both answer."""
    try:
        await asyncio.wait_for(asyncio.to_thread(_probe, request), timeout=5)
    except Exception:
        return JSONResponse({"status": "unavailable", "adapter": settings.db}, 503)
    return JSONResponse({"status": "ok", "adapter": settings.db})


def _probe(request: Request) -> None:
    context = request.app.state.context  # not started yet: not ready
    context.store.ping()
    context.services.catalog.list()
