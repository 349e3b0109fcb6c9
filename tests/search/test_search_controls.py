"""Search applies the viewer: an age-restricted video is found by adults only, and nothing of an account
apart from the viewer by a block is found; liking a video across a block is refused."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import update

from clipshop.platform import Platform
from clipshop.videos.models import PublicVideo
from support import Member, a_ready_video


def found(client: TestClient, q: str, kind: str, viewer: Member | None = None) -> list[str]:
    headers = viewer.auth if viewer else {}
    body = client.get("/api/v1/search", params={"q": q, "type": kind}, headers=headers).json()
    if kind == "creators":
        return [c["handle"] for c in body["creators"]]
    return [item["id"] for item in body[kind]]


def published(client: TestClient, platform: Platform, who: Member, caption: str) -> str:
    video_id = a_ready_video(platform, who, caption=caption)
    r = client.post(f"/api/v1/videos/{video_id}/publish", headers=who.auth)
    assert r.status_code == 200, r.text
    return video_id


def test_age_restricted_videos_are_found_by_adults_only(
    client: TestClient, platform: Platform, alice: Member, sign_up: Any
) -> None:
    adult = sign_up("adultsearcher", "US", birth_date="1990-01-01")
    teen = sign_up("teensearcher", "US", birth_date="2011-01-01")
    video_id = published(client, platform, alice, "Glassblowing a blue vase")
    with platform.uow(home=alice.region).transaction() as uow:
        uow.directory.execute(
            update(PublicVideo).where(PublicVideo.id == video_id).values(age_restricted=True)
        )
    assert found(client, "glassblowing", "videos", adult) == [video_id]
    assert found(client, "glassblowing", "videos", teen) == []
    assert found(client, "glassblowing", "videos") == []


def test_blocked_accounts_are_not_found_either_way(
    client: TestClient, platform: Platform, alice: Member, bob: Member
) -> None:
    video_id = published(client, platform, alice, "Glassblowing a blue vase")
    assert found(client, "glassblowing", "videos", bob) == [video_id]
    r = client.post(f"/api/v1/users/{bob.handle}/block", headers=alice.auth)
    assert r.status_code in (200, 201), r.text
    assert found(client, "glassblowing", "videos", bob) == []
    assert found(client, "alice", "creators", bob) == []
    assert found(client, "bob", "creators", alice) == []
    assert found(client, "glassblowing", "videos") == [video_id]
    r = client.post(f"/api/v1/videos/{video_id}/like", headers=bob.auth)
    assert r.status_code == 404, r.text
