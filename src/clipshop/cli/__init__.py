"""The `clipshop` command: serve, migrate, seed demo data, run workers, reconcile.

Each command imports what it runs inside its own body, so `clipshop migrate` or `--help` never loads the
app, numpy or PyAV."""

from __future__ import annotations

import copy
import dataclasses
import json
import logging
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from clipshop.cli.audit import audit_app
from clipshop.cli.media import media_app
from clipshop.cli.region import region_app
from clipshop.cli.staff import staff_app
from clipshop.config import Settings

app = typer.Typer(
    help="Clipshop: a shoppable short-video platform with data residency by design.", no_args_is_help=True
)
console = Console()


def _progress() -> Progress:
    return Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=console,
    )


def migrate_databases(settings: Settings) -> None:
    """Every database to the latest schema, and the sandbox processor's tables made: made here, once, before
    any app or worker process starts, they are never made by several processes at once."""
    from clipshop.kit.db import Databases, make_engine
    from clipshop.migrations import migrate_all
    from clipshop.payments.sandbox import SandboxBase

    sandbox = make_engine(settings.sandbox_database_url(), pool=False)
    try:
        SandboxBase.metadata.create_all(sandbox)
    finally:
        sandbox.dispose()

    databases = Databases(
        directory_url=settings.directory_database_url(),
        region_urls={name: settings.region_database_url(name) for name in settings.regions},
    )
    try:
        with _progress() as progress:
            task = progress.add_task("Migrating databases", total=1 + len(settings.regions))
            migrate_all(
                databases.directory_engine,
                databases.region_engines,
                on_step=lambda _name: progress.advance(task),
            )
    finally:
        databases.dispose()
    move_feed_models_into_stores(settings)


def move_feed_models_into_stores(settings: Settings) -> None:
    """Feed models left where earlier versions kept them (`data_dir/models/<region>/`) move into each
    region's media store, where every server of the region finds them."""
    folder = settings.models_folder()
    if not folder.is_dir():
        return
    from clipshop.feed.store import adopt_folder
    from clipshop.platform import Platform

    platform = Platform(settings)
    try:
        for root in sorted(p for p in folder.iterdir() if p.is_dir() and p.name in settings.regions):
            region = root.name
            moved = adopt_folder(root, platform.media_store(region), scratch=platform.upload_volumes[region])
            where = f"into region {region}'s media store" if moved else "away: its store has a newer one"
            console.print(f"Moved the feed models of {region} from {root} {where}")
    finally:
        platform.close()
    if not any(folder.iterdir()):
        folder.rmdir()


@app.command()
def migrate() -> None:
    """Bring the directory and every region database to the latest schema."""
    settings = Settings()
    migrate_databases(settings)
    console.print(
        f"[green]Migrated[/] the directory and {len(settings.regions)} regions: {', '.join(settings.regions)}"
    )


# Every line names its process: with `serve --workers N` the app processes share one log.
LOG_FORMAT = "%(asctime)s [%(process)d] %(levelname)s %(name)s: %(message)s"


def uvicorn_log_config() -> dict[str, Any]:
    """uvicorn's own logging, its lines named by process as ours are."""
    from uvicorn.config import LOGGING_CONFIG

    config = copy.deepcopy(LOGGING_CONFIG)
    for formatter in config["formatters"].values():
        formatter["fmt"] = "%(asctime)s [%(process)d] " + formatter["fmt"]
    return config


@app.command()
def serve(
    host: Annotated[str, typer.Option(help="address to listen on")] = "127.0.0.1",
    port: Annotated[
        int, typer.Option(help="port to listen on (the first one, with several processes)")
    ] = 8000,
    workers: Annotated[
        int,
        typer.Option(
            min=1,
            help="app processes: the i-th listens on port + i (list them all in the proxy); with more than "
            "one, jobs go to `clipshop worker` processes through Redis",
        ),
    ] = 1,
    migrate_first: Annotated[bool, typer.Option("--migrate/--no-migrate")] = True,
) -> None:
    """Serve the web app and API (with an in-process job consumer on the embedded default)."""
    settings = Settings()
    if workers > 1:
        from clipshop.cli.processes import serve_processes, shared_state_problems

        if problems := shared_state_problems(settings):
            raise typer.BadParameter(
                f"{workers} app processes cannot share this deployment: " + "; ".join(problems),
                param_hint="'--workers'",
            )
        if port + workers - 1 > 65535:
            raise typer.BadParameter(
                f"ports {port} to {port + workers - 1} do not all exist", param_hint="'--port'"
            )
    if migrate_first:
        migrate_databases(settings)
    logging.basicConfig(level=logging.INFO, format=LOG_FORMAT)
    if workers > 1:
        last = port + workers - 1
        console.print(
            f"Clipshop in {workers} processes on http://{host}:{port} to :{last} — regions "
            f"{', '.join(settings.regions)}; jobs on Redis, run by `clipshop worker`"
        )
        raise typer.Exit(serve_processes(host=host, port=port, count=workers))

    import uvicorn

    from clipshop.app import create_app

    console.print(f"Clipshop on [bold]http://{host}:{port}[/] — regions {', '.join(settings.regions)}")
    uvicorn.run(create_app(settings), host=host, port=port, log_level="info", log_config=uvicorn_log_config())


@app.command()
def worker(workers: Annotated[int, typer.Option(help="worker threads")] = 2) -> None:
    """Run a job consumer (transcoding, counters, the reconciler) against the configured queue."""
    from clipshop.assembly import build_platform

    logging.basicConfig(level=logging.INFO, format=LOG_FORMAT)
    platform = build_platform(Settings())
    console.print(f"Worker on the {platform.settings.jobs_backend} queue with {workers} threads")
    platform.jobs.run_consumer(workers=workers)


@app.command()
def reconcile(
    full: Annotated[
        bool, typer.Option("--full", help="Compare every row, not only those written since the last run.")
    ] = False,
) -> None:
    """Re-enqueue work whose job was lost (transcodes, erasures, notifications), and heal the directory's
    copies of every region's rows and the hints of blocks across regions (both also run every minute inside
    workers); the exit status is 1 if a region could not be healed."""
    from clipshop.assembly import build_platform
    from clipshop.healing import heal_projections
    from clipshop.rights.erasure import reconcile as reconcile_erasures
    from clipshop.social.notices import resend_unsent
    from clipshop.videos.transcoding import reconcile as run_reconcile

    platform = build_platform(Settings())
    try:
        console.print(f"Re-enqueued {run_reconcile(platform)} videos")
        console.print(f"Re-enqueued {reconcile_erasures(platform)} account erasures")
        console.print(f"Re-enqueued {resend_unsent(platform)} unsent notifications")
        healed = heal_projections(platform, full=full)
    finally:
        platform.close()
    table = Table(title="The directory, healed from each region")
    for header in ("region", "compared rows written", "fixed", "seconds"):
        table.add_column(header)
    for region in healed:
        if region.window is None:
            table.add_row(region.region, "-", f"[red]failed: {region.error}[/]", "-")
            continue
        since = "ever" if region.window.since is None else f"{region.window.since:%Y-%m-%d %H:%M:%S}"
        written = f"{since} to {region.window.before:%Y-%m-%d %H:%M:%S} UTC"
        fixed = ", ".join(f"{kind}: {count}" for kind, count in region.fixed.items()) or "nothing"
        table.add_row(region.region, written, fixed, f"{region.seconds:.3f}")
    console.print(table)
    raise typer.Exit(1 if any(region.error for region in healed) else 0)


@app.command()
def seed(
    clips: Annotated[int, typer.Option(help="how many demo clips")] = 42,
    small: Annotated[bool, typer.Option(help="small, short clips only (fast; for tests)")] = False,
) -> None:
    """Create demo regions' creators and clips through the real upload and transcode path (idempotent)."""
    from clipshop.demo.seed import seed_demo

    settings = Settings()
    migrate_databases(settings)
    with _progress() as progress:
        summary = seed_demo(settings, clips=clips, small=small, progress=progress)
    console.print(summary)


@app.command(
    context_settings={"allow_extra_args": True, "ignore_unknown_options": True},
    add_help_option=False,
)
def recs(ctx: typer.Context) -> None:
    """Recommendation models: `clipshop recs train` now, `clipshop recs evaluate` offline (see --help)."""
    # Loaded only when asked for: numpy, scipy and implicit would add ~45 MiB to every server process.
    from clipshop.cli.recs import recs_app

    typer.main.get_command(recs_app).main(args=ctx.args, prog_name="clipshop recs")


residency_app = typer.Typer(help="Proof of data residency.", no_args_is_help=True)
app.add_typer(residency_app, name="residency")


@residency_app.command("check")
def residency_check(
    as_json: Annotated[
        bool, typer.Option("--json", help="Print one JSON object instead of a table.")
    ] = False,
) -> None:
    """Scan every region's database and media and the directory for personal data outside its owner's
    home region; the exit status is 1 when anything is found."""
    from clipshop.migrations import load_models
    from clipshop.platform import Platform
    from clipshop.residency.check import check_residency

    load_models()  # every domain's tables, so every personal table is scanned
    platform = Platform(Settings())
    try:
        violations = check_residency(platform)
    finally:
        platform.close()
    if as_json:
        found = [dataclasses.asdict(v) for v in violations]
        typer.echo(json.dumps({"regions": list(platform.settings.regions), "violations": found}))
    elif violations:
        table = Table(title="Personal data outside its home region")
        for header in ("store", "table", "row", "owner's region"):
            table.add_column(header)
        for v in violations:
            table.add_row(v.store, v.table, v.row, v.owner_region)
        console.print(table)
    else:
        scanned = ", ".join(platform.settings.regions)
        console.print(
            f"[green]No personal data outside its home region[/] (regions {scanned} and the directory)"
        )
    raise typer.Exit(1 if violations else 0)


app.add_typer(audit_app, name="audit")
app.add_typer(staff_app, name="staff")
app.add_typer(region_app, name="region")
app.add_typer(media_app, name="media")


def main() -> None:
    app()


if __name__ == "__main__":
    main()
