"""The mail one asks for and data rights: the digest setting and the verification links are in the
export (the links' hashes withheld) and go with the account; no digest is written to an erased account."""

from __future__ import annotations

import io
import json
import zipfile
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import func, select

from clipshop.accounts.models import EmailVerification
from clipshop.digests import sending
from clipshop.kit.everywhere import everywhere
from clipshop.kit.holdings import WITHHELD
from clipshop.mailing.models import MailSubscription
from clipshop.platform import Platform
from clipshop.residency.check import check_residency
from support import PASSWORD, Member


def export_of(client: TestClient, member: Member) -> dict[str, list[dict[str, Any]]]:
    response = client.get("/api/v1/me/export", headers=member.auth)
    assert response.status_code == 200, response.text
    names = ("region/mail_subscriptions", "region/email_verifications")
    with zipfile.ZipFile(io.BytesIO(response.content)) as archive:
        return {name: json.loads(archive.read(f"{name}.json")) for name in names}


def held(platform: Platform, region: str, user_id: str) -> tuple[int, int]:
    with everywhere(platform.databases).transaction() as uow:
        db = uow.region(region)
        subscriptions = db.scalar(select(func.count()).where(MailSubscription.user_id == user_id))
        links = db.scalar(select(func.count()).where(EmailVerification.user_id == user_id))
    return int(subscriptions or 0), int(links or 0)


def test_the_digest_setting_and_verification_links_are_exported_and_erased(
    client: TestClient, platform: Platform, alice: Member, bob: Member
) -> None:
    r = client.patch("/api/v1/me/mail-settings", headers=bob.auth, json={"inbox_digest": True})
    assert r.status_code == 200, r.text
    assert client.post("/api/v1/me/verification", headers=bob.auth).status_code == 202
    client.post("/api/v1/users/bob/follow", headers=alice.auth)
    platform.jobs.drain()

    rows = export_of(client, bob)
    assert [(s["user_id"], s["topic"]) for s in rows["region/mail_subscriptions"]] == [
        (bob.id, "inbox_digest")
    ]
    links = rows["region/email_verifications"]
    assert len(links) == 2 and {link["user_id"] for link in links} == {bob.id}
    assert {link["secret_hash"] for link in links} == {WITHHELD}
    assert sum(link["replaced_at"] is not None for link in links) == 1
    assert held(platform, "eu", bob.id) == (1, 2)

    assert client.post("/api/v1/me/delete", headers=bob.auth, json={"password": PASSWORD}).status_code == 202
    platform.jobs.drain()

    assert held(platform, "eu", bob.id) == (0, 0)
    assert sending.send_digests(platform, "eu", "2026-06-01") == 0
    assert check_residency(platform) == []
