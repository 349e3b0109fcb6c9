"""Advertising rows for the money tests, written straight to the databases: advertisers, campaigns with one
group and one approved ad (projected to the directory), top-ups booked in the ledger, and served events as
serving writes them (contract 1)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy import select

from clipshop.ads import balances
from clipshop.ads.models import (
    Ad,
    AdBilling,
    AdBudgetSlice,
    AdEvent,
    AdGroup,
    AdKind,
    Advertiser,
    AdvertiserKind,
    BidType,
    Campaign,
    Objective,
    Review,
)
from clipshop.ads.projection import project_campaign
from clipshop.kit.everywhere import everywhere
from clipshop.kit.ids import new_id
from clipshop.platform import Platform
from clipshop.shop.public import cash_account, post_to_ledger
from support import Member


@dataclass(frozen=True)
class CampaignRows:
    advertiser_id: str
    campaign_id: str
    group_id: str
    ad_id: str
    video_id: str


def an_advertiser(platform: Platform, owner: Member, *, name: str = "Acme", currency: str = "USD") -> str:
    advertiser_id = new_id(owner.region)
    with everywhere(platform.databases).transaction() as uow:
        uow.region(owner.region).add(
            Advertiser(
                id=advertiser_id,
                owner_id=owner.id,
                name=name,
                kind=AdvertiserKind.BRAND,
                currency=currency,
                created_at=platform.clock.now(),
            )
        )
    return advertiser_id


def a_campaign(
    platform: Platform,
    advertiser_id: str,
    *,
    video_id: str,
    daily_budget: int = 1000,
    lifetime_budget: int | None = None,
    bid_type: BidType = BidType.CPM,
    bid: int = 500,
    regions: str = "",
    product_id: str | None = None,
    starts_at: datetime | None = None,
    name: str = "Spring",
) -> CampaignRows:
    """A campaign with one ad group and one approved ad of `video_id` (or of `product_id`), serving."""
    region = advertiser_id.split("_")[0]
    now = platform.clock.now()
    campaign_id, group_id, ad_id = new_id(region), new_id(region), new_id(region)
    with everywhere(platform.databases).transaction() as uow:
        db = uow.region(region)
        advertiser = db.get_one(Advertiser, advertiser_id)
        db.add(
            Campaign(
                id=campaign_id,
                advertiser_id=advertiser_id,
                name=name,
                objective=Objective.PURCHASES if product_id else Objective.VIEWS,
                currency=advertiser.currency,
                daily_budget=daily_budget,
                lifetime_budget=lifetime_budget,
                starts_at=starts_at or now - timedelta(days=1),
                created_at=now,
                updated_at=now,
            )
        )
        db.flush()
        db.add(
            AdGroup(
                id=group_id,
                campaign_id=campaign_id,
                name="Everyone",
                bid_type=bid_type,
                bid=bid,
                regions=regions,
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
                kind=AdKind.PRODUCT if product_id else AdKind.VIDEO,
                video_id=video_id,
                product_id=product_id,
                headline="Look",
                call_to_action="Shop now",
                review=Review.APPROVED,
                created_at=now,
                updated_at=now,
            )
        )
        db.flush()
        project_campaign(uow, campaign_id=campaign_id, now=now)
    return CampaignRows(advertiser_id, campaign_id, group_id, ad_id, video_id)


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
    rows: CampaignRows,
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


def set_slice(
    platform: Platform, region: str, campaign_id: str, day: date, *, allotted: int, spent: int = 0
) -> None:
    with everywhere(platform.databases).transaction() as uow:
        db = uow.region(region)
        row = db.get(AdBudgetSlice, (campaign_id, day))
        if row is None:
            row = AdBudgetSlice(campaign_id=campaign_id, day=day, updated_at=platform.clock.now())
            db.add(row)
        row.allotted_micros, row.spent_micros = allotted, spent


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
