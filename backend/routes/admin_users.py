"""Admin: users, roles and the attributes that drive row-level security.

DELETE deactivates rather than deletes: the audit log and saved reports keep pointing at a
real user, and PATCH `{"active": true}` brings the account back. Deactivating also revokes
the user's API keys; their login tokens stop working at once (every request checks).
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Path, Request, Response
from pydantic import BaseModel, ConfigDict, Field

from backend import audit
from backend.deps import AdminUser, AuthDep, require_admin
from backend.security.principal import Role
from backend.security.users import (
    all_users,
    create_user,
    deactivate_user,
    get_user,
    snapshot,
    update_user,
)
from backend.store.models import UserRow

# A user id is a row id of the store: a number outside it names nobody, and SQLite could not
# even bind it (OverflowError, a 500 before this bound).
UserId = Annotated[int, Path(ge=1, le=2**63 - 1)]

router = APIRouter(prefix="/admin/users", tags=["admin"], dependencies=[Depends(require_admin)])

Username = Annotated[str, Field(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9._@-]+$")]
Password = Annotated[str, Field(min_length=8, max_length=1024)]
DisplayName = Annotated[str, Field(max_length=200)]
AttrValue = str | int | float | bool | list[str | int | float | bool]
Attributes = Annotated[dict[Annotated[str, Field(max_length=64)], AttrValue], Field(max_length=50)]


class UserCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    username: Username
    password: Password
    role: Role = "viewer"
    display_name: DisplayName = ""
    attributes: Attributes = {}
    active: bool = True


class UserPatch(BaseModel):
    model_config = ConfigDict(extra="forbid")

    role: Role | None = None
    display_name: DisplayName | None = None
    attributes: Attributes | None = None
    active: bool | None = None
    password: Password | None = None


class UserOut(BaseModel):
    id: int
    username: str
    display_name: str
    role: str
    attributes: dict[str, Any]
    active: bool
    created_at: dt.datetime
    updated_at: dt.datetime

    @classmethod
    def of(cls, row: UserRow) -> UserOut:
        return cls.model_validate(row, from_attributes=True)


@router.get("", response_model=list[UserOut])
def list_users(auth: AuthDep) -> list[UserOut]:
    with auth.store.session() as session:
        return [UserOut.of(r) for r in all_users(session)]


@router.post("", response_model=UserOut, status_code=201)
def add_user(body: UserCreate, admin: AdminUser, auth: AuthDep, request: Request) -> UserOut:
    fields = body.model_dump(exclude={"password"})
    fields["display_name"] = fields["display_name"] or body.username
    with auth.store.session() as session:
        row = create_user(session, auth.passwords, password=body.password, **fields)
        out = UserOut.of(row)
    audit.record("user.create", user=admin, request=request, detail={"after": snapshot(row)})
    return out


@router.patch("/{user_id}", response_model=UserOut)
def change_user(
    user_id: UserId, body: UserPatch, admin: AdminUser, auth: AuthDep, request: Request
) -> UserOut:
    changes = body.model_dump(exclude_unset=True, exclude_none=True)
    with auth.store.session() as session:
        row = get_user(session, user_id)
        before = snapshot(row)
        update_user(session, auth.passwords, row, changes)
        out = UserOut.of(row)
    detail = {"user_id": user_id, "before": before, "after": snapshot(row)}
    if body.password is not None:
        detail["password_changed"] = True
    audit.record("user.update", user=admin, request=request, detail=detail)
    return out


@router.delete("/{user_id}", status_code=204)
def remove_user(user_id: UserId, admin: AdminUser, auth: AuthDep, request: Request) -> Response:
    with auth.store.session() as session:
        row = get_user(session, user_id)
        before = snapshot(row)
        deactivate_user(session, row)
        after = snapshot(row)
    audit.record(
        "user.deactivate",
        user=admin,
        request=request,
        detail={"user_id": user_id, "before": before, "after": after},
    )
    return Response(status_code=204)
