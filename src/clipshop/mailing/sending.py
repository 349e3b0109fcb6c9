"""Sending the outbox, in the recipient's region.

One attempt at a mail:
1. claims it in one conditional UPDATE (not sent, not given up, no live claim): `attempts` + 1 and a lease
   (`CLIPSHOP_EMAIL_LEASE_S`), committed before anything leaves, so no second attempt starts meanwhile;
2. hands it to the transport with its Message-ID, the same on every attempt;
3. marks it sent in one conditional UPDATE (`sent_at IS NULL`), committed.

So a mail marked sent is never sent again, and two attempts never overlap while the lease holds. The one
way a message goes out twice is a crash (or a lost database) after the transport accepted it and before
step 3 committed: once the lease runs out the reconciler tries again, with the same Message-ID, so a
receiver that keeps Message-IDs can drop the repeat. A transport failure frees the mail after a back-off
(`retry_after`); after `CLIPSHOP_EMAIL_MAX_ATTEMPTS` attempts it is given up (`failed_at`, `last_error`).
The reconciler, every minute, re-enqueues each mail that is due (a job lost between commit and enqueue, a
worker that died)."""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime, timedelta

from sqlalchemy import ColumnElement, or_, select, update

from clipshop.kit.db import UnitOfWork
from clipshop.kit.ids import region_of
from clipshop.kit.ports import Email, MailFailed
from clipshop.mailing.models import OutboxMail
from clipshop.mailing.service import SECRET_REMOVED, list_unsubscribe_headers
from clipshop.mailing.tasks import SEND
from clipshop.platform import Platform

log = logging.getLogger(__name__)

# The recipient's address, read in their region when the mail goes out (None: nowhere to send it).
AddressOf = Callable[[UnitOfWork, str], str | None]

# The fault point between the transport's acceptance and the sent mark (kit/faults.py).
AFTER_SEND = "mail_after_send"


def retry_after(attempts: int, *, lease_s: int) -> timedelta:
    """The back-off after a failed attempt: 30 s, 1 min, 2 min, … up to the lease."""
    return timedelta(seconds=min(30 * 2 ** max(0, attempts - 1), max(30, lease_s)))


def _due(now: datetime) -> tuple[ColumnElement[bool], ...]:
    return (
        OutboxMail.sent_at.is_(None),
        OutboxMail.failed_at.is_(None),
        or_(OutboxMail.claimed_until.is_(None), OutboxMail.claimed_until <= now),
    )


def send_mail(platform: Platform, mail_id: str, *, address_of: AddressOf) -> str:
    """One attempt at the mail `mail_id`; returns what happened: sent, skipped (sent already, given up, or
    another attempt holds it), failed (tried again later), given_up or undeliverable."""
    region = region_of(mail_id)
    settings = platform.settings
    now = platform.clock.now()
    with platform.uow(home=region).transaction() as uow:
        db = uow.region(region)
        claimed = db.execute(
            update(OutboxMail)
            .where(OutboxMail.id == mail_id, *_due(now))
            .values(
                attempts=OutboxMail.attempts + 1,
                claimed_until=now + timedelta(seconds=settings.email_lease_s),
            )
            .returning(OutboxMail.id)
        ).first()
        if claimed is None:
            return "skipped"
        mail = db.get_one(OutboxMail, mail_id, populate_existing=True)
        to = address_of(uow, mail.user_id)
        if to is None:
            mail.failed_at, mail.claimed_until, mail.last_error = now, None, "the recipient has no address"
            return "undeliverable"
        email = Email(
            message_id=mail.message_id,
            sender=settings.email_from,
            to=to,
            subject=mail.subject,
            text=mail.body,
            headers=list_unsubscribe_headers(platform, mail),
        )
        attempts = mail.attempts
    try:
        platform.mail.send(email)
    except MailFailed as error:
        log.warning("mail %s not sent (attempt %d): %s", mail_id, attempts, error)
        given_up = attempts >= settings.email_max_attempts
        with platform.uow(home=region).transaction() as uow:
            mail = uow.region(region).get_one(OutboxMail, mail_id)
            mail.last_error = str(error)[:2000]
            if given_up:
                mail.failed_at, mail.claimed_until = now, None
            else:
                mail.claimed_until = now + retry_after(attempts, lease_s=settings.email_lease_s)
        return "given_up" if given_up else "failed"
    platform.faults.hit(AFTER_SEND)
    with platform.uow(home=region).transaction() as uow:
        db = uow.region(region)
        db.execute(
            update(OutboxMail)
            .where(OutboxMail.id == mail_id, OutboxMail.sent_at.is_(None))
            .values(sent_at=platform.clock.now(), claimed_until=None, last_error=None)
        )
        db.execute(
            update(OutboxMail)
            .where(OutboxMail.id == mail_id, OutboxMail.holds_secret.is_(True))
            .values(body=SECRET_REMOVED)
        )
    return "sent"


def reconcile(platform: Platform) -> int:
    """Enqueue every mail that is due in every region (never sent, not given up, no live claim); returns
    how many. Sending is guarded by the claim, so a mail enqueued twice is still sent once."""
    now = platform.clock.now()
    due: list[str] = []
    for region in platform.databases.regions:
        with platform.uow(home=region).transaction() as uow:
            query = select(OutboxMail.id).where(*_due(now)).order_by(OutboxMail.id).limit(1000)
            due.extend(uow.region(region).scalars(query))
    for mail_id in due:
        platform.jobs.enqueue(SEND, mail_id)
    return len(due)
