"""Resumable uploads: offsets, resuming, limits, and refusing anything that is not a real video."""

from __future__ import annotations

import base64
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from clipshop.platform import Platform
from support import Member, upload_file

TUS = {"Tus-Resumable": "1.0.0"}


def open_upload(client: TestClient, member: Member, size: int) -> str:
    r = client.post(
        "/api/v1/uploads",
        headers={
            **member.auth,
            **TUS,
            "Upload-Length": str(size),
            "Upload-Metadata": "filename " + base64.b64encode(b"x.mp4").decode(),
        },
    )
    assert r.status_code == 201, r.text
    return str(r.headers["location"])


def patch(client: TestClient, member: Member, url: str, offset: int, data: bytes) -> object:
    return client.patch(
        url,
        content=data,
        headers={
            **member.auth,
            **TUS,
            "Upload-Offset": str(offset),
            "Content-Type": "application/offset+octet-stream",
        },
    )


def test_an_interrupted_upload_resumes_from_the_confirmed_offset(
    client: TestClient, platform: Platform, alice: Member, clips: dict[str, Path]
) -> None:
    data = clips["vertical"].read_bytes()
    url = open_upload(client, alice, len(data))
    first = patch(client, alice, url, 0, data[:10_000])
    assert first.status_code == 204 and first.headers["upload-offset"] == "10000"  # type: ignore[attr-defined]
    # The client lost its connection and does not know what arrived: it asks.
    head = client.head(url, headers={**alice.auth, **TUS})
    assert head.headers["upload-offset"] == "10000" and head.headers["upload-length"] == str(len(data))
    stale = patch(client, alice, url, 0, data[:500])
    assert stale.status_code == 409 and stale.json()["code"] == "offset_mismatch"  # type: ignore[attr-defined]
    assert stale.json()["expected_offset"] == 10000  # type: ignore[attr-defined]
    done = patch(client, alice, url, 10_000, data[10_000:])
    assert done.status_code == 204  # type: ignore[attr-defined]
    state = client.get(url, headers=alice.auth).json()
    assert (state["status"], state["offset"]) == ("complete", len(data))
    upload_id = url.rsplit("/", 1)[-1]
    assert platform.upload_volumes["us"].read(upload_id) == data


def test_options_advertise_the_protocol(client: TestClient) -> None:
    r = client.options("/api/v1/uploads")
    assert r.status_code == 204
    assert (r.headers["tus-version"], r.headers["tus-extension"]) == ("1.0.0", "creation")
    assert r.headers["tus-max-size"] == str(50 * 1024 * 1024)


def test_size_limit(client: TestClient, alice: Member) -> None:
    r = client.post("/api/v1/uploads", headers={**alice.auth, **TUS, "Upload-Length": str(51 * 1024 * 1024)})
    assert r.status_code == 413 and r.json()["code"] == "upload_too_large"
    url = open_upload(client, alice, 100)
    over = patch(client, alice, url, 0, b"\x00" * 101)
    assert over.status_code == 413 and over.json()["code"] == "upload_overflow"  # type: ignore[attr-defined]


FAKES = {
    "playlist": b"#EXTM3U\n#EXT-X-VERSION:3\n#EXTINF:2.0,\nfile:///etc/passwd\n#EXT-X-ENDLIST\n" * 80,
    "concat": b"ffconcat version 1.0\nfile '/etc/passwd'\n" * 200,
    "png": b"\x89PNG\r\n\x1a\n" + b"\x00" * 5000,
    "text": b"just some words, not a video at all\n" * 200,
}


@pytest.mark.parametrize("kind", sorted(FAKES))
def test_things_that_are_not_videos_are_refused_at_the_first_bytes(
    client: TestClient, platform: Platform, alice: Member, kind: str
) -> None:
    data = FAKES[kind]
    url = open_upload(client, alice, len(data))
    r = patch(client, alice, url, 0, data)
    assert r.status_code == 415 and r.json()["code"] == "not_media"  # type: ignore[attr-defined]
    assert client.get(url, headers=alice.auth).json()["status"] == "failed"
    assert platform.upload_volumes["us"].upload_ids() == []


def test_a_truncated_video_is_refused_when_the_upload_ends(
    client: TestClient, platform: Platform, alice: Member, clips: dict[str, Path]
) -> None:
    data = clips["vertical"].read_bytes()[: len(clips["vertical"].read_bytes()) * 6 // 10]
    url = open_upload(client, alice, len(data))
    r = patch(client, alice, url, 0, data)
    assert r.status_code == 415 and r.json()["code"] == "truncated_media"  # type: ignore[attr-defined]
    upload_id = url.rsplit("/", 1)[-1]
    made = client.post("/api/v1/videos", headers=alice.auth, json={"upload_id": upload_id})
    assert made.status_code == 409 and made.json()["code"] == "upload_incomplete"


def test_uploads_and_videos_are_private_to_their_owner(
    client: TestClient,
    platform: Platform,
    alice: Member,
    bob: Member,
    sign_up: object,
    clips: dict[str, Path],
) -> None:
    upload_id = upload_file(client, alice, clips["silent"])
    url = f"/api/v1/uploads/{upload_id}"
    carol = sign_up("carol", "US")  # type: ignore[operator]
    for other in (bob, carol):
        assert client.get(url, headers=other.auth).status_code == 404
        assert client.head(url, headers=other.auth).status_code == 404
        assert patch(client, other, url, 0, b"x").status_code == 404  # type: ignore[attr-defined]
        r = client.post("/api/v1/videos", headers=other.auth, json={"upload_id": upload_id})
        assert r.status_code == 404 and r.json()["code"] == "not_found"
    video = client.post(
        "/api/v1/videos", headers=alice.auth, json={"upload_id": upload_id, "caption": "mine"}
    )
    video_id = video.json()["id"]
    for other in (bob, carol):
        assert client.get(f"/api/v1/videos/{video_id}/status", headers=other.auth).status_code == 404
        assert client.post(f"/api/v1/videos/{video_id}/publish", headers=other.auth).status_code == 404
        assert (
            client.patch(
                f"/api/v1/videos/{video_id}", headers=other.auth, json={"caption": "hijacked"}
            ).status_code
            == 404
        )
    assert client.post("/api/v1/uploads", headers={**TUS, "Upload-Length": "10"}).status_code == 401


def test_creating_a_video_twice_from_one_upload_returns_the_same_video(
    client: TestClient, platform: Platform, alice: Member, clips: dict[str, Path]
) -> None:
    platform.jobs.drain()  # the members' sign-up mails, sent
    upload_id = upload_file(client, alice, clips["silent"])
    body = {"upload_id": upload_id, "caption": "once #only"}
    first = client.post("/api/v1/videos", headers=alice.auth, json=body).json()
    again = client.post("/api/v1/videos", headers=alice.auth, json=body).json()
    assert first["id"] == again["id"]
    other = client.post("/api/v1/videos", headers=alice.auth, json={**body, "caption": "different"})
    assert other.status_code == 409 and other.json()["code"] == "upload_used"
    assert platform.jobs.drain() == 1  # one transcode, not two
    assert platform.jobs.drain() == 0
