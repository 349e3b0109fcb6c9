"""Fixtures for the feed model tests: a small synthetic data set with planted item clusters."""

from __future__ import annotations

import numpy as np
import pytest
import scipy.sparse as sp

from clipshop.feed.learning.evaluation import Split


def planted_split(*, users: int = 600, items: int = 300, clusters: int = 6, seed: int = 0) -> Split:
    """Each user likes one item cluster: 8 train and 2 test items drawn from it, plus one random item."""
    rng = np.random.default_rng(seed)
    size = items // clusters
    train_rows: list[int] = []
    train_cols: list[int] = []
    test_rows: list[int] = []
    test_cols: list[int] = []
    for user in range(users):
        cluster = user % clusters
        chosen = rng.choice(size, 10, replace=False) + cluster * size
        train_rows += [user] * 9
        train_cols += [*chosen[:8].tolist(), int(rng.integers(items))]
        test_rows += [user] * 2
        test_cols += chosen[8:].tolist()

    def matrix(rows: list[int], cols: list[int]) -> sp.csr_matrix:
        data = np.ones(len(rows), dtype=np.float32)
        out = sp.csr_matrix((data, (rows, cols)), shape=(users, items))
        out.data[:] = 1.0
        return out

    train = matrix(train_rows, train_cols)
    test = matrix(test_rows, test_cols)
    test = sp.csr_matrix(test - test.multiply(train))
    test.eliminate_zeros()
    return Split("planted", train, test, test, "planted clusters")


@pytest.fixture(scope="session")
def planted() -> Split:
    """The planted-cluster split (val and test are the same held-out items)."""
    return planted_split()
