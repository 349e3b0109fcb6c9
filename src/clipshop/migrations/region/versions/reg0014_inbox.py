"""inbox: notifications to each person in their region, grouped, with who is behind them by id

Revision ID: reg0014
Revises: reg0013
Create Date: 2026-12-05 09:00:00.000000

`notifications` holds one line of someone's inbox (a kind, a target, a group key that makes likes, comments,
replies and follows of one target within a day one line, a count, what the line needs to be read, when it
last moved and when it was read); `notification_actors` the people behind a grouped line, by id only.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import clipshop.kit.db

revision: str = "reg0014"
down_revision: str | None = "reg0013"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

UTC = clipshop.kit.db.UTCDateTime(timezone=True)
KIND = sa.Enum(
    "like",
    "comment",
    "reply",
    "follow",
    "order_paid",
    "order_shipped",
    "order_delivered",
    "order_refunded",
    "commission",
    "moderation",
    "appeal",
    name="noticekind",
    native_enum=False,
    length=24,
)


def upgrade() -> None:
    op.create_table(
        "notifications",
        sa.Column("id", sa.String(length=40), nullable=False),
        sa.Column("recipient_id", sa.String(length=40), nullable=False),
        sa.Column("kind", KIND, nullable=False),
        sa.Column("target_id", sa.String(length=40), nullable=False),
        sa.Column("group_key", sa.String(length=120), nullable=False),
        sa.Column("actor_count", sa.Integer(), nullable=False),
        sa.Column("detail", sa.JSON(), nullable=False),
        sa.Column("created_at", UTC, nullable=False),
        sa.Column("latest_at", UTC, nullable=False),
        sa.Column("read_at", UTC, nullable=True),
        sa.ForeignKeyConstraint(
            ["recipient_id"],
            ["users.id"],
            name=op.f("fk_notifications_recipient_id_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_notifications")),
    )
    with op.batch_alter_table("notifications", schema=None) as batch_op:
        batch_op.create_index(
            "ix_notifications_recipient_latest", ["recipient_id", "latest_at", "id"], unique=False
        )
        batch_op.create_index("ix_notifications_recipient_unread", ["recipient_id", "read_at"], unique=False)
        batch_op.create_index("uq_notifications_recipient_group", ["recipient_id", "group_key"], unique=True)
    op.create_table(
        "notification_actors",
        sa.Column("notification_id", sa.String(length=40), nullable=False),
        sa.Column("actor_id", sa.String(length=40), nullable=False),
        sa.Column("recipient_id", sa.String(length=40), nullable=False),
        sa.Column("at", UTC, nullable=False),
        sa.ForeignKeyConstraint(
            ["notification_id"],
            ["notifications.id"],
            name=op.f("fk_notification_actors_notification_id_notifications"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["recipient_id"],
            ["users.id"],
            name=op.f("fk_notification_actors_recipient_id_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("notification_id", "actor_id", name=op.f("pk_notification_actors")),
    )
    with op.batch_alter_table("notification_actors", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_notification_actors_recipient_id"), ["recipient_id"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("notification_actors", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_notification_actors_recipient_id"))
    op.drop_table("notification_actors")
    with op.batch_alter_table("notifications", schema=None) as batch_op:
        batch_op.drop_index("uq_notifications_recipient_group")
        batch_op.drop_index("ix_notifications_recipient_unread")
        batch_op.drop_index("ix_notifications_recipient_latest")
    op.drop_table("notifications")
