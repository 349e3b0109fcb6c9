"""The ranker: predicted completion, like, share and purchase, and the expected watch time, combined into one
score with the values of `Settings.recs_values` (score = sum of value x probability, plus value x expected
seconds); and the reasons each item's explanation quotes. `feed.blending` then turns the ranked list into a
page.

Each task is a logistic regression on the features below, learned by the retrain job from the served log
(`feed.learning.heads`). Until a region has enough of that log, a hand-set prior with the same shape ranks
(a cold start that still respects the values).
"""

from __future__ import annotations

from collections.abc import Mapping
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
