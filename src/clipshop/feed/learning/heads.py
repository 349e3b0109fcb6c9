"""The ranker's heads, learned from the served log: the features each served item was ranked on, against
whether its viewer then completed, liked, shared or bought it, and how much of it they watched. The heads
predict what `feed.ranking.Ranker` scores with; a task short of outcomes keeps the hand-set prior."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping
from datetime import datetime

import numpy as np
from sqlalchemy import select

from clipshop.events.models import Event, EventKind
from clipshop.feed.models import Served
from clipshop.feed.ranking import FEATURES, TASKS, Ranker, TaskModel
from clipshop.kit.db import UnitOfWork

# An outcome this long after the item was served still counts for it.
LABEL_HOURS = 24
MAX_SERVED = 300_000


def learn_heads(uow: UnitOfWork, region: str, since: datetime, durations: dict[str, float]) -> Ranker:
    """Join each served item with what its viewer did to that video within a day of seeing it."""
    db = uow.region(region)
    served = db.execute(
        select(Served.user_id, Served.video_id, Served.features, Served.created_at)
        .where(Served.created_at >= since)
        .order_by(Served.created_at.desc())
        .limit(MAX_SERVED)
    ).all()
    if not served:
        return Ranker.prior()
    outcome: dict[tuple[str, str | None], dict[str, float]] = defaultdict(dict)
    query = (
        select(Event.user_id, Event.video_id, Event.kind, Event.value, Event.created_at)
        .where(Event.created_at >= since, Event.video_id.is_not(None))
        .execution_options(yield_per=50_000)
    )
    for user, video, kind, value, at in db.execute(query):
        record = outcome[(user, video)]
        if kind in (EventKind.PLAY, EventKind.PROGRESS, EventKind.COMPLETE):
            record["watched"] = max(record.get("watched", 0.0), value)
        if kind in TASKS:
            record.setdefault(kind, at.timestamp())
        record.setdefault("first", at.timestamp())
    features = np.zeros((len(served), len(FEATURES)))
    labels = {task: np.zeros(len(served), dtype=np.int8) for task in TASKS}
    watch_share = np.zeros(len(served))
    for i, (user, video, vector, at) in enumerate(served):
        if len(vector) == len(FEATURES):
            features[i] = vector
        record = outcome.get((user, video), {})
        shown = at.timestamp()
        for task in TASKS:
            happened = record.get(task)
            labels[task][i] = happened is not None and shown - 60 <= happened <= shown + LABEL_HOURS * 3600
        duration = durations.get(video) or 0.0
        if duration and record.get("first", 0.0) >= shown - 60:
            watch_share[i] = min(record.get("watched", 0.0) / duration, 1.0)
    return fit(features, labels, watch_share)


def fit(features: np.ndarray, labels: Mapping[str, np.ndarray], watch_share: np.ndarray) -> Ranker:
    """Learn every head whose task has enough of both outcomes; the others keep the prior."""
    # Only the retrain fits: a server that imports this module for its jobs never loads sklearn.
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
