"""Admin: API keys for programmatic clients. The key is shown once, in the create response."""

from __future__ import annotations

import datetime as dt
from typing import Annotated

from fastapi import APIRouter, Depends, Request, Response
from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy import select

from backend import audit
from backend.deps import AdminUser, AuthDep, require_admin
from backend.errors import NotFound
from backend.security.api_keys import new_key
from backend.store.base import utcnow
from backend.store.models import ApiKeyRow, UserRow

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
    query = (
        select(ApiKeyRow, UserRow.username)
        .join(UserRow, UserRow.id == ApiKeyRow.user_id)
        .order_by(ApiKeyRow.created_at.desc())
    )
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
            for k, username in session.execute(query).all()
        ]


@router.post("", response_model=KeyCreated, status_code=201)
def create_key(body: KeyCreate, admin: AdminUser, auth: AuthDep, request: Request) -> KeyCreated:
    made = new_key()
    with auth.store.session() as session:
        owner = session.scalar(select(UserRow).where(UserRow.username == body.username))
        if owner is None or not owner.active:
            raise NotFound(f"No active user named '{body.username}'.")
        row = ApiKeyRow(
            user_id=owner.id, name=body.name, prefix=made.prefix, key_hash=made.key_hash
        )
        session.add(row)
        session.flush()
        key_id = row.id
    detail = {"key_id": key_id, "prefix": made.prefix, "for": body.username, "name": body.name}
    audit.record("api_key.create", user=admin, request=request, detail=detail)
    return KeyCreated(
        id=key_id, key=made.key, prefix=made.prefix, username=body.username, name=body.name
    )


@router.delete("/{key_id}", status_code=204)
def revoke_key(key_id: str, admin: AdminUser, auth: AuthDep, request: Request) -> Response:
    with auth.store.session() as session:
        row = session.get(ApiKeyRow, key_id)
        if row is None:
            raise NotFound(f"API key {key_id} was not found.")
        if row.revoked_at is None:
            row.revoked_at = utcnow()
        prefix = row.prefix
    audit.record(
        "api_key.revoke", user=admin, request=request, detail={"key_id": key_id, "prefix": prefix}
    )
    return Response(status_code=204)
