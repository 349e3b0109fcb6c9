"""Writing notifications into the recipient's region, reading one's inbox grouped and paged, marking it
read, and what it holds about a person. Plain functions over a unit of work; no commit.

A notification is written in the recipient's home region. When that is not the unit of work's home, the
residency gateway opens the region's inbox (class `inbox`, purpose `notification`, logged there), and what
crosses is ids and what the recipient needs to read the line (a shop's name, an amount): never the name, the
handle or anything else of the person who acted, whose handle is read from the directory when the inbox is
shown."""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, and_, delete, func, or_, select, update

from clipshop.accounts.models import PublicProfile
from clipshop.errors import Invalid, NotFound
from clipshop.inbox.models import GROUP_WINDOW, GROUPED, NoticeKind, Notification, NotificationActor
from clipshop.kit.actors import Actor, Role
from clipshop.kit.db import UnitOfWork, insert_ignore
from clipshop.kit.holdings import Held, rows
from clipshop.kit.ids import new_id, region_of
from clipshop.kit.pagination import decode_cursor, encode_cursor
from clipshop.residency import gateway

# In the export, instead of the id of someone behind a line.
SOMEONE_ELSE = "(someone else: your inbox shows their public profile while they have one)"

# Names shown in a grouped line; the rest are counted ("maya, theo and 11 others").
NAMES_SHOWN = 2


def notify(
    uow: UnitOfWork,
    *,
    recipient_id: str,
    kind: NoticeKind,
    target_id: str,
    at: datetime,
    actor_id: str | None = None,
    cause: str | None = None,
    detail: dict[str, Any] | None = None,
    role: Role | None = None,
) -> Notification | None:
    """Tell `recipient_id` about `kind` on `target_id`, in their region. A grouped kind (a like, a comment, a
    reply, a follow) joins the recipient's line for the same kind and target opened within GROUP_WINDOW,
    counting `actor_id` once; any other kind is one line per `cause` (the same cause never writes twice).
    Nothing is written to someone about themselves, nor to an account with no public profile (erased).
    `role` is what the unit of work's actor claims to the records when the recipient's region is not its
    home (a shop's staff shipping an order); jobs act as themselves."""
    if actor_id is not None and actor_id == recipient_id:
        return None
    if uow.directory.get(PublicProfile, recipient_id) is None:
        return None
    region = region_of(recipient_id)
    if region != uow.home:
        gateway.access(
            uow,
            region,
            data_class="inbox",
            purpose="notification",
            # Whose inbox, and what for; the target stays out of the log, which outlives what it names.
            records=[recipient_id],
            reason=str(kind),
            write=True,
            role=role,
        )
    if kind in GROUPED:
        assert actor_id is not None, "a grouped notification names who acted"
        return _join_group(uow, region, recipient_id, kind, target_id, actor_id, detail or {}, at)
    assert cause is not None, "a notification that is not grouped names its cause"
    return _insert(uow, region, recipient_id, kind, target_id, _cause_key(kind, cause), detail or {}, at, 0)


def told(uow: UnitOfWork, *, recipient_id: str, kind: NoticeKind, cause: str) -> bool:
    """Whether `recipient_id` has the line `notify` writes for `kind` and `cause` (a kind not grouped)."""
    query = select(Notification.id).where(
        Notification.recipient_id == recipient_id, Notification.group_key == _cause_key(kind, cause)
    )
    return uow.region(region_of(recipient_id)).scalar(query) is not None


def _cause_key(kind: NoticeKind, cause: str) -> str:
    """The line of a kind not grouped: one per cause."""
    return f"{kind}:{hashlib.sha256(cause.encode()).hexdigest()[:40]}"


def _insert(
    uow: UnitOfWork,
    region: str,
    recipient_id: str,
    kind: NoticeKind,
    target_id: str,
    group_key: str,
    detail: dict[str, Any],
    at: datetime,
    actor_count: int,
) -> Notification:
    """The recipient's line with `group_key`, made now unless it exists (concurrent-safe)."""
    db = uow.region(region)
    row = {
        "id": new_id(region),
        "recipient_id": recipient_id,
        "kind": kind,
        "target_id": target_id,
        "group_key": group_key,
        "actor_count": actor_count,
        "detail": detail,
        "created_at": at,
        "latest_at": at,
        "read_at": None,
    }
    insert_ignore(db, Notification, row)
    query = select(Notification).where(
        Notification.recipient_id == recipient_id, Notification.group_key == group_key
    )
    return db.scalars(query).one()


def _join_group(
    uow: UnitOfWork,
    region: str,
    recipient_id: str,
    kind: NoticeKind,
    target_id: str,
    actor_id: str,
    detail: dict[str, Any],
    at: datetime,
) -> Notification:
    db = uow.region(region)
    open_group = db.scalars(
        select(Notification)
        .where(
            Notification.recipient_id == recipient_id,
            Notification.kind == kind,
            Notification.target_id == target_id,
            Notification.created_at > at - GROUP_WINDOW,
        )
        .order_by(Notification.created_at.desc())
        .limit(1)
    ).first()
    if open_group is None:
        # The day in the key only breaks a tie between two jobs opening the same group at once.
        day = at.strftime("%Y%m%d")
        open_group = _insert(
            uow, region, recipient_id, kind, target_id, f"{kind}:{target_id}:{day}", detail, at, 0
        )
    joined = insert_ignore(
        db,
        NotificationActor,
        {"notification_id": open_group.id, "actor_id": actor_id, "recipient_id": recipient_id, "at": at},
    )
    if joined:
        # Counted once per person; a new one brings the line back to the top, unread.
        db.execute(
            update(Notification)
            .where(Notification.id == open_group.id)
            .values(actor_count=Notification.actor_count + 1, read_at=None)
        )
        # Jobs may run out of order: the line's time only moves forward.
        db.execute(
            update(Notification)
            .where(Notification.id == open_group.id, Notification.latest_at < at)
            .values(latest_at=at)
        )
        db.refresh(open_group)
    return open_group


# -- Reading -----------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Person:
    """Someone behind a notification, as the directory shows them now."""

    id: str
    handle: str
    display_name: str
    avatar_url: str | None


@dataclass(frozen=True)
class InboxItem:
    notification: Notification
    people: list[Person]  # the newest ones still with a public profile, at most NAMES_SHOWN
    others: int  # how many more acted (including anyone erased since)
    text: str
    link: str | None
    count: int  # how many people are behind it, the accounts apart from the recipient by a block left out


@dataclass(frozen=True)
class InboxPage:
    items: list[InboxItem]
    next_cursor: str | None
    unread: int


def _shown(actor: Actor, apart: frozenset[str]) -> list[ColumnElement[bool]]:
    """The recipient's lines, but a grouped one whose every person is apart from them by a block: a line
    written before the block is not to show the account blocked, either way."""
    where = [Notification.recipient_id == actor.id]
    if apart:
        someone_else = (
            select(NotificationActor.actor_id)
            .where(
                NotificationActor.notification_id == Notification.id,
                NotificationActor.actor_id.not_in(sorted(apart)),
            )
            .exists()
        )
        where.append(or_(Notification.kind.not_in(sorted(GROUPED)), someone_else))
    return where


def page(
    uow: UnitOfWork,
    *,
    actor: Actor,
    cursor: str | None,
    limit: int,
    apart: frozenset[str] = frozenset(),
) -> InboxPage:
    """The actor's inbox, the line that moved last first, `limit` at a time. The accounts in `apart` (blocked
    by the actor or blocking them, `kit.separation`) are neither named nor counted in any line, and a line
    of theirs alone is left out."""
    db = uow.region(actor.region)
    query = select(Notification).where(*_shown(actor, apart))
    position = decode_cursor(cursor)
    if position is not None:
        try:
            at, last_id = datetime.fromisoformat(str(position["at"])), str(position["id"])
        except (KeyError, ValueError):
            raise Invalid(
                "That cursor is not one this API gave out; start again without it.",
                code="invalid_cursor",
                field="cursor",
            ) from None
        else:
            query = query.where(
                or_(
                    Notification.latest_at < at,
                    and_(Notification.latest_at == at, Notification.id < last_id),
                )
            )
    found = list(
        db.scalars(query.order_by(Notification.latest_at.desc(), Notification.id.desc()).limit(limit + 1))
    )
    more = len(found) > limit
    found = found[:limit]
    items = _present(uow, actor, found, apart)
    next_cursor = None
    if more and found:
        last = found[-1]
        next_cursor = encode_cursor({"at": last.latest_at.isoformat(), "id": last.id})
    return InboxPage(items=items, next_cursor=next_cursor, unread=unread_count(uow, actor=actor, apart=apart))


def unread_count(uow: UnitOfWork, *, actor: Actor, apart: frozenset[str] = frozenset()) -> int:
    """The unread lines the inbox shows (`page` with the same `apart`)."""
    query = select(func.count()).where(*_shown(actor, apart), Notification.read_at.is_(None))
    return int(uow.region(actor.region).scalar(query) or 0)


@dataclass(frozen=True)
class UnreadNews:
    """What a digest mail sums up: the unread lines that moved since a moment, newest first."""

    items: list[InboxItem]  # at most the limit asked for
    new: int  # unread lines that moved since then, in all
    unread: int  # unread lines, in all


def unread_since(
    uow: UnitOfWork,
    *,
    recipient: Actor,
    since: datetime | None,
    limit: int,
    apart: frozenset[str] = frozenset(),
) -> UnreadNews:
    """The recipient's unread lines that moved after `since` (every unread line when None), as the inbox
    shows them (`page` with the same `apart`); only reads."""
    db = uow.region(recipient.region)
    where = [*_shown(recipient, apart), Notification.read_at.is_(None)]
    if since is not None:
        where.append(Notification.latest_at > since)
    new = int(db.scalar(select(func.count()).where(*where)) or 0)
    newest = Notification.latest_at.desc(), Notification.id.desc()
    found = list(db.scalars(select(Notification).where(*where).order_by(*newest).limit(limit))) if new else []
    items = _present(uow, recipient, found, apart)
    return UnreadNews(items=items, new=new, unread=unread_count(uow, actor=recipient, apart=apart))


def mark_read(uow: UnitOfWork, *, actor: Actor, up_to: str | None, now: datetime) -> int:
    """Mark the actor's inbox read: all of it, or the line `up_to` and every line below it (older, as the
    inbox lists them). Returns how many lines were unread."""
    db = uow.region(actor.region)
    where = [Notification.recipient_id == actor.id, Notification.read_at.is_(None)]
    if up_to is not None:
        mark = uow.find(Notification, up_to, region=actor.region)
        if mark is None or mark.recipient_id != actor.id:
            raise NotFound("notification", up_to, field="up_to")
        where.append(
            or_(
                Notification.latest_at < mark.latest_at,
                and_(Notification.latest_at == mark.latest_at, Notification.id <= mark.id),
            )
        )
    marked = db.execute(update(Notification).where(*where).values(read_at=now).returning(Notification.id))
    return len(marked.all())


def _present(
    uow: UnitOfWork, actor: Actor, found: Sequence[Notification], apart: frozenset[str]
) -> list[InboxItem]:
    db = uow.region(actor.region)
    newest: dict[str, list[str]] = {}
    grouped = [n.id for n in found if n.kind in GROUPED]
    if grouped:
        query = (
            select(NotificationActor.notification_id, NotificationActor.actor_id)
            .where(NotificationActor.notification_id.in_(grouped))
            .order_by(NotificationActor.at.desc(), NotificationActor.actor_id)
        )
        for notification_id, actor_id in db.execute(query):
            newest.setdefault(notification_id, []).append(actor_id)
    wanted = {a for ids in newest.values() for a in ids}
    profiles: dict[str, PublicProfile] = {}
    if wanted:
        query_profiles = select(PublicProfile).where(PublicProfile.user_id.in_(wanted))
        profiles = {p.user_id: p for p in uow.directory.scalars(query_profiles)}
    items = []
    for notification in found:
        behind = newest.get(notification.id, [])
        people = [
            Person(p.user_id, p.handle, p.display_name, p.avatar_url)
            for p in (profiles.get(a) for a in behind if a not in apart)
            if p is not None
        ][:NAMES_SHOWN]
        count = max(notification.actor_count - sum(a in apart for a in behind), 0)
        others = max(count - len(people), 0)
        items.append(
            InboxItem(
                notification=notification,
                people=people,
                others=others,
                text=describe(notification, people, others),
                link=link_of(notification, people),
                count=count,
            )
        )
    return items


def who(people: Sequence[Person], others: int) -> str:
    """'Maya', 'Maya and Theo', 'Maya and 12 others', 'Maya, Theo and 1 other'; 'Someone' or '3 people'
    when nobody behind the line still has a profile."""
    names = [p.display_name or p.handle for p in people]
    if not names:
        return "Someone" if others <= 1 else f"{others} people"
    if others:
        rest = f"{others} other{'s' if others > 1 else ''}"
        return f"{', '.join(names)} and {rest}"
    return " and ".join(names)


def describe(notification: Notification, people: Sequence[Person], others: int) -> str:
    """The line as the recipient reads it."""
    kind, detail = notification.kind, notification.detail or {}
    shop = detail.get("shop") or "the shop"
    if kind is NoticeKind.LIKE:
        return f"{who(people, others)} liked your video"
    if kind is NoticeKind.COMMENT:
        return f"{who(people, others)} commented on your video"
    if kind is NoticeKind.REPLY:
        return f"{who(people, others)} replied to your comment"
    if kind is NoticeKind.FOLLOW:
        return f"{who(people, others)} started following you"
    if kind is NoticeKind.ORDER_PAID:
        return f"Your order from {shop} is confirmed"
    if kind is NoticeKind.ORDER_SHIPPED:
        tracking = detail.get("note")
        return f"Your order from {shop} has shipped" + (f" ({tracking})" if tracking else "")
    if kind is NoticeKind.ORDER_DELIVERED:
        return f"Your order from {shop} was delivered"
    if kind is NoticeKind.ORDER_REFUNDED:
        return f"Refund for your order from {shop}: {detail.get('note') or 'issued'}"
    if kind is NoticeKind.COMMISSION:
        product = detail.get("product") or "a product"
        return f"You earned {detail.get('amount', '')} commission on a sale of {product}"
    if kind is NoticeKind.MODERATION:
        return _moderation_text(detail)
    if kind is NoticeKind.APPEAL:
        what = detail.get("content_kind", "content")
        if detail.get("outcome") == "overturned":
            return f"Your appeal succeeded: the decision on your {what} was overturned"
        return f"Your appeal was turned down: the decision on your {what} stands"
    return str(kind)


MODERATION_ACTIONS = {
    "take_down": "Your {what} was taken down",
    "suspend_account": "Your account was suspended",
    "age_restrict": "Your {what} was restricted to adults",
    "remove_from_recommendations": "Your {what} was removed from recommendations",
    "reject": "Your {what} was rejected by review",
}


def _moderation_text(detail: dict[str, Any]) -> str:
    template = MODERATION_ACTIONS.get(str(detail.get("action")), "Moderation acted on your {what}")
    text = template.format(what=detail.get("content_kind", "content"))
    reason = detail.get("reason_code")
    return f"{text} ({reason}); you may appeal" if reason else f"{text}; you may appeal"


def link_of(notification: Notification, people: Sequence[Person]) -> str | None:
    """Where the line leads in the web app, if anywhere."""
    kind, detail = notification.kind, notification.detail or {}
    if kind in (NoticeKind.LIKE, NoticeKind.COMMENT):
        return f"/v/{notification.target_id}"
    if kind is NoticeKind.REPLY:
        video_id = detail.get("video_id")
        return f"/v/{video_id}" if video_id else None
    if kind is NoticeKind.FOLLOW:
        return f"/@{people[0].handle}" if people else None
    if kind in (
        NoticeKind.ORDER_PAID,
        NoticeKind.ORDER_SHIPPED,
        NoticeKind.ORDER_DELIVERED,
        NoticeKind.ORDER_REFUNDED,
    ):
        return f"/orders/{notification.target_id}"
    if kind is NoticeKind.COMMISSION:
        return "/earnings"
    if kind in (NoticeKind.MODERATION, NoticeKind.APPEAL):
        return "/appeals"
    return None


# -- Data rights -------------------------------------------------------------------------------------------


def held_about(uow: UnitOfWork, *, user_id: str) -> Held:
    """The notifications to `user_id`, and when each person behind a line acted; who they are is theirs,
    not the recipient's, so their ids are left out (the inbox shows their public profiles)."""
    db = uow.region(region_of(user_id))
    behind = rows(db, NotificationActor, NotificationActor.recipient_id == user_id)
    for row in behind:
        row["actor_id"] = SOMEONE_ELSE
    return {
        "region/notifications": rows(db, Notification, Notification.recipient_id == user_id),
        "region/notification_actors": behind,
    }


def erase_user(uow: UnitOfWork, *, user_id: str) -> None:
    """Every notification to `user_id` (idempotent). Lines in other people's inboxes that count them keep
    only their id, which leads nowhere once their profile is gone."""
    db = uow.region(region_of(user_id))
    db.execute(delete(NotificationActor).where(NotificationActor.recipient_id == user_id))
    db.execute(delete(Notification).where(Notification.recipient_id == user_id))
