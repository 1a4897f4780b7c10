"""The table of dataset settings: one row per administered dataset."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import String
from sqlalchemy.orm import Mapped, mapped_column

from backend.store.base import Base, Json, UTCDateTime, utcnow


class DatasetSettingsRow(Base):
    """`source` says where the data comes from: `upload` (files this service wrote into the
    warehouse, removed with the dataset), `relation` (an existing table or view registered
    under `key`) or `discovered` (found by the catalog; only its settings are ours)."""

    __tablename__ = "dataset_settings"

    key: Mapped[str] = mapped_column(String(64), primary_key=True)
    source: Mapped[str] = mapped_column(String(16), default="discovered")
    relation: Mapped[str | None] = mapped_column(String(255), default=None)
    settings: Mapped[dict[str, Any]] = mapped_column(Json, default=dict)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)
    updated_by: Mapped[str | None] = mapped_column(String(64), default=None)
