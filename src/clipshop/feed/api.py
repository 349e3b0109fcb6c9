"""Feed routes: For You, Following, a creator's videos, a hashtag's videos, a shop's, one video. Each asks a
feed service (`feed.recommend`, `feed.timelines`) for a page and shapes it; they run no queries."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query

from clipshop.feed import not_interested as marking
from clipshop.feed import recommend, timelines
from clipshop.feed.pages import FeedPage
from clipshop.feed.schemas import CountsRead, FeedItem, FeedPageRead, ProductChip, SponsoredRead, WhyRead
from clipshop.kit.pagination import clamp_limit
from clipshop.platform.http import CommittingRoute, CurrentActor, OptionalActor, PlatformDep, UowDep
from clipshop.videos.models import PublicVideo
from clipshop.videos.schemas import creator_read

router = APIRouter(route_class=CommittingRoute, tags=["feed"])
Limit = Annotated[int | None, Query(description="items per page, 1 to 50")]


def feed_item(page: FeedPage, video: PublicVideo, *, base_url: str) -> FeedItem:
    return FeedItem(
        id=video.id,
        region=video.region,
        creator=creator_read(
            page.profiles.get(video.creator_id), video.creator_id, followed=video.creator_id in page.following
        ),
        caption=video.caption,
        hashtags=video.hashtags.split(),
        duration_s=video.duration_s,
        width=video.width,
        height=video.height,
        master_url=video.master_url,
        poster_url=video.poster_url,
        thumb_url=video.thumb_url,
        published_at=video.published_at,
        counts=CountsRead(
            likes=video.like_count,
            comments=video.comment_count,
            shares=video.share_count,
            views=video.view_count,
        ),
        liked_by_me=video.id in page.liked,
        share_url=f"{base_url.rstrip('/')}/v/{video.id}",
        products=[
            ProductChip(
                id=product.id,
                title=product.title,
                price_min=product.price_min,
                price_max=product.price_max,
                currency=product.currency,
                image_url=product.images[0] if product.images else None,
                in_stock=product.in_stock,
                at_s=tag.at_s,
            )
            for tag, product in page.products.get(video.id, [])
        ],
        why=_why(page, video.id),
        sponsored=_sponsored(page, video.id),
    )


def _why(page: FeedPage, video_id: str) -> WhyRead | None:
    why = page.why.get(video_id)
    return WhyRead(source=why.source, label=why.label, reasons=why.reasons) if why else None


def _sponsored(page: FeedPage, video_id: str) -> SponsoredRead | None:
    placed = page.sponsored.get(video_id)
    if placed is None:
        return None
    ad = placed.ad
    return SponsoredRead(
        ad_id=ad.ad_id,
        served_id=placed.served_id,
        advertiser_name=ad.advertiser_name,
        headline=ad.headline,
        call_to_action=ad.call_to_action,
        label=placed.label,
        reasons=placed.reasons,
        product_id=ad.product_id,
        kind=ad.kind,
    )


def page_read(page: FeedPage, *, base_url: str) -> FeedPageRead:
    return FeedPageRead(
        items=[feed_item(page, video, base_url=base_url) for video in page.videos],
        next_cursor=page.next_cursor,
    )


@router.get("/feed/for-you", response_model=FeedPageRead)
def for_you(
    uow: UowDep, platform: PlatformDep, actor: OptionalActor, cursor: str | None = None, limit: Limit = None
) -> FeedPageRead:
    """Signed in: recommended, each item saying why it was chosen, one in `ads_load` a sponsored item
    (`sponsored` set: who pays, and why it was shown). Signed out: the public hot ranking, without ads."""
    if actor is None:
        page = timelines.for_you(uow, cursor=cursor, limit=clamp_limit(limit))
    else:
        page = recommend.for_you(uow, platform=platform, actor=actor, cursor=cursor, limit=clamp_limit(limit))
    return page_read(page, base_url=platform.settings.base_url)


@router.get("/feed/following", response_model=FeedPageRead)
def following(
    uow: UowDep, platform: PlatformDep, actor: CurrentActor, cursor: str | None = None, limit: Limit = None
) -> FeedPageRead:
    today = platform.clock.now().date()
    page = timelines.following(uow, actor=actor, today=today, cursor=cursor, limit=clamp_limit(limit))
    return page_read(page, base_url=platform.settings.base_url)


@router.get("/users/{handle}/videos", response_model=FeedPageRead)
def creator_videos(
    handle: str,
    uow: UowDep,
    platform: PlatformDep,
    actor: OptionalActor,
    cursor: str | None = None,
    limit: Limit = None,
) -> FeedPageRead:
    page = timelines.creator_videos(
        uow,
        actor=actor,
        today=platform.clock.now().date(),
        handle=handle,
        cursor=cursor,
        limit=clamp_limit(limit),
    )
    return page_read(page, base_url=platform.settings.base_url)


@router.get("/hashtags/{tag}/videos", response_model=FeedPageRead)
def hashtag_videos(
    tag: str,
    uow: UowDep,
    platform: PlatformDep,
    actor: OptionalActor,
    cursor: str | None = None,
    limit: Limit = None,
) -> FeedPageRead:
    page = timelines.hashtag(
        uow, actor=actor, today=platform.clock.now().date(), tag=tag, cursor=cursor, limit=clamp_limit(limit)
    )
    return page_read(page, base_url=platform.settings.base_url)


@router.get("/shops/{shop_id}/videos", response_model=FeedPageRead)
def shop_videos(
    shop_id: str,
    uow: UowDep,
    platform: PlatformDep,
    actor: OptionalActor,
    cursor: str | None = None,
    limit: Limit = None,
) -> FeedPageRead:
    """The clips that sell a shop's products, newest first."""
    page = timelines.shop_videos(
        uow,
        actor=actor,
        today=platform.clock.now().date(),
        shop_id=shop_id,
        cursor=cursor,
        limit=clamp_limit(limit),
    )
    return page_read(page, base_url=platform.settings.base_url)


@router.post("/videos/{video_id}/not-interested", status_code=204)
def not_interested(video_id: str, uow: UowDep, platform: PlatformDep, actor: CurrentActor) -> None:
    """Tell For You you are not interested in this video: it leaves your For You, with the other videos of
    its creator and of its first hashtag for 30 days, and weighs against what it is about."""
    marking.mark(uow, actor=actor, video_id=video_id, now=platform.clock.now())


@router.get("/videos/{video_id}", response_model=FeedItem)
def get_video(video_id: str, uow: UowDep, platform: PlatformDep, actor: OptionalActor) -> FeedItem:
    page = timelines.one_video(uow, actor=actor, today=platform.clock.now().date(), video_id=video_id)
    return feed_item(page, page.videos[0], base_url=platform.settings.base_url)
