"""indicator values keep both sides of an assessment: the computed score, the assessed score and who assessed

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-02 19:30:00

"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0003"
down_revision: str | Sequence[str] | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Add computed_score, assessed_score and assessed_by to indicator_values."""
    with op.batch_alter_table("indicator_values") as batch:
        batch.add_column(sa.Column("computed_score", sa.Integer(), nullable=True))
        batch.add_column(sa.Column("assessed_score", sa.Integer(), nullable=True))
        batch.add_column(sa.Column("assessed_by", sa.String(length=200), nullable=True))


def downgrade() -> None:
    """Drop the three columns."""
    with op.batch_alter_table("indicator_values") as batch:
        batch.drop_column("assessed_by")
        batch.drop_column("assessed_score")
        batch.drop_column("computed_score")
