"""Ads before moderators, and moderation's decisions on what ads promote.

Every new ad, and every edit of what an ad shows, is put before the moderators of the advertiser's region
through the review desk (`kit.review`, installed by moderation, which sits above advertising): the ad is
`pending` and serves only once a moderator approves it; a rejection, with one of `REJECTION_REASONS`, keeps
it from serving until the advertiser edits it, which sends it back to review.

A decision that takes a video, a product or a shop out of public places (or restricts a video) stops the
ads that promote it at once: their directory copies stop serving in the decision's own transaction. A
decision given back lets them serve again: each campaign concerned is projected anew by a job in its own
region (`project_campaign` checks that what an ad promotes is public)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING

from sqlalchemy import ColumnElement, or_, select, update

from clipshop.ads.models import Ad, Advertiser, Campaign, CampaignStatus, PauseReason, PublicAd, Review
from clipshop.ads.projection import project_campaign
from clipshop.ads.tasks import enqueue_project_campaigns
from clipshop.jobs.queue import JobQueue
from clipshop.kit.db import UnitOfWork
from clipshop.kit.ids import region_of
from clipshop.kit.review import HeldKind, HoldReason, ReviewDesk
from clipshop.shop.public import PublicProduct
from clipshop.videos.models import PublicVideo

if TYPE_CHECKING:
    from clipshop.platform import Platform

# Why a moderator may reject an ad (the decision's reason code).
REJECTION_REASONS = (
    "prohibited_product",  # weapons, drugs, tobacco, counterfeits: nothing the platform lets be advertised
    "misleading_claim",  # promises the product cannot keep, fake prices or urgency, before/after tricks
    "adult_content",  # sexual or shocking content, not for everyone's feed
    "restricted_product",  # alcohol, gambling, medicines: allowed only with targeting the ad lacks
    "landing_mismatch",  # the headline or call to action does not match the video or product promoted
    "intellectual_property",  # someone else's brand, music or footage without their leave
)


def submit(uow: UnitOfWork, *, desk: ReviewDesk, ad: Ad, owner_id: str, now: datetime) -> None:
    """Put a new or edited ad before moderators of its region: `pending` until one decides; an ad waiting
    already joins its open case."""
    ad.review, ad.review_reason, ad.updated_at = Review.PENDING, "", now
    desk.hold(
        uow, kind=HeldKind.AD, content_id=ad.id, owner_id=owner_id, reason=HoldReason.AD_REVIEW, now=now
    )


@dataclass(frozen=True)
class AdFacts:
    """What a moderator is shown of an ad: who pays for it, what it says, what it promotes."""

    ad_id: str
    advertiser_id: str
    advertiser_name: str
    kind: str
    headline: str
    call_to_action: str
    video_id: str
    product_id: str | None
    product_title: str | None
    authorized_by: str | None
    review: str
    review_reason: str
    media_url: str | None
    poster_url: str | None

    @property
    def summary(self) -> str:
        promoted = f"product “{self.product_title or self.product_id}” through " if self.product_id else ""
        return (
            f"Ad by {self.advertiser_name}: “{self.headline}” [{self.call_to_action}], promoting "
            f"{promoted}video {self.video_id}"
        )


def describe_ads(uow: UnitOfWork, *, region: str, ad_ids: list[str]) -> dict[str, AdFacts]:
    """The ads `ad_ids` of `region`, read from their own rows (the caller opened the region's class
    `advertising` through the gateway when it is not at home), with the public copies of what they promote."""
    if not ad_ids:
        return {}
    db = uow.region(region)
    ads = list(db.scalars(select(Ad).where(Ad.id.in_(ad_ids))))
    owners = {
        a.id: a
        for a in db.scalars(select(Advertiser).where(Advertiser.id.in_({a.advertiser_id for a in ads})))
    }
    directory = uow.directory
    shown = {
        v.id: v
        for v in directory.scalars(select(PublicVideo).where(PublicVideo.id.in_({a.video_id for a in ads})))
    }
    product_ids = {a.product_id for a in ads if a.product_id}
    titles: dict[str, str] = {}
    if product_ids:
        query = select(PublicProduct.id, PublicProduct.title).where(PublicProduct.id.in_(product_ids))
        titles = {product: title for product, title in directory.execute(query)}
    facts = {}
    for ad in ads:
        video = shown.get(ad.video_id)
        advertiser = owners.get(ad.advertiser_id)
        facts[ad.id] = AdFacts(
            ad_id=ad.id,
            advertiser_id=ad.advertiser_id,
            advertiser_name=advertiser.name if advertiser is not None else "",
            kind=str(ad.kind),
            headline=ad.headline,
            call_to_action=ad.call_to_action,
            video_id=ad.video_id,
            product_id=ad.product_id,
            product_title=titles.get(ad.product_id or ""),
            authorized_by=ad.authorized_by,
            review=str(ad.review),
            review_reason=ad.review_reason,
            media_url=video.master_url if video is not None else None,
            poster_url=video.poster_url if video is not None else None,
        )
    return facts


def apply_review(uow: UnitOfWork, *, ad_id: str, approved: bool, reason: str, now: datetime) -> bool:
    """A moderator's decision on an ad: approved, it may serve; rejected (with `reason`), it never does. The
    ad's region must be open to the unit of work (the gateway's, for a moderator). False if it is gone."""
    db = uow.region(region_of(ad_id))
    ad = db.get(Ad, ad_id)
    if ad is None:
        return False
    ad.review = Review.APPROVED if approved else Review.REJECTED
    ad.review_reason = "" if approved else reason[:40]
    ad.updated_at = now
    db.flush()
    project_campaign(uow, campaign_id=ad.campaign_id, now=now)
    return True


def _promoting(
    video_ids: Iterable[str], product_ids: Iterable[str], shop_ids: Iterable[str]
) -> ColumnElement[bool] | None:
    videos, products, shops = sorted(set(video_ids)), sorted(set(product_ids)), sorted(set(shop_ids))
    conditions = [
        *([PublicAd.video_id.in_(videos)] if videos else []),
        *([PublicAd.product_id.in_(products)] if products else []),
        *([PublicAd.shop_id.in_(shops)] if shops else []),
    ]
    return or_(*conditions) if conditions else None


def stop_promoting(
    uow: UnitOfWork,
    *,
    video_ids: Iterable[str] = (),
    product_ids: Iterable[str] = (),
    shop_ids: Iterable[str] = (),
    now: datetime,
) -> int:
    """Stop at once every ad that promotes one of these videos, products or shops (in this unit of work, so
    with the decision that withheld them); how many stopped."""
    promoting = _promoting(video_ids, product_ids, shop_ids)
    if promoting is None:
        return 0
    stopped = uow.directory.execute(
        update(PublicAd)
        .where(promoting, PublicAd.serving.is_(True))
        .values(serving=False, updated_at=now)
        .returning(PublicAd.ad_id)
        .execution_options(synchronize_session=False)
    )
    return len(stopped.all())


def resume_promoting(
    uow: UnitOfWork,
    jobs: JobQueue,
    *,
    video_ids: Iterable[str] = (),
    product_ids: Iterable[str] = (),
    shop_ids: Iterable[str] = (),
) -> list[str]:
    """Once this unit of work commits, project anew (each in its own region) every campaign with an ad that
    promotes one of these videos, products or shops, given back by a decision; returns those campaigns."""
    promoting = _promoting(video_ids, product_ids, shop_ids)
    if promoting is None:
        return []
    campaigns = sorted(set(uow.directory.scalars(select(PublicAd.campaign_id).where(promoting))))
    enqueue_project_campaigns(jobs, uow, campaign_ids=campaigns)
    return campaigns


def pause_advertising_of(uow: UnitOfWork, *, owner_id: str, now: datetime) -> list[str]:
    """A suspension: pause every running campaign of the account's advertisers (reason `suspended`) and stop
    their ads at once, in the decision's unit of work; returns the campaigns paused. The caller opens the
    account's region (`advertising`) through the gateway. Campaigns paused for another reason stay so."""
    return _set_running(uow, owner_id=owner_id, running=False, now=now)


def resume_advertising_of(uow: UnitOfWork, *, owner_id: str, now: datetime) -> list[str]:
    """A suspension lifted: run again the campaigns its suspension paused, and no other; returns them."""
    return _set_running(uow, owner_id=owner_id, running=True, now=now)


def _set_running(uow: UnitOfWork, *, owner_id: str, running: bool, now: datetime) -> list[str]:
    db = uow.region(region_of(owner_id))
    advertisers = select(Advertiser.id).where(Advertiser.owner_id == owner_id)
    which: ColumnElement[bool]
    if running:
        which = (Campaign.status == CampaignStatus.PAUSED) & (Campaign.paused_reason == PauseReason.SUSPENDED)
    else:
        which = Campaign.status == CampaignStatus.ACTIVE
    campaigns = list(
        db.scalars(
            select(Campaign).where(Campaign.advertiser_id.in_(advertisers), which).order_by(Campaign.id)
        )
    )
    for campaign in campaigns:
        campaign.status = CampaignStatus.ACTIVE if running else CampaignStatus.PAUSED
        campaign.paused_reason = PauseReason.NONE.value if running else PauseReason.SUSPENDED.value
        campaign.updated_at = now
    db.flush()
    for campaign in campaigns:
        project_campaign(uow, campaign_id=campaign.id, now=now)
    return [campaign.id for campaign in campaigns]


def project_in_its_region(platform: Platform, campaign_id: str) -> int:
    """The job: write the campaign's ads to the directory as they now stand, at home in its region."""
    with platform.uow(home=region_of(campaign_id)).transaction() as uow:
        return project_campaign(uow, campaign_id=campaign_id, now=platform.clock.now())
