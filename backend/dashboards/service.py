"""Dashboard use cases over the store: create, replace, restore a version; their output."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

from pydantic import BaseModel
from sqlalchemy.orm import Session

from backend.dashboards import check, store
from backend.dashboards.models import DashboardIn, Filter, Tab
from backend.dashboards.tables import DashboardRow
from backend.query.spec import QuerySpec
from backend.security.principal import User
from backend.services.offload import in_pool
from backend.services.queries import QueryService
from backend.store.base import new_id


class DashboardOut(BaseModel):
    id: str
    name: str
    description: str
    shared: bool
    filters: list[Filter]
    tabs: list[Tab]
    owner_id: int
    owner: str
    can_edit: bool
    version: int
    created_at: dt.datetime
    updated_at: dt.datetime


def out(found: store.Found, user: User) -> DashboardOut:
    row, doc = found.row, found.doc
    return DashboardOut(
        id=row.id,
        name=doc.name,
        description=doc.description,
        shared=doc.shared,
        filters=doc.filters,
        tabs=doc.tabs,
        owner_id=row.owner_id,
        owner=found.owner,
        can_edit=row.owner_id == user.id or user.is_admin,
        version=row.version,
        created_at=row.created_at,
        updated_at=row.updated_at,
    )


class Checker:
    """Checks a document as `user` sees the catalog (see backend.dashboards.check)."""

    def __init__(
        self, queries: QueryService, validate: Callable[[QuerySpec, User], None], user: User
    ) -> None:
        self.queries, self.validate, self.user = queries, validate, user

    def __call__(self, body: DashboardIn) -> DashboardIn:
        return check.checked(body, self._validate, self._columns)

    def _validate(self, spec: QuerySpec) -> None:
        self.validate(spec, self.user)

    def _columns(self, spec: QuerySpec) -> dict[str, str]:
        schema = in_pool(self.queries.joined_schema, spec, self.user)
        return {c.name: c.label for c in schema.columns}


def create(session: Session, doc: DashboardIn, user: User) -> store.Found:
    row = DashboardRow(id=new_id(), owner_id=user.id, body={}, version=0)
    session.add(row)
    store.save(session, row, doc, user)
    return store.Found(row, user.username, doc)


def replace(session: Session, found: store.Found, doc: DashboardIn, user: User) -> store.Found:
    store.save(session, found.row, doc, user)
    return store.Found(found.row, found.owner, doc)


def audit_detail(found: store.Found, **extra: Any) -> dict[str, Any]:
    return {"dashboard_id": found.row.id, "name": found.doc.name, **extra}
