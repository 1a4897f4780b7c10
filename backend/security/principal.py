"""`User`: the authenticated caller as routes see it. Immutable, detached from any session."""

from __future__ import annotations

import datetime as dt
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict
from sqlalchemy import Row

from backend.store.models import UserRow

# `ingest`: a viewer that may also push changes to datasets (CDC loaders).
Role = Literal["viewer", "admin", "ingest"]


class User(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    id: int
    username: str
    display_name: str
    role: Role
    attributes: dict[str, Any]
    active: bool = True
    # Set when the caller authenticated with an API key (its id), None for a login token.
    api_key_id: str | None = None
    # The login token's id and expiry, so logout can revoke exactly this token.
    token_jti: str | None = None
    token_expires_at: dt.datetime | None = None
    # A single-purpose token's scope (backend.security.scopes), e.g. printing one dashboard.
    token_scope: str | None = None

    @property
    def is_admin(self) -> bool:
        return self.role == "admin"

    @property
    def may_ingest(self) -> bool:
        return self.role in ("admin", "ingest")

    @classmethod
    def from_row(cls, row: UserRow | Row[Any], **extra: Any) -> User:
        """From the ORM row, or a Core row with the same columns (`authenticate`)."""
        return cls(
            id=row.id,
            username=row.username,
            display_name=row.display_name,
            role=row.role if row.role in ("admin", "ingest") else "viewer",
            attributes=dict(row.attributes or {}),
            active=row.active,
            **extra,
        )

    def public(self) -> dict[str, Any]:
        """The fields the API shows: login response, /me, admin listings."""
        return self.model_dump(include={"id", "username", "display_name", "role", "attributes"})
