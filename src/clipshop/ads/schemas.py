"""API shapes of advertiser accounts, top-ups, campaigns, ad groups, ads and creators' authorisation codes.
Money fields are integer minor units of the account's currency."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

from pydantic import AwareDatetime, BaseModel, Field, StringConstraints

from clipshop.ads.models import Ad, AdGroup, AdKind, Advertiser, AdvertiserKind, BidType, Campaign, Objective

Id = Annotated[str, StringConstraints(max_length=40)]
Amount = Annotated[int, Field(ge=0, le=10**12)]


class AdvertiserCreate(BaseModel):
    name: Annotated[str, StringConstraints(max_length=80)] = ""
    kind: AdvertiserKind = AdvertiserKind.BRAND
    shop_id: Id | None = None
    currency: Annotated[str, StringConstraints(max_length=3)] | None = None


class AdvertiserRead(BaseModel):
    id: str
    name: str
    kind: AdvertiserKind
    shop_id: str | None
    currency: str
    balance: int = Field(description="top-ups less billed spend, in minor units")
    created_at: datetime

    @classmethod
    def of(cls, advertiser: Advertiser, *, balance: int) -> AdvertiserRead:
        return cls(
            id=advertiser.id,
            name=advertiser.name,
            kind=advertiser.kind,
            shop_id=advertiser.shop_id,
            currency=advertiser.currency,
            balance=balance,
            created_at=advertiser.created_at,
        )


class TopUpCreate(BaseModel):
    amount: Amount
    payment_method: Annotated[str, StringConstraints(max_length=64)] = Field(
        description="what the provider charges: with the sandbox, a test card number (4242 4242 4242 4242)"
    )


class TopUpRead(BaseModel):
    id: str
    amount: int
    currency: str
    status: Literal["pending", "paid", "failed"]
    next_url: str | None = Field(description="where the payer completes the payment, if the provider asks")
    created_at: datetime


class CampaignCreate(BaseModel):
    name: Annotated[str, StringConstraints(max_length=120)]
    objective: Objective
    daily_budget: Amount
    lifetime_budget: Amount | None = None
    starts_at: AwareDatetime | None = None
    ends_at: AwareDatetime | None = None


class CampaignUpdate(BaseModel):
    name: Annotated[str, StringConstraints(max_length=120)] | None = None
    daily_budget: Amount | None = None
    lifetime_budget: Amount | None = Field(default=None, description="null: no lifetime budget")
    ends_at: AwareDatetime | None = Field(default=None, description="null: no end")
    status: Literal["active", "paused"] | None = None


class CampaignRead(BaseModel):
    id: str
    advertiser_id: str
    name: str
    objective: Objective
    currency: str
    daily_budget: int
    lifetime_budget: int | None
    starts_at: datetime
    ends_at: datetime | None
    status: Literal["active", "paused", "ended"]
    paused_reason: str = Field(description="'' | advertiser | balance | budget | suspended")
    created_at: datetime

    @classmethod
    def of(cls, campaign: Campaign, *, status: str) -> CampaignRead:
        return cls(
            id=campaign.id,
            advertiser_id=campaign.advertiser_id,
            name=campaign.name,
            objective=campaign.objective,
            currency=campaign.currency,
            daily_budget=campaign.daily_budget,
            lifetime_budget=campaign.lifetime_budget,
            starts_at=campaign.starts_at,
            ends_at=campaign.ends_at,
            status=status,
            paused_reason=campaign.paused_reason,
            created_at=campaign.created_at,
        )


Region = Annotated[str, StringConstraints(max_length=16)]
Interest = Annotated[str, StringConstraints(max_length=100)]


class AdGroupCreate(BaseModel):
    name: Annotated[str, StringConstraints(max_length=120)]
    bid_type: BidType
    bid: Amount
    regions: list[Region] = Field(default_factory=list, max_length=50, description="[]: every region")
    interests: list[Interest] = Field(default_factory=list, max_length=100, description="hashtags; []: all")
    retarget: Literal["", "shop_engagers"] = ""
    frequency_cap: int = Field(default=3, description="viewable impressions per viewer a day, 1 to 50")


class AdGroupUpdate(BaseModel):
    name: Annotated[str, StringConstraints(max_length=120)] | None = None
    bid_type: BidType | None = None
    bid: Amount | None = None
    regions: list[Region] | None = Field(default=None, max_length=50)
    interests: list[Interest] | None = Field(default=None, max_length=100)
    retarget: Literal["", "shop_engagers"] | None = None
    frequency_cap: int | None = None
    paused: bool | None = None


class AdGroupRead(BaseModel):
    id: str
    campaign_id: str
    name: str
    bid_type: BidType
    bid: int
    regions: list[str]
    interests: list[str]
    retarget: str
    frequency_cap: int
    paused: bool

    @classmethod
    def of(cls, group: AdGroup) -> AdGroupRead:
        return cls(
            id=group.id,
            campaign_id=group.campaign_id,
            name=group.name,
            bid_type=group.bid_type,
            bid=group.bid,
            regions=group.regions.split(),
            interests=group.interests.split(),
            retarget=group.retarget,
            frequency_cap=group.frequency_cap,
            paused=group.paused,
        )


class AdCreate(BaseModel):
    kind: AdKind
    video_id: Id
    product_id: Id | None = None
    authorization_code: Annotated[str, StringConstraints(max_length=64)] | None = Field(
        default=None, description="the creator's code, to promote another creator's video"
    )
    headline: Annotated[str, StringConstraints(max_length=100)]
    call_to_action: Annotated[str, StringConstraints(max_length=24)]


class AdUpdate(BaseModel):
    headline: Annotated[str, StringConstraints(max_length=100)] | None = None
    call_to_action: Annotated[str, StringConstraints(max_length=24)] | None = None
    paused: bool | None = None


class AdRead(BaseModel):
    id: str
    ad_group_id: str
    campaign_id: str
    kind: AdKind
    video_id: str
    product_id: str | None
    headline: str
    call_to_action: str
    review: Literal["pending", "approved", "rejected"]
    review_reason: str
    paused: bool
    created_at: datetime

    @classmethod
    def of(cls, ad: Ad) -> AdRead:
        return cls(
            id=ad.id,
            ad_group_id=ad.ad_group_id,
            campaign_id=ad.campaign_id,
            kind=ad.kind,
            video_id=ad.video_id,
            product_id=ad.product_id,
            headline=ad.headline,
            call_to_action=ad.call_to_action,
            review=ad.review.value,
            review_reason=ad.review_reason,
            paused=ad.paused,
            created_at=ad.created_at,
        )


class AuthorizationRead(BaseModel):
    code: str = Field(description="shown this once: hand it to the advertiser")
    video_id: str
    expires_at: datetime
