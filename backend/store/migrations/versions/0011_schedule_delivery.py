"""export_schedules.delivery (who a run is sent to) and export_schedule_runs.delivery_status
(a run's delivery claimed exactly once)

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-02
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from backend.store.base import Json

revision: str = "0011"
down_revision: str | None = "0010"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("export_schedules") as batch:
        batch.add_column(sa.Column("delivery", Json, nullable=True))
    with op.batch_alter_table("export_schedule_runs") as batch:
        batch.add_column(sa.Column("delivery_status", sa.String(length=16), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("export_schedule_runs") as batch:
        batch.drop_column("delivery_status")
    with op.batch_alter_table("export_schedules") as batch:
        batch.drop_column("delivery")
