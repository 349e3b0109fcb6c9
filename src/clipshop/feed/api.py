"""Feed routes: For You, Following, a creator's videos, a hashtag's videos, one video."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query

from clipshop.accounts.service import get_profile
from clipshop.feed import recommend, service
from clipshop.feed.schemas import CountsRead, FeedItem, FeedPageRead, ProductChip, WhyRead
from clipshop.feed.service import FeedPage
from clipshop.kit.db import UnitOfWork
from clipshop.kit.pagination import clamp_limit
from clipshop.platform import Platform
from clipshop.platform.http import CommittingRoute, CurrentActor, OptionalActor, PlatformDep, UowDep
from clipshop.shop import catalog
from clipshop.social import service as social
from clipshop.videos.models import PublicVideo
from clipshop.videos.schemas import creator_read

router = APIRouter(route_class=CommittingRoute, tags=["feed"])
Limit = Annotated[int | None, Query(description="items per page, 1 to 50")]


def feed_item(platform: Platform, page: FeedPage, video: PublicVideo, chips: list[ProductChip]) -> FeedItem:
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
        share_url=f"{platform.settings.base_url.rstrip('/')}/v/{video.id}",
        products=chips,
        why=_why(page, video.id),
    )


def _why(page: FeedPage, video_id: str) -> WhyRead | None:
    why = page.why.get(video_id)
    return WhyRead(source=why.source, label=why.label, reasons=why.reasons) if why else None


def product_chips(uow: UnitOfWork, video_ids: list[str]) -> dict[str, list[ProductChip]]:
    """The products tagged in each video, in one query for the whole page."""
    return {
        video_id: [
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
            for tag, product in tagged
        ]
        for video_id, tagged in catalog.video_products(uow, video_ids).items()
    }


def page_read(uow: UnitOfWork, platform: Platform, page: FeedPage) -> FeedPageRead:
    chips = product_chips(uow, [v.id for v in page.videos])
    return FeedPageRead(
        items=[feed_item(platform, page, v, chips.get(v.id, [])) for v in page.videos],
        next_cursor=page.next_cursor,
    )


@router.get("/feed/for-you", response_model=FeedPageRead)
def for_you(
    uow: UowDep, platform: PlatformDep, actor: OptionalActor, cursor: str | None = None, limit: Limit = None
) -> FeedPageRead:
    """Signed in: recommended, each item saying why it was chosen. Signed out: the public hot ranking."""
    if actor is None:
        page = service.for_you(uow, cursor=cursor, limit=clamp_limit(limit))
    else:
        page = recommend.for_you(uow, platform=platform, actor=actor, cursor=cursor, limit=clamp_limit(limit))
    return page_read(uow, platform, page)


@router.get("/feed/following", response_model=FeedPageRead)
def following(
    uow: UowDep, platform: PlatformDep, actor: CurrentActor, cursor: str | None = None, limit: Limit = None
) -> FeedPageRead:
    return page_read(
        uow, platform, service.following(uow, actor=actor, cursor=cursor, limit=clamp_limit(limit))
    )


@router.get("/users/{handle}/videos", response_model=FeedPageRead)
def creator_videos(
    handle: str,
    uow: UowDep,
    platform: PlatformDep,
    actor: OptionalActor,
    cursor: str | None = None,
    limit: Limit = None,
) -> FeedPageRead:
    profile = get_profile(uow, handle=handle)
    page = service.creator_videos(
        uow, actor=actor, creator_id=profile.user_id, cursor=cursor, limit=clamp_limit(limit)
    )
    return page_read(uow, platform, page)


@router.get("/hashtags/{tag}/videos", response_model=FeedPageRead)
def hashtag_videos(
    tag: str,
    uow: UowDep,
    platform: PlatformDep,
    actor: OptionalActor,
    cursor: str | None = None,
    limit: Limit = None,
) -> FeedPageRead:
    return page_read(
        uow, platform, service.hashtag(uow, actor=actor, tag=tag, cursor=cursor, limit=clamp_limit(limit))
    )


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
    page = service.shop_videos(uow, actor=actor, shop_id=shop_id, cursor=cursor, limit=clamp_limit(limit))
    return page_read(uow, platform, page)


@router.get("/videos/{video_id}", response_model=FeedItem)
def get_video(video_id: str, uow: UowDep, platform: PlatformDep, actor: OptionalActor) -> FeedItem:
    video = social.public_video(uow, video_id)
    page = service.single(uow, actor=actor, video=video)
    return feed_item(platform, page, video, product_chips(uow, [video.id]).get(video.id, []))
