"""The inbox digest through a real SMTP server on loopback: off until turned on; once a day, one mail per
subscriber summing up what is new and unread in their inbox, written and sent in their region, never twice
for a day however often the job runs, none when nothing is new; its unsubscribe link turns it off."""

from __future__ import annotations

import re
from email.message import EmailMessage
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import select

from clipshop.digests import sending
from clipshop.digests.tasks import SCHEDULE, SEND
from clipshop.kit.ids import region_of
from clipshop.mailing import sending as mail_sending
from clipshop.mailing import service as mailing
from clipshop.mailing.models import MailCategory, OutboxMail
from clipshop.platform import Platform
from clipshop.residency.check import check_residency
from doubles import FrozenClock
from smtp_inbox import Inbox
from support import Member

SETTINGS = "/api/v1/me/mail-settings"
SUBJECT = "in your Clipshop inbox"


def turn_digest(client: TestClient, member: Member, on: bool) -> None:
    r = client.patch(SETTINGS, headers=member.auth, json={"inbox_digest": on})
    assert r.status_code == 200, r.text
    assert r.json() == {"inbox_digest": on}


def digest_setting(client: TestClient, member: Member) -> bool:
    r = client.get(SETTINGS, headers=member.auth)
    assert r.status_code == 200, r.text
    on: bool = r.json()["inbox_digest"]
    return on


def follow(client: TestClient, member: Member, whom: Member) -> None:
    assert client.post(f"/api/v1/users/{whom.handle}/follow", headers=member.auth).status_code == 200


def run_the_day(platform: Platform) -> None:
    """The daily schedule, then everything it queued: one job per region, then the mails."""
    platform.jobs.enqueue(SCHEDULE)
    platform.jobs.drain()


def digests_to(inbox: Inbox, member: Member) -> list[EmailMessage]:
    return inbox.to(member.email, subject_has=SUBJECT)


def text_of(message: EmailMessage) -> str:
    return str(message.get_content()).replace("\r\n", "\n")


def digest_rows(platform: Platform, member: Member) -> list[OutboxMail]:
    region = region_of(member.id)
    with platform.uow(home=region).transaction() as uow:
        query = select(OutboxMail).where(OutboxMail.user_id == member.id, OutboxMail.kind == "inbox_digest")
        found = list(uow.region(region).scalars(query.order_by(OutboxMail.created_at)))
        uow.region(region).expunge_all()
        return found


def test_one_digest_a_day_of_what_is_new_and_unread_however_often_the_job_runs(
    client: TestClient, platform: Platform, clock: FrozenClock, sign_up: Any, inbox: Inbox
) -> None:
    alice: Member = sign_up("alice", "US", display_name="Alice")
    bob: Member = sign_up("bob", "DE", display_name="Bob")
    theo: Member = sign_up("theo", "US", display_name="Theo")
    assert digest_setting(client, alice) is False  # off unless turned on
    turn_digest(client, alice, True)
    assert digest_setting(client, alice) is True
    follow(client, bob, alice)
    clock.advance(minutes=1)
    follow(client, theo, alice)
    follow(client, alice, bob)  # bob did not ask for a digest
    platform.jobs.drain()

    run_the_day(platform)

    [digest] = digests_to(inbox, alice)
    assert digest["Subject"] == "1 new notification in your Clipshop inbox"
    token = mailing.unsubscribe_token(platform, user_id=alice.id, category=MailCategory.MARKETING)
    assert text_of(digest) == (
        "Hello Alice,\n\n"
        "Unread in your Clipshop inbox:\n\n"
        "- Theo and Bob started following you\n"
        "  http://testserver/@theo\n\n"
        "1 line of your inbox is unread: http://testserver/inbox\n\n"
        "You get this mail once a day, when something is new, because you turned on the inbox digest in "
        "your settings: http://testserver/settings\n\n"
        "--\n"
        f"No more of these: http://testserver/unsubscribe?token={token}\n"
    )
    assert digest["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert digests_to(inbox, bob) == []
    [row] = digest_rows(platform, alice)
    assert row.id.startswith("us_") and row.dedupe_key == f"inbox_digest:{alice.id}:2026-06-01"
    assert row.category == "marketing" and row.sent_at is not None

    # The schedule again, the region's job retried, the outbox's reconciler: still one digest that day.
    run_the_day(platform)
    platform.jobs.enqueue(SEND, "us", "2026-06-01")
    platform.jobs.drain()
    assert sending.send_digests(platform, "us", "2026-06-01") == 1
    assert mail_sending.reconcile(platform) == 0
    platform.jobs.drain()
    assert len(digests_to(inbox, alice)) == 1
    assert len(digest_rows(platform, alice)) == 1

    # The next day: the line is still unread but was in the last digest; nothing new, no mail.
    clock.advance(days=1)
    run_the_day(platform)
    assert len(digests_to(inbox, alice)) == 1

    # Something new the day after: only it is listed; the unread count covers both lines.
    clock.advance(days=1)
    cat: Member = sign_up("cat", "AU", display_name="Cat")
    follow(client, cat, alice)
    platform.jobs.drain()
    run_the_day(platform)
    _, second = digests_to(inbox, alice)
    assert second["Subject"] == "1 new notification in your Clipshop inbox"
    body = text_of(second)
    assert "New in your Clipshop inbox since your last digest:\n\n- Cat started following you\n" in body
    assert "Theo" not in body
    assert "2 lines of your inbox are unread" in body
    assert [r.dedupe_key for r in digest_rows(platform, alice)] == [
        f"inbox_digest:{alice.id}:2026-06-01",
        f"inbox_digest:{alice.id}:2026-06-03",
    ]

    # Read, and then a day with nothing unread: nothing is sent.
    assert client.post("/api/v1/me/inbox/read", headers=alice.auth, json={}).status_code == 200
    clock.advance(days=1)
    run_the_day(platform)
    assert len(digests_to(inbox, alice)) == 2
    assert check_residency(platform) == []


def test_a_digest_is_written_and_sent_in_the_recipients_region(
    client: TestClient, platform: Platform, sign_up: Any, inbox: Inbox
) -> None:
    bob: Member = sign_up("bob", "DE", display_name="Bob")
    alice: Member = sign_up("alice", "US", display_name="Alice")
    turn_digest(client, bob, True)
    follow(client, alice, bob)
    platform.jobs.drain()

    assert sending.send_digests(platform, "us", "2026-06-01") == 0
    assert sending.send_digests(platform, "eu", "2026-06-01") == 1
    platform.jobs.drain()

    [digest] = digests_to(inbox, bob)
    assert "- Alice started following you\n" in text_of(digest)
    [row] = digest_rows(platform, bob)
    assert row.id.startswith("eu_")
    assert check_residency(platform) == []


def test_the_unsubscribe_link_turns_the_digest_off_and_turning_it_on_again_lifts_it(
    client: TestClient, platform: Platform, clock: FrozenClock, sign_up: Any, inbox: Inbox
) -> None:
    alice: Member = sign_up("alice", "US", display_name="Alice")
    fans = [sign_up(f"fan{n}", "US", display_name=f"Fan {n}") for n in range(3)]
    turn_digest(client, alice, True)
    follow(client, fans[0], alice)
    platform.jobs.drain()
    run_the_day(platform)
    [digest] = digests_to(inbox, alice)
    link = re.search(r"No more of these: http://testserver/unsubscribe\?token=(\S+)", text_of(digest))
    assert link is not None
    one_click = f"<http://testserver/api/v1/mail/unsubscribe?token={link.group(1)}>"
    assert digest["List-Unsubscribe"] == one_click

    # The mail client's one-click post (RFC 8058), with no session: the digest is off.
    assert client.post("/api/v1/mail/unsubscribe", params={"token": link.group(1)}).status_code == 204
    assert digest_setting(client, alice) is False
    clock.advance(days=1)
    follow(client, fans[1], alice)
    platform.jobs.drain()
    run_the_day(platform)
    assert len(digests_to(inbox, alice)) == 1

    # Turned on again in settings: asking for it lifts the unsubscribe, and the next day's digest comes.
    turn_digest(client, alice, True)
    clock.advance(days=1)
    follow(client, fans[2], alice)
    platform.jobs.drain()
    run_the_day(platform)
    assert len(digests_to(inbox, alice)) == 2
    assert "Fan 2 started following you" in text_of(digests_to(inbox, alice)[1])

    # Turned off in settings: nothing more.
    turn_digest(client, alice, False)
    clock.advance(days=1)
    client.delete(f"/api/v1/users/{alice.handle}/follow", headers=fans[0].auth)
    client.post(f"/api/v1/users/{alice.handle}/follow", headers=fans[0].auth)
    platform.jobs.drain()
    assert client.get("/api/v1/me/inbox/unread", headers=alice.auth).json() == {"unread": 4}
    run_the_day(platform)
    assert len(digests_to(inbox, alice)) == 2


def test_a_digest_leaves_out_the_accounts_apart_by_a_block(
    client: TestClient, platform: Platform, clock: FrozenClock, sign_up: Any, inbox: Inbox
) -> None:
    alice: Member = sign_up("alice", "US", display_name="Alice")
    bob: Member = sign_up("bob", "DE", display_name="Bob")
    theo: Member = sign_up("theo", "US", display_name="Theo")
    turn_digest(client, alice, True)
    follow(client, bob, alice)
    platform.jobs.drain()
    blocked = client.post(f"/api/v1/users/{bob.handle}/block", headers=alice.auth)
    assert blocked.status_code in (200, 201), blocked.text
    platform.jobs.drain()

    run_the_day(platform)  # bob's line was the only one: nothing to tell
    assert digests_to(inbox, alice) == []

    clock.advance(days=1)
    follow(client, theo, alice)
    platform.jobs.drain()
    run_the_day(platform)
    [digest] = digests_to(inbox, alice)
    assert "Theo started following you" in text_of(digest)
    assert "Bob" not in text_of(digest)
