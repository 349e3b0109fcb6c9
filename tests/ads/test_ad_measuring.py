"""Reports of ads from the client (`POST /api/v1/ads/events`): viewable impressions and clicks recorded, the
billable ones charged to the slice of the viewer's region once, invalid traffic recorded and never billed."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import pytest
from factory import Promoted, a_campaign, an_advertiser, events_of, fund, serve, slices
from fastapi.testclient import TestClient

from clipshop.ads.models import BidType
from clipshop.platform import Platform
from doubles import FrozenClock
from support import Member, a_public_video, quick_members

PRICE = 5_000


@dataclass
class World:
    owner: Member
    creator: Member
    viewer: Member
    other: Member
    cpm: Promoted
    cpc: Promoted


@pytest.fixture
def world(platform: Platform) -> World:
    owner, creator = quick_members(platform, "us", 2, "us")
    viewer, other = quick_members(platform, "eu", 2, "eu")
    video_id = a_public_video(platform, creator, "#linen")
    advertiser_id = an_advertiser(platform, owner)
    cpm = a_campaign(platform, advertiser_id, video_id=video_id, bid_type=BidType.CPM)
    cpc = a_campaign(platform, advertiser_id, video_id=video_id, bid_type=BidType.CPC, bid=20)
    today = platform.clock.now().date()
    for rows in (cpm, cpc):
        for region in ("us", "eu"):
            fund(platform, rows.campaign_id, region, day=today, allotted_micros=1_000_000)
    return World(owner, creator, viewer, other, cpm, cpc)


def report(client: TestClient, member: Member, *events: dict[str, Any]) -> Any:
    r = client.post("/api/v1/ads/events", headers=member.auth, json={"events": list(events)})
    assert r.status_code == 202, r.text
    return r.json()


def recorded(platform: Platform, member: Member, kind: str) -> list[tuple[str, int, str]]:
    return [(e.served_id or "", e.price_micros, e.invalid) for e in events_of(platform, member, kind)]


def spent(platform: Platform, rows: Promoted, region: str) -> int:
    return slices(platform, rows.campaign_id, platform.clock.now().date())[region][1]


def test_a_viewable_impression_is_charged_once(
    client: TestClient, platform: Platform, clock: FrozenClock, world: World
) -> None:
    served = serve(
        platform, world.viewer, world.cpm, price_micros=PRICE, at=clock.now() - timedelta(seconds=5)
    )
    assert report(client, world.viewer, {"served_id": served, "kind": "impression", "seen_s": 2.4}) == {
        "accepted": 1,
        "skipped": [],
    }
    clock.advance(seconds=30)
    assert report(client, world.viewer, {"served_id": served, "kind": "impression"})["accepted"] == 1
    assert recorded(platform, world.viewer, "impression") == [(served, PRICE, ""), (served, 0, "repeat")]
    assert spent(platform, world.cpm, "eu") == PRICE
    assert spent(platform, world.cpm, "us") == 0


def test_two_copies_of_one_impression_in_a_batch_count_once(
    client: TestClient, platform: Platform, clock: FrozenClock, world: World
) -> None:
    served = serve(
        platform, world.viewer, world.cpm, price_micros=PRICE, at=clock.now() - timedelta(seconds=5)
    )
    copy = {"served_id": served, "kind": "impression"}
    assert report(client, world.viewer, copy, copy)["accepted"] == 2
    assert recorded(platform, world.viewer, "impression") == [(served, PRICE, ""), (served, 0, "repeat")]
    assert spent(platform, world.cpm, "eu") == PRICE


def test_an_impression_reported_sooner_than_it_could_be_viewable_is_rapid(
    client: TestClient, platform: Platform, clock: FrozenClock, world: World
) -> None:
    served = serve(
        platform, world.viewer, world.cpm, price_micros=PRICE, at=clock.now() - timedelta(seconds=1)
    )
    report(client, world.viewer, {"served_id": served, "kind": "impression"})
    # a report on time afterwards still counts: the rapid one was not a counted impression
    clock.advance(seconds=3)
    report(client, world.viewer, {"served_id": served, "kind": "impression"})
    assert recorded(platform, world.viewer, "impression") == [(served, 0, "rapid"), (served, PRICE, "")]
    assert spent(platform, world.cpm, "eu") == PRICE


def test_an_impression_seen_for_less_than_the_viewable_time_is_skipped(
    client: TestClient, platform: Platform, clock: FrozenClock, world: World
) -> None:
    served = serve(
        platform, world.viewer, world.cpm, price_micros=PRICE, at=clock.now() - timedelta(seconds=5)
    )
    answer = report(client, world.viewer, {"served_id": served, "kind": "impression", "seen_s": 1.5})
    assert answer == {"accepted": 0, "skipped": [served]}
    assert recorded(platform, world.viewer, "impression") == []


def test_served_ids_not_the_viewers_own_in_their_region_are_skipped(
    client: TestClient, platform: Platform, clock: FrozenClock, world: World
) -> None:
    someone_elses = serve(platform, world.other, world.cpm, price_micros=PRICE)
    in_another_region = serve(platform, world.owner, world.cpm, price_micros=PRICE)
    old = serve(platform, world.viewer, world.cpm, price_micros=PRICE, at=clock.now() - timedelta(days=2))
    clock.advance(seconds=10)
    answer = report(
        client,
        world.viewer,
        *[
            {"served_id": served, "kind": kind}
            for served in (someone_elses, in_another_region, old, "eu_nothing", "x")
            for kind in ("impression", "click")
        ],
    )
    assert answer["accepted"] == 0
    assert answer["skipped"] == [
        s for s in (someone_elses, in_another_region, old, "eu_nothing", "x") for _ in "ic"
    ]
    assert events_of(platform, world.viewer, "click") == []
    assert spent(platform, world.cpm, "eu") == 0


def test_a_cpc_ad_bills_its_first_click_and_no_repeat(
    client: TestClient, platform: Platform, clock: FrozenClock, world: World
) -> None:
    served = serve(
        platform, world.viewer, world.cpc, price_micros=70_000, at=clock.now() - timedelta(seconds=4)
    )
    report(
        client,
        world.viewer,
        {"served_id": served, "kind": "impression"},
        {"served_id": served, "kind": "click"},
    )
    clock.advance(seconds=3)
    report(client, world.viewer, {"served_id": served, "kind": "click"})  # a double tap
    clock.advance(seconds=60)
    report(client, world.viewer, {"served_id": served, "kind": "click"})
    assert recorded(platform, world.viewer, "impression") == [
        (served, 0, "")
    ]  # counted, not what CPC pays for
    assert recorded(platform, world.viewer, "click") == [
        (served, 70_000, ""),
        (served, 0, "rapid"),
        (served, 0, "repeat"),
    ]
    assert spent(platform, world.cpc, "eu") == 70_000


def test_a_click_right_after_serving_or_on_an_ad_just_clicked_is_rapid(
    client: TestClient, platform: Platform, clock: FrozenClock, world: World
) -> None:
    first = serve(
        platform, world.viewer, world.cpc, price_micros=70_000, at=clock.now() - timedelta(seconds=0.5)
    )
    report(client, world.viewer, {"served_id": first, "kind": "click"})
    clock.advance(seconds=2)
    report(client, world.viewer, {"served_id": first, "kind": "click"})  # within seconds of the last click
    clock.advance(seconds=15)
    report(client, world.viewer, {"served_id": first, "kind": "click"})
    # the same ad served again, clicked within seconds of the last click
    second = serve(
        platform, world.viewer, world.cpc, price_micros=70_000, at=clock.now() - timedelta(seconds=5)
    )
    clock.advance(seconds=4)
    report(client, world.viewer, {"served_id": second, "kind": "click"})
    assert recorded(platform, world.viewer, "click") == [
        (first, 0, "rapid"),
        (first, 0, "rapid"),
        (first, 70_000, ""),
        (second, 0, "rapid"),
    ]
    assert spent(platform, world.cpc, "eu") == 70_000


def test_the_advertisers_staff_and_the_videos_creator_are_not_billed(
    client: TestClient, platform: Platform, clock: FrozenClock, world: World
) -> None:
    for member in (world.owner, world.creator):
        served = serve(
            platform, member, world.cpc, price_micros=70_000, at=clock.now() - timedelta(seconds=5)
        )
        report(
            client,
            member,
            {"served_id": served, "kind": "impression"},
            {"served_id": served, "kind": "click"},
        )
    assert [e.invalid for e in events_of(platform, world.owner, "click")] == ["staff"]
    assert [e.invalid for e in events_of(platform, world.owner, "impression")] == ["staff"]
    assert [e.invalid for e in events_of(platform, world.creator, "click")] == ["self"]
    assert spent(platform, world.cpc, "us") == 0


def test_an_event_its_slice_cannot_take_is_delivered_free(
    client: TestClient, platform: Platform, clock: FrozenClock, world: World
) -> None:
    fund(
        platform,
        world.cpm.campaign_id,
        "eu",
        day=clock.now().date(),
        allotted_micros=8_000,
        spent_micros=4_000,
    )
    served = serve(
        platform, world.viewer, world.cpm, price_micros=PRICE, at=clock.now() - timedelta(seconds=5)
    )
    report(client, world.viewer, {"served_id": served, "kind": "impression"})
    clock.advance(seconds=5)
    report(client, world.viewer, {"served_id": served, "kind": "impression"})
    assert recorded(platform, world.viewer, "impression") == [(served, 0, "budget"), (served, 0, "repeat")]
    assert spent(platform, world.cpm, "eu") == 4_000


def test_reports_need_a_signed_in_viewer_and_a_known_kind(
    client: TestClient, platform: Platform, world: World
) -> None:
    served = serve(platform, world.viewer, world.cpm, price_micros=PRICE)
    body = {"events": [{"served_id": served, "kind": "impression"}]}
    assert client.post("/api/v1/ads/events", json=body).status_code == 401
    wrong = {"events": [{"served_id": served, "kind": "purchase"}]}
    assert client.post("/api/v1/ads/events", headers=world.viewer.auth, json=wrong).status_code == 422
