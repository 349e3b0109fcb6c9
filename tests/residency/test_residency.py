"""Users in different regions interact; every personal row and file stays in its owner's home region."""

from __future__ import annotations

from pathlib import Path

from fastapi.testclient import TestClient
from sqlalchemy import func, select

from clipshop.accounts.models import User
from clipshop.kit.db import RegionBase
from clipshop.kit.everywhere import everywhere
from clipshop.kit.ids import new_id, region_of
from clipshop.platform import Platform
from clipshop.residency.check import check_residency, owner_columns
from support import Member, copy_account, post_clip

# Each user's rows at home after the exchange below; every other owned table has none.
HOME_ROWS = {
    "users": 1,
    "auth_sessions": 1,
    "uploads": 1,
    "videos": 1,
    "likes": 1,
    "comments": 2,  # one on the other's clip, one reply on their own
    "shares": 1,
    "follows": 1,
    "watch_history": 1,
    "events": 9,  # impression, play, progress, complete, like, two comments, share, follow
    "outbox_mails": 1,  # the sign-up's address verification
    "email_verifications": 1,  # its link
    "notifications": 4,  # the other's like, comment and follow, and their reply to one's comment
    "notification_actors": 4,
}


def test_personal_rows_live_only_in_the_home_region(
    client: TestClient, platform: Platform, alice: Member, bob: Member, clips: dict[str, Path]
) -> None:
    assert (alice.region, bob.region) == ("us", "eu")
    a_video = post_clip(client, platform, alice, clips["vertical"], "from the US #hello")
    b_video = post_clip(client, platform, bob, clips["silent"], "from the EU #hello")
    for me, other, video in ((alice, bob, b_video), (bob, alice, a_video)):
        assert client.post(f"/api/v1/videos/{video['id']}/like", headers=me.auth).status_code == 200
        comment = client.post(
            f"/api/v1/videos/{video['id']}/comments", headers=me.auth, json={"body": "nice"}
        )
        assert comment.status_code == 201
        reply = client.post(
            f"/api/v1/videos/{video['id']}/comments",
            headers=other.auth,
            json={"body": "thanks!", "parent_id": comment.json()["id"]},
        )
        assert reply.status_code == 201
        assert client.post(f"/api/v1/videos/{video['id']}/share", headers=me.auth, json={}).status_code == 200
        assert client.post(f"/api/v1/users/{other.handle}/follow", headers=me.auth).status_code == 200
        events = [
            {"video_id": video["id"], "kind": k, "watched_s": s}
            for k, s in (("impression", 0), ("play", 0), ("progress", 1.5), ("complete", 3))
        ]
        assert client.post("/api/v1/events", headers=me.auth, json={"events": events}).status_code == 202
    platform.jobs.drain()

    assert check_residency(platform) == []
    # Each user's personal rows exist, and only in the home region.
    for member, elsewhere in ((alice, "eu"), (bob, "us")):
        with everywhere(platform.databases).transaction() as uow:
            home: dict[str, int] = {}
            for name, column in owner_columns(RegionBase.metadata).items():
                home[name] = uow.region(member.region).scalar(
                    select(func.count()).select_from(column.table).where(column == member.id)
                )
                away = sum(
                    uow.region(r).scalar(
                        select(func.count()).select_from(column.table).where(column == member.id)
                    )
                    or 0
                    for r in platform.databases.regions
                    if r != member.region
                )
                assert away == 0, (member.handle, name)
            assert home == dict.fromkeys(home, 0) | HOME_ROWS, member.handle
            assert uow.region(elsewhere).get(User, member.id) is None
            assert uow.region(member.region).get(User, member.id) is not None
        held = platform.upload_volumes[member.region].upload_ids()
        assert [region_of(upload_id) for upload_id in held] == [member.region]
    # The public side sees the cross-region engagement.
    for video, creator in ((a_video, alice), (b_video, bob)):
        public = client.get(f"/api/v1/videos/{video['id']}").json()
        assert public["counts"] == {"likes": 1, "comments": 2, "shares": 1, "views": 1}
        assert public["creator"]["handle"] == creator.handle
    assert client.get("/api/v1/users/alice").json()["follower_count"] == 1
    assert client.get("/api/v1/users/bob").json()["following_count"] == 1


def test_the_check_finds_a_row_out_of_place(platform: Platform, bob: Member) -> None:
    assert check_residency(platform) == []
    copy_account(platform, bob, into="us")  # exactly what must never happen
    assert [str(v) for v in check_residency(platform)] == [
        f"region us: users row {bob.id} belongs to region eu"
    ]


def test_the_check_finds_an_upload_out_of_place(platform: Platform) -> None:
    stray = new_id("eu")
    platform.upload_volumes["us"].create(stray)
    assert [str(v) for v in check_residency(platform)] == [
        f"media us: uploads row {stray} belongs to region eu"
    ]


def test_the_check_finds_media_kept_under_another_regions_id(platform: Platform) -> None:
    avatar, video = new_id("eu"), new_id("au")
    store = platform.media_store("us")
    store.put_bytes(f"avatars/{avatar}/0123456789abcdef.jpg", b"\xff\xd8")
    store.put_bytes(f"videos/{video}/hls/master.m3u8", b"#EXTM3U\n")
    store.put_bytes(f"videos/{new_id('us')}/hls/master.m3u8", b"#EXTM3U\n")  # in its place
    store.put_bytes("products/not-an-id/picture.jpg", b"\xff\xd8")
    assert [str(v) for v in check_residency(platform)] == [
        f"media us: videos row {video} belongs to region au",
        f"media us: avatars row {avatar} belongs to region eu",
        "media us: products row not-an-id belongs to region unknown",
    ]


def test_the_check_finds_a_personal_value_in_a_queued_job(platform: Platform) -> None:
    """The queue is shared by every region: a job carries ids, and an email address in one is a finding."""
    from clipshop.social import tasks

    platform.jobs.enqueue(tasks.PROJECT_VIDEO_COUNTS, "us", new_id("us"))  # ids only: fine
    assert check_residency(platform) == []
    platform.jobs.enqueue(tasks.PROJECT_VIDEO_COUNTS, "us", "someone@example.com")
    (finding,) = check_residency(platform)
    assert (finding.store, finding.table) == ("job queue", "project_video_counts")
    platform.jobs.flush()
