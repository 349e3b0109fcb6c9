"""The whole way with each region's media in its own bucket of an S3-compatible server on loopback: a clip
uploaded through the API (onto the local upload volume), transcoded by ffmpeg, published, and played by a
viewer straight from the bucket over HTTP; a take-down and an age restriction take its files out of the
public bucket (the app's gate serves them to whoever may see them) and a won appeal puts them back, or, if
its process died first, a periodic job; the residency check reads the buckets, and a region is exported with
its bucket."""

from __future__ import annotations

import os
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi.testclient import TestClient

from backends import TEST_REGIONS, Backend, make_settings
from clipshop.config import Settings
from clipshop.healing import heal_projections
from clipshop.kit.actors import Role
from clipshop.kit.everywhere import everywhere
from clipshop.kit.ids import new_id
from clipshop.platform import Platform
from clipshop.residency.check import check_residency
from clipshop.videos import transcoding
from clipshop.videos.models import Video
from doubles import FrozenClock
from s3_server import ACCESS_KEY, SECRET_KEY, S3Server
from support import CASES, Member, a_region_video, make_staff, post_clip, report


@pytest.fixture
def settings(backend: Backend, tmp_path: Path, s3: S3Server) -> Settings:
    buckets = {region: s3.bucket_for(tmp_path, region) for region in TEST_REGIONS}
    return make_settings(backend, tmp_path, media_buckets=buckets, **s3.settings())


@pytest.fixture
def mods(sign_up: Any, platform: Platform) -> tuple[Member, Member]:
    """Two moderators of the eu jurisdiction: one decides, the other hears the appeal."""
    first, second = sign_up("modeu", "DE"), sign_up("modeu2", "FR")
    make_staff(platform, first, Role.MODERATOR, "eu")
    make_staff(platform, second, Role.MODERATOR, "eu")
    return first, second


def bucket_keys(s3: S3Server, platform: Platform, region: str, prefix: str) -> list[str]:
    """The objects' own names in the region's bucket (where the store put them: public or under gated/)."""
    bucket = platform.settings.regions[region].media_bucket
    assert bucket is not None
    listed = s3.client.list_objects_v2(Bucket=bucket, Prefix=prefix)
    return sorted(item["Key"] for item in listed.get("Contents", []))


def play(http: Any, master_url: str) -> dict[str, httpx.Response]:
    """Fetch what a player fetches: the master playlist, its first rung's playlist and first segment, by
    the playlists' relative paths."""
    master = http.get(master_url)
    base = master_url.rsplit("/", 1)[0]
    if master.status_code != 200:
        return {"master": master}
    rung = next(line for line in master.text.splitlines() if line.endswith(".m3u8"))
    variant = http.get(f"{base}/{rung}")
    segment = next(line for line in variant.text.splitlines() if line.endswith(".ts"))
    folder = f"{base}/{rung}".rsplit("/", 1)[0]
    return {"master": master, "variant": variant, "segment": http.get(f"{folder}/{segment}")}


def test_a_clip_plays_from_its_regions_bucket(
    client: TestClient,
    platform: Platform,
    s3: S3Server,
    alice: Member,
    bob: Member,
    clips: dict[str, Path],
    tmp_path: Path,
) -> None:
    video = post_clip(client, platform, alice, clips["vertical"], "in the bucket #s3")
    bucket_url = platform.settings.region_media_public_url("us")
    hls = f"videos/{video['id']}/hls"
    assert (video["master_url"], video["poster_url"], video["thumb_url"]) == (
        f"{bucket_url}/{hls}/master.m3u8",
        f"{bucket_url}/{hls}/poster.jpg",
        f"{bucket_url}/{hls}/thumb.jpg",
    )
    feed = client.get("/api/v1/feed/for-you", headers=bob.auth).json()
    (item,) = feed["items"]
    assert (item["id"], item["master_url"]) == (video["id"], video["master_url"])

    with httpx.Client() as viewer:  # no cookie, no token: anyone holding the URL, as a CDN would serve it
        fetched = play(viewer, item["master_url"])
        master, segment = fetched["master"], fetched["segment"]
        assert (master.status_code, master.headers["content-type"]) == (200, "application/vnd.apple.mpegurl")
        assert master.headers["cache-control"] == "public, max-age=60"
        assert "360p/index.m3u8" in master.text
        assert fetched["variant"].status_code == 200
        assert (segment.status_code, segment.headers["content-type"]) == (200, "video/mp2t")
        assert segment.headers["cache-control"] == "public, max-age=31536000, immutable"
        part = viewer.get(str(segment.url), headers={"Range": "bytes=0-187"})
        assert (part.status_code, part.content) == (206, segment.content[:188])
        poster = viewer.get(item["poster_url"])
        assert (poster.status_code, poster.headers["content-type"]) == (200, "image/jpeg")
        assert poster.content[:2] == b"\xff\xd8"

    keys = platform.media_store("us").keys(hls)
    assert keys == bucket_keys(s3, platform, "us", "videos/")
    assert {f"{hls}/master.m3u8", f"{hls}/360p/index.m3u8", f"{hls}/poster.jpg", f"{hls}/thumb.jpg"} <= set(
        keys
    )
    # The local folder keeps the upload (tus appends there) and no finished media.
    assert sorted(p.name for p in (tmp_path / "media" / "us").iterdir() if any(p.rglob("*.*"))) == ["uploads"]
    # Pages may load media from the bucket's origin.
    policy = client.get("/").headers["content-security-policy"]
    origin = platform.media_origins()[0]
    assert origin == platform.settings.s3_endpoint_url
    assert f"connect-src 'self' {origin}" in policy and f"media-src 'self' blob: {origin}" in policy
    assert check_residency(platform) == []


def test_a_taken_down_clip_leaves_the_public_bucket_and_a_won_appeal_brings_it_back(
    client: TestClient,
    platform: Platform,
    s3: S3Server,
    alice: Member,
    bob: Member,
    mods: tuple[Member, Member],
    clips: dict[str, Path],
) -> None:
    mod, second = mods
    video = post_clip(client, platform, bob, clips["silent"], "to be taken down")
    hls = f"videos/{video['id']}/hls"
    store = platform.media_store("eu")
    keys = store.keys(hls)
    with httpx.Client() as viewer:
        before = {name: r.content for name, r in play(viewer, video["master_url"]).items()}
    report(client, alice, video["id"], "counterfeit")
    case = next(c for c in client.get(CASES, headers=mod.auth).json() if c["content_id"] == video["id"])
    assert case["media_url"] == f"/media/eu/{hls}/master.m3u8"  # a reviewer plays through the gate
    taken = client.post(
        f"{CASES}/{case['id']}/decision", headers=mod.auth, json={"decision": "take_down", "reason_code": "r"}
    )
    assert taken.status_code == 201, taken.text

    with httpx.Client() as viewer:
        assert play(viewer, video["master_url"])["master"].status_code == 404
        assert viewer.get(video["poster_url"]).status_code == 404
    assert bucket_keys(s3, platform, "eu", "videos/") == []
    assert bucket_keys(s3, platform, "eu", "gated/") == [f"gated/{key}" for key in keys]
    assert store.keys(hls) == keys  # still held, for its review and its appeal
    for who in (alice.auth, bob.auth, {}):
        refused = client.get(f"/media/eu/{hls}/master.m3u8", headers=who)
        assert (refused.status_code, refused.json()["code"]) == (410, "media_withheld")
    reviewed = play(AppClient(client, mod), case["media_url"])
    assert {name: r.content for name, r in reviewed.items()} == before
    assert {r.headers["cache-control"] for r in reviewed.values()} == {"private, no-store"}
    assert check_residency(platform) == []

    (decision,) = client.get("/api/v1/me/moderation", headers=bob.auth).json()
    appeal = client.post(
        f"/api/v1/me/moderation/{decision['id']}/appeal", headers=bob.auth, json={"text": "mine"}
    )
    assert appeal.status_code == 200, appeal.text
    won = client.post(
        f"/api/v1/moderation/appeals/{decision['id']}/decision",
        headers=second.auth,
        json={"outcome": "overturn"},
    )
    assert won.status_code == 200, won.text
    assert bucket_keys(s3, platform, "eu", "gated/") == []
    feed = client.get("/api/v1/feed/for-you", headers=alice.auth).json()
    assert [(i["id"], i["master_url"]) for i in feed["items"]] == [(video["id"], video["master_url"])]
    with httpx.Client() as viewer:
        assert {name: r.content for name, r in play(viewer, video["master_url"]).items()} == before


def test_an_adults_only_clip_is_served_through_the_gate_until_the_restriction_is_lifted(
    client: TestClient,
    platform: Platform,
    s3: S3Server,
    sign_up: Any,
    bob: Member,
    mods: tuple[Member, Member],
    clips: dict[str, Path],
) -> None:
    mod, second = mods
    adult, minor = (
        sign_up("adult", "US", birth_date="1990-06-02"),
        sign_up("minor", "US", birth_date="2012-01-01"),
    )
    video = post_clip(client, platform, bob, clips["silent"], "for grown-ups")
    hls = f"videos/{video['id']}/hls"
    gated = {
        "master_url": f"/media/eu/{hls}/master.m3u8",
        "poster_url": f"/media/eu/{hls}/poster.jpg",
        "thumb_url": f"/media/eu/{hls}/thumb.jpg",
    }
    report(client, adult, video["id"], "nudity")
    case = next(c for c in client.get(CASES, headers=mod.auth).json() if c["content_id"] == video["id"])
    restricted = client.post(
        f"{CASES}/{case['id']}/decision",
        headers=mod.auth,
        json={"decision": "age_restrict", "reason_code": "r"},
    )
    assert restricted.status_code == 201, restricted.text

    public = client.get(f"/api/v1/videos/{video['id']}", headers=adult.auth).json()
    assert {name: public[name] for name in gated} == gated
    mine = client.get(f"/api/v1/videos/{video['id']}/status", headers=bob.auth).json()
    assert {name: mine[name] for name in gated} == gated
    with httpx.Client() as viewer:
        assert play(viewer, video["master_url"])["master"].status_code == 404
    assert bucket_keys(s3, platform, "eu", "videos/") == []
    played = play(AppClient(client, adult), public["master_url"])
    assert [(r.status_code, r.headers["cache-control"]) for r in played.values()] == [
        (200, "private, max-age=60"),
        (200, "private, max-age=60"),
        (200, "private, max-age=31536000, immutable"),
    ]
    segment = played["segment"]
    part = client.get(str(segment.url), headers={**adult.auth, "Range": "bytes=100-399"})
    assert (part.status_code, part.content) == (206, segment.content[100:400])  # ranged GETs on the bucket
    refused = client.get(public["master_url"], headers=minor.auth)
    assert (refused.status_code, refused.json()["code"]) == (403, "age_restricted")
    heal_projections(platform, full=True)  # the heal keeps the gated URLs: they are what it would write
    assert (
        client.get(f"/api/v1/videos/{video['id']}", headers=adult.auth).json()["master_url"]
        == gated["master_url"]
    )

    (decision,) = client.get("/api/v1/me/moderation", headers=bob.auth).json()
    appeal = client.post(
        f"/api/v1/me/moderation/{decision['id']}/appeal", headers=bob.auth, json={"text": "fine"}
    )
    assert appeal.status_code == 200, appeal.text
    won = client.post(
        f"/api/v1/moderation/appeals/{decision['id']}/decision",
        headers=second.auth,
        json={"outcome": "overturn"},
    )
    assert won.status_code == 200, won.text
    public = client.get(f"/api/v1/videos/{video['id']}", headers=minor.auth).json()
    assert public["master_url"] == video["master_url"]
    with httpx.Client() as viewer:
        assert [r.status_code for r in play(viewer, public["master_url"]).values()] == [200, 200, 200]
    assert bucket_keys(s3, platform, "eu", "gated/") == []


def test_the_residency_check_reads_the_buckets(platform: Platform) -> None:
    stray, at_home = new_id("eu"), new_id("us")
    store = platform.media_store("us")
    store.put_bytes(f"avatars/{at_home}/0123456789abcdef.jpg", b"\xff\xd8")
    assert check_residency(platform) == []
    store.put_bytes(f"videos/{stray}/hls/master.m3u8", b"#EXTM3U\n")
    store.conceal(f"videos/{stray}")  # a concealed file is still the bucket's
    assert [str(v) for v in check_residency(platform)] == [
        f"media us: videos row {stray} belongs to region eu"
    ]


def test_a_region_is_exported_with_its_bucket_and_its_uploads(
    client: TestClient,
    platform: Platform,
    s3: S3Server,
    bob: Member,
    clips: dict[str, Path],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from clipshop.cli.region import export

    video = post_clip(client, platform, bob, clips["silent"], "carved out")
    held = platform.media_store("eu").keys()
    uploads = platform.upload_volumes["eu"].upload_ids()
    exported = export(platform, "eu", tmp_path / "eu-alone")
    assert (exported.bucket, exported.media_keys) == (
        platform.settings.regions["eu"].media_bucket,
        len(uploads),
    )

    for name in [n for n in os.environ if n.startswith("CLIPSHOP_") and n != "CLIPSHOP_TEST_POSTGRES"]:
        monkeypatch.delenv(name)
    monkeypatch.setenv("CLIPSHOP_CONFIG", str(tmp_path / "eu-alone" / "clipshop.toml"))
    monkeypatch.setenv("CLIPSHOP_S3_ACCESS_KEY_ID", ACCESS_KEY)  # its own credentials, from its environment
    monkeypatch.setenv("CLIPSHOP_S3_SECRET_ACCESS_KEY", SECRET_KEY)
    alone = Platform(Settings())
    try:
        assert alone.settings.region_media_public_url("eu") == platform.settings.region_media_public_url("eu")
        assert alone.media_store("eu").keys() == held
        assert alone.upload_volumes["eu"].upload_ids() == uploads
        path = alone.upload_volumes["eu"].local_path(uploads[0])
        assert path.read_bytes() == platform.upload_volumes["eu"].local_path(uploads[0]).read_bytes()
        assert check_residency(alone) == []
    finally:
        alone.close()
    with httpx.Client() as viewer:
        assert [r.status_code for r in play(viewer, video["master_url"]).values()] == [200, 200, 200]


class AppClient:
    """The app's test client as a player signed in as `member` uses it: `get` with the member's token."""

    def __init__(self, client: TestClient, member: Member) -> None:
        self.client, self.member = client, member

    def get(self, url: str, **kwargs: Any) -> httpx.Response:
        return self.client.get(url, headers=self.member.auth, **kwargs)


def test_files_a_lost_process_left_concealed_are_revealed_by_the_periodic_job_once_settled(
    platform: Platform, s3: S3Server, clock: FrozenClock, bob: Member
) -> None:
    reopened, gated = a_region_video(platform, bob), a_region_video(platform, bob)
    store = platform.media_store("eu")
    for video_id in (reopened, gated):
        store.put_bytes(f"videos/{video_id}/hls/master.m3u8", b"#EXTM3U\n")
    with everywhere(platform.databases).transaction() as uow:
        uow.region("eu").get_one(Video, gated).withheld_by = "decision1"
    # A take-down's files (its decision committed), and a lifted one's whose process died before revealing.
    store.conceal(f"videos/{gated}")
    store.conceal(f"videos/{reopened}")
    assert store.concealed_keys("videos") == sorted(f"videos/{v}/hls/master.m3u8" for v in (reopened, gated))
    clock.current = datetime.now(UTC)  # the bucket stamps its objects with the real time
    # Concealed a moment ago: perhaps by a decision still under way, so left alone for now.
    assert transcoding.reveal_lost_media(platform) == {}
    clock.advance(minutes=6)
    assert transcoding.reveal_lost_media(platform) == {"eu": [reopened]}
    assert bucket_keys(s3, platform, "eu", "gated/") == [f"gated/videos/{gated}/hls/master.m3u8"]
    assert httpx.get(store.url(f"videos/{reopened}/hls/master.m3u8")).status_code == 200
    assert httpx.get(store.url(f"videos/{gated}/hls/master.m3u8")).status_code == 404
    assert transcoding.reveal_lost_media(platform) == {}
