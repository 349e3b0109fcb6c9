"""rights: erasures, one row per account whose deletion was asked for

Revision ID: reg0008
Revises: reg0007
Create Date: 2026-12-08 09:00:00.000000

The row is the truth about an erasure: its steps done so far and when it finished; the every-minute
reconciler re-enqueues the job of any row still pending.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "reg0008"
down_revision: str | None = "reg0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "erasures",
        sa.Column("user_id", sa.String(length=40), nullable=False),
        sa.Column(
            "state",
            sa.Enum("pending", "done", name="erasurestate", native_enum=False, length=24),
            nullable=False,
        ),
        sa.Column("steps", sa.JSON(), nullable=False),
        sa.Column("requested_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("finished_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_erasures_user_id_users"), ondelete="RESTRICT"
        ),
        sa.PrimaryKeyConstraint("user_id", name=op.f("pk_erasures")),
    )


def downgrade() -> None:
    op.drop_table("erasures")
