"""The production ranker: a weighted sum of scalable models, each scaled to unit score spread.

Every part is either low-rank (a user vector dotted with item vectors: low-rank EASE, ALS, the
popularity prior) or a sparse top-k item graph (RP3beta, item-KNN), so the whole model is

    score(h) = user_vectors(h) @ item_vectors().T + neighbour_scores(h)

which the feed serves in two stages at any catalogue size: candidates from an ANN index over
`item_vectors()` plus the non-zeros of `neighbour_scores`, then `score_items` on those candidates.
Memory is O(items x (rank + factors + neighbours)); no items x items dense matrix exists.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np
import scipy.sparse as sp

from clipshop.feed.learning.base import FloatMatrix, Recommender
from clipshop.feed.learning.factors import ALS, FactorRecommender, LowRankEASE
from clipshop.feed.learning.neighbours import ItemGraphRecommender, ItemKNN, RP3Beta
from clipshop.feed.learning.simple import Popularity

SCALE_SAMPLE_USERS = 512

# Chosen by coordinate ascent on amazon-baby *val* Recall@20 (`evaluation.tune_fusion_weights`); each
# part is first divided by its own score spread, so the weights are comparable across parts.
DEFAULT_WEIGHTS: dict[str, float] = {
    "lowrank_ease": 1.0,
    "rp3beta": 0.3,
    "als": 0.7,
    "popularity": 0.2,
    "itemknn": 0.5,
}


def score_spread(model: Recommender, sample: sp.csr_matrix) -> float:
    """Standard deviation of a model's scores over a sample of histories and every item."""
    total = total_square = 0.0
    count = 0
    for start in range(0, sample.shape[0], 64):
        scores = model.score_histories(sample[start : start + 64]).astype(np.float64)
        total += float(scores.sum())
        total_square += float(np.square(scores).sum())
        count += scores.size
    mean = total / max(count, 1)
    return max(float(np.sqrt(max(total_square / max(count, 1) - mean * mean, 0.0))), 1e-12)


class HybridRanker(Recommender):
    """Fusion of low-rank EASE, RP3beta, ALS, item-KNN and popularity; the model the For You feed serves."""

    name = "production"

    def __init__(
        self,
        *,
        weights: Mapping[str, float] | None = None,
        lowrank_ease: Mapping[str, Any] | None = None,
        rp3beta: Mapping[str, Any] | None = None,
        als: Mapping[str, Any] | None = None,
        itemknn: Mapping[str, Any] | None = None,
    ) -> None:
        super().__init__()
        self.weights = dict(DEFAULT_WEIGHTS if weights is None else weights)
        self.parts: dict[str, Recommender] = {
            "lowrank_ease": LowRankEASE(**dict(lowrank_ease or {})),
            "rp3beta": RP3Beta(**dict(rp3beta or {})),
            "als": ALS(**dict(als or {})),
            "itemknn": ItemKNN(**dict(itemknn or {})),
            "popularity": Popularity(),
        }
        unknown = set(self.weights) - set(self.parts)
        if unknown:
            raise ValueError(f"unknown parts in weights: {sorted(unknown)}")
        self.scales: dict[str, float] = {}
        self._item_matrix: np.ndarray | None = None

    def reweight(self, weights: Mapping[str, float]) -> None:
        """Change the fusion weights of a fitted ranker (a part fitted with weight 0 stays off)."""
        self.weights = dict(weights)
        self._item_matrix = None

    def params(self) -> dict[str, Any]:
        """Weights and every part's hyper-parameters."""
        out: dict[str, Any] = {"weights": dict(self.weights)}
        out.update({name: part.params() for name, part in self.parts.items() if part.params()})
        return out

    def _active(self) -> list[str]:
        return [name for name in self.parts if self.weights.get(name, 0.0) != 0.0]

    def _fit(self, interactions: sp.csr_matrix) -> None:
        sample = interactions[: min(interactions.shape[0], SCALE_SAMPLE_USERS)]
        self._item_matrix = None
        for name in self._active():
            self.parts[name].fit(interactions)
            self.scales[name] = score_spread(self.parts[name], sample)

    def _factor(self, name: str) -> float:
        return self.weights.get(name, 0.0) / self.scales[name]

    def user_vectors(self, histories: sp.csr_matrix) -> FloatMatrix:
        """Query vectors of the low-rank parts, concatenated and weighted (pairs with `item_vectors`)."""
        blocks: list[np.ndarray] = []
        for name in self._active():
            part = self.parts[name]
            if isinstance(part, FactorRecommender):
                blocks.append(part.user_vectors(histories) * self._factor(name))
            elif isinstance(part, Popularity):
                blocks.append(np.full((histories.shape[0], 1), self._factor(name), dtype=np.float32))
        return np.asarray(np.hstack(blocks), dtype=np.float32)

    def item_vectors(self) -> FloatMatrix:
        """Item vectors of the low-rank parts, concatenated; index these in the ANN store."""
        if self._item_matrix is None:
            self._item_matrix = self._stack_item_vectors()
        return self._item_matrix

    def _stack_item_vectors(self) -> FloatMatrix:
        blocks: list[np.ndarray] = []
        for name in self._active():
            part = self.parts[name]
            if isinstance(part, FactorRecommender):
                blocks.append(part.item_vectors())
            elif isinstance(part, Popularity):
                blocks.append(part.item_prior()[:, None])
        return np.asarray(np.hstack(blocks), dtype=np.float32)

    def neighbour_scores(self, histories: sp.csr_matrix) -> sp.csr_matrix:
        """Weighted sparse scores of the item-graph parts; their non-zeros are the graph candidates."""
        total = sp.csr_matrix((histories.shape[0], self.n_items), dtype=np.float32)
        for name in self._active():
            part = self.parts[name]
            if isinstance(part, ItemGraphRecommender):
                total = total + part.neighbour_scores(histories) * self._factor(name)
        return sp.csr_matrix(total)

    def score_items(self, histories: sp.csr_matrix, items: np.ndarray) -> FloatMatrix:
        """Scores of chosen candidate `items` (batch x c ids) only: the second stage at large scale."""
        items = np.asarray(items)
        vectors = self.item_vectors()[items]
        scores = np.einsum("bd,bcd->bc", self.user_vectors(histories), vectors)
        graph = self.neighbour_scores(histories)
        rows = np.repeat(np.arange(items.shape[0]), items.shape[1])
        scores += np.asarray(graph[rows, items.ravel()]).reshape(items.shape)
        return np.asarray(scores, dtype=np.float32)

    def score_histories(self, histories: sp.csr_matrix) -> FloatMatrix:
        """Dense scores for every item (offline evaluation and small catalogues)."""
        scores = np.zeros((histories.shape[0], self.n_items), dtype=np.float32)
        for name in self._active():
            scores += self.parts[name].score_histories(histories) * np.float32(self._factor(name))
        return scores

    def part_scores(self, histories: sp.csr_matrix) -> dict[str, FloatMatrix]:
        """Each active part's dense scores divided by its spread (unweighted), for tuning the weights."""
        return {
            name: self.parts[name].score_histories(histories) / np.float32(self.scales[name])
            for name in self._active()
        }
