"""Muting: the muter's feeds (For You, Following, hashtags) skip the muted account's videos; one-way and
silent: the muted account sees no change, the follow stays, the profile, videos and comments stay
reachable."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import select

from clipshop.kit.everywhere import everywhere
from clipshop.platform import Platform
from clipshop.residency.check import check_residency
from clipshop.social.models import Mute
from support import Member, a_public_video


def ids(response: Any) -> set[str]:
    assert response.status_code == 200, response.text
    return {item["id"] for item in response.json()["items"]}


def test_muting_takes_an_account_out_of_the_muters_feeds_only(
    client: TestClient, platform: Platform, alice: Member, bob: Member
) -> None:
    loud = a_public_video(platform, bob, "so loud #noise", likes=10)
    mine = a_public_video(platform, alice, "quiet #noise")
    assert client.post(f"/api/v1/users/{bob.handle}/follow", headers=alice.auth).status_code == 200
    platform.jobs.drain()
    feeds = ("/api/v1/feed/for-you", "/api/v1/feed/following", "/api/v1/hashtags/noise/videos")
    assert all(loud in ids(client.get(path, headers=alice.auth)) for path in feeds)

    r = client.post(f"/api/v1/users/{bob.handle}/mute", headers=alice.auth)
    assert r.status_code == 200 and r.json() == {"muted": True}
    assert client.post(f"/api/v1/users/{bob.handle}/mute", headers=alice.auth).json() == {"muted": True}
    for path in feeds:
        assert loud not in ids(client.get(path, headers=alice.auth)), path
    assert mine in ids(client.get("/api/v1/hashtags/noise/videos", headers=alice.auth))
    # Still reachable on purpose, still followed; bob sees nothing different.
    profile = client.get(f"/api/v1/users/{bob.handle}", headers=alice.auth).json()
    assert (profile["muted_by_me"], profile["followed_by_me"], profile["follower_count"]) == (True, True, 1)
    assert loud in ids(client.get(f"/api/v1/users/{bob.handle}/videos", headers=alice.auth))
    assert client.get(f"/api/v1/videos/{loud}", headers=alice.auth).status_code == 200
    assert client.get(f"/api/v1/users/{alice.handle}", headers=bob.auth).json()["muted_by_me"] is False
    assert mine in ids(client.get("/api/v1/hashtags/noise/videos", headers=bob.auth))
    with everywhere(platform.databases).transaction() as uow:
        assert [(m.muter_id, m.muted_id) for m in uow.region("us").scalars(select(Mute))] == [
            (alice.id, bob.id)
        ]
        assert list(uow.region("eu").scalars(select(Mute))) == []
    assert check_residency(platform) == []

    assert client.delete(f"/api/v1/users/{bob.handle}/mute", headers=alice.auth).json() == {"muted": False}
    assert all(loud in ids(client.get(path, headers=alice.auth)) for path in feeds)


def test_muting_oneself_is_refused(client: TestClient, alice: Member) -> None:
    r = client.post(f"/api/v1/users/{alice.handle}/mute", headers=alice.auth)
    assert (r.status_code, r.json()["code"]) == (422, "self_mute")
