"""Change data capture, push: POST /api/datasets/{key}/changes (admins, users with the
`ingest` role, and their API keys).

The body is a batch of insert/update/delete events keyed by the dataset's `primary_key`
setting, merged atomically as one new version of its Delta table; a batch id seen before
is not applied again (backend.lake.changes).
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

import anyio
from fastapi import APIRouter, Depends, Request
from pydantic import BaseModel, ConfigDict, Field

from backend import audit
from backend.deps import DatasetAdminDep, IngestUser, ServicesDep, require_ingest
from backend.errors import BadRequest
from backend.lake import changes

router = APIRouter(tags=["datasets"], dependencies=[Depends(require_ingest)])


class ChangeEvent(BaseModel):
    model_config = ConfigDict(extra="forbid")

    op: Literal["insert", "update", "upsert", "delete"]
    row: Annotated[dict[str, Any], Field(min_length=1, max_length=500)]


class ChangeBatch(BaseModel):
    model_config = ConfigDict(extra="forbid")

    batch_id: Annotated[str, Field(min_length=1, max_length=128, pattern=r"^[\x21-\x7e]+$")]
    changes: Annotated[list[ChangeEvent], Field(min_length=1, max_length=100_000)]


class ChangesApplied(BaseModel):
    batch_id: str
    applied: bool
    version: int
    inserted: int
    updated: int
    deleted: int


@router.post("/datasets/{key}/changes", response_model=ChangesApplied)
async def push_changes(
    key: str,
    body: ChangeBatch,
    admin: IngestUser,
    services: ServicesDep,
    datasets: DatasetAdminDep,
    request: Request,
) -> ChangesApplied:
    """`applied: false` when the batch id was applied before (its version is returned)."""
    services.catalog.get(key)  # 404 for a dataset that does not exist
    folder = services.catalog.versioned_folder(key)
    if folder is None:
        raise BadRequest(f"Dataset '{key}' is not a Delta table: changes need one.")
    primary_key = datasets.primary_key(key)
    if not primary_key:
        raise BadRequest(f"Dataset '{key}' has no primary_key setting: set it first.")
    events = [changes.Event(c.op, c.row) for c in body.changes]
    done = await anyio.to_thread.run_sync(
        lambda: changes.merge(folder, body.batch_id, events, primary_key, admin.username)
    )
    services.catalog.refresh()
    out = ChangesApplied(
        batch_id=body.batch_id,
        applied=done.applied,
        version=done.version,
        inserted=done.inserted,
        updated=done.updated,
        deleted=done.deleted,
    )
    detail = out.model_dump()
    audit.record("dataset.changes", user=admin, request=request, dataset=key, detail=detail)
    return out
