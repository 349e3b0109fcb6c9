"""The directory's public copies of a region's videos, healed from the region (run by `clipshop.healing`)."""

from __future__ import annotations

from collections import Counter

from sqlalchemy import func, select

from clipshop.accounts.models import PublicProfile
from clipshop.kit.db import UnitOfWork
from clipshop.kit.ids import region_of
from clipshop.kit.ports import MediaStore
from clipshop.kit.watermarks import Window, in_batches
from clipshop.videos.models import PublicVideo, PublicVideoTag, Video, VideoStatus
from clipshop.videos.service.files import media_url
from clipshop.videos.service.publishing import project_video


def _public_copy_is_current(
    public: PublicVideo | None, tags: set[str], *, video: Video, store: MediaStore
) -> bool:
    """Whether a published video's public copy (and its hashtags) says what `project_video` would write."""
    if public is None or tags != set(video.hashtag_list):
        return False
    assert video.master_key is not None
    expected = {
        "region": region_of(video.id),
        "creator_id": video.owner_id,
        "caption": video.caption,
        "hashtags": video.hashtags,
        "duration_s": video.duration_s,
        "width": video.width,
        "height": video.height,
        "master_url": media_url(store, video, video.master_key),
        "poster_url": media_url(store, video, video.poster_key) if video.poster_key else None,
        "thumb_url": media_url(store, video, video.thumb_key) if video.thumb_key else None,
        "published_at": video.published_at,
        "age_restricted": video.age_restricted_by is not None,
        "unrecommended": video.unrecommended_by is not None,
    }
    return all(getattr(public, name) == value for name, value in expected.items())


def heal_projections(uow: UnitOfWork, *, region: str, window: Window, store: MediaStore) -> dict[str, int]:
    """Rebuild the public copies the directory lacks, or has stale, of the videos of `region` published and
    written in `window` (a publish whose process died before its directory commit); the creators' video
    counts are recounted where a copy was added. Returns how many rows of each it fixed."""
    fixed: Counter[str] = Counter()
    creators: set[str] = set()
    query = select(Video).where(
        Video.published_at.is_not(None),
        Video.status == VideoStatus.READY,
        Video.withheld_by.is_(None),
        Video.held_for.is_(None),
        window.holds(Video.updated_at),
    )
    for videos in in_batches(uow.region(region), query, key=Video.id):
        ids = [video.id for video in videos]
        public = {v.id: v for v in uow.directory.scalars(select(PublicVideo).where(PublicVideo.id.in_(ids)))}
        tags: dict[str, set[str]] = {}
        for tag, video_id in uow.directory.execute(
            select(PublicVideoTag.tag, PublicVideoTag.video_id).where(PublicVideoTag.video_id.in_(ids))
        ):
            tags.setdefault(video_id, set()).add(tag)
        for video in videos:
            copy = public.get(video.id)
            if _public_copy_is_current(copy, tags.get(video.id, set()), video=video, store=store):
                continue
            project_video(uow, video=video, store=store)
            fixed["public videos"] += 1
            if copy is None:
                creators.add(video.owner_id)
    uow.directory.flush()
    for creator_id in sorted(creators):
        profile = uow.directory.get(PublicProfile, creator_id)
        count = uow.directory.scalar(
            select(func.count()).select_from(PublicVideo).where(PublicVideo.creator_id == creator_id)
        )
        if profile is not None and profile.video_count != count:
            profile.video_count = int(count or 0)
            fixed["public profiles' video counts"] += 1
    return dict(fixed)
