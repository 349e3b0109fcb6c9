"""`clipshop recs`: train the regions' feed models now, and evaluate the recommendation models offline."""

from __future__ import annotations

import json
import os
import time
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from clipshop.cli import migrate_databases
from clipshop.config import Settings
from clipshop.feed.learning.catalogue import MODEL_NAMES
from clipshop.feed.learning.evaluation import (
    DATASETS,
    PUBLISHED,
    EvaluationProgress,
    ModelReport,
    evaluate_model,
    load_dataset,
)

recs_app = typer.Typer(
    help="Recommendation models of the feed: train each region's model, evaluate offline on public data sets."
)


@recs_app.callback()
def recs() -> None:
    """Recommendation models of the feed."""


class RichProgress(EvaluationProgress):
    """Shows each evaluation stage as a rich progress bar."""

    def __init__(self, progress: Progress) -> None:
        self.progress = progress
        self.task: Any = None

    def stage(self, description: str, total: int) -> None:
        """Replace the bar with one for the new stage."""
        if self.task is not None:
            self.progress.remove_task(self.task)
        self.task = self.progress.add_task(description, total=total)

    def advance(self, units: int = 1) -> None:
        """Move the current bar."""
        if self.task is not None:
            self.progress.advance(self.task, units)


def _results_table(dataset: str, reports: list[ModelReport]) -> Table:
    table = Table(title=f"{dataset}: fit on train, all items ranked, train items masked (@20)")
    headers = ("model", "fit s", "val R", "val N", "test R", "test P", "test N", "N ngcf", "cover")
    table.add_column(headers[0], no_wrap=True)
    for header in headers[1:]:
        table.add_column(header, justify="right")
    for report in reports:
        val, test = report.val, report.test
        table.add_row(
            report.name,
            f"{report.fit_seconds:.1f}",
            *(f"{value:.4f}" for value in (val.recall, val.ndcg, test.recall, test.precision, test.ndcg)),
            f"{test.ndcg_ngcf:.4f}",
            f"{test.coverage:.3f}",
        )
    for published in PUBLISHED.get(dataset, ()):
        table.add_row(
            f"[dim]{published.model}*[/dim]",
            "",
            "",
            "",
            f"{published.recall:.4f}",
            f"{published.precision:.4f}",
            "",
            f"{published.ndcg:.4f}",
            "",
        )
    return table


def _print_legend(console: Console, dataset: str, reports: list[ModelReport]) -> None:
    console.print("R = Recall, P = Precision, N = NDCG (ideal DCG over min(|test|, 20) held-out items),")
    console.print("N ngcf = NDCG as LATTICE/MMSSL code computes it (ideal DCG over the hits retrieved).")
    for published in PUBLISHED.get(dataset, ()):
        console.print(f"* {published.model}: published, {published.note}")
    for report in reports:
        console.print(f"{report.name} ({report.params_source}): {json.dumps(report.params, sort_keys=True)}")


@recs_app.command()
def evaluate(
    dataset: Annotated[str, typer.Option(help=f"One of: {', '.join(DATASETS)}.")] = "amazon-baby",
    data_root: Annotated[
        Path | None,
        typer.Option(help="Data sets folder (default: $CLIPSHOP_DATASETS, else ../shared/data)."),
    ] = None,
    models: Annotated[str, typer.Option(help=f"Comma-separated, from: {', '.join(MODEL_NAMES)}.")] = ",".join(
        MODEL_NAMES
    ),
    as_json: Annotated[bool, typer.Option("--json", help="Print one JSON object as the last line.")] = False,
    tune: Annotated[
        bool,
        typer.Option(help="Search hyper-parameters on val now instead of using the stored val-search ones."),
    ] = False,
) -> None:
    """Fit on train, optionally tune on val, and report Recall/Precision/NDCG@20 and coverage."""
    if dataset not in DATASETS:
        raise typer.BadParameter(f"unknown data set {dataset!r}; choose one of {', '.join(DATASETS)}")
    names = [name.strip() for name in models.split(",") if name.strip()]
    unknown = [name for name in names if name not in MODEL_NAMES]
    if unknown:
        choices = ", ".join(MODEL_NAMES)
        raise typer.BadParameter(f"unknown model(s) {', '.join(unknown)}; choose from {choices}")
    # Two cores shared with other work: keep BLAS from oversubscribing them.
    os.environ.setdefault("OPENBLAS_NUM_THREADS", "2")
    console = Console(stderr=as_json)
    # Nine numeric columns need ~100 characters; pipes and CI logs report a narrow 80.
    console.width = max(console.width, 104)
    started = time.perf_counter()
    try:
        split = load_dataset(dataset, data_root)
    except FileNotFoundError as error:
        raise typer.BadParameter(
            f"{error}. Point --data-root (or $CLIPSHOP_DATASETS) at the folder holding the data sets."
        ) from error
    console.print(
        f"{split.description}: {split.n_users} users, {split.n_items} items, "
        f"{split.train.nnz} train / {split.val.nnz} val / {split.test.nnz} test interactions"
    )
    reports: list[ModelReport] = []
    columns = (TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn())
    with Progress(*columns, console=console, transient=True) as progress:
        hooks = RichProgress(progress)
        for name in names:
            reports.append(evaluate_model(name, split, search=tune, progress=hooks))
    console.print(_results_table(dataset, reports))
    _print_legend(console, dataset, reports)
    console.print(f"total {time.perf_counter() - started:.0f}s")
    if as_json:
        payload = {"dataset": dataset, "models": {report.name: report.test.as_json() for report in reports}}
        typer.echo(json.dumps(payload))


@recs_app.command()
def train(
    region: Annotated[
        list[str] | None, typer.Option(help="Region to train (repeat for several; default: every region).")
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print one JSON object as the last line.")] = False,
) -> None:
    """Retrain the For You model of each region on that region's events (what the scheduled job runs)."""
    from clipshop.assembly import build_platform  # every domain's jobs: only when training
    from clipshop.feed.learning.training import retrain

    settings = Settings()
    unknown = sorted(set(region or ()) - set(settings.regions))
    if unknown:
        raise typer.BadParameter(
            f"unknown region(s) {', '.join(unknown)}; choose from {', '.join(settings.regions)}"
        )
    migrate_databases(settings)
    platform = build_platform(settings)
    console = Console(stderr=as_json)
    reports: dict[str, Any] = {}
    try:
        columns = (TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn())
        with Progress(*columns, console=console, transient=True) as progress:
            regions = list(region or settings.regions)
            bar = progress.add_task("regions", total=len(regions))
            for name in regions:

                def say(step: str, name: str = name) -> None:
                    progress.update(bar, description=f"{name}: {step}")

                reports[name] = retrain(platform, name, progress=say)
                progress.advance(bar)
    finally:
        platform.close()
    table = Table(title="For You models")
    for header in (
        "region",
        "viewers",
        "videos",
        "interactions",
        "ranker samples",
        "learned heads",
        "seconds",
    ):
        table.add_column(header, justify="left" if header in ("region", "learned heads") else "right")
    for name, report in reports.items():
        table.add_row(
            name,
            f"{report['users']:,}",
            f"{report['items']:,}",
            f"{report['interactions']:,}",
            f"{report['ranker_samples']:,}",
            ", ".join(report["ranker_learned"]) or "prior",
            f"{report['seconds']:.1f}",
        )
    console.print(table)
    if as_json:
        typer.echo(json.dumps(reports))
