"""A creator's own videos: made from a finished upload (one queued rendition per rung), captioned,
listed, leased while transcoding, and who played them."""

from __future__ import annotations

import json
import re
from datetime import datetime, timedelta

from sqlalchemy import select

from clipshop.errors import Conflict, Invalid, NotFound
from clipshop.events import service as events
from clipshop.jobs.queue import JobQueue
from clipshop.kit.actors import Actor, Role
from clipshop.kit.blocklist import Blocklist
from clipshop.kit.db import UnitOfWork
from clipshop.kit.ids import new_id, region_of
from clipshop.kit.ports import MediaStore, ProbeResult
from clipshop.kit.review import HoldReason, ReviewDesk
from clipshop.media.transcode import Rung, plan_ladder
from clipshop.residency import gateway
from clipshop.videos.models import (
    PublicVideo,
    Rendition,
    RenditionStatus,
    Upload,
    UploadStatus,
    Video,
    VideoStatus,
)
from clipshop.videos.service.holds import hold_video
from clipshop.videos.service.publishing import project_video
from clipshop.videos.tasks import enqueue_transcode

HASHTAG = re.compile(r"#(\w{1,50})", re.UNICODE)
MAX_CAPTION = 2200


def parse_hashtags(caption: str) -> list[str]:
    seen: dict[str, None] = {}
    for tag in HASHTAG.findall(caption):
        seen.setdefault(tag.lower(), None)
    return list(seen)[:30]


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


def update_caption(
    uow: UnitOfWork,
    *,
    actor: Actor,
    video_id: str,
    caption: str,
    stores: dict[str, MediaStore],
    blocklist: Blocklist,
    desk: ReviewDesk,
    now: datetime,
) -> Video:
    """Change a video's caption (and hashtags). A caption with a blocked word holds a ready video for review
    at once (out of every public place); one still processing is checked when it is ready."""
    video = get_own_video(uow, actor=actor, video_id=video_id)
    if len(caption) > MAX_CAPTION:
        raise Invalid(f"A caption is at most {MAX_CAPTION} characters.", field="caption")
    video.caption, video.updated_at = caption.strip(), now
    video.hashtags = " ".join(parse_hashtags(video.caption))
    if video.status is VideoStatus.READY and blocklist.found_in(video.caption):
        hold_video(uow, video=video, reason=HoldReason.BLOCKED_WORDS, desk=desk, now=now)
    if video.published_at is not None:
        project_video(uow, video=video, store=stores[actor.region])
    return video


def lease(video: Video, now: datetime, *, seconds: float = 120) -> None:
    video.lease_until = now + timedelta(seconds=seconds)


def audience(uow: UnitOfWork, *, actor: Actor, min_group: int) -> list[events.RegionAudience]:
    """Who played the actor's published videos, per region of the viewers, as totals over at least
    `min_group` people: each region counts its own and is opened to the creator through the gateway."""
    video_ids = list(uow.directory.scalars(select(PublicVideo.id).where(PublicVideo.creator_id == actor.id)))
    found = []
    for region in uow.databases.regions:
        gateway.access(
            uow,
            region,
            data_class="behaviour",
            purpose="aggregate_analytics",
            reason=f"audience of creator {actor.id}",
            role=Role.CREATOR,
        )
        found.append(events.audience(uow, region=region, video_ids=video_ids, min_group=min_group))
    return found
