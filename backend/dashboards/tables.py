"""The store's dashboard tables. A dashboard's tabs, tiles and filters are one JSON document
(`body`): it is saved, versioned and restored whole, and a version is that same document."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import Boolean, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from backend.store.base import Base, Json, UTCDateTime, new_id, utcnow


class DashboardRow(Base):
    __tablename__ = "dashboards"

    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=new_id)
    owner_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    name: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text, default="")
    shared: Mapped[bool] = mapped_column(Boolean, default=False, index=True)
    body: Mapped[dict[str, Any]] = mapped_column(Json)
    version: Mapped[int] = mapped_column(Integer, default=1)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)


class DashboardVersionRow(Base):
    """One save: the whole document as it was, numbered 1, 2, ... per dashboard."""

    __tablename__ = "dashboard_versions"
    __table_args__ = (Index("ix_dashboard_versions_dashboard_n", "dashboard_id", "n", unique=True),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    dashboard_id: Mapped[str] = mapped_column(ForeignKey("dashboards.id", ondelete="CASCADE"))
    n: Mapped[int] = mapped_column(Integer)
    name: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text, default="")
    shared: Mapped[bool] = mapped_column(Boolean, default=False)
    body: Mapped[dict[str, Any]] = mapped_column(Json)
    saved_by: Mapped[int] = mapped_column(Integer)
    saved_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)


class DashboardBookmarkRow(Base):
    """A user's private, named set of filter values on one dashboard."""

    __tablename__ = "dashboard_bookmarks"
    __table_args__ = (Index("ix_dashboard_bookmarks_dashboard_user", "dashboard_id", "user_id"),)

    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=new_id)
    dashboard_id: Mapped[str] = mapped_column(ForeignKey("dashboards.id", ondelete="CASCADE"))
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    name: Mapped[str] = mapped_column(String(200))
    filters: Mapped[dict[str, Any]] = mapped_column(Json)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)


class DashboardCommentRow(Base):
    """One comment in a tile's thread."""

    __tablename__ = "dashboard_comments"
    __table_args__ = (Index("ix_dashboard_comments_dashboard_tile", "dashboard_id", "tile_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    dashboard_id: Mapped[str] = mapped_column(ForeignKey("dashboards.id", ondelete="CASCADE"))
    tile_id: Mapped[str] = mapped_column(String(40))
    author_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    text: Mapped[str] = mapped_column(Text)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
