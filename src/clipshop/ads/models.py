"""Advertising tables.

In the advertiser's home region (the region of the user who opened the account): advertiser accounts, their
top-ups, campaigns, ad groups, ads, and what billing has debited. In the viewer's home region: what each
viewer was served, saw and clicked (`ad_events`, personal), that region's slice of each campaign's daily
budget (`ad_budget_slices`) and the region's click and purchase rates per ad (`ad_rates`), both non-personal.
In the directory: every ad that may serve, as non-personal facts (`public_ads`), the in-memory index's
source, and creators' authorisation codes for promoting their videos (`public_ad_authorizations`).

Money: budgets, bids and balances are integer minor units of the advertiser's currency; what one event costs
and what a slice has spent are integer micros (millionths of a minor unit), because one impression of a
CPM ad costs a fraction of a cent. Billing turns spent micros into whole minor units in the ledger.
"""

from __future__ import annotations

import enum
from datetime import date, datetime

from sqlalchemy import BigInteger, Boolean, Date, Float, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from clipshop.kit.db import DirectoryBase, RegionBase, UTCDateTime
from clipshop.kit.db import str_enum as _enum

MICROS = 1_000_000  # micros per minor unit


class AdvertiserKind(enum.StrEnum):
    BRAND = "brand"
    SHOP = "shop"  # a merchant promoting its own shop (retail media)


class TopUpStatus(enum.StrEnum):
    PENDING = "pending"
    PAID = "paid"
    FAILED = "failed"


class Objective(enum.StrEnum):
    VIEWS = "views"
    PRODUCT_VISITS = "product_visits"
    PURCHASES = "purchases"


class BidType(enum.StrEnum):
    CPM = "cpm"  # bid: minor units per 1000 viewable impressions
    CPC = "cpc"  # bid: minor units per click
    OCPM = "ocpm"  # bid: target cost per purchase, in minor units; charged per viewable impression


class CampaignStatus(enum.StrEnum):
    ACTIVE = "active"
    PAUSED = "paused"
    ENDED = "ended"


class PauseReason(enum.StrEnum):
    NONE = ""
    ADVERTISER = "advertiser"  # paused by hand
    BALANCE = "balance"  # the advertiser's balance ran out
    BUDGET = "budget"  # the lifetime budget is spent
    SUSPENDED = "suspended"  # the account that owns the advertiser is suspended by a moderator


class AdKind(enum.StrEnum):
    VIDEO = "video"  # promotes a video (the advertiser's own, or a creator's with their authorisation code)
    PRODUCT = "product"  # promotes a product, shown through a shoppable video that tags it


class Review(enum.StrEnum):
    PENDING = "pending"
    APPROVED = "approved"
    REJECTED = "rejected"


class AdEventKind(enum.StrEnum):
    SERVED = "served"  # chosen by an auction and sent to the viewer's feed (not billed)
    IMPRESSION = "impression"  # viewable: at least `ads_viewable_s` on screen, reported by the player
    CLICK = "click"  # product sheet, profile or shop opened from the ad
    CONVERSION = "conversion"  # a purchase attributed to the ad


class Retarget(enum.StrEnum):
    NONE = ""
    SHOP_ENGAGERS = "shop_engagers"  # people who opened, carted or bought the advertiser shop's products


class Advertiser(RegionBase):
    """A brand's or a shop's advertising account, with a prepaid balance in the ledger
    (`advertiser:<id>:balance`)."""

    __tablename__ = "advertisers"

    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    owner_id: Mapped[str] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(80))
    kind: Mapped[AdvertiserKind] = mapped_column(_enum(AdvertiserKind))
    shop_id: Mapped[str | None] = mapped_column(String(40), default=None)
    currency: Mapped[str] = mapped_column(String(3))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)


class AdTopUp(RegionBase):
    """Money paid in through the payment provider; credited to the balance once the provider confirms it."""

    __tablename__ = "ad_topups"
    __table_args__ = (Index("ix_ad_topups_advertiser", "advertiser_id", "created_at"),)

    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    advertiser_id: Mapped[str] = mapped_column(ForeignKey("advertisers.id", ondelete="CASCADE"))
    amount: Mapped[int] = mapped_column(BigInteger)
    currency: Mapped[str] = mapped_column(String(3))
    status: Mapped[TopUpStatus] = mapped_column(_enum(TopUpStatus), default=TopUpStatus.PENDING)
    provider_ref: Mapped[str | None] = mapped_column(String(80), default=None)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)


class Campaign(RegionBase):
    __tablename__ = "ad_campaigns"
    __table_args__ = (Index("ix_ad_campaigns_advertiser", "advertiser_id", "created_at"),)

    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    advertiser_id: Mapped[str] = mapped_column(ForeignKey("advertisers.id", ondelete="CASCADE"))
    name: Mapped[str] = mapped_column(String(120))
    objective: Mapped[Objective] = mapped_column(_enum(Objective))
    currency: Mapped[str] = mapped_column(String(3))
    daily_budget: Mapped[int] = mapped_column(BigInteger)  # minor units
    lifetime_budget: Mapped[int | None] = mapped_column(BigInteger, default=None)  # minor units; None: none
    starts_at: Mapped[datetime] = mapped_column(UTCDateTime)
    ends_at: Mapped[datetime | None] = mapped_column(UTCDateTime, default=None)
    status: Mapped[CampaignStatus] = mapped_column(_enum(CampaignStatus), default=CampaignStatus.ACTIVE)
    paused_reason: Mapped[str] = mapped_column(String(16), default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)


class AdGroup(RegionBase):
    """Who a campaign's ads reach and what it pays: bid, targeting, frequency cap."""

    __tablename__ = "ad_groups"

    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    campaign_id: Mapped[str] = mapped_column(ForeignKey("ad_campaigns.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(120))
    bid_type: Mapped[BidType] = mapped_column(_enum(BidType))
    bid: Mapped[int] = mapped_column(BigInteger)  # minor units, see BidType
    # Space-separated region names the ads may serve in; empty: every region.
    regions: Mapped[str] = mapped_column(String(200), default="")
    # Space-separated hashtags (no '#'); empty: everyone. A viewer matches when one is among their interests.
    interests: Mapped[str] = mapped_column(Text, default="")
    retarget: Mapped[str] = mapped_column(String(16), default="")  # a Retarget value
    frequency_cap: Mapped[int] = mapped_column(Integer, default=3)  # viewable impressions per viewer per day
    paused: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)


class Ad(RegionBase):
    __tablename__ = "ads"

    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    ad_group_id: Mapped[str] = mapped_column(ForeignKey("ad_groups.id", ondelete="CASCADE"), index=True)
    campaign_id: Mapped[str] = mapped_column(String(40), index=True)
    advertiser_id: Mapped[str] = mapped_column(String(40), index=True)
    kind: Mapped[AdKind] = mapped_column(_enum(AdKind))
    video_id: Mapped[str] = mapped_column(String(40))  # the video shown (for a product ad, one tagging it)
    product_id: Mapped[str | None] = mapped_column(String(40), default=None)
    # Set when the video is a creator's, promoted with the creator's authorisation code (Spark).
    authorized_by: Mapped[str | None] = mapped_column(String(40), default=None)
    headline: Mapped[str] = mapped_column(String(100), default="")
    call_to_action: Mapped[str] = mapped_column(String(24), default="")
    review: Mapped[Review] = mapped_column(_enum(Review), default=Review.PENDING)
    review_reason: Mapped[str] = mapped_column(String(40), default="")
    paused: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)


class AdBilling(RegionBase):
    """How much of a campaign's spend in one serving region on one day billing has debited from the
    advertiser's balance, in micros (the ledger holds whole minor units; the rest waits for the next run)."""

    __tablename__ = "ad_billing"

    campaign_id: Mapped[str] = mapped_column(String(40), primary_key=True)
    region: Mapped[str] = mapped_column(String(16), primary_key=True)  # where the spend was served
    day: Mapped[date] = mapped_column(Date, primary_key=True)
    spent_micros: Mapped[int] = mapped_column(BigInteger, default=0)  # seen at the last run
    billed: Mapped[int] = mapped_column(BigInteger, default=0)  # minor units posted to the ledger
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)


class AdEvent(RegionBase):
    """One ad served to, seen by, clicked or bought from by a viewer, in the viewer's home region."""

    __tablename__ = "ad_events"
    __table_args__ = (
        Index("ix_ad_events_user", "user_id", "created_at"),
        Index("ix_ad_events_campaign", "campaign_id", "created_at"),
    )

    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    user_id: Mapped[str] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(12))  # an AdEventKind value
    ad_id: Mapped[str] = mapped_column(String(40))
    campaign_id: Mapped[str] = mapped_column(String(40))
    # For an impression, click or conversion: the served event it follows.
    served_id: Mapped[str | None] = mapped_column(String(40), default=None, index=True)
    # Served: what each billable event of it will cost (per viewable impression for CPM and optimised CPM,
    # per click for CPC), as its auction set it. Impression or click: what it was charged (0: not billed).
    price_micros: Mapped[int] = mapped_column(BigInteger, default=0)
    # Why it is not billed: "" (valid), "repeat", "rapid", "self", "staff", "budget" (the slice was spent).
    invalid: Mapped[str] = mapped_column(String(12), default="")
    order_id: Mapped[str | None] = mapped_column(String(40), default=None)  # a conversion's order
    value: Mapped[int] = mapped_column(BigInteger, default=0)  # a conversion's order value, minor units
    currency: Mapped[str] = mapped_column(String(3), default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)


class AdBudgetSlice(RegionBase):
    """This region's share of a campaign's budget for one day. Serving here spends only from it, by a
    conditional update (`spent + price <= allotted`), so the sum over regions never passes what the
    rebalancing job allotted, which never passes the budget or the balance."""

    __tablename__ = "ad_budget_slices"

    campaign_id: Mapped[str] = mapped_column(String(40), primary_key=True)
    day: Mapped[date] = mapped_column(Date, primary_key=True)
    allotted_micros: Mapped[int] = mapped_column(BigInteger, default=0)
    spent_micros: Mapped[int] = mapped_column(BigInteger, default=0)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)


class AdRate(RegionBase):
    """The region's own click and purchase rates of one ad, smoothed toward the region's average (the
    auction's predicted probabilities), rebuilt by a job from the region's impressions and clicks."""

    __tablename__ = "ad_rates"

    ad_id: Mapped[str] = mapped_column(String(40), primary_key=True)
    impressions: Mapped[int] = mapped_column(Integer, default=0)
    clicks: Mapped[int] = mapped_column(Integer, default=0)
    conversions: Mapped[int] = mapped_column(Integer, default=0)
    p_click: Mapped[float] = mapped_column(Float)
    p_purchase: Mapped[float] = mapped_column(Float)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)


class PublicAd(DirectoryBase):
    """An ad that may serve, as non-personal facts: the directory's copy of the advertiser region's ad, its
    group and campaign. Approved, unpaused ads of active campaigns only; every server holds them in memory
    (`ads.index`) and refreshes from `updated_at`. A row with `serving` false is one that stopped."""

    __tablename__ = "public_ads"
    __table_args__ = (Index("ix_public_ads_updated", "updated_at"),)

    ad_id: Mapped[str] = mapped_column(String(40), primary_key=True)
    region: Mapped[str] = mapped_column(String(16))  # the advertiser's
    advertiser_id: Mapped[str] = mapped_column(String(40))
    advertiser_name: Mapped[str] = mapped_column(String(80))
    # The people whose own views and clicks of this ad are not billed: the account's owner, the shop's owner.
    staff_ids: Mapped[str] = mapped_column(Text, default="")
    campaign_id: Mapped[str] = mapped_column(String(40), index=True)
    ad_group_id: Mapped[str] = mapped_column(String(40))
    kind: Mapped[str] = mapped_column(String(8))
    # Indexed: a take-down stops the ads of a video, product or shop by these; creators' analytics too.
    video_id: Mapped[str] = mapped_column(String(40), index=True)
    product_id: Mapped[str | None] = mapped_column(String(40), default=None, index=True)
    shop_id: Mapped[str | None] = mapped_column(String(40), default=None, index=True)
    headline: Mapped[str] = mapped_column(String(100), default="")
    call_to_action: Mapped[str] = mapped_column(String(24), default="")
    objective: Mapped[str] = mapped_column(String(16))
    bid_type: Mapped[str] = mapped_column(String(8))
    bid: Mapped[int] = mapped_column(BigInteger)
    currency: Mapped[str] = mapped_column(String(3))
    target_regions: Mapped[str] = mapped_column(String(200), default="")
    interests: Mapped[str] = mapped_column(Text, default="")
    retarget: Mapped[str] = mapped_column(String(16), default="")
    frequency_cap: Mapped[int] = mapped_column(Integer, default=3)
    daily_budget: Mapped[int] = mapped_column(BigInteger)
    starts_at: Mapped[datetime] = mapped_column(UTCDateTime)
    ends_at: Mapped[datetime | None] = mapped_column(UTCDateTime, default=None)
    quality: Mapped[float] = mapped_column(Float, default=1.0)
    serving: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)


class PublicAdAuthorization(DirectoryBase):
    """A creator's code that lets one advertiser promote one of their videos (as TikTok's Spark Ads). Only
    the code's SHA-256 is kept; video and creator ids are public."""

    __tablename__ = "public_ad_authorizations"

    code_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    video_id: Mapped[str] = mapped_column(String(40), index=True)
    creator_id: Mapped[str] = mapped_column(String(40))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    used_by: Mapped[str | None] = mapped_column(String(40), default=None)  # the advertiser that used it
