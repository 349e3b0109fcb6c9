"""Writes people abuse are limited per account and per address, with a 429 that says when to come back; every
answer carries the browser-safety headers."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from backends import Backend, make_settings
from clipshop.config import Settings, WriteRates
from clipshop.platform import Platform
from support import Member, a_public_video

# Comments keep their default rate; follows and sign-ups are tight, so the address limit shows.
RATES = WriteRates(follow="2/minute", signup="6/minute", address_factor=2)


@pytest.fixture
def settings(backend: Backend, tmp_path: Path) -> Settings:
    return make_settings(backend, tmp_path, write_rates=RATES)


def test_the_31st_comment_in_a_minute_is_refused_with_retry_after(
    client: TestClient, platform: Platform, alice: Member, bob: Member
) -> None:
    video = a_public_video(platform, bob)
    for n in range(30):
        r = client.post(f"/api/v1/videos/{video}/comments", json={"body": f"nice {n}"}, headers=alice.auth)
        assert r.status_code == 201, r.text

    r = client.post(f"/api/v1/videos/{video}/comments", json={"body": "one more"}, headers=alice.auth)

    assert r.status_code == 429
    assert r.json()["code"] == "rate_limited"
    assert 1 <= int(r.headers["Retry-After"]) <= 60
    assert r.json()["retry_after_s"] == int(r.headers["Retry-After"])
    assert "30 per minute" in r.json()["detail"]
    # The limit is the account's: someone else still comments, and alice still likes.
    r = client.post(f"/api/v1/videos/{video}/comments", json={"body": "hi"}, headers=bob.auth)
    assert r.status_code == 201
    assert client.post(f"/api/v1/videos/{video}/like", headers=alice.auth).status_code == 200


def test_an_account_and_then_its_address_run_out_of_follows(client: TestClient, sign_up: Any) -> None:
    ann, ben, cat, tia, tom = (sign_up(handle) for handle in ("ann", "ben", "cat", "tia", "tom"))

    def follow(member: Member, whom: Member) -> Any:
        return client.post(f"/api/v1/users/{whom.handle}/follow", headers=member.auth)

    assert [follow(ann, tia).status_code, follow(ann, tom).status_code] == [200, 200]
    r = follow(ann, cat)
    assert r.status_code == 429 and "this account" in r.json()["detail"]
    # Four follows per address (twice an account's two); ann's refused one was not counted.
    assert [follow(ben, tia).status_code, follow(ben, tom).status_code] == [200, 200]
    r = follow(cat, tia)
    assert r.status_code == 429 and "this network address" in r.json()["detail"]
    assert "4 per minute" in r.json()["detail"]


def test_sign_ups_are_limited_per_address(client: TestClient, sign_up: Any) -> None:
    for n in range(6):
        sign_up(f"member{n}")
    r = client.post(
        "/api/v1/auth/signup",
        json={"email": "late@example.com", "password": "long enough pass", "handle": "late", "country": "US"},
    )
    assert r.status_code == 429 and r.json()["code"] == "rate_limited"
    assert int(r.headers["Retry-After"]) >= 1


def test_every_answer_carries_the_browser_safety_headers(client: TestClient, alice: Member) -> None:
    for path in ("/", "/api/v1/health", "/api/v1/feed/trending", "/static/js/app.js", "/no/such/page"):
        headers = client.get(path, headers=alice.auth).headers
        policy = headers["Content-Security-Policy"]
        assert "script-src 'self';" in policy and "unsafe-inline" not in policy, path
        assert "frame-ancestors 'none'" in policy, path
        assert headers["X-Content-Type-Options"] == "nosniff", path
        assert headers["Referrer-Policy"] == "same-origin", path
        assert headers["X-Frame-Options"] == "DENY", path
    # The API reference page runs Swagger UI's inline script, and only it.
    docs = client.get("/api/v1/docs").headers["Content-Security-Policy"]
    assert "'unsafe-inline'" in docs and "frame-ancestors 'none'" in docs
