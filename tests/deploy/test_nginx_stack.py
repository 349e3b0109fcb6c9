"""deploy/ as it runs: Debian's nginx with the site of deploy/nginx in front of two app processes (`clipshop
serve --workers 2`) and a `clipshop worker` on Redis, with deploy/clipshop.toml on scratch PostgreSQL
databases. A clip uploaded through nginx (tus) is transcoded by the worker, published, and its playlists and
segments come back through nginx, which sends them from disk once the app has said yes."""

from __future__ import annotations

import base64
import re
from collections.abc import Iterator
from typing import Any

import httpx
import imageio_ffmpeg
import pytest

from backends import POSTGRES_URL, _worker, postgres_reason
from stack import Stack, nginx_reason
from support import PASSWORD, REDIS_URL, redis_reason, wait_until

pytestmark = [
    pytest.mark.xdist_group("nginx-stack"),
    pytest.mark.postgres,
    pytest.mark.redis,
    pytest.mark.slow,
]

MiB = 1024 * 1024
# Bigger than the site's body limit for everything but uploads (12m), so it only passes the uploads' own.
FIRST_PATCH = 13 * MiB
TUS = {"Tus-Resumable": "1.0.0"}


@pytest.fixture(scope="module")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    for reason in (nginx_reason(), postgres_reason(), redis_reason()):
        if reason:
            pytest.skip(reason)
    assert POSTGRES_URL
    root = tmp_path_factory.mktemp("stack")
    generous = {"LOGIN_RATE": "1000/minute", "WRITE_RATES": '{"signup": "1000/hour", "upload": "1000/hour"}'}
    with Stack(
        root,
        admin_url=POSTGRES_URL,
        redis_url=REDIS_URL,
        prefix=f"clipshop_stack_{_worker()}",
        settings=generous,
    ) as running:
        yield running


@pytest.fixture(scope="module")
def noisy_clip(tmp_path_factory: pytest.TempPathFactory) -> bytes:
    """Three seconds of 360x640 noise with sound: hard to compress, so well over the first PATCH."""
    path = tmp_path_factory.mktemp("clip") / "noise.mp4"
    import subprocess

    subprocess.run(
        [imageio_ffmpeg.get_ffmpeg_exe(), "-nostdin", "-loglevel", "error", "-y",
         "-f", "lavfi", "-i", "testsrc2=size=360x640:rate=30", "-f", "lavfi", "-i", "sine=frequency=440",
         "-t", "3", "-vf", "noise=alls=40:allf=t", "-map", "0:v", "-map", "1:a", "-c:v", "libx264",
         "-preset", "ultrafast", "-qp", "14", "-pix_fmt", "yuv420p", "-g", "30", "-c:a", "aac", str(path)],
        check=True,
    )  # fmt: skip
    data = path.read_bytes()
    assert len(data) > FIRST_PATCH + MiB
    return data


def sign_up(client: httpx.Client) -> dict[str, str]:
    r = client.post(
        "/api/v1/auth/signup",
        json={"email": "stack@example.com", "password": PASSWORD, "handle": "stacked", "country": "DE"},
    )
    assert r.status_code == 201, r.text
    assert r.json()["user"]["region"] == "eu"
    client.cookies.clear()
    return {"Authorization": f"Bearer {r.json()['token']}"}


def upload(client: httpx.Client, auth: dict[str, str], data: bytes) -> str:
    """tus through nginx: create, a first PATCH over the site's general body limit, the offset, the rest."""
    options = client.options("/api/v1/uploads")
    assert (options.status_code, options.headers["tus-max-size"]) == (204, str(2 * 1024**3))
    created = client.post(
        "/api/v1/uploads",
        headers={
            **auth,
            **TUS,
            "Upload-Length": str(len(data)),
            "Upload-Metadata": "filename " + base64.b64encode(b"noise.mp4").decode(),
        },
    )
    assert created.status_code == 201, created.text
    url = created.headers["location"]
    patch = {**auth, **TUS, "Content-Type": "application/offset+octet-stream"}
    first = client.patch(url, content=data[:FIRST_PATCH], headers={**patch, "Upload-Offset": "0"})
    assert (first.status_code, first.headers["upload-offset"]) == (204, str(FIRST_PATCH)), first.text
    head = client.head(url, headers={**auth, **TUS})
    assert (head.status_code, head.headers["upload-offset"]) == (200, str(FIRST_PATCH))
    rest = client.patch(url, content=data[FIRST_PATCH:], headers={**patch, "Upload-Offset": str(FIRST_PATCH)})
    assert (rest.status_code, rest.headers["upload-offset"]) == (204, str(len(data))), rest.text
    return str(created.json()["id"])


def playlist_entries(body: str) -> list[str]:
    return [line for line in body.splitlines() if line and not line.startswith("#")]


def test_a_clip_uploaded_through_nginx_is_transcoded_by_the_worker_and_served_back(
    stack: Stack, noisy_clip: bytes
) -> None:
    client = httpx.Client(base_url=stack.url, timeout=120)
    auth = sign_up(client)
    upload_id = upload(client, auth, noisy_clip)
    created = client.post(
        "/api/v1/videos", headers=auth, json={"upload_id": upload_id, "caption": "#noise", "publish": False}
    )
    assert created.status_code == 201, created.text
    video_id = created.json()["id"]

    def settled() -> dict[str, Any] | None:
        assert all(w.poll() is None for w in stack.worker_processes), "the worker exited"
        status: dict[str, Any] = client.get(f"/api/v1/videos/{video_id}/status", headers=auth).json()
        return None if status["status"] == "processing" else status

    assert created.json()["published_at"] is None
    status = wait_until(settled, timeout_s=240, every_s=0.5, what="the worker to transcode the clip")
    assert (status["status"], [r["name"] for r in status["renditions"]]) == ("ready", ["360p"]), status
    published = client.post(f"/api/v1/videos/{video_id}/publish", headers=auth)
    assert published.status_code == 200 and published.json()["published_at"], published.text

    master_url = published.json()["master_url"]
    assert master_url == f"/media/eu/videos/{video_id}/hls/master.m3u8"
    master = client.get(master_url)
    assert master.status_code == 200
    assert (master.headers["content-type"], master.headers["cache-control"]) == (
        "application/vnd.apple.mpegurl",
        "public, max-age=60",
    )
    assert master.text.startswith("#EXTM3U")
    [variant_name] = playlist_entries(master.text)
    variant_url = master_url.rsplit("/", 1)[0] + "/" + variant_name
    variant = client.get(variant_url)
    assert variant.status_code == 200 and "#EXT-X-ENDLIST" in variant.text
    segments = playlist_entries(variant.text)
    assert segments
    segment_url = variant_url.rsplit("/", 1)[0] + "/" + segments[0]
    segment = client.get(segment_url)
    on_disk = stack.data_dir / "media" / segment_url.removeprefix("/media/")
    assert segment.status_code == 200
    assert segment.content == on_disk.read_bytes()
    assert segment.headers["cache-control"] == "public, max-age=31536000, immutable"
    assert segment.headers["x-content-type-options"] == "nosniff"
    part = client.get(segment_url, headers={"Range": "bytes=0-187"})
    assert (part.status_code, part.content) == (206, on_disk.read_bytes()[:188])
    assert part.headers["content-range"] == f"bytes 0-187/{on_disk.stat().st_size}"

    # The app still decides: a raw upload is no media, whatever nginx holds on disk.
    assert client.get(f"/media/eu/uploads/{upload_id}.bin").status_code == 404
    assert client.get(f"/_media/eu/videos/{video_id}/hls/master.m3u8").status_code == 404  # internal only
    # Other routes keep the site's general body limit.
    too_big = client.post("/api/v1/events", content=b"x" * FIRST_PATCH, headers=auth)
    assert too_big.status_code == 413

    # nginx sent the media from disk (its internal location), each request having gone to an app process.
    access = stack.log("access.log").read_text()
    media = [line for line in access.splitlines() if f"/media/eu/videos/{video_id}/" in line]
    assert len(media) == 4 and all(f"uri=/_media/eu/videos/{video_id}/hls/" in line for line in media), media
    app_ports = {int(port) for port in re.findall(r"upstream=127\.0\.0\.1:(\d+)", access)}
    assert app_ports == set(stack.app_ports)

    # Both app processes served requests, none ran a job; the worker transcoded.
    app_pids = stack.app_pids()
    assert sorted(app_pids) == stack.app_ports
    app_log = stack.log("app.log").read_text()
    served_by = {int(pid) for pid in re.findall(r"\[(\d+)\] INFO: +127\.0\.0\.1:\d+ - \"", app_log)}
    assert served_by == set(app_pids.values())
    assert "Executing clipshop.jobs.transcode_video" not in app_log
    assert "Executing clipshop.jobs.transcode_video" in stack.log("worker-0.log").read_text()
