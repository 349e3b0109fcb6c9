""" "Not interested": a viewer tells For You to leave a video out, and the ones near it (the same creator,
the same first hashtag) for a while. The mark is the viewer's row in their region; the same request records
a `not_interested` event, which weighs against the video, its creator and its hashtags in the viewer's
live interests and keeps the pair out of the positives the region's model is trained on."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import delete, select

from clipshop.events import service as events
from clipshop.events.models import EventKind
from clipshop.feed.models import NotInterested
from clipshop.kit.actors import Actor
from clipshop.kit.db import UnitOfWork, insert_ignore
from clipshop.kit.holdings import Held, rows
from clipshop.kit.ids import region_of
from clipshop.videos.service import get_public_video

# How long a mark keeps the videos near the marked one out; the marked video itself stays out for good.
NEAR_DAYS = 30
MAX_MARKS = 2000


@dataclass(frozen=True)
class Marks:
    """What a viewer's marks keep out of For You."""

    videos: frozenset[str] = frozenset()
    creators: frozenset[str] = frozenset()
    topics: frozenset[str] = frozenset()

    def keeps_out(self, video_id: str, creator_id: str, topic: str | None) -> bool:
        return (
            video_id in self.videos
            or creator_id in self.creators
            or (topic is not None and topic in self.topics)
        )


def topic_of(hashtags: str) -> str | None:
    """A video's topic as the feed's blending sees it: its first hashtag."""
    return hashtags.partition(" ")[0] or None


def mark(uow: UnitOfWork, *, actor: Actor, video_id: str, now: datetime) -> bool:
    """Mark a published video "not interested"; True if this changed anything (marking twice is not an
    error, and records one event)."""
    video = get_public_video(uow, video_id=video_id)
    row = {
        "user_id": actor.id,
        "video_id": video.id,
        "creator_id": video.creator_id,
        "topic": topic_of(video.hashtags),
        "created_at": now,
    }
    if not insert_ignore(uow.region(actor.region), NotInterested, row):
        return False
    events.record(
        uow,
        actor=actor,
        kind=EventKind.NOT_INTERESTED,
        now=now,
        video_id=video.id,
        creator_id=video.creator_id,
    )
    return True


def marks_of(uow: UnitOfWork, *, actor: Actor, now: datetime) -> Marks:
    """The viewer's marks: every marked video, and the creators and topics of those marked lately."""
    query = (
        select(
            NotInterested.video_id, NotInterested.creator_id, NotInterested.topic, NotInterested.created_at
        )
        .where(NotInterested.user_id == actor.id)
        .order_by(NotInterested.created_at.desc())
        .limit(MAX_MARKS)
    )
    found = uow.region(actor.region).execute(query).all()
    if not found:
        return Marks()
    recent = [row for row in found if row.created_at >= now - timedelta(days=NEAR_DAYS)]
    return Marks(
        videos=frozenset(row.video_id for row in found),
        creators=frozenset(row.creator_id for row in recent),
        topics=frozenset(row.topic for row in recent if row.topic),
    )


# -- Data rights -------------------------------------------------------------------------------------------


def held_about(uow: UnitOfWork, *, user_id: str) -> Held:
    db = uow.region(region_of(user_id))
    return {"region/not_interested": rows(db, NotInterested, NotInterested.user_id == user_id)}


def erase_user(uow: UnitOfWork, *, user_id: str) -> None:
    uow.region(region_of(user_id)).execute(delete(NotInterested).where(NotInterested.user_id == user_id))
