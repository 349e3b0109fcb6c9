"""Videos: from a finished upload to a published, playable clip. No HTTP, no commits."""

from __future__ import annotations

import json
import math
import re
from datetime import UTC, datetime, timedelta

from sqlalchemy import delete, select

from clipshop.accounts.models import PublicProfile
from clipshop.errors import Conflict, Invalid, NotFound
from clipshop.jobs.queue import JobQueue
from clipshop.kit.actors import Actor
from clipshop.kit.db import UnitOfWork
from clipshop.kit.ids import new_id, region_of
from clipshop.kit.ports import MediaStore, ProbeResult
from clipshop.media.transcode import Rung, plan_ladder
from clipshop.residency.carving import is_detached
from clipshop.videos.models import (
    PublicVideo,
    PublicVideoTag,
    Rendition,
    RenditionStatus,
    Upload,
    UploadStatus,
    Video,
    VideoStatus,
)
from clipshop.videos.tasks import enqueue_transcode

HASHTAG = re.compile(r"#(\w{1,50})", re.UNICODE)
MAX_CAPTION = 2200
# Time-decayed engagement as one static, indexable number: ln(engagement) + age/TAU, so a video twice as
# engaging ranks like one ln(2)*TAU seconds (about 8 hours) fresher.
TAU_S = 12 * 3600.0
EPOCH = datetime(2024, 1, 1, tzinfo=UTC)


def parse_hashtags(caption: str) -> list[str]:
    seen: dict[str, None] = {}
    for tag in HASHTAG.findall(caption):
        seen.setdefault(tag.lower(), None)
    return list(seen)[:30]


def hot_score(
    *, published_at: datetime, likes: int, comments: int, shares: int, views: int, completes: int
) -> float:
    engagement = 1.0 + likes + 2.0 * comments + 3.0 * shares + 0.5 * completes + 0.05 * views
    return math.log(engagement) + (published_at - EPOCH).total_seconds() / TAU_S


def create_video(
    uow: UnitOfWork,
    *,
    actor: Actor,
    upload_id: str,
    caption: str,
    publish: bool,
    now: datetime,
    jobs: JobQueue,
) -> Video:
    """Turn a finished upload into a video with one queued rendition per rung, transcoded once this is
    committed; idempotent per upload."""
    db = uow.region(actor.region)
    upload = uow.find(Upload, upload_id, region=actor.region)
    if upload is None or upload.owner_id != actor.id:
        raise NotFound("upload", upload_id)
    caption = caption.strip()
    if len(caption) > MAX_CAPTION:
        raise Invalid(f"A caption is at most {MAX_CAPTION} characters.", field="caption")
    existing = db.scalar(select(Video).where(Video.upload_id == upload_id))
    if existing is not None:
        if existing.caption != caption:
            raise Conflict(
                "upload_used",
                "This upload already became a video; edit that video instead.",
                video_id=existing.id,
            )
        return existing
    if upload.status is not UploadStatus.COMPLETE:
        raise Conflict(
            "upload_incomplete",
            f"The upload has {upload.offset} of {upload.length} bytes; finish sending it first.",
        )
    assert upload.duration_s is not None and upload.width is not None and upload.height is not None
    video = Video(
        id=new_id(actor.region),
        owner_id=actor.id,
        upload_id=upload.id,
        status=VideoStatus.PROCESSING,
        caption=caption,
        hashtags=" ".join(parse_hashtags(caption)),
        duration_s=upload.duration_s,
        width=upload.width,
        height=upload.height,
        has_audio=upload.has_audio,
        publish_when_ready=publish,
        created_at=now,
        updated_at=now,
    )
    db.add(video)
    db.flush()  # the renditions below refer to it
    probe = upload_probe(upload)
    for rung, (width, height) in zip(plan := plan_ladder(probe), ladder_sizes(probe, plan), strict=True):
        db.add(
            Rendition(
                video_id=video.id,
                name=rung.name,
                width=width,
                height=height,
                bandwidth=(rung.video_kbps + (rung.audio_kbps if upload.has_audio else 0)) * 1000,
                status=RenditionStatus.QUEUED,
                percent=0.0,
                updated_at=now,
            )
        )
    enqueue_transcode(jobs, uow, video_id=video.id)
    return video


def upload_probe(upload: Upload) -> ProbeResult:
    """The probe facts recorded when the upload finished."""
    if upload.probe_json is None:
        raise Conflict("upload_incomplete", "The upload has not been checked yet; finish sending it first.")
    return ProbeResult(**json.loads(upload.probe_json))


def ladder_sizes(probe: ProbeResult, rungs: list[Rung]) -> list[tuple[int, int]]:
    return [rung.frame_size(width=probe.width, height=probe.height) for rung in rungs]


def get_public_video(uow: UnitOfWork, *, video_id: str) -> PublicVideo:
    """A published video's public copy, or not found (also once it is taken down)."""
    video = uow.directory.get(PublicVideo, video_id)
    if video is None:
        raise NotFound("video", video_id)
    return video


def get_own_video(uow: UnitOfWork, *, actor: Actor, video_id: str) -> Video:
    video = uow.find(Video, video_id, region=actor.region)
    if video is None or video.owner_id != actor.id:
        raise NotFound("video", video_id)
    return video


def renditions_of(uow: UnitOfWork, video: Video) -> list[Rendition]:
    db = uow.region(region_of(video.id))
    return list(
        db.scalars(select(Rendition).where(Rendition.video_id == video.id).order_by(Rendition.height.desc()))
    )


def list_own_videos(uow: UnitOfWork, *, actor: Actor, limit: int = 50) -> list[Video]:
    db = uow.region(actor.region)
    query = select(Video).where(Video.owner_id == actor.id).order_by(Video.created_at.desc()).limit(limit)
    return list(db.scalars(query))


def publish_video(
    uow: UnitOfWork, *, video: Video, stores: dict[str, MediaStore], now: datetime
) -> PublicVideo | None:
    """Make a ready video public: its projection goes into the directory that feeds read (None when its
    region has left this deployment, see `project_video`)."""
    if video.status is not VideoStatus.READY:
        raise Conflict("video_not_ready", "The video is still processing; it is published once it is ready.")
    if video.published_at is None:
        video.published_at = now
    video.publish_when_ready = True
    return project_video(uow, video=video, store=stores[region_of(video.id)])


def project_video(uow: UnitOfWork, *, video: Video, store: MediaStore) -> PublicVideo | None:
    """Write (or rewrite) the public copy of a published video; idempotent. Nothing of a region carved out
    of this deployment is projected again (None)."""
    assert video.published_at is not None and video.master_key is not None
    if is_detached(uow.directory, region_of(video.id)):
        return None
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
    public.master_url = store.url(video.master_key)
    public.poster_url = store.url(video.poster_key) if video.poster_key else None
    public.thumb_url = store.url(video.thumb_key) if video.thumb_key else None
    public.published_at = video.published_at
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


def update_caption(
    uow: UnitOfWork, *, actor: Actor, video_id: str, caption: str, stores: dict[str, MediaStore]
) -> Video:
    video = get_own_video(uow, actor=actor, video_id=video_id)
    if len(caption) > MAX_CAPTION:
        raise Invalid(f"A caption is at most {MAX_CAPTION} characters.", field="caption")
    video.caption = caption.strip()
    video.hashtags = " ".join(parse_hashtags(video.caption))
    if video.published_at is not None:
        project_video(uow, video=video, store=stores[actor.region])
    return video


def lease(video: Video, now: datetime, *, seconds: float = 120) -> None:
    video.lease_until = now + timedelta(seconds=seconds)
