"""Shares: a row in the sharer's region and a count; the answer is the link to share."""

from __future__ import annotations

from datetime import datetime

from clipshop.errors import Invalid
from clipshop.events import service as events
from clipshop.events.models import EventKind
from clipshop.jobs.queue import JobQueue
from clipshop.kit.actors import Actor
from clipshop.kit.db import UnitOfWork
from clipshop.kit.ids import new_id
from clipshop.social.models import Share
from clipshop.social.service.counters import bump_video
from clipshop.videos.service import get_public_video


def share(
    uow: UnitOfWork,
    *,
    actor: Actor,
    video_id: str,
    channel: str,
    base_url: str,
    now: datetime,
    jobs: JobQueue,
) -> str:
    video = get_public_video(uow, video_id=video_id)
    if not channel.isidentifier() or len(channel) > 30:
        raise Invalid("channel is a short word such as link, message or copy.", field="channel")
    uow.region(actor.region).add(
        Share(id=new_id(actor.region), user_id=actor.id, video_id=video_id, channel=channel, created_at=now)
    )
    bump_video(uow, jobs, actor.region, video_id, now, shares=1)
    events.record(
        uow, actor=actor, kind=EventKind.SHARE, now=now, video_id=video_id, creator_id=video.creator_id
    )
    return f"{base_url.rstrip('/')}/v/{video_id}"
