"""PostgreSQL sources polled for change data capture

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-03
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from backend.store.base import UTCDateTime

revision: str = "0013"
down_revision: str | None = "0012"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "cdc_sources",
        sa.Column("id", sa.String(length=32), nullable=False),
        sa.Column("dataset", sa.String(length=64), nullable=False),
        sa.Column("source_schema", sa.String(length=63), nullable=False),
        sa.Column("source_table", sa.String(length=63), nullable=False),
        sa.Column("key_column", sa.String(length=63), nullable=False),
        sa.Column("watermark_column", sa.String(length=63), nullable=False),
        sa.Column("deleted_column", sa.String(length=63), nullable=True),
        sa.Column("interval_s", sa.Integer(), nullable=False),
        sa.Column("enabled", sa.Boolean(), nullable=False),
        sa.Column("url_sealed", sa.Text(), nullable=True),
        sa.Column("next_run_at", UTCDateTime(), nullable=False),
        sa.Column("last_run_at", UTCDateTime(), nullable=True),
        sa.Column("last_status", sa.String(length=16), nullable=True),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.Column("last_version", sa.BigInteger(), nullable=True),
        sa.Column("last_change_at", UTCDateTime(), nullable=True),
        sa.Column("created_by", sa.Integer(), nullable=True),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("updated_at", UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(["created_by"], ["users.id"], ondelete="SET NULL"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_cdc_sources")),
        sa.UniqueConstraint("dataset", name=op.f("uq_cdc_sources_dataset")),
    )


def downgrade() -> None:
    op.drop_table("cdc_sources")
