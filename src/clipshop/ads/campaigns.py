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
import re
from collections.abc import Iterable
from datetime import datetime

from sqlalchemy import func, select

from clipshop.ads import advertisers, authorizations, review
from clipshop.ads.models import (
    Ad,
    AdGroup,
    AdKind,
    Advertiser,
    AdvertiserKind,
    BidType,
    Campaign,
    CampaignStatus,
    Objective,
    PauseReason,
    Retarget,
)
from clipshop.ads.projection import project_campaign
from clipshop.config import Settings
from clipshop.errors import Conflict, Invalid, NotFound
from clipshop.kit.actors import Actor
from clipshop.kit.db import UnitOfWork
from clipshop.kit.ids import new_id
from clipshop.kit.review import ReviewDesk
from clipshop.shop.public import PublicProduct, PublicVideoProduct
from clipshop.videos.models import PublicVideo

BIDS_FOR: dict[Objective, tuple[BidType, ...]] = {
    Objective.VIEWS: (BidType.CPM,),
    Objective.PRODUCT_VISITS: (BidType.CPM, BidType.CPC),
    Objective.PURCHASES: (BidType.CPM, BidType.CPC, BidType.OCPM),
}
INTEREST = re.compile(r"^\w{1,50}$", re.UNICODE)  # a hashtag, as captions spell them (without the '#')
MAX_INTERESTS = 30
FREQUENCY_CAP = range(1, 51)  # viewable impressions per viewer per day
NAME_MAX, HEADLINE_MAX, CALL_TO_ACTION_MAX = 120, 100, 24
MAX_CAMPAIGNS, MAX_GROUPS, MAX_ADS = 500, 100, 50  # per account, per campaign, per ad group


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
    _room(
        db.scalar(select(func.count()).where(Campaign.advertiser_id == advertiser.id)),
        MAX_CAMPAIGNS,
        "campaigns",
    )
    starts = starts_at or now
    _check_budgets(settings, daily_budget, lifetime_budget)
    _check_schedule(starts, ends_at, now)
    campaign = Campaign(
        id=new_id(actor.region),
        advertiser_id=advertiser.id,
        name=_name(name),
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
    _check_budgets(settings, daily, lifetime)
    if not isinstance(ends_at, Keep) and ends_at != campaign.ends_at:
        _check_schedule(campaign.starts_at, ends_at, now)
        campaign.ends_at = ends_at
    if not isinstance(name, Keep):
        campaign.name = _name(name)
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
    _room(db.scalar(select(func.count()).where(AdGroup.campaign_id == campaign.id)), MAX_GROUPS, "ad groups")
    _check_bid(settings, campaign, bid_type, bid)
    group = AdGroup(
        id=new_id(actor.region),
        campaign_id=campaign.id,
        name=_name(name),
        bid_type=bid_type,
        bid=bid,
        regions=_regions(settings, regions),
        interests=_interests(interests),
        retarget=_retarget(advertiser, retarget),
        frequency_cap=_frequency_cap(frequency_cap),
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
    _check_bid(settings, campaign, new_type, new_bid)
    group.bid_type, group.bid = new_type, new_bid
    if not isinstance(name, Keep):
        group.name = _name(name)
    if not isinstance(regions, Keep):
        group.regions = _regions(settings, regions)
    if not isinstance(interests, Keep):
        group.interests = _interests(interests)
    if not isinstance(retarget, Keep):
        group.retarget = _retarget(db.get_one(Advertiser, campaign.advertiser_id), retarget)
    if not isinstance(frequency_cap, Keep):
        group.frequency_cap = _frequency_cap(frequency_cap)
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
    _room(db.scalar(select(func.count()).where(Ad.ad_group_id == group.id)), MAX_ADS, "ads")
    shown_headline, shown_action = _headline(headline), _call_to_action(call_to_action)
    video = _promotable_video(uow, video_id)
    if kind is AdKind.PRODUCT:
        _check_product(uow, advertiser, video_id=video.id, product_id=product_id)
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
        ad.headline if isinstance(headline, Keep) else _headline(headline),
        ad.call_to_action if isinstance(call_to_action, Keep) else _call_to_action(call_to_action),
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


# -- checks ------------------------------------------------------------------------------------------------


def _room(count: int | None, limit: int, what: str) -> None:
    if (count or 0) >= limit:
        raise Conflict(
            f"too_many_{what.replace(' ', '_')}", f"At most {limit} {what} here; remove some first."
        )


def _name(name: str) -> str:
    name = name.strip()
    if not name or len(name) > NAME_MAX:
        raise Invalid(f"A name is 1 to {NAME_MAX} characters.", code="invalid_name", field="name")
    return name


def _check_budgets(settings: Settings, daily: int, lifetime: int | None) -> None:
    if daily < settings.ads_min_daily_budget:
        raise Invalid(
            f"A daily budget is at least {settings.ads_min_daily_budget} (minor units).",
            code="invalid_budget",
            field="daily_budget",
            minimum=settings.ads_min_daily_budget,
        )
    if lifetime is not None and lifetime < daily:
        raise Invalid(
            "A lifetime budget is at least the daily budget (or none at all).",
            code="lifetime_below_daily",
            field="lifetime_budget",
        )


def _check_schedule(starts: datetime, ends: datetime | None, now: datetime) -> None:
    if ends is None:
        return
    if ends <= starts:
        raise Invalid("A campaign ends after it starts.", code="ends_before_starts", field="ends_at")
    if ends <= now:
        raise Invalid("A campaign's end is in the future.", code="ends_in_past", field="ends_at")


def _check_bid(settings: Settings, campaign: Campaign, bid_type: BidType, bid: int) -> None:
    allowed = BIDS_FOR[campaign.objective]
    if bid_type not in allowed:
        raise Invalid(
            f"A campaign for {campaign.objective} bids {' or '.join(str(b) for b in allowed)}, not {bid_type}"
            + (" (an optimised CPM needs purchases to optimise for)." if bid_type is BidType.OCPM else "."),
            code="bid_type_not_for_objective",
            field="bid_type",
            allowed=[str(b) for b in allowed],
        )
    minimum = settings.ads_reserve_cpm if bid_type is BidType.CPM else settings.ads_min_bid
    if bid < max(minimum, 1):
        raise Invalid(
            f"A {bid_type} bid is at least {max(minimum, 1)} (minor units"
            + (" per 1000 impressions, the reserve)." if bid_type is BidType.CPM else ")."),
            code="bid_too_low",
            field="bid",
            minimum=max(minimum, 1),
        )
    if bid_type is BidType.CPC and bid > campaign.daily_budget:
        raise Invalid(
            "A cost-per-click bid above the daily budget could never be paid; lower it or raise the budget.",
            code="bid_above_budget",
            field="bid",
        )


def _regions(settings: Settings, regions: Iterable[str]) -> str:
    wanted = sorted({region.strip().lower() for region in regions if region.strip()})
    unknown = [region for region in wanted if region not in settings.regions]
    if unknown:
        raise Invalid(
            f"No region {', '.join(unknown)} here; regions are {', '.join(sorted(settings.regions))}.",
            code="unknown_region",
            field="regions",
        )
    return " ".join(wanted)


def _interests(interests: Iterable[str]) -> str:
    tags: dict[str, None] = {}
    for raw in interests:
        tag = raw.strip().lstrip("#").lower()
        if not tag:
            continue
        if not INTEREST.match(tag):
            raise Invalid(
                f"{raw!r} is not a hashtag: letters, digits and '_' only, up to 50.",
                code="invalid_interest",
                field="interests",
            )
        tags.setdefault(tag, None)
    if len(tags) > MAX_INTERESTS:
        raise Invalid(f"At most {MAX_INTERESTS} interests.", code="invalid_interest", field="interests")
    return " ".join(tags)


def _retarget(advertiser: Advertiser, retarget: str) -> str:
    if retarget not in {r.value for r in Retarget}:
        raise Invalid(
            "Retargeting is '' (none) or 'shop_engagers'.", code="invalid_retarget", field="retarget"
        )
    if retarget == Retarget.SHOP_ENGAGERS and advertiser.kind is not AdvertiserKind.SHOP:
        raise Invalid(
            "Only a shop's account can reach the people who engaged with its shop.",
            code="retarget_needs_shop",
            field="retarget",
        )
    return retarget


def _frequency_cap(cap: int) -> int:
    if cap not in FREQUENCY_CAP:
        raise Invalid(
            f"A frequency cap is {FREQUENCY_CAP.start} to {FREQUENCY_CAP.stop - 1} viewable impressions per "
            "viewer a day.",
            code="invalid_frequency_cap",
            field="frequency_cap",
        )
    return cap


def _headline(headline: str) -> str:
    text = " ".join(headline.split())
    if not text or len(text) > HEADLINE_MAX:
        raise Invalid(
            f"A headline is 1 to {HEADLINE_MAX} characters.", code="invalid_headline", field="headline"
        )
    return text


def _call_to_action(call_to_action: str) -> str:
    text = " ".join(call_to_action.split())
    if not text or len(text) > CALL_TO_ACTION_MAX:
        raise Invalid(
            f"A call to action is 1 to {CALL_TO_ACTION_MAX} characters (e.g. 'Shop now').",
            code="invalid_call_to_action",
            field="call_to_action",
        )
    return text


def _promotable_video(uow: UnitOfWork, video_id: str) -> PublicVideo:
    video = uow.directory.get(PublicVideo, video_id) if video_id else None
    if video is None:
        raise Invalid(
            "Only a published, public video can be promoted.", code="video_not_public", field="video_id"
        )
    if video.age_restricted or video.unrecommended:
        raise Invalid(
            "A moderator restricted this video: it cannot be promoted.",
            code="video_restricted",
            field="video_id",
        )
    return video


def _check_product(uow: UnitOfWork, advertiser: Advertiser, *, video_id: str, product_id: str | None) -> None:
    if not product_id:
        raise Invalid(
            "A product ad names the product it promotes.", code="product_required", field="product_id"
        )
    product = uow.directory.get(PublicProduct, product_id)
    if product is None:
        raise Invalid(
            "Only a product on sale can be promoted.", code="product_not_public", field="product_id"
        )
    if advertiser.kind is AdvertiserKind.SHOP and product.shop_id != advertiser.shop_id:
        raise Invalid(
            "A shop's account promotes the shop's own products only.",
            code="product_not_yours",
            field="product_id",
        )
    if uow.directory.get(PublicVideoProduct, (video_id, product_id)) is None:
        raise Invalid(
            "A product is promoted through a video that tags it; tag it in the video first.",
            code="product_not_in_video",
            field="video_id",
        )
