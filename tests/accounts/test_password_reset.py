"""Password reset by mail, through a real SMTP server on loopback: the link works once, expires, ends every
other session; the request answers the same whatever the email. Address verification at sign-up."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from backends import Backend, make_settings
from clipshop.accounts.models import PasswordReset
from clipshop.config import Settings
from clipshop.mailing.models import OutboxMail
from clipshop.mailing.service import SECRET_REMOVED
from clipshop.platform import Platform
from doubles import FrozenClock
from smtp_inbox import Inbox, smtp_server
from support import PASSWORD, Member

NEW_PASSWORD = "a much better passphrase 2026"
LINK = re.compile(r"http://testserver/(reset-password|verify-email)\?token=(\S+)")


@pytest.fixture
def smtp() -> Iterator[tuple[Inbox, int]]:
    with smtp_server() as running:
        yield running


@pytest.fixture
def settings(backend: Backend, tmp_path: Path, smtp: tuple[Inbox, int]) -> Settings:
    return make_settings(
        backend, tmp_path, email_backend="smtp", smtp_port=smtp[1], smtp_timeout_s=5, login_rate="50/minute"
    )


def link_in(inbox: Inbox, email: str, subject_has: str) -> str:
    [mail] = inbox.to(email, subject_has=subject_has)
    found = LINK.search(mail.get_content())
    assert found, mail.get_content()
    return found.group(2)


def ask(client: TestClient, email: str) -> Any:
    r = client.post("/api/v1/auth/password-reset", json={"email": email})
    assert r.status_code == 202, r.text
    return r.json()


def log_in(client: TestClient, email: str, password: str) -> int:
    r = client.post("/api/v1/auth/login", json={"email": email, "password": password})
    client.cookies.clear()
    return r.status_code


def test_a_reset_link_works_once_and_ends_every_other_session(
    client: TestClient, platform: Platform, sign_up: Any, smtp: tuple[Inbox, int]
) -> None:
    inbox = smtp[0]
    alice: Member = sign_up("alice", "US")
    other = client.post("/api/v1/auth/login", json={"email": alice.email, "password": PASSWORD})
    other_auth = {"Authorization": f"Bearer {other.json()['token']}"}
    client.cookies.clear()

    # The same answer for an address with no account, and no mail for it.
    assert ask(client, "nobody@example.com") == ask(client, alice.email)
    platform.jobs.drain()
    assert inbox.to("nobody@example.com") == []
    token = link_in(inbox, alice.email, "Reset your Clipshop password")
    # Stored hashed; once sent, the mail's copy of the link is gone from the outbox.
    with platform.uow(home="us").transaction() as uow:
        [reset] = uow.region("us").scalars(select(PasswordReset))
        assert token.split(".", 1)[1] not in reset.secret_hash and len(reset.secret_hash) == 64
        [mail] = uow.region("us").scalars(select(OutboxMail).where(OutboxMail.kind == "password_reset"))
        assert mail.body == SECRET_REMOVED and mail.sent_at is not None

    confirm = "/api/v1/auth/password-reset/confirm"
    weak = client.post(confirm, json={"token": token, "password": "short"})
    assert weak.status_code == 422 and weak.json()["code"] == "password_too_short"
    forged = client.post(confirm, json={"token": token[:-2] + "xx", "password": NEW_PASSWORD})
    assert forged.status_code == 422 and forged.json()["code"] == "invalid_reset_link"

    assert client.post(confirm, json={"token": token, "password": NEW_PASSWORD}).status_code == 204
    assert client.get("/api/v1/me", headers=alice.auth).status_code == 401
    assert client.get("/api/v1/me", headers=other_auth).status_code == 401
    assert log_in(client, alice.email, PASSWORD) == 401
    assert log_in(client, alice.email, NEW_PASSWORD) == 200

    again = client.post(confirm, json={"token": token, "password": "yet another passphrase"})
    assert again.status_code == 422 and again.json()["code"] == "reset_link_used"
    assert log_in(client, alice.email, NEW_PASSWORD) == 200


def test_a_reset_link_expires_and_a_newer_use_ends_the_older_links(
    client: TestClient, platform: Platform, clock: FrozenClock, sign_up: Any, smtp: tuple[Inbox, int]
) -> None:
    inbox = smtp[0]
    bob: Member = sign_up("bob", "DE")
    ask(client, bob.email)
    platform.jobs.drain()
    first = link_in(inbox, bob.email, "Reset")
    assert first.startswith("eu_")  # made, kept and mailed in bob's region
    clock.advance(minutes=platform.settings.password_reset_minutes)
    expired = client.post(
        "/api/v1/auth/password-reset/confirm", json={"token": first, "password": NEW_PASSWORD}
    )
    assert expired.status_code == 422 and expired.json()["code"] == "reset_link_expired"

    ask(client, bob.email)
    ask(client, bob.email)
    platform.jobs.drain()
    second, third = (
        LINK.search(m.get_content()).group(2) for m in inbox.to(bob.email, subject_has="Reset")[1:]
    )  # type: ignore[union-attr]
    done = client.post("/api/v1/auth/password-reset/confirm", json={"token": third, "password": NEW_PASSWORD})
    assert done.status_code == 204
    older = client.post("/api/v1/auth/password-reset/confirm", json={"token": second, "password": PASSWORD})
    assert older.status_code == 422 and older.json()["code"] == "reset_link_used"
    assert log_in(client, bob.email, NEW_PASSWORD) == 200


def test_the_account_works_before_its_address_is_verified_and_shows_it_after(
    client: TestClient, platform: Platform, sign_up: Any, smtp: tuple[Inbox, int]
) -> None:
    alice: Member = sign_up("alice", "US")
    assert client.get("/api/v1/me", headers=alice.auth).json()["email_verified"] is False
    platform.jobs.drain()
    token = link_in(smtp[0], alice.email, "Confirm your email address")
    forged = token.split(".")[0] + ".not-the-secret"
    bad = client.post("/api/v1/auth/verify-email", json={"token": forged})
    assert bad.status_code == 422 and bad.json()["code"] == "invalid_verification_link"
    assert client.post("/api/v1/auth/verify-email", json={"token": token}).json() == {"email_verified": True}
    assert client.get("/api/v1/me", headers=alice.auth).json()["email_verified"] is True
    page = client.get("/verify-email", params={"token": token})
    assert page.status_code == 200 and 'data-action="/api/v1/auth/verify-email"' in page.text
