"""The outbox sends through a real SMTP server on loopback: an order confirmation arrives exactly once
however often its job runs; a crash between the server's acceptance and the sent mark is the one repeat,
with the same Message-ID, and only after the lease; a failing server is retried; marketing mail carries its
unsubscribe link."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from clipshop.kit.ids import region_of
from clipshop.kit.ports import Email, MailFailed
from clipshop.mailing import sending
from clipshop.mailing import service as mailing
from clipshop.mailing.models import MailCategory, OutboxMail
from clipshop.platform import Platform
from clipshop.residency.check import check_residency
from doubles import FrozenClock
from smtp_inbox import Inbox
from support import Member, a_product, buy, open_shop


class CrashAt:
    """Stands in for the process dying at one fault point."""

    def __init__(self, point: str) -> None:
        self.point = point

    def hit(self, point: str) -> None:
        if point == self.point:
            raise SystemExit(f"killed at {point}")


def mails_to(platform: Platform, user_id: str, kind: str) -> list[OutboxMail]:
    region = region_of(user_id)
    with platform.uow(home=region).transaction() as uow:
        found = uow.region(region).scalars(
            select(OutboxMail).where(OutboxMail.user_id == user_id, OutboxMail.kind == kind)
        )
        mails = list(found)
        uow.region(region).expunge_all()
        return mails


def send(platform: Platform, mail_id: str) -> str:
    from clipshop.accounts import service as accounts

    return sending.send_mail(platform, mail_id, address_of=accounts.email_of)


def a_paid_order(client: TestClient, platform: Platform, sign_up: Any) -> tuple[Member, Member, str, str]:
    merchant: Member = sign_up("merchant", "US")
    buyer: Member = sign_up("buyer", "DE")
    shop_id = open_shop(client, merchant, "linen-co")
    product = a_product(client, merchant, shop_id, price=2500, stock=3)
    r = buy(client, buyer, product["variants"][0]["id"], key="k-1", quantity=2)
    assert r.status_code == 201, r.text
    platform.jobs.drain()  # the sandbox's webhooks, then the mails
    return merchant, buyer, shop_id, r.json()["orders"][0]["id"]


def test_an_order_confirmation_reaches_the_smtp_server_exactly_once_however_often_its_job_runs(
    client: TestClient, platform: Platform, sign_up: Any, inbox: Inbox
) -> None:
    merchant, buyer, _, order_id = a_paid_order(client, platform, sign_up)

    confirmations = inbox.to(buyer.email, subject_has="is confirmed")
    assert len(confirmations) == 1
    assert "Total paid: $60.00" in confirmations[0].get_content()
    assert f"/orders/{order_id}" in confirmations[0].get_content()
    # The merchant lives in another region: their new-order mail was written and sent there.
    new_orders = inbox.to(merchant.email, subject_has="New order")
    assert len(new_orders) == 1 and order_id in new_orders[0].get_content()
    assert buyer.email not in new_orders[0].get_content()
    [mail] = mails_to(platform, buyer.id, "order_paid")
    assert mail.id.startswith("eu_") and mail.sent_at is not None and mail.attempts == 1
    assert confirmations[0]["Message-ID"] == mail.message_id
    [merchant_mail] = mails_to(platform, merchant.id, "new_order")
    assert merchant_mail.id.startswith("us_")

    # The job again, the reconciler, and the job once more: nothing more leaves.
    assert send(platform, mail.id) == "skipped"
    assert sending.reconcile(platform) == 0
    platform.jobs.enqueue(sending.SEND, mail.id)
    platform.jobs.drain()
    assert len(inbox.to(buyer.email, subject_has="is confirmed")) == 1
    assert mails_to(platform, buyer.id, "order_paid")[0].attempts == 1
    assert check_residency(platform) == []


def test_a_crash_after_the_server_accepted_is_the_only_repeat_and_keeps_the_message_id(
    client: TestClient,
    platform: Platform,
    clock: FrozenClock,
    sign_up: Any,
    inbox: Inbox,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    merchant, buyer, shop_id, order_id = a_paid_order(client, platform, sign_up)
    r = client.post(
        f"/api/v1/shops/{shop_id}/orders/{order_id}/fulfil",
        headers=merchant.auth,
        json={"carrier": "UPS", "tracking_number": "1Z999"},
    )
    assert r.status_code == 200, r.text
    platform.jobs.flush()  # the send job is lost: this test runs the attempts itself
    [mail] = mails_to(platform, buyer.id, "order_shipped")
    assert mail.sent_at is None

    monkeypatch.setattr(platform, "faults", CrashAt(sending.AFTER_SEND))
    with pytest.raises(SystemExit):
        send(platform, mail.id)
    shipped = inbox.to(buyer.email, subject_has="on its way")
    assert len(shipped) == 1 and "Tracking number: 1Z999" in shipped[0].get_content()
    monkeypatch.undo()

    # While the crashed attempt's lease holds, no attempt sends it again.
    assert send(platform, mail.id) == "skipped"
    assert sending.reconcile(platform) == 0
    clock.advance(seconds=platform.settings.email_lease_s - 1)
    assert sending.reconcile(platform) == 0
    # Then the reconciler tries again: the one repeat, with the same Message-ID, and the mail is marked.
    clock.advance(seconds=1)
    assert sending.reconcile(platform) == 1
    platform.jobs.drain()
    shipped = inbox.to(buyer.email, subject_has="on its way")
    assert len(shipped) == 2
    assert shipped[0]["Message-ID"] == shipped[1]["Message-ID"] == mail.message_id
    [after] = mails_to(platform, buyer.id, "order_shipped")
    assert after.sent_at is not None and after.attempts == 2
    assert sending.reconcile(platform) == 0


class FailingOnce:
    name = "failing"

    def __init__(self, then: Any) -> None:
        self.then, self.failed = then, 0

    def send(self, mail: Email) -> None:
        if not self.failed:
            self.failed += 1
            raise MailFailed("421 try again later")
        self.then.send(mail)


def test_a_failed_send_is_tried_again_after_a_back_off(
    client: TestClient, platform: Platform, clock: FrozenClock, sign_up: Any, inbox: Inbox
) -> None:
    platform.mail = FailingOnce(platform.mail)
    alice: Member = sign_up("alice", "US")
    platform.jobs.drain()
    [mail] = mails_to(platform, alice.id, "verify_email")
    assert mail.sent_at is None and mail.attempts == 1 and mail.last_error == "421 try again later"
    assert inbox.to(alice.email) == []
    assert sending.reconcile(platform) == 0
    clock.advance(seconds=30)
    assert sending.reconcile(platform) == 1
    platform.jobs.drain()
    [verification] = inbox.to(alice.email)
    assert "Confirm your email address" in str(verification["Subject"])
    [mail] = mails_to(platform, alice.id, "verify_email")
    assert mail.sent_at is not None and mail.attempts == 2 and mail.last_error is None


def test_marketing_mail_carries_an_unsubscribe_link_that_stops_it(
    client: TestClient, platform: Platform, sign_up: Any, inbox: Inbox
) -> None:
    alice: Member = sign_up("alice", "US")

    def digest(cause: str) -> OutboxMail | None:
        with platform.uow(home="us").transaction() as uow:
            return mailing.write_mail(
                platform,
                uow,
                user_id=alice.id,
                kind="digest",
                cause=cause,
                subject="This week on Clipshop",
                body="Five clips you missed.",
                category=MailCategory.MARKETING,
            )

    assert digest("week-1") is not None
    platform.jobs.drain()
    [weekly] = inbox.to(alice.email, subject_has="This week")
    token = mailing.unsubscribe_token(platform, user_id=alice.id, category=MailCategory.MARKETING)
    assert f"http://testserver/unsubscribe?token={token}" in weekly.get_content()
    assert weekly["List-Unsubscribe"] == f"<http://testserver/api/v1/mail/unsubscribe?token={token}>"
    assert weekly["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    # Transactional mail has none.
    [verification] = inbox.to(alice.email, subject_has="Confirm")
    assert verification["List-Unsubscribe"] is None and "unsubscribe" not in verification.get_content()

    forged = token[:-1] + ("1" if token.endswith("0") else "0")  # a token one character off
    bad = client.post("/api/v1/mail/unsubscribe", params={"token": forged})
    assert bad.status_code == 422 and bad.json()["code"] == "invalid_unsubscribe_link"
    assert client.post("/api/v1/mail/unsubscribe", params={"token": token}).status_code == 204
    assert client.post("/api/v1/mail/unsubscribe", params={"token": token}).status_code == 204
    assert digest("week-2") is None
    page = client.get("/unsubscribe", params={"token": token})
    assert page.status_code == 200 and 'id="mail-link-form"' in page.text
