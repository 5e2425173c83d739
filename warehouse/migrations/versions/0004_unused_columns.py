"""submissions keep the file's columns that intake did not use (JSON: table -> titles as in the file)

Revision ID: 0004_unused_columns
Revises: 0003
Create Date: 2026-12-03 10:00:00

"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0004_unused_columns"
down_revision: str | Sequence[str] | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Add unused_columns to submissions."""
    with op.batch_alter_table("submissions") as batch:
        batch.add_column(sa.Column("unused_columns", sa.Text(), nullable=True))


def downgrade() -> None:
    """Drop it."""
    with op.batch_alter_table("submissions") as batch:
        batch.drop_column("unused_columns")
