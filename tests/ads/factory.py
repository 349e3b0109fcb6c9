"""Ads for tests, written straight to the databases: an advertiser, a campaign with one ad group and one
approved ad promoting a video (or a product through a video), projected to the directory as
`projection.project_campaign` does after any change, a budget slice in a viewer region, and rates."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from clipshop.ads import projection
from clipshop.ads.models import (
    Ad,
    AdBudgetSlice,
    AdGroup,
    AdRate,
    Advertiser,
    Campaign,
    PublicAd,
)
from clipshop.kit.everywhere import everywhere
from clipshop.kit.ids import new_id
from clipshop.platform import Platform
from support import Member

PLENTY = 10**12  # micros: a slice no test spends


@dataclass(frozen=True)
class Promoted:
    advertiser_id: str
    campaign_id: str
    ad_group_id: str
    ad_id: str


def an_advertiser(
    platform: Platform,
    owner: Member,
    *,
    name: str = "Acme",
    shop_id: str | None = None,
    currency: str = "USD",
) -> str:
    """An advertiser account of `owner`, in their region."""
    advertiser_id = new_id(owner.region)
    with everywhere(platform.databases).transaction() as uow:
        uow.region(owner.region).add(
            Advertiser(
                id=advertiser_id,
                owner_id=owner.id,
                name=name,
                kind="shop" if shop_id else "brand",
                shop_id=shop_id,
                currency=currency,
                created_at=platform.clock.now(),
            )
        )
    return advertiser_id


def promote(
    platform: Platform,
    advertiser_id: str,
    video_id: str,
    *,
    bid_type: str = "cpm",
    bid: int = 500,
    regions: str = "",
    interests: str = "",
    retarget: str = "",
    frequency_cap: int = 3,
    product_id: str | None = None,
    headline: str = "Try it",
    call_to_action: str = "Shop now",
    starts_at: datetime | None = None,
    ends_at: datetime | None = None,
    fund_in: tuple[str, ...] = ("us", "eu", "au"),
    **campaign: Any,
) -> Promoted:
    """A campaign of `advertiser_id` with one ad group and one approved ad, projected to the directory, and a
    slice of `PLENTY` today in each region of `fund_in`."""
    region = advertiser_id.split("_", 1)[0]
    now = platform.clock.now()
    campaign_id, group_id, ad_id = new_id(region), new_id(region), new_id(region)
    with everywhere(platform.databases).transaction() as uow:
        db = uow.region(region)
        advertiser = db.get(Advertiser, advertiser_id)
        assert advertiser is not None
        db.add(
            Campaign(
                id=campaign_id,
                advertiser_id=advertiser_id,
                name=campaign.pop("name", "Campaign"),
                objective=campaign.pop("objective", "views"),
                currency=advertiser.currency,
                daily_budget=campaign.pop("daily_budget", 10_000),
                starts_at=starts_at or now,
                ends_at=ends_at,
                created_at=now,
                updated_at=now,
                **campaign,
            )
        )
        db.flush()
        db.add(
            AdGroup(
                id=group_id,
                campaign_id=campaign_id,
                name="Group",
                bid_type=bid_type,
                bid=bid,
                regions=regions,
                interests=interests,
                retarget=retarget,
                frequency_cap=frequency_cap,
                created_at=now,
                updated_at=now,
            )
        )
        db.flush()
        db.add(
            Ad(
                id=ad_id,
                ad_group_id=group_id,
                campaign_id=campaign_id,
                advertiser_id=advertiser_id,
                kind="product" if product_id else "video",
                video_id=video_id,
                product_id=product_id,
                headline=headline,
                call_to_action=call_to_action,
                review="approved",
                created_at=now,
                updated_at=now,
            )
        )
        db.flush()
        projection.project_campaign(uow, campaign_id=campaign_id, now=now)
    for viewer_region in fund_in:
        fund(platform, campaign_id, viewer_region, allotted_micros=PLENTY)
    return Promoted(advertiser_id, campaign_id, group_id, ad_id)


def change(platform: Platform, promoted: Promoted, **values: Any) -> None:
    """Change the ad's campaign, group or ad (`campaign__status="paused"`, `group__bid=9`, `ad__paused=True`)
    and project the campaign again, as every change does."""
    region = promoted.campaign_id.split("_", 1)[0]
    rows: dict[str, Any] = {
        "campaign": (Campaign, promoted.campaign_id),
        "group": (AdGroup, promoted.ad_group_id),
    }
    rows["ad"] = (Ad, promoted.ad_id)
    with everywhere(platform.databases).transaction() as uow:
        db = uow.region(region)
        for key, value in values.items():
            which, _, column = key.partition("__")
            model, row_id = rows[which]
            setattr(db.get(model, row_id), column, value)
        db.flush()
        projection.project_campaign(uow, campaign_id=promoted.campaign_id, now=platform.clock.now())


def fund(
    platform: Platform,
    campaign_id: str,
    region: str,
    *,
    allotted_micros: int,
    spent_micros: int = 0,
    day: date | None = None,
) -> None:
    """Set the campaign's slice in `region` for `day` (today by default)."""
    day = day or platform.clock.now().date()
    with everywhere(platform.databases).transaction() as uow:
        db = uow.region(region)
        row = db.get(AdBudgetSlice, (campaign_id, day))
        if row is None:
            row = AdBudgetSlice(campaign_id=campaign_id, day=day)
            db.add(row)
        row.allotted_micros, row.spent_micros, row.updated_at = (
            allotted_micros,
            spent_micros,
            platform.clock.now(),
        )


def rate(platform: Platform, ad_id: str, region: str, *, p_click: float, p_purchase: float = 0.0005) -> None:
    """Give the ad these predicted rates in `region` (as the rates job would write them)."""
    with everywhere(platform.databases).transaction() as uow:
        uow.region(region).merge(
            AdRate(
                ad_id=ad_id,
                impressions=0,
                clicks=0,
                conversions=0,
                p_click=p_click,
                p_purchase=p_purchase,
                updated_at=platform.clock.now(),
            )
        )


def public_ad(platform: Platform, ad_id: str) -> PublicAd | None:
    with everywhere(platform.databases).transaction() as uow:
        row = uow.directory.get(PublicAd, ad_id)
        if row is not None:
            uow.directory.expunge(row)
        return row
