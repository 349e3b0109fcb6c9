"""shop closing: when a shop's owner closed it, indexed

Revision ID: reg0009
Revises: reg0008
Create Date: 2026-12-05 09:00:00.000000

A closed shop stays in its region (its orders and books point at it) but leaves the directory for good;
the heal job finds shops closed since its last run by this time, as it finds new ones by `created_at`.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import clipshop.kit.db

revision: str = "reg0009"
down_revision: str | None = "reg0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("shops", schema=None) as batch_op:
        batch_op.add_column(sa.Column("closed_at", clipshop.kit.db.UTCDateTime(timezone=True), nullable=True))
        batch_op.create_index(batch_op.f("ix_shops_closed_at"), ["closed_at"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("shops", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_shops_closed_at"))
        batch_op.drop_column("closed_at")
