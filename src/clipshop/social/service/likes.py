"""Likes: one row per viewer and video in the viewer's region, counted there; the creator is told by a job."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import select

from clipshop.events import service as events
from clipshop.events.models import EventKind
from clipshop.jobs.queue import JobQueue
from clipshop.kit.actors import Actor
from clipshop.kit.db import UnitOfWork, insert_ignore
from clipshop.social import notices
from clipshop.social.models import Like
from clipshop.social.notices import LIKE
from clipshop.social.service.counters import bump_video
from clipshop.social.shield import guard_account, shield_of
from clipshop.videos.service import get_public_video


def like(uow: UnitOfWork, *, actor: Actor, video_id: str, now: datetime, jobs: JobQueue) -> bool:
    """Like a video; True if this changed anything (liking twice is not an error). A video of an account
    apart from the actor by a block is not theirs to like (404, or 403 `blocked`), so its creator is never
    told of a like by an account they blocked."""
    video = get_public_video(uow, video_id=video_id)
    guard_account(shield_of(uow, actor), video.creator_id, what="video")
    row = {"user_id": actor.id, "video_id": video_id, "created_at": now}
    if not insert_ignore(uow.region(actor.region), Like, row):
        return False
    bump_video(uow, jobs, actor.region, video_id, now, likes=1)
    events.record(
        uow, actor=actor, kind=EventKind.LIKE, now=now, video_id=video_id, creator_id=video.creator_id
    )
    notices.queue(uow, jobs, kind=LIKE, actor_id=actor.id, subject_id=video_id, now=now)
    return True


def unlike(uow: UnitOfWork, *, actor: Actor, video_id: str, now: datetime, jobs: JobQueue) -> bool:
    get_public_video(uow, video_id=video_id)
    db = uow.region(actor.region)
    existing = db.get(Like, (actor.id, video_id))
    if existing is None:
        return False
    db.delete(existing)
    db.flush()
    bump_video(uow, jobs, actor.region, video_id, now, likes=-1)
    return True


def liked_ids(uow: UnitOfWork, *, actor: Actor, video_ids: Sequence[str]) -> set[str]:
    if not video_ids:
        return set()
    query = select(Like.video_id).where(Like.user_id == actor.id, Like.video_id.in_(video_ids))
    return set(uow.region(actor.region).scalars(query))
