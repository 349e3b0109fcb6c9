"""Ads for tests, written straight to the databases: an advertiser, a campaign with one ad group and one
approved ad promoting a video (or a product through a video), projected to the directory as
`projection.project_campaign` does after any change, a budget slice in a viewer region, rates; and for the
money tests, top-ups booked in the ledger and served events as serving writes them (contract 1)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import select

from clipshop.ads import balances, projection
from clipshop.ads.models import (
    Ad,
    AdBilling,
    AdBudgetSlice,
    AdEvent,
    AdGroup,
    AdRate,
    Advertiser,
    Campaign,
    PublicAd,
)
from clipshop.kit.everywhere import everywhere
from clipshop.kit.ids import new_id
from clipshop.platform import Platform
from clipshop.shop.public import cash_account, post_to_ledger
from support import Member

PLENTY = 10**12  # micros: a slice no test spends


@dataclass(frozen=True)
class Promoted:
    advertiser_id: str
    campaign_id: str
    ad_group_id: str
    ad_id: str
    video_id: str


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
    return Promoted(advertiser_id, campaign_id, group_id, ad_id, video_id)


def a_campaign(
    platform: Platform,
    advertiser_id: str,
    *,
    video_id: str,
    daily_budget: int = 1000,
    lifetime_budget: int | None = None,
    bid_type: str = "cpm",
    bid: int = 500,
    regions: str = "",
    product_id: str | None = None,
    starts_at: datetime | None = None,
    name: str = "Spring",
) -> Promoted:
    """A campaign of the money tests: started a day ago, its objective purchases for a product ad (views
    otherwise), and no slices yet (the rebalancing job, or `fund`, sizes them)."""
    return promote(
        platform,
        advertiser_id,
        video_id,
        bid_type=bid_type,
        bid=bid,
        regions=regions,
        product_id=product_id,
        starts_at=starts_at or platform.clock.now() - timedelta(days=1),
        fund_in=(),
        name=name,
        objective="purchases" if product_id else "views",
        daily_budget=daily_budget,
        lifetime_budget=lifetime_budget,
    )


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


def top_up(platform: Platform, advertiser_id: str, amount: int, *, currency: str = "USD") -> None:
    """Credit the advertiser's balance as a paid top-up does (kind `ad_topup`)."""
    region = advertiser_id.split("_")[0]
    with everywhere(platform.databases).transaction() as uow:
        post_to_ledger(
            uow.region(region),
            region=region,
            kind=balances.AD_TOPUP,
            reference=new_id(region),
            currency=currency,
            entries={cash_account("sandbox"): amount, balances.account(advertiser_id): -amount},
            now=platform.clock.now(),
        )


def balance_of(platform: Platform, advertiser_id: str, *, currency: str = "USD") -> int:
    with everywhere(platform.databases).transaction() as uow:
        return balances.balance(uow, advertiser_id=advertiser_id, currency=currency)


def serve(
    platform: Platform,
    viewer: Member,
    rows: Promoted,
    *,
    price_micros: int,
    at: datetime | None = None,
) -> str:
    """A served event in the viewer's region, as an auction writes it; returns its id (the served id)."""
    served_id = new_id(viewer.region)
    with everywhere(platform.databases).transaction() as uow:
        uow.region(viewer.region).add(
            AdEvent(
                id=served_id,
                user_id=viewer.id,
                kind="served",
                ad_id=rows.ad_id,
                campaign_id=rows.campaign_id,
                price_micros=price_micros,
                created_at=at or platform.clock.now(),
            )
        )
    return served_id


def slices(platform: Platform, campaign_id: str, day: date) -> dict[str, tuple[int, int]]:
    """{region: (allotted, spent)} of the campaign's slices of `day`."""
    found = {}
    with everywhere(platform.databases).transaction() as uow:
        for region in uow.databases.regions:
            row = uow.region(region).get(AdBudgetSlice, (campaign_id, day))
            if row is not None:
                found[region] = (row.allotted_micros, row.spent_micros)
    return found


def events_of(platform: Platform, viewer: Member, kind: str) -> list[AdEvent]:
    with everywhere(platform.databases).transaction() as uow:
        query = select(AdEvent).where(AdEvent.user_id == viewer.id, AdEvent.kind == kind)
        return list(uow.region(viewer.region).scalars(query.order_by(AdEvent.created_at, AdEvent.id)))


def billing_rows(platform: Platform, campaign_id: str) -> list[AdBilling]:
    region = campaign_id.split("_")[0]
    with everywhere(platform.databases).transaction() as uow:
        query = select(AdBilling).where(AdBilling.campaign_id == campaign_id)
        return list(uow.region(region).scalars(query.order_by(AdBilling.region, AdBilling.day)))


def campaign_of(platform: Platform, campaign_id: str) -> Campaign:
    with everywhere(platform.databases).transaction() as uow:
        return uow.region(campaign_id.split("_")[0]).get_one(Campaign, campaign_id)
