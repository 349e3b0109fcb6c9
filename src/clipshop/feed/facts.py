"""The directory facts For You ranks on, read through a per-process cache.

Every For You request ranks a few hundred candidates, and many are the same from one request to the next:
the region's trending clips, fresh uploads, the clips each taste shares. Their directory columns and
tagged products stay in process memory for `recs_cache_s` seconds of the platform's clock, and so do the
lists every viewer's sources start from (trending, fresh, popular). Most of a request's lookups then skip
the database: no statement to run, and no page to read, which on a host that reclaims its page cache
would be a read from disk. Counters lag by at most that long, which ranking does not notice; the page a
viewer gets is loaded fresh, so a clip taken down meanwhile is not shown.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Hashable
from datetime import datetime
from typing import TYPE_CHECKING, Any, NamedTuple, TypeVar

from cachetools import LRUCache
from sqlalchemy import bindparam, select

from clipshop.kit.db import UnitOfWork
from clipshop.shop.models import PublicVideoProduct
from clipshop.videos.models import PublicVideo

if TYPE_CHECKING:
    from clipshop.kit.clock import Clock

T = TypeVar("T")
MAX_VIDEOS = 100_000  # about 60 MB of facts per process at most
MAX_LISTS = 4096  # trending, fresh, popular, and the newest clips of hashtags and creators


class Facts(NamedTuple):
    """The directory columns a candidate is ranked on, and the products tagged in it."""

    id: str
    creator_id: str
    hashtags: str
    duration_s: float
    published_at: datetime
    view_count: int
    like_count: int
    complete_count: int
    share_count: int
    products: tuple[str, ...] = ()


# Built once: a statement built per request coerces every id of its IN list, and the ORM's per-statement
# work is not needed for plain rows. They run on the session's connection, in its transaction.
_FACTS = select(
    PublicVideo.id,
    PublicVideo.creator_id,
    PublicVideo.hashtags,
    PublicVideo.duration_s,
    PublicVideo.published_at,
    PublicVideo.view_count,
    PublicVideo.like_count,
    PublicVideo.complete_count,
    PublicVideo.share_count,
).where(PublicVideo.id.in_(bindparam("ids", expanding=True)))
_PRODUCTS = select(PublicVideoProduct.video_id, PublicVideoProduct.product_id).where(
    PublicVideoProduct.video_id.in_(bindparam("ids", expanding=True))
)


def load_facts(uow: UnitOfWork, video_ids: list[str]) -> dict[str, Facts]:
    """The published videos among `video_ids`, with their tagged products (two statements)."""
    if not video_ids:
        return {}
    connection = uow.directory.connection()
    products: dict[str, list[str]] = {}
    for video, product in connection.execute(_PRODUCTS, {"ids": video_ids}):
        products.setdefault(video, []).append(product)
    return {
        row[0]: Facts(*row, products=tuple(products.get(row[0], ())))
        for row in connection.execute(_FACTS, {"ids": video_ids})
    }


class FeedCache:
    """Facts by video id and shared candidate lists by key, each kept `ttl_s` seconds of `clock`
    (0 turns the cache off). Safe to share between a server's threads.

    Facts are kept as flat tuples of strings, numbers and datetimes in an LRU map, so the cyclic garbage
    collector stops tracking them at their first collection. A time-to-live cache with a linked node per entry
    keeps every entry tracked: with a hundred thousand facts kept, each full collection walked them all,
    tens of milliseconds on a request every few hundred."""

    def __init__(self, clock: Clock, ttl_s: float) -> None:
        self.ttl_s = ttl_s
        self._clock = clock
        self._facts: LRUCache[str, tuple[Any, ...]] = LRUCache(MAX_VIDEOS)  # (expires, *facts)
        self._lists: LRUCache[Hashable, tuple[float, Any]] = LRUCache(MAX_LISTS)
        self._lock = threading.Lock()

    def _now(self) -> float:
        return self._clock.now().timestamp()

    def facts(self, uow: UnitOfWork, video_ids: list[str]) -> dict[str, Facts]:
        """The facts of the published videos among `video_ids`: kept ones, and the rest read now."""
        if self.ttl_s <= 0:
            return load_facts(uow, video_ids)
        now = self._now()
        found: dict[str, Facts] = {}
        with self._lock:
            for video in video_ids:
                kept = self._facts.get(video)
                if kept is not None and kept[0] > now:
                    found[video] = Facts._make(kept[1:])
        missing = [v for v in video_ids if v not in found]
        if missing:
            loaded = load_facts(uow, missing)
            expires = now + self.ttl_s
            with self._lock:
                for video, facts in loaded.items():
                    self._facts[video] = (expires, *facts)
            found.update(loaded)
        return found

    def shared(self, key: Hashable, load: Callable[[], T]) -> T:
        """What `load` returns for `key`, the same for every viewer (a region's trending list, say)."""
        if self.ttl_s <= 0:
            return load()
        now = self._now()
        with self._lock:
            kept = self._lists.get(key)
        if kept is not None and kept[0] > now:
            return kept[1]  # type: ignore[no-any-return]  # stored under this key by this method
        value = load()
        with self._lock:
            self._lists[key] = (now + self.ttl_s, value)
        return value
