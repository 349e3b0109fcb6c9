"""Recording a viewer's events and reading their latest ones. Plain functions over a unit of work."""

from __future__ import annotations

from datetime import datetime
from typing import NamedTuple

from sqlalchemy import bindparam, delete, func, select

from clipshop.events.models import Event, EventKind
from clipshop.kit.actors import Actor
from clipshop.kit.db import UnitOfWork
from clipshop.kit.holdings import Held, rows
from clipshop.kit.ids import new_id, region_of


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
    source: str | None = None,
) -> None:
    """Add one event to the viewer's region in the current transaction; `source` (a `Source` value) says
    where the player was, when it is known."""
    uow.region(actor.region).add(
        Event(
            id=new_id(actor.region),
            user_id=actor.id,
            kind=str(kind),
            video_id=video_id,
            product_id=product_id,
            creator_id=creator_id,
            value=float(value),
            source=source,
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


def recent(uow: UnitOfWork, *, actor: Actor, limit: int = 300) -> list[RecentEvent]:
    """The viewer's latest events, newest first (one range of one index in their region, which holds every
    column read here)."""
    rows = uow.region(actor.region).connection().execute(_RECENT, {"user": actor.id, "limit": limit})
    return [RecentEvent._make(row) for row in rows]


def prune(uow: UnitOfWork, *, region: str, before: datetime, batch: int) -> int:
    """Delete up to `batch` events created before `before`, oldest first, in the current transaction;
    returns how many went. The caller commits a batch at a time, so a region's write lock (SQLite) is never
    held for long, and calls again while rows go."""
    db = uow.region(region)
    oldest = select(Event.id).where(Event.created_at < before).order_by(Event.created_at).limit(batch)
    ids = list(db.scalars(oldest))
    if ids:
        db.execute(delete(Event).where(Event.id.in_(ids)))
    return len(ids)


class RegionAudience(NamedTuple):
    region: str
    viewers: int | None  # distinct people who played; None when suppressed
    plays: int | None
    suppressed: bool


def audience(uow: UnitOfWork, *, region: str, video_ids: list[str], min_group: int) -> RegionAudience:
    """Who in `region` played these videos, as totals over at least `min_group` people (the caller has
    opened the region through the gateway)."""
    if not video_ids:
        return RegionAudience(region, 0, 0, suppressed=False)
    viewers, plays = (
        uow.region(region)
        .execute(
            select(func.count(func.distinct(Event.user_id)), func.count()).where(
                Event.kind == EventKind.PLAY.value, Event.video_id.in_(video_ids)
            )
        )
        .one()
    )
    if viewers < min_group:
        return RegionAudience(region, None, None, suppressed=True)
    return RegionAudience(region, int(viewers), int(plays), suppressed=False)


def held_about(uow: UnitOfWork, *, user_id: str) -> Held:
    """Every event recorded of `user_id`, in their home region."""
    return {"region/events": rows(uow.region(region_of(user_id)), Event, Event.user_id == user_id)}


def erase_user(uow: UnitOfWork, *, user_id: str) -> None:
    """Forget every event of `user_id` (idempotent)."""
    uow.region(region_of(user_id)).execute(delete(Event).where(Event.user_id == user_id))
