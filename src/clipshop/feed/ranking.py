"""The ranker: predicted completion, like, share and purchase, and the expected watch time, combined into one
score with the values of `Settings.recs_values` (score = sum of value x probability, plus value x expected
seconds); then the blending rules that turn a ranked list into a page.

Each task is a logistic regression on the features below, learned by the retrain job from the served log
(the features each item was ranked on) joined with what the viewer then did. Until a region has enough of
that log, a hand-set prior with the same shape ranks (a cold start that still respects the values).
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np

SOURCES = ("following", "trending", "similar", "embedding", "affinity", "commerce", "fresh", "popular")
FEATURES = (
    *(f"from_{source}" for source in SOURCES),
    "collaborative",
    "co_engagement",
    "trend",
    "log_views",
    "like_rate",
    "complete_rate",
    "share_rate",
    "log_age_h",
    "log_duration",
    "shoppable",
    "creator_affinity",
    "tag_affinity",
    "product_affinity",
    "follows_creator",
    "activity",
)
TASKS = ("complete", "like", "share", "purchase")
FEATURE_INDEX = {name: i for i, name in enumerate(FEATURES)}

# The cold-start prior: intercept and a few coefficients per task on the raw features.
_PRIOR: dict[str, tuple[float, dict[str, float]]] = {
    "complete": (
        -1.2,
        {
            "complete_rate": 2.5,
            "tag_affinity": 1.5,
            "creator_affinity": 1.2,
            "follows_creator": 0.6,
            "collaborative": 0.8,
            "co_engagement": 0.6,
            "trend": 0.5,
            "log_duration": -0.3,
        },
    ),
    "like": (-3.0, {"like_rate": 6.0, "tag_affinity": 1.0, "creator_affinity": 1.0, "collaborative": 0.5}),
    "share": (-4.5, {"share_rate": 8.0, "tag_affinity": 0.8}),
    "purchase": (-6.0, {"shoppable": 1.5, "product_affinity": 3.0, "tag_affinity": 0.8}),
}
_PRIOR_WATCH: tuple[float, dict[str, float]] = (
    0.35,
    {"complete_rate": 0.4, "tag_affinity": 0.25, "creator_affinity": 0.2, "collaborative": 0.1},
)


@dataclass
class TaskModel:
    """One logistic (or, for watch share, linear) model on standardised features."""

    coef: np.ndarray
    intercept: float
    mean: np.ndarray
    scale: np.ndarray
    learned: bool = False
    positives: int = 0

    def margin(self, features: np.ndarray) -> np.ndarray:
        return np.asarray(((features - self.mean) / self.scale) @ self.coef + self.intercept)

    def contributions(self, features: np.ndarray) -> np.ndarray:
        """Per-feature push on the margin, relative to an average item."""
        return np.asarray((features - self.mean) / self.scale * self.coef)

    @classmethod
    def prior(cls, intercept: float, weights: Mapping[str, float]) -> TaskModel:
        coef = np.zeros(len(FEATURES))
        for name, weight in weights.items():
            coef[FEATURE_INDEX[name]] = weight
        return cls(coef=coef, intercept=intercept, mean=np.zeros(len(FEATURES)), scale=np.ones(len(FEATURES)))


@dataclass
class Prediction:
    probabilities: dict[str, np.ndarray]
    watch_share: np.ndarray
    scores: np.ndarray


@dataclass
class Ranker:
    """Four task heads and a watch-share head; `score` combines them with the platform's values."""

    tasks: dict[str, TaskModel]
    watch: TaskModel
    samples: int = 0
    metrics: dict[str, float] = field(default_factory=dict)

    @classmethod
    def prior(cls) -> Ranker:
        return cls(
            tasks={task: TaskModel.prior(*_PRIOR[task]) for task in TASKS},
            watch=TaskModel.prior(*_PRIOR_WATCH),
        )

    @property
    def learned(self) -> bool:
        return any(model.learned for model in self.tasks.values())

    def predict(self, features: np.ndarray, durations: np.ndarray, values: Mapping[str, float]) -> Prediction:
        probabilities = {task: _sigmoid(model.margin(features)) for task, model in self.tasks.items()}
        watch_share = np.clip(self.watch.margin(features), 0.0, 1.0)
        scores = sum(
            (values.get(task, 0.0) * p for task, p in probabilities.items()),
            start=np.zeros(len(features)),
        )
        scores = scores + values.get("watch_s", 0.0) * watch_share * durations
        return Prediction(probabilities, watch_share, np.asarray(scores))


def _sigmoid(x: np.ndarray) -> np.ndarray:
    return np.asarray(1.0 / (1.0 + np.exp(-np.clip(x, -30, 30))))


def fit(features: np.ndarray, labels: Mapping[str, np.ndarray], watch_share: np.ndarray) -> Ranker:
    """Learn every head whose task has enough of both outcomes; the others keep the prior."""
    from sklearn.linear_model import LogisticRegression, Ridge

    ranker = Ranker.prior()
    ranker.samples = len(features)
    if len(features) < 50:
        return ranker
    mean = features.mean(axis=0)
    scale = features.std(axis=0)
    scale[scale < 1e-6] = 1.0
    standard = (features - mean) / scale
    for task in TASKS:
        y = labels[task].astype(np.int8)
        positives = int(y.sum())
        ranker.metrics[f"{task}_rate"] = round(float(y.mean()), 4)
        if positives < 10 or positives > len(y) - 10:
            continue
        model = LogisticRegression(C=0.5, max_iter=300)
        model.fit(standard, y)
        ranker.tasks[task] = TaskModel(
            coef=model.coef_[0].astype(np.float64),
            intercept=float(model.intercept_[0]),
            mean=mean,
            scale=scale,
            learned=True,
            positives=positives,
        )
    head = Ridge(alpha=1.0).fit(standard, watch_share)
    ranker.watch = TaskModel(
        coef=np.asarray(head.coef_, dtype=np.float64),
        intercept=float(head.intercept_),
        mean=mean,
        scale=scale,
        learned=True,
    )
    return ranker


# -- reasons ----------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ReasonContext:
    """Names the reasons may quote: the viewer's strongest matching hashtag, the creator's handle."""

    tag: str | None
    creator_handle: str | None
    likes: int
    age_h: float


def reasons(
    ranker: Ranker, features: np.ndarray, prediction: Prediction, row: int, context: ReasonContext
) -> list[str]:
    """The strongest reasons behind one item's rank, strongest first: the predicted outcome, then the
    features that pushed its completion and like odds up the most."""
    out = [
        f"{round(float(prediction.probabilities['complete'][row]) * 100)}% likely to be watched to the end"
    ]
    push = ranker.tasks["complete"].contributions(features[row]) + ranker.tasks["like"].contributions(
        features[row]
    )
    ranked = sorted(
        ((float(push[i]), name) for i, name in enumerate(FEATURES) if not name.startswith("from_")),
        reverse=True,
    )
    for weight, name in ranked:
        text = _reason_text(name, context)
        if weight <= 0 or text is None or text in out:
            continue
        out.append(text)
        if len(out) == 3:
            break
    return out


def _reason_text(name: str, context: ReasonContext) -> str | None:
    handle = f"@{context.creator_handle}" if context.creator_handle else "this creator"
    texts = {
        "tag_affinity": f"You often watch #{context.tag}" if context.tag else None,
        "creator_affinity": f"You watch {handle}'s videos",
        "follows_creator": f"You follow {handle}",
        "collaborative": "Viewers with tastes like yours enjoyed it",
        "co_engagement": "Often watched with clips you liked",
        "complete_rate": "Most viewers watch it to the end",
        "like_rate": f"Well liked ({context.likes:,} likes)",
        "share_rate": "Often shared",
        "trend": "Trending in your region",
        "product_affinity": "Features a product like ones you looked at",
        "log_age_h": f"New: posted {max(1, round(context.age_h))} h ago" if context.age_h < 48 else None,
        "log_views": "Widely watched",
    }
    return texts.get(name)


# -- blending ---------------------------------------------------------------------------------------------


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
