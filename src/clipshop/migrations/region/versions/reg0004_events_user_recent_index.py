"""events: a viewer's latest events from one index

Revision ID: reg0004
Revises: reg0003
Create Date: 2026-11-23 22:40:00.000000

For You reads a viewer's latest few hundred events on every request. Through an index of (user, time)
alone, each event is one more page of the table, spread over all of it; an index that also holds the
columns the feed reads keeps a viewer's events on a few neighbouring pages.
"""

from collections.abc import Sequence

from alembic import op

revision: str = "reg0004"
down_revision: str | None = "reg0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

RECENT = ["user_id", "created_at", "kind", "video_id", "product_id", "creator_id", "value"]


def upgrade() -> None:
    with op.batch_alter_table("events", schema=None) as batch_op:
        batch_op.drop_index("ix_events_user_time")
        batch_op.create_index("ix_events_user_recent", RECENT, unique=False)


def downgrade() -> None:
    with op.batch_alter_table("events", schema=None) as batch_op:
        batch_op.drop_index("ix_events_user_recent")
        batch_op.create_index("ix_events_user_time", ["user_id", "created_at"], unique=False)
