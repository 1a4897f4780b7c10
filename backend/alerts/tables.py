"""The tables of alerts: the alert, each check of it, each firing, and per person whether
the condition held at their last check (fire once, then again only after it was false)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import Boolean, Float, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from backend.store.base import Base, Json, UTCDateTime, new_id, utcnow


class AlertRow(Base):
    __tablename__ = "alerts"

    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=new_id)
    owner_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    report_id: Mapped[str] = mapped_column(ForeignKey("reports.id", ondelete="CASCADE"))
    name: Mapped[str] = mapped_column(String(200))
    measure: Mapped[str] = mapped_column(String(128))
    condition: Mapped[str] = mapped_column(String(16))  # above | below | changes_by
    threshold: Mapped[float] = mapped_column(Float)
    # Exactly one trigger: a cron expression, or every new data version of its datasets.
    cron: Mapped[str | None] = mapped_column(String(100), default=None)
    timezone: Mapped[str] = mapped_column(String(64), default="UTC")
    on_new_version: Mapped[bool] = mapped_column(Boolean, default=False)
    delivery: Mapped[dict[str, Any]] = mapped_column(Json, default=dict)
    enabled: Mapped[bool] = mapped_column(Boolean, default=True)
    next_check_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime, default=None, index=True)
    # The data versions of the report's datasets at the last check (or at creation).
    seen_versions: Mapped[dict[str, Any]] = mapped_column(Json, default=dict)
    # The sequence number of the newest claimed check; the next claim inserts this + 1.
    last_seq: Mapped[int] = mapped_column(Integer, default=0)
    # Why the alert stopped (the owner lost the report, a deactivated owner), if it did.
    stopped_reason: Mapped[str | None] = mapped_column(Text, default=None)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)


class AlertCheckRow(Base):
    """One check: the claim (the unique (alert, seq) pair makes it happen exactly once,
    however many tickers look at the same moment) and, once done, the owner's outcome."""

    __tablename__ = "alert_checks"
    __table_args__ = (UniqueConstraint("alert_id", "seq"),)

    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=new_id)
    alert_id: Mapped[str] = mapped_column(ForeignKey("alerts.id", ondelete="CASCADE"), index=True)
    seq: Mapped[int] = mapped_column(Integer)
    trigger: Mapped[str] = mapped_column(String(16))  # schedule | new_version
    scheduled_for: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    value: Mapped[float | None] = mapped_column(Float, default=None)
    met: Mapped[bool | None] = mapped_column(Boolean, default=None)
    fired: Mapped[bool] = mapped_column(Boolean, default=False)
    error: Mapped[str | None] = mapped_column(Text, default=None)
    finished_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime, default=None)
    # The claim's lease, renewed while the check runs: an unfinished check whose lease is
    # old lost its ticker and is claimed again (backend.delivery.lease).
    claimed_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime, default=None)
    # When the verdicts, states and firings were written: a check taken up again after
    # this only sends what its firings have not sent yet; it is never judged twice.
    recorded_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime, default=None)


class AlertFiringRow(Base):
    """The condition became true for one person (`user_id`) at one check; `notified` counts
    the sends that went out (the deliveries table holds each one's outcome)."""

    __tablename__ = "alert_firings"

    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=new_id)
    alert_id: Mapped[str] = mapped_column(ForeignKey("alerts.id", ondelete="CASCADE"), index=True)
    check_id: Mapped[str] = mapped_column(ForeignKey("alert_checks.id", ondelete="CASCADE"))
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    value: Mapped[float | None] = mapped_column(Float, default=None)
    notified: Mapped[int] = mapped_column(Integer, default=0)
    failed: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)


class AlertStateRow(Base):
    """One person's state of one alert: whether the condition held at their last check and
    the value then (the base of "changed by N%")."""

    __tablename__ = "alert_states"

    alert_id: Mapped[str] = mapped_column(
        ForeignKey("alerts.id", ondelete="CASCADE"), primary_key=True
    )
    user_id: Mapped[int] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), primary_key=True
    )
    met: Mapped[bool] = mapped_column(Boolean, default=False)
    last_value: Mapped[float | None] = mapped_column(Float, default=None)
