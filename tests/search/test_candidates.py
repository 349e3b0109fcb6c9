"""How candidates are fetched when matches outnumber them: the most engaging ones come first, the lexicon is
asked once per word however many kinds a search looks through, and the planner settings a search changes on
PostgreSQL are back as they were when it ends."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest
from sqlalchemy import Engine, event, text

from clipshop.kit.everywhere import everywhere
from clipshop.platform import Platform
from clipshop.search import candidates, service
from clipshop.videos.models import PublicVideoTag
from support import public_video


def many_matching_videos(platform: Platform, count: int) -> list[str]:
    """`count` videos that all match "pasta night", each more engaging than the one published before it."""
    now = platform.clock.now()
    ids = [f"us_pasta{n:04d}" for n in range(count)]
    with everywhere(platform.databases).transaction() as uow:
        for n, video_id in enumerate(ids):
            uow.directory.add(
                public_video(
                    video_id,
                    creator_id=f"us_cook{n % 7}",
                    caption=f"Pasta night number {n} #pasta",
                    hashtags=["pasta"],
                    at=now,
                    likes=n,
                    views=n * 10,
                    hot=float(n),
                )
            )
            uow.directory.add(PublicVideoTag(tag="pasta", video_id=video_id, published_at=now))
    return ids


def test_of_many_matches_the_most_engaging_are_found(platform: Platform) -> None:
    # 300 matches and a pool of 15 candidates: which 15 are looked at decides what is found
    ids = many_matching_videos(platform, 300)
    with platform.databases.directory_session() as db:
        hits, _ = service.find_videos(db, query=["pasta", "night"], limit=5)
    assert [h.item.id for h in hits] == ids[::-1][:5]


def test_sparse_matches_among_the_most_engaging_are_found_by_walking_further(
    platform: Platform, monkeypatch: pytest.MonkeyPatch
) -> None:
    # A fifth of 100 videos match, the best first; a first walk of 20 rows finds 4 of the 5 wanted, a second
    # one goes deep enough to find the fifth (PostgreSQL; on SQLite the newest come first, the same ones)
    monkeypatch.setattr(candidates, "ENGAGING_WINDOW", 20)
    monkeypatch.setattr(candidates, "DEEPER_WINDOW", 80)
    now = platform.clock.now()
    with everywhere(platform.databases).transaction() as uow:
        for n in range(100):
            words = "sparse match" if n % 5 == 4 else "something else"
            uow.directory.add(
                public_video(
                    f"us_sparse{n:03d}",
                    creator_id="us_maker",
                    caption=words,
                    hashtags=[],
                    at=now,
                    likes=n,
                    views=n,
                    hot=float(n),
                )
            )
    engine = platform.databases.directory_engine
    with platform.databases.directory_session() as db, statements(engine) as seen:
        hits, _ = service.find_videos(db, query=["sparse", "match"], limit=5)
    assert sorted(h.item.id for h in hits) == [f"us_sparse{n:03d}" for n in (79, 84, 89, 94, 99)]
    assert not any("set_config" in s for s in seen)  # no planner setting: the trigram index was not asked


@contextmanager
def statements(engine: Engine) -> Iterator[list[str]]:
    seen: list[str] = []

    def record(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        seen.append(statement)

    event.listen(engine, "before_cursor_execute", record)
    try:
        yield seen
    finally:
        event.remove(engine, "before_cursor_execute", record)


def test_postgres_asks_the_lexicon_once_per_word_and_restores_the_planner(platform: Platform) -> None:
    engine = platform.databases.directory_engine
    if engine.dialect.name != "postgresql":
        pytest.skip("the lexicon of nearest words and the planner settings are PostgreSQL's")
    many_matching_videos(platform, 40)
    with platform.databases.directory_session() as db:
        with statements(engine) as seen:
            results = service.search(db, query="pastta nigth", kind="top")
        assert results.videos  # both typos found their words
        assert sum("FROM search_words" in s for s in seen) == 2  # creators, hashtags, videos, products, shops
        assert db.scalar(text("SELECT current_setting('enable_seqscan')")) == "on"
        assert db.scalar(text("SELECT current_setting('enable_indexscan')")) == "on"
