"""Campaigns, their ad groups and their ads, in the advertiser's region, for the account's owner only (anyone
else is answered 404, as for an id that does not exist).

A campaign holds the objective, the budgets and the schedule; an ad group the bid, the targeting and the
frequency cap; an ad what is shown: a video (the advertiser owner's own, or a creator's with the creator's
authorisation code) or a product, shown through a public video that tags it. A shop's account promotes only
its shop's products; a brand's may promote any public product (it pays for the reach; the shop selling it
gains the sales). Every change projects the campaign to the directory in the same unit of work
(`projection.project_campaign`), and a new ad, or an edit of what an ad shows, goes before moderators
(`review.submit`): it serves only once approved.

Which bid types suit an objective: views are bought by the thousand impressions (CPM); product visits by
impressions or clicks (CPC); purchases by those or by an optimised CPM toward a target cost per purchase
(oCPM), the only objective that counts purchases to optimise for.
"""

from __future__ import annotations

import enum
from collections.abc import Iterable
from datetime import datetime

from sqlalchemy import func, select

from clipshop.ads import advertisers, authorizations, checks, review
from clipshop.ads.models import (
    Ad,
    AdGroup,
    AdKind,
    Advertiser,
    BidType,
    Campaign,
    CampaignStatus,
    Objective,
    PauseReason,
)
from clipshop.ads.projection import project_campaign
from clipshop.config import Settings
from clipshop.errors import Conflict, Invalid, NotFound
from clipshop.kit.actors import Actor
from clipshop.kit.db import UnitOfWork
from clipshop.kit.ids import new_id
from clipshop.kit.review import ReviewDesk


class Keep(enum.Enum):
    """A field an edit leaves as it is."""

    KEEP = "keep"


KEEP = Keep.KEEP


# -- reaching one's own ------------------------------------------------------------------------------------


def _owned(uow: UnitOfWork, actor: Actor, advertiser_id: str) -> Advertiser | None:
    advertiser = uow.region(actor.region).get(Advertiser, advertiser_id)
    return advertiser if advertiser is not None and advertiser.owner_id == actor.id else None


def get_campaign(uow: UnitOfWork, *, actor: Actor, campaign_id: str) -> Campaign:
    """The campaign if it is of one of the actor's accounts; else NotFound."""
    campaign = uow.find(Campaign, campaign_id, region=actor.region)
    if campaign is None or _owned(uow, actor, campaign.advertiser_id) is None:
        raise NotFound("campaign", campaign_id)
    return campaign


def get_group(uow: UnitOfWork, *, actor: Actor, ad_group_id: str) -> AdGroup:
    """The ad group if it is of one of the actor's accounts; else NotFound."""
    group = uow.find(AdGroup, ad_group_id, region=actor.region)
    campaign = uow.region(actor.region).get(Campaign, group.campaign_id) if group is not None else None
    if group is None or campaign is None or _owned(uow, actor, campaign.advertiser_id) is None:
        raise NotFound("ad group", ad_group_id)
    return group


def get_ad(uow: UnitOfWork, *, actor: Actor, ad_id: str) -> Ad:
    """The ad if it is of one of the actor's accounts; else NotFound."""
    ad = uow.find(Ad, ad_id, region=actor.region)
    if ad is None or _owned(uow, actor, ad.advertiser_id) is None:
        raise NotFound("ad", ad_id)
    return ad


def campaigns_of(uow: UnitOfWork, *, actor: Actor, advertiser_id: str) -> list[Campaign]:
    advertiser = advertisers.get(uow, actor=actor, advertiser_id=advertiser_id)
    query = select(Campaign).where(Campaign.advertiser_id == advertiser.id)
    return list(uow.region(actor.region).scalars(query.order_by(Campaign.created_at, Campaign.id)))


def groups_of(uow: UnitOfWork, *, actor: Actor, campaign_id: str) -> list[AdGroup]:
    campaign = get_campaign(uow, actor=actor, campaign_id=campaign_id)
    query = select(AdGroup).where(AdGroup.campaign_id == campaign.id)
    return list(uow.region(actor.region).scalars(query.order_by(AdGroup.created_at, AdGroup.id)))


def ads_of(uow: UnitOfWork, *, actor: Actor, ad_group_id: str) -> list[Ad]:
    group = get_group(uow, actor=actor, ad_group_id=ad_group_id)
    query = select(Ad).where(Ad.ad_group_id == group.id)
    return list(uow.region(actor.region).scalars(query.order_by(Ad.created_at, Ad.id)))


# -- campaigns ---------------------------------------------------------------------------------------------


def create_campaign(
    uow: UnitOfWork,
    *,
    actor: Actor,
    advertiser_id: str,
    name: str,
    objective: Objective,
    daily_budget: int,
    lifetime_budget: int | None,
    starts_at: datetime | None,
    ends_at: datetime | None,
    settings: Settings,
    now: datetime,
) -> Campaign:
    """A campaign of the actor's account, active from `starts_at` (now unless given)."""
    advertiser = advertisers.get(uow, actor=actor, advertiser_id=advertiser_id)
    db = uow.region(actor.region)
    checks.room(
        db.scalar(select(func.count()).where(Campaign.advertiser_id == advertiser.id)),
        checks.MAX_CAMPAIGNS,
        "campaigns",
    )
    starts = starts_at or now
    checks.check_budgets(settings, daily_budget, lifetime_budget)
    checks.check_schedule(starts, ends_at, now)
    campaign = Campaign(
        id=new_id(actor.region),
        advertiser_id=advertiser.id,
        name=checks.name(name),
        objective=objective,
        currency=advertiser.currency,
        daily_budget=daily_budget,
        lifetime_budget=lifetime_budget,
        starts_at=starts,
        ends_at=ends_at,
        status=CampaignStatus.ACTIVE,
        paused_reason=PauseReason.NONE.value,
        created_at=now,
        updated_at=now,
    )
    db.add(campaign)
    db.flush()
    project_campaign(uow, campaign_id=campaign.id, now=now)
    return campaign


def update_campaign(
    uow: UnitOfWork,
    *,
    actor: Actor,
    campaign_id: str,
    name: str | Keep = KEEP,
    daily_budget: int | Keep = KEEP,
    lifetime_budget: int | Keep | None = KEEP,
    ends_at: datetime | Keep | None = KEEP,
    status: CampaignStatus | Keep = KEEP,
    settings: Settings,
    now: datetime,
) -> Campaign:
    """Edit a campaign: its name, budgets or end; pause it (by hand) or resume it (not once it has ended)."""
    campaign = get_campaign(uow, actor=actor, campaign_id=campaign_id)
    daily = campaign.daily_budget if isinstance(daily_budget, Keep) else daily_budget
    lifetime = campaign.lifetime_budget if isinstance(lifetime_budget, Keep) else lifetime_budget
    checks.check_budgets(settings, daily, lifetime)
    if not isinstance(ends_at, Keep) and ends_at != campaign.ends_at:
        checks.check_schedule(campaign.starts_at, ends_at, now)
        campaign.ends_at = ends_at
    if not isinstance(name, Keep):
        campaign.name = checks.name(name)
    campaign.daily_budget, campaign.lifetime_budget = daily, lifetime
    if status is CampaignStatus.PAUSED:
        if campaign.status is not CampaignStatus.PAUSED:
            campaign.status, campaign.paused_reason = CampaignStatus.PAUSED, PauseReason.ADVERTISER.value
    elif status is CampaignStatus.ACTIVE:
        if campaign.status is CampaignStatus.ENDED or (
            campaign.ends_at is not None and campaign.ends_at <= now
        ):
            raise Conflict(
                "campaign_ended",
                "This campaign has ended; move its end later to run it again.",
                field="status",
            )
        campaign.status, campaign.paused_reason = CampaignStatus.ACTIVE, PauseReason.NONE.value
    elif status is CampaignStatus.ENDED:
        raise Invalid(
            "A campaign is set `active` or `paused`; it ends by its schedule.",
            code="invalid_status",
            field="status",
        )
    campaign.updated_at = now
    uow.region(actor.region).flush()
    project_campaign(uow, campaign_id=campaign.id, now=now)
    return campaign


def shown_status(campaign: Campaign, now: datetime) -> CampaignStatus:
    """The campaign's status as its owner is told it: an active one past its end has ended."""
    if campaign.status is CampaignStatus.ACTIVE and campaign.ends_at is not None and campaign.ends_at <= now:
        return CampaignStatus.ENDED
    return campaign.status


# -- ad groups ---------------------------------------------------------------------------------------------


def create_group(
    uow: UnitOfWork,
    *,
    actor: Actor,
    campaign_id: str,
    name: str,
    bid_type: BidType,
    bid: int,
    regions: Iterable[str],
    interests: Iterable[str],
    retarget: str,
    frequency_cap: int,
    settings: Settings,
    now: datetime,
) -> AdGroup:
    """An ad group of the actor's campaign: what it bids and whom it reaches."""
    campaign = get_campaign(uow, actor=actor, campaign_id=campaign_id)
    advertiser = uow.region(actor.region).get_one(Advertiser, campaign.advertiser_id)
    db = uow.region(actor.region)
    checks.room(
        db.scalar(select(func.count()).where(AdGroup.campaign_id == campaign.id)),
        checks.MAX_GROUPS,
        "ad groups",
    )
    checks.check_bid(settings, campaign, bid_type, bid)
    group = AdGroup(
        id=new_id(actor.region),
        campaign_id=campaign.id,
        name=checks.name(name),
        bid_type=bid_type,
        bid=bid,
        regions=checks.regions(settings, regions),
        interests=checks.interests(interests),
        retarget=checks.retarget(advertiser, retarget),
        frequency_cap=checks.frequency_cap(frequency_cap),
        paused=False,
        created_at=now,
        updated_at=now,
    )
    db.add(group)
    db.flush()
    project_campaign(uow, campaign_id=campaign.id, now=now)
    return group


def update_group(
    uow: UnitOfWork,
    *,
    actor: Actor,
    ad_group_id: str,
    name: str | Keep = KEEP,
    bid_type: BidType | Keep = KEEP,
    bid: int | Keep = KEEP,
    regions: Iterable[str] | Keep = KEEP,
    interests: Iterable[str] | Keep = KEEP,
    retarget: str | Keep = KEEP,
    frequency_cap: int | Keep = KEEP,
    paused: bool | Keep = KEEP,
    settings: Settings,
    now: datetime,
) -> AdGroup:
    """Edit an ad group's bid, targeting or cap, or pause it; its ads keep their review."""
    group = get_group(uow, actor=actor, ad_group_id=ad_group_id)
    db = uow.region(actor.region)
    campaign = db.get_one(Campaign, group.campaign_id)
    new_type = group.bid_type if isinstance(bid_type, Keep) else bid_type
    new_bid = group.bid if isinstance(bid, Keep) else bid
    checks.check_bid(settings, campaign, new_type, new_bid)
    group.bid_type, group.bid = new_type, new_bid
    if not isinstance(name, Keep):
        group.name = checks.name(name)
    if not isinstance(regions, Keep):
        group.regions = checks.regions(settings, regions)
    if not isinstance(interests, Keep):
        group.interests = checks.interests(interests)
    if not isinstance(retarget, Keep):
        group.retarget = checks.retarget(db.get_one(Advertiser, campaign.advertiser_id), retarget)
    if not isinstance(frequency_cap, Keep):
        group.frequency_cap = checks.frequency_cap(frequency_cap)
    if not isinstance(paused, Keep):
        group.paused = paused
    group.updated_at = now
    db.flush()
    project_campaign(uow, campaign_id=campaign.id, now=now)
    return group


# -- ads ---------------------------------------------------------------------------------------------------


def create_ad(
    uow: UnitOfWork,
    *,
    actor: Actor,
    ad_group_id: str,
    kind: AdKind,
    video_id: str,
    product_id: str | None,
    authorization_code: str | None,
    headline: str,
    call_to_action: str,
    desk: ReviewDesk,
    now: datetime,
) -> Ad:
    """An ad in the actor's ad group, `pending` before moderators until one approves it."""
    group = get_group(uow, actor=actor, ad_group_id=ad_group_id)
    db = uow.region(actor.region)
    campaign = db.get_one(Campaign, group.campaign_id)
    advertiser = db.get_one(Advertiser, campaign.advertiser_id)
    checks.room(db.scalar(select(func.count()).where(Ad.ad_group_id == group.id)), checks.MAX_ADS, "ads")
    shown_headline, shown_action = checks.headline(headline), checks.call_to_action(call_to_action)
    video = checks.promotable_video(uow, video_id)
    if kind is AdKind.PRODUCT:
        checks.check_product(uow, advertiser, video_id=video.id, product_id=product_id)
    elif product_id:
        raise Invalid(
            "A video ad promotes a video alone; make a product ad (kind `product`) to promote a product.",
            code="product_for_video_ad",
            field="product_id",
        )
    authorized_by = None
    if video.creator_id != advertiser.owner_id:
        if not authorization_code:
            raise Invalid(
                "This video is another creator's: ask them for an authorisation code and send it as "
                "`authorization_code`.",
                code="authorization_required",
                field="authorization_code",
            )
        authorized_by = authorizations.redeem(
            uow, code=authorization_code, video_id=video.id, advertiser_id=advertiser.id, now=now
        )
    ad = Ad(
        id=new_id(actor.region),
        ad_group_id=group.id,
        campaign_id=campaign.id,
        advertiser_id=advertiser.id,
        kind=kind,
        video_id=video.id,
        product_id=product_id if kind is AdKind.PRODUCT else None,
        authorized_by=authorized_by,
        headline=shown_headline,
        call_to_action=shown_action,
        paused=False,
        created_at=now,
        updated_at=now,
    )
    db.add(ad)
    review.submit(uow, desk=desk, ad=ad, owner_id=advertiser.owner_id, now=now)
    db.flush()
    project_campaign(uow, campaign_id=campaign.id, now=now)
    return ad


def update_ad(
    uow: UnitOfWork,
    *,
    actor: Actor,
    ad_id: str,
    headline: str | Keep = KEEP,
    call_to_action: str | Keep = KEEP,
    paused: bool | Keep = KEEP,
    desk: ReviewDesk,
    now: datetime,
) -> Ad:
    """Edit what an ad shows (back to review: it stops serving until approved again) or pause it."""
    ad = get_ad(uow, actor=actor, ad_id=ad_id)
    db = uow.region(actor.region)
    shown = (
        ad.headline if isinstance(headline, Keep) else checks.headline(headline),
        ad.call_to_action if isinstance(call_to_action, Keep) else checks.call_to_action(call_to_action),
    )
    if shown != (ad.headline, ad.call_to_action):
        ad.headline, ad.call_to_action = shown
        owner = db.get_one(Advertiser, ad.advertiser_id).owner_id
        review.submit(uow, desk=desk, ad=ad, owner_id=owner, now=now)
    if not isinstance(paused, Keep):
        ad.paused = paused
    ad.updated_at = now
    db.flush()
    project_campaign(uow, campaign_id=ad.campaign_id, now=now)
    return ad
