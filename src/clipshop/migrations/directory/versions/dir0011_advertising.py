"""advertising: the ads that may serve, and creators' authorisation codes

Revision ID: dir0011
Revises: dir0010
Create Date: 2026-12-05 20:47:26.237817
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import clipshop.kit.db

revision: str = "dir0011"
down_revision: str | None = "dir0010"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "public_ad_authorizations",
        sa.Column("code_hash", sa.String(length=64), nullable=False),
        sa.Column("video_id", sa.String(length=40), nullable=False),
        sa.Column("creator_id", sa.String(length=40), nullable=False),
        sa.Column("created_at", clipshop.kit.db.tables.UTCDateTime(timezone=True), nullable=False),
        sa.Column("expires_at", clipshop.kit.db.tables.UTCDateTime(timezone=True), nullable=False),
        sa.Column("used_by", sa.String(length=40), nullable=True),
        sa.PrimaryKeyConstraint("code_hash", name=op.f("pk_public_ad_authorizations")),
    )
    with op.batch_alter_table("public_ad_authorizations", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_public_ad_authorizations_video_id"), ["video_id"], unique=False)

    op.create_table(
        "public_ads",
        sa.Column("ad_id", sa.String(length=40), nullable=False),
        sa.Column("region", sa.String(length=16), nullable=False),
        sa.Column("advertiser_id", sa.String(length=40), nullable=False),
        sa.Column("advertiser_name", sa.String(length=80), nullable=False),
        sa.Column("staff_ids", sa.Text(), nullable=False),
        sa.Column("campaign_id", sa.String(length=40), nullable=False),
        sa.Column("ad_group_id", sa.String(length=40), nullable=False),
        sa.Column("kind", sa.String(length=8), nullable=False),
        sa.Column("video_id", sa.String(length=40), nullable=False),
        sa.Column("product_id", sa.String(length=40), nullable=True),
        sa.Column("shop_id", sa.String(length=40), nullable=True),
        sa.Column("headline", sa.String(length=100), nullable=False),
        sa.Column("call_to_action", sa.String(length=24), nullable=False),
        sa.Column("objective", sa.String(length=16), nullable=False),
        sa.Column("bid_type", sa.String(length=8), nullable=False),
        sa.Column("bid", sa.BigInteger(), nullable=False),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("target_regions", sa.String(length=200), nullable=False),
        sa.Column("interests", sa.Text(), nullable=False),
        sa.Column("retarget", sa.String(length=16), nullable=False),
        sa.Column("frequency_cap", sa.Integer(), nullable=False),
        sa.Column("daily_budget", sa.BigInteger(), nullable=False),
        sa.Column("starts_at", clipshop.kit.db.tables.UTCDateTime(timezone=True), nullable=False),
        sa.Column("ends_at", clipshop.kit.db.tables.UTCDateTime(timezone=True), nullable=True),
        sa.Column("quality", sa.Float(), nullable=False),
        sa.Column("serving", sa.Boolean(), nullable=False),
        sa.Column("created_at", clipshop.kit.db.tables.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", clipshop.kit.db.tables.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("ad_id", name=op.f("pk_public_ads")),
    )
    with op.batch_alter_table("public_ads", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_public_ads_campaign_id"), ["campaign_id"], unique=False)
        batch_op.create_index("ix_public_ads_updated", ["updated_at"], unique=False)
        for column in ("video_id", "product_id", "shop_id"):
            batch_op.create_index(batch_op.f(f"ix_public_ads_{column}"), [column], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("public_ads", schema=None) as batch_op:
        for column in ("video_id", "product_id", "shop_id"):
            batch_op.drop_index(batch_op.f(f"ix_public_ads_{column}"))
        batch_op.drop_index("ix_public_ads_updated")
        batch_op.drop_index(batch_op.f("ix_public_ads_campaign_id"))

    op.drop_table("public_ads")
    with op.batch_alter_table("public_ad_authorizations", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_public_ad_authorizations_video_id"))

    op.drop_table("public_ad_authorizations")
