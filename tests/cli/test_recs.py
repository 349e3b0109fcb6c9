"""`clipshop recs evaluate`: the JSON report, on a tiny data set and on the real MovieLens 100K."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from typer.testing import CliRunner

from clipshop.cli.recs import recs_app
from clipshop.feed.learning.evaluation import resolve_data_root

KEYS = {"recall@20", "precision@20", "ndcg@20", "coverage"}


def write_amazon_layout(root: Path) -> None:
    """A 200-user, 60-item data set in the layout of the LATTICE/MMSSL Amazon-Baby split."""
    rng = np.random.default_rng(1)
    folder = root / "amazon-baby-5core"
    folder.mkdir(parents=True)
    parts: dict[str, dict[str, list[int]]] = {"train": {}, "val": {}, "test": {}}
    for user in range(200):
        items = (rng.choice(20, 7, replace=False) + 20 * (user % 3)).tolist()
        parts["train"][str(user)], parts["val"][str(user)], parts["test"][str(user)] = (
            items[:5],
            [items[5]],
            [items[6]],
        )
    for name, part in parts.items():
        (folder / f"{name}.json").write_text(json.dumps(part))


def test_json_report_is_the_last_line(tmp_path: Path) -> None:
    write_amazon_layout(tmp_path)
    args = ["evaluate", "--dataset", "amazon-baby", "--data-root", str(tmp_path), "--json"]
    result = CliRunner().invoke(recs_app, [*args, "--models", "popularity,itemknn,production"])
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout.strip().splitlines()[-1])
    assert report["dataset"] == "amazon-baby"
    assert list(report["models"]) == ["popularity", "itemknn", "production"]
    for metrics in report["models"].values():
        assert set(metrics) == KEYS
        assert all(0.0 <= value <= 1.0 for value in metrics.values())


def test_unknown_model_is_an_actionable_error(tmp_path: Path) -> None:
    write_amazon_layout(tmp_path)
    args = ["evaluate", "--data-root", str(tmp_path), "--models", "popularity,deep-magic"]
    result = CliRunner().invoke(recs_app, args)
    assert result.exit_code != 0
    assert "deep-magic" in result.output


@pytest.mark.skipif(
    not (resolve_data_root() / "movielens-100k" / "u.data").is_file(), reason="MovieLens 100K not found"
)
def test_movielens_100k_production_beats_popularity() -> None:
    args = ["evaluate", "--dataset", "movielens-100k", "--models", "popularity,production", "--json"]
    result = CliRunner().invoke(recs_app, args)
    assert result.exit_code == 0, result.output
    models = json.loads(result.stdout.strip().splitlines()[-1])["models"]
    assert models["production"]["recall@20"] > 1.4 * models["popularity"]["recall@20"]
    assert models["production"]["coverage"] > models["popularity"]["coverage"]
