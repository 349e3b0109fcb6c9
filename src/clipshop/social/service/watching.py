"""Player events and watch history: a batch of events costs a lookup, then one history upsert and one
counter bump per video touched."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from clipshop.errors import Invalid, NotFound
from clipshop.events import service as events
from clipshop.events.models import PLAYER_KINDS, EventKind, Source
from clipshop.jobs.queue import JobQueue
from clipshop.kit.actors import Actor
from clipshop.kit.db import UnitOfWork, dialect_insert
from clipshop.social.models import WatchHistory
from clipshop.social.service.counters import bump_video
from clipshop.videos.models import PublicVideo

WATCH_KINDS = tuple(str(kind) for kind in PLAYER_KINDS)
SOURCES = tuple(str(source) for source in Source)


@dataclass(frozen=True)
class Watch:
    """One player event: what happened to which video, with the seconds watched so far, and where the
    player was (a `Source` value, None when not known)."""

    video_id: str
    kind: str
    watched_s: float
    source: str | None = None


def record_watch(
    uow: UnitOfWork,
    *,
    actor: Actor,
    video_id: str,
    kind: str,
    watched_s: float,
    now: datetime,
    jobs: JobQueue,
) -> None:
    """Store one watch event (see `record_watches`); a video that is gone raises NotFound."""
    if record_watches(uow, actor=actor, watches=[Watch(video_id, kind, watched_s)], now=now, jobs=jobs):
        raise NotFound("video", video_id)


def record_watches(
    uow: UnitOfWork, *, actor: Actor, watches: Sequence[Watch], now: datetime, jobs: JobQueue
) -> list[str]:
    """Store a player's batch of events in the viewer's region and keep their watch history current, at a
    cost per video rather than per event: one lookup for the batch, then per video touched one history
    upsert and one counter bump. Returns the ids of videos that are gone (their events are dropped)."""
    for watch in watches:
        if watch.kind not in WATCH_KINDS:
            raise Invalid(f"kind is one of {', '.join(WATCH_KINDS)}.", field="kind")
        if watch.source is not None and watch.source not in SOURCES:
            raise Invalid(f"source is one of {', '.join(SOURCES)}.", field="source")
    ids = sorted({w.video_id for w in watches})
    found = {v.id: v for v in uow.directory.scalars(select(PublicVideo).where(PublicVideo.id.in_(ids)))}
    kept = [w for w in watches if w.video_id in found]
    for watch in kept:
        if not 0 <= watch.watched_s <= max(found[watch.video_id].duration_s, 1.0) * 20:
            raise Invalid("watched_s is the number of seconds watched so far.", field="watched_s")
    db = uow.region(actor.region)
    for watch in kept:
        events.record(
            uow,
            actor=actor,
            kind=EventKind(watch.kind),
            now=now,
            video_id=watch.video_id,
            creator_id=found[watch.video_id].creator_id,
            value=watch.watched_s,
            source=watch.source,
        )
    for video_id in sorted({w.video_id for w in kept}):
        mine = [w for w in kept if w.video_id == video_id and w.kind != EventKind.IMPRESSION]
        if not mine:
            continue
        plays = sum(w.kind == EventKind.PLAY for w in mine)
        completes = sum(w.kind == EventKind.COMPLETE for w in mine)
        watched = max(w.watched_s for w in mine)
        upsert_watch(db, user_id=actor.id, video_id=video_id, watched_s=watched, completes=completes, now=now)
        if plays or completes:
            bump_video(uow, jobs, actor.region, video_id, now, views=plays, completes=completes)
    return [w.video_id for w in watches if w.video_id not in found]


def upsert_watch(
    db: Session, *, user_id: str, video_id: str, watched_s: float, completes: int, now: datetime
) -> None:
    """Keep one history row per viewer and video, concurrent-safe."""
    values = {
        "user_id": user_id,
        "video_id": video_id,
        "watched_s": watched_s,
        "completes": completes,
        "last_at": now,
    }
    insert = dialect_insert(db, WatchHistory).values(**values)
    db.execute(
        insert.on_conflict_do_update(
            index_elements=["user_id", "video_id"],
            set_={
                "watched_s": func.max(WatchHistory.watched_s, watched_s)
                if db.get_bind().dialect.name == "sqlite"
                else func.greatest(WatchHistory.watched_s, watched_s),
                "completes": WatchHistory.completes + completes,
                "last_at": now,
            },
        )
    )
