"""Sparse item-item models (cosine item-KNN, RP3beta) built block by block with top-k pruning.

Memory stays O(items x k): the full co-occurrence matrix is never held, only one block of rows.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import scipy.sparse as sp

from clipshop.feed.learning.base import FloatMatrix, Recommender

# Re-weights the values of one row block: (values, row item ids, column item ids) -> new values.
BlockWeighting = Callable[[np.ndarray, np.ndarray, np.ndarray], np.ndarray]


def item_degrees(interactions: sp.csr_matrix) -> np.ndarray:
    """Number of users who interacted with each item (float64)."""
    return np.asarray(interactions.sum(axis=0), dtype=np.float64).ravel()


def top_k_item_graph(
    left: sp.csc_matrix,
    right: sp.csr_matrix,
    k: int,
    weighting: BlockWeighting,
    *,
    block_items: int = 2048,
) -> sp.csr_matrix:
    """Items x items CSR of `left.T @ right`, re-weighted, no self-loops, keeping each row's `k` largest."""
    n_items = int(left.shape[1])
    indptr = [np.zeros(1, dtype=np.int64)]
    indices: list[np.ndarray] = []
    values: list[np.ndarray] = []
    for start in range(0, n_items, block_items):
        stop = min(start + block_items, n_items)
        block = sp.coo_matrix(left[:, start:stop].T @ right)
        rows, cols = block.row.astype(np.int64), block.col.astype(np.int64)
        vals = weighting(np.asarray(block.data, dtype=np.float64), rows + start, cols)
        keep = (rows + start != cols) & (vals > 0)
        rows, cols, vals = rows[keep], cols[keep], vals[keep]
        # Sort by row, then by value descending, and keep the first k of every row.
        order = np.lexsort((-vals, rows))
        rows, cols, vals = rows[order], cols[order], vals[order]
        counts = np.bincount(rows, minlength=stop - start)
        first = np.concatenate([[0], np.cumsum(counts)[:-1]])
        rank = np.arange(rows.size) - np.repeat(first, counts)
        kept = rank < k
        indices.append(cols[kept].astype(np.int32))
        values.append(vals[kept].astype(np.float32))
        indptr.append(indptr[-1][-1] + np.cumsum(np.minimum(counts, k)))
    return sp.csr_matrix(
        (np.concatenate(values), np.concatenate(indices), np.concatenate(indptr)), shape=(n_items, n_items)
    )


class ItemGraphRecommender(Recommender):
    """Scores items by summing, over the user's items, a sparse top-k item-item weight matrix."""

    def __init__(self) -> None:
        super().__init__()
        self._weights: sp.csr_matrix | None = None

    @property
    def weights(self) -> sp.csr_matrix:
        """The items x items weight matrix (row: an item the user has, column: an item to score)."""
        if self._weights is None:
            raise RuntimeError(f"{self.name} has not been fitted")
        return self._weights

    def neighbour_scores(self, histories: sp.csr_matrix) -> sp.csr_matrix:
        """Sparse batch x items scores: only neighbours of the user's items are non-zero (the candidates)."""
        return sp.csr_matrix(histories @ self.weights)

    def score_histories(self, histories: sp.csr_matrix) -> FloatMatrix:
        """Dense scores for every item."""
        return np.asarray(self.neighbour_scores(histories).toarray(), dtype=np.float32)


class ItemKNN(ItemGraphRecommender):
    """Item-based nearest neighbours: shrunk cosine similarity, top-`neighbours` per item."""

    name = "itemknn"

    def __init__(self, *, neighbours: int = 100, shrink: float = 10.0) -> None:
        super().__init__()
        self.neighbours = neighbours
        self.shrink = shrink

    def params(self) -> dict[str, Any]:
        """Hyper-parameters."""
        return {"neighbours": self.neighbours, "shrink": self.shrink}

    def _fit(self, interactions: sp.csr_matrix) -> None:
        norms = np.sqrt(item_degrees(interactions))

        def cosine(values: np.ndarray, rows: np.ndarray, cols: np.ndarray) -> np.ndarray:
            return np.asarray(values / (norms[rows] * norms[cols] + self.shrink))

        self._weights = top_k_item_graph(interactions.tocsc(), interactions, self.neighbours, cosine)


class RP3Beta(ItemGraphRecommender):
    """RP3beta: 3-step random-walk item-item probabilities raised to `alpha`, divided by popularity^`beta`.

    Paoletti, Dacrema, Cremonesi, "Updatable, accurate, diverse, and scalable recommendations for
    interactive applications" (2016); rows are pruned to `neighbours` and renormalised to sum to 1.
    A negative `beta` favours popular items, which the Amazon data rewards.
    """

    name = "rp3beta"

    def __init__(self, *, alpha: float = 1.0, beta: float = -0.2, neighbours: int = 50) -> None:
        super().__init__()
        self.alpha = alpha
        self.beta = beta
        self.neighbours = neighbours

    def params(self) -> dict[str, Any]:
        """Hyper-parameters."""
        return {"alpha": self.alpha, "beta": self.beta, "neighbours": self.neighbours}

    def _fit(self, interactions: sp.csr_matrix) -> None:
        item_degree = np.maximum(item_degrees(interactions), 1.0)
        user_degree = np.maximum(np.asarray(interactions.sum(axis=1), dtype=np.float64).ravel(), 1.0)
        user_to_item = sp.csr_matrix(sp.diags(1.0 / user_degree) @ interactions)

        def walk(values: np.ndarray, rows: np.ndarray, cols: np.ndarray) -> np.ndarray:
            transition = values / item_degree[rows]
            return np.asarray(transition**self.alpha * item_degree[cols] ** (-self.beta))

        graph = top_k_item_graph(interactions.tocsc(), user_to_item, self.neighbours, walk)
        row_sums = np.asarray(graph.sum(axis=1), dtype=np.float64).ravel()
        self._weights = sp.csr_matrix(
            sp.diags((1.0 / np.where(row_sums > 0, row_sums, 1.0)).astype(np.float32)) @ graph
        )
