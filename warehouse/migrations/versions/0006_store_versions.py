"""store_versions: the store versions each review read (lineage by version, `vigie season --as-of`)

Revision ID: 0006_store_versions
Revises: 0005_pull_marks
Create Date: 2026-12-03 13:40:00

"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0006_store_versions"
down_revision: str | Sequence[str] | None = "0005_pull_marks"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Add runs.store_versions."""
    with op.batch_alter_table("runs") as batch:
        batch.add_column(sa.Column("store_versions", sa.Text(), nullable=True))


def downgrade() -> None:
    """Drop runs.store_versions."""
    with op.batch_alter_table("runs") as batch:
        batch.drop_column("store_versions")
