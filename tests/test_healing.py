"""A request killed (SIGKILL) between its region commits and its directory commit leaves the directory behind
the regions; one run of the heal job brings it back: a sign-up's account logs in, a publish's video is in
the feed. And the job runs every minute, compares only what changed, and fixes nothing twice."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from clipshop.accounts.models import AccountIndex, PublicProfile, User
from clipshop.healing import HEAL_ALL_PROJECTIONS, HEAL_PROJECTIONS, OVERLAP, SETTLE, heal_projections
from clipshop.kit.everywhere import everywhere
from clipshop.kit.watermarks import HealWatermark
from clipshop.platform import Platform
from clipshop.videos.models import PublicVideo, Video
from doubles import FrozenClock
from support import PASSWORD, Member, a_ready_video, run_killed_request


def fixed_by_region(platform: Platform) -> dict[str, dict[str, int]]:
    return {healed.region: healed.fixed for healed in heal_projections(platform)}


NOTHING = {"us": {}, "eu": {}, "au": {}}


@pytest.mark.slow
def test_a_sign_up_killed_before_its_directory_commit_logs_in_after_one_heal(
    client: TestClient, platform: Platform, clock: FrozenClock
) -> None:
    body = {"email": "half@example.com", "password": PASSWORD, "handle": "half", "country": "DE"}
    run_killed_request(platform, "POST", "/api/v1/auth/signup", json=body)

    with platform.uow(home="eu").transaction() as uow:
        user = uow.region("eu").scalars(select(User).where(User.email == "half@example.com")).one()
        assert uow.directory.scalar(select(func.count()).select_from(AccountIndex)) == 0
        assert uow.directory.get(PublicProfile, user.id) is None
    login = {"email": "half@example.com", "password": PASSWORD}
    refused = client.post("/api/v1/auth/login", json=login)
    assert refused.status_code == 401 and refused.json()["code"] == "bad_credentials"

    clock.advance(minutes=2)  # past the moment its own request might still have been committing
    assert fixed_by_region(platform) == {**NOTHING, "eu": {"account index": 1, "public profiles": 1}}

    logged_in = client.post("/api/v1/auth/login", json=login)
    assert logged_in.status_code == 200, logged_in.text
    assert logged_in.json()["user"] | {"created_at": None} == {
        "id": user.id,
        "handle": "half",
        "display_name": "half",
        "bio": "",
        "email": "half@example.com",
        "country": "DE",
        "region": "eu",
        "avatar_url": None,
        "email_verified": False,
        "created_at": None,
        "birth_date": None,
    }
    assert client.get("/api/v1/users/half").json()["id"] == user.id
    again = client.post("/api/v1/auth/signup", json={**body, "country": "US"})
    assert again.status_code == 409 and again.json()["code"] == "email_taken"
    assert accounts_with_email(platform, "half@example.com") == [user.id]
    assert fixed_by_region(platform) == NOTHING


@pytest.mark.slow
def test_a_sign_up_again_before_the_heal_finishes_the_first_and_makes_no_second_account(
    client: TestClient, platform: Platform
) -> None:
    body = {"email": "half@example.com", "password": PASSWORD, "handle": "half", "country": "DE"}
    run_killed_request(platform, "POST", "/api/v1/auth/signup", json=body)
    [user_id] = accounts_with_email(platform, "half@example.com")

    someone_else = client.post(
        "/api/v1/auth/signup", json={**body, "password": "another long passphrase", "handle": "other"}
    )
    assert someone_else.status_code == 409 and someone_else.json() == {
        "type": "https://clipshop.dev/problems/email_taken",
        "title": "Conflict",
        "status": 409,
        "code": "email_taken",
        "detail": "An account with that email exists; log in instead.",
        "instance": "/api/v1/auth/signup",
        "field": "email",
    }
    handle_only = client.post("/api/v1/auth/signup", json={**body, "email": "other@example.com"})
    assert handle_only.status_code == 409 and handle_only.json()["code"] == "handle_taken"

    retried = client.post("/api/v1/auth/signup", json=body)  # the client's retry, same password
    assert retried.status_code == 201, retried.text
    assert (retried.json()["user"]["id"], retried.json()["user"]["handle"]) == (user_id, "half")
    client.cookies.clear()
    login = client.post("/api/v1/auth/login", json={"email": "half@example.com", "password": PASSWORD})
    assert login.status_code == 200 and login.json()["user"]["id"] == user_id
    assert accounts_with_email(platform, "half@example.com") == [user_id]


def accounts_with_email(platform: Platform, email: str) -> list[str]:
    with everywhere(platform.databases).transaction() as uow:
        return [
            user_id
            for region in uow.databases.regions
            for user_id in uow.region(region).scalars(select(User.id).where(User.email == email))
        ]


@pytest.mark.slow
def test_a_publish_killed_before_its_directory_commit_is_in_the_feed_after_one_heal(
    client: TestClient, platform: Platform, clock: FrozenClock, alice: Member
) -> None:
    video_id = a_ready_video(platform, alice, caption="morning light #sea")
    run_killed_request(platform, "POST", f"/api/v1/videos/{video_id}/publish", headers=alice.auth)

    with platform.uow(home="us").transaction() as uow:
        assert uow.region("us").get_one(Video, video_id).published_at == clock.now()
        assert uow.directory.get(PublicVideo, video_id) is None
    assert client.get("/api/v1/feed/for-you").json()["items"] == []

    clock.advance(minutes=2)
    assert fixed_by_region(platform) == {**NOTHING, "us": {"public videos": 1}}

    feed = client.get("/api/v1/feed/for-you").json()["items"]
    assert [(item["id"], item["caption"]) for item in feed] == [(video_id, "morning light #sea")]
    assert [item["id"] for item in client.get("/api/v1/hashtags/sea/videos").json()["items"]] == [video_id]
    assert client.get("/api/v1/users/alice").json()["video_count"] == 1
    assert fixed_by_region(platform) == NOTHING


def test_each_run_compares_what_was_written_since_the_last_one(
    platform: Platform, clock: FrozenClock, alice: Member
) -> None:
    first = heal_projections(platform)
    assert [(h.region, h.window and h.window.since) for h in first] == [
        ("us", None),
        ("eu", None),
        ("au", None),
    ]
    with platform.uow().transaction() as uow:
        marks = uow.directory.scalars(select(HealWatermark).order_by(HealWatermark.region)).all()
        assert [(m.region, m.healed_through) for m in marks] == [
            (region, clock.now() - SETTLE) for region in ("au", "eu", "us")
        ]
    clock.advance(minutes=10)
    second = heal_projections(platform)
    assert {(h.window.since, h.window.before) for h in second if h.window} == {
        (clock.now() - timedelta(minutes=10) - SETTLE - OVERLAP, clock.now() - SETTLE)
    }
    # The sign-up's rows are older than that window now: deleting its copies goes unseen until a full sweep.
    with platform.uow().transaction() as uow:
        uow.directory.delete(uow.directory.get_one(PublicProfile, alice.id))
    assert fixed_by_region(platform) == NOTHING
    full = {h.region: h.fixed for h in heal_projections(platform, full=True)}
    assert full == {**NOTHING, "us": {"public profiles": 1}}


def test_the_heal_runs_every_minute_and_sweeps_everything_daily(platform: Platform) -> None:
    def heals_due(at: datetime) -> list[str]:
        names = (HEAL_PROJECTIONS.name, HEAL_ALL_PROJECTIONS.name)
        return [name for name in platform.jobs.periodic_due(at) if name in names]

    assert heals_due(datetime(2026, 6, 1, 0, 0)) == ["heal_all_projections", "heal_projections"]
    assert heals_due(datetime(2026, 6, 1, 0, 1)) == ["heal_projections"]
    assert heals_due(datetime(2026, 6, 1, 12, 7)) == ["heal_projections"]


def test_a_lost_profile_comes_back_with_its_counters(
    client: TestClient, platform: Platform, clock: FrozenClock, alice: Member, bob: Member
) -> None:
    video_id = a_ready_video(platform, alice, caption="hello")
    client.post(f"/api/v1/videos/{video_id}/publish", headers=alice.auth)
    client.post(f"/api/v1/videos/{video_id}/like", headers=bob.auth)
    client.post("/api/v1/users/alice/follow", headers=bob.auth)
    client.post("/api/v1/users/bob/follow", headers=alice.auth)
    platform.jobs.drain()
    shown = client.get("/api/v1/users/alice").json()
    assert [shown[f"{n}_count"] for n in ("follower", "following", "video", "like")] == [1, 1, 1, 1]
    with platform.uow().transaction() as uow:  # lost, as a crashed sign-up loses it
        uow.directory.delete(uow.directory.get_one(PublicProfile, alice.id))
    clock.advance(minutes=2)

    healed = {h.region: h.fixed for h in heal_projections(platform, full=True)}

    assert healed == {
        **NOTHING,
        "us": {"public profiles": 1, "public profiles' counters": 1},
    }
    assert client.get("/api/v1/users/alice").json() == shown
