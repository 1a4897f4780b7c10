"""the rows a CDC source's last poll merged (upserted, deleted), for the admin page

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-03
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0015"
down_revision: str | None = "0014"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("cdc_sources") as batch:
        batch.add_column(sa.Column("last_upserted", sa.Integer(), nullable=True))
        batch.add_column(sa.Column("last_deleted", sa.Integer(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("cdc_sources") as batch:
        batch.drop_column("last_deleted")
        batch.drop_column("last_upserted")
