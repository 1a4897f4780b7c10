"""materializations: pre-computed joins declared by an admin, and their last build

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-23
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from backend.store.base import Json, UTCDateTime

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "materializations",
        sa.Column("name", sa.String(length=64), nullable=False),
        sa.Column("definition", Json, nullable=False),
        sa.Column("built_path", sa.String(length=1024), nullable=True),
        sa.Column("built_versions", Json, nullable=True),
        sa.Column("built_rows", sa.BigInteger(), nullable=True),
        sa.Column("built_at", UTCDateTime(), nullable=True),
        sa.Column("error", sa.Text(), nullable=True),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("updated_at", UTCDateTime(), nullable=False),
        sa.Column("updated_by", sa.String(length=64), nullable=True),
        sa.PrimaryKeyConstraint("name", name=op.f("pk_materializations")),
    )


def downgrade() -> None:
    op.drop_table("materializations")
