"""The served log: each For You page as it was served, so a page never repeats an earlier one of its
scrolling session and the ranker learns from exactly the features it saw."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import bindparam, delete, insert, select

from clipshop.feed.models import Served
from clipshop.kit.actors import Actor
from clipshop.kit.db import UnitOfWork
from clipshop.kit.holdings import Held, rows
from clipshop.kit.ids import new_id, region_of

_SERVED = select(Served.video_id).where(
    Served.user_id == bindparam("user"),
    Served.created_at >= bindparam("since"),
    Served.session == bindparam("session"),
)


_LOG_SERVED = insert(Served)


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


def prune(uow: UnitOfWork, *, region: str, before: datetime, batch: int) -> int:
    """Delete up to `batch` served items created before `before`, oldest first, in the current transaction;
    returns how many went (the caller commits a batch at a time)."""
    db = uow.region(region)
    oldest = select(Served.id).where(Served.created_at < before).order_by(Served.created_at).limit(batch)
    ids = list(db.scalars(oldest))
    if ids:
        db.execute(delete(Served).where(Served.id.in_(ids)))
    return len(ids)


def held_about(uow: UnitOfWork, *, user_id: str) -> Held:
    """Every For You item served to `user_id`, with the features it was ranked on."""
    return {"region/served_items": rows(uow.region(region_of(user_id)), Served, Served.user_id == user_id)}


def erase_user(uow: UnitOfWork, *, user_id: str) -> None:
    """Forget what was served to `user_id` (idempotent)."""
    uow.region(region_of(user_id)).execute(delete(Served).where(Served.user_id == user_id))
