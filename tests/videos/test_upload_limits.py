"""Upload limits through the API: a clip just over a limit is refused when its last byte arrives, with the
limit's code, and its upload is failed with that code; a clip just inside it becomes a ready video. The
limits are lowered here so that clips of a few tiny frames sit on their edges (none shorter than 0.6 s but the
one `video_too_short` refuses: the HLS muxer writes an empty master playlist for shorter ones)."""

from __future__ import annotations

import base64
import subprocess
from collections.abc import Callable
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from clipshop.config import Settings
from clipshop.media.transcode import ffmpeg_exe
from clipshop.platform import Platform
from support import Member, post_clip, upload_file

TUS = {"Tus-Resumable": "1.0.0"}
TIGHT = {
    "max_upload_duration_s": 2.0,
    "min_upload_duration_s": 0.8,
    "min_upload_short_side": 64,
    "max_upload_long_side": 128,
    "max_upload_fps": 10,
    # Under duration x rate, so that a clip can be over this limit alone.
    "max_upload_frames": 12,
}


@pytest.fixture
def settings(settings: Settings) -> Settings:
    return settings.with_overrides(**TIGHT)


@pytest.fixture(scope="session")
def make_clip(tmp_path_factory: pytest.TempPathFactory) -> Callable[..., Path]:
    """`make_clip(width, height, fps, frames)`: an H.264 MP4 of ffmpeg's test pattern, without sound, made
    once per session."""
    root = tmp_path_factory.mktemp("limit-clips")

    def make(width: int, height: int, fps: int, frames: int) -> Path:
        path = root / f"{width}x{height}-{fps}fps-{frames}.mp4"
        if not path.exists():
            ffmpeg(
                *("-f", "lavfi", "-i", f"testsrc=size={width}x{height}:rate={fps}"),
                *("-frames:v", str(frames), "-c:v", "libx264", "-pix_fmt", "yuv420p", str(path)),
            )
        return path

    return make


def ffmpeg(*args: str) -> None:
    completed = subprocess.run(
        [ffmpeg_exe(), "-nostdin", "-hide_banner", "-loglevel", "error", "-y", *args],
        capture_output=True,
        text=True,
        check=False,
    )
    assert completed.returncode == 0, completed.stderr


# For each limit: (width, height, fps, frames) of a clip just over it and of one just inside it; each
# clip is inside every other limit.
EDGES = {
    "video_too_long": ((64, 128, 5, 11), (64, 128, 6, 12)),  # 2.2 s; 2.0 s
    "video_too_short": ((64, 128, 10, 4), (64, 128, 10, 8)),  # 0.4 s (would not transcode); 0.8 s
    "frame_too_small": ((62, 128, 10, 8), (64, 128, 10, 8)),
    "frame_too_large": ((64, 130, 10, 8), (64, 128, 10, 8)),
    "frame_rate_too_high": ((64, 128, 11, 9), (64, 128, 10, 8)),
    "too_many_frames": ((64, 128, 10, 13), (64, 128, 10, 12)),  # 1.3 s; 1.2 s
}
FOUND = {
    "video_too_long": 2.2,
    "video_too_short": 0.4,
    "frame_too_small": 62,
    "frame_too_large": 130,
    "frame_rate_too_high": 11,
    "too_many_frames": 13,
}


def send_whole(client: TestClient, member: Member, path: Path) -> tuple[str, object]:
    """Open an upload of `path` and send it in one PATCH; (upload URL, the PATCH's response)."""
    data = path.read_bytes()
    created = client.post(
        "/api/v1/uploads",
        headers={
            **member.auth,
            **TUS,
            "Upload-Length": str(len(data)),
            "Upload-Metadata": "filename " + base64.b64encode(path.name.encode()).decode(),
        },
    )
    assert created.status_code == 201, created.text
    url = created.headers["location"]
    sent = client.patch(
        url,
        content=data,
        headers={
            **member.auth,
            **TUS,
            "Upload-Offset": "0",
            "Content-Type": "application/offset+octet-stream",
        },
    )
    return url, sent


@pytest.mark.parametrize("code", list(EDGES))
def test_a_clip_just_over_a_limit_is_refused_with_its_code(
    client: TestClient, platform: Platform, alice: Member, make_clip: Callable[..., Path], code: str
) -> None:
    url, sent = send_whole(client, alice, make_clip(*EDGES[code][0]))
    problem = sent.json()  # type: ignore[attr-defined]
    assert sent.status_code == 422  # type: ignore[attr-defined]
    assert (problem["code"], problem["field"], problem["found"]) == (code, "file", FOUND[code])
    assert sent.headers["tus-resumable"] == "1.0.0"  # type: ignore[attr-defined]
    # The upload says so too, for a client that lost the answer; its bytes are gone.
    state = client.get(url, headers=alice.auth).json()
    assert (state["status"], state["error"]) == ("failed", code)
    assert platform.upload_volumes["us"].upload_ids() == []
    made = client.post("/api/v1/videos", headers=alice.auth, json={"upload_id": state["id"]})
    assert made.status_code == 409 and made.json()["code"] == "upload_incomplete"


@pytest.mark.parametrize("code", list(EDGES))
def test_a_clip_just_inside_a_limit_becomes_ready(
    client: TestClient, platform: Platform, alice: Member, make_clip: Callable[..., Path], code: str
) -> None:
    width, height, fps, frames = EDGES[code][1]
    video = post_clip(client, platform, alice, make_clip(width, height, fps, frames), code)
    assert (video["status"], video["width"], video["height"]) == ("ready", width, height)
    assert video["duration_s"] == pytest.approx(frames / fps)


def test_a_refusal_states_the_limit_and_what_the_file_holds(
    client: TestClient, alice: Member, make_clip: Callable[..., Path]
) -> None:
    _, sent = send_whole(client, alice, make_clip(64, 128, 5, 11))
    assert sent.json() == {  # type: ignore[attr-defined]
        "type": "https://clipshop.dev/problems/video_too_long",
        "title": "Invalid value",
        "status": 422,
        "code": "video_too_long",
        "detail": "This video lasts 2.2 s; clips may last at most 2 s. Trim it and upload it again.",
        "instance": sent.json()["instance"],  # type: ignore[attr-defined]
        "field": "file",
        "limit": 2.0,
        "found": 2.2,
    }


def test_sound_alone_or_a_single_picture_has_no_video_stream(
    client: TestClient, platform: Platform, alice: Member, make_clip: Callable[..., Path], tmp_path: Path
) -> None:
    sound = tmp_path / "sound.m4a"
    ffmpeg("-f", "lavfi", "-i", "sine=frequency=440:duration=0.5", "-c:a", "aac", str(sound))
    for path in (sound, make_clip(64, 128, 10, 1)):
        url, sent = send_whole(client, alice, path)
        assert sent.status_code == 415 and sent.json()["code"] == "no_video_stream"  # type: ignore[attr-defined]
        state = client.get(url, headers=alice.auth).json()
        assert (state["status"], state["error"]) == ("failed", "no_video_stream")


def test_the_api_states_the_limits(client: TestClient) -> None:
    r = client.get("/api/v1/uploads/limits")
    assert r.status_code == 200
    assert r.json() == {
        "max_bytes": 50 * 1024 * 1024,
        "max_duration_s": 2.0,
        "min_duration_s": 0.8,
        "min_short_side": 64,
        "max_long_side": 128,
        "max_fps": 10,
        "max_frames": 12,
    }


def test_videos_made_before_the_limits_tightened_are_left_alone(
    client: TestClient, platform: Platform, alice: Member, make_clip: Callable[..., Path]
) -> None:
    clip = make_clip(64, 128, 10, 8)
    ready = post_clip(client, platform, alice, clip, "ready before")
    queued = client.post(
        "/api/v1/videos", headers=alice.auth, json={"upload_id": upload_file(client, alice, clip)}
    ).json()
    assert queued["status"] == "processing"

    platform.settings = platform.settings.with_overrides(min_upload_short_side=100)
    assert platform.jobs.drain() == 1
    for video in (ready, queued):
        status = client.get(f"/api/v1/videos/{video['id']}/status", headers=alice.auth).json()
        assert (status["status"], status["error"]) == ("ready", None)
    _, sent = send_whole(client, alice, clip)
    assert sent.json()["code"] == "frame_too_small"  # type: ignore[attr-defined]
