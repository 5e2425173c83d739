"""pull_marks: each source's high-water mark and its current failure (vigie pull)

Revision ID: 0005_pull_marks
Revises: 0004_unused_columns
Create Date: 2026-12-03 12:00:00

"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0005_pull_marks"
down_revision: str | Sequence[str] | None = "0004_unused_columns"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Create pull_marks."""
    op.create_table(
        "pull_marks",
        sa.Column("source", sa.String(length=32), nullable=False),
        sa.Column("platform", sa.String(length=16), nullable=False),
        sa.Column("url", sa.String(length=300), nullable=False),
        sa.Column("form", sa.String(length=200), nullable=False),
        sa.Column("mark_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("mark_ids", sa.Text(), nullable=True),
        sa.Column("last_submission_id", sa.String(length=36), nullable=True),
        sa.Column("records_taken", sa.BigInteger(), nullable=False),
        sa.Column("pulled_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("failure_code", sa.String(length=16), nullable=True),
        sa.Column("failing_since", sa.DateTime(timezone=True), nullable=True),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("source"),
    )


def downgrade() -> None:
    """Drop it."""
    op.drop_table("pull_marks")
