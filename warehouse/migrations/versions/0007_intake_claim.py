"""intake_claim: one submission of the same bytes in flight at a time (a unique index over `received` rows), and
the process that holds it (submissions.claimed_by)

Revision ID: 0007_intake_claim
Revises: 0006_store_versions
Create Date: 2026-12-04 18:10:00

"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0007_intake_claim"
down_revision: str | Sequence[str] | None = "0006_store_versions"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

IN_FLIGHT = sa.text("status = 'received'")
LEFTOVERS = """
UPDATE submissions SET status = 'interrupted', finished_at = CURRENT_TIMESTAMP,
       reason = 'interrompue avant la fin (processus arrêté)'
WHERE status = 'received' AND EXISTS (
    SELECT 1 FROM submissions AS later
    WHERE later.file_hash = submissions.file_hash AND later.table_hint = submissions.table_hint
      AND later.status = 'received'
      AND (later.received_at > submissions.received_at
           OR (later.received_at = submissions.received_at AND later.submission_id > submissions.submission_id)))
"""
"""Older `received` rows of the same bytes as a newer one were left by killed processes (before the claim, two
could be in flight at once): marked interrupted, so that the unique index can be built."""


def upgrade() -> None:
    """Add submissions.claimed_by; mark crash leftovers that would break the index; create the claim's index."""
    with op.batch_alter_table("submissions") as batch:
        batch.add_column(sa.Column("claimed_by", sa.String(length=120), nullable=True))
    op.execute(LEFTOVERS)
    op.create_index(
        "ux_submissions_claim", "submissions", ["file_hash", "table_hint"], unique=True,
        sqlite_where=IN_FLIGHT, postgresql_where=IN_FLIGHT,
    )  # fmt: skip


def downgrade() -> None:
    """Drop the claim's index and submissions.claimed_by."""
    op.drop_index("ux_submissions_claim", table_name="submissions")
    with op.batch_alter_table("submissions") as batch:
        batch.drop_column("claimed_by")
