"""Every object-level route checks ownership: a second user, sweeping all routes over someone else's private
objects (an upload, an unpublished video, a comment), gets 404 — the same answer as for a missing id. Every
route that takes an id is swept here, in tests/shop/test_shop_ownership.py or tests/ads/test_campaigns.py, or
is public by design."""

from __future__ import annotations

from pathlib import Path

from fastapi.testclient import TestClient

from clipshop.platform import Platform
from support import (
    ADS_OBJECTS,
    COMMERCE_OBJECTS,
    PUBLIC_ROUTES,
    SOCIAL_OBJECTS,
    Member,
    id_routes,
    post_clip,
    sweep_as,
    upload_file,
)


def test_every_route_that_takes_an_id_is_swept_or_public(client: TestClient) -> None:
    routes = id_routes(client.app)  # type: ignore[arg-type]
    uncovered = [
        route
        for route, params in sorted(routes.items())
        if route not in PUBLIC_ROUTES
        and not (params <= SOCIAL_OBJECTS or params <= COMMERCE_OBJECTS or params <= ADS_OBJECTS)
    ]
    # Each needs a sweep with another user's real objects, or an entry in PUBLIC_ROUTES saying why not.
    assert uncovered == []
    assert sorted(PUBLIC_ROUTES.keys() - routes.keys()) == []  # no public entry outlives its route


def test_a_second_user_cannot_reach_private_objects_through_any_route(
    client: TestClient, platform: Platform, alice: Member, bob: Member, clips: dict[str, Path]
) -> None:
    upload_id = upload_file(client, alice, clips["silent"])
    video = client.post(
        "/api/v1/videos",
        headers=alice.auth,
        json={"upload_id": upload_id, "caption": "draft", "publish": False},
    )
    public_video = post_clip(client, platform, alice, clips["silent"], "out there")["id"]
    comment = client.post(
        f"/api/v1/videos/{public_video}/comments", headers=alice.auth, json={"body": "mine"}
    )
    assert comment.status_code == 201, comment.text
    ids = {"upload_id": upload_id, "video_id": video.json()["id"], "comment_id": comment.json()["id"]}
    assert ids.keys() == SOCIAL_OBJECTS
    platform.jobs.drain()  # ready, but not published: still private
    assert (
        client.get(f"/api/v1/videos/{ids['video_id']}/status", headers=alice.auth).json()["status"] == "ready"
    )

    swept = sweep_as(
        client,
        bob,
        ids,
        body={"caption": "x", "body": "x", "channel": "link", "products": []},
        headers={"Upload-Offset": "0", "Tus-Resumable": "1.0.0"},
    )
    assert {
        "HEAD /api/v1/uploads/{upload_id}",
        "PATCH /api/v1/videos/{video_id}",
        "DELETE /api/v1/comments/{comment_id}",
        "GET /v/{video_id}",
    } <= set(swept), swept
    # The owner still reaches them, unchanged.
    assert client.get(f"/api/v1/uploads/{upload_id}", headers=alice.auth).status_code == 200
    comments = client.get(f"/api/v1/videos/{public_video}/comments").json()["items"]
    assert [(c["id"], c["body"]) for c in comments] == [(ids["comment_id"], "mine")]
    published = client.post(f"/api/v1/videos/{ids['video_id']}/publish", headers=alice.auth)
    assert published.status_code == 200 and published.json()["published_at"] is not None
    assert published.json()["caption"] == "draft"
    assert client.get(f"/api/v1/videos/{ids['video_id']}", headers=bob.auth).status_code == 200
