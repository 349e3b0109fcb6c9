"""Search applies the viewer: an age-restricted video is found by adults only, and nothing of an account
apart from the viewer by a block is found (its profile, videos, or shop's products); a hashtag counts only
the videos the viewer could find; liking a video across a block is refused."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import update

from clipshop.platform import Platform
from clipshop.videos.models import PublicVideo
from support import Member, a_product, a_ready_video, open_shop


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


def hashtags(client: TestClient, q: str, viewer: Member | None = None) -> list[tuple[str, int]]:
    headers = viewer.auth if viewer else {}
    body = client.get("/api/v1/search", params={"q": q, "type": "hashtags"}, headers=headers).json()
    return [(h["tag"], h["videos"]) for h in body["hashtags"]]


def suggested(client: TestClient, q: str, viewer: Member | None = None) -> list[tuple[str, str]]:
    headers = viewer.auth if viewer else {}
    r = client.get("/api/v1/search/suggest", params={"q": q}, headers=headers)
    assert r.status_code == 200, r.text
    return [(s["kind"], s["text"]) for s in r.json()["suggestions"]]


def test_products_of_a_shop_apart_by_a_block_are_not_found_either_way(
    client: TestClient, alice: Member, bob: Member, sign_up: Any
) -> None:
    carol = sign_up("carol", "US")
    shop_id = open_shop(client, alice, "loomhouse")
    rug = a_product(client, alice, shop_id, title="Handwoven rug", price=15000)["id"]
    for viewer in (None, bob, carol):
        assert found(client, "handwoven rug", "products", viewer) == [rug]
        assert found(client, "loomhouse", "products", viewer) == [rug]
    assert ("product", "Handwoven rug") in suggested(client, "handwoven", bob)

    # alice blocks bob; carol blocks alice: neither finds the shop's products any more, in any kind
    assert client.post(f"/api/v1/users/{bob.handle}/block", headers=alice.auth).status_code in (200, 201)
    assert client.post(f"/api/v1/users/{alice.handle}/block", headers=carol.auth).status_code in (200, 201)
    for viewer in (bob, carol):
        assert found(client, "handwoven rug", "products", viewer) == []
        assert found(client, "loomhouse", "products", viewer) == []
        top = client.get("/api/v1/search", params={"q": "handwoven rug"}, headers=viewer.auth).json()
        assert top["products"] == []
        assert [s for s in suggested(client, "handwoven", viewer) if s[0] == "product"] == []
    # the block binds only the two accounts: the owner and anyone else still find them
    assert found(client, "handwoven rug", "products", alice) == [rug]
    assert found(client, "handwoven rug", "products") == [rug]


def test_hashtag_counts_hold_only_the_videos_the_viewer_could_find(
    client: TestClient, platform: Platform, alice: Member, sign_up: Any
) -> None:
    carol = sign_up("carol", "US")
    adult = sign_up("adultsearcher", "US", birth_date="1990-01-01")
    teen = sign_up("teensearcher", "US", birth_date="2011-01-01")
    published(client, platform, alice, "Blue vase #glassblowing")
    restricted = [
        published(client, platform, alice, "Hot shop at night #glassblowing"),
        published(client, platform, alice, "Only for grown-ups #afterdark"),
    ]
    published(client, platform, carol, "Green bowl #glassblowing")
    with platform.uow(home=alice.region).transaction() as uow:
        uow.directory.execute(
            update(PublicVideo).where(PublicVideo.id.in_(restricted)).values(age_restricted=True)
        )

    assert hashtags(client, "glassblowing", adult) == [("glassblowing", 3)]
    assert hashtags(client, "glassblowing", teen) == [("glassblowing", 2)]
    assert hashtags(client, "glassblowing") == [("glassblowing", 2)]
    # a tag of age-restricted videos alone is neither found nor suggested to a minor or a visitor
    assert hashtags(client, "afterdark", adult) == [("afterdark", 1)]
    assert hashtags(client, "afterdark", teen) == []
    assert hashtags(client, "afterdark") == []
    assert ("hashtag", "#afterdark") in suggested(client, "afterda", adult)
    assert ("hashtag", "#afterdark") not in suggested(client, "afterda", teen)
    assert ("hashtag", "#afterdark") not in suggested(client, "afterda")
    top = client.get("/api/v1/search", params={"q": "glassblowing"}, headers=teen.auth).json()
    assert [(h["tag"], h["videos"]) for h in top["hashtags"]] == [("glassblowing", 2)]

    # a block hides the blocker's videos from the count too
    assert client.post(f"/api/v1/users/{adult.handle}/block", headers=alice.auth).status_code in (200, 201)
    assert hashtags(client, "glassblowing", adult) == [("glassblowing", 1)]
    assert hashtags(client, "afterdark", adult) == []
