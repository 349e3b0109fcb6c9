"""Creators' authorisation codes, on SQLite and PostgreSQL: a creator makes a code for their own published
video, shown once and kept hashed; an advertiser uses it once to promote that video; an expired code, a code
made for another video and a used one are refused with their codes."""

from __future__ import annotations

import hashlib
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import select

from advertising import API, campaign_with_group, new_ad, ok, open_advertiser, problem, published_video
from clipshop.ads.models import Ad, PublicAdAuthorization
from clipshop.kit.everywhere import everywhere
from clipshop.platform import Platform
from doubles import FrozenClock
from support import PASSWORD, Member, a_ready_video


def codes_of(platform: Platform, creator: Member) -> list[PublicAdAuthorization]:
    with everywhere(platform.databases).transaction() as uow:
        query = select(PublicAdAuthorization).where(PublicAdAuthorization.creator_id == creator.id)
        return list(uow.directory.scalars(query))


def authorize(client: TestClient, creator: Member, video_id: str) -> Any:
    return client.post(f"{API}/videos/{video_id}/ad-authorizations", headers=creator.auth)


def test_a_creators_code_lets_one_advertiser_promote_their_video_once(
    client: TestClient, platform: Platform, alice: Member, bob: Member, sign_up: Any
) -> None:
    video = published_video(client, platform, alice, "my best clip")
    issued = ok(authorize(client, alice, video), 201)
    assert issued["video_id"] == video and issued["expires_at"] == "2026-07-01T12:00:00Z"  # 30 days
    (stored,) = codes_of(platform, alice)
    assert stored.code_hash == hashlib.sha256(issued["code"].encode()).hexdigest() != issued["code"]
    assert (stored.video_id, stored.used_by) == (video, None)

    account = open_advertiser(client, bob, "Bob Brand")
    _, group = campaign_with_group(client, bob, account["id"])
    ad = ok(new_ad(client, bob, group, video, authorization_code=issued["code"]), 201)
    assert (ad["video_id"], ad["review"]) == (video, "pending")
    with everywhere(platform.databases).transaction() as uow:
        assert uow.region("eu").get_one(Ad, ad["id"]).authorized_by == alice.id
    (stored,) = codes_of(platform, alice)
    assert stored.used_by == account["id"]

    # Once only: not for a second ad, not for another advertiser.
    problem(new_ad(client, bob, group, video, authorization_code=issued["code"]), 422, "authorization_used")
    carol = sign_up("carol", "US")
    carols = open_advertiser(client, carol, "Carol Co")
    _, carols_group = campaign_with_group(client, carol, carols["id"])
    problem(
        new_ad(client, carol, carols_group, video, authorization_code=issued["code"]),
        422,
        "authorization_used",
    )
    problem(new_ad(client, carol, carols_group, video), 422, "authorization_required")
    # The creator's own account needs no code for their own video.
    own = open_advertiser(client, alice, "Alice Brand")
    _, own_group = campaign_with_group(client, alice, own["id"])
    assert ok(new_ad(client, alice, own_group, video), 201)["video_id"] == video


def test_an_expired_code_and_a_code_for_another_video_are_refused(
    client: TestClient, platform: Platform, clock: FrozenClock, alice: Member, bob: Member
) -> None:
    first = published_video(client, platform, alice, "first")
    second = published_video(client, platform, alice, "second")
    for_first = ok(authorize(client, alice, first), 201)["code"]
    account = open_advertiser(client, bob)
    _, group = campaign_with_group(client, bob, account["id"])
    refused = problem(
        new_ad(client, bob, group, second, authorization_code=for_first), 422, "authorization_invalid"
    )
    assert refused["field"] == "authorization_code"
    problem(new_ad(client, bob, group, first, authorization_code="not-a-code"), 422, "authorization_invalid")
    # A refused ad leaves the code unused.
    assert [c.used_by for c in codes_of(platform, alice)] == [None]
    problem(
        new_ad(client, bob, group, first, authorization_code=for_first, headline=""), 422, "invalid_headline"
    )
    assert [c.used_by for c in codes_of(platform, alice)] == [None]

    clock.advance(days=platform.settings.ads_authorization_days, seconds=1)
    login = client.post("/api/v1/auth/login", json={"email": bob.email, "password": PASSWORD})
    headers = {"Authorization": f"Bearer {login.json()['token']}"}
    expired = client.post(
        f"{API}/ad-groups/{group}/ads",
        headers=headers,
        json={"kind": "video", "video_id": first, "authorization_code": for_first, "headline": "h",
              "call_to_action": "Go"},
    )  # fmt: skip
    problem(expired, 422, "authorization_expired")


def test_only_the_creator_of_a_published_video_makes_its_codes(
    client: TestClient, platform: Platform, alice: Member, bob: Member
) -> None:
    video = published_video(client, platform, alice)
    problem(authorize(client, bob, video), 404, "not_found")
    draft = a_ready_video(platform, alice, "not yet")
    problem(authorize(client, alice, draft), 409, "video_not_public")
    problem(authorize(client, alice, "us_nonsense"), 404, "not_found")
    assert client.post(f"{API}/videos/{video}/ad-authorizations").status_code == 401
    assert codes_of(platform, alice) == []
