"""A viewer's interests as of their latest events: what the feed reads on every request, so a like or a
completed clip changes the next page within seconds, long before the next retrain."""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime

import numpy as np

from clipshop.events.models import EventKind
from clipshop.events.service import RecentEvent
from clipshop.feed.facts import Facts

NOT_INTERESTED_WEIGHT = -3.0

# Interest fades with a half-life of three days: yesterday's binge still counts, last month's much less.
# How much one event says about a viewer's interest in the video it concerns (training and short-term
# interests). A bare impression says nothing; a purchase says the most.
INTEREST_WEIGHTS: dict[str, float] = {
    EventKind.IMPRESSION: 0.0,
    EventKind.PLAY: 0.5,
    EventKind.PROGRESS: 0.5,
    EventKind.COMPLETE: 1.0,
    EventKind.LIKE: 2.0,
    EventKind.COMMENT: 2.0,
    EventKind.SHARE: 3.0,
    EventKind.FOLLOW: 2.0,
    EventKind.PRODUCT_OPEN: 2.0,
    EventKind.ADD_TO_CART: 3.0,
    EventKind.PURCHASE: 5.0,
    # "Not interested": more against the video, its creator and its hashtags than a like is for them.
    EventKind.NOT_INTERESTED: NOT_INTERESTED_WEIGHT,
}

HALF_LIFE_H = 72.0
# A play that ends before this share of the clip is a skip: a mild signal against what the clip is about.
SKIP_SHARE = 0.25
SKIP_WEIGHT = -0.4


@dataclass
class Interests:
    """Decayed interest weights by video, creator, hashtag and product; `seen` are videos played."""

    videos: dict[str, float] = field(default_factory=dict)
    creators: dict[str, float] = field(default_factory=dict)
    tags: dict[str, float] = field(default_factory=dict)
    products: dict[str, float] = field(default_factory=dict)
    seen: set[str] = field(default_factory=set)
    events: int = 0

    def top(self, kind: str, n: int) -> list[tuple[str, float]]:
        weights: dict[str, float] = getattr(self, kind)
        ranked = sorted(((k, v) for k, v in weights.items() if v > 0), key=lambda kv: (-kv[1], kv[0]))
        return ranked[:n]


def event_weight(event: RecentEvent, duration_s: float | None) -> float:
    """How much one event says for (or, for a skip, against) the video it concerns."""
    if event.kind in (EventKind.PLAY, EventKind.PROGRESS) and duration_s:
        share = min(event.value / duration_s, 1.0)
        return SKIP_WEIGHT if share < SKIP_SHARE else share
    return INTEREST_WEIGHTS.get(event.kind, 0.0)


def interests_of(recent: list[RecentEvent], facts: Mapping[str, Facts], now: datetime) -> Interests:
    """Fold the latest events (newest first) into decayed weights, given the directory facts of their
    videos; a video keeps its strongest signal per kind, so three progress beats of one clip do not
    count three times."""
    out = Interests(events=len(recent))
    strongest: dict[tuple[str, str], float] = {}
    for event in recent:
        decay = 0.5 ** (max((now - event.at).total_seconds(), 0.0) / 3600.0 / HALF_LIFE_H)
        video = facts.get(event.video_id) if event.video_id else None
        weight = event_weight(event, video.duration_s if video else None) * decay
        if event.kind == EventKind.FOLLOW and event.creator_id:
            out.creators[event.creator_id] = out.creators.get(event.creator_id, 0.0) + weight
        if event.product_id:
            out.products[event.product_id] = out.products.get(event.product_id, 0.0) + weight
        if video is None:
            continue
        if event.kind in (EventKind.PLAY, EventKind.PROGRESS, EventKind.COMPLETE):
            out.seen.add(video.id)
        key = (video.id, "watch" if event.kind in (EventKind.PLAY, EventKind.PROGRESS) else event.kind)
        if key in strongest and abs(strongest[key]) >= abs(weight):
            continue
        delta = weight - strongest.get(key, 0.0)
        strongest[key] = weight
        out.videos[video.id] = out.videos.get(video.id, 0.0) + delta
        out.creators[video.creator_id] = out.creators.get(video.creator_id, 0.0) + delta
        tags = video.hashtags.split()
        for tag in tags:
            out.tags[tag] = out.tags.get(tag, 0.0) + delta / math.sqrt(len(tags))
    return out


def squash(totals: np.ndarray) -> np.ndarray:
    """Affinities in 0..1 from summed interest weights (of a candidate's creator, tags or products):
    1 weight ~ 0.46, 3 ~ 0.86."""
    return np.asarray(np.tanh(np.maximum(totals, 0.0) / 2.0))


def best_key(weights: dict[str, float], keys: Iterable[str]) -> str | None:
    scored = [(weights.get(k, 0.0), k) for k in keys]
    scored = [s for s in scored if s[0] > 0]
    return max(scored)[1] if scored else None
