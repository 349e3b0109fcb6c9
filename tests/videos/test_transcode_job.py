"""The transcode job's bookkeeping (leases, retries, the reconciler, failures, swapping in the outputs) with
a scripted transcoder in place of ffmpeg."""

from __future__ import annotations

from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from clipshop.kit.everywhere import everywhere
from clipshop.platform import Platform
from clipshop.videos.models import Video
from clipshop.videos.transcoding import reconcile, transcode_video
from doubles import FrozenClock
from scripted_transcoder import STILL, ScriptedTranscoder
from support import Member, upload_file

# An MP4 head the upload sniffing accepts; the scripted transcoder never reads the rest.
NOT_QUITE_A_CLIP = b"\x00\x00\x00\x18ftypisom\x00\x00\x02\x00isomiso2" + b"\x00" * 6000


@pytest.fixture
def transcoder(platform: Platform) -> ScriptedTranscoder:
    scripted = ScriptedTranscoder()
    platform.transcoder = scripted
    return scripted


def processing_video(client: TestClient, member: Member, tmp_path: Path) -> tuple[str, str]:
    """(upload id, video id) of a video whose transcode job is queued but has not run."""
    source = tmp_path / "clip.mp4"
    source.write_bytes(NOT_QUITE_A_CLIP)
    upload_id = upload_file(client, member, source)
    r = client.post("/api/v1/videos", headers=member.auth, json={"upload_id": upload_id, "publish": True})
    assert r.status_code == 201, r.text
    return upload_id, str(r.json()["id"])


def status(
    client: TestClient, member: Member, video_id: str
) -> tuple[str, str | None, list[tuple[str, str]]]:
    body = client.get(f"/api/v1/videos/{video_id}/status", headers=member.auth).json()
    return body["status"], body["error"], [(r["name"], r["status"]) for r in body["renditions"]]


def test_the_outputs_replace_the_served_folder_and_the_video_is_published(
    client: TestClient, platform: Platform, alice: Member, transcoder: ScriptedTranscoder, tmp_path: Path
) -> None:
    platform.jobs.drain()  # the members' sign-up mails, sent
    upload_id, video_id = processing_video(client, alice, tmp_path)
    volume = platform.upload_volumes["us"]
    assert transcoder.probed == [volume.local_path(upload_id)]
    assert platform.jobs.drain() == 1

    assert transcoder.ladders == [(volume.local_path(upload_id), ("360p",))]
    body = client.get(f"/api/v1/videos/{video_id}/status", headers=alice.auth).json()
    assert (body["status"], body["percent"], body["published_at"] is not None) == ("ready", 100.0, True)
    assert [(r["name"], r["width"], r["height"], r["status"]) for r in body["renditions"]] == [
        ("360p", 360, 640, "ready")
    ]
    prefix = f"videos/{video_id}/hls"
    assert platform.media_store("us").keys(prefix) == [
        f"{prefix}/360p/index.m3u8",
        f"{prefix}/360p/seg_000.ts",
        f"{prefix}/master.m3u8",
        f"{prefix}/poster.jpg",
        f"{prefix}/thumb.jpg",
    ]
    assert body["master_url"] == f"/media/us/{prefix}/master.m3u8"
    master = client.get(body["master_url"])
    assert master.text == "#EXTM3U\n#EXT-X-STREAM-INF:BANDWIDTH=714000,RESOLUTION=360x640\n360p/index.m3u8\n"
    assert client.get(body["poster_url"]).content == STILL
    segment = client.get(f"/media/us/{prefix}/360p/seg_000.ts", headers={"Range": "bytes=188-375"})
    assert (segment.status_code, segment.content) == (206, b"\x47" * 188)
    assert segment.headers["content-range"] == "bytes 188-375/752"


def test_a_second_delivery_of_the_job_leaves_a_leased_video_alone(
    client: TestClient, platform: Platform, alice: Member, transcoder: ScriptedTranscoder, tmp_path: Path
) -> None:
    platform.jobs.drain()  # the members' sign-up mails, sent
    _, video_id = processing_video(client, alice, tmp_path)
    # While the first worker encodes, the queue hands the same job to another worker.
    transcoder.during = lambda: transcode_video(platform, video_id)
    assert platform.jobs.drain() == 1
    assert len(transcoder.ladders) == 1
    assert status(client, alice, video_id) == ("ready", None, [("360p", "ready")])
    # Once ready, a late delivery changes nothing either.
    transcoder.during = None
    transcode_video(platform, video_id)
    assert len(transcoder.ladders) == 1


def test_a_killed_worker_is_retried_by_the_reconciler_once_its_lease_runs_out(
    client: TestClient,
    platform: Platform,
    clock: FrozenClock,
    alice: Member,
    transcoder: ScriptedTranscoder,
    tmp_path: Path,
) -> None:
    _, video_id = processing_video(client, alice, tmp_path)
    platform.jobs.flush()
    transcoder.crash = SystemExit("worker killed")
    with pytest.raises(SystemExit):
        transcode_video(platform, video_id)
    assert status(client, alice, video_id) == ("processing", None, [("360p", "processing")])
    assert platform.media_store("us").keys(f"videos/{video_id}") == []
    assert reconcile(platform) == 0  # the lease still holds

    clock.advance(seconds=121)
    transcoder.crash = None
    assert reconcile(platform) == 1
    assert platform.jobs.drain() == 1
    assert status(client, alice, video_id) == ("ready", None, [("360p", "ready")])
    with everywhere(platform.databases).transaction() as uow:
        assert uow.region("us").get_one(Video, video_id).attempts == 2


def test_after_three_lost_attempts_the_video_fails(
    client: TestClient,
    platform: Platform,
    clock: FrozenClock,
    alice: Member,
    transcoder: ScriptedTranscoder,
    tmp_path: Path,
) -> None:
    _, video_id = processing_video(client, alice, tmp_path)
    platform.jobs.flush()
    transcoder.crash = SystemExit("worker killed")
    for _ in range(3):
        with pytest.raises(SystemExit):
            transcode_video(platform, video_id)
        clock.advance(seconds=121)
    transcode_video(platform, video_id)
    assert len(transcoder.ladders) == 3
    assert status(client, alice, video_id) == (
        "failed",
        "gave up after 3 attempts",
        [("360p", "failed")],
    )


def test_a_failed_encode_fails_the_video_and_serves_nothing(
    client: TestClient, platform: Platform, alice: Member, transcoder: ScriptedTranscoder, tmp_path: Path
) -> None:
    platform.jobs.drain()  # the members' sign-up mails, sent
    _, video_id = processing_video(client, alice, tmp_path)
    transcoder.fail = "encoder exited with status 1"
    assert platform.jobs.drain() == 1
    assert status(client, alice, video_id) == (
        "failed",
        "encoder exited with status 1\nlast line of the encoder",
        [("360p", "failed")],
    )
    assert platform.media_store("us").keys(f"videos/{video_id}") == []
