"""Upload → video → transcode job → published in the feed → playable, through the public API."""

from __future__ import annotations

from pathlib import Path

from fastapi.testclient import TestClient

from clipshop.platform import Platform
from support import Member, post_clip, upload_file


def test_a_clip_goes_from_upload_to_the_feed(
    client: TestClient, platform: Platform, alice: Member, bob: Member, clips: dict[str, Path]
) -> None:
    video = post_clip(client, platform, alice, clips["vertical"], "first light #sunrise #Morning")
    assert [(r["name"], r["width"], r["height"], r["status"], r["percent"]) for r in video["renditions"]] == [
        ("360p", 360, 640, "ready", 100.0)
    ]
    assert video["hashtags"] == ["sunrise", "morning"]
    assert video["published_at"] is not None

    feed = client.get("/api/v1/feed/for-you", headers=bob.auth).json()
    assert [item["id"] for item in feed["items"]] == [video["id"]]
    item = feed["items"][0]
    assert item["creator"]["handle"] == "alice" and item["region"] == "us"

    master = client.get(item["master_url"])
    assert master.status_code == 200
    assert master.headers["content-type"] == "application/vnd.apple.mpegurl"
    assert "360p/index.m3u8" in master.text
    base = item["master_url"].rsplit("/", 1)[0]
    variant = client.get(f"{base}/360p/index.m3u8").text
    segment = next(line for line in variant.splitlines() if line.endswith(".ts"))
    whole = client.get(f"{base}/360p/{segment}")
    assert whole.headers["content-type"] == "video/mp2t"
    part = client.get(f"{base}/360p/{segment}", headers={"Range": "bytes=0-187"})
    assert part.status_code == 206 and part.content == whole.content[:188]
    assert client.get(item["poster_url"]).headers["content-type"] == "image/jpeg"


def test_raw_uploads_are_never_served(
    client: TestClient, platform: Platform, alice: Member, clips: dict[str, Path]
) -> None:
    upload_id = upload_file(client, alice, clips["silent"])
    assert platform.upload_volumes["us"].upload_ids() == [upload_id]
    assert client.get(f"/media/us/uploads/{upload_id}.bin").status_code == 404
    assert client.get("/media/us/videos/../uploads/x.bin").status_code == 404
