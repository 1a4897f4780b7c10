"""The PostgreSQL sources an admin registered for CDC polling (backend.lake.cdc_sources).

How far a source has been applied is not here: it is in the dataset's Delta log, in the
commit that applied it (backend.lake.poll). `last_*` only report the newest poll.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import BigInteger, Boolean, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from backend.store.base import Base, UTCDateTime, new_id, utcnow


class CdcSourceRow(Base):
    __tablename__ = "cdc_sources"

    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=new_id)
    dataset: Mapped[str] = mapped_column(String(64), unique=True)
    source_schema: Mapped[str] = mapped_column(String(63))
    source_table: Mapped[str] = mapped_column(String(63))
    key_column: Mapped[str] = mapped_column(String(63))
    watermark_column: Mapped[str] = mapped_column(String(63))
    deleted_column: Mapped[str | None] = mapped_column(String(63), default=None)
    interval_s: Mapped[int] = mapped_column(Integer)
    enabled: Mapped[bool] = mapped_column(Boolean, default=True)
    # Fernet token of the connection URL (it holds a password); None: CDC_POSTGRES_URL.
    url_sealed: Mapped[str | None] = mapped_column(Text, default=None)
    next_run_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_run_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime, default=None)
    last_status: Mapped[str | None] = mapped_column(String(16), default=None)  # ok | failed
    last_error: Mapped[str | None] = mapped_column(Text, default=None)
    last_version: Mapped[int | None] = mapped_column(BigInteger, default=None)
    # rows the last poll merged (0 and 0 when it found nothing new; None when it failed)
    last_upserted: Mapped[int | None] = mapped_column(Integer, default=None)
    last_deleted: Mapped[int | None] = mapped_column(Integer, default=None)
    last_change_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime, default=None)
    created_by: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"), default=None
    )
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)
