"""Asking for a new address verification mail, through a real SMTP server on loopback: the new link
replaces the older ones, verifies once, and is stored hashed in the account's region; a verified account
is refused a new link (409), and asking is rate-limited."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from backends import Backend, make_settings
from clipshop.accounts.models import EmailVerification
from clipshop.config import Settings, WriteRates
from clipshop.mailing.models import OutboxMail
from clipshop.mailing.service import SECRET_REMOVED
from clipshop.platform import Platform
from clipshop.residency.check import check_residency
from smtp_inbox import Inbox, smtp_server
from support import Member

ASK = "/api/v1/me/verification"
VERIFY = "/api/v1/auth/verify-email"
LINK = re.compile(r"http://testserver/verify-email\?token=(\S+)")


@pytest.fixture
def smtp() -> Iterator[tuple[Inbox, int]]:
    with smtp_server() as running:
        yield running


@pytest.fixture
def inbox(smtp: tuple[Inbox, int]) -> Inbox:
    return smtp[0]


@pytest.fixture
def settings(backend: Backend, tmp_path: Path, smtp: tuple[Inbox, int]) -> Settings:
    return make_settings(
        backend,
        tmp_path,
        email_backend="smtp",
        smtp_port=smtp[1],
        smtp_timeout_s=5,
        write_rates=WriteRates(verification="3/hour"),
    )


def links_to(inbox: Inbox, email: str) -> list[str]:
    """The verification links mailed to `email`, oldest first."""
    found = [LINK.search(m.get_content()) for m in inbox.to(email) if "verify-email" in m.get_content()]
    assert all(found)
    return [match.group(1) for match in found if match]


def verify(client: TestClient, token: str) -> tuple[int, str | None]:
    r = client.post(VERIFY, json={"token": token})
    return r.status_code, r.json().get("code")


def test_a_new_link_replaces_the_older_ones_and_verifies_once(
    client: TestClient, platform: Platform, sign_up: Any, inbox: Inbox
) -> None:
    bob: Member = sign_up("bob", "DE")
    platform.jobs.drain()
    [first] = links_to(inbox, bob.email)
    assert client.post(ASK).status_code == 401

    r = client.post(ASK, headers=bob.auth)
    assert r.status_code == 202, r.text
    assert r.json() == {"sent_to": bob.email}
    platform.jobs.drain()
    [again] = inbox.to(bob.email, subject_has="Your new link to confirm")
    assert "links in earlier mails no longer work" in again.get_content()
    assert links_to(inbox, bob.email)[0] == first
    second = links_to(inbox, bob.email)[1]
    # Made, kept and mailed in bob's region; the outbox's copy of the link is gone once sent.
    assert second.startswith("eu_") and second != first
    with platform.uow(home="eu").transaction() as uow:
        rows = list(
            uow.region("eu").scalars(select(EmailVerification).order_by(EmailVerification.created_at))
        )
        assert [row.user_id for row in rows] == [bob.id, bob.id]
        assert all(len(row.secret_hash) == 64 and row.secret_hash not in second for row in rows)
        mails = uow.region("eu").scalars(select(OutboxMail).where(OutboxMail.kind == "verify_email"))
        assert {(m.body, m.sent_at is not None) for m in mails} == {(SECRET_REMOVED, True)}

    # The older link stopped working; a forged one never worked; the newest works once.
    assert verify(client, first) == (422, "verification_link_replaced")
    assert verify(client, second.split(".")[0] + ".not-the-secret") == (422, "invalid_verification_link")
    assert client.get("/api/v1/me", headers=bob.auth).json()["email_verified"] is False
    assert client.post(VERIFY, json={"token": second}).json() == {"email_verified": True}
    assert client.get("/api/v1/me", headers=bob.auth).json()["email_verified"] is True
    assert verify(client, second) == (422, "verification_link_used")
    assert verify(client, first) == (422, "verification_link_replaced")

    # Verified: there is nothing to ask for, and no mail goes out.
    r = client.post(ASK, headers=bob.auth)
    assert (r.status_code, r.json()["code"]) == (409, "email_already_verified")
    platform.jobs.drain()
    assert len(links_to(inbox, bob.email)) == 2
    assert check_residency(platform) == []


def test_asking_again_is_limited_per_account(
    client: TestClient, platform: Platform, sign_up: Any, inbox: Inbox
) -> None:
    alice: Member = sign_up("alice", "US")
    carl: Member = sign_up("carl", "US")
    assert [client.post(ASK, headers=alice.auth).status_code for _ in range(3)] == [202, 202, 202]

    r = client.post(ASK, headers=alice.auth)

    assert (r.status_code, r.json()["code"]) == (429, "rate_limited")
    assert "3 per hour" in r.json()["detail"] and "this account" in r.json()["detail"]
    assert client.post(ASK, headers=carl.auth).status_code == 202
    platform.jobs.drain()
    # The sign-up's link and three more; only the newest of them verifies.
    tokens = links_to(inbox, alice.email)
    assert len(tokens) == 4
    assert [verify(client, token) for token in tokens[:3]] == [(422, "verification_link_replaced")] * 3
    assert verify(client, tokens[3]) == (200, None)
