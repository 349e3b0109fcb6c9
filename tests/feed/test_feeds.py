"""Feeds: the signed-out hot ranking, watched videos pushed down, following, creator and hashtag pages,
cursors. The signed-in For You recommender has its own tests in test_recommend.py."""

from __future__ import annotations

import functools
from typing import Any

import pytest
from fastapi.testclient import TestClient

from clipshop.platform import Platform
from support import Member, a_public_video


@pytest.fixture
def publish(platform: Platform) -> Any:
    return functools.partial(a_public_video, platform)


def captions(response: Any) -> list[str]:
    return [item["caption"] for item in response.json()["items"]]


def test_for_you_ranks_by_time_decayed_engagement(client: TestClient, alice: Member, publish: Any) -> None:
    publish(alice, "old but loved", hours_ago=24, likes=1000)  # ln(1001) ≈ 6.9 vs 24h/12h = 2.0 of freshness
    publish(alice, "old and quiet", hours_ago=24)
    publish(alice, "fresh", hours_ago=0)
    publish(alice, "an hour old, a few likes", hours_ago=1, likes=3)
    assert captions(client.get("/api/v1/feed/for-you")) == [
        "old but loved",
        "an hour old, a few likes",
        "fresh",
        "old and quiet",
    ]


def test_watched_videos_are_pushed_below_unwatched_ones(
    client: TestClient, alice: Member, bob: Member, publish: Any
) -> None:
    ids = [publish(alice, f"clip {n}", hours_ago=n) for n in range(5)]  # clip 0 is the hottest
    events = [{"video_id": ids[n], "kind": "play", "watched_s": 1} for n in (0, 2)]
    assert client.post("/api/v1/events", headers=bob.auth, json={"events": events}).status_code == 202
    seen: list[str] = []
    cursor = None
    while True:
        params: dict[str, Any] = {"limit": 2, **({"cursor": cursor} if cursor else {})}
        page = client.get("/api/v1/feed/for-you", headers=bob.auth, params=params).json()
        seen += [item["caption"] for item in page["items"]]
        cursor = page["next_cursor"]
        if not cursor:
            break
    # Every clip once; the two bob played only after the three he has not.
    assert sorted(seen[:3]) == ["clip 1", "clip 3", "clip 4"]
    assert sorted(seen[3:]) == ["clip 0", "clip 2"]


def test_cursor_pagination_visits_every_video_once(client: TestClient, alice: Member, publish: Any) -> None:
    for n in range(23):
        publish(alice, f"v{n}", hours_ago=n % 4, likes=n % 3)  # many equal scores: the id breaks ties
    seen: list[str] = []
    cursor = None
    for _ in range(10):
        params: dict[str, Any] = {"limit": 5, **({"cursor": cursor} if cursor else {})}
        page = client.get("/api/v1/feed/for-you", params=params).json()
        seen += [item["id"] for item in page["items"]]
        cursor = page["next_cursor"]
        if cursor is None:
            break
    assert len(seen) == 23 and len(set(seen)) == 23
    bad = client.get("/api/v1/feed/for-you", params={"cursor": "not-a-cursor"})
    assert bad.status_code == 422 and bad.json()["code"] == "invalid_cursor"
    assert client.get("/api/v1/feed/for-you", params={"limit": 51}).status_code == 422


def test_following_feed_profile_and_hashtag_pages(
    client: TestClient, platform: Platform, alice: Member, bob: Member, sign_up: Any, publish: Any
) -> None:
    carol = sign_up("carol", "AU")
    publish(alice, "alice one #cats", hours_ago=3)
    publish(carol, "carol one #Cats #dogs", hours_ago=2)
    publish(alice, "alice two #dogs", hours_ago=1)
    assert client.get("/api/v1/feed/following", headers=bob.auth).json() == {"items": [], "next_cursor": None}
    assert client.post("/api/v1/users/alice/follow", headers=bob.auth).json() == {"following": True}
    assert captions(client.get("/api/v1/feed/following", headers=bob.auth)) == [
        "alice two #dogs",
        "alice one #cats",
    ]
    assert captions(client.get("/api/v1/users/carol/videos")) == ["carol one #Cats #dogs"]
    assert captions(client.get("/api/v1/hashtags/cats/videos")) == [
        "carol one #Cats #dogs",
        "alice one #cats",
    ]
    assert captions(client.get("/api/v1/hashtags/%23dogs/videos", params={"limit": 1})) == ["alice two #dogs"]
    assert client.get("/api/v1/feed/following").status_code == 401
    assert client.get("/api/v1/users/nobody/videos").status_code == 404
    platform.jobs.drain()
    assert client.get("/api/v1/users/alice", headers=bob.auth).json()["followed_by_me"] is True
