"""The tables of exports: export jobs, export schedules and their runs.

Job state lives in the metadata store, so the API and every worker process see the same
status, progress and cancel flag, with or without Redis.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import BigInteger, Boolean, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from backend.store.base import Base, Json, UTCDateTime, new_id, utcnow

ACTIVE = ("queued", "running")
FINISHED = ("done", "failed", "cancelled")
# Attempts per runner: ARQ re-delivers a job whose worker died; in process, nothing does.
MAX_ATTEMPTS = {"arq": 3, "inprocess": 1}


class ExportJobRow(Base):
    __tablename__ = "export_jobs"

    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=new_id)
    owner_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    status: Mapped[str] = mapped_column(String(16), default="queued", index=True)
    format: Mapped[str] = mapped_column(String(8))
    filename: Mapped[str] = mapped_column(String(255))
    spec: Mapped[dict[str, Any]] = mapped_column(Json)
    bom: Mapped[bool] = mapped_column(Boolean, default=False)
    runner: Mapped[str] = mapped_column(String(16), default="inprocess")
    rows_written: Mapped[int] = mapped_column(BigInteger, default=0)
    bytes_written: Mapped[int] = mapped_column(BigInteger, default=0, server_default="0")
    total_rows: Mapped[int | None] = mapped_column(BigInteger, default=None)
    error: Mapped[str | None] = mapped_column(Text, default=None)
    file_path: Mapped[str | None] = mapped_column(String(1024), default=None)
    cancel_requested: Mapped[bool] = mapped_column(Boolean, default=False)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    started_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime, default=None)
    heartbeat_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime, default=None)
    finished_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime, default=None)


class ScheduleRow(Base):
    __tablename__ = "export_schedules"

    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=new_id)
    owner_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    # Exactly one of the two: what the schedule delivers.
    report_id: Mapped[str | None] = mapped_column(
        ForeignKey("reports.id", ondelete="CASCADE"), default=None
    )
    dashboard_id: Mapped[str | None] = mapped_column(
        ForeignKey("dashboards.id", ondelete="CASCADE"), default=None
    )
    cron: Mapped[str] = mapped_column(String(100))
    timezone: Mapped[str] = mapped_column(String(64), default="UTC")
    format: Mapped[str] = mapped_column(String(8))
    enabled: Mapped[bool] = mapped_column(Boolean, default=True)
    # Who each run is sent to (backend.delivery.targets.DeliveryTargets); None: nobody.
    delivery: Mapped[dict[str, Any] | None] = mapped_column(Json, default=None)
    next_run_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime, index=True)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)


class ScheduleRunRow(Base):
    """One due time of a schedule. The unique (schedule, time) pair is the claim that makes a
    run start exactly once, however many schedulers look at the same minute."""

    __tablename__ = "export_schedule_runs"
    __table_args__ = (UniqueConstraint("schedule_id", "scheduled_for"),)

    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=new_id)
    schedule_id: Mapped[str] = mapped_column(
        ForeignKey("export_schedules.id", ondelete="CASCADE"), index=True
    )
    scheduled_for: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    job_id: Mapped[str | None] = mapped_column(String(32), default=None)
    error: Mapped[str | None] = mapped_column(Text, default=None)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    # pending (claimed with delivery to do) -> delivering (one scheduler took it) -> done;
    # None: the schedule delivers nothing (backend.delivery.schedule_runs).
    delivery_status: Mapped[str | None] = mapped_column(String(16), default=None)
    # The lease of a `delivering` run, renewed while it is sent; an old one means its
    # holder died, and the run is claimed again (backend.delivery.lease).
    delivery_claimed_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime, default=None)
