"""heal watermarks: how far the heal job has compared each region with the directory

Revision ID: dir0003
Revises: dir0002
Create Date: 2026-12-05 10:10:26.314186
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import clipshop.kit.db

revision: str = "dir0003"
down_revision: str | None = "dir0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "heal_watermarks",
        sa.Column("region", sa.String(length=16), nullable=False),
        sa.Column("healed_through", clipshop.kit.db.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("region", name=op.f("pk_heal_watermarks")),
    )


def downgrade() -> None:
    op.drop_table("heal_watermarks")
