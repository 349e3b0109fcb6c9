"""The media route asks who may fetch a video's files: an age-restricted video's playlists, segments and
posters are served to known adults (its creator and moderators too) and refused to minors, accounts with no
birth date and signed-out visitors (403 `age_restricted`), never cached by a shared cache; a taken-down one
to no one (410 `media_withheld`). The check is one directory statement per request."""

from __future__ import annotations

import logging
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import event

from clipshop.accounts import service as accounts
from clipshop.kit.actors import Role
from clipshop.kit.everywhere import everywhere
from clipshop.platform import Platform
from clipshop.platform.http import SESSION_COOKIE
from clipshop.videos import service
from clipshop.videos.models import Video, WithheldVideo
from support import Member, a_region_video

FILES = {
    "hls/master.m3u8": (b"#EXTM3U\n", "application/vnd.apple.mpegurl", "max-age=60"),
    "hls/360p/index.m3u8": (b"#EXTM3U\n#EXT-X-ENDLIST\n", "application/vnd.apple.mpegurl", "max-age=60"),
    "hls/360p/seg_000.ts": (b"\x47" * 188, "video/mp2t", "max-age=31536000, immutable"),
    "poster.jpg": (b"\xff\xd8\xff", "image/jpeg", "max-age=31536000, immutable"),
}


def a_video_with_files(platform: Platform, creator: Member) -> tuple[str, list[str]]:
    video_id = a_region_video(platform, creator)
    store = platform.media_store(creator.region)
    for name, (data, _, _) in FILES.items():
        store.put_bytes(f"videos/{video_id}/{name}", data)
    return video_id, [f"/media/{creator.region}/videos/{video_id}/{name}" for name in FILES]


def make_moderator(platform: Platform, member: Member, jurisdiction: str) -> None:
    with everywhere(platform.databases).transaction() as uow:
        accounts.make_staff(uow, user_id=member.id, role=Role.MODERATOR, jurisdiction=jurisdiction)


def restrict(platform: Platform, creator: Member, video_id: str) -> None:
    with everywhere(platform.databases).transaction() as uow:
        video = uow.region(creator.region).get_one(Video, video_id)
        restricted = service.restrict_video(
            uow,
            video=video,
            restriction=service.Restriction.AGE,
            decision_id="decision1",
            store=platform.media_store(creator.region),
            now=platform.clock.now(),
        )
        assert restricted


@pytest.fixture
def people(sign_up: Any) -> dict[str, Member]:
    return {
        "adult": sign_up("adult", "US", birth_date="1990-06-02"),
        "turns18": sign_up("turns", "US", birth_date="2008-06-01"),  # 18 on the tests' day, 2026-06-01
        "minor": sign_up("minor", "US", birth_date="2010-06-02"),
        "undated": sign_up("undated", "US"),
    }


def test_an_age_restricted_videos_files_are_for_those_who_may_see_it(
    client: TestClient,
    platform: Platform,
    sign_up: Any,
    bob: Member,
    people: dict[str, Member],
    caplog: pytest.LogCaptureFixture,
) -> None:
    video_id, urls = a_video_with_files(platform, bob)
    for url in urls:  # before: anyone holding the URL
        r = client.get(url)
        assert (r.status_code, r.headers["cache-control"]) == (
            200,
            f"public, {FILES[url.split(video_id)[1][1:]][2]}",
        )

    with caplog.at_level(logging.WARNING, logger="clipshop.media.purge"):
        restrict(platform, bob, video_id)
    assert [r.getMessage() for r in caplog.records] == [
        f"purge CDN: /media/eu/videos/{video_id}/ (video {video_id} age-restricted)"
    ]

    moderator = sign_up("modeu", "FR")  # no birth date: a reviewer plays what they judge
    make_moderator(platform, moderator, "eu")
    for who in (people["adult"], people["turns18"], bob, moderator):
        for url in urls:
            name = url.split(video_id)[1][1:]
            data, media_type, cache = FILES[name]
            r = client.get(url, headers=who.auth)
            assert r.status_code == 200, (who.handle, url, r.text)
            assert (r.content, r.headers["content-type"].split(";")[0]) == (data, media_type)
            assert r.headers["cache-control"] == f"private, {cache}"  # no shared cache hands it on
    for who in (people["minor"], people["undated"], None):
        for url in urls:
            for method in (client.get, client.head):
                r = method(url, headers=who.auth if who else {})
                assert r.status_code == 403, (who, url)
                if method is client.get:
                    assert r.json()["code"] == "age_restricted"
                    hint = "log in" if who is None else "add your birth date in settings"
                    assert hint in r.json()["detail"]

    # The player sends the session cookie, not a bearer header: the same answers.
    client.cookies.set(SESSION_COOKIE, people["adult"].token)
    assert client.get(urls[2]).status_code == 200
    client.cookies.set(SESSION_COOKIE, people["minor"].token)
    assert client.get(urls[2]).json()["code"] == "age_restricted"
    client.cookies.clear()

    # A taken-down video answers 410 to everyone, adults included.
    with everywhere(platform.databases).transaction() as uow:
        video = uow.region(bob.region).get_one(Video, video_id)
        assert service.withhold_video(
            uow,
            video=video,
            decision_id="decision2",
            store=platform.media_store(bob.region),
            now=platform.clock.now(),
        )
    for who in (people["adult"], people["minor"], None):
        r = client.get(urls[0], headers=who.auth if who else {})
        assert (r.status_code, r.json()["code"]) == (410, "media_withheld")


def test_lifting_the_restriction_opens_the_files_again(
    client: TestClient, platform: Platform, bob: Member, people: dict[str, Member]
) -> None:
    video_id, urls = a_video_with_files(platform, bob)
    restrict(platform, bob, video_id)
    assert client.get(urls[0], headers=people["minor"].auth).status_code == 403
    with everywhere(platform.databases).transaction() as uow:
        video = uow.region(bob.region).get_one(Video, video_id)
        assert service.lift_restriction(
            uow,
            video=video,
            decision_id="decision1",
            store=platform.media_store(bob.region),
            now=platform.clock.now(),
        )
    r = client.get(urls[0], headers=people["minor"].auth)
    assert (r.status_code, r.headers["cache-control"]) == (200, "public, max-age=60")


def test_the_media_route_reads_the_directory_once_and_never_the_session_for_open_files(
    client: TestClient, platform: Platform, bob: Member, people: dict[str, Member]
) -> None:
    video_id, urls = a_video_with_files(platform, bob)
    restricted_id, restricted_urls = a_video_with_files(platform, bob)
    restrict(platform, bob, restricted_id)
    statements: list[str] = []

    def count(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        statements.append(statement)

    engines = [platform.databases.directory_engine, *platform.databases.region_engines.values()]
    for engine in engines:
        event.listen(engine, "before_cursor_execute", count)
    try:
        assert client.get(urls[2], headers=people["minor"].auth).status_code == 200
        open_statements = [s for s in statements if "withheld_videos" in s or "auth_sessions" in s]
        assert len(open_statements) == 1 and "withheld_videos" in open_statements[0]
        assert "public_videos" in open_statements[0]  # the restriction is read in the same statement
        statements.clear()
        assert client.get(restricted_urls[2], headers=people["minor"].auth).status_code == 403
        assert len([s for s in statements if "withheld_videos" in s]) == 1
    finally:
        for engine in engines:
            event.remove(engine, "before_cursor_execute", count)
    with everywhere(platform.databases).transaction() as uow:
        assert uow.directory.get(WithheldVideo, video_id) is None
