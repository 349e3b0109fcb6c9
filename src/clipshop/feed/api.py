"""Feed routes: For You, Following, a creator's videos, a hashtag's videos, one video."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query

from clipshop.accounts.api import get_profile_by_handle
from clipshop.feed import service
from clipshop.feed.service import FeedPage
from clipshop.kit.pagination import clamp_limit
from clipshop.kit.web import CommittingRoute, CurrentActor, OptionalActor, PlatformDep, UowDep
from clipshop.platform import Platform
from clipshop.social import service as social
from clipshop.social.api import creator_read
from clipshop.videos.models import PublicVideo
from clipshop.videos.schemas import CountsRead, FeedItem, FeedPageRead

router = APIRouter(route_class=CommittingRoute, tags=["feed"])
Limit = Annotated[int | None, Query(description="items per page, 1 to 50")]


def feed_item(platform: Platform, page: FeedPage, video: PublicVideo) -> FeedItem:
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
    )


def page_read(platform: Platform, page: FeedPage) -> FeedPageRead:
    return FeedPageRead(
        items=[feed_item(platform, page, v) for v in page.videos], next_cursor=page.next_cursor
    )


@router.get("/feed/for-you", response_model=FeedPageRead)
def for_you(
    uow: UowDep, platform: PlatformDep, actor: OptionalActor, cursor: str | None = None, limit: Limit = None
) -> FeedPageRead:
    return page_read(platform, service.for_you(uow, actor=actor, cursor=cursor, limit=clamp_limit(limit)))


@router.get("/feed/following", response_model=FeedPageRead)
def following(
    uow: UowDep, platform: PlatformDep, actor: CurrentActor, cursor: str | None = None, limit: Limit = None
) -> FeedPageRead:
    return page_read(platform, service.following(uow, actor=actor, cursor=cursor, limit=clamp_limit(limit)))


@router.get("/users/{handle}/videos", response_model=FeedPageRead)
def creator_videos(
    handle: str,
    uow: UowDep,
    platform: PlatformDep,
    actor: OptionalActor,
    cursor: str | None = None,
    limit: Limit = None,
) -> FeedPageRead:
    profile = get_profile_by_handle(uow, handle)
    page = service.creator_videos(
        uow, actor=actor, creator_id=profile.user_id, cursor=cursor, limit=clamp_limit(limit)
    )
    return page_read(platform, page)


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
        platform, service.hashtag(uow, actor=actor, tag=tag, cursor=cursor, limit=clamp_limit(limit))
    )


@router.get("/videos/{video_id}", response_model=FeedItem)
def get_video(video_id: str, uow: UowDep, platform: PlatformDep, actor: OptionalActor) -> FeedItem:
    video = social.public_video(uow, video_id)
    page = service.single(uow, actor=actor, video=video)
    return feed_item(platform, page, video)
