"""A region's engagement as the directory shows it (counters, follows, comments), healed from the region
when the job that copies it was lost or the directory commit never came."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import delete

from clipshop.kit.ids import new_id
from clipshop.kit.watermarks import Window
from clipshop.platform import Platform
from clipshop.social.models import PublicComment
from clipshop.social.service import heal_projections
from doubles import FrozenClock
from support import Member, a_public_video


def heal(platform: Platform, region: str, *, since_minutes: float | None = None) -> dict[str, int]:
    now = platform.clock.now()
    since = None if since_minutes is None else now - timedelta(minutes=since_minutes)
    with platform.uow(home=region).transaction() as uow:
        return heal_projections(uow, region=region, window=Window(since, now + timedelta(seconds=1)))


def shown(client: TestClient, video_id: str) -> dict[str, Any]:
    return dict(client.get(f"/api/v1/videos/{video_id}").json()["counts"])


def test_counters_whose_jobs_were_lost_are_copied(
    client: TestClient, platform: Platform, clock: FrozenClock, alice: Member, bob: Member
) -> None:
    video = a_public_video(platform, alice)
    clock.advance(minutes=30)
    client.post(f"/api/v1/videos/{video}/like", headers=bob.auth)
    client.post(f"/api/v1/videos/{video}/share", headers=bob.auth, json={"channel": "link"})
    client.post("/api/v1/users/alice/follow", headers=bob.auth)
    platform.jobs.flush()  # the wake-up calls are lost (a crash after the commit)
    assert shown(client, video) == {"likes": 0, "comments": 0, "shares": 0, "views": 0}

    assert heal(platform, "us", since_minutes=1) == {}
    assert heal(platform, "eu", since_minutes=1) == {
        "follower counters": 1,
        "public profiles' counters": 1,
        "video counters": 1,
    }

    assert shown(client, video) == {"likes": 1, "comments": 0, "shares": 1, "views": 0}
    alice_shown = client.get("/api/v1/users/alice").json()
    assert (alice_shown["follower_count"], alice_shown["like_count"]) == (1, 1)
    assert client.get("/api/v1/users/bob").json()["following_count"] == 1
    assert heal(platform, "eu", since_minutes=1) == {}

    client.delete("/api/v1/users/alice/follow", headers=bob.auth)
    platform.jobs.flush()
    assert heal(platform, "eu", since_minutes=1) == {
        "follower counters": 1,
        "public profiles' counters": 1,
    }
    assert client.get("/api/v1/users/alice").json()["follower_count"] == 0
    assert client.get("/api/v1/users/bob").json()["following_count"] == 0


def test_lost_comments_come_back_and_a_deleted_ones_copy_goes_in_a_full_sweep(
    client: TestClient, platform: Platform, alice: Member, bob: Member
) -> None:
    video = a_public_video(platform, alice)
    top = client.post(f"/api/v1/videos/{video}/comments", headers=bob.auth, json={"body": "first"}).json()
    reply = client.post(
        f"/api/v1/videos/{video}/comments", headers=bob.auth, json={"body": "again", "parent_id": top["id"]}
    ).json()
    platform.jobs.drain()
    with platform.uow().transaction() as uow:  # as if both comments' directory commits never came
        uow.directory.execute(delete(PublicComment))

    assert heal(platform, "eu", since_minutes=1) == {"public comments": 2}

    listed = client.get(f"/api/v1/videos/{video}/comments").json()["items"]
    assert [(c["id"], c["body"], c["reply_count"]) for c in listed] == [(top["id"], "first", 1)]
    replies = client.get(f"/api/v1/comments/{top['id']}/replies").json()["items"]
    assert [(c["id"], c["body"]) for c in replies] == [(reply["id"], "again")]

    # A deleted reply's copy outlives its deletion (as if the directory commit never came).
    gone = new_id("eu")
    with platform.uow().transaction() as uow:
        public = uow.directory.get_one(PublicComment, reply["id"])
        uow.directory.add(
            PublicComment(
                id=gone,
                video_id=video,
                parent_id=top["id"],
                author_id=bob.id,
                body="deleted",
                reply_count=0,
                created_at=public.created_at,
            )
        )
        uow.directory.get_one(PublicComment, top["id"]).reply_count = 2
    assert heal(platform, "eu", since_minutes=1) == {}
    assert heal(platform, "eu") == {"public comments": 1}
    listed = client.get(f"/api/v1/videos/{video}/comments").json()["items"]
    assert [(c["id"], c["reply_count"]) for c in listed] == [(top["id"], 1)]
    assert heal(platform, "eu") == {}
