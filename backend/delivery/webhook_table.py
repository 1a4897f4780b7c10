"""The webhook targets an admin configured: where a schedule's or an alert's `webhooks` ids
point. The signing secret is kept sealed (backend.delivery.secret_box), never in clear."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from backend.store.base import Base, UTCDateTime, new_id, utcnow


class WebhookRow(Base):
    __tablename__ = "webhooks"

    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=new_id)
    name: Mapped[str] = mapped_column(String(200))
    url: Mapped[str] = mapped_column(String(2048))
    format: Mapped[str] = mapped_column(String(16))  # slack | teams | generic
    # Fernet token of the secret under a key derived from the app's secret: it must be
    # readable to sign with, so it cannot be a one-way hash.
    secret_sealed: Mapped[str] = mapped_column(Text)
    created_by: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"), default=None
    )
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)
