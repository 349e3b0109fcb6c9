"""Behind nginx (`media_accel_prefix`), the media route still decides who may fetch a file, then hands it to
nginx by `X-Accel-Redirect` instead of sending its bytes; refusals stay the app's own answers."""

from __future__ import annotations

from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from backends import Backend, make_settings
from clipshop.config import Settings
from clipshop.kit.everywhere import everywhere
from clipshop.platform import Platform
from clipshop.videos import service
from clipshop.videos.models import Video
from support import Member, a_region_video


@pytest.fixture
def settings(backend: Backend, tmp_path: Path) -> Settings:
    return make_settings(backend, tmp_path, media_accel_prefix="/_media")


def test_a_file_that_may_be_fetched_is_handed_to_nginx_and_a_refusal_is_not(
    client: TestClient, platform: Platform, bob: Member
) -> None:
    video_id = a_region_video(platform, bob)
    store = platform.media_store("eu")
    store.put_bytes(f"videos/{video_id}/hls/master.m3u8", b"#EXTM3U\n")
    store.put_bytes(f"videos/{video_id}/hls/360p/seg_000.ts", b"\x47" * 188)
    base = f"/media/eu/videos/{video_id}/hls"

    for path, media_type, cache in [
        ("master.m3u8", "application/vnd.apple.mpegurl", "public, max-age=60"),
        ("360p/seg_000.ts", "video/mp2t", "public, max-age=31536000, immutable"),
    ]:
        for method in (client.get, client.head):
            r = method(f"{base}/{path}")
            assert r.status_code == 200
            assert r.headers["x-accel-redirect"] == f"/_media/eu/videos/{video_id}/hls/{path}"
            assert (r.headers["content-type"], r.headers["cache-control"]) == (media_type, cache)
            assert r.content == b""

    missing = client.get(f"{base}/720p/seg_000.ts")
    assert (missing.status_code, missing.json()["code"]) == (404, "not_found")
    assert "x-accel-redirect" not in missing.headers
    raw = client.get(f"/media/eu/uploads/{video_id}.bin")
    assert raw.status_code == 404 and "x-accel-redirect" not in raw.headers

    with everywhere(platform.databases).transaction() as uow:
        video = uow.region("eu").get_one(Video, video_id)
        assert service.withhold_video(
            uow, video=video, decision_id="decision1", store=store, now=platform.clock.now()
        )
    withheld = client.get(f"{base}/master.m3u8")
    assert (withheld.status_code, withheld.json()["code"]) == (410, "media_withheld")
    assert "x-accel-redirect" not in withheld.headers


def test_the_prefix_is_a_plain_path() -> None:
    with pytest.raises(ValueError, match="media_accel_prefix"):
        Settings(media_accel_prefix="/_media/")
    with pytest.raises(ValueError, match="media_accel_prefix"):
        Settings(media_accel_prefix="_media")
    assert Settings(media_accel_prefix="/internal/media").media_accel_prefix == "/internal/media"
