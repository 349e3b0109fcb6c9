"""accounts: platform staff roles and the jurisdiction they work under

Revision ID: reg0006
Revises: reg0005
Create Date: 2026-12-05 10:40:00.000000

Support, moderators and operators are accounts with a staff role, given by `clipshop staff add` and never
by sign-up; the residency policy grants by role and by the region whose law the staff work under.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "reg0006"
down_revision: str | None = "reg0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("users") as batch:
        batch.add_column(sa.Column("staff_role", sa.String(length=16), nullable=True))
        batch.add_column(sa.Column("jurisdiction", sa.String(length=16), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("users") as batch:
        batch.drop_column("jurisdiction")
        batch.drop_column("staff_role")
