"""The `clipshop` command: the recommendation tools load only when asked for."""

from __future__ import annotations

import json
import random
import subprocess
import sys
from pathlib import Path

from typer.testing import CliRunner

from clipshop.cli import app


def test_the_server_command_does_not_load_the_model_libraries() -> None:
    heavy = "('numpy', 'scipy', 'implicit', 'av')"
    code = f"import sys, clipshop.cli; print(sorted(m for m in {heavy} if m in sys.modules))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"


def test_recs_evaluate_runs_through_the_main_command(tmp_path: Path) -> None:
    # A small data set in MovieLens's `u.data` format (user, item, rating, time), so the command's wiring is
    # tested wherever the checkout sits; the real data sets are evaluated in tests/feed.
    rng = random.Random(5)
    rows = [f"{u}\t{rng.randint(1, 60)}\t4\t{1000 + n}" for u in range(1, 41) for n in range(20)]
    (tmp_path / "movielens-100k").mkdir()
    (tmp_path / "movielens-100k" / "u.data").write_text("\n".join(rows) + "\n")
    result = CliRunner().invoke(
        app,
        [
            "recs",
            "evaluate",
            "--dataset",
            "movielens-100k",
            "--models",
            "popularity",
            "--json",
            "--data-root",
            str(tmp_path),
        ],
    )
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout.strip().splitlines()[-1])
    assert report["dataset"] == "movielens-100k" and list(report["models"]) == ["popularity"]
    assert 0 < report["models"]["popularity"]["recall@20"] < 1
