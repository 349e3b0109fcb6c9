"""mail one asks for: verification links asked for again, and subscriptions (the inbox digest)

Revision ID: reg0016
Revises: reg0015
Create Date: 2026-12-06 09:00:00.000000

`email_verifications` holds the hashes of address verification links (each works once; a new one replaces
the older ones not yet used); `mail_subscriptions` the mail each person turned on (the daily inbox digest),
in their region.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import clipshop.kit.db

revision: str = "reg0016"
down_revision: str | None = "reg0015"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

UTC = clipshop.kit.db.UTCDateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "email_verifications",
        sa.Column("id", sa.String(length=40), nullable=False),
        sa.Column("user_id", sa.String(length=40), nullable=False),
        sa.Column("secret_hash", sa.String(length=64), nullable=False),
        sa.Column("created_at", UTC, nullable=False),
        sa.Column("used_at", UTC, nullable=True),
        sa.Column("replaced_at", UTC, nullable=True),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_email_verifications_user_id_users"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_email_verifications")),
    )
    with op.batch_alter_table("email_verifications", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_email_verifications_user_id"), ["user_id"], unique=False)
    op.create_table(
        "mail_subscriptions",
        sa.Column("user_id", sa.String(length=40), nullable=False),
        sa.Column("topic", sa.String(length=32), nullable=False),
        sa.Column("created_at", UTC, nullable=False),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_mail_subscriptions_user_id_users"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("user_id", "topic", name=op.f("pk_mail_subscriptions")),
    )


def downgrade() -> None:
    op.drop_table("mail_subscriptions")
    with op.batch_alter_table("email_verifications", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_email_verifications_user_id"))
    op.drop_table("email_verifications")
