"""The inbox's routes: one's notifications grouped and paged, the unread count, marking them read."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query

from clipshop.inbox import service
from clipshop.inbox.schemas import (
    InboxPageRead,
    MarkedRead,
    MarkReadCreate,
    NotificationRead,
    PersonRead,
    UnreadRead,
)
from clipshop.kit.pagination import MAX_LIMIT
from clipshop.platform.http import CommittingRoute, CurrentActor, PlatformDep, UowDep

router = APIRouter(route_class=CommittingRoute, tags=["inbox"])


def notification_read(item: service.InboxItem) -> NotificationRead:
    notification = item.notification
    return NotificationRead(
        id=notification.id,
        kind=notification.kind.value,
        target_id=notification.target_id,
        text=item.text,
        link=item.link,
        people=[
            PersonRead(id=p.id, handle=p.handle, display_name=p.display_name, avatar_url=p.avatar_url)
            for p in item.people
        ],
        others=item.others,
        count=item.count,
        detail=notification.detail or {},
        created_at=notification.created_at,
        latest_at=notification.latest_at,
        read=notification.read_at is not None,
    )


@router.get("/me/inbox", response_model=InboxPageRead)
def inbox(
    actor: CurrentActor,
    uow: UowDep,
    platform: PlatformDep,
    cursor: Annotated[str | None, Query(max_length=200)] = None,
    limit: Annotated[int, Query(ge=1, le=MAX_LIMIT)] = 20,
) -> InboxPageRead:
    """Your notifications, the line that moved last first; likes, comments, replies and follows of one
    target within a day are one line ("Maya and 12 others liked your video"). Accounts apart from you by a
    block, either way, are neither named nor counted, whenever the line was written."""
    apart = platform.separation.apart_from(uow, actor)
    found = service.page(uow, actor=actor, cursor=cursor, limit=limit, apart=apart)
    return InboxPageRead(
        items=[notification_read(item) for item in found.items],
        next_cursor=found.next_cursor,
        unread=found.unread,
    )


@router.get("/me/inbox/unread", response_model=UnreadRead)
def unread(actor: CurrentActor, uow: UowDep, platform: PlatformDep) -> UnreadRead:
    """How many lines of your inbox are unread (the badge on the menu)."""
    apart = platform.separation.apart_from(uow, actor)
    return UnreadRead(unread=service.unread_count(uow, actor=actor, apart=apart))


@router.post("/me/inbox/read", response_model=MarkedRead)
def mark_read(body: MarkReadCreate, actor: CurrentActor, uow: UowDep, platform: PlatformDep) -> MarkedRead:
    """Mark your inbox read: everything, or `up_to` a line and every line below it."""
    marked = service.mark_read(uow, actor=actor, up_to=body.up_to, now=platform.clock.now())
    apart = platform.separation.apart_from(uow, actor)
    return MarkedRead(marked=marked, unread=service.unread_count(uow, actor=actor, apart=apart))
