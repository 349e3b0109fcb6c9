"""Offline evaluation of feed models on public data sets, following the LATTICE/MMSSL protocol.

Protocol (checked against `codes/utility/batch_test.py` of CRIPAC-DIG/LATTICE and
`MMSSL/utility/batch_test.py` of HKUDS/MMSSL): fit on train only, pick hyper-parameters on val,
report on test; every item is ranked and only the user's *train* items are masked, for the val run
and for the test run alike (val items stay rankable when scoring test). Metrics are averaged over
every user with at least one target item.
"""

from __future__ import annotations

import itertools
import json
import os
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import scipy.sparse as sp

from clipshop.feed.learning.base import Recommender, as_interactions, mask_items, top_k
from clipshop.feed.learning.catalogue import SEARCH_GRIDS, TUNED_PARAMS, HybridRanker, build_model

DATASETS = ("amazon-baby", "movielens-100k")
CUTOFF = 20


@dataclass(frozen=True)
class PublishedResult:
    """A figure reported in a paper for the same split, to print beside ours."""

    model: str
    recall: float
    precision: float
    ndcg: float
    note: str


# Amazon-Baby 5-core, the split shipped with LATTICE/MMSSL; the MMSSL paper's Table 2 (also in the
# README of HKUDS/MMSSL). Their NDCG uses the NGCF formula (see `Metrics.ndcg_ngcf`).
PUBLISHED: dict[str, tuple[PublishedResult, ...]] = {
    "amazon-baby": (
        PublishedResult("MF-BPR", 0.0440, 0.0024, 0.0200, "interactions only"),
        PublishedResult("LightGCN", 0.0698, 0.0037, 0.0319, "interactions only"),
        PublishedResult("LATTICE", 0.0829, 0.0044, 0.0368, "+ image and text features"),
        PublishedResult("MMSSL", 0.0962, 0.0051, 0.0422, "+ image and text features"),
    ),
}


@dataclass(frozen=True)
class Split:
    """Train/val/test interactions of one data set as users x items CSR matrices sharing one indexing."""

    name: str
    train: sp.csr_matrix
    val: sp.csr_matrix
    test: sp.csr_matrix
    description: str

    @property
    def n_users(self) -> int:
        """Number of user rows."""
        return int(self.train.shape[0])

    @property
    def n_items(self) -> int:
        """Number of item columns."""
        return int(self.train.shape[1])


@dataclass(frozen=True)
class Metrics:
    """Top-`k` accuracy averaged over users with at least one target item, plus catalogue coverage."""

    recall: float
    precision: float
    ndcg: float
    # NGCF/LATTICE/MMSSL code normalises DCG by the ideal DCG of the hits *retrieved*, not of the
    # held-out items; kept only to compare with their published NDCG.
    ndcg_ngcf: float
    coverage: float
    users: int
    k: int = CUTOFF

    def as_json(self) -> dict[str, float]:
        """The four figures of the `--json` report."""
        k = self.k
        return {
            f"recall@{k}": self.recall,
            f"precision@{k}": self.precision,
            f"ndcg@{k}": self.ndcg,
            "coverage": self.coverage,
        }


@dataclass
class TuneResult:
    """Outcome of a grid search on val: the best parameters and every trial's val metrics."""

    best_params: dict[str, Any]
    best: Metrics
    trials: list[tuple[dict[str, Any], Metrics]] = field(default_factory=list)


@dataclass
class ModelReport:
    """One model's evaluation: its parameters, how they were chosen, val and test metrics and costs."""

    name: str
    params: dict[str, Any]
    params_source: str
    val: Metrics
    test: Metrics
    fit_seconds: float
    trials: list[tuple[dict[str, Any], Metrics]] = field(default_factory=list)


def resolve_data_root(data_root: Path | None = None) -> Path:
    """The data sets folder: the argument, else $CLIPSHOP_DATASETS, else `shared/data` beside the checkout."""
    if data_root is not None:
        return data_root
    env = os.environ.get("CLIPSHOP_DATASETS")
    if env:
        return Path(env)
    # src/clipshop/feed/learning/evaluation.py -> the checkout is parents[4]; `shared/` sits beside it.
    candidates = [Path(__file__).resolve().parents[4].parent / "shared" / "data"]
    candidates += [folder.parent / "shared" / "data" for folder in (Path.cwd(), *Path.cwd().parents)]
    for candidate in candidates:
        if candidate.is_dir():
            return candidate
    return candidates[0]


def _user_item_matrix(rows: Sequence[int], cols: Sequence[int], shape: tuple[int, int]) -> sp.csr_matrix:
    data = np.ones(len(rows), dtype=np.float32)
    matrix = sp.csr_matrix((data, (np.asarray(rows), np.asarray(cols))), shape=shape)
    return as_interactions(matrix)


def load_amazon_baby(root: Path) -> Split:
    """The Amazon-Baby 5-core split of LATTICE/MMSSL: `{train,val,test}.json` mapping user id to item ids."""
    folder = root / "amazon-baby-5core"
    parts: dict[str, dict[int, list[int]]] = {}
    for part in ("train", "val", "test"):
        with (folder / f"{part}.json").open() as handle:
            parts[part] = {int(user): [int(i) for i in items] for user, items in json.load(handle).items()}
    n_users = 1 + max(max(part) for part in parts.values() if part)
    n_items = 1 + max(max(items) for part in parts.values() for items in part.values() if items)

    def matrix(part: dict[int, list[int]]) -> sp.csr_matrix:
        rows = [user for user, items in part.items() for _ in items]
        cols = [item for items in part.values() for item in items]
        return _user_item_matrix(rows, cols, (n_users, n_items))

    return Split(
        "amazon-baby",
        matrix(parts["train"]),
        matrix(parts["val"]),
        matrix(parts["test"]),
        "Amazon-Baby 5-core as split by LATTICE/MMSSL (train/val/test JSON)",
    )


def load_movielens_100k(root: Path) -> Split:
    """MovieLens 100K (`u.data`), every rating an interaction, split per user by time 80/10/10.

    Each user's ratings are ordered by (timestamp, item id); the first 80% (rounded down) go to train,
    the last 10% (rounded up, at least one) to test and the 10% before them to val.
    """
    raw = np.loadtxt(root / "movielens-100k" / "u.data", dtype=np.int64)
    users, items, timestamps = raw[:, 0] - 1, raw[:, 1] - 1, raw[:, 3]
    shape = (int(users.max()) + 1, int(items.max()) + 1)
    order = np.lexsort((items, timestamps, users))
    users, items = users[order], items[order]
    starts = np.searchsorted(users, np.arange(shape[0]))
    counts = np.bincount(users, minlength=shape[0])
    position = np.arange(len(users)) - np.repeat(starts, counts)
    size = np.repeat(counts, counts)
    n_test = np.maximum(1, np.ceil(size * 0.1)).astype(np.int64)
    n_val = np.maximum(1, np.ceil(size * 0.1)).astype(np.int64)
    is_test = position >= size - n_test
    is_val = ~is_test & (position >= size - n_test - n_val)
    is_train = ~is_test & ~is_val
    return Split(
        "movielens-100k",
        _user_item_matrix(users[is_train], items[is_train], shape),
        _user_item_matrix(users[is_val], items[is_val], shape),
        _user_item_matrix(users[is_test], items[is_test], shape),
        "MovieLens 100K, all ratings as interactions, per-user temporal 80/10/10 split",
    )


def load_dataset(name: str, data_root: Path | None = None) -> Split:
    """Load a data set by name (`amazon-baby` or `movielens-100k`)."""
    root = resolve_data_root(data_root)
    if name == "amazon-baby":
        return load_amazon_baby(root)
    if name == "movielens-100k":
        return load_movielens_100k(root)
    raise ValueError(f"unknown data set {name!r}; choose one of {', '.join(DATASETS)}")


def _discounts(k: int) -> np.ndarray:
    return np.asarray(1.0 / np.log2(np.arange(2, k + 2)), dtype=np.float64)


def ranking_metrics(ranked: np.ndarray, targets: sp.csr_matrix, n_items: int, k: int = CUTOFF) -> Metrics:
    """Metrics of ranked item ids (users x >=k, best first) against binary targets (users x items).

    Users without a target item are left out of the averages; coverage counts every row's top-`k`.
    """
    ranked = np.asarray(ranked)[:, :k]
    targets = sp.csr_matrix(targets)
    n_targets = np.diff(targets.indptr)
    keep = n_targets > 0
    hits = np.asarray(targets[np.arange(ranked.shape[0])[:, None], ranked].toarray() > 0, dtype=np.float64)
    coverage = float(np.unique(ranked).size) / n_items
    hits, n_targets = hits[keep], n_targets[keep]
    users = int(keep.sum())
    if users == 0:
        return Metrics(0.0, 0.0, 0.0, 0.0, coverage, 0, k)
    return _aggregate(hits, n_targets, coverage, k)


def _aggregate(hits: np.ndarray, n_targets: np.ndarray, coverage: float, k: int) -> Metrics:
    discounts = _discounts(k)
    cumulative = np.concatenate([[0.0], np.cumsum(discounts)])
    dcg = hits @ discounts[: hits.shape[1]]
    n_hits = hits.sum(axis=1)
    ideal = cumulative[np.minimum(n_targets, k)]
    ideal_ngcf = cumulative[n_hits.astype(np.int64)]
    ngcf = np.divide(dcg, ideal_ngcf, out=np.zeros_like(dcg), where=ideal_ngcf > 0)
    return Metrics(
        recall=float(np.mean(n_hits / n_targets)),
        precision=float(np.mean(n_hits / k)),
        ndcg=float(np.mean(dcg / ideal)),
        ndcg_ngcf=float(np.mean(ngcf)),
        coverage=coverage,
        users=int(hits.shape[0]),
        k=k,
    )


def evaluate(
    model: Recommender,
    *,
    history: sp.csr_matrix,
    targets: sp.csr_matrix,
    exclude: sp.csr_matrix | None = None,
    k: int = CUTOFF,
    batch_size: int = 2048,
    on_batch: Callable[[int], None] | None = None,
) -> Metrics:
    """Rank all items for each user with targets, masking `exclude` (default: `history`); score the lists."""
    exclude = history if exclude is None else exclude
    users = np.flatnonzero(np.diff(targets.indptr) > 0)
    ranked_all = np.empty((users.size, k), dtype=np.int64)
    for start in range(0, users.size, batch_size):
        batch = users[start : start + batch_size]
        scores = model.score_histories(history[batch])
        mask_items(scores, exclude[batch])
        ranked_all[start : start + batch.size] = top_k(scores, k)[0]
        if on_batch is not None:
            on_batch(batch.size)
    return ranking_metrics(ranked_all, targets[users], int(targets.shape[1]), k)


def tune(
    factory: Callable[..., Recommender],
    grid: Mapping[str, Iterable[Any]],
    split: Split,
    *,
    k: int = CUTOFF,
    on_trial: Callable[[dict[str, Any], Metrics], None] | None = None,
) -> TuneResult:
    """Fit one model per grid point on train; keep the best val Recall@k (test is never read)."""
    keys = list(grid)
    trials: list[tuple[dict[str, Any], Metrics]] = []
    for values in itertools.product(*(list(grid[key]) for key in keys)):
        params = dict(zip(keys, values, strict=True))
        model = factory(**params).fit(split.train)
        metrics = evaluate(model, history=split.train, targets=split.val, k=k)
        trials.append((params, metrics))
        if on_trial is not None:
            on_trial(params, metrics)
    best_params, best = max(trials, key=lambda trial: (trial[1].recall, trial[1].ndcg))
    return TuneResult(best_params, best, trials)


def fit_timed(model: Recommender, interactions: sp.csr_matrix) -> float:
    """Fit and return the wall-clock seconds it took."""
    started = time.perf_counter()
    model.fit(interactions)
    return time.perf_counter() - started


def tune_fusion_weights(
    model: HybridRanker,
    split: Split,
    *,
    steps: Sequence[float] = (-0.2, -0.1, 0.1, 0.2, 0.4),
    rounds: int = 2,
    k: int = CUTOFF,
    on_trial: Callable[[dict[str, Any], Metrics], None] | None = None,
) -> TuneResult:
    """Coordinate ascent of a fitted `HybridRanker`'s weights on val Recall@k; the first part's stays fixed.

    Every part starts with a weight (0 switches it off for good), so parts are fitted once and only
    the weighted sum is recomputed per trial.
    """
    users = np.flatnonzero(np.diff(split.val.indptr) > 0)
    parts: dict[str, np.ndarray] = {}
    for start in range(0, users.size, 2048):
        batch = users[start : start + 2048]
        for name, scores in model.part_scores(split.train[batch]).items():
            parts.setdefault(name, np.empty((users.size, split.n_items), dtype=np.float32))
            parts[name][start : start + batch.size] = scores
    history, targets = split.train[users], split.val[users]

    def score(weights: Mapping[str, float]) -> Metrics:
        total = np.zeros((users.size, split.n_items), dtype=np.float32)
        for name, matrix in parts.items():
            total += np.float32(weights.get(name, 0.0)) * matrix
        mask_items(total, history)
        return ranking_metrics(top_k(total, k)[0], targets, split.n_items, k)

    weights = {name: float(model.weights.get(name, 0.0)) for name in parts}
    best = score(weights)
    trials = [(dict(weights), best)]
    names = list(parts)
    for _ in range(rounds):
        for name in names[1:]:
            for step in steps:
                candidate = dict(weights)
                candidate[name] = round(max(0.0, candidate[name] + step), 4)
                if candidate == weights:
                    continue
                metrics = score(candidate)
                trials.append((candidate, metrics))
                if on_trial is not None:
                    on_trial(candidate, metrics)
                if metrics.recall > best.recall:
                    weights, best = candidate, metrics
    model.reweight(weights)
    return TuneResult({"weights": dict(weights)}, best, trials)


class EvaluationProgress:
    """Hooks the command line uses to show progress; the default does nothing."""

    def stage(self, description: str, total: int) -> None:
        """A new stage of `total` units begins."""

    def advance(self, units: int = 1) -> None:
        """Some units of the current stage are done."""


def evaluate_model(
    name: str,
    split: Split,
    *,
    search: bool,
    progress: EvaluationProgress | None = None,
) -> ModelReport:
    """Pick parameters (val grid search, or the stored ones), fit on train only, and score val and test."""
    progress = progress or EvaluationProgress()
    stored = TUNED_PARAMS.get(split.name, {}).get(name, {})
    params: dict[str, Any] = dict(stored)
    source = f"stored (val search on {split.name})" if split.name in TUNED_PARAMS else "defaults"
    trials: list[tuple[dict[str, Any], Metrics]] = []
    grid = SEARCH_GRIDS.get(name, {})
    if search and name != "production" and grid:
        size = int(np.prod([len(values) for values in grid.values()]))
        progress.stage(f"{name}: val grid search", size)
        result = tune(
            lambda **point: build_model(name, point), grid, split, on_trial=lambda *_: progress.advance()
        )
        params, trials, source = result.best_params, result.trials, "val grid search (this run)"
    model = build_model(name, params)
    progress.stage(f"{name}: fit on train", 1)
    fit_seconds = fit_timed(model, split.train)
    progress.advance()
    if search and isinstance(model, HybridRanker):
        progress.stage(f"{name}: val search of fusion weights", 2 * 4 * 5)
        result = tune_fusion_weights(model, split, on_trial=lambda *_: progress.advance())
        params = model.params()
        trials, source = result.trials, "fusion weights by val coordinate ascent (this run)"
    reports: dict[str, Metrics] = {}
    for part, targets in (("val", split.val), ("test", split.test)):
        users = int((np.diff(targets.indptr) > 0).sum())
        progress.stage(f"{name}: rank all items for {part}", users)
        reports[part] = evaluate(model, history=split.train, targets=targets, on_batch=progress.advance)
    return ModelReport(name, model.params(), source, reports["val"], reports["test"], fit_seconds, trials)
