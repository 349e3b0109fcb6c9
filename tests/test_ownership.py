"""Every object-level route checks ownership: a second user, sweeping all routes over someone else's private
objects (an upload, an unpublished video, a comment), gets 404 — the same answer as for a missing id."""

from __future__ import annotations

import re
from pathlib import Path

from fastapi.testclient import TestClient

from clipshop.platform import Platform
from support import Member, upload_file

PRIVATE_PARAMS = {"upload_id", "video_id"}


def test_a_second_user_cannot_reach_private_objects_through_any_route(
    client: TestClient, platform: Platform, alice: Member, bob: Member, clips: dict[str, Path]
) -> None:
    upload_id = upload_file(client, alice, clips["silent"])
    video = client.post(
        "/api/v1/videos",
        headers=alice.auth,
        json={"upload_id": upload_id, "caption": "draft", "publish": False},
    )
    ids = {"upload_id": upload_id, "video_id": video.json()["id"]}
    platform.jobs.drain()  # ready, but not published: still private
    assert (
        client.get(f"/api/v1/videos/{ids['video_id']}/status", headers=alice.auth).json()["status"] == "ready"
    )

    swept = []
    paths = client.get("/api/v1/openapi.json").json()["paths"]
    for path, operations in paths.items():
        params = set(re.findall(r"{(\w+)}", path))
        if not params or not params <= PRIVATE_PARAMS:
            continue
        url = path.format(**ids)
        for method in sorted(m.upper() for m in operations):
            kwargs: dict[str, object] = {
                "headers": {**bob.auth, "Upload-Offset": "0", "Tus-Resumable": "1.0.0"}
            }
            if method in {"POST", "PATCH", "PUT"}:
                kwargs["json"] = {"caption": "x", "body": "x", "channel": "link", "products": []}
            response = client.request(method, url, **kwargs)  # type: ignore[arg-type]
            swept.append(f"{method} {path}")
            assert response.status_code == 404, (method, url, response.status_code, response.text)
            assert response.json()["code"] == "not_found", (method, url, response.text)
    assert client.head(f"/api/v1/uploads/{upload_id}", headers=bob.auth).status_code == 404
    assert len(swept) >= 10, swept
    # The owner still reaches them.
    assert client.get(f"/api/v1/uploads/{upload_id}", headers=alice.auth).status_code == 200
    published = client.post(f"/api/v1/videos/{ids['video_id']}/publish", headers=alice.auth)
    assert published.status_code == 200 and published.json()["published_at"] is not None
    assert client.get(f"/api/v1/videos/{ids['video_id']}", headers=bob.auth).status_code == 200
