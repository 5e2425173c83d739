"""intake: submissions ledger and quarantined rows

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-22 09:00:00

"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0002"
down_revision: str | Sequence[str] | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Create the submissions ledger and the quarantine."""
    op.create_table(
        "submissions",
        sa.Column("submission_id", sa.String(length=36), nullable=False),
        sa.Column("file_name", sa.String(length=300), nullable=False),
        sa.Column("file_path", sa.Text(), nullable=False),
        sa.Column("file_hash", sa.String(length=64), nullable=False),
        sa.Column("file_size", sa.BigInteger(), nullable=False),
        sa.Column("table_hint", sa.String(length=32), nullable=False),
        sa.Column("tables", sa.String(length=300), nullable=True),
        sa.Column("source_kind", sa.String(length=16), nullable=True),
        sa.Column("encoding", sa.String(length=32), nullable=True),
        sa.Column("clusters", sa.Text(), nullable=True),
        sa.Column("campaigns", sa.Text(), nullable=True),
        sa.Column("rows_read", sa.BigInteger(), nullable=False),
        sa.Column("rows_accepted", sa.BigInteger(), nullable=False),
        sa.Column("rows_quarantined", sa.BigInteger(), nullable=False),
        sa.Column("rows_warned", sa.BigInteger(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("reason", sa.Text(), nullable=True),
        sa.Column("problems", sa.Text(), nullable=True),
        sa.Column("timings", sa.Text(), nullable=True),
        sa.Column("duration_s", sa.Float(), nullable=True),
        sa.Column("received_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("finished_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("flow_run_id", sa.String(length=36), nullable=True),
        sa.PrimaryKeyConstraint("submission_id"),
    )
    op.create_index("ix_submissions_hash", "submissions", ["file_hash", "table_hint"])
    op.create_index("ix_submissions_status", "submissions", ["status"])
    op.create_table(
        "quarantined_rows",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("submission_id", sa.String(length=36), nullable=False),
        sa.Column("table_name", sa.String(length=32), nullable=False),
        sa.Column("source", sa.String(length=400), nullable=False),
        sa.Column("row_number", sa.BigInteger(), nullable=False),
        sa.Column("line_number", sa.BigInteger(), nullable=False),
        sa.Column("row_key", sa.String(length=400), nullable=True),
        sa.Column("reasons", sa.Text(), nullable=False),
        sa.Column("problems", sa.Text(), nullable=False),
        sa.Column("cells", sa.Text(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("resolved_by", sa.String(length=36), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["submission_id"], ["submissions.submission_id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_quarantined_rows_submission_id", "quarantined_rows", ["submission_id"])
    op.create_index("ix_quarantine_open", "quarantined_rows", ["table_name", "status"])


def downgrade() -> None:
    """Drop the quarantine and the ledger."""
    op.drop_index("ix_quarantine_open", table_name="quarantined_rows")
    op.drop_index("ix_quarantined_rows_submission_id", table_name="quarantined_rows")
    op.drop_table("quarantined_rows")
    op.drop_index("ix_submissions_status", table_name="submissions")
    op.drop_index("ix_submissions_hash", table_name="submissions")
    op.drop_table("submissions")
