"""The interface every recommendation model implements, for offline evaluation and for the live feed alike."""

from __future__ import annotations

from abc import ABC, abstractmethod
from typing import Any

import numpy as np
import scipy.sparse as sp

FloatMatrix = np.ndarray[tuple[int, int], np.dtype[np.float32]]
IntMatrix = np.ndarray[tuple[int, int], np.dtype[np.int64]]
FloatVector = np.ndarray[tuple[int], np.dtype[np.float32]]


class NotFittedError(RuntimeError):
    """Raised when a model is asked for recommendations before `fit`."""


class Recommender(ABC):
    """A model fitted on a users x items interaction matrix that scores every item for a user's history.

    Histories are passed at scoring time, so a user whose history changed since the last fit (or a
    user the model never saw) is served without refitting: the feed hands in the freshest history.
    """

    name: str = "recommender"

    def __init__(self) -> None:
        self._interactions: sp.csr_matrix | None = None

    @property
    def n_items(self) -> int:
        """Number of items (columns) the model was fitted on."""
        return int(self.interactions.shape[1])

    @property
    def interactions(self) -> sp.csr_matrix:
        """The users x items matrix the model was fitted on."""
        if self._interactions is None:
            raise NotFittedError(f"{self.name} has not been fitted")
        return self._interactions

    def fit(self, interactions: sp.spmatrix) -> Recommender:
        """Learn from a users x items matrix of implicit feedback (any positive value is an interaction)."""
        self._interactions = as_interactions(interactions)
        self._fit(self._interactions)
        return self

    @abstractmethod
    def _fit(self, interactions: sp.csr_matrix) -> None: ...

    @abstractmethod
    def score_histories(self, histories: sp.csr_matrix) -> FloatMatrix:
        """Dense batch x items scores (float32) for each row of `histories` (batch x items)."""

    def score(self, users: np.ndarray) -> FloatMatrix:
        """Scores of every item for the given rows of the fitted matrix."""
        return self.score_histories(self.interactions[users])

    def recommend_histories(
        self, histories: sp.csr_matrix, k: int, *, exclude: sp.csr_matrix | None = None
    ) -> tuple[IntMatrix, FloatMatrix]:
        """Top-`k` item ids and scores per history row, best first, never an item in `exclude`.

        A row with fewer than `k` items left is padded with id -1 and score -inf.
        """
        scores = self.score_histories(as_interactions(histories))
        if exclude is not None:
            mask_items(scores, exclude)
        ids, values = top_k(scores, k)
        ids[np.isneginf(values)] = -1
        return ids, values

    def recommend(
        self, users: np.ndarray, k: int, *, exclude: sp.csr_matrix | None = None
    ) -> tuple[IntMatrix, FloatMatrix]:
        """Top-`k` items for rows of the fitted matrix; `exclude` (batch x items) defaults to those rows."""
        histories = self.interactions[users]
        return self.recommend_histories(histories, k, exclude=histories if exclude is None else exclude)

    def params(self) -> dict[str, Any]:
        """The hyper-parameters this instance was built with."""
        return {}


def as_interactions(matrix: sp.spmatrix | sp.sparray) -> sp.csr_matrix:
    """A canonical binary float32 CSR copy: duplicates merged, every stored positive value set to 1."""
    csr = sp.csr_matrix(matrix, dtype=np.float32, copy=True)
    csr.sum_duplicates()
    csr.data = (csr.data > 0).astype(np.float32)
    csr.eliminate_zeros()
    return csr


def mask_items(scores: FloatMatrix, exclude: sp.csr_matrix) -> None:
    """Set, in place, the score of every (row, item) present in `exclude` to -inf."""
    exclude = sp.csr_matrix(exclude)
    rows = np.repeat(np.arange(exclude.shape[0]), np.diff(exclude.indptr))
    scores[rows, exclude.indices] = -np.inf


def top_k(scores: FloatMatrix, k: int) -> tuple[IntMatrix, FloatMatrix]:
    """Indices and values of the `k` largest scores per row, best first; ties go to the lower item id."""
    k = min(k, scores.shape[1])
    part = np.argpartition(-scores, k - 1, axis=1)[:, :k]
    kth = np.take_along_axis(scores, part, axis=1).min(axis=1, keepdims=True)
    above = scores > kth
    # argpartition picks arbitrarily among items tied at the k-th score; take the lowest ids instead.
    tied = scores == kth
    needed = k - above.sum(axis=1, keepdims=True)
    chosen = above | (tied & (np.cumsum(tied, axis=1) <= needed))
    ids = np.nonzero(chosen)[1].reshape(scores.shape[0], k).astype(np.int64)
    values = np.take_along_axis(scores, ids, axis=1)
    order = np.lexsort((ids, -values), axis=1)
    ranked_values = np.take_along_axis(values, order, axis=1).astype(np.float32)
    return np.take_along_axis(ids, order, axis=1), ranked_values
