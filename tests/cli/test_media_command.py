"""`clipshop media prepare` makes the regions' buckets ready to serve; `clipshop media place` puts each
video's files where its gate says after a process died between a decision and moving them."""

from __future__ import annotations

import hashlib
import json
import os
from pathlib import Path

import httpx
import pytest
from typer.testing import CliRunner

from backends import TEST_REGIONS, Backend, make_settings
from clipshop.cli import app
from clipshop.config import Settings
from clipshop.kit.everywhere import everywhere
from clipshop.media.s3 import public_read_policy
from clipshop.platform import Platform
from clipshop.videos.models import Video
from s3_server import S3Server
from support import Member, a_region_video, settings_environ


@pytest.fixture
def settings(backend: Backend, tmp_path: Path, s3: S3Server) -> Settings:
    """Each region's bucket named, not made: `media prepare` makes them."""
    buckets = {
        name: f"p{hashlib.sha1(str(tmp_path).encode()).hexdigest()[:10]}-{name}" for name in TEST_REGIONS
    }
    return make_settings(backend, tmp_path, media_buckets=buckets, **s3.settings())


def run(settings: Settings, monkeypatch: pytest.MonkeyPatch, *args: str) -> str:
    for name in [n for n in os.environ if n.startswith("CLIPSHOP_") and n != "CLIPSHOP_TEST_POSTGRES"]:
        monkeypatch.delenv(name)
    for name, value in settings_environ(settings).items():
        monkeypatch.setenv(name, value)
    monkeypatch.setenv("CLIPSHOP_CONFIG", str(settings.data_dir / "none.toml"))
    result = CliRunner().invoke(app, list(args))
    assert result.exit_code == 0, result.output
    return " ".join(result.output.split())  # as one line, whatever width the console wraps at


def test_prepare_makes_each_regions_bucket_once(
    settings: Settings, s3: S3Server, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    folders = {n: r.model_copy(update={"media_bucket": None}) for n, r in settings.regions.items()}
    assert "nothing to do" in run(settings.with_overrides(regions=folders), monkeypatch, "media", "prepare")
    first = run(settings, monkeypatch, "media", "prepare")
    for region in TEST_REGIONS:
        bucket = settings.regions[region].media_bucket
        assert bucket is not None
        assert f"{region}: bucket {bucket} created, served at {s3.endpoint_url}/{bucket}" in first
        assert json.loads(s3.client.get_bucket_policy(Bucket=bucket)["Policy"]) == public_read_policy(bucket)
    assert first.count("created") == 3
    assert run(settings, monkeypatch, "media", "prepare").count("ready") == 3


def test_place_puts_each_videos_files_where_its_gate_says(
    settings: Settings, platform: Platform, monkeypatch: pytest.MonkeyPatch, bob: Member
) -> None:
    run(settings, monkeypatch, "media", "prepare")
    restricted, reopened = a_region_video(platform, bob), a_region_video(platform, bob)
    store = platform.media_store("eu")
    for video_id in (restricted, reopened):
        store.put_bytes(f"videos/{video_id}/hls/master.m3u8", b"#EXTM3U\n")
    with everywhere(platform.databases).transaction() as uow:
        # A restriction committed, its process gone before moving the files; one lifted, likewise.
        video = uow.region("eu").get_one(Video, restricted)
        video.age_restricted_by, video.master_key = "decision1", f"videos/{restricted}/hls/master.m3u8"
    store.conceal(f"videos/{reopened}")
    output = run(settings, monkeypatch, "media", "place")
    assert f"eu: 1 videos behind the gate, 1 revealed again ['{reopened}']" in output
    assert "us: 0 videos behind the gate, 0 revealed again []" in output
    assert httpx.get(store.url(f"videos/{restricted}/hls/master.m3u8")).status_code == 404
    assert httpx.get(store.url(f"videos/{reopened}/hls/master.m3u8")).status_code == 200
    assert "eu: 1 videos behind the gate, 0 revealed again []" in run(settings, monkeypatch, "media", "place")
