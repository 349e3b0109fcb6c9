"""What only a bucket does: viewers fetch its files by URL over plain HTTP (with their type, cache headers,
ranges and CORS), concealed files leave the public names, large files go up in parts, and a folder is written
in the order a player reads it backwards."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import httpx
import pytest

from clipshop.media.s3 import S3MediaStore, prepare_bucket, public_read_policy
from s3_server import SIGNING_REGION, S3Server

MiB = 1024 * 1024
SERVED = {
    "videos/v1/hls/master.m3u8": ("application/vnd.apple.mpegurl", "public, max-age=60"),
    "videos/v1/hls/360p/seg_000.ts": ("video/mp2t", "public, max-age=31536000, immutable"),
    "videos/v1/hls/360p/seg_001.m4s": ("video/iso.segment", "public, max-age=31536000, immutable"),
    "videos/v1/hls/poster.jpg": ("image/jpeg", "public, max-age=31536000, immutable"),
    "videos/v1/download.mp4": ("video/mp4", "public, max-age=60"),
    "products/p1/0123456789abcdef.webp": ("image/webp", "public, max-age=60"),
}


def test_viewers_fetch_the_files_at_their_public_urls(s3: S3Server, tmp_path: Path) -> None:
    store = s3.store(tmp_path, "eu")
    for key in SERVED:
        store.put_bytes(key, f"bytes of {key}".encode())
    bucket_url = f"{s3.endpoint_url}/{store.bucket}"
    assert store.url("videos/v1/hls/master.m3u8") == f"{bucket_url}/videos/v1/hls/master.m3u8"
    assert store.gated_url("videos/v1/hls/master.m3u8") == "/media/eu/videos/v1/hls/master.m3u8"
    for key, (media_type, cache) in SERVED.items():
        r = httpx.get(store.url(key))
        assert (r.status_code, r.content) == (200, f"bytes of {key}".encode())
        assert (r.headers["content-type"], r.headers["cache-control"]) == (media_type, cache)
    segment = store.url("videos/v1/hls/360p/seg_000.ts")
    part = httpx.get(segment, headers={"Range": "bytes=3-7", "Origin": "https://clipshop.example"})
    assert (part.status_code, part.content, part.headers["content-range"]) == (206, b"es of", "bytes 3-7/38")
    assert part.headers["access-control-allow-origin"] == "https://clipshop.example"
    assert part.headers["access-control-expose-headers"] == "Content-Length, Content-Range, ETag"
    # What is not under a served prefix is nobody's to read.
    store.put_bytes("exports/e1.zip", b"private")
    assert httpx.get(store.url("exports/e1.zip")).status_code == 403


def test_a_concealed_folder_leaves_its_public_urls_until_it_is_revealed(s3: S3Server, tmp_path: Path) -> None:
    store = s3.store(tmp_path, "us")
    store.put_bytes("videos/v1/hls/master.m3u8", b"#EXTM3U\n")
    store.put_bytes("videos/v2/hls/master.m3u8", b"#EXTM3U\n")
    url = store.url("videos/v1/hls/master.m3u8")
    store.conceal("videos/v1")
    assert httpx.get(url).status_code == 404
    assert httpx.get(f"{s3.endpoint_url}/{store.bucket}/gated/videos/v1/hls/master.m3u8").status_code == 403
    assert httpx.get(store.url("videos/v2/hls/master.m3u8")).status_code == 200  # its neighbour stays
    assert store.read_bytes("videos/v1/hls/master.m3u8") == b"#EXTM3U\n"  # the app still reads it
    store.reveal("videos/v1")
    r = httpx.get(url)
    assert (r.status_code, r.content) == (200, b"#EXTM3U\n")
    assert r.headers["content-type"] == "application/vnd.apple.mpegurl"


def test_a_large_file_goes_up_in_parts(s3: S3Server, tmp_path: Path) -> None:
    store = s3.store(tmp_path, "us", multipart_bytes=5 * MiB)
    large, small = tmp_path / "large.mp4", tmp_path / "small.mp4"
    large.write_bytes(b"\x00" * (11 * MiB))
    small.write_bytes(b"\x00" * MiB)
    store.put_file("videos/v1/large.mp4", large)
    store.put_file("videos/v1/small.mp4", small)
    etags = {
        name: s3.client.head_object(Bucket=store.bucket, Key=f"videos/v1/{name}")["ETag"].strip('"')
        for name in ("large.mp4", "small.mp4")
    }
    assert etags["large.mp4"].endswith("-3")  # S3 names a multipart upload's ETag by its number of parts
    assert "-" not in etags["small.mp4"]
    store.conceal("videos/v1")  # moved in parts too, whole
    assert store.read_bytes("videos/v1/large.mp4") == large.read_bytes()


def test_a_folder_is_written_segments_first_master_last_then_the_old_files_go(
    s3: S3Server, tmp_path: Path
) -> None:
    store = s3.store(tmp_path, "us")
    store.put_bytes("videos/v1/hls/1080p/seg_000.ts", b"from an older ladder")
    out = tmp_path / "out"
    for rung in ("360p", "720p"):
        (out / rung).mkdir(parents=True)
        (out / rung / "index.m3u8").write_text("#EXTM3U\nseg_000.ts\n")
        (out / rung / "seg_000.ts").write_bytes(b"segment")
    (out / "master.m3u8").write_text("#EXTM3U\n360p/index.m3u8\n720p/index.m3u8\n")
    (out / "poster.jpg").write_bytes(b"poster")
    calls: list[str] = []

    def record(params: dict[str, Any], model: Any, **_: Any) -> None:
        if model.name == "PutObject":
            calls.append(params["Key"].removeprefix("videos/v1/hls/"))
        elif model.name == "DeleteObjects":
            calls.append("delete " + " ".join(o["Key"] for o in params["Delete"]["Objects"]))

    s3.client.meta.events.register("provide-client-params.s3", record)
    try:
        store.put_folder("videos/v1/hls", out)
    finally:
        s3.client.meta.events.unregister("provide-client-params.s3", record)
    assert sorted(calls[:3]) == ["360p/seg_000.ts", "720p/seg_000.ts", "poster.jpg"]
    assert sorted(calls[3:5]) == ["360p/index.m3u8", "720p/index.m3u8"]
    assert calls[5:] == ["master.m3u8", "delete videos/v1/hls/1080p/seg_000.ts"]


def test_a_bucket_is_prepared_once_with_its_policy(s3: S3Server, tmp_path: Path) -> None:
    name = f"prepared-{abs(hash(str(tmp_path))) % 10**8}"
    assert prepare_bucket(s3.client, name, region_name=SIGNING_REGION, public_read=True) is True
    assert prepare_bucket(s3.client, name, region_name=SIGNING_REGION, public_read=True) is False
    assert json.loads(s3.client.get_bucket_policy(Bucket=name)["Policy"]) == public_read_policy(name)
    assert public_read_policy(name)["Statement"][0]["Resource"] == [
        f"arn:aws:s3:::{name}/videos/*",
        f"arn:aws:s3:::{name}/avatars/*",
        f"arn:aws:s3:::{name}/products/*",
    ]
    store = S3MediaStore(region="us", bucket=name, client=s3.client, public_url=f"{s3.endpoint_url}/{name}/")
    store.put_bytes("avatars/u1/a.jpg", b"\xff\xd8")
    assert httpx.get(store.url("avatars/u1/a.jpg")).content == b"\xff\xd8"


def test_settings_pick_a_folder_by_default_and_a_bucket_where_a_region_names_one(tmp_path: Path) -> None:
    from pydantic import ValidationError

    from clipshop.config import RegionConfig, Settings
    from clipshop.media.storage import LocalMediaStore
    from clipshop.platform import Platform

    base: dict[str, Any] = {"data_dir": tmp_path, "jobs_backend": "memory"}
    regions = {
        "us": RegionConfig(countries=["US"]),
        "eu": RegionConfig(countries=["DE"], media_bucket="media-eu"),
        "au": RegionConfig(
            countries=["AU"], media_bucket="media-au", media_public_url="https://cdn-au.example/"
        ),
    }
    on_aws = Settings(**base, regions=regions, s3_region_name="eu-central-1")
    assert [on_aws.region_media_public_url(r) for r in regions] == [
        None,
        "https://media-eu.s3.eu-central-1.amazonaws.com",
        "https://cdn-au.example",
    ]
    elsewhere = on_aws.with_overrides(s3_endpoint_url="http://127.0.0.1:9000/")
    assert elsewhere.region_media_public_url("eu") == "http://127.0.0.1:9000/media-eu"
    templated = on_aws.with_overrides(s3_public_url="https://{bucket}.objects.example")
    assert templated.region_media_public_url("eu") == "https://media-eu.objects.example"

    platform = Platform(on_aws.with_overrides(s3_access_key_id="k", s3_secret_access_key="s"))
    try:
        assert isinstance(platform.media_store("us"), LocalMediaStore)
        assert [type(platform.media_store(r)).__name__ for r in ("eu", "au")] == ["S3MediaStore"] * 2
        assert platform.media_store("au").url("avatars/u1/a.jpg") == "https://cdn-au.example/avatars/u1/a.jpg"
        assert platform.media_origins() == [
            "https://cdn-au.example",
            "https://media-eu.s3.eu-central-1.amazonaws.com",
        ]
        assert (
            platform.upload_volumes["eu"].local_path("eu_u1")
            == tmp_path / "media" / "eu" / "uploads" / "eu_u1.bin"
        )
    finally:
        platform.close()
    nothing = Platform(Settings(**base))
    try:
        assert {type(store).__name__ for store in nothing.media.values()} == {"LocalMediaStore"}
        assert (nothing.s3, nothing.media_origins()) == (None, [])
    finally:
        nothing.close()

    shared = {**regions, "au": RegionConfig(countries=["AU"], media_bucket="media-eu")}
    with pytest.raises(ValidationError, match="regions share a media_bucket"):
        Settings(**base, regions=shared)
    with pytest.raises(ValidationError, match=r"must hold \{bucket\}"):
        Settings(**base, regions=regions, s3_public_url="https://cdn.example")
