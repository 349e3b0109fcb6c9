"""Engagement events, the recommender's raw material: one append-only table per region.

Every event is written in the viewer's home region, in the transaction of the action it records (a like,
a follow, a purchase) or in one batch per player flush (impressions, plays, progress, completes), so the
request path pays one row per event and nothing else. Training reads a window of these rows; the feed
reads a viewer's latest ones to follow their interests within seconds. The served log beside them keeps
the features each feed item was ranked on, so the ranker learns from exactly what it saw.
"""

from __future__ import annotations

import enum
from collections.abc import Sequence
from datetime import datetime
from typing import NamedTuple

from sqlalchemy import JSON, Float, ForeignKey, Index, Integer, String, bindparam, delete, insert, select
from sqlalchemy.orm import Mapped, mapped_column

from clipshop.accounts.service import Actor
from clipshop.kit.db import RegionBase, UnitOfWork, UTCDateTime
from clipshop.kit.ids import new_id


class EventKind(enum.StrEnum):
    IMPRESSION = "impression"
    PLAY = "play"
    PROGRESS = "progress"
    COMPLETE = "complete"
    LIKE = "like"
    COMMENT = "comment"
    SHARE = "share"
    FOLLOW = "follow"
    PRODUCT_OPEN = "product_open"
    ADD_TO_CART = "add_to_cart"
    PURCHASE = "purchase"


PLAYER_KINDS = (EventKind.IMPRESSION, EventKind.PLAY, EventKind.PROGRESS, EventKind.COMPLETE)

# How much one event says about a viewer's interest in the video it concerns (training and short-term
# interests). A bare impression says nothing; a purchase says the most.
INTEREST_WEIGHTS: dict[str, float] = {
    EventKind.IMPRESSION: 0.0,
    EventKind.PLAY: 0.5,
    EventKind.PROGRESS: 0.5,
    EventKind.COMPLETE: 1.0,
    EventKind.LIKE: 2.0,
    EventKind.COMMENT: 2.0,
    EventKind.SHARE: 3.0,
    EventKind.FOLLOW: 2.0,
    EventKind.PRODUCT_OPEN: 2.0,
    EventKind.ADD_TO_CART: 3.0,
    EventKind.PURCHASE: 5.0,
}


class Event(RegionBase):
    """One thing a viewer did: to a video, a product (with the video it was opened from) or a creator."""

    __tablename__ = "events"
    __table_args__ = (
        # Holds every column `recent` reads, so a viewer's latest events sit on a few neighbouring pages.
        Index(
            "ix_events_user_recent",
            "user_id",
            "created_at",
            "kind",
            "video_id",
            "product_id",
            "creator_id",
            "value",
        ),
        Index("ix_events_time", "created_at"),
    )

    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    user_id: Mapped[str] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(16))
    video_id: Mapped[str | None] = mapped_column(String(40), default=None, index=True)
    product_id: Mapped[str | None] = mapped_column(String(40), default=None)
    creator_id: Mapped[str | None] = mapped_column(String(40), default=None)
    value: Mapped[float] = mapped_column(Float, default=0.0)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)


class Served(RegionBase):
    """One For You item as it was served: where it came from and the features it was ranked on."""

    __tablename__ = "served_items"
    __table_args__ = (
        Index("ix_served_user_time", "user_id", "created_at"),
        Index("ix_served_time", "created_at"),
    )

    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    user_id: Mapped[str] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    video_id: Mapped[str] = mapped_column(String(40))
    session: Mapped[str] = mapped_column(String(40))
    position: Mapped[int] = mapped_column(Integer)
    source: Mapped[str] = mapped_column(String(24))
    features: Mapped[list[float]] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)


def record(
    uow: UnitOfWork,
    *,
    actor: Actor,
    kind: EventKind,
    now: datetime,
    video_id: str | None = None,
    product_id: str | None = None,
    creator_id: str | None = None,
    value: float = 0.0,
) -> None:
    """Add one event to the viewer's region in the current transaction."""
    uow.region(actor.region).add(
        Event(
            id=new_id(actor.region),
            user_id=actor.id,
            kind=str(kind),
            video_id=video_id,
            product_id=product_id,
            creator_id=creator_id,
            value=float(value),
            created_at=now,
        )
    )


class RecentEvent(NamedTuple):
    kind: str
    video_id: str | None
    product_id: str | None
    creator_id: str | None
    value: float
    at: datetime


# Built once and run on the session's connection: the feed asks these on every request, and plain rows
# need none of the ORM's per-statement work.
_RECENT = (
    select(Event.kind, Event.video_id, Event.product_id, Event.creator_id, Event.value, Event.created_at)
    .where(Event.user_id == bindparam("user"), Event.kind != EventKind.IMPRESSION.value)
    .order_by(Event.created_at.desc())
    .limit(bindparam("limit"))
)
_SERVED = select(Served.video_id).where(
    Served.user_id == bindparam("user"),
    Served.created_at >= bindparam("since"),
    Served.session == bindparam("session"),
)


_LOG_SERVED = insert(Served)


def recent(uow: UnitOfWork, *, actor: Actor, limit: int = 300) -> list[RecentEvent]:
    """The viewer's latest events, newest first (one range of one index in their region, which holds every
    column read here)."""
    rows = uow.region(actor.region).connection().execute(_RECENT, {"user": actor.id, "limit": limit})
    return [RecentEvent._make(row) for row in rows]


def served_in_session(uow: UnitOfWork, *, actor: Actor, session: str, since: datetime) -> set[str]:
    """Videos already served in this scrolling session (a page never repeats an earlier one)."""
    parameters = {"user": actor.id, "since": since, "session": session}
    return set(uow.region(actor.region).connection().execute(_SERVED, parameters).scalars())


def log_served(
    uow: UnitOfWork,
    *,
    actor: Actor,
    session: str,
    items: Sequence[tuple[str, str, list[float]]],
    first_position: int,
    now: datetime,
) -> None:
    """Record a page as served: (video id, source, features) per item, in page order. Written at once, in
    one statement (no ORM objects to flush): the caller logs last, after its reads of the region."""
    if not items:
        return
    rows = [
        {
            "id": new_id(actor.region),
            "user_id": actor.id,
            "video_id": video_id,
            "session": session,
            "position": first_position + offset,
            "source": source,
            "features": [round(float(x), 5) for x in features],
            "created_at": now,
        }
        for offset, (video_id, source, features) in enumerate(items)
    ]
    uow.region(actor.region).connection().execute(_LOG_SERVED, rows)


PRUNE_BATCH = 5000


def prune(uow: UnitOfWork, *, region: str, before: datetime, batch: int = PRUNE_BATCH) -> int:
    """Delete up to `batch` events and `batch` served items created before `before`, oldest first, in the
    current transaction; returns how many rows went. The caller commits a batch at a time, so a region's
    write lock (SQLite) is never held for long, and calls again while rows go."""
    db = uow.region(region)
    gone = 0
    for table in (Event, Served):
        oldest = select(table.id).where(table.created_at < before).order_by(table.created_at).limit(batch)
        ids = list(db.scalars(oldest))
        if ids:
            db.execute(delete(table).where(table.id.in_(ids)))
            gone += len(ids)
    return gone
