"""The directory facts For You ranks on, read through a per-process cache.

Every For You request ranks a few hundred candidates, and many are the same from one request to the next:
the region's trending clips, fresh uploads, the clips each taste shares. Their directory columns and
tagged products stay in process memory for `recs_cache_s` seconds of the platform's clock, and so do the
lists every viewer's sources start from (trending, fresh, popular). Most of a request's lookups then skip
the database: no statement to run, and no page to read, which on a host that reclaims its page cache
would be a read from disk. Counters lag by at most that long, which ranking does not notice; the page a
viewer gets is loaded fresh, so a clip taken down meanwhile is not shown.

The rest of the lookups are each viewer's own (their history, their collaborative neighbours), spread over
the whole catalogue. On the embedded default they come from `DirectoryMirror`, an in-memory copy of every
published video's facts renewed every `recs_mirror_s` seconds; on PostgreSQL, from its buffers.
"""

from __future__ import annotations

import json
import logging
import math
import sqlite3
import threading
from collections.abc import Callable, Hashable, Iterable
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, NamedTuple, TypeVar

from cachetools import LRUCache
from sqlalchemy import bindparam, select

from clipshop.kit.db import UnitOfWork
from clipshop.shop.public import PublicVideoProduct
from clipshop.videos.models import PublicVideo

if TYPE_CHECKING:
    from clipshop.kit.clock import Clock

log = logging.getLogger(__name__)
T = TypeVar("T")
MAX_VIDEOS = 100_000  # about 60 MB of facts per process at most
MAX_LISTS = 4096  # trending, fresh, popular, and the newest clips of hashtags and creators
MAX_GONE = 10_000  # videos found taken down, skipped in the in-memory copy until the next one


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


class DirectoryMirror:
    """The ranking facts of every published video, copied from the directory's SQLite file into a private
    in-memory database, and copied afresh every `every_s` seconds of `clock` (the embedded default).

    A request looks up the facts of a few hundred videos; read from the directory file, each lookup is two
    B-tree pages through the OS page cache, which a host may reclaim from a server left idle, and then they
    are reads from disk on the request path. The copy is the server's own memory, as PostgreSQL's buffers
    would be (about 150 MB at a million videos). Counters in it lag by up to `every_s` plus one copy; a
    video published since is not in it, and callers read that from the directory. The copy runs in SQLite's
    own code, which lets other threads run meanwhile, and is swapped in whole when done."""

    def __init__(self, path: Path, clock: Clock, every_s: float) -> None:
        self.path = path
        self.every_s = every_s
        self._clock = clock
        self._db: sqlite3.Connection | None = None
        self.copied_at = -math.inf  # the clock's timestamp when the copy in use began
        self._lock = threading.Lock()
        self._copying = False

    def copy(self) -> int:
        """Copy the directory now and serve the copy from here on; returns the videos copied."""
        started = self._clock.now().timestamp()
        db = sqlite3.connect(":memory:", uri=True, check_same_thread=False)
        db.execute("ATTACH DATABASE ? AS directory", (f"{self.path.resolve().as_uri()}?mode=ro",))
        db.executescript(_MIRROR_SCRIPT)
        db.execute("DETACH DATABASE directory")
        count: int = db.execute("SELECT count(*) FROM facts").fetchone()[0]
        with self._lock:
            # A request still reading the previous copy holds its own reference; it closes when that goes.
            self._db, self.copied_at = db, started
        return count

    def copy_if_due(self, *, wait: bool = False) -> None:
        """Copy when the copy in use is `every_s` old, one copy at a time: in a background thread, or in
        this one with `wait`."""
        if self._clock.now().timestamp() - self.copied_at < self.every_s:
            return
        with self._lock:
            if self._copying:
                return
            self._copying = True
        if wait:
            self._copy_logged()
        else:
            threading.Thread(target=self._copy_logged, daemon=True, name="facts-mirror").start()

    def _copy_logged(self) -> None:
        try:
            self.copy()
        except Exception:  # the directory is still there to read; the next due check tries again
            log.exception("could not copy the directory's ranking facts into memory")
        finally:
            with self._lock:
                self._copying = False

    def facts(self, video_ids: list[str]) -> dict[str, Facts]:
        """The facts of the videos among `video_ids` that the copy in use holds (none before the first)."""
        db = self._db
        if db is None or not video_ids:
            return {}
        rows = db.execute(_MIRROR_LOOKUP, (json.dumps(video_ids),)).fetchall()
        return {
            row[0]: Facts(
                row[0],
                row[1],
                row[2],
                row[3],
                datetime.fromisoformat(row[4]).replace(tzinfo=UTC),  # stored naive, in UTC (`UTCDateTime`)
                row[5],
                row[6],
                row[7],
                row[8],
                tuple(row[9].split(" ")) if row[9] else (),
            )
            for row in rows
        }


# Ordered by id, so the copy's B-tree is built by appending. Products are joined by spaces (ids have none).
_MIRROR_SCRIPT = """
CREATE TABLE facts (
    id TEXT PRIMARY KEY, creator_id TEXT, hashtags TEXT, duration_s REAL, published_at TEXT,
    view_count INTEGER, like_count INTEGER, complete_count INTEGER, share_count INTEGER, products TEXT
) WITHOUT ROWID;
INSERT INTO facts
SELECT v.id, v.creator_id, v.hashtags, v.duration_s, v.published_at, v.view_count, v.like_count,
       v.complete_count, v.share_count,
       (SELECT group_concat(p.product_id, ' ')
        FROM directory.public_video_products AS p WHERE p.video_id = v.id)
FROM directory.public_videos AS v
ORDER BY v.id;
"""
_MIRROR_LOOKUP = "SELECT * FROM facts WHERE id IN (SELECT value FROM json_each(?))"


class FeedCache:
    """Facts by video id and shared candidate lists by key, each kept `ttl_s` seconds of `clock`
    (0 turns the cache off). Safe to share between a server's threads.

    Facts are kept as flat tuples of strings, numbers and datetimes in an LRU map, so the cyclic garbage
    collector stops tracking them at their first collection. A time-to-live cache with a linked node per entry
    keeps every entry tracked: with a hundred thousand facts kept, each full collection walked them all,
    tens of milliseconds on a request every few hundred."""

    def __init__(self, clock: Clock, ttl_s: float, mirror: DirectoryMirror | None = None) -> None:
        self.ttl_s = ttl_s
        self.mirror = mirror if ttl_s > 0 else None
        self._clock = clock
        self._facts: LRUCache[str, tuple[Any, ...]] = LRUCache(MAX_VIDEOS)  # (expires, *facts)
        self._lists: LRUCache[Hashable, tuple[float, Any]] = LRUCache(MAX_LISTS)
        self._gone: dict[str, float] = {}  # video -> when it was found taken down
        self._lock = threading.Lock()

    def _now(self) -> float:
        return self._clock.now().timestamp()

    def facts(self, uow: UnitOfWork, video_ids: list[str]) -> dict[str, Facts]:
        """The facts of the published videos among `video_ids`: kept ones, then from the in-memory copy of
        the directory, then the rest read now. What the copy or the directory gave is kept in turn: many
        candidates come back on the next request (the shared lists), and this is the cheapest lookup."""
        if self.ttl_s <= 0:
            return load_facts(uow, video_ids)
        now = self._now()
        found: dict[str, Facts] = {}
        missing: list[str] = []
        with self._lock:
            for video in video_ids:
                kept = self._facts.get(video)
                if kept is not None and kept[0] > now:
                    found[video] = Facts._make(kept[1:])
                else:
                    missing.append(video)
        for source in (self._copied, load_facts):
            if not missing:
                break
            loaded = source(uow, missing)
            expires = now + self.ttl_s
            with self._lock:
                for video, facts in loaded.items():
                    self._facts[video] = (expires, *facts)
            found.update(loaded)
            missing = [v for v in missing if v not in loaded]
        return found

    def _copied(self, _uow: UnitOfWork, video_ids: list[str]) -> dict[str, Facts]:
        if self.mirror is None:
            return {}
        self.mirror.copy_if_due()
        copied = self.mirror.facts(video_ids)
        if self._gone:
            with self._lock:
                stale = [v for v in copied if self._gone.get(v, -math.inf) >= self.mirror.copied_at]
            for video in stale:
                del copied[video]
        return copied

    def forget(self, video_ids: Iterable[str]) -> None:
        """These videos are no longer published: drop their kept facts, and skip them in the in-memory copy
        of the directory until a copy begun after now replaces it."""
        now = self._now()
        with self._lock:
            for video in video_ids:
                self._facts.pop(video, None)
                if self.mirror is not None:
                    self._gone[video] = now
            if self.mirror is not None and len(self._gone) > MAX_GONE:
                copied_at = self.mirror.copied_at
                self._gone = {v: at for v, at in self._gone.items() if at >= copied_at}

    def warm(self) -> None:
        """Make the first in-memory copy of the directory's facts (a server calls this at start-up)."""
        if self.mirror is not None:
            self.mirror.copy_if_due(wait=True)

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
