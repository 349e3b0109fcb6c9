"""Moderation's limits on a video, enforced: `age_restrict` hides it from minors, from accounts with no birth
date and from signed-out viewers (everywhere: feeds, profile, the video, its comments); and
`remove_from_recommendations` takes it out of For You (its trending source included) and hashtags, while the
creator's profile, Following and its own link keep it. A won appeal lifts either. Birth dates come with
sign-up, stay in the home region, and make the age."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from clipshop.accounts.models import User
from clipshop.feed import sources
from clipshop.healing import heal_projections
from clipshop.kit.actors import Actor, Role
from clipshop.kit.everywhere import everywhere
from clipshop.platform import Platform
from clipshop.residency.check import check_residency
from clipshop.videos.models import PublicVideo, PublicVideoTag, Video
from doubles import FrozenClock
from support import CASES, PASSWORD, Member, a_region_video, make_staff, report


def tagged(platform: Platform, creator: Member, tag: str) -> str:
    video_id = a_region_video(platform, creator)
    with everywhere(platform.databases).transaction() as uow:
        public = uow.directory.get_one(PublicVideo, video_id)
        public.hashtags = tag
        uow.directory.add(PublicVideoTag(tag=tag, video_id=video_id, published_at=public.published_at))
        row = uow.region(creator.region).get_one(Video, video_id)
        row.hashtags, row.master_key = tag, f"videos/{video_id}/hls/master.m3u8"
    return video_id


def decide(
    client: TestClient, platform: Platform, mod: Member, reporter: Member, video: str, action: str
) -> str:
    report(client, reporter, video, "nudity")
    case = next(c for c in client.get(CASES, headers=mod.auth).json() if c["content_id"] == video)
    r = client.post(
        f"{CASES}/{case['id']}/decision", headers=mod.auth, json={"decision": action, "reason_code": "r1"}
    )
    assert r.status_code == 201, r.text
    return str(r.json()["id"])


def ids(client: TestClient, path: str, who: Member | None) -> set[str]:
    r = client.get(path, headers=who.auth if who else {}, params={"limit": 50})
    assert r.status_code == 200, (path, r.text)
    return {item["id"] for item in r.json()["items"]}


@pytest.fixture
def people(sign_up: Any) -> dict[str, Member]:
    return {
        "adult": sign_up("adult", "US", birth_date="1990-06-02"),
        "minor": sign_up("minor", "US", birth_date="2010-06-02"),  # 15 on the tests' day, 2026-06-01
        "turns18": sign_up("turns", "US", birth_date="2008-06-01"),  # 18 that very day
        "undated": sign_up("undated", "US"),
    }


def test_age_restricted_videos_are_for_known_adults_only(
    client: TestClient, platform: Platform, sign_up: Any, bob: Member, people: dict[str, Member]
) -> None:
    mod = sign_up("modeu", "DE")
    make_staff(platform, mod, Role.MODERATOR, "eu")
    video = tagged(platform, bob, "party")
    other = tagged(platform, bob, "party")
    for who in people.values():  # everyone follows bob
        assert client.post(f"/api/v1/users/{bob.handle}/follow", headers=who.auth).status_code == 200
    assert client.post(f"/api/v1/videos/{video}/like", headers=people["adult"].auth).status_code == 200
    with platform.uow(home="us").transaction() as uow:
        assert sources.refresh_trending(uow, region="us", now=platform.clock.now()) == 1  # it trends in us
    decision = decide(client, platform, mod, people["adult"], video, "age_restrict")

    lists = (
        "/api/v1/feed/for-you",
        "/api/v1/feed/following",
        f"/api/v1/users/{bob.handle}/videos",
        "/api/v1/hashtags/party/videos",
    )
    for who in (people["adult"], people["turns18"]):
        for path in lists:
            assert video in ids(client, path, who), path
        assert client.get(f"/api/v1/videos/{video}", headers=who.auth).status_code == 200
        assert client.get(f"/api/v1/videos/{video}/comments", headers=who.auth).status_code == 200
    for who in (people["minor"], people["undated"], None):
        for path in lists:
            if who is None and path == "/api/v1/feed/following":
                continue
            seen = ids(client, path, who)
            assert video not in seen and other in seen, (path, who)
        for path in (f"/api/v1/videos/{video}", f"/api/v1/videos/{video}/comments"):
            r = client.get(path, headers=who.auth if who else {})
            assert (r.status_code, r.json()["code"]) == (403, "age_restricted"), path
    r = client.post(f"/api/v1/videos/{video}/comments", headers=people["minor"].auth, json={"body": "hi"})
    assert (r.status_code, r.json()["code"]) == (403, "age_restricted")

    # Adding a birth date later opens it to an adult; a birth date is set once.
    undated = people["undated"]
    r = client.patch("/api/v1/me", headers=undated.auth, json={"birth_date": "1980-01-01"})
    assert r.status_code == 200 and r.json()["birth_date"] == "1980-01-01"
    assert client.get(f"/api/v1/videos/{video}", headers=undated.auth).status_code == 200
    r = client.patch("/api/v1/me", headers=people["minor"].auth, json={"birth_date": "1980-01-01"})
    assert (r.status_code, r.json()["code"]) == (409, "birth_date_set")

    # A won appeal lifts it.
    second = sign_up("modeu2", "FR")
    make_staff(platform, second, Role.MODERATOR, "eu")
    assert (
        client.post(
            f"/api/v1/me/moderation/{decision}/appeal", headers=bob.auth, json={"text": "ok"}
        ).status_code
        == 200
    )
    won = client.post(
        f"/api/v1/moderation/appeals/{decision}/decision", headers=second.auth, json={"outcome": "overturn"}
    )
    assert won.status_code == 200, won.text
    assert video in ids(client, "/api/v1/hashtags/party/videos", None)
    assert client.get(f"/api/v1/videos/{video}").status_code == 200
    assert check_residency(platform) == []


def test_removed_from_recommendations_stays_on_the_profile_only(
    client: TestClient,
    platform: Platform,
    clock: FrozenClock,
    sign_up: Any,
    bob: Member,
    people: dict[str, Member],
) -> None:
    mod = sign_up("modeu", "DE")
    make_staff(platform, mod, Role.MODERATOR, "eu")
    video = tagged(platform, bob, "party")
    adult = people["adult"]
    assert client.post(f"/api/v1/users/{bob.handle}/follow", headers=adult.auth).status_code == 200
    assert client.post(f"/api/v1/videos/{video}/like", headers=adult.auth).status_code == 200
    with platform.uow(home="us").transaction() as uow:
        assert sources.refresh_trending(uow, region="us", now=platform.clock.now()) == 1
    assert video in ids(client, "/api/v1/feed/for-you", adult)
    decide(client, platform, mod, adult, video, "remove_from_recommendations")

    for who in (adult, None):
        assert video not in ids(client, "/api/v1/feed/for-you", who)
        assert video not in ids(client, "/api/v1/hashtags/party/videos", who)
        assert video in ids(client, f"/api/v1/users/{bob.handle}/videos", who)
        assert client.get(f"/api/v1/videos/{video}", headers=who.auth if who else {}).status_code == 200
    assert video in ids(client, "/api/v1/feed/following", adult)
    with everywhere(platform.databases).transaction() as uow:
        row = uow.region("eu").get_one(Video, video)
        assert row.unrecommended_by is not None and row.age_restricted_by is None
        public = uow.directory.get_one(PublicVideo, video)
        assert public.unrecommended is True
        public.unrecommended = False  # a directory that lost the flag
    clock.advance(minutes=2)  # the heal leaves the last minute alone
    heal_projections(platform, full=True)
    with everywhere(platform.databases).transaction() as uow:
        assert uow.directory.get_one(PublicVideo, video).unrecommended is True  # healed from the row


def test_a_birth_date_at_sign_up_is_checked_and_kept_at_home(client: TestClient, platform: Platform) -> None:
    base = {"password": PASSWORD, "country": "DE"}
    young = client.post(
        "/api/v1/auth/signup", json={**base, "email": "k@x.io", "handle": "kid", "birth_date": "2015-01-01"}
    )
    assert (young.status_code, young.json()["code"], young.json()["field"]) == (
        422,
        "too_young",
        "birth_date",
    )
    later = client.post(
        "/api/v1/auth/signup", json={**base, "email": "f@x.io", "handle": "fut", "birth_date": "2030-01-01"}
    )
    assert (later.status_code, later.json()["code"]) == (422, "invalid_birth_date")
    ok = client.post(
        "/api/v1/auth/signup", json={**base, "email": "a@x.io", "handle": "grown", "birth_date": "2000-02-29"}
    )
    assert ok.status_code == 201 and ok.json()["user"]["birth_date"] == "2000-02-29"
    with everywhere(platform.databases).transaction() as uow:
        (user,) = uow.region("eu").scalars(select(User))
        assert str(user.birth_date) == "2000-02-29"
    actor = Actor(id="x", region="eu", handle="x", birth_date=user.birth_date)
    assert actor.age_on(date(2018, 2, 28)) == 17 and actor.age_on(date(2018, 3, 1)) == 18
    assert not Actor(id="x", region="eu", handle="x").is_adult_on(date(2026, 1, 1))
