"""Likes, comments with replies, shares and follows, and their public counters."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient

from clipshop.platform import Platform
from clipshop.social.tasks import PROJECT_VIDEO_COUNTS
from doubles import FrozenClock
from support import Member, a_public_video


def counts(client: TestClient, video_id: str, who: Member | None = None) -> dict[str, Any]:
    body = client.get(f"/api/v1/videos/{video_id}", headers=who.auth if who else {}).json()
    return {**body["counts"], "liked_by_me": body["liked_by_me"]}


def test_likes_count_once_per_user_and_reach_the_public_counter(
    client: TestClient, platform: Platform, alice: Member, bob: Member, sign_up: Any
) -> None:
    video = a_public_video(platform, alice)
    carol = sign_up("carol", "AU")
    for member in (bob, bob, carol):
        assert client.post(f"/api/v1/videos/{video}/like", headers=member.auth).json() == {"liked": True}
    platform.jobs.drain()
    assert counts(client, video, bob) == {
        "likes": 2,
        "comments": 0,
        "shares": 0,
        "views": 0,
        "liked_by_me": True,
    }
    assert client.delete(f"/api/v1/videos/{video}/like", headers=bob.auth).json() == {"liked": False}
    assert client.delete(f"/api/v1/videos/{video}/like", headers=bob.auth).json() == {"liked": False}
    platform.jobs.drain()
    assert counts(client, video, bob)["likes"] == 1 and counts(client, video, bob)["liked_by_me"] is False
    assert client.get("/api/v1/users/alice").json()["like_count"] == 1
    missing = client.post(f"/api/v1/videos/us_{'0' * 32}/like", headers=bob.auth)
    assert missing.status_code == 404 and missing.json()["code"] == "not_found"


def test_comments_and_one_level_of_replies(
    client: TestClient, platform: Platform, alice: Member, bob: Member, clock: FrozenClock
) -> None:
    video = a_public_video(platform, alice)
    top = client.post(
        f"/api/v1/videos/{video}/comments", headers=bob.auth, json={"body": "  first!  "}
    ).json()
    assert (top["body"], top["author"]["handle"], top["parent_id"]) == ("first!", "bob", None)
    clock.advance(seconds=5)
    reply = client.post(
        f"/api/v1/videos/{video}/comments",
        headers=alice.auth,
        json={"body": "thanks", "parent_id": top["id"]},
    ).json()
    clock.advance(seconds=5)
    # A reply to a reply joins the same thread: replies are one level deep.
    nested = client.post(
        f"/api/v1/videos/{video}/comments",
        headers=bob.auth,
        json={"body": "you're welcome", "parent_id": reply["id"]},
    ).json()
    assert nested["parent_id"] == top["id"]
    listed = client.get(f"/api/v1/videos/{video}/comments").json()["items"]
    assert [(c["body"], c["reply_count"]) for c in listed] == [("first!", 2)]
    replies = client.get(f"/api/v1/comments/{top['id']}/replies").json()["items"]
    assert [c["body"] for c in replies] == ["thanks", "you're welcome"]
    empty = client.post(f"/api/v1/videos/{video}/comments", headers=bob.auth, json={"body": "   "})
    assert empty.status_code == 422 and empty.json()["field"] == "body"
    # Only the author deletes a comment.
    assert client.delete(f"/api/v1/comments/{nested['id']}", headers=alice.auth).status_code == 404
    assert client.delete(f"/api/v1/comments/{nested['id']}", headers=bob.auth).status_code == 204
    platform.jobs.drain()
    assert counts(client, video)["comments"] == 2
    assert client.get(f"/api/v1/videos/{video}/comments").json()["items"][0]["reply_count"] == 1


def test_shares_and_follows(client: TestClient, platform: Platform, alice: Member, bob: Member) -> None:
    video = a_public_video(platform, alice)
    shared = client.post(f"/api/v1/videos/{video}/share", headers=bob.auth, json={"channel": "link"}).json()
    assert shared == {"url": f"http://testserver/v/{video}"}
    assert client.post("/api/v1/users/alice/follow", headers=bob.auth).json() == {"following": True}
    assert client.post("/api/v1/users/alice/follow", headers=bob.auth).json() == {"following": True}
    own = client.post("/api/v1/users/bob/follow", headers=bob.auth)
    assert own.status_code == 422 and own.json()["code"] == "self_follow"
    platform.jobs.drain()
    assert counts(client, video)["shares"] == 1
    alice_profile = client.get("/api/v1/users/alice").json()
    assert (alice_profile["follower_count"], client.get("/api/v1/users/bob").json()["following_count"]) == (
        1,
        1,
    )
    client.delete("/api/v1/users/alice/follow", headers=bob.auth)
    platform.jobs.drain()
    assert client.get("/api/v1/users/alice").json()["follower_count"] == 0


def test_counter_projection_is_idempotent(
    client: TestClient, platform: Platform, alice: Member, bob: Member
) -> None:
    video = a_public_video(platform, alice)
    client.post(f"/api/v1/videos/{video}/like", headers=bob.auth)
    for _ in range(3):  # a job may run twice, or late: the totals converge
        platform.jobs.enqueue(PROJECT_VIDEO_COUNTS, bob.region, video)
    platform.jobs.drain()
    assert counts(client, video)["likes"] == 1
    assert client.get("/api/v1/users/alice").json()["like_count"] == 1


def test_watch_events_are_validated(
    client: TestClient, platform: Platform, alice: Member, bob: Member
) -> None:
    video = a_public_video(platform, alice)
    bad = client.post(
        "/api/v1/events",
        headers=bob.auth,
        json={"events": [{"video_id": video, "kind": "teleport", "watched_s": 1}]},
    )
    assert bad.status_code == 422 and bad.json()["field"] == "kind"
    many = client.post(
        "/api/v1/events",
        headers=bob.auth,
        json={"events": [{"video_id": video, "kind": "play", "watched_s": 0}] * 101},
    )
    assert many.status_code == 422 and many.json()["code"] == "validation_error"
    ok = client.post(
        "/api/v1/events",
        headers=bob.auth,
        json={
            "events": [
                {"video_id": video, "kind": "play", "watched_s": 0},
                {"video_id": video, "kind": "complete", "watched_s": 8},
            ]
        },
    )
    assert ok.json() == {"accepted": 2, "skipped": []}
    gone = f"us_{'0' * 32}"
    mixed = client.post(
        "/api/v1/events",
        headers=bob.auth,
        json={
            "events": [
                {"video_id": gone, "kind": "impression", "watched_s": 0},
                {"video_id": video, "kind": "progress", "watched_s": 4},
            ]
        },
    )
    assert mixed.status_code == 202 and mixed.json() == {"accepted": 1, "skipped": [gone]}
    platform.jobs.drain()
    assert counts(client, video)["views"] == 1


def test_comment_pages_follow_time_across_regions(
    client: TestClient, platform: Platform, alice: Member, bob: Member, clock: FrozenClock
) -> None:
    video = a_public_video(platform, alice)
    for n in range(7):  # alternate regions: ids from different regions do not sort by time
        who = (alice, bob)[n % 2]
        client.post(f"/api/v1/videos/{video}/comments", headers=who.auth, json={"body": f"c{n}"})
        clock.advance(seconds=1)
    seen: list[str] = []
    cursor = None
    while True:
        page = client.get(
            f"/api/v1/videos/{video}/comments", params={"limit": 3, **({"cursor": cursor} if cursor else {})}
        ).json()
        seen += [c["body"] for c in page["items"]]
        if not (cursor := page["next_cursor"]):
            break
    assert seen == [f"c{n}" for n in reversed(range(7))]
