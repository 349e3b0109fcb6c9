"""The production ranker fits a 200,000-item catalogue without any items x items dense matrix."""

from __future__ import annotations

import tracemalloc

import numpy as np
import scipy.sparse as sp

from clipshop.feed.learning.catalogue import HybridRanker


def test_production_fits_200k_items_in_bounded_memory() -> None:
    rng = np.random.default_rng(0)
    users, items, per_user = 10_000, 200_000, 15
    rows = np.repeat(np.arange(users), per_user)
    # Zipf-like popularity, as real catalogues have: a few items are in many histories.
    cols = np.minimum(rng.zipf(1.3, rows.size) - 1, items - 1)
    cols = (cols * 7_919 + rows % 97) % items
    interactions = sp.csr_matrix((np.ones(rows.size, dtype=np.float32), (rows, cols)), shape=(users, items))
    model = HybridRanker(lowrank_ease={"rank": 32}, als={"factors": 16, "iterations": 3})
    tracemalloc.start()
    model.fit(interactions)
    ids, _ = model.recommend(np.arange(8), 20)
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    # A dense items x items float32 matrix alone would be 160 GB; the model stays far below 1 GB.
    assert peak < 1_000_000_000
    assert ids.shape == (8, 20)
    assert model.item_vectors().shape[0] == items
