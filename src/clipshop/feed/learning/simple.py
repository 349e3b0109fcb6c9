"""Baselines: most-popular items, and EASE (dense: an accuracy reference for small catalogues only)."""

from __future__ import annotations

from typing import Any

import numpy as np
import scipy.sparse as sp

from clipshop.feed.learning.base import FloatMatrix, FloatVector, Recommender


class Popularity(Recommender):
    """Every user gets the items with the most interactions."""

    name = "popularity"

    def __init__(self) -> None:
        super().__init__()
        self._counts: FloatVector | None = None

    def _fit(self, interactions: sp.csr_matrix) -> None:
        self._counts = np.asarray(interactions.sum(axis=0), dtype=np.float32).ravel()

    def item_prior(self) -> FloatVector:
        """log(1 + interaction count) per item, the form the fused ranker adds."""
        if self._counts is None:
            raise RuntimeError("popularity has not been fitted")
        return np.log1p(self._counts).astype(np.float32)

    def score_histories(self, histories: sp.csr_matrix) -> FloatMatrix:
        """The same popularity scores for every row."""
        return np.tile(self.item_prior(), (histories.shape[0], 1))


class EASE(Recommender):
    """Steck, "Embarrassingly Shallow Autoencoders for Sparse Data" (WWW 2019): closed-form item regression.

    Holds a dense items x items matrix, so it is only a reference point offline; the feed serves
    `LowRankEASE` inside the fused ranker instead.
    """

    name = "ease"

    def __init__(self, *, l2: float = 500.0) -> None:
        super().__init__()
        self.l2 = l2
        self._weights: np.ndarray | None = None

    def params(self) -> dict[str, Any]:
        """Hyper-parameters."""
        return {"l2": self.l2}

    def _fit(self, interactions: sp.csr_matrix) -> None:
        gram = np.asarray((interactions.T @ interactions).toarray(), dtype=np.float64)
        gram[np.diag_indices_from(gram)] += self.l2
        precision = np.linalg.inv(gram)
        weights = precision / -np.diag(precision)
        weights[np.diag_indices_from(weights)] = 0.0
        self._weights = weights.astype(np.float32)

    def score_histories(self, histories: sp.csr_matrix) -> FloatMatrix:
        """Dense scores for every item."""
        if self._weights is None:
            raise RuntimeError("ease has not been fitted")
        return np.asarray(histories @ self._weights, dtype=np.float32)
