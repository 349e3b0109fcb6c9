"""A video's public copy in the directory, which feeds every read: written when the video is published,
rewritten when it changes, taken down when a decision or a hold takes the video out of public places."""

from __future__ import annotations

import math
from datetime import UTC, datetime

from sqlalchemy import delete

from clipshop.accounts.models import PublicProfile
from clipshop.errors import Conflict
from clipshop.kit.db import UnitOfWork
from clipshop.kit.ids import region_of
from clipshop.kit.ports import MediaStore
from clipshop.residency.carving import is_detached
from clipshop.videos.models import PublicVideo, PublicVideoTag, Video, VideoStatus, WithheldVideo
from clipshop.videos.service.files import media_url

# Time-decayed engagement as one static, indexable number: ln(engagement) + age/TAU, so a video twice as
# engaging ranks like one ln(2)*TAU seconds (about 8 hours) fresher.
TAU_S = 12 * 3600.0
EPOCH = datetime(2024, 1, 1, tzinfo=UTC)


def hot_score(
    *, published_at: datetime, likes: int, comments: int, shares: int, views: int, completes: int
) -> float:
    engagement = 1.0 + likes + 2.0 * comments + 3.0 * shares + 0.5 * completes + 0.05 * views
    return math.log(engagement) + (published_at - EPOCH).total_seconds() / TAU_S


def publish_video(
    uow: UnitOfWork, *, video: Video, stores: dict[str, MediaStore], now: datetime
) -> PublicVideo | None:
    """Make a ready video public: its projection goes into the directory that feeds read (None when its
    region has left this deployment, see `project_video`)."""
    if video.status is not VideoStatus.READY:
        raise Conflict("video_not_ready", "The video is still processing; it is published once it is ready.")
    if video.held_for is not None:
        raise Conflict(
            "video_held",
            "The video is held for a moderator's review; it is published if the review releases it.",
            held_for=video.held_for,
        )
    if video.published_at is None:
        video.published_at = now
    video.publish_when_ready, video.updated_at = True, now
    return project_video(uow, video=video, store=stores[region_of(video.id)])


def project_video(uow: UnitOfWork, *, video: Video, store: MediaStore) -> PublicVideo | None:
    """Write (or rewrite) the public copy of a published video; idempotent. Nothing of a region carved out
    of this deployment is projected again (None)."""
    assert video.published_at is not None and video.master_key is not None
    if is_detached(uow.directory, region_of(video.id)):
        return None
    if video.withheld_by is not None or uow.directory.get(WithheldVideo, video.id) is not None:
        return None  # a moderation decision took it out; only giving it back (`release_video`) projects it
    if video.held_for is not None:
        return None  # held for review; only a moderator's release (`release_hold`) projects it
    public = uow.directory.get(PublicVideo, video.id)
    if public is None:
        profile = uow.directory.get(PublicProfile, video.owner_id)
        if profile is not None:
            profile.video_count = PublicProfile.video_count + 1
        public = PublicVideo(
            id=video.id,
            region=region_of(video.id),
            creator_id=video.owner_id,
            like_count=0,
            comment_count=0,
            share_count=0,
            view_count=0,
            complete_count=0,
        )
        uow.directory.add(public)
    public.caption, public.hashtags = video.caption, video.hashtags
    public.duration_s, public.width, public.height = video.duration_s, video.width, video.height
    public.master_url = media_url(store, video, video.master_key)
    public.poster_url = media_url(store, video, video.poster_key) if video.poster_key else None
    public.thumb_url = media_url(store, video, video.thumb_key) if video.thumb_key else None
    public.published_at = video.published_at
    public.age_restricted = video.age_restricted_by is not None
    public.unrecommended = video.unrecommended_by is not None
    public.hot_score = hot_score(
        published_at=video.published_at,
        likes=public.like_count,
        comments=public.comment_count,
        shares=public.share_count,
        views=public.view_count,
        completes=public.complete_count,
    )
    uow.directory.flush()
    uow.directory.execute(delete(PublicVideoTag).where(PublicVideoTag.video_id == video.id))
    for tag in video.hashtag_list:
        uow.directory.add(PublicVideoTag(tag=tag, video_id=video.id, published_at=video.published_at))
    return public


def take_public_copy_down(uow: UnitOfWork, *, video: Video) -> None:
    """Remove a video's public copy and hashtags from the directory, and its weight from its creator's
    counts (nothing if it has none)."""
    public = uow.directory.get(PublicVideo, video.id)
    if public is None:
        return
    profile = uow.directory.get(PublicProfile, video.owner_id)
    if profile is not None:
        profile.video_count = max(0, profile.video_count - 1)
        profile.like_count = max(0, profile.like_count - public.like_count)
    uow.directory.execute(delete(PublicVideoTag).where(PublicVideoTag.video_id == video.id))
    uow.directory.delete(public)
