"""Candidate sources for For You. Each returns a few hundred videos at most, with a score and the detail
its explanation quotes; the ranker then orders the union.

- following: the newest videos of creators the viewer follows
- trending: the region's most engaged videos of the last two days, time-decayed (region table)
- similar: item-to-item co-engagement with the viewer's recent positive videos (sparse item graph)
- embedding: nearest items to the viewer's collaborative vector (ANN index at scale)
- affinity: the newest videos of the hashtags and creators the viewer engages with
- commerce: videos tagging the products the viewer opened, carted or bought, or other products of their shops
- fresh: new uploads still short of impressions (the exploration budget)
- popular: the public hot ranking, when everything above is thin (a new viewer, a new region)
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from functools import partial

import numpy as np
import scipy.sparse as sp
from sqlalchemy import bindparam, case, delete, func, insert, select

from clipshop.events.models import Event, EventKind
from clipshop.feed.facts import FeedCache
from clipshop.feed.interests import Interests
from clipshop.feed.models import TrendingVideo
from clipshop.feed.store import RegionModel
from clipshop.kit.db import UnitOfWork
from clipshop.shop.public import PublicProduct, PublicVideoProduct
from clipshop.videos.models import PublicVideo, PublicVideoTag

PER_SOURCE = 60
TRENDING_KEEP = 500
TRENDING_WINDOWS_H = (6, 24, 48)
FRESH_HOURS = 48
FRESH_MAX_VIEWS = 50

# Which source an item is credited to when several found it: the most personal one.
PREFERENCE = ("following", "commerce", "similar", "affinity", "embedding", "trending", "fresh", "popular")


@dataclass
class Candidate:
    video_id: str
    scores: dict[str, float] = field(default_factory=dict)
    detail: dict[str, str] = field(default_factory=dict)

    @property
    def source(self) -> str:
        return min(self.scores, key=PREFERENCE.index)


class Pool:
    """The union of every source's candidates, minus what the viewer must not see again."""

    def __init__(self, excluded: set[str]) -> None:
        self.excluded = excluded
        self.items: dict[str, Candidate] = {}

    def add(self, source: str, hits: Iterable[tuple[str, float]], detail: str = "") -> None:
        for video_id, score in hits:
            if video_id in self.excluded:
                continue
            candidate = self.items.setdefault(video_id, Candidate(video_id))
            if score > candidate.scores.get(source, -math.inf):
                candidate.scores[source] = score
                if detail:
                    candidate.detail[source] = detail


# Built once and run on the session's connection (asked on every request; plain rows need no ORM).
_FOLLOWING = (
    select(PublicVideo.id, PublicVideo.published_at)
    .where(PublicVideo.creator_id.in_(bindparam("creators", expanding=True)))
    .order_by(PublicVideo.published_at.desc())
    .limit(PER_SOURCE)
)
_TAG_VIDEOS = (
    select(PublicVideoTag.video_id)
    .where(PublicVideoTag.tag == bindparam("tag"))
    .order_by(PublicVideoTag.published_at.desc())
    .limit(bindparam("count"))
)
_CREATOR_VIDEOS = (
    select(PublicVideo.id)
    .where(PublicVideo.creator_id == bindparam("creator"))
    .order_by(PublicVideo.published_at.desc())
    .limit(bindparam("count"))
)


def following(uow: UnitOfWork, creators: list[str], now: datetime) -> list[tuple[str, float]]:
    if not creators:
        return []
    rows = uow.directory.connection().execute(_FOLLOWING, {"creators": creators})
    return [(v, _freshness(at, now)) for v, at in rows]


def trending(uow: UnitOfWork, region: str) -> list[tuple[str, float]]:
    """The region's top trending videos, as many as each other source gives. Twice as many made every
    request rank a fifth more candidates, for a watch time in the feed simulation within its run-to-run
    spread (325.6 s against 310.2 s a session)."""
    query = select(TrendingVideo.video_id, TrendingVideo.score).order_by(TrendingVideo.score.desc())
    return [(v, float(s)) for v, s in uow.region(region).execute(query.limit(PER_SOURCE))]


def popular(uow: UnitOfWork) -> list[tuple[str, float]]:
    query = select(PublicVideo.id, PublicVideo.hot_score).order_by(
        PublicVideo.hot_score.desc(), PublicVideo.id.desc()
    )
    return [(v, float(s)) for v, s in uow.directory.execute(query.limit(PER_SOURCE * 2))]


def fresh(uow: UnitOfWork, now: datetime) -> list[tuple[str, float]]:
    """New uploads that have not had their first audience yet, newest first."""
    query = (
        select(PublicVideo.id, PublicVideo.published_at, PublicVideo.view_count)
        .where(PublicVideo.published_at >= now - timedelta(hours=FRESH_HOURS))
        .order_by(PublicVideo.published_at.desc(), PublicVideo.id.desc())
        .limit(PER_SOURCE * 2)
    )
    return [
        (v, _freshness(at, now)) for v, at, views in uow.directory.execute(query) if views < FRESH_MAX_VIEWS
    ][:PER_SOURCE]


@dataclass(frozen=True)
class Restricted:
    """The published videos moderation limited: adults only, and out of recommendations."""

    adults_only: frozenset[str] = frozenset()
    unrecommended: frozenset[str] = frozenset()


def restricted(uow: UnitOfWork) -> Restricted:
    """Every restricted video, by the two indexes on them (a small share of the catalogue)."""
    adults = select(PublicVideo.id).where(PublicVideo.age_restricted.is_(True))
    out = select(PublicVideo.id).where(PublicVideo.unrecommended.is_(True))
    return Restricted(frozenset(uow.directory.scalars(adults)), frozenset(uow.directory.scalars(out)))


def tag_videos(uow: UnitOfWork, tag: str, count: int) -> list[tuple[str, float]]:
    rows = uow.directory.connection().execute(_TAG_VIDEOS, {"tag": tag, "count": count})
    return [(v, 1.0) for v in rows.scalars()]


def creator_videos(uow: UnitOfWork, creator_id: str, count: int) -> list[tuple[str, float]]:
    rows = uow.directory.connection().execute(_CREATOR_VIDEOS, {"creator": creator_id, "count": count})
    return [(v, 1.0) for v in rows.scalars()]


def affinity(uow: UnitOfWork, cache: FeedCache, interests: Interests, pool: Pool) -> None:
    """The newest videos of the viewer's top hashtags and creators (lists every viewer shares, so kept)."""
    for tag, weight in interests.top("tags", 3):
        hits = cache.shared(("tag", tag), partial(tag_videos, uow, tag, PER_SOURCE // 3))
        pool.add("affinity", ((v, weight) for v, _ in hits), f"#{tag}")
    for creator, weight in interests.top("creators", 2):
        hits = cache.shared(("creator", creator), partial(creator_videos, uow, creator, PER_SOURCE // 4))
        pool.add("affinity", ((v, weight) for v, _ in hits), creator)


def commerce(uow: UnitOfWork, interests: Interests, pool: Pool) -> None:
    products = [p for p, _ in interests.top("products", 5)]
    if not products:
        return
    tagged = select(PublicVideoProduct.video_id, PublicVideoProduct.product_id).where(
        PublicVideoProduct.product_id.in_(products)
    )
    weights = dict(interests.top("products", 5))
    pool.add(
        "commerce", ((v, weights.get(p, 0.0)) for v, p in uow.directory.execute(tagged.limit(PER_SOURCE)))
    )
    shops = select(PublicProduct.shop_id).where(PublicProduct.id.in_(products))
    same_shop = (
        select(PublicVideoProduct.video_id)
        .join(PublicProduct, PublicProduct.id == PublicVideoProduct.product_id)
        .where(PublicProduct.shop_id.in_(shops), PublicVideoProduct.product_id.not_in(products))
        .limit(PER_SOURCE // 2)
    )
    pool.add("commerce", ((v, 0.5) for v in uow.directory.scalars(same_shop)))


def collaborative(
    model: RegionModel, graph: sp.csr_matrix | None, query: np.ndarray | None, pool: Pool
) -> None:
    """`similar` from the item graph and `embedding` from the ANN search, both on the live history."""
    if graph is not None:
        pool.add("similar", model.neighbours(graph, PER_SOURCE))
    if query is not None:
        # In a small catalogue the nearest items are all of them: keep the ones close to the best.
        hits = model.nearest(query, PER_SOURCE * 2)
        best = hits[0][1] if hits else 0.0
        pool.add("embedding", [hit for hit in hits if hit[1] > 0 and hit[1] >= best / 2])


def _freshness(at: datetime, now: datetime) -> float:
    return float(0.5 ** (max((now - at).total_seconds(), 0.0) / 3600.0 / 24.0))


# -- the trending job -------------------------------------------------------------------------------------

_TREND_WEIGHTS = {
    EventKind.PLAY: 1.0,
    EventKind.COMPLETE: 2.0,
    EventKind.LIKE: 3.0,
    EventKind.COMMENT: 3.0,
    EventKind.SHARE: 5.0,
    EventKind.PRODUCT_OPEN: 2.0,
    EventKind.PURCHASE: 5.0,
}


def refresh_trending(uow: UnitOfWork, *, region: str, now: datetime) -> int:
    """Rewrite the region's trending table from its last two days of events: each event counts for its
    kind's weight, and more the more recent (windows of 6, 24 and 48 hours, weighted 4:2:1)."""
    db = uow.region(region)
    # Two days are a small slice of the table: read them through the time index first. Asked in one
    # statement, SQLite walks the whole table in video order instead, to save the grouping's sort (seconds
    # at a million events, longer from a cold disk); a materialized CTE keeps the two steps apart.
    recent = (
        select(Event.video_id, Event.kind, Event.created_at)
        .where(Event.created_at >= now - timedelta(hours=TRENDING_WINDOWS_H[-1]), Event.video_id.is_not(None))
        .cte("recent")
        .prefix_with("MATERIALIZED", dialect="sqlite")
    )
    weight = case(
        *((recent.c.kind == str(kind), value) for kind, value in _TREND_WEIGHTS.items()),
        else_=0.0,
    )
    windows = [
        func.sum(case((recent.c.created_at >= now - timedelta(hours=h), weight), else_=0.0))
        for h in TRENDING_WINDOWS_H
    ]
    score = windows[0] * 4.0 + windows[1] * 2.0 + windows[2]
    query = (
        select(recent.c.video_id, score.label("score"))
        .group_by(recent.c.video_id)
        .order_by(score.desc())
        .limit(TRENDING_KEEP)
    )
    rows = [{"video_id": v, "score": float(s)} for v, s in db.execute(query) if s and s > 0]
    db.execute(delete(TrendingVideo))
    if rows:
        db.execute(insert(TrendingVideo), rows)
    return len(rows)
