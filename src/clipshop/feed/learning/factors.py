"""Low-rank models whose scores are dot products of a user vector and item vectors (ANN-servable).

`ALS` wraps implicit's alternating least squares; `LowRankEASE` is EASE's closed form computed on a
randomized rank-r eigendecomposition of the item Gram matrix, so memory is O(items x rank).
"""

from __future__ import annotations

from typing import Any

import numpy as np
import scipy.sparse as sp

from clipshop.feed.learning.base import FloatMatrix, Recommender

FACTOR_BATCH = 128


def padded_histories(histories: sp.csr_matrix) -> tuple[np.ndarray, np.ndarray]:
    """Item ids of each row padded to the longest row, and a 0/1 mask of the real entries."""
    lengths = np.diff(histories.indptr)
    width = max(int(lengths.max(initial=0)), 1)
    positions = np.arange(width)[None, :]
    mask = positions < lengths[:, None]
    ids = np.zeros((histories.shape[0], width), dtype=np.int64)
    ids[mask] = histories.indices
    return ids, mask.astype(np.float64)


class FactorRecommender(Recommender):
    """A model with item vectors and a user-vector function: score = user_vectors(h) @ item_vectors().T."""

    def _item_vectors(self) -> np.ndarray:
        raise NotImplementedError

    def item_vectors(self) -> FloatMatrix:
        """Items x dim vectors, the ones an ANN index is built on."""
        return np.asarray(self._item_vectors(), dtype=np.float32)

    def user_vectors(self, histories: sp.csr_matrix) -> FloatMatrix:
        """Batch x dim query vectors, computed from the histories alone (no refit needed for new users)."""
        raise NotImplementedError

    def score_histories(self, histories: sp.csr_matrix) -> FloatMatrix:
        """Dense scores for every item."""
        return np.asarray(self.user_vectors(histories) @ self.item_vectors().T, dtype=np.float32)


class ALS(FactorRecommender):
    """Implicit-feedback matrix factorisation (Hu, Koren, Volinsky 2008) trained with implicit's CPU ALS.

    Users are folded in exactly from their history (the ALS user step, solved in closed form with the
    Woodbury identity), so the feed scores a user whose history changed since training.
    """

    name = "als"

    def __init__(
        self,
        *,
        factors: int = 256,
        regularization: float = 100.0,
        alpha: float = 20.0,
        iterations: int = 15,
        threads: int = 2,
        seed: int = 0,
    ) -> None:
        super().__init__()
        self.factors = factors
        self.regularization = regularization
        self.alpha = alpha
        self.iterations = iterations
        self.threads = threads
        self.seed = seed
        self._items: np.ndarray | None = None
        self._solved: np.ndarray | None = None
        self._gram: np.ndarray | None = None

    def params(self) -> dict[str, Any]:
        """Hyper-parameters."""
        return {
            "factors": self.factors,
            "regularization": self.regularization,
            "alpha": self.alpha,
            "iterations": self.iterations,
        }

    def _fit(self, interactions: sp.csr_matrix) -> None:
        # Servers unpickle this model to query it, never to fit: implicit loads only in a fit.
        from implicit.cpu.als import AlternatingLeastSquares
        from threadpoolctl import threadpool_limits

        # implicit warns (and runs slower) when BLAS threads compete with its own threads; it checks
        # when the model is built, so both steps run under the limit.
        with threadpool_limits(1, "blas"):
            model = AlternatingLeastSquares(
                factors=self.factors,
                regularization=self.regularization,
                alpha=self.alpha,
                iterations=self.iterations,
                num_threads=self.threads,
                random_state=self.seed,
                calculate_training_loss=False,
            )
            model.fit(interactions, show_progress=False)
        items = np.asarray(model.item_factors, dtype=np.float64)
        gram = items.T @ items + self.regularization * np.eye(items.shape[1])
        self._items, self._gram = items, gram
        self._solved = np.linalg.solve(gram, items.T).T

    def _item_vectors(self) -> np.ndarray:
        if self._items is None:
            raise RuntimeError("als has not been fitted")
        return self._items

    def user_vectors(self, histories: sp.csr_matrix) -> FloatMatrix:
        """Exact ALS user factors for each history row."""
        items, solved = self._item_vectors(), self._solved
        assert solved is not None
        extra = self.alpha - 1.0  # confidence is alpha per interaction; (c - 1) enters the normal matrix
        # Y'Y + lambda I is fixed by training: computed once, not per request (it costs O(items x f^2)).
        base = self._gram
        assert base is not None
        out = np.empty((histories.shape[0], items.shape[1]), dtype=np.float32)
        for start in range(0, histories.shape[0], FACTOR_BATCH):
            ids, mask = padded_histories(histories[start : start + FACTOR_BATCH])
            mine, mine_solved = items[ids] * mask[..., None], solved[ids] * mask[..., None]
            if ids.shape[1] > items.shape[1] // 2:
                # Long histories: the factors x factors normal equations are the smaller system.
                normal = base[None] + extra * (mine.transpose(0, 2, 1) @ mine)
                rhs = self.alpha * mine.sum(axis=1)
                vectors = np.linalg.solve(normal, rhs[..., None])[..., 0]
            else:
                # Short histories: Woodbury, x = c K^-1 Y'1 - w K^-1 Y' (I + w Y K^-1 Y')^-1 c Y K^-1 Y'1.
                inner = mine @ mine_solved.transpose(0, 2, 1)
                system = np.eye(ids.shape[1])[None] + extra * inner
                rhs = self.alpha * inner.sum(axis=2)
                correction = np.linalg.solve(system, rhs[..., None])[..., 0]
                spread = (mine_solved.transpose(0, 2, 1) @ correction[..., None])[..., 0]
                vectors = self.alpha * mine_solved.sum(axis=1) - extra * spread
            out[start : start + ids.shape[0]] = vectors
        return out


def randomized_gram_eigens(
    interactions: sp.csr_matrix, rank: int, *, oversample: int = 64, power_iterations: int = 3, seed: int = 0
) -> tuple[np.ndarray, np.ndarray]:
    """Top-`rank` eigenvalues and item eigenvectors of X'X without forming it (Halko et al. 2011)."""
    n_items = int(interactions.shape[1])
    width = min(rank + oversample, n_items)
    rng = np.random.default_rng(seed)
    x = sp.csr_matrix(interactions, dtype=np.float32)
    xt = sp.csr_matrix(x.T)
    basis = np.asarray(rng.standard_normal((n_items, width)), dtype=np.float32)
    for _ in range(power_iterations + 1):
        # Re-orthonormalising every pass keeps the small eigen-directions from being lost to round-off.
        basis = np.linalg.qr(np.asarray(xt @ (x @ basis), dtype=np.float32))[0]
    projected = np.asarray(x @ basis, dtype=np.float64)
    values, vectors = np.linalg.eigh(projected.T @ projected)
    order = np.argsort(values)[::-1][:rank]
    return values[order], np.asarray(basis @ vectors[:, order].astype(np.float32), dtype=np.float64)


class LowRankEASE(FactorRecommender):
    """EASE on a rank-`rank` eigendecomposition G ~ V diag(w) V' of the item Gram matrix.

    (G + l2 I)^-1 = I/l2 + V diag(1/(w+l2) - 1/l2) V' exactly on that approximation, so EASE's
    B = I - P diagMat(1/diag(P)) needs only V and diag(P). `hop2` adds the same operator applied a
    second time (a two-hop propagation), which lifts accuracy on sparse data at no serving cost.
    """

    name = "lowrank_ease"

    def __init__(self, *, rank: int = 1024, l2: float = 500.0, hop2: float = 0.5, seed: int = 0) -> None:
        super().__init__()
        self.rank = rank
        self.l2 = l2
        self.hop2 = hop2
        self.seed = seed
        self._basis: np.ndarray | None = None
        self._items: np.ndarray | None = None
        self._shrink: np.ndarray | None = None
        self._hop: np.ndarray | None = None
        self._scales = (1.0, 1.0)

    def params(self) -> dict[str, Any]:
        """Hyper-parameters."""
        return {"rank": self.rank, "l2": self.l2, "hop2": self.hop2}

    def _fit(self, interactions: sp.csr_matrix) -> None:
        values, basis = randomized_gram_eigens(interactions, self.rank, seed=self.seed)
        shrink = 1.0 / (values + self.l2) - 1.0 / self.l2
        precision_diagonal = 1.0 / self.l2 + (basis**2) @ shrink
        items = basis / precision_diagonal[:, None]
        self._hop = basis.T @ items
        # float32 halves the O(items x rank) footprint: 4 GB at a million items and rank 1024.
        self._basis, self._items, self._shrink = basis.astype(np.float32), items.astype(np.float32), shrink
        self._scales = (1.0, 1.0)
        sample = interactions[: min(interactions.shape[0], 512)]
        first, second = self._hop_vectors(sample)
        self._scales = (_dot_scale(first, items), _dot_scale(second, items))

    def _item_vectors(self) -> np.ndarray:
        if self._items is None:
            raise RuntimeError("lowrank_ease has not been fitted")
        return self._items

    def _hop_vectors(self, histories: sp.csr_matrix) -> tuple[np.ndarray, np.ndarray]:
        assert self._basis is not None and self._shrink is not None and self._hop is not None
        projected = np.asarray(histories @ self._basis) * self._shrink
        return -projected, (projected @ self._hop) * self._shrink

    def user_vectors(self, histories: sp.csr_matrix) -> FloatMatrix:
        """One-hop EASE query plus `hop2` times the two-hop query, each scaled to unit score spread."""
        self._item_vectors()
        first, second = self._hop_vectors(histories)
        vectors = first / self._scales[0] + self.hop2 * second / self._scales[1]
        return np.asarray(vectors, dtype=np.float32)


def _dot_scale(queries: np.ndarray, items: np.ndarray) -> float:
    """Standard deviation of all query x item dot products, computed in O(dim^2) without the products."""
    total = items.sum(axis=0)
    second_moment = items.T @ items
    count = queries.shape[0] * items.shape[0]
    mean = float((queries @ total).sum()) / count
    mean_square = float(np.einsum("bf,fg,bg->", queries, second_moment, queries)) / count
    return max(float(np.sqrt(max(mean_square - mean * mean, 0.0))), 1e-12)
