"""unsent notices: likes, comments and follows whose notification is yet to be written; blocks by time

Revision ID: reg0017
Revises: reg0016
Create Date: 2026-12-20 09:00:00.000000

`unsent_notices` is written with a like, comment or follow, in the actor's region and transaction, and
deleted once the notification it stands for is committed, so one lost with its job is sent again by the
sweep. `ix_blocks_created` lets the heal find the blocks of the last minutes, whose hint in the blocked
person's region a crash may have lost.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import clipshop.kit.db

revision: str = "reg0017"
down_revision: str | None = "reg0016"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

UTC = clipshop.kit.db.UTCDateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "unsent_notices",
        sa.Column("actor_id", sa.String(length=40), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("subject_id", sa.String(length=40), nullable=False),
        sa.Column("created_at", UTC, nullable=False),
        sa.Column("due_at", UTC, nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["actor_id"], ["users.id"], name=op.f("fk_unsent_notices_actor_id_users"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("actor_id", "kind", "subject_id", name=op.f("pk_unsent_notices")),
    )
    with op.batch_alter_table("unsent_notices", schema=None) as batch_op:
        batch_op.create_index("ix_unsent_notices_due", ["due_at"], unique=False)
    with op.batch_alter_table("blocks", schema=None) as batch_op:
        batch_op.create_index("ix_blocks_created", ["created_at"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("blocks", schema=None) as batch_op:
        batch_op.drop_index("ix_blocks_created")
    with op.batch_alter_table("unsent_notices", schema=None) as batch_op:
        batch_op.drop_index("ix_unsent_notices_due")
    op.drop_table("unsent_notices")
