"""The directory's copy of the ads that may serve (`PublicAd`): written from the advertiser's region whenever
an ad, its group, its campaign or its review changes, in the same unit of work. A copy is never deleted but
by an erasure: one that stops serving keeps its row with `serving` false, so every server's index, which
reads rows changed since its last look, learns that it stopped. An ad serves only while what it promotes is
public: its video (not restricted by a moderator), its product and its shop (`promotable`)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select

from clipshop.ads.models import Ad, AdGroup, Advertiser, Campaign, CampaignStatus, PublicAd, Review
from clipshop.kit.db import UnitOfWork
from clipshop.kit.ids import region_of
from clipshop.shop.public import PublicProduct, PublicShop
from clipshop.videos.models import PublicVideo


def serves(ad: Ad, group: AdGroup, campaign: Campaign, now: datetime) -> bool:
    """Whether the ad may enter auctions: approved, nothing of it paused, its campaign active and not over."""
    return (
        ad.review == Review.APPROVED
        and not ad.paused
        and not group.paused
        and campaign.status == CampaignStatus.ACTIVE
        and (campaign.ends_at is None or campaign.ends_at > now)
    )


def project_campaign(uow: UnitOfWork, *, campaign_id: str, now: datetime) -> int:
    """Write every ad of the campaign to the directory as it now stands; returns how many were written."""
    db = uow.region(region_of(campaign_id))
    campaign = db.get(Campaign, campaign_id)
    if campaign is None:
        return 0
    advertiser = db.get(Advertiser, campaign.advertiser_id)
    assert advertiser is not None
    groups = {g.id: g for g in db.scalars(select(AdGroup).where(AdGroup.campaign_id == campaign_id))}
    ads = list(db.scalars(select(Ad).where(Ad.campaign_id == campaign_id)))
    shops = _shops_of(uow, [ad.product_id for ad in ads if ad.product_id])
    shop_of = {ad.id: shops.get(ad.product_id or "") or advertiser.shop_id for ad in ads}
    public = promotable(uow, ads, shop_of)
    for ad in ads:
        group = groups[ad.ad_group_id]
        row = uow.directory.get(PublicAd, ad.id)
        if row is None:
            row = PublicAd(ad_id=ad.id, created_at=now)
            uow.directory.add(row)
        row.region = region_of(ad.id)
        row.advertiser_id = advertiser.id
        row.advertiser_name = advertiser.name
        row.staff_ids = advertiser.owner_id
        row.campaign_id = campaign.id
        row.ad_group_id = group.id
        row.kind = str(ad.kind)
        row.video_id = ad.video_id
        row.product_id = ad.product_id
        row.shop_id = shop_of[ad.id]
        row.headline = ad.headline
        row.call_to_action = ad.call_to_action
        row.objective = str(campaign.objective)
        row.bid_type = str(group.bid_type)
        row.bid = group.bid
        row.currency = campaign.currency
        row.target_regions = group.regions
        row.interests = group.interests
        row.retarget = group.retarget
        row.frequency_cap = group.frequency_cap
        row.daily_budget = campaign.daily_budget
        row.starts_at = campaign.starts_at
        row.ends_at = campaign.ends_at
        row.serving = serves(ad, group, campaign, now) and ad.id in public
        row.updated_at = now
    return len(ads)


def promotable(uow: UnitOfWork, ads: list[Ad], shop_of: dict[str, str | None]) -> set[str]:
    """The ads whose video is public and unrestricted (no age restriction, still recommended), and whose
    product and shop, if any, are public: a moderator's take-down or restriction of any of them stops it."""
    directory = uow.directory
    video_ids = {ad.video_id for ad in ads}
    videos = (
        set(
            directory.scalars(
                select(PublicVideo.id).where(
                    PublicVideo.id.in_(video_ids),
                    PublicVideo.age_restricted.is_(False),
                    PublicVideo.unrecommended.is_(False),
                )
            )
        )
        if video_ids
        else set()
    )
    product_ids = {ad.product_id for ad in ads if ad.product_id}
    products = (
        set(directory.scalars(select(PublicProduct.id).where(PublicProduct.id.in_(product_ids))))
        if product_ids
        else set()
    )
    shop_ids = {shop for shop in shop_of.values() if shop}
    shops = (
        set(directory.scalars(select(PublicShop.id).where(PublicShop.id.in_(shop_ids))))
        if shop_ids
        else set()
    )
    return {
        ad.id
        for ad in ads
        if ad.video_id in videos
        and (ad.product_id is None or ad.product_id in products)
        and (shop_of.get(ad.id) is None or shop_of[ad.id] in shops)
    }


def _shops_of(uow: UnitOfWork, product_ids: list[str]) -> dict[str, str]:
    if not product_ids:
        return {}
    query = select(PublicProduct.id, PublicProduct.shop_id).where(PublicProduct.id.in_(product_ids))
    return {product: shop for product, shop in uow.directory.execute(query)}
