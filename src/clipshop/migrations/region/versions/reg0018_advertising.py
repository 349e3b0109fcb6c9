"""advertising: advertisers, top-ups, campaigns, ad groups, ads, billing; ad events, budget slices, rates

Revision ID: reg0018
Revises: reg0017
Create Date: 2026-12-05 20:47:25.437090

The advertiser's side (accounts, campaigns, groups, ads, what billing debited) lives in the advertiser's
region; the viewer's side (`ad_events`, personal) and each region's budget slices and ad rates (not
personal) in the viewer's region. `events.source` says where a play came from (creators' traffic sources).
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import clipshop.kit.db

revision: str = "reg0018"
down_revision: str | None = "reg0017"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "ad_billing",
        sa.Column("campaign_id", sa.String(length=40), nullable=False),
        sa.Column("region", sa.String(length=16), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("spent_micros", sa.BigInteger(), nullable=False),
        sa.Column("billed", sa.BigInteger(), nullable=False),
        sa.Column("updated_at", clipshop.kit.db.tables.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("campaign_id", "region", "day", name=op.f("pk_ad_billing")),
    )
    op.create_table(
        "ad_budget_slices",
        sa.Column("campaign_id", sa.String(length=40), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("allotted_micros", sa.BigInteger(), nullable=False),
        sa.Column("spent_micros", sa.BigInteger(), nullable=False),
        sa.Column("updated_at", clipshop.kit.db.tables.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("campaign_id", "day", name=op.f("pk_ad_budget_slices")),
    )
    op.create_table(
        "ad_rates",
        sa.Column("ad_id", sa.String(length=40), nullable=False),
        sa.Column("impressions", sa.Integer(), nullable=False),
        sa.Column("clicks", sa.Integer(), nullable=False),
        sa.Column("conversions", sa.Integer(), nullable=False),
        sa.Column("p_click", sa.Float(), nullable=False),
        sa.Column("p_purchase", sa.Float(), nullable=False),
        sa.Column("updated_at", clipshop.kit.db.tables.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("ad_id", name=op.f("pk_ad_rates")),
    )
    op.create_table(
        "ad_events",
        sa.Column("id", sa.String(length=40), nullable=False),
        sa.Column("user_id", sa.String(length=40), nullable=False),
        sa.Column("kind", sa.String(length=12), nullable=False),
        sa.Column("ad_id", sa.String(length=40), nullable=False),
        sa.Column("campaign_id", sa.String(length=40), nullable=False),
        sa.Column("served_id", sa.String(length=40), nullable=True),
        sa.Column("price_micros", sa.BigInteger(), nullable=False),
        sa.Column("invalid", sa.String(length=12), nullable=False),
        sa.Column("order_id", sa.String(length=40), nullable=True),
        sa.Column("value", sa.BigInteger(), nullable=False),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("created_at", clipshop.kit.db.tables.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_ad_events_user_id_users"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_ad_events")),
    )
    with op.batch_alter_table("ad_events", schema=None) as batch_op:
        batch_op.create_index("ix_ad_events_campaign", ["campaign_id", "created_at"], unique=False)
        batch_op.create_index(batch_op.f("ix_ad_events_served_id"), ["served_id"], unique=False)
        batch_op.create_index("ix_ad_events_user", ["user_id", "created_at"], unique=False)

    op.create_table(
        "advertisers",
        sa.Column("id", sa.String(length=40), nullable=False),
        sa.Column("owner_id", sa.String(length=40), nullable=False),
        sa.Column("name", sa.String(length=80), nullable=False),
        sa.Column(
            "kind",
            sa.Enum("brand", "shop", name="advertiserkind", native_enum=False, length=24),
            nullable=False,
        ),
        sa.Column("shop_id", sa.String(length=40), nullable=True),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("created_at", clipshop.kit.db.tables.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["owner_id"], ["users.id"], name=op.f("fk_advertisers_owner_id_users"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_advertisers")),
    )
    with op.batch_alter_table("advertisers", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_advertisers_owner_id"), ["owner_id"], unique=False)

    op.create_table(
        "ad_campaigns",
        sa.Column("id", sa.String(length=40), nullable=False),
        sa.Column("advertiser_id", sa.String(length=40), nullable=False),
        sa.Column("name", sa.String(length=120), nullable=False),
        sa.Column(
            "objective",
            sa.Enum("views", "product_visits", "purchases", name="objective", native_enum=False, length=24),
            nullable=False,
        ),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("daily_budget", sa.BigInteger(), nullable=False),
        sa.Column("lifetime_budget", sa.BigInteger(), nullable=True),
        sa.Column("starts_at", clipshop.kit.db.tables.UTCDateTime(timezone=True), nullable=False),
        sa.Column("ends_at", clipshop.kit.db.tables.UTCDateTime(timezone=True), nullable=True),
        sa.Column(
            "status",
            sa.Enum("active", "paused", "ended", name="campaignstatus", native_enum=False, length=24),
            nullable=False,
        ),
        sa.Column("paused_reason", sa.String(length=16), nullable=False),
        sa.Column("created_at", clipshop.kit.db.tables.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", clipshop.kit.db.tables.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["advertiser_id"],
            ["advertisers.id"],
            name=op.f("fk_ad_campaigns_advertiser_id_advertisers"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_ad_campaigns")),
    )
    with op.batch_alter_table("ad_campaigns", schema=None) as batch_op:
        batch_op.create_index("ix_ad_campaigns_advertiser", ["advertiser_id", "created_at"], unique=False)

    op.create_table(
        "ad_topups",
        sa.Column("id", sa.String(length=40), nullable=False),
        sa.Column("advertiser_id", sa.String(length=40), nullable=False),
        sa.Column("amount", sa.BigInteger(), nullable=False),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column(
            "status",
            sa.Enum("pending", "paid", "failed", name="topupstatus", native_enum=False, length=24),
            nullable=False,
        ),
        sa.Column("provider_ref", sa.String(length=80), nullable=True),
        sa.Column("created_at", clipshop.kit.db.tables.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", clipshop.kit.db.tables.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["advertiser_id"],
            ["advertisers.id"],
            name=op.f("fk_ad_topups_advertiser_id_advertisers"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_ad_topups")),
    )
    with op.batch_alter_table("ad_topups", schema=None) as batch_op:
        batch_op.create_index("ix_ad_topups_advertiser", ["advertiser_id", "created_at"], unique=False)

    op.create_table(
        "ad_groups",
        sa.Column("id", sa.String(length=40), nullable=False),
        sa.Column("campaign_id", sa.String(length=40), nullable=False),
        sa.Column("name", sa.String(length=120), nullable=False),
        sa.Column(
            "bid_type",
            sa.Enum("cpm", "cpc", "ocpm", name="bidtype", native_enum=False, length=24),
            nullable=False,
        ),
        sa.Column("bid", sa.BigInteger(), nullable=False),
        sa.Column("regions", sa.String(length=200), nullable=False),
        sa.Column("interests", sa.Text(), nullable=False),
        sa.Column("retarget", sa.String(length=16), nullable=False),
        sa.Column("frequency_cap", sa.Integer(), nullable=False),
        sa.Column("paused", sa.Boolean(), nullable=False),
        sa.Column("created_at", clipshop.kit.db.tables.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", clipshop.kit.db.tables.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["campaign_id"],
            ["ad_campaigns.id"],
            name=op.f("fk_ad_groups_campaign_id_ad_campaigns"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_ad_groups")),
    )
    with op.batch_alter_table("ad_groups", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_ad_groups_campaign_id"), ["campaign_id"], unique=False)

    op.create_table(
        "ads",
        sa.Column("id", sa.String(length=40), nullable=False),
        sa.Column("ad_group_id", sa.String(length=40), nullable=False),
        sa.Column("campaign_id", sa.String(length=40), nullable=False),
        sa.Column("advertiser_id", sa.String(length=40), nullable=False),
        sa.Column(
            "kind", sa.Enum("video", "product", name="adkind", native_enum=False, length=24), nullable=False
        ),
        sa.Column("video_id", sa.String(length=40), nullable=False),
        sa.Column("product_id", sa.String(length=40), nullable=True),
        sa.Column("authorized_by", sa.String(length=40), nullable=True),
        sa.Column("headline", sa.String(length=100), nullable=False),
        sa.Column("call_to_action", sa.String(length=24), nullable=False),
        sa.Column(
            "review",
            sa.Enum("pending", "approved", "rejected", name="review", native_enum=False, length=24),
            nullable=False,
        ),
        sa.Column("review_reason", sa.String(length=40), nullable=False),
        sa.Column("paused", sa.Boolean(), nullable=False),
        sa.Column("created_at", clipshop.kit.db.tables.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", clipshop.kit.db.tables.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["ad_group_id"], ["ad_groups.id"], name=op.f("fk_ads_ad_group_id_ad_groups"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_ads")),
    )
    with op.batch_alter_table("ads", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_ads_ad_group_id"), ["ad_group_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_ads_advertiser_id"), ["advertiser_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_ads_campaign_id"), ["campaign_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_ads_updated_at"), ["updated_at"], unique=False)

    with op.batch_alter_table("events", schema=None) as batch_op:
        batch_op.add_column(sa.Column("source", sa.String(length=12), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("events", schema=None) as batch_op:
        batch_op.drop_column("source")

    with op.batch_alter_table("ads", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_ads_updated_at"))
        batch_op.drop_index(batch_op.f("ix_ads_campaign_id"))
        batch_op.drop_index(batch_op.f("ix_ads_advertiser_id"))
        batch_op.drop_index(batch_op.f("ix_ads_ad_group_id"))

    op.drop_table("ads")
    with op.batch_alter_table("ad_groups", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_ad_groups_campaign_id"))

    op.drop_table("ad_groups")
    with op.batch_alter_table("ad_topups", schema=None) as batch_op:
        batch_op.drop_index("ix_ad_topups_advertiser")

    op.drop_table("ad_topups")
    with op.batch_alter_table("ad_campaigns", schema=None) as batch_op:
        batch_op.drop_index("ix_ad_campaigns_advertiser")

    op.drop_table("ad_campaigns")
    with op.batch_alter_table("advertisers", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_advertisers_owner_id"))

    op.drop_table("advertisers")
    with op.batch_alter_table("ad_events", schema=None) as batch_op:
        batch_op.drop_index("ix_ad_events_user")
        batch_op.drop_index(batch_op.f("ix_ad_events_served_id"))
        batch_op.drop_index("ix_ad_events_campaign")

    op.drop_table("ad_events")
    op.drop_table("ad_rates")
    op.drop_table("ad_budget_slices")
    op.drop_table("ad_billing")
