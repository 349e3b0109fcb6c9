"""Moderation's take-downs of videos: withheld out of every public place with their media refused, given
back by a won appeal, and played by a moderator reviewing them through the residency gateway."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import delete, select

from clipshop.kit.actors import Actor, Role
from clipshop.kit.db import UnitOfWork
from clipshop.kit.ids import region_of
from clipshop.kit.ports import MediaStore
from clipshop.residency import gateway
from clipshop.videos.models import PublicVideo, Video, VideoStatus, WithheldVideo
from clipshop.videos.service.files import gate_files, open_files
from clipshop.videos.service.publishing import project_video, take_public_copy_down


def is_withheld(uow: UnitOfWork, *, video_id: str) -> bool:
    """Whether a moderation decision withheld this video (its media are refused)."""
    return uow.directory.get(WithheldVideo, video_id) is not None


def may_review_withheld(uow: UnitOfWork, *, actor: Actor | None, video_id: str) -> bool:
    """Whether `actor` may play a withheld video to review it (a case, an appeal): moderators of its region's
    jurisdiction and operators, as the gateway decides. Each file they fetch is a decision in the region's
    audit log, and so is a refusal; anyone else is refused without asking."""
    if actor is None or actor.role not in (Role.MODERATOR, Role.OPERATOR):
        return False
    try:
        gateway.access(
            uow,
            region_of(video_id),
            data_class="private_content",
            purpose="moderation",
            records=[video_id],
            reason=f"play withheld video {video_id} for review",
            role=actor.role,
        )
    except gateway.AccessDenied:
        return False
    return True


def withhold_video(
    uow: UnitOfWork, *, video: Video, decision_id: str, store: MediaStore, now: datetime
) -> bool:
    """Take a video out of every public place at once: its public copy and hashtags leave the directory (so
    every feed, search, profile, hashtag and shop page skips it), its creator's counts drop by it, and its
    media are refused from now on (concealed in `store`, its region's). False when another decision already
    withholds it. `video` must come through the residency gateway when its region is not the unit of work's
    home."""
    if video.withheld_by is not None:
        return False
    # A hold for review ends here: the decision governs the video now (and giving it back publishes it).
    video.withheld_by, video.held_for, video.updated_at = decision_id, None, now
    region = region_of(video.id)
    take_public_copy_down(uow, video=video)
    if uow.directory.get(WithheldVideo, video.id) is None:
        uow.directory.add(WithheldVideo(video_id=video.id, region=region, decision_id=decision_id, since=now))
    gate_files(uow, video=video, store=store, why="withheld")
    return True


def release_video(
    uow: UnitOfWork, *, video: Video, decision_id: str, store: MediaStore, now: datetime
) -> PublicVideo | None:
    """Give back a video `decision_id` withheld (a won appeal): its media are served again and, if it was
    published (or held for review before it could be, its creator asking for it), its public copy returns
    (its counters are the caller's to re-sum)."""
    if video.withheld_by != decision_id:
        return None
    video.withheld_by, video.updated_at = None, now
    uow.directory.execute(delete(WithheldVideo).where(WithheldVideo.video_id == video.id))
    open_files(uow, video=video, store=store)
    if video.status is not VideoStatus.READY or video.master_key is None:
        return None
    if video.published_at is None:
        if not video.publish_when_ready:
            return None
        video.published_at = now  # a held upload's take-down overturned: it is published only now
    uow.directory.flush()
    return project_video(uow, video=video, store=store)


def videos_withheld_by(uow: UnitOfWork, *, region: str, decision_id: str) -> list[Video]:
    query = select(Video).where(Video.withheld_by == decision_id).order_by(Video.id)
    return list(uow.region(region).scalars(query))


def published_videos_of(uow: UnitOfWork, *, user_id: str) -> list[Video]:
    """Every published video of `user_id`, withheld or not."""
    query = select(Video).where(Video.owner_id == user_id, Video.published_at.is_not(None)).order_by(Video.id)
    return list(uow.region(region_of(user_id)).scalars(query))
