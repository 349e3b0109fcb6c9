"""Advertising's part of a person's data rights: the ads they were served, saw, clicked and bought from (in
their home region), and the advertiser accounts they own with those accounts' campaigns, groups, ads and
top-ups. An erasure removes all of it and takes the accounts' ads out of the directory, with the codes the
person made as a creator for advertisers to promote their videos; the ledger stays (the law requires the
books)."""

from __future__ import annotations

from sqlalchemy import delete, select

from clipshop.ads.models import (
    Ad,
    AdEvent,
    AdGroup,
    AdTopUp,
    Advertiser,
    Campaign,
    PublicAd,
    PublicAdAuthorization,
)
from clipshop.kit.db import UnitOfWork
from clipshop.kit.holdings import Held, rows
from clipshop.kit.ids import region_of


def held_about(uow: UnitOfWork, *, user_id: str) -> Held:
    db = uow.region(region_of(user_id))
    advertisers = list(db.scalars(select(Advertiser.id).where(Advertiser.owner_id == user_id)))
    campaigns = list(db.scalars(select(Campaign.id).where(Campaign.advertiser_id.in_(advertisers))))
    return {
        "region/ad_events": rows(db, AdEvent, AdEvent.user_id == user_id),
        "region/advertisers": rows(db, Advertiser, Advertiser.owner_id == user_id),
        "region/ad_topups": rows(db, AdTopUp, AdTopUp.advertiser_id.in_(advertisers)),
        "region/ad_campaigns": rows(db, Campaign, Campaign.id.in_(campaigns)),
        "region/ad_groups": rows(db, AdGroup, AdGroup.campaign_id.in_(campaigns)),
        "region/ads": rows(db, Ad, Ad.advertiser_id.in_(advertisers)),
    }


def erase_user(uow: UnitOfWork, *, user_id: str) -> None:
    """Forget what `user_id` was served and did with ads, and close their advertiser accounts (idempotent)."""
    db = uow.region(region_of(user_id))
    db.execute(delete(AdEvent).where(AdEvent.user_id == user_id))
    uow.directory.execute(delete(PublicAdAuthorization).where(PublicAdAuthorization.creator_id == user_id))
    advertisers = list(db.scalars(select(Advertiser.id).where(Advertiser.owner_id == user_id)))
    if not advertisers:
        return
    uow.directory.execute(delete(PublicAd).where(PublicAd.advertiser_id.in_(advertisers)))
    campaigns = select(Campaign.id).where(Campaign.advertiser_id.in_(advertisers))
    db.execute(delete(Ad).where(Ad.advertiser_id.in_(advertisers)))
    db.execute(delete(AdGroup).where(AdGroup.campaign_id.in_(campaigns)))
    db.execute(delete(Campaign).where(Campaign.advertiser_id.in_(advertisers)))
    db.execute(delete(AdTopUp).where(AdTopUp.advertiser_id.in_(advertisers)))
    db.execute(delete(Advertiser).where(Advertiser.id.in_(advertisers)))
