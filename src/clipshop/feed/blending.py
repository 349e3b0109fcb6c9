"""The blending rules that turn a ranked list into a For You page: no creator twice in a row, topics spread,
a cap on shoppable items and a share kept for fresh uploads."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass


@dataclass(frozen=True)
class Ranked:
    video_id: str
    score: float
    creator_id: str
    topic: str | None
    shoppable: bool
    fresh: bool


def blend(
    ranked: Sequence[Ranked],
    limit: int,
    *,
    previous_creator: str | None,
    shoppable_cap: float,
    explore_share: float,
    topic_penalty: float = 0.7,
) -> list[Ranked]:
    """Pick a page from a ranked list: no creator twice in a row, topics spread (each repeat of a topic on
    the page scales a candidate down), at most `shoppable_cap` of the page shoppable, and
    `explore_share` of it kept for fresh uploads. Rules give way only when nothing else is left."""
    pool = sorted(ranked, key=lambda r: -r.score)
    explore_slots = math.floor(limit * explore_share + 0.5) if explore_share > 0 else 0
    fresh = [r for r in pool if r.fresh][:explore_slots]
    pool = [r for r in pool if not (r.fresh and r in fresh)]
    # Fresh picks are due at evenly spaced positions, so discovery is spread over the page. A pick the
    # rules refuse at its position waits for the next one.
    due = [(round((i + 1) * limit / (len(fresh) + 1)) - 1, pick) for i, pick in enumerate(fresh)]
    rules = _Rules(previous_creator, max(1, math.floor(limit * shoppable_cap)))
    page: list[Ranked] = []
    topics: dict[str, int] = {}
    while len(page) < limit and (pool or due):
        waiting = [pick for position, pick in due if position <= len(page)]
        chosen = next((pick for pick in waiting if rules.allow(pick)), None)
        if chosen is None:
            chosen = _best(pool, topics, rules, topic_penalty)
        if chosen is None:  # nothing in the pool passes the rules: a fresh pick that does goes early
            chosen = next((pick for _, pick in due if rules.allow(pick)), None)
        if chosen is None:  # the rules give way
            chosen = pool[0] if pool else due[0][1]
        if chosen in pool:
            pool.remove(chosen)
        else:
            due = [(position, pick) for position, pick in due if pick is not chosen]
        page.append(chosen)
        rules.take(chosen)
        if chosen.topic:
            topics[chosen.topic] = topics.get(chosen.topic, 0) + 1
    return page


class _Rules:
    """The hard rules of a page: the creator of the last pick, and the shoppable items still allowed."""

    def __init__(self, last_creator: str | None, max_shoppable: int) -> None:
        self.last_creator = last_creator
        self.shoppable_left = max_shoppable

    def allow(self, candidate: Ranked) -> bool:
        if candidate.shoppable and self.shoppable_left <= 0:
            return False
        return candidate.creator_id != self.last_creator

    def take(self, pick: Ranked) -> None:
        self.last_creator = pick.creator_id
        self.shoppable_left -= pick.shoppable


def _best(pool: list[Ranked], topics: dict[str, int], rules: _Rules, topic_penalty: float) -> Ranked | None:
    """The best pool candidate the rules allow, its score scaled down for each repeat of its topic. The
    pool is in score order and the penalty only ever lowers a score, so the scan stops at the first
    candidate whose own score cannot beat the best value found."""
    best: Ranked | None = None
    best_value = -math.inf
    for candidate in pool:
        if candidate.score <= best_value:
            break
        if not rules.allow(candidate):
            continue
        scale = topic_penalty ** topics.get(candidate.topic or "", 0)
        value = candidate.score * scale if candidate.score >= 0 else candidate.score / scale
        if value > best_value:
            best, best_value = candidate, value
    return best
