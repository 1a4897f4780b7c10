"""Bookmarks (a user's private, named filter values on a dashboard) and comments (a thread
per tile, seen by whoever sees the dashboard)."""

from __future__ import annotations

import datetime as dt
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from backend.dashboards import tiles
from backend.dashboards.models import MAX_FILTERS, DashboardIn, FilterValue, Id, TileDataIn
from backend.dashboards.tables import DashboardBookmarkRow, DashboardCommentRow
from backend.errors import InvalidQuery, NotFound
from backend.security.principal import User
from backend.store.models import UserRow

MAX_BOOKMARKS = 100  # per user and dashboard


class BookmarkIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: Annotated[str, Field(min_length=1, max_length=200)]
    filters: Annotated[dict[Id, FilterValue], Field(max_length=MAX_FILTERS)] = {}


class BookmarkOut(BaseModel):
    id: str
    name: str
    filters: dict[str, FilterValue]
    created_at: dt.datetime


class CommentIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    text: Annotated[str, Field(min_length=1, max_length=5_000)]


class CommentOut(BaseModel):
    id: int
    tile: str
    author: str
    text: str
    created_at: dt.datetime


def _bookmark_out(row: DashboardBookmarkRow) -> BookmarkOut:
    return BookmarkOut(id=row.id, name=row.name, filters=row.filters, created_at=row.created_at)


def bookmarks(session: Session, dashboard_id: str, user: User) -> list[BookmarkOut]:
    rows = session.scalars(
        select(DashboardBookmarkRow)
        .where(DashboardBookmarkRow.dashboard_id == dashboard_id)
        .where(DashboardBookmarkRow.user_id == user.id)
        .order_by(DashboardBookmarkRow.name, DashboardBookmarkRow.id)
    )
    return [_bookmark_out(r) for r in rows]


def add_bookmark(
    session: Session, dashboard_id: str, doc: DashboardIn, body: BookmarkIn, user: User
) -> BookmarkOut:
    """Only the dashboard's filters, each with a value of its type (checked as a tile's
    request checks them)."""
    tiles.values(doc, TileDataIn(filters=body.filters))
    mine = (
        DashboardBookmarkRow.dashboard_id == dashboard_id,
        DashboardBookmarkRow.user_id == user.id,
    )
    count = session.scalar(select(func.count()).select_from(DashboardBookmarkRow).where(*mine))
    if (count or 0) >= MAX_BOOKMARKS:
        raise InvalidQuery(f"at most {MAX_BOOKMARKS} bookmarks per dashboard", path="name")
    row = DashboardBookmarkRow(
        dashboard_id=dashboard_id,
        user_id=user.id,
        name=body.name,
        filters=TileDataIn(filters=body.filters).model_dump(mode="json")["filters"],
    )
    session.add(row)
    session.flush()
    return _bookmark_out(row)


def delete_bookmark(session: Session, dashboard_id: str, bookmark_id: str, user: User) -> None:
    row = session.get(DashboardBookmarkRow, bookmark_id)
    if row is None or row.dashboard_id != dashboard_id or row.user_id != user.id:
        raise NotFound(f"Bookmark {bookmark_id} was not found.")
    session.delete(row)


def _tile(doc: DashboardIn, tile_id: str) -> None:
    if doc.tile(tile_id) is None:
        raise NotFound(f"This dashboard has no tile '{tile_id}'.")


def comments(
    session: Session, dashboard_id: str, doc: DashboardIn, tile_id: str
) -> list[CommentOut]:
    _tile(doc, tile_id)
    rows = session.execute(
        select(DashboardCommentRow, UserRow.username)
        .join(UserRow, UserRow.id == DashboardCommentRow.author_id)
        .where(DashboardCommentRow.dashboard_id == dashboard_id)
        .where(DashboardCommentRow.tile_id == tile_id)
        .order_by(DashboardCommentRow.created_at, DashboardCommentRow.id)
    ).tuples()
    return [
        CommentOut(id=c.id, tile=c.tile_id, author=who, text=c.text, created_at=c.created_at)
        for c, who in rows
    ]


def add_comment(
    session: Session, dashboard_id: str, doc: DashboardIn, tile_id: str, text: str, user: User
) -> CommentOut:
    _tile(doc, tile_id)
    row = DashboardCommentRow(
        dashboard_id=dashboard_id, tile_id=tile_id, author_id=user.id, text=text
    )
    session.add(row)
    session.flush()
    return CommentOut(
        id=row.id, tile=tile_id, author=user.username, text=text, created_at=row.created_at
    )
