"""The table of declared materializations, one row each, with the state of its last build."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import BigInteger, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from backend.store.base import Base, Json, UTCDateTime, utcnow


class MaterializationRow(Base):
    """`definition` is the admin's declaration (`MaterializationIn` without the name).
    `built_*` describe the current build (DuckDB): its Parquet file, the view over it, and
    the data version of every input it was built from; it is fresh while they match."""

    __tablename__ = "materializations"

    name: Mapped[str] = mapped_column(String(64), primary_key=True)
    definition: Mapped[dict[str, Any]] = mapped_column(Json, default=dict)
    built_path: Mapped[str | None] = mapped_column(String(1024), default=None)
    built_versions: Mapped[dict[str, Any] | None] = mapped_column(Json, default=None)
    built_rows: Mapped[int | None] = mapped_column(BigInteger, default=None)
    built_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime, default=None)
    error: Mapped[str | None] = mapped_column(Text, default=None)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)
    updated_by: Mapped[str | None] = mapped_column(String(64), default=None)
