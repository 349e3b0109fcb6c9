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
from sqlalchemy import select

from clipshop.accounts.models import PublicProfile
from clipshop.accounts.service import Actor
from clipshop.errors import Invalid
from clipshop.feed import events, sources
from clipshop.feed.interests import Interests, affinity, best_key, interests_of
from clipshop.feed.ranking import (
    FEATURE_INDEX,
    FEATURES,
    SOURCES,
    Ranked,
    Ranker,
    ReasonContext,
    blend,
    reasons,
)
from clipshop.feed.service import FeedPage, Why, page_of
from clipshop.feed.store import RegionModel
from clipshop.kit.db import UnitOfWork
from clipshop.kit.ids import new_id
from clipshop.kit.pagination import decode_cursor
from clipshop.social import service as social
from clipshop.social.models import WatchHistory
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
    """The viewer's history over the region model's items and their collaborative query vector, computed
    once per request for both retrieval and scoring."""

    model: RegionModel | None
    history: sp.csr_matrix | None
    query: np.ndarray | None

    @classmethod
    def of(cls, model: RegionModel | None, interests: Interests) -> Taste:
        if model is None or model.collaborative is None:
            return cls(model, None, None)
        history = model.history(interests.videos)
        return cls(model, history, model.user_vector(history))


@dataclass
class Scored:
    """Candidates with their directory rows and the feature matrix the ranker sees."""

    videos: list[PublicVideo]
    features: np.ndarray
    durations: np.ndarray


def for_you(uow: UnitOfWork, *, platform: Platform, actor: Actor, cursor: str | None, limit: int) -> FeedPage:
    position = decode_cursor(cursor) or {}
    try:
        session = str(position.get("s") or new_id(actor.region))
        served_before = int(position.get("n", 0))
    except (TypeError, ValueError):
        served_before = -1
    if len(session) > 40 or served_before < 0:
        raise Invalid("That cursor is not one this feed gave out.", code="invalid_cursor", field="cursor")
    now = platform.clock.now()
    settings = platform.settings
    model = platform.feed_models.current(actor.region)
    interests = interests_of(uow, events.recent(uow, actor=actor, limit=RECENT_EVENTS), now)
    followed = social.following_ids(uow, actor=actor, limit=500)
    served = events.served_in_session(
        uow, actor=actor, session=session, since=now - timedelta(hours=SESSION_HOURS)
    )
    taste = Taste.of(model, interests)
    pool = _gather(uow, actor, taste, interests, followed, served | interests.seen, now)
    if len(pool.items) < limit:
        # Running dry: let back what the viewer played, oldest plays first in line after the rest.
        pool = _gather(uow, actor, taste, interests, followed, served, now)
    scored = _score(uow, taste, interests, set(followed), pool, now)
    ranker = model.ranker if model is not None else Ranker.prior()
    prediction = ranker.predict(scored.features, scored.durations, settings.recs_values)
    played = _played(uow, actor, [v.id for v in scored.videos])
    ranked = [
        Ranked(
            video_id=video.id,
            score=float(prediction.scores[i]) - (1e3 if video.id in played else 0.0),
            creator_id=video.creator_id,
            topic=next(iter(video.hashtags.split()), None),
            shoppable=bool(scored.features[i, FEATURE_INDEX["shoppable"]]),
            fresh="fresh" in pool.items[video.id].scores,
        )
        for i, video in enumerate(scored.videos)
    ]
    page = blend(
        ranked,
        limit,
        previous_creator=position.get("c"),
        shoppable_cap=settings.recs_shoppable_cap,
        explore_share=settings.recs_explore_share,
    )
    row_of = {video.id: i for i, video in enumerate(scored.videos)}
    rows = [row_of[item.video_id] for item in page]
    profiles = _handles(uow, {scored.videos[r].creator_id for r in rows})
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
    events.log_served(
        uow,
        actor=actor,
        session=session,
        items=[
            (scored.videos[r].id, whys[scored.videos[r].id].source, scored.features[r].tolist()) for r in rows
        ],
        first_position=served_before,
        now=now,
    )
    more = len(page) == limit and len(pool.items) > len(page)
    next_position = {"s": session, "n": served_before + len(page), "c": page[-1].creator_id} if page else None
    result = page_of(uow, actor, [scored.videos[r] for r in rows], next_position if more else None)
    result.why.update(whys)
    return result


def _gather(
    uow: UnitOfWork,
    actor: Actor,
    taste: Taste,
    interests: Interests,
    followed: list[str],
    excluded: set[str],
    now: datetime,
) -> sources.Pool:
    pool = sources.Pool(excluded)
    pool.add("following", sources.following(uow, followed, now))
    pool.add("trending", sources.trending(uow, actor.region))
    if taste.model is not None and taste.history is not None:
        sources.collaborative(taste.model, taste.history, taste.query, pool)
    sources.affinity(uow, interests, pool)
    sources.commerce(uow, interests, pool)
    pool.add("fresh", sources.fresh(uow, now))
    if len(pool.items) < 3 * sources.PER_SOURCE:
        pool.add("popular", sources.popular(uow))
    return pool


def _score(
    uow: UnitOfWork,
    taste: Taste,
    interests: Interests,
    followed: set[str],
    pool: sources.Pool,
    now: datetime,
) -> Scored:
    """Directory rows of the candidates and one feature row each (the order of `ranking.FEATURES`)."""
    ids = sorted(pool.items)
    videos = list(uow.directory.scalars(select(PublicVideo).where(PublicVideo.id.in_(ids)))) if ids else []
    videos.sort(key=lambda v: v.id)
    ids = [v.id for v in videos]
    shoppable = _shoppable(uow, ids)
    features = np.zeros((len(videos), len(FEATURES)), dtype=np.float64)
    model, history = taste.model, taste.history
    collaborative = model.dot_scores(taste.query, ids) if model is not None else np.zeros(len(ids))
    graph = (
        model.graph_scores(history, ids) if model is not None and history is not None else np.zeros(len(ids))
    )
    trend_scores = _normalised({v: c.scores.get("trending", 0.0) for v, c in pool.items.items()})
    activity = math.log1p(interests.events)
    for i, video in enumerate(videos):
        candidate = pool.items[video.id]
        row = features[i]
        for source in SOURCES:
            row[FEATURE_INDEX[f"from_{source}"]] = float(source in candidate.scores)
        views = video.view_count
        row[FEATURE_INDEX["collaborative"]] = math.tanh(float(collaborative[i]))
        row[FEATURE_INDEX["co_engagement"]] = math.tanh(float(graph[i]))
        row[FEATURE_INDEX["trend"]] = trend_scores.get(video.id, 0.0)
        row[FEATURE_INDEX["log_views"]] = math.log1p(views)
        row[FEATURE_INDEX["like_rate"]] = video.like_count / (views + 10)
        row[FEATURE_INDEX["complete_rate"]] = video.complete_count / (views + 10)
        row[FEATURE_INDEX["share_rate"]] = video.share_count / (views + 10)
        row[FEATURE_INDEX["log_age_h"]] = math.log1p(
            max((now - video.published_at).total_seconds(), 0) / 3600
        )
        row[FEATURE_INDEX["log_duration"]] = math.log1p(video.duration_s)
        row[FEATURE_INDEX["shoppable"]] = float(video.id in shoppable)
        row[FEATURE_INDEX["creator_affinity"]] = affinity(interests.creators, [video.creator_id])
        row[FEATURE_INDEX["tag_affinity"]] = affinity(interests.tags, video.hashtags.split())
        row[FEATURE_INDEX["product_affinity"]] = affinity(interests.products, shoppable.get(video.id, []))
        row[FEATURE_INDEX["follows_creator"]] = float(video.creator_id in followed)
        row[FEATURE_INDEX["activity"]] = activity
    return Scored(videos, features, np.array([v.duration_s for v in videos], dtype=np.float64))


def _normalised(scores: dict[str, float]) -> dict[str, float]:
    top = max(scores.values(), default=0.0)
    return {v: s / top for v, s in scores.items()} if top > 0 else {}


def _shoppable(uow: UnitOfWork, video_ids: list[str]) -> dict[str, list[str]]:
    """The products tagged in each of these videos (videos without any are absent)."""
    from clipshop.shop.models import PublicVideoProduct

    if not video_ids:
        return {}
    out: dict[str, list[str]] = {}
    query = select(PublicVideoProduct.video_id, PublicVideoProduct.product_id)
    for video, product in uow.directory.execute(query.where(PublicVideoProduct.video_id.in_(video_ids))):
        out.setdefault(video, []).append(product)
    return out


def _played(uow: UnitOfWork, actor: Actor, video_ids: list[str]) -> set[str]:
    if not video_ids:
        return set()
    query = select(WatchHistory.video_id).where(
        WatchHistory.user_id == actor.id, WatchHistory.video_id.in_(video_ids)
    )
    return set(uow.region(actor.region).scalars(query))


def _handles(uow: UnitOfWork, creator_ids: set[str]) -> dict[str, str]:
    if not creator_ids:
        return {}
    query = select(PublicProfile.user_id, PublicProfile.handle).where(PublicProfile.user_id.in_(creator_ids))
    return {user: handle for user, handle in uow.directory.execute(query)}


def _label(candidate: sources.Candidate, handles: dict[str, str], video: PublicVideo) -> str:
    source = candidate.source
    detail = candidate.detail.get(source, "")
    if source == "affinity" and not detail.startswith("#"):
        detail = f"@{handles.get(detail, 'this creator')}"
    creator = f"@{handles.get(video.creator_id, 'this creator')}"
    return LABELS[source].format(creator=creator, detail=detail or "similar clips")
