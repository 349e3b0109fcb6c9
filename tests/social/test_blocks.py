"""Blocks hold everywhere, both ways, within a region and across two: feeds (For You, its trending source,
Following, hashtags, a shop's clips), profiles, comments, follows. The block lives in the blocker's region;
the blocked person's requests ask that region through the residency gateway, and the residency check
stays clean."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from clipshop.feed import sources
from clipshop.kit.everywhere import everywhere
from clipshop.platform import Platform
from clipshop.residency.check import check_residency
from clipshop.residency.models import AuditEntry
from clipshop.social.models import Block, BlockHint, Follow
from support import PASSWORD, Member, a_public_video


def ids(response: Any) -> set[str]:
    assert response.status_code == 200, response.text
    return {item["id"] for item in response.json()["items"]}


def block(client: TestClient, who: Member, whom: Member) -> None:
    r = client.post(f"/api/v1/users/{whom.handle}/block", headers=who.auth)
    assert r.status_code == 200 and r.json() == {"blocked": True}, r.text


def follow(client: TestClient, who: Member, whom: Member) -> Any:
    return client.post(f"/api/v1/users/{whom.handle}/follow", headers=who.auth)


@pytest.mark.parametrize("across", [False, True], ids=["same-region", "two-regions"])
@pytest.mark.parametrize("blocker_is_creator", [True, False], ids=["creator-blocks", "viewer-blocks"])
def test_blocks_hold_everywhere(
    client: TestClient, platform: Platform, sign_up: Any, across: bool, blocker_is_creator: bool
) -> None:
    creator = sign_up("maker", "US")
    viewer = sign_up("watcher", "DE" if across else "MX")
    other = sign_up("bystander", "US")
    assert (creator.region != viewer.region) is across
    theirs = a_public_video(platform, creator, "mine #cats", likes=50, views=100)
    kept = a_public_video(platform, other, "also #cats", likes=1)
    assert follow(client, viewer, creator).status_code == 200
    assert follow(client, creator, viewer).status_code == 200
    comment = client.post(f"/api/v1/videos/{kept}/comments", headers=creator.auth, json={"body": "hi"})
    assert comment.status_code == 201
    platform.jobs.drain()
    # The creator's clip trends in the viewer's region.
    liked = client.post(f"/api/v1/videos/{theirs}/like", headers=viewer.auth)
    assert liked.status_code == 200
    with platform.uow(home=viewer.region).transaction() as uow:
        assert sources.refresh_trending(uow, region=viewer.region, now=platform.clock.now()) >= 1
    assert theirs in ids(client.get("/api/v1/feed/for-you", headers=viewer.auth))

    blocker, blocked = (creator, viewer) if blocker_is_creator else (viewer, creator)
    block(client, blocker, blocked)
    platform.jobs.drain()

    # Follows are gone both ways, and cannot come back.
    with everywhere(platform.databases).transaction() as uow:
        follows = {
            (f.follower_id, f.followee_id)
            for r in ("us", "eu")
            for f in uow.region(r).scalars(select(Follow))
        }
    assert follows == set()
    for who, whom in ((viewer, creator), (creator, viewer)):
        refused = follow(client, who, whom)
        assert refused.status_code == 403 and refused.json()["code"] == "blocked", refused.text
    profile = client.get(f"/api/v1/users/{creator.handle}", headers=creator.auth).json()
    assert (profile["follower_count"], profile["following_count"]) == (0, 0)

    # The viewer sees nothing of the creator: For You (trending included), Following, hashtag, shop-less
    # profile, the video itself, its comments.
    for path in ("/api/v1/feed/for-you", "/api/v1/feed/following", "/api/v1/hashtags/cats/videos"):
        seen = ids(client.get(path, headers=viewer.auth))
        assert theirs not in seen, path
    assert kept in ids(client.get("/api/v1/hashtags/cats/videos", headers=viewer.auth))
    signed_out = ids(client.get("/api/v1/hashtags/cats/videos"))
    assert {theirs, kept} <= signed_out
    # The creator's videos and profile: not found for whom they blocked, "blocked" for who blocked them.
    expected = (404, "not_found") if blocker is creator else (403, "blocked")
    for path in (
        f"/api/v1/users/{creator.handle}/videos",
        f"/api/v1/videos/{theirs}",
        f"/api/v1/videos/{theirs}/comments",
    ):
        r = client.get(path, headers=viewer.auth)
        assert (r.status_code, r.json()["code"]) == expected, (path, r.text)
    profile_seen = client.get(f"/api/v1/users/{creator.handle}", headers=viewer.auth)
    if blocker is creator:
        assert profile_seen.status_code == 404
    else:
        assert profile_seen.status_code == 200 and profile_seen.json()["blocked_by_me"] is True
    # Their comments under someone else's video are hidden from the viewer (and only from them).
    comments = client.get(f"/api/v1/videos/{kept}/comments", headers=viewer.auth).json()["items"]
    assert comments == []
    assert [c["body"] for c in client.get(f"/api/v1/videos/{kept}/comments").json()["items"]] == ["hi"]
    # No comments either way.
    for who, video in ((viewer, theirs), (creator, a_public_video(platform, viewer, "viewer's"))):
        r = client.post(f"/api/v1/videos/{video}/comments", headers=who.auth, json={"body": "hey"})
        assert (r.status_code, r.json()["code"]) == (403, "blocked"), r.text
    reply = client.post(
        f"/api/v1/videos/{kept}/comments",
        headers=viewer.auth,
        json={"body": "re", "parent_id": comment.json()["id"]},
    )
    assert (reply.status_code, reply.json()["code"]) == (403, "blocked")

    # The blocker's list; where the rows live; what the audit log says; the check stays clean.
    listed = client.get("/api/v1/me/blocks", headers=blocker.auth).json()
    assert [(b["id"], b["handle"]) for b in listed] == [(blocked.id, blocked.handle)]
    assert client.get("/api/v1/me/blocks", headers=blocked.auth).json() == []
    with everywhere(platform.databases).transaction() as uow:
        assert [(b.blocker_id, b.blocked_id) for b in uow.region(blocker.region).scalars(select(Block))] == [
            (blocker.id, blocked.id)
        ]
        hints = [(h.user_id, h.region) for h in uow.region(blocked.region).scalars(select(BlockHint))]
        asked = uow.region(blocker.region).scalars(
            select(AuditEntry).where(AuditEntry.purpose == "blocking", AuditEntry.actor_id == blocked.id)
        )
        assert hints == ([(blocked.id, blocker.region)] if across else [])
        assert (len(list(asked)) > 0) is across  # the blocked side asked the blocker's region
    assert check_residency(platform) == []

    # Unblocking lets everything back (the follows stay ended).
    r = client.delete(f"/api/v1/users/{blocked.handle}/block", headers=blocker.auth)
    assert r.json() == {"blocked": False}
    assert theirs in ids(client.get("/api/v1/hashtags/cats/videos", headers=viewer.auth))
    assert client.get(f"/api/v1/videos/{theirs}", headers=viewer.auth).status_code == 200
    assert follow(client, viewer, creator).status_code == 200


def test_blocking_oneself_or_nobody_is_refused(client: TestClient, alice: Member) -> None:
    r = client.post(f"/api/v1/users/{alice.handle}/block", headers=alice.auth)
    assert (r.status_code, r.json()["code"]) == (422, "self_block")
    r = client.post("/api/v1/users/nobody/block", headers=alice.auth)
    assert (r.status_code, r.json()["code"]) == (404, "not_found")
    assert client.post(f"/api/v1/users/{alice.handle}/block").status_code == 401


def test_blocks_are_exported_and_erased(
    client: TestClient, platform: Platform, alice: Member, bob: Member
) -> None:
    block(client, alice, bob)
    block(client, bob, alice)
    exported = client.get("/api/v1/me/export", headers=bob.auth)
    assert exported.status_code == 200
    import io
    import json
    import zipfile

    archive = zipfile.ZipFile(io.BytesIO(exported.content))
    assert [row["blocked_id"] for row in json.loads(archive.read("region/blocks.json"))] == [alice.id]
    assert [row["region"] for row in json.loads(archive.read("region/block_hints.json"))] == ["us"]
    r = client.post("/api/v1/me/delete", headers=bob.auth, json={"password": PASSWORD})
    assert r.status_code == 202, r.text
    platform.jobs.drain()
    with everywhere(platform.databases).transaction() as uow:
        assert list(uow.region("eu").scalars(select(Block))) == []
        assert list(uow.region("eu").scalars(select(BlockHint))) == []
        # Alice's block of the erased account is hers, and stays.
        assert [b.blocked_id for b in uow.region("us").scalars(select(Block))] == [bob.id]
    assert check_residency(platform) == []
