"""leases on delivery work (a run's delivery, an alert check) and the occasion of a send, so
work whose holder died is taken up again without sending twice

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-03
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from backend.store.base import UTCDateTime

revision: str = "0014"
down_revision: str | None = "0013"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("export_schedule_runs") as batch:
        batch.add_column(sa.Column("delivery_claimed_at", UTCDateTime(), nullable=True))
    with op.batch_alter_table("alert_checks") as batch:
        batch.add_column(sa.Column("claimed_at", UTCDateTime(), nullable=True))
        batch.add_column(sa.Column("recorded_at", UTCDateTime(), nullable=True))
    with op.batch_alter_table("deliveries") as batch:
        batch.add_column(sa.Column("occasion", sa.String(length=32), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("deliveries") as batch:
        batch.drop_column("occasion")
    with op.batch_alter_table("alert_checks") as batch:
        batch.drop_column("recorded_at")
        batch.drop_column("claimed_at")
    with op.batch_alter_table("export_schedule_runs") as batch:
        batch.drop_column("delivery_claimed_at")
