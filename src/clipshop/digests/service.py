"""Writing one person's inbox digest into their region's outbox. Plain functions over a unit of work; no
commit.

The digest sums up the unread lines of the inbox that moved since the last digest (all unread lines for the
first), so a line left unread is not mailed day after day; with nothing new, nothing is written. The day is
the mail's cause (`inbox_digest:<user id>:<day>`): whatever runs again that day, the outbox holds one digest
for it, and the outbox sends each mail once. It is marketing mail: it carries the unsubscribe link, which
turns the digest off."""

from __future__ import annotations

from datetime import date

from clipshop.accounts import service as accounts
from clipshop.accounts.models import User
from clipshop.inbox import service as inbox
from clipshop.kit.db import UnitOfWork
from clipshop.kit.ids import region_of
from clipshop.mailing import service as mailing
from clipshop.mailing.models import MailCategory, OutboxMail
from clipshop.platform import Platform

KIND = "inbox_digest"
# Lines a digest names; the rest are counted.
LINES_SHOWN = 10


def write_digest(platform: Platform, uow: UnitOfWork, *, user_id: str, day: date) -> OutboxMail | None:
    """Write `user_id`'s digest for `day` if they asked for it and something unread moved since their last
    one; returns the day's digest (written now or earlier), or None when the day has none."""
    cause = f"{user_id}:{day.isoformat()}"
    earlier = mailing.mail_for(uow, user_id=user_id, kind=KIND, cause=cause)
    if earlier is not None:
        return earlier
    if mailing.INBOX_DIGEST not in mailing.subscriptions(uow, user_id=user_id):
        return None
    user = uow.region(region_of(user_id)).get(User, user_id)
    if user is None or user.suspended_at is not None or accounts.email_of(uow, user_id) is None:
        return None
    since = mailing.last_written_at(uow, user_id=user_id, kind=KIND)
    recipient = accounts.actor_of(user)
    apart = platform.separation.apart_from(uow, recipient)
    news = inbox.unread_since(uow, recipient=recipient, since=since, limit=LINES_SHOWN, apart=apart)
    if news.new == 0:
        return None
    return mailing.write_mail(
        platform,
        uow,
        user_id=user_id,
        kind=KIND,
        cause=cause,
        subject=f"{_count(news.new, 'new notification')} in your Clipshop inbox",
        body=_body(platform, user, news, first=since is None),
        category=MailCategory.MARKETING,
    )


def _count(n: int, thing: str) -> str:
    return f"{n} {thing}{'' if n == 1 else 's'}"


def _body(platform: Platform, user: User, news: inbox.UnreadNews, *, first: bool) -> str:
    heading = (
        "Unread in your Clipshop inbox:" if first else "New in your Clipshop inbox since your last digest:"
    )
    lines = [f"Hello {user.display_name},", "", heading, ""]
    for item in news.items:
        lines.append(f"- {item.text}")
        if item.link:
            lines.append(f"  {mailing.link(platform, item.link)}")
    if news.new > len(news.items):
        lines.append(f"- and {news.new - len(news.items)} more")
    lines += [
        "",
        f"{_count(news.unread, 'line')} of your inbox {'is' if news.unread == 1 else 'are'} unread: "
        f"{mailing.link(platform, '/inbox')}",
        "",
        "You get this mail once a day, when something is new, because you turned on the inbox digest in "
        f"your settings: {mailing.link(platform, '/settings')}",
    ]
    return "\n".join(lines) + "\n"
