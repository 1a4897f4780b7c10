"""export_jobs.bytes_written: the size of each export's file, for the daily export quota

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-02
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # Kept with the job, not read off the file: files expire before the quota's day is over.
    op.add_column(
        "export_jobs",
        sa.Column("bytes_written", sa.BigInteger(), nullable=False, server_default="0"),
    )


def downgrade() -> None:
    with op.batch_alter_table("export_jobs") as batch:
        batch.drop_column("bytes_written")
