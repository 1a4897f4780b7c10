"""dashboards, their versions, bookmarks and tile comments

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-02
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from backend.store.base import Json, UTCDateTime

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _dashboard_fk() -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint(["dashboard_id"], ["dashboards.id"], ondelete="CASCADE")


def upgrade() -> None:
    op.create_table(
        "dashboards",
        sa.Column("id", sa.String(length=32), nullable=False),
        sa.Column("owner_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("shared", sa.Boolean(), nullable=False),
        sa.Column("body", Json, nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("updated_at", UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["owner_id"], ["users.id"], name=op.f("fk_dashboards_owner_id_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_dashboards")),
    )
    op.create_index(op.f("ix_dashboards_owner_id"), "dashboards", ["owner_id"])
    op.create_index(op.f("ix_dashboards_shared"), "dashboards", ["shared"])
    op.create_table(
        "dashboard_versions",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("dashboard_id", sa.String(length=32), nullable=False),
        sa.Column("n", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("shared", sa.Boolean(), nullable=False),
        sa.Column("body", Json, nullable=False),
        sa.Column("saved_by", sa.Integer(), nullable=False),
        sa.Column("saved_at", UTCDateTime(), nullable=False),
        _named(_dashboard_fk(), "fk_dashboard_versions_dashboard_id_dashboards"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_dashboard_versions")),
    )
    op.create_index(
        "ix_dashboard_versions_dashboard_n",
        "dashboard_versions",
        ["dashboard_id", "n"],
        unique=True,
    )
    _bookmarks()
    _comments()


def _named(fk: sa.ForeignKeyConstraint, name: str) -> sa.ForeignKeyConstraint:
    fk.name = op.f(name)
    return fk


def _bookmarks() -> None:
    op.create_table(
        "dashboard_bookmarks",
        sa.Column("id", sa.String(length=32), nullable=False),
        sa.Column("dashboard_id", sa.String(length=32), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("filters", Json, nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        _named(_dashboard_fk(), "fk_dashboard_bookmarks_dashboard_id_dashboards"),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_dashboard_bookmarks_user_id_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_dashboard_bookmarks")),
    )
    op.create_index(
        "ix_dashboard_bookmarks_dashboard_user",
        "dashboard_bookmarks",
        ["dashboard_id", "user_id"],
    )


def _comments() -> None:
    op.create_table(
        "dashboard_comments",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("dashboard_id", sa.String(length=32), nullable=False),
        sa.Column("tile_id", sa.String(length=40), nullable=False),
        sa.Column("author_id", sa.Integer(), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        _named(_dashboard_fk(), "fk_dashboard_comments_dashboard_id_dashboards"),
        sa.ForeignKeyConstraint(
            ["author_id"], ["users.id"], name=op.f("fk_dashboard_comments_author_id_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_dashboard_comments")),
    )
    op.create_index(
        "ix_dashboard_comments_dashboard_tile", "dashboard_comments", ["dashboard_id", "tile_id"]
    )


def downgrade() -> None:
    for table in ("dashboard_comments", "dashboard_bookmarks", "dashboard_versions", "dashboards"):
        op.drop_table(table)
