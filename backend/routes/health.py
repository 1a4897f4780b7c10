"""Liveness. The only route that answers without credentials."""

from __future__ import annotations

from fastapi import APIRouter
from pydantic import BaseModel

from backend.deps import SettingsDep

router = APIRouter(tags=["health"])


class Health(BaseModel):
    status: str
    adapter: str


@router.get("/health", response_model=Health)
def health(settings: SettingsDep) -> Health:
    return Health(status="ok", adapter=settings.db)
