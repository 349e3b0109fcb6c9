"""Creators' analytics: views, watch time, watch share, completion, followers gained, traffic sources, top
videos and audience by region, exact against hand-made events, follows and ad events in three regions; a
small region suppressed; the creator alone may read them; the player says where a play came from."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from clipshop.ads.models import AdEvent, PublicAd
from clipshop.events.models import Event
from clipshop.kit.everywhere import everywhere
from clipshop.kit.ids import new_id
from clipshop.platform import Platform
from clipshop.social.models import Follow
from support import Member, a_region_video, audit_of, quick_members


def events(platform: Platform, rows: list[tuple[Member, str, str, float, str | None, Any]]) -> None:
    """(viewer, video, kind, watched_s, source, at) rows, written into each viewer's region."""
    with everywhere(platform.databases).transaction() as uow:
        for viewer, video, kind, value, source, at in rows:
            uow.region(viewer.region).add(
                Event(
                    id=new_id(viewer.region),
                    user_id=viewer.id,
                    kind=kind,
                    video_id=video,
                    value=value,
                    source=source,
                    created_at=at,
                )
            )


def follows(platform: Platform, creator: Member, rows: list[tuple[Member, Any]]) -> None:
    with everywhere(platform.databases).transaction() as uow:
        for follower, at in rows:
            uow.region(follower.region).add(
                Follow(follower_id=follower.id, followee_id=creator.id, created_at=at)
            )


def promoted(platform: Platform, video: str, rows: list[tuple[Member, str, str]]) -> None:
    """An ad promoting `video` in the directory, and (viewer, kind, invalid) events of it."""
    now = platform.clock.now()
    ad_id, campaign_id = new_id("eu"), new_id("eu")
    with everywhere(platform.databases).transaction() as uow:
        uow.directory.add(
            PublicAd(
                ad_id=ad_id,
                region="eu",
                advertiser_id=new_id("eu"),
                advertiser_name="Brand",
                campaign_id=campaign_id,
                ad_group_id=new_id("eu"),
                kind="video",
                video_id=video,
                objective="views",
                bid_type="cpm",
                bid=500,
                currency="EUR",
                daily_budget=10_000,
                starts_at=now,
                created_at=now,
                updated_at=now,
            )
        )
        for viewer, kind, invalid in rows:
            uow.region(viewer.region).add(
                AdEvent(
                    id=new_id(viewer.region),
                    user_id=viewer.id,
                    kind=kind,
                    ad_id=ad_id,
                    campaign_id=campaign_id,
                    invalid=invalid,
                    created_at=now,
                )
            )


@pytest.fixture
def seeded(platform: Platform, client: TestClient, alice: Member) -> dict[str, Any]:
    """Alice (us) has two 8 s videos; viewers in us, eu and au watched them today and yesterday."""
    platform.settings.min_group_size = 2
    now = platform.clock.now()
    yesterday = now - timedelta(days=1)
    v1, v2 = a_region_video(platform, alice), a_region_video(platform, alice)
    u0, u1 = quick_members(platform, "us", 2, "u")
    e0, e1, e2 = quick_members(platform, "eu", 3, "e")
    (a0,) = quick_members(platform, "au", 1, "a")
    events(
        platform,
        [
            # u0 watches v1 to the end from For You, then again from the profile page (4 s): one watch.
            (u0, v1, "impression", 0, "for_you", now),
            (u0, v1, "play", 0, "for_you", now),
            (u0, v1, "progress", 5, "for_you", now),
            (u0, v1, "complete", 8, "for_you", now),
            (u0, v1, "play", 0, "profile", now),
            (u0, v1, "progress", 4, "profile", now),
            (u1, v1, "play", 0, "following", now),
            (u1, v1, "progress", 4, "following", now),
            (u1, v2, "play", 0, "hashtag", yesterday),
            (u1, v2, "progress", 6, "hashtag", yesterday),
            # e0 loops v2 (20 s watched of 8 s: a share of 1); e2's player said nothing of its source.
            (e0, v2, "play", 0, "search", now),
            (e0, v2, "progress", 20, "search", now),
            (e0, v2, "complete", 16, "search", now),
            (e1, v2, "play", 0, "shop", now),
            (e1, v2, "progress", 2, "shop", now),
            (e2, v1, "play", 0, None, now),
            # au: one viewer, under the minimum group.
            (a0, v1, "play", 0, "for_you", now),
            (a0, v1, "complete", 8, "for_you", now),
            # Before the window.
            (u0, v1, "play", 0, "for_you", now - timedelta(days=9)),
        ],
    )
    follows(platform, alice, [(e0, now), (u0, yesterday), (a0, now), (u1, now - timedelta(days=30))])
    promoted(platform, v2, [(e1, "impression", ""), (e2, "impression", ""), (e2, "click", ""),
                            (e0, "impression", "repeat")])  # fmt: skip
    return {"v1": v1, "v2": v2}


def analytics(client: TestClient, member: Member, path: str, **params: Any) -> Any:
    response = client.get(path, headers=member.auth, params=params)
    assert response.status_code == 200, response.text
    return response.json()


def test_a_creators_figures_come_from_every_region_not_suppressed(
    client: TestClient, platform: Platform, alice: Member, seeded: dict[str, Any]
) -> None:
    v1, v2 = seeded["v1"], seeded["v2"]
    body = analytics(client, alice, "/api/v1/me/analytics", days=7)
    assert [d["day"] for d in body["days"]] == [f"2026-05-{d}" for d in range(26, 32)] + ["2026-06-01"]
    today, yesterday = body["days"][-1], body["days"][-2]
    assert today == {
        "day": "2026-06-01",
        "views": 6,
        "watch_time_s": 34.0,  # 8 + 4 (us) + 20 + 2 + 0 (eu)
        "avg_watch_share": pytest.approx(2.75 / 5),
        "completion_rate": 0.4,
        "followers_gained": 1,  # e0; a0 is in au, suppressed
    }
    assert yesterday == {
        "day": "2026-05-31",
        "views": 1,
        "watch_time_s": 6.0,
        "avg_watch_share": 0.75,
        "completion_rate": 0.0,
        "followers_gained": 1,
    }
    assert body["days"][0]["views"] == 0 and body["days"][0]["avg_watch_share"] is None
    assert body["totals"] == {
        "views": 7,
        "watch_time_s": 40.0,
        "avg_watch_share": pytest.approx(3.5 / 6),
        "completion_rate": pytest.approx(2 / 6),
        "followers_gained": 2,
        "ad_impressions": 2,
        "ad_clicks": 1,
        "excludes_suppressed": True,
    }
    assert {s["source"]: s["views"] for s in body["sources"]} == {
        "for_you": 1,
        "following": 1,
        "profile": 1,
        "search": 1,
        "shop": 1,
        "hashtag": 1,
        "ad": 0,
        "other": 1,
    }
    assert body["sources"][0]["share"] == pytest.approx(1 / 7)
    assert body["videos"] == [
        {
            "video_id": v1,
            "caption": "",
            "views": 4,
            "watch_time_s": 12.0,
            "avg_watch_share": 0.5,
            "completion_rate": pytest.approx(1 / 3),
            "ad_impressions": 0,
            "ad_clicks": 0,
        },
        {
            "video_id": v2,
            "caption": "",
            "views": 3,
            "watch_time_s": 28.0,
            "avg_watch_share": pytest.approx(2 / 3),
            "completion_rate": pytest.approx(1 / 3),
            "ad_impressions": 2,
            "ad_clicks": 1,
        },
    ]
    assert body["regions"] == [
        {"region": "us", "viewers": 2, "views": 4, "suppressed": False},
        {"region": "eu", "viewers": 3, "views": 3, "suppressed": False},
        {"region": "au", "viewers": None, "views": None, "suppressed": True},
    ]
    (entry,) = [e for e in audit_of(platform, "au") if e.purpose == "aggregate_analytics"]
    assert (entry.role, entry.data_class, entry.result) == ("creator", "behaviour", "allowed")


def test_one_videos_figures_and_a_larger_minimum_group(
    client: TestClient, platform: Platform, alice: Member, seeded: dict[str, Any]
) -> None:
    v2 = seeded["v2"]
    body = analytics(client, alice, f"/api/v1/videos/{v2}/analytics", days=2)
    assert body["days"] == [
        {"day": "2026-05-31", "views": 1, "watch_time_s": 6.0, "avg_watch_share": 0.75,
         "completion_rate": 0.0, "followers_gained": None},
        {"day": "2026-06-01", "views": 2, "watch_time_s": 22.0, "avg_watch_share": 0.625,
         "completion_rate": 0.5, "followers_gained": None},
    ]  # fmt: skip
    assert (body["totals"]["views"], body["totals"]["ad_impressions"], body["totals"]["ad_clicks"]) == (
        3,
        2,
        1,
    )
    assert body["totals"]["followers_gained"] is None
    assert [v["video_id"] for v in body["videos"]] == [v2]
    assert {s["source"]: s["views"] for s in body["sources"] if s["views"]} == {
        "hashtag": 1,
        "search": 1,
        "shop": 1,
    }
    assert [(r["region"], r["viewers"]) for r in body["regions"]] == [("us", 1), ("eu", 2), ("au", None)]
    # Four people at least: eu (three) is left out of every figure; the creator's own region never is.
    platform.settings.min_group_size = 4
    body = analytics(client, alice, "/api/v1/me/analytics", days=7)
    assert (body["totals"]["views"], body["totals"]["watch_time_s"], body["totals"]["followers_gained"]) == (
        4,
        18.0,
        1,
    )
    assert (body["totals"]["ad_impressions"], body["totals"]["ad_clicks"]) == (0, 0)
    assert [r["suppressed"] for r in body["regions"]] == [False, True, True]
    assert body["sources"][-1] == {"source": "other", "views": 0, "share": 0.0}


def test_only_the_creator_reads_a_videos_analytics(
    client: TestClient, alice: Member, bob: Member, seeded: dict[str, Any]
) -> None:
    response = client.get(f"/api/v1/videos/{seeded['v1']}/analytics", headers=bob.auth)
    assert response.status_code == 404 and response.json()["code"] == "not_found", response.text
    assert client.get("/api/v1/me/analytics").status_code == 401
    # Bob has no videos: his own analytics are empty, and say nothing of alice's viewers.
    body = analytics(client, bob, "/api/v1/me/analytics")
    assert body["totals"]["views"] == 0 and body["videos"] == [] and len(body["days"]) == 28


def test_the_player_says_where_a_play_came_from(
    client: TestClient, platform: Platform, alice: Member, bob: Member
) -> None:
    video = a_region_video(platform, alice)
    batch = {
        "events": [
            {"video_id": video, "kind": "play", "source": "profile"},
            {"video_id": video, "kind": "progress", "watched_s": 3, "source": "profile"},
            {"video_id": video, "kind": "play"},  # an older page: no source
        ]
    }
    response = client.post("/api/v1/events", headers=bob.auth, json=batch)
    assert response.status_code == 202, response.text
    with everywhere(platform.databases).transaction() as uow:
        stored = uow.region(bob.region).execute(
            select(Event.kind, func.coalesce(Event.source, "")).where(Event.user_id == bob.id)
        )
        assert sorted(tuple(row) for row in stored) == [
            ("play", ""),
            ("play", "profile"),
            ("progress", "profile"),
        ]
    wrong = {"events": [{"video_id": video, "kind": "play", "source": "billboard"}]}
    response = client.post("/api/v1/events", headers=bob.auth, json=wrong)
    assert response.status_code == 422, response.text
    assert (response.json()["code"], response.json()["field"]) == ("validation_error", "events.0.source")
