"""export_schedules.dashboard_id: a schedule delivers a saved report or a dashboard

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-02
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # Exactly one of report_id and dashboard_id is set (the API checks it); batch mode
    # because SQLite alters a column's nullability by copying the table.
    with op.batch_alter_table("export_schedules") as batch:
        batch.alter_column("report_id", existing_type=sa.String(length=32), nullable=True)
        batch.add_column(sa.Column("dashboard_id", sa.String(length=32), nullable=True))
        batch.create_foreign_key(
            op.f("fk_export_schedules_dashboard_id_dashboards"),
            "dashboards",
            ["dashboard_id"],
            ["id"],
            ondelete="CASCADE",
        )


def downgrade() -> None:
    op.execute("DELETE FROM export_schedules WHERE report_id IS NULL")
    with op.batch_alter_table("export_schedules") as batch:
        batch.drop_constraint(op.f("fk_export_schedules_dashboard_id_dashboards"), "foreignkey")
        batch.drop_column("dashboard_id")
        batch.alter_column("report_id", existing_type=sa.String(length=32), nullable=False)
