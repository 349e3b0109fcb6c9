"""For You reads candidates' directory facts and the shared candidate lists through a per-process cache
kept `recs_cache_s` seconds of the platform clock; the page itself is always loaded fresh."""

from __future__ import annotations

import gc
import threading
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import delete, update

from clipshop.assembly import build_platform
from clipshop.config import Settings
from clipshop.feed.facts import DirectoryMirror, FeedCache, load_facts
from clipshop.feed.runtime import feed_runtime
from clipshop.kit.everywhere import everywhere
from clipshop.platform import Platform
from clipshop.shop.public import PublicVideoProduct
from clipshop.videos.models import PublicVideo, PublicVideoTag
from doubles import FrozenClock
from support import a_public_video, quick_members


def test_facts_are_kept_for_the_ttl_then_read_again(platform: Platform, clock: FrozenClock) -> None:
    cache = FeedCache(clock, ttl_s=60)
    maker = quick_members(platform, "us", 1, prefix="maker")[0]
    video = a_public_video(platform, maker, "a clip #cats", views=10)
    with everywhere(platform.databases).transaction() as uow:
        assert cache.facts(uow, [video, "us_missing"])[video].view_count == 10
        uow.directory.execute(update(PublicVideo).where(PublicVideo.id == video).values(view_count=999))
    with everywhere(platform.databases).transaction() as uow:
        kept = cache.facts(uow, [video, "us_missing"])
        assert kept[video].view_count == 10 and "us_missing" not in kept
        clock.advance(seconds=61)
        assert cache.facts(uow, [video])[video].view_count == 999
    # Off (0 s), every call reads the directory.
    off = FeedCache(clock, ttl_s=0)
    with everywhere(platform.databases).transaction() as uow:
        assert off.facts(uow, [video])[video].view_count == 999
        uow.directory.execute(update(PublicVideo).where(PublicVideo.id == video).values(view_count=5))
    with everywhere(platform.databases).transaction() as uow:
        assert off.facts(uow, [video])[video].view_count == 5


def test_kept_facts_are_left_alone_by_the_cyclic_garbage_collector(
    platform: Platform, clock: FrozenClock
) -> None:
    # A full collection walks every tracked object: a hundred thousand kept facts must not be among them.
    cache = FeedCache(clock, ttl_s=60)
    maker = quick_members(platform, "us", 1, prefix="maker")[0]
    videos = [a_public_video(platform, maker, f"clip {n} #cats", views=n) for n in range(3)]
    with everywhere(platform.databases).transaction() as uow:
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
    feed_runtime(platform).cache = FeedCache(platform.clock, ttl_s=60)
    _take_down_a_served_clip(client, platform, sign_up)


def test_a_clip_taken_down_since_the_directory_copy_is_never_served(
    client: TestClient, platform: Platform, sign_up: Any, clock: FrozenClock
) -> None:
    feed_runtime(platform).cache = FeedCache(clock, ttl_s=60, mirror=_sqlite_mirror(platform, clock))
    feed_runtime(platform).cache.warm()
    gone = _take_down_a_served_clip(client, platform, sign_up)
    # Found gone while building that page: skipped in the copy from then on, until the next copy.
    with everywhere(platform.databases).transaction() as uow:
        assert feed_runtime(platform).cache.facts(uow, [gone]) == {}


def _take_down_a_served_clip(client: TestClient, platform: Platform, sign_up: Any) -> str:
    """Serve a page from 7 clips, take one of its 6 down: the next page is 6 clips again, without it."""
    makers = quick_members(platform, "us", 3, prefix="maker")
    videos = [
        a_public_video(platform, makers[n % 3], f"clip {n} #topic{n % 3}", hours_ago=n + 1, views=100)
        for n in range(7)
    ]
    viewer = sign_up("viewer", "US")

    def served() -> list[str]:
        response = client.get("/api/v1/feed/for-you", headers=viewer.auth, params={"limit": 6})
        assert response.status_code == 200, response.text
        return [item["id"] for item in response.json()["items"]]

    first = served()
    assert len(first) == 6 and set(first) < set(videos)
    gone = first[0]
    with everywhere(platform.databases).transaction() as uow:
        uow.directory.execute(delete(PublicVideoTag).where(PublicVideoTag.video_id == gone))
        uow.directory.execute(delete(PublicVideo).where(PublicVideo.id == gone))
    assert sorted(served()) == sorted(v for v in videos if v != gone)
    return gone


def test_a_server_on_sqlite_copies_the_directory_facts_into_memory(settings: Settings) -> None:
    platform = build_platform(settings.model_copy(update={"recs_cache_s": 60}))
    try:
        mirror = feed_runtime(platform).cache.mirror
        if settings.directory_database_url().startswith("sqlite"):
            assert isinstance(mirror, DirectoryMirror) and mirror.every_s == 300
        else:  # PostgreSQL keeps its own buffers
            assert mirror is None
    finally:
        platform.close()


def _sqlite_mirror(platform: Platform, clock: FrozenClock) -> DirectoryMirror:
    url = platform.databases.directory_engine.url
    if url.get_backend_name() != "sqlite":
        pytest.skip(
            "the in-memory copy is of a directory in a SQLite file (PostgreSQL keeps its own buffers)"
        )
    return DirectoryMirror(Path(url.database or ""), clock, every_s=300)


def test_the_directory_copy_gives_the_same_facts_as_the_directory(
    platform: Platform, clock: FrozenClock
) -> None:
    mirror = _sqlite_mirror(platform, clock)
    maker = quick_members(platform, "us", 1, prefix="maker")[0]
    plain = a_public_video(platform, maker, "a clip #cats #home", hours_ago=3, views=10, likes=2)
    shoppable = a_public_video(platform, maker, "a lamp #decor", views=40)
    with everywhere(platform.databases).transaction() as uow:
        for n, product in enumerate(("us_product_b", "us_product_a")):
            uow.directory.add(
                PublicVideoProduct(video_id=shoppable, product_id=product, creator_id=maker.id, position=n)
            )
    assert mirror.facts([plain]) == {}  # nothing before the first copy
    assert mirror.copy() == 2
    with everywhere(platform.databases).transaction() as uow:
        direct = load_facts(uow, [plain, shoppable, "us_missing"])
    copied = mirror.facts([plain, shoppable, "us_missing"])
    assert set(copied) == {plain, shoppable}
    assert copied[plain] == direct[plain]
    assert copied[plain].published_at.tzinfo is not None
    assert sorted(copied[shoppable].products) == ["us_product_a", "us_product_b"]
    assert copied[shoppable]._replace(products=()) == direct[shoppable]._replace(products=())


def test_the_directory_copy_is_renewed_in_the_background_when_due(
    platform: Platform, clock: FrozenClock
) -> None:
    mirror = _sqlite_mirror(platform, clock)
    cache = FeedCache(clock, ttl_s=60, mirror=mirror)
    maker = quick_members(platform, "us", 1, prefix="maker")[0]
    video = a_public_video(platform, maker, "a clip #cats", views=10)
    cache.warm()  # the first copy, made at once
    with everywhere(platform.databases).transaction() as uow:
        uow.directory.execute(update(PublicVideo).where(PublicVideo.id == video).values(view_count=999))
    newer = a_public_video(platform, maker, "a newer clip #cats", views=7)
    with everywhere(platform.databases).transaction() as uow:
        found = cache.facts(uow, [video, newer])
    # The copy's counters until the next copy; a video published since is read from the directory.
    assert found[video].view_count == 10 and found[newer].view_count == 7
    clock.advance(seconds=301)
    with everywhere(platform.databases).transaction() as uow:
        cache.facts(uow, [video])  # due: starts the next copy in the background
    for thread in threading.enumerate():
        if thread.name == "facts-mirror":
            thread.join(timeout=30)
    assert mirror.copied_at == clock.now().timestamp()
    assert mirror.facts([video, newer])[video].view_count == 999
    assert newer in mirror.facts([newer])


def test_a_failed_copy_leaves_the_last_one_in_use(
    platform: Platform, clock: FrozenClock, tmp_path: Path
) -> None:
    mirror = _sqlite_mirror(platform, clock)
    maker = quick_members(platform, "us", 1, prefix="maker")[0]
    video = a_public_video(platform, maker, "a clip #cats", views=10)
    mirror.copy()
    copied_at = mirror.copied_at
    mirror.path = tmp_path / "no-such-directory.db"
    clock.advance(seconds=301)
    mirror.copy_if_due(wait=True)  # logged, not raised: the directory itself is still there to read
    assert mirror.copied_at == copied_at and video in mirror.facts([video])
