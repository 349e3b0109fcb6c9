"""Every model learns planted structure; the production ranker's serving decomposition is exact."""

from __future__ import annotations

import numpy as np
import pytest
import scipy.sparse as sp

from clipshop.feed.learning.base import Recommender
from clipshop.feed.learning.catalogue import (
    ALS,
    EASE,
    HybridRanker,
    ItemKNN,
    LowRankEASE,
    Popularity,
    RP3Beta,
    build_model,
)
from clipshop.feed.learning.evaluation import Split, evaluate, tune, tune_fusion_weights

SMALL_PRODUCTION = {
    "lowrank_ease": {"rank": 64},
    "als": {"factors": 32, "iterations": 5},
}


def models() -> list[Recommender]:
    return [
        ItemKNN(neighbours=50),
        RP3Beta(neighbours=50),
        ALS(factors=32, regularization=1.0, iterations=10),
        LowRankEASE(rank=64, l2=50.0),
        EASE(l2=50.0),
        HybridRanker(**SMALL_PRODUCTION),
    ]


def test_popularity_baseline_is_weak_on_planted_clusters(planted: Split) -> None:
    metrics = evaluate(Popularity().fit(planted.train), history=planted.train, targets=planted.test)
    assert metrics.recall < 0.15


@pytest.mark.parametrize("model", models(), ids=lambda model: model.name)
def test_model_finds_the_planted_clusters(planted: Split, model: Recommender) -> None:
    popularity = evaluate(Popularity().fit(planted.train), history=planted.train, targets=planted.test)
    metrics = evaluate(model.fit(planted.train), history=planted.train, targets=planted.test)
    # 20 slots for 2 held-out items among the 42 unseen of the user's cluster: 20/42 if all are in-cluster.
    assert metrics.recall > 0.4
    assert metrics.recall > 3 * popularity.recall
    ids, _ = model.recommend(np.arange(60), 20)
    clusters = np.arange(60) % 6
    assert (ids // 50 == clusters[:, None]).mean() > 0.8


def test_production_scores_decompose_into_vectors_and_neighbours(planted: Split) -> None:
    model = HybridRanker(**SMALL_PRODUCTION).fit(planted.train)
    histories = planted.train[:50]
    full = model.score_histories(histories)
    vectors = model.user_vectors(histories) @ model.item_vectors().T
    assert np.allclose(vectors + model.neighbour_scores(histories).toarray(), full, atol=1e-4)
    candidates = np.argsort(-full, axis=1)[:, :30]
    expected = np.take_along_axis(full, candidates, axis=1)
    assert np.allclose(model.score_items(histories, candidates), expected, atol=1e-4)


def test_new_histories_are_served_without_refitting(planted: Split) -> None:
    model = HybridRanker(**SMALL_PRODUCTION).fit(planted.train)
    # A brand-new user who liked three items of cluster 2 (items 100..149).
    history = sp.csr_matrix((np.ones(3, dtype=np.float32), ([0, 0, 0], [100, 101, 102])), shape=(1, 300))
    ids, _ = model.recommend_histories(history, 10, exclude=history)
    assert all(100 <= item < 150 for item in ids[0].tolist())


def test_als_fold_in_matches_the_least_squares_user_step(planted: Split) -> None:
    model = ALS(factors=16, regularization=2.0, alpha=5.0, iterations=3).fit(planted.train)
    items = model.item_vectors().astype(np.float64)
    history = planted.train[:3]
    folded = model.user_vectors(history)
    for row in range(3):
        liked = history[row].indices
        normal = items.T @ items + 2.0 * np.eye(16) + 4.0 * items[liked].T @ items[liked]
        exact = np.linalg.solve(normal, 5.0 * items[liked].sum(axis=0))
        assert np.allclose(folded[row], exact, rtol=1e-3, atol=1e-5)


def test_tune_picks_the_best_val_point_and_never_reads_test(planted: Split) -> None:
    unseen = Split("planted", planted.train, planted.val, sp.csr_matrix(planted.test.shape), "")
    result = tune(lambda **point: RP3Beta(**point), {"neighbours": [1, 50]}, unseen)
    assert result.best_params == {"neighbours": 50}
    assert len(result.trials) == 2


def test_fusion_weight_search_keeps_the_best_val_weights(planted: Split) -> None:
    model = HybridRanker(**SMALL_PRODUCTION).fit(planted.train)
    result = tune_fusion_weights(model, planted, steps=(0.5,), rounds=1)
    assert result.best.recall >= result.trials[0][1].recall
    assert model.weights == result.best_params["weights"]


def test_unknown_model_name_is_refused() -> None:
    with pytest.raises(ValueError, match="unknown model"):
        build_model("deep-magic")
