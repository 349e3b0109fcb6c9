"""For You reads candidates' directory facts and the shared candidate lists through a per-process cache
kept `recs_cache_s` seconds of the platform clock; the page itself is always loaded fresh."""

from __future__ import annotations

import gc
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import delete, update

from clipshop.feed.facts import FeedCache
from clipshop.kit.clock import FrozenClock
from clipshop.platform import Platform
from clipshop.videos.models import PublicVideo, PublicVideoTag
from support import a_public_video, quick_members


def test_facts_are_kept_for_the_ttl_then_read_again(platform: Platform, clock: FrozenClock) -> None:
    cache = FeedCache(clock, ttl_s=60)
    maker = quick_members(platform, "us", 1, prefix="maker")[0]
    video = a_public_video(platform, maker, "a clip #cats", views=10)
    with platform.uow().transaction() as uow:
        assert cache.facts(uow, [video, "us_missing"])[video].view_count == 10
        uow.directory.execute(update(PublicVideo).where(PublicVideo.id == video).values(view_count=999))
    with platform.uow().transaction() as uow:
        kept = cache.facts(uow, [video, "us_missing"])
        assert kept[video].view_count == 10 and "us_missing" not in kept
        clock.advance(seconds=61)
        assert cache.facts(uow, [video])[video].view_count == 999
    # Off (0 s), every call reads the directory.
    off = FeedCache(clock, ttl_s=0)
    with platform.uow().transaction() as uow:
        assert off.facts(uow, [video])[video].view_count == 999
        uow.directory.execute(update(PublicVideo).where(PublicVideo.id == video).values(view_count=5))
    with platform.uow().transaction() as uow:
        assert off.facts(uow, [video])[video].view_count == 5


def test_kept_facts_are_left_alone_by_the_cyclic_garbage_collector(
    platform: Platform, clock: FrozenClock
) -> None:
    # A full collection walks every tracked object: a hundred thousand kept facts must not be among them.
    cache = FeedCache(clock, ttl_s=60)
    maker = quick_members(platform, "us", 1, prefix="maker")[0]
    videos = [a_public_video(platform, maker, f"clip {n} #cats", views=n) for n in range(3)]
    with platform.uow().transaction() as uow:
        assert len(cache.facts(uow, videos)) == 3
    gc.collect()
    kept = list(cache._facts.values())
    assert len(kept) == 3 and not any(gc.is_tracked(entry) for entry in kept)


def test_shared_lists_are_loaded_once_per_ttl(clock: FrozenClock) -> None:
    cache = FeedCache(clock, ttl_s=30)
    loads: list[int] = []

    def load() -> list[int]:
        loads.append(1)
        return []  # an empty list is kept too: an empty region must not be asked on every request

    assert cache.shared(("trending", "us"), load) == []
    assert cache.shared(("trending", "us"), load) == []
    assert len(loads) == 1
    clock.advance(seconds=31)
    cache.shared(("trending", "us"), load)
    assert len(loads) == 2


def test_a_clip_taken_down_is_never_served_from_kept_facts(
    client: TestClient, platform: Platform, sign_up: Any
) -> None:
    platform.feed_cache = FeedCache(platform.clock, ttl_s=60)
    makers = quick_members(platform, "us", 3, prefix="maker")
    videos = [
        a_public_video(platform, makers[n % 3], f"clip {n} #topic{n % 3}", hours_ago=n + 1, views=100)
        for n in range(6)
    ]
    viewer = sign_up("viewer", "US")

    def served() -> list[str]:
        response = client.get("/api/v1/feed/for-you", headers=viewer.auth, params={"limit": 6})
        assert response.status_code == 200, response.text
        return [item["id"] for item in response.json()["items"]]

    assert sorted(served()) == sorted(videos)
    gone = videos[0]
    with platform.uow().transaction() as uow:
        uow.directory.execute(delete(PublicVideoTag).where(PublicVideoTag.video_id == gone))
        uow.directory.execute(delete(PublicVideo).where(PublicVideo.id == gone))
    assert sorted(served()) == sorted(videos[1:])
