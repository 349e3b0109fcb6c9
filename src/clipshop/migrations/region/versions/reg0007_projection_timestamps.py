"""projection timestamps: when each row the directory copies was last written, indexed

Revision ID: reg0007
Revises: reg0006
Create Date: 2026-12-05 10:10:22.123427

The heal job (clipshop.healing) compares with the directory only the rows written since its last run, so
each row it reads needs a write time it can find by index: users, variants and the region's counters get
an `updated_at` (unknown, NULL, for counters and variants written before this revision: the first run of
the job sweeps everything anyway), and the times already kept are indexed.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import clipshop.kit.db

revision: str = "reg0007"
down_revision: str | None = "reg0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("comments", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_comments_created_at"), ["created_at"], unique=False)

    with op.batch_alter_table("products", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_products_updated_at"), ["updated_at"], unique=False)

    with op.batch_alter_table("region_follower_counts", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("updated_at", clipshop.kit.db.UTCDateTime(timezone=True), nullable=True)
        )
        batch_op.create_index(
            batch_op.f("ix_region_follower_counts_updated_at"), ["updated_at"], unique=False
        )

    with op.batch_alter_table("region_video_counts", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("updated_at", clipshop.kit.db.UTCDateTime(timezone=True), nullable=True)
        )
        batch_op.create_index(batch_op.f("ix_region_video_counts_updated_at"), ["updated_at"], unique=False)

    with op.batch_alter_table("reviews", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_reviews_created_at"), ["created_at"], unique=False)

    with op.batch_alter_table("shops", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_shops_created_at"), ["created_at"], unique=False)

    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("updated_at", clipshop.kit.db.UTCDateTime(timezone=True), nullable=True)
        )
        batch_op.create_index(batch_op.f("ix_users_updated_at"), ["updated_at"], unique=False)
    op.execute("UPDATE users SET updated_at = created_at")

    with op.batch_alter_table("variants", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("updated_at", clipshop.kit.db.UTCDateTime(timezone=True), nullable=True)
        )
        batch_op.create_index(batch_op.f("ix_variants_updated_at"), ["updated_at"], unique=False)

    with op.batch_alter_table("videos", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_videos_updated_at"), ["updated_at"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("videos", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_videos_updated_at"))

    with op.batch_alter_table("variants", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_variants_updated_at"))
        batch_op.drop_column("updated_at")

    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_users_updated_at"))
        batch_op.drop_column("updated_at")

    with op.batch_alter_table("shops", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_shops_created_at"))

    with op.batch_alter_table("reviews", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_reviews_created_at"))

    with op.batch_alter_table("region_video_counts", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_region_video_counts_updated_at"))
        batch_op.drop_column("updated_at")

    with op.batch_alter_table("region_follower_counts", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_region_follower_counts_updated_at"))
        batch_op.drop_column("updated_at")

    with op.batch_alter_table("products", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_products_updated_at"))

    with op.batch_alter_table("comments", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_comments_created_at"))
