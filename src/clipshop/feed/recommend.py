"""For You for a signed-in viewer: gather candidates from every source, rank them with the region's model,
blend a page, explain each item, and log what was served (the ranker's training data).

The viewer's latest events are read on every request, so what they did seconds ago shapes the next page;
the region's trained model (collaborative vectors, item graph, ranker heads) is refreshed by the retrain
job. A scrolling session is the cursor: it never repeats a video it already served, nor one the viewer
has played, until nothing else is left.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

import numpy as np
import scipy.sparse as sp
from sqlalchemy import bindparam, select

from clipshop.ads import serving as ads
from clipshop.errors import Invalid
from clipshop.events import service as events
from clipshop.feed import sources
from clipshop.feed.blending import Ranked, blend
from clipshop.feed.facts import Facts, FeedCache
from clipshop.feed.interests import Interests, best_key, interests_of, squash
from clipshop.feed.not_interested import marks_of, topic_of
from clipshop.feed.pages import FeedPage, Why, page_of
from clipshop.feed.ranking import FEATURE_INDEX, FEATURES, SOURCES, Ranker, ReasonContext, reasons
from clipshop.feed.runtime import feed_runtime
from clipshop.feed.served import log_served, served_in_session
from clipshop.feed.store import RegionModel
from clipshop.kit.actors import Actor
from clipshop.kit.db import UnitOfWork
from clipshop.kit.ids import new_id
from clipshop.kit.pagination import decode_cursor
from clipshop.social import service as social
from clipshop.social.models import WatchHistory
from clipshop.social.shield import shield_of
from clipshop.videos.models import PublicVideo

if TYPE_CHECKING:
    from clipshop.platform import Platform

SESSION_HOURS = 12
RECENT_EVENTS = 300

LABELS = {
    "following": "Because you follow {creator}",
    "trending": "Trending in your region",
    "similar": "Watched together with clips you enjoyed",
    "embedding": "Picked for your taste",
    "affinity": "Because you watch {detail}",
    "commerce": "Shoppable, like products you looked at",
    "fresh": "New upload, finding its first viewers",
    "popular": "Popular on Clipshop",
}


@dataclass(frozen=True)
class Taste:
    """The viewer's history over the region model's items, its item-graph scores and its collaborative query
    vector, computed once per request for both retrieval and scoring."""

    model: RegionModel | None
    history: sp.csr_matrix | None
    graph: sp.csr_matrix | None
    query: np.ndarray | None

    @classmethod
    def of(cls, model: RegionModel | None, interests: Interests) -> Taste:
        if model is None or model.collaborative is None:
            return cls(model, None, None, None)
        history = model.history(interests.videos)
        return cls(model, history, model.graph_row(history), model.user_vector(history))


@dataclass
class Scored:
    """Candidates with their directory facts and the feature matrix the ranker sees."""

    videos: list[Facts]
    features: np.ndarray
    durations: np.ndarray


def for_you(uow: UnitOfWork, *, platform: Platform, actor: Actor, cursor: str | None, limit: int) -> FeedPage:
    position = decode_cursor(cursor) or {}
    try:
        session = str(position.get("s") or new_id(actor.region))
        served_before = int(position.get("n", 0))
        gap = int(position.get("g", 0))
    except (TypeError, ValueError):
        served_before = gap = -1
    if len(session) > 40 or served_before < 0 or gap < 0:
        raise Invalid("That cursor is not one this feed gave out.", code="invalid_cursor", field="cursor")
    now = platform.clock.now()
    settings = platform.settings
    runtime = feed_runtime(platform)
    model = runtime.models.current(actor.region)
    cache = runtime.cache
    recent = events.recent(uow, actor=actor, limit=RECENT_EVENTS)
    watched = cache.facts(uow, sorted({event.video_id for event in recent if event.video_id}))
    interests = interests_of(recent, watched, now)
    followed = social.following_ids(uow, actor=actor, limit=500)
    served = served_in_session(uow, actor=actor, session=session, since=now - timedelta(hours=SESSION_HOURS))
    taste = Taste.of(model, interests)
    pool = _gather(uow, cache, actor, taste, interests, followed, served | interests.seen, now)
    if len(pool.items) < limit:
        # Running dry: let back what the viewer played, oldest plays first in line after the rest.
        pool = _gather(uow, cache, actor, taste, interests, followed, served, now)
    shield = shield_of(uow, actor)
    marks = marks_of(uow, actor=actor, now=now)
    adult = actor.is_adult_on(now.date())
    limited = cache.shared("restricted", lambda: sources.restricted(uow))
    left_out = limited.unrecommended if adult else limited.unrecommended | limited.adults_only
    scored = _score(uow, cache, taste, interests, set(followed), pool, now)
    ranker = model.ranker if model is not None else Ranker.prior()
    prediction = ranker.predict(scored.features, scored.durations, settings.recs_values)
    played = _played(uow, actor, [v.id for v in scored.videos])
    shoppable = scored.features[:, FEATURE_INDEX["shoppable"]] > 0
    ranked = [
        Ranked(
            video_id=video.id,
            score=score - (1e3 if video.id in played else 0.0),
            creator_id=video.creator_id,
            topic=topic_of(video.hashtags),
            shoppable=is_shoppable,
            fresh="fresh" in pool.items[video.id].scores,
        )
        for video, score, is_shoppable in zip(
            scored.videos, prediction.scores.tolist(), shoppable.tolist(), strict=True
        )
        if video.creator_id not in shield.out_of_feeds
        and video.id not in left_out
        and not marks.keeps_out(video.id, video.creator_id, topic_of(video.hashtags))
    ]
    # Sponsored slots due on this page (`ads.serving`), each filled by an auction: the organic page is as much
    # shorter, and a promoted video leaves it (it is shown as the ad).
    slots = ads.slots_due(ads_load=settings.ads_load, gap=gap, limit=limit) if ranked else 0
    decisions = ads.decide(
        uow,
        platform=platform,
        viewer=ads.Viewer(
            actor=actor,
            tags=interests.tags,
            products=ads.Viewer.shop_products(recent),
            hidden_creators=shield.out_of_feeds,
            adult=adult,
            keeps_out=lambda video, creator, tags: marks.keeps_out(video, creator, topic_of(tags)),
        ),
        slots=slots,
        now=now,
    )
    promoted = {d.video_id for d in decisions}
    if promoted:
        ranked = [item for item in ranked if item.video_id not in promoted]
    organic_limit = limit - len(decisions)
    while True:
        page = blend(
            ranked,
            organic_limit,
            previous_creator=position.get("c"),
            shoppable_cap=settings.recs_shoppable_cap,
            explore_share=settings.recs_explore_share,
        )
        chosen = [item.video_id for item in page]
        query = select(PublicVideo).where(PublicVideo.id.in_(chosen + sorted(promoted)))
        loaded = {video.id: video for video in uow.directory.scalars(query)}
        gone = {video for video in chosen if video not in loaded}
        # Restricted by moderation since the shared list was read: out of this page too.
        limited_now = {v.id for v in loaded.values() if v.unrecommended or (v.age_restricted and not adult)}
        if not gone and not limited_now:
            break
        # Taken down since its facts were kept: out of this page, blended again without it, and out of the
        # kept facts, so the next request does not rank it either.
        cache.forget(gone)
        ranked = [item for item in ranked if item.video_id not in gone | limited_now]
    row_of = {video.id: i for i, video in enumerate(scored.videos)}
    rows = [row_of[video] for video in chosen]
    more = len(page) == organic_limit and len(pool.items) > len(page)
    # A promoted video taken down since its ad was checked: that slot goes organic.
    decisions = [d for d in decisions if d.video_id in loaded]
    videos, gap = ads.interleave(
        [loaded[v] for v in chosen],
        [loaded[d.video_id] for d in decisions],
        ads_load=settings.ads_load,
        gap=gap,
    )
    on_page = {video.id for video in videos}  # a promoted video is not among the organic ones
    placed = [d for d in decisions if d.video_id in on_page]
    next_position = (
        {"s": session, "n": served_before + len(page), "c": page[-1].creator_id, "g": gap} if page else None
    )
    result = page_of(uow, actor, videos, next_position if more else None)
    result.sponsored.update({d.video_id: d.sponsored for d in placed})
    profiles = {user: profile.handle for user, profile in result.profiles.items()}
    whys: dict[str, Why] = {}
    for r in rows:
        video = scored.videos[r]
        candidate = pool.items[video.id]
        context = ReasonContext(
            tag=best_key(interests.tags, video.hashtags.split()),
            creator_handle=profiles.get(video.creator_id),
            likes=video.like_count,
            age_h=(now - video.published_at).total_seconds() / 3600,
        )
        whys[video.id] = Why(
            source=candidate.source,
            label=_label(candidate, profiles, video),
            reasons=reasons(ranker, scored.features, prediction, r, context),
        )
    result.why.update(whys)
    # Logged after the last read of the viewer's region: the region's write lock (SQLite) is taken here and
    # held only while the response is built and committed, not across the ranking.
    log_served(
        uow,
        actor=actor,
        session=session,
        items=[
            (scored.videos[r].id, whys[scored.videos[r].id].source, scored.features[r].tolist()) for r in rows
        ],
        first_position=served_before,
        now=now,
    )
    ads.record_served(uow, actor=actor, decisions=placed, now=now)
    return result


def _gather(
    uow: UnitOfWork,
    cache: FeedCache,
    actor: Actor,
    taste: Taste,
    interests: Interests,
    followed: list[str],
    excluded: set[str],
    now: datetime,
) -> sources.Pool:
    pool = sources.Pool(excluded)
    pool.add("following", sources.following(uow, followed, now))
    pool.add(
        "trending", cache.shared(("trending", actor.region), lambda: sources.trending(uow, actor.region))
    )
    if taste.model is not None and taste.history is not None:
        sources.collaborative(taste.model, taste.graph, taste.query, pool)
    sources.affinity(uow, cache, interests, pool)
    sources.commerce(uow, interests, pool)
    pool.add("fresh", cache.shared("fresh", lambda: sources.fresh(uow, now)))
    if len(pool.items) < 3 * sources.PER_SOURCE:
        pool.add("popular", cache.shared("popular", lambda: sources.popular(uow)))
    return pool


def _score(
    uow: UnitOfWork,
    cache: FeedCache,
    taste: Taste,
    interests: Interests,
    followed: set[str],
    pool: sources.Pool,
    now: datetime,
) -> Scored:
    """Directory rows of the candidates and one feature row each (the order of `ranking.FEATURES`)."""
    found = cache.facts(uow, sorted(pool.items))
    videos = [found[v] for v in sorted(found)]
    ids = [v.id for v in videos]
    model = taste.model
    collaborative = model.dot_scores(taste.query, ids) if model is not None else np.zeros(len(ids))
    graph = model.graph_scores(taste.graph, ids) if model is not None else np.zeros(len(ids))
    top_trend = max((c.scores.get("trending", 0.0) for c in pool.items.values()), default=0.0) or 1.0
    # One pass over the candidates for every column that needs Python (dictionary lookups), then numpy.
    now_s = now.timestamp()
    creators, tags, products = interests.creators, interests.tags, interests.products
    rows = []
    for v in videos:
        scores = pool.items[v.id].scores
        rows.append(
            (
                v.view_count,
                v.like_count,
                v.complete_count,
                v.share_count,
                v.duration_s,
                max(now_s - v.published_at.timestamp(), 0.0) / 3600.0,
                scores.get("trending", 0.0) / top_trend,
                bool(v.products),
                creators.get(v.creator_id, 0.0),
                sum(tags.get(tag, 0.0) for tag in v.hashtags.split()),
                sum(products.get(product, 0.0) for product in v.products),
                v.creator_id in followed,
                *(source in scores for source in SOURCES),
            )
        )
    raw = np.array(rows, dtype=np.float64).reshape(len(videos), 12 + len(SOURCES))
    views = raw[:, 0] + 10.0
    features = np.zeros((len(videos), len(FEATURES)), dtype=np.float64)
    column = FEATURE_INDEX
    features[:, column["collaborative"]] = np.tanh(collaborative)
    features[:, column["co_engagement"]] = np.tanh(graph)
    features[:, column["log_views"]] = np.log1p(raw[:, 0])
    features[:, column["like_rate"]] = raw[:, 1] / views
    features[:, column["complete_rate"]] = raw[:, 2] / views
    features[:, column["share_rate"]] = raw[:, 3] / views
    features[:, column["log_duration"]] = np.log1p(raw[:, 4])
    features[:, column["log_age_h"]] = np.log1p(raw[:, 5])
    features[:, column["trend"]] = raw[:, 6]
    features[:, column["shoppable"]] = raw[:, 7]
    for offset, name in enumerate(("creator_affinity", "tag_affinity", "product_affinity"), start=8):
        features[:, column[name]] = squash(raw[:, offset])
    features[:, column["follows_creator"]] = raw[:, 11]
    features[:, column["activity"]] = math.log1p(interests.events)
    for offset, source in enumerate(SOURCES, start=12):
        features[:, column[f"from_{source}"]] = raw[:, offset]
    return Scored(videos, features, raw[:, 4].copy())


# Built once, like the facts lookup (feed/facts.py).
_PLAYED = select(WatchHistory.video_id).where(
    WatchHistory.user_id == bindparam("user"), WatchHistory.video_id.in_(bindparam("ids", expanding=True))
)


def _played(uow: UnitOfWork, actor: Actor, video_ids: list[str]) -> set[str]:
    if not video_ids:
        return set()
    rows = uow.region(actor.region).connection().execute(_PLAYED, {"user": actor.id, "ids": video_ids})
    return set(rows.scalars())


def _label(candidate: sources.Candidate, handles: dict[str, str], video: Facts) -> str:
    source = candidate.source
    detail = candidate.detail.get(source, "")
    if source == "affinity" and not detail.startswith("#"):
        detail = f"@{handles.get(detail, 'this creator')}"
    creator = f"@{handles.get(video.creator_id, 'this creator')}"
    return LABELS[source].format(creator=creator, detail=detail or "similar clips")
