"""What a campaign, an ad group and an ad may hold: each check refuses a bad value with a stable code
or returns it as stored."""

from __future__ import annotations

import re
from collections.abc import Iterable
from datetime import datetime

from clipshop.ads.models import (
    Advertiser,
    AdvertiserKind,
    BidType,
    Campaign,
    Objective,
    Retarget,
)
from clipshop.config import Settings
from clipshop.errors import Conflict, Invalid
from clipshop.kit.db import UnitOfWork
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


# -- checks ------------------------------------------------------------------------------------------------


def room(count: int | None, limit: int, what: str) -> None:
    if (count or 0) >= limit:
        raise Conflict(
            f"too_many_{what.replace(' ', '_')}", f"At most {limit} {what} here; remove some first."
        )


def name(name: str) -> str:
    name = name.strip()
    if not name or len(name) > NAME_MAX:
        raise Invalid(f"A name is 1 to {NAME_MAX} characters.", code="invalid_name", field="name")
    return name


def check_budgets(settings: Settings, daily: int, lifetime: int | None) -> None:
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


def check_schedule(starts: datetime, ends: datetime | None, now: datetime) -> None:
    if ends is None:
        return
    if ends <= starts:
        raise Invalid("A campaign ends after it starts.", code="ends_before_starts", field="ends_at")
    if ends <= now:
        raise Invalid("A campaign's end is in the future.", code="ends_in_past", field="ends_at")


def check_bid(settings: Settings, campaign: Campaign, bid_type: BidType, bid: int) -> None:
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


def regions(settings: Settings, regions: Iterable[str]) -> str:
    wanted = sorted({region.strip().lower() for region in regions if region.strip()})
    unknown = [region for region in wanted if region not in settings.regions]
    if unknown:
        raise Invalid(
            f"No region {', '.join(unknown)} here; regions are {', '.join(sorted(settings.regions))}.",
            code="unknown_region",
            field="regions",
        )
    return " ".join(wanted)


def interests(interests: Iterable[str]) -> str:
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


def retarget(advertiser: Advertiser, retarget: str) -> str:
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


def frequency_cap(cap: int) -> int:
    if cap not in FREQUENCY_CAP:
        raise Invalid(
            f"A frequency cap is {FREQUENCY_CAP.start} to {FREQUENCY_CAP.stop - 1} viewable impressions per "
            "viewer a day.",
            code="invalid_frequency_cap",
            field="frequency_cap",
        )
    return cap


def headline(headline: str) -> str:
    text = " ".join(headline.split())
    if not text or len(text) > HEADLINE_MAX:
        raise Invalid(
            f"A headline is 1 to {HEADLINE_MAX} characters.", code="invalid_headline", field="headline"
        )
    return text


def call_to_action(call_to_action: str) -> str:
    text = " ".join(call_to_action.split())
    if not text or len(text) > CALL_TO_ACTION_MAX:
        raise Invalid(
            f"A call to action is 1 to {CALL_TO_ACTION_MAX} characters (e.g. 'Shop now').",
            code="invalid_call_to_action",
            field="call_to_action",
        )
    return text


def promotable_video(uow: UnitOfWork, video_id: str) -> PublicVideo:
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


def check_product(uow: UnitOfWork, advertiser: Advertiser, *, video_id: str, product_id: str | None) -> None:
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
