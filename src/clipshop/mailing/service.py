"""Writing mail into the outbox, subscribing to mail one asks for (the inbox digest) and unsubscribing, and
what the outbox holds about a person. Plain functions over a unit of work; no commit. A mail is a row in the
recipient's region, written in the transaction of what causes it and sent by a job after the commit."""

from __future__ import annotations

import hashlib
import hmac
from datetime import datetime
from email.utils import parseaddr

from sqlalchemy import delete, func, select

from clipshop.errors import Invalid
from clipshop.kit.db import UnitOfWork
from clipshop.kit.holdings import Held, rows
from clipshop.kit.ids import new_id, region_of
from clipshop.mailing.models import MailCategory, MailOptOut, MailSubscription, OutboxMail
from clipshop.mailing.tasks import enqueue_send
from clipshop.platform import Platform

SECRET_REMOVED = "(removed once sent: it held a single-use link)"

# The mail one may ask for (`mail_subscriptions.topic`); each is marketing mail, off until turned on.
INBOX_DIGEST = "inbox_digest"
TOPICS = frozenset({INBOX_DIGEST})


def write_mail(
    platform: Platform,
    uow: UnitOfWork,
    *,
    user_id: str,
    kind: str,
    cause: str,
    subject: str,
    body: str,
    category: MailCategory = MailCategory.TRANSACTIONAL,
    holds_secret: bool = False,
) -> OutboxMail | None:
    """Put a mail to `user_id` in their region's outbox, sent after the commit. `cause` names what it is
    about (`order_paid:<order id>`): a second mail for the same cause is not written (the first is
    returned). Marketing mail to someone who unsubscribed is not written (None); it carries the
    unsubscribe link and headers (RFC 8058)."""
    region = region_of(user_id)
    db = uow.region(region)
    earlier = mail_for(uow, user_id=user_id, kind=kind, cause=cause)
    if earlier is not None:
        return earlier
    if category is MailCategory.MARKETING:
        if db.get(MailOptOut, (user_id, category)) is not None:
            return None
        link = unsubscribe_link(platform, user_id=user_id, category=category)
        body = f"{body.rstrip()}\n\n--\nNo more of these: {link}\n"
    mail_id = new_id(region)
    mail = OutboxMail(
        id=mail_id,
        user_id=user_id,
        kind=kind,
        dedupe_key=_dedupe_key(kind, cause),
        category=category,
        subject=subject[:200],
        body=body,
        holds_secret=holds_secret,
        message_id=f"<{mail_id}@{sender_domain(platform.settings.email_from)}>",
        created_at=platform.clock.now(),
        attempts=0,
    )
    db.add(mail)
    enqueue_send(platform.jobs, uow, mail_id=mail_id)
    return mail


def _dedupe_key(kind: str, cause: str) -> str:
    return f"{kind}:{cause}"[:120]


def mail_for(uow: UnitOfWork, *, user_id: str, kind: str, cause: str) -> OutboxMail | None:
    """The mail of `kind` written to `user_id` for `cause`, if there is one."""
    query = select(OutboxMail).where(OutboxMail.dedupe_key == _dedupe_key(kind, cause))
    return uow.region(region_of(user_id)).scalar(query)


def sender_domain(sender: str) -> str:
    address = parseaddr(sender)[1]
    return address.rpartition("@")[2] or "clipshop.localhost"


def link(platform: Platform, path: str) -> str:
    """An absolute link to `path` on this deployment, for a mail."""
    return platform.settings.base_url.rstrip("/") + path


def _unsubscribe_signature(secret: str, user_id: str, category: MailCategory) -> str:
    message = f"unsubscribe:{user_id}:{category.value}".encode()
    return hmac.new(secret.encode(), message, hashlib.sha256).hexdigest()[:32]


def unsubscribe_token(platform: Platform, *, user_id: str, category: MailCategory) -> str:
    signature = _unsubscribe_signature(platform.settings.secret_key, user_id, category)
    return f"{user_id}.{category.value}.{signature}"


def unsubscribe_link(platform: Platform, *, user_id: str, category: MailCategory) -> str:
    return link(
        platform, f"/unsubscribe?token={unsubscribe_token(platform, user_id=user_id, category=category)}"
    )


def list_unsubscribe_headers(platform: Platform, mail: OutboxMail) -> tuple[tuple[str, str], ...]:
    """One-click unsubscribe (RFC 8058) for marketing mail; nothing for transactional mail."""
    if mail.category is not MailCategory.MARKETING:
        return ()
    token = unsubscribe_token(platform, user_id=mail.user_id, category=mail.category)
    return (
        ("List-Unsubscribe", f"<{link(platform, f'/api/v1/mail/unsubscribe?token={token}')}>"),
        ("List-Unsubscribe-Post", "List-Unsubscribe=One-Click"),
    )


def unsubscribe(platform: Platform, uow: UnitOfWork, *, token: str) -> str:
    """Record the opt-out a token names (idempotent); returns the user id. A token is refused unless this
    deployment signed it."""
    user_id, _, rest = token.partition(".")
    category_name, _, signature = rest.partition(".")
    try:
        category = MailCategory(category_name)
        region = region_of(user_id)
    except ValueError:
        category, region = None, ""
    if (
        category is None
        or region not in uow.databases.region_engines
        or not hmac.compare_digest(
            signature, _unsubscribe_signature(platform.settings.secret_key, user_id, category)
        )
    ):
        raise Invalid("This unsubscribe link is not valid.", code="invalid_unsubscribe_link", field="token")
    uow.bind_home(region)
    db = uow.region(region)
    if db.get(MailOptOut, (user_id, category)) is None:
        db.add(MailOptOut(user_id=user_id, category=category, created_at=platform.clock.now()))
    if category is MailCategory.MARKETING:  # what they subscribed to is marketing mail: it ends too
        db.execute(delete(MailSubscription).where(MailSubscription.user_id == user_id))
    return user_id


def subscriptions(uow: UnitOfWork, *, user_id: str) -> set[str]:
    """The topics `user_id` asked for mail about."""
    query = select(MailSubscription.topic).where(MailSubscription.user_id == user_id)
    return set(uow.region(region_of(user_id)).scalars(query))


def set_subscription(uow: UnitOfWork, *, user_id: str, topic: str, on: bool, now: datetime) -> None:
    """Turn mail about `topic` on or off for `user_id` (idempotent). Turning it on is asking for that mail
    again, so it lifts an earlier unsubscribe from marketing mail."""
    if topic not in TOPICS:
        raise Invalid(f"There is no mail about {topic!r}.", field="topic")
    db = uow.region(region_of(user_id))
    if not on:
        db.execute(
            delete(MailSubscription).where(
                MailSubscription.user_id == user_id, MailSubscription.topic == topic
            )
        )
        return
    if db.get(MailSubscription, (user_id, topic)) is None:
        db.add(MailSubscription(user_id=user_id, topic=topic, created_at=now))
    db.execute(
        delete(MailOptOut).where(MailOptOut.user_id == user_id, MailOptOut.category == MailCategory.MARKETING)
    )


def subscribers(uow: UnitOfWork, *, region: str, topic: str, after: str | None, limit: int) -> list[str]:
    """The people of `region` who asked for mail about `topic`, by id after `after`, `limit` at a time."""
    query = select(MailSubscription.user_id).where(MailSubscription.topic == topic)
    if after is not None:
        query = query.where(MailSubscription.user_id > after)
    return list(uow.region(region).scalars(query.order_by(MailSubscription.user_id).limit(limit)))


def last_written_at(uow: UnitOfWork, *, user_id: str, kind: str) -> datetime | None:
    """When the latest mail of `kind` to `user_id` was written, if one was."""
    query = select(func.max(OutboxMail.created_at)).where(
        OutboxMail.user_id == user_id, OutboxMail.kind == kind
    )
    latest: datetime | None = uow.region(region_of(user_id)).scalar(query)
    return latest


def held_about(uow: UnitOfWork, *, user_id: str) -> Held:
    """The outbox rows to `user_id` and their opt-outs; a single-use link not yet sent is withheld."""
    db = uow.region(region_of(user_id))
    mails = rows(db, OutboxMail, OutboxMail.user_id == user_id)
    for mail in mails:
        if mail["holds_secret"] and mail["sent_at"] is None:
            mail["body"] = "(withheld: it holds a single-use link, sent to your address)"
    return {
        "region/outbox_mails": mails,
        "region/mail_opt_outs": rows(db, MailOptOut, MailOptOut.user_id == user_id),
        "region/mail_subscriptions": rows(db, MailSubscription, MailSubscription.user_id == user_id),
    }


def erase_user(uow: UnitOfWork, *, user_id: str) -> None:
    """Every mail to `user_id`, sent or not, their opt-outs and subscriptions (idempotent)."""
    db = uow.region(region_of(user_id))
    db.execute(delete(OutboxMail).where(OutboxMail.user_id == user_id))
    db.execute(delete(MailOptOut).where(MailOptOut.user_id == user_id))
    db.execute(delete(MailSubscription).where(MailSubscription.user_id == user_id))
