"""Metrics on hand-computed examples, masking, and the data set loaders."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pytest
import scipy.sparse as sp

from clipshop.feed.learning.catalogue import Popularity, mask_items, top_k
from clipshop.feed.learning.evaluation import (
    evaluate,
    load_movielens_100k,
    ranking_metrics,
    resolve_data_root,
)


def targets(rows: list[list[int]], n_items: int) -> sp.csr_matrix:
    data = [(user, item) for user, items in enumerate(rows) for item in items]
    users, items = zip(*data, strict=True) if data else ((), ())
    return sp.csr_matrix((np.ones(len(data), dtype=np.float32), (users, items)), shape=(len(rows), n_items))


def test_metrics_match_hand_computed_values() -> None:
    # user 0: targets {1, 5}, hits at ranks 1 and 3 of 4; user 1: target {9}, no hit; user 2: no targets.
    ranked = np.array([[1, 2, 5, 3], [0, 1, 2, 3], [4, 5, 6, 7]])
    metrics = ranking_metrics(ranked, targets([[1, 5], [9], []], 10), n_items=10, k=4)
    dcg = 1 + 1 / math.log2(4)
    ideal = 1 + 1 / math.log2(3)
    assert metrics.users == 2
    assert metrics.recall == pytest.approx((2 / 2 + 0) / 2)
    assert metrics.precision == pytest.approx((2 / 4 + 0) / 2)
    assert metrics.ndcg == pytest.approx((dcg / ideal + 0) / 2)
    # NGCF-style NDCG normalises by the two hits found: same ideal here, so the same value.
    assert metrics.ndcg_ngcf == pytest.approx((dcg / ideal + 0) / 2)
    assert metrics.coverage == pytest.approx(8 / 10)


def test_ndcg_ideal_uses_all_held_out_items_but_ngcf_only_the_hits() -> None:
    ranked = np.array([[7, 0, 1]])
    metrics = ranking_metrics(ranked, targets([[7, 8, 9]], 10), n_items=10, k=3)
    assert metrics.recall == pytest.approx(1 / 3)
    assert metrics.precision == pytest.approx(1 / 3)
    assert metrics.ndcg == pytest.approx(1 / (1 + 1 / math.log2(3) + 1 / 2))
    assert metrics.ndcg_ngcf == pytest.approx(1.0)


def test_top_k_sorts_best_first_and_breaks_ties_by_item_id() -> None:
    scores = np.array([[0.1, 0.9, 0.5, 0.9, 0.0]], dtype=np.float32)
    ids, values = top_k(scores, 3)
    assert ids.tolist() == [[1, 3, 2]]
    assert values[0].tolist() == pytest.approx([0.9, 0.9, 0.5])


def test_masked_train_items_are_never_recommended() -> None:
    train = targets([[0, 1, 2], [2], [0, 1, 2, 3]], 6)
    model = Popularity().fit(train)
    ids, _ = model.recommend(np.arange(3), 3)
    assert ids.tolist() == [[3, 4, 5], [0, 1, 3], [4, 5, -1]]
    scores = model.score_histories(train)
    mask_items(scores, train)
    assert np.isneginf(scores[2, :4]).all() and np.isfinite(scores[2, 4:]).all()


def test_evaluate_masks_train_items_and_skips_users_without_targets() -> None:
    train = targets([[0, 1], [0], [1]], 4)
    held_out = targets([[2], [], [0]], 4)
    metrics = evaluate(Popularity().fit(train), history=train, targets=held_out, k=1)
    # popularity order 0, 1, then 2, 3 (tie broken by id): user 0 gets item 2 (hit), user 2 gets 0 (hit).
    assert metrics.users == 2
    assert metrics.recall == pytest.approx(1.0)


def test_movielens_split_is_per_user_temporal(tmp_path: Path) -> None:
    folder = tmp_path / "movielens-100k"
    folder.mkdir()
    # user 1 has 10 ratings at times 1..10, user 2 has 3.
    lines = [f"1\t{item}\t4\t{item}" for item in range(1, 11)] + ["2\t1\t3\t5", "2\t2\t3\t1", "2\t3\t3\t9"]
    (folder / "u.data").write_text("\n".join(lines) + "\n")
    split = load_movielens_100k(tmp_path)
    assert split.train[0].indices.tolist() == list(range(8))
    assert split.val[0].indices.tolist() == [8]
    assert split.test[0].indices.tolist() == [9]
    assert split.train[1].indices.tolist() == [1]
    assert split.val[1].indices.tolist() == [0]
    assert split.test[1].indices.tolist() == [2]


def test_data_root_prefers_the_option_then_the_environment(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("CLIPSHOP_DATASETS", str(tmp_path / "env"))
    assert resolve_data_root(tmp_path / "given") == tmp_path / "given"
    assert resolve_data_root() == tmp_path / "env"
