"""Admin: API keys for programmatic clients. The key is shown once, in the create response."""

from __future__ import annotations

import datetime as dt
from typing import Annotated

from fastapi import APIRouter, Depends, Request, Response
from pydantic import BaseModel, ConfigDict, Field

from backend import audit
from backend.deps import AdminUser, AuthDep, require_admin
from backend.security import key_store

router = APIRouter(prefix="/admin/api-keys", tags=["admin"], dependencies=[Depends(require_admin)])


class KeyCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    username: Annotated[str, Field(min_length=1, max_length=64)]
    name: Annotated[str, Field(min_length=1, max_length=200)]


class KeyCreated(BaseModel):
    id: str
    key: str
    prefix: str
    username: str
    name: str


class KeyOut(BaseModel):
    id: str
    prefix: str
    username: str
    name: str
    created_at: dt.datetime
    last_used_at: dt.datetime | None
    revoked_at: dt.datetime | None


@router.get("", response_model=list[KeyOut])
def list_keys(auth: AuthDep) -> list[KeyOut]:
    with auth.store.session() as session:
        return [
            KeyOut(
                id=k.id,
                prefix=k.prefix,
                username=username,
                name=k.name,
                created_at=k.created_at,
                last_used_at=k.last_used_at,
                revoked_at=k.revoked_at,
            )
            for k, username in key_store.list_keys(session)
        ]


@router.post("", response_model=KeyCreated, status_code=201)
def create_key(body: KeyCreate, admin: AdminUser, auth: AuthDep, request: Request) -> KeyCreated:
    with auth.store.session() as session:
        row, made = key_store.create_key(session, body.username, body.name)
        key_id = row.id
    detail = {"key_id": key_id, "prefix": made.prefix, "for": body.username, "name": body.name}
    audit.record("api_key.create", user=admin, request=request, detail=detail)
    return KeyCreated(
        id=key_id, key=made.key, prefix=made.prefix, username=body.username, name=body.name
    )


@router.delete("/{key_id}", status_code=204)
def revoke_key(key_id: str, admin: AdminUser, auth: AuthDep, request: Request) -> Response:
    with auth.store.session() as session:
        prefix = key_store.revoke_key(session, key_id).prefix
    audit.record(
        "api_key.revoke", user=admin, request=request, detail={"key_id": key_id, "prefix": prefix}
    )
    return Response(status_code=204)
