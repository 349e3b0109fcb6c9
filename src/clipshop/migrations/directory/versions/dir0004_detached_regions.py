"""residency: regions carved out of the deployment

Revision ID: dir0004
Revises: dir0003
Create Date: 2026-12-08 10:00:00.000000

`clipshop region detach` records the region here, so no projection brings its public content back.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import clipshop.kit.db

revision: str = "dir0004"
down_revision: str | None = "dir0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "detached_regions",
        sa.Column("region", sa.String(length=16), nullable=False),
        sa.Column("detached_at", clipshop.kit.db.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("region", name=op.f("pk_detached_regions")),
    )


def downgrade() -> None:
    op.drop_table("detached_regions")
