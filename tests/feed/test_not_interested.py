""" "Not interested": the video and the ones near it (same creator, same first hashtag) leave the viewer's
For You, and the mark is a negative signal in the live interests and in training."""

from __future__ import annotations

import dataclasses
from datetime import timedelta
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import select

from clipshop.events.models import Event, EventKind
from clipshop.events.service import RecentEvent
from clipshop.feed.facts import Facts
from clipshop.feed.interests import interests_of
from clipshop.feed.learning import training
from clipshop.feed.learning.training import POSITIVE
from clipshop.feed.models import NotInterested
from clipshop.kit.everywhere import everywhere
from clipshop.platform import Platform
from clipshop.residency.check import check_residency
from doubles import FrozenClock
from support import PASSWORD, Member, a_public_video


def for_you(client: TestClient, member: Member) -> set[str]:
    r = client.get("/api/v1/feed/for-you", headers=member.auth, params={"limit": 50})
    assert r.status_code == 200, r.text
    return {item["id"] for item in r.json()["items"]}


def test_the_video_and_near_ones_leave_the_feed(
    client: TestClient, platform: Platform, clock: FrozenClock, alice: Member, bob: Member, sign_up: Any
) -> None:
    carol = sign_up("carol", "AU")
    pranks = a_public_video(platform, bob, "gotcha #pranks #funny", likes=40)
    more_bob = a_public_video(platform, bob, "cooking #food", likes=30)
    more_pranks = a_public_video(platform, carol, "another one #pranks", likes=30)
    other = a_public_video(platform, carol, "garden #plants", likes=20)
    assert {pranks, more_bob, more_pranks, other} <= for_you(client, alice)

    r = client.post(f"/api/v1/videos/{pranks}/not-interested", headers=alice.auth)
    assert r.status_code == 204, r.text
    assert client.post(f"/api/v1/videos/{pranks}/not-interested", headers=alice.auth).status_code == 204
    seen = for_you(client, alice)
    assert other in seen
    assert not {pranks, more_bob, more_pranks} & seen
    assert {pranks, more_bob, more_pranks, other} <= for_you(client, carol)  # only alice's feed

    # Near ones come back after a while; the marked video does not.
    clock.advance(days=31)
    login = client.post("/api/v1/auth/login", json={"email": alice.email, "password": PASSWORD})
    alice = dataclasses.replace(alice, token=login.json()["token"])  # the first session has expired
    seen = for_you(client, alice)
    assert {more_bob, more_pranks, other} <= seen and pranks not in seen

    with everywhere(platform.databases).transaction() as uow:
        marks = [
            (m.user_id, m.video_id, m.creator_id, m.topic)
            for m in uow.region("us").scalars(select(NotInterested))
        ]
        assert marks == [(alice.id, pranks, bob.id, "pranks")]
        kinds = list(
            uow.region("us").scalars(select(Event.kind).where(Event.kind == EventKind.NOT_INTERESTED.value))
        )
        assert kinds == ["not_interested"]  # marked twice, recorded once
    assert check_residency(platform) == []


def test_a_missing_video_cannot_be_marked(client: TestClient, alice: Member) -> None:
    r = client.post("/api/v1/videos/us_0123/not-interested", headers=alice.auth)
    assert (r.status_code, r.json()["code"]) == (404, "not_found")
    assert client.post("/api/v1/videos/us_0123/not-interested").status_code == 401


def test_not_interested_weighs_against_the_video_its_creator_and_hashtags(clock: FrozenClock) -> None:
    now = clock.now()
    facts = {
        "v1": Facts("v1", "c1", "pranks funny", 10.0, now, 0, 0, 0, 0),
        "v2": Facts("v2", "c1", "pranks", 10.0, now, 0, 0, 0, 0),
    }
    liked = [RecentEvent(EventKind.LIKE, "v2", None, "c1", 0.0, now - timedelta(minutes=5))]
    rejected = [RecentEvent(EventKind.NOT_INTERESTED, "v1", None, "c1", 0.0, now), *liked]
    before, after = interests_of(liked, facts, now), interests_of(rejected, facts, now)
    assert after.videos["v1"] == -3.0
    assert after.creators["c1"] < 0 < before.creators["c1"]
    assert after.tags["pranks"] < before.tags["pranks"]
    assert [c for c, _ in after.top("creators", 5)] == []


def test_a_rejected_video_is_never_a_positive_in_training(
    client: TestClient, platform: Platform, alice: Member, bob: Member
) -> None:
    video = a_public_video(platform, bob, "watched it all #pranks")
    watched = [{"video_id": video, "kind": kind, "watched_s": 10} for kind in ("play", "complete")]
    assert client.post("/api/v1/events", headers=alice.auth, json={"events": watched}).status_code == 202
    assert client.post(f"/api/v1/videos/{video}/like", headers=alice.auth).status_code == 200
    since = platform.clock.now() - timedelta(days=1)
    with platform.uow(home="us").transaction() as uow:
        weights, _ = training._interactions(uow, "us", since)
    assert weights[(alice.id, video)] >= POSITIVE
    assert client.post(f"/api/v1/videos/{video}/not-interested", headers=alice.auth).status_code == 204
    with platform.uow(home="us").transaction() as uow:
        weights, _ = training._interactions(uow, "us", since)
    assert weights[(alice.id, video)] < POSITIVE
