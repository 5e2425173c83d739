"""run_season: runs.campaign becomes runs.season, the label a run reviewed (the year its campaigns end, `2025`),
distinct from each cluster's own campaign (`2024-2025`) that the score tables keep as `campaign`

Revision ID: 0008_run_season
Revises: 0007_intake_claim
Create Date: 2026-12-06 21:30:00

"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0008_run_season"
down_revision: str | Sequence[str] | None = "0007_intake_claim"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Rename runs.campaign to runs.season (its rows kept), and its index with it."""
    _rename("campaign", "season")


def downgrade() -> None:
    """Rename runs.season back to runs.campaign."""
    _rename("season", "campaign")


def _rename(old: str, new: str) -> None:
    """Rename the runs column `old` to `new` and its index `ix_runs_<old>` to `ix_runs_<new>`."""
    op.drop_index(f"ix_runs_{old}", table_name="runs")
    with op.batch_alter_table("runs") as batch:  # SQLite copies the table; PostgreSQL renames in place
        batch.alter_column(old, new_column_name=new, existing_type=sa.String(length=16), existing_nullable=True)
    op.create_index(f"ix_runs_{new}", "runs", [new], unique=False)
