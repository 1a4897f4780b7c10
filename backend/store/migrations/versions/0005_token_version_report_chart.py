"""token versions (sessions end on account changes) and report chart settings and kind

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-02
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from backend.store.base import Json

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # Every token carries the version it was issued under; a bump refuses older tokens.
    op.add_column(
        "users",
        sa.Column("token_version", sa.Integer(), nullable=False, server_default="0"),
    )
    # A report's chart travels with it on the server, so a shared report keeps its chart.
    op.add_column("reports", sa.Column("chart", Json, nullable=True))
    op.add_column(
        "reports",
        sa.Column("kind", sa.String(length=16), nullable=False, server_default="table"),
    )


def downgrade() -> None:
    with op.batch_alter_table("reports") as batch:
        batch.drop_column("kind")
        batch.drop_column("chart")
    with op.batch_alter_table("users") as batch:
        batch.drop_column("token_version")
