"""`clipshop region export|detach`: carve a region out of a deployment.

`export REGION DIR` writes a standalone deployment of one region into DIR: its database (as SQLite, or into
an empty database at --database-url), its media (feed models included), its slice of the directory with the
account index keyed anew, the access audit log as it was, and DIR/clipshop.toml to run it with
`CLIPSHOP_CONFIG=DIR/clipshop.toml clipshop serve`. A region whose media are in a bucket of its own keeps
that bucket (its files stay where they are, at the URLs already published); its uploads are copied.
`detach REGION` then takes the region out of the rest: its public content leaves the directory for good,
and unpaid orders across the cut are cancelled.

Exit status: 0 when done, 1 when the export's audit log does not verify, 2 when the command cannot run as
asked (an unknown region, a folder that is not empty, a database behind the current schema)."""

from __future__ import annotations

import json
import os
import secrets
import shutil
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, NoReturn, cast

import typer
from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    TextColumn,
    TimeElapsedColumn,
)

from clipshop.config import Settings

if TYPE_CHECKING:
    from sqlalchemy import CursorResult, Engine, Table

    from clipshop.platform import Platform

region_app = typer.Typer(
    help="Carve a region out: export it as a standalone deployment, detach it from the rest.",
    no_args_is_help=True,
)
console = Console()

Region = Annotated[str, typer.Argument(help="The region to carve out, e.g. eu.", show_default=False)]
# Objects up to this size are copied through memory; larger ones through a temporary file.
IN_MEMORY_BYTES = 8 * 1024 * 1024


def _fail(message: str, *, code: int = 2) -> NoReturn:
    console.print(f"[red]{message}[/red]")
    raise typer.Exit(code)


def _progress() -> Progress:
    return Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=console,
    )


@dataclass
class Exported:
    """What an export wrote, for its summary."""

    rows: dict[str, int] = field(default_factory=dict)
    directory_rows: dict[str, int] = field(default_factory=dict)
    media_keys: int = 0
    bucket: str | None = None
    audit_entries: int = 0
    seconds: float = 0.0


@region_app.command("export")
def export_region(
    region: Region,
    out: Annotated[Path, typer.Argument(help="An empty or new folder for the standalone deployment.")],
    database_url: Annotated[
        str | None,
        typer.Option(
            help="Write the region's database into this empty database instead of DIR's SQLite file."
        ),
    ] = None,
    directory_url: Annotated[
        str | None,
        typer.Option(
            help="Write the directory's slice into this empty database instead of DIR's SQLite file."
        ),
    ] = None,
    batch: Annotated[int, typer.Option(help="Rows copied per batch.", min=1)] = 2000,
) -> None:
    """Write a standalone deployment of REGION into DIR: database, media, feed models, its slice of the
    directory (the account index keyed with a fresh secret key), the audit log as it is, DIR/clipshop.toml."""
    from clipshop.migrations import load_models
    from clipshop.platform import Platform

    settings = Settings()
    if region not in settings.regions:
        _fail(f"There is no region {region!r}; the regions are {', '.join(settings.regions)}.")
    out = out.resolve()
    if out.exists() and any(out.iterdir()):
        _fail(f"{out} is not empty: export into a new or empty folder.")
    load_models()
    platform = Platform(settings)
    try:
        exported = export(
            platform, region, out, database_url=database_url, directory_url=directory_url, batch=batch
        )
    finally:
        platform.close()
    rows = sum(exported.rows.values())
    kept = f" (the rest stay in bucket {exported.bucket})" if exported.bucket else ""
    console.print(
        f"[green]Exported region {region}[/] into {out} in {exported.seconds:.1f}s: {rows} rows,"
        f" {sum(exported.directory_rows.values())} directory rows, {exported.media_keys} media files{kept},"
        f" an audit log of {exported.audit_entries} entries that verifies.\n"
        f"Run it alone with: CLIPSHOP_CONFIG={out / 'clipshop.toml'} clipshop serve"
    )


def export(
    platform: Platform,
    region: str,
    out: Path,
    *,
    database_url: str | None = None,
    directory_url: str | None = None,
    batch: int = 2000,
) -> Exported:
    """The export itself (see `export_region`); `out` is an absolute, empty or new folder."""
    from clipshop.kit.db import DirectoryBase, RegionBase
    from clipshop.migrations import is_current, upgrade
    from clipshop.residency import audit
    from clipshop.residency.carving import copy_tables, count_rows, slice_of

    started = time.monotonic()
    settings = platform.settings
    source = platform.databases.region_engines[region]
    if not is_current(source, "region") or not is_current(platform.databases.directory_engine, "directory"):
        _fail(
            f"Region {region}'s database or the directory is behind the current schema:"
            " run `clipshop migrate` first."
        )
    data_dir = out / "data"
    region_url = database_url or f"sqlite:///{data_dir / 'regions' / f'{region}.db'}"
    directory_target_url = directory_url or f"sqlite:///{data_dir / 'directory.db'}"
    media_root = out / "media" / region
    out.mkdir(parents=True, exist_ok=True)
    exported = Exported()
    secret_key = secrets.token_urlsafe(32)
    with _engine(region_url) as target, _engine(directory_target_url) as directory_target, _progress() as bar:
        for engine, tree in ((target, "region"), (directory_target, "directory")):
            upgrade(engine, tree)
            _refuse_unless_empty(engine, tree)
        region_tables = list(RegionBase.metadata.sorted_tables)
        task = bar.add_task(f"Region {region}'s tables", total=count_rows(source, region_tables, _all))
        exported.rows = copy_tables(
            source, target, region_tables, batch=batch, on_batch=lambda _t, n: bar.advance(task, n)
        )
        directory_tables = [t for t in DirectoryBase.metadata.sorted_tables if t.name != "detached_regions"]

        def in_slice(table: Table) -> Any:
            return slice_of(table, region)

        directory = platform.databases.directory_engine
        task = bar.add_task(
            "Its slice of the directory", total=count_rows(directory, directory_tables, in_slice)
        )
        exported.directory_rows = copy_tables(
            directory,
            directory_target,
            directory_tables,
            where=in_slice,
            batch=batch,
            on_batch=lambda _t, n: bar.advance(task, n),
        )
        _key_account_index(target, directory_target, region, secret_key)
        exported.bucket = settings.regions[region].media_bucket
        exported.media_keys = _copy_media(
            platform, region, media_root, bar, objects_too=exported.bucket is None
        )
        check = audit.verify(target)
        if not check.ok:
            _fail(
                f"The exported audit log of region {region} is broken at entry {check.first_broken}:"
                f" {check.problem}",
                code=1,
            )
        exported.audit_entries = check.count
    _keep_origin_audit_key(settings, out)
    media: dict[str, Any] = {"media_root": str(media_root)}
    s3: dict[str, Any] = {}
    if exported.bucket is not None:
        # The same bucket at the same address; credentials of its own come from its environment.
        media["media_bucket"] = exported.bucket
        media["media_public_url"] = settings.region_media_public_url(region)
        s3 = {
            "s3_region_name": settings.s3_region_name,
            "s3_multipart_bytes": settings.s3_multipart_bytes,
            "s3_transfer_threads": settings.s3_transfer_threads,
        }
        if settings.s3_endpoint_url:
            s3["s3_endpoint_url"] = settings.s3_endpoint_url
    config: dict[str, Any] = {
        "env": settings.env,
        "default_region": region,
        "data_dir": str(data_dir),
        "secret_key": secret_key,
        "directory_url": directory_target_url,
        "tax_rates_bp": {region: settings.tax_rates_bp.get(region, 0)},
        **s3,
        "regions": {
            region: {
                "database_url": region_url,
                **media,
                "countries": list(settings.regions[region].countries),
            }
        },
    }
    if settings.policy_file is not None:
        config["policy_file"] = str(settings.policy_file.resolve())
    (out / "clipshop.toml").write_text(
        f"# A standalone deployment of region {region}, written by `clipshop region export`.\n"
        f"# Run it with: CLIPSHOP_CONFIG={out / 'clipshop.toml'} clipshop serve\n" + to_toml(config)
    )
    os.chmod(out / "clipshop.toml", 0o600)  # it holds the secret key
    exported.seconds = time.monotonic() - started
    return exported


def _all(_table: Table) -> Any:
    from sqlalchemy import true

    return true()


@contextmanager
def _engine(url: str) -> Iterator[Engine]:
    from clipshop.kit.db import make_engine

    engine = make_engine(url, pool=False)
    try:
        yield engine
    finally:
        engine.dispose()


def _refuse_unless_empty(engine: Engine, tree: str) -> None:
    from sqlalchemy import func, select

    from clipshop.kit.db import DirectoryBase, RegionBase

    metadata = RegionBase.metadata if tree == "region" else DirectoryBase.metadata
    with engine.connect() as conn:
        for table in metadata.sorted_tables:
            if conn.scalar(select(func.count()).select_from(table)):
                _fail(
                    f"The target {tree} database {engine.url} already holds rows (in {table.name}):"
                    " give an empty one."
                )


def _key_account_index(region_db: Engine, directory: Engine, region: str, secret_key: str) -> None:
    """The account index of the export, keyed with its own secret: a digest under the old key would route
    nobody, and the old key stays with the deployment it came from."""
    from sqlalchemy import delete, insert, select

    from clipshop.accounts.models import AccountIndex, User
    from clipshop.accounts.service import email_digest

    with region_db.connect() as conn:
        accounts = conn.execute(select(User.id, User.email)).all()
    with directory.begin() as conn:
        conn.execute(delete(AccountIndex))
        rows = [
            {"email_digest": email_digest(email, secret=secret_key), "user_id": user_id, "region": region}
            for user_id, email in accounts
        ]
        if rows:
            conn.execute(insert(AccountIndex), rows)


def _copy_media(
    platform: Platform, region: str, media_root: Path, bar: Progress, *, objects_too: bool
) -> int:
    """Copy the region's uploads and, if `objects_too`, its stored media into the local folder `media_root`;
    returns how many files."""
    from clipshop.media.storage import UPLOADS, WORK, LocalMediaStore, LocalUploadVolume

    source, volume = platform.media_store(region), platform.upload_volumes[region]
    target = LocalMediaStore(region=region, root=media_root)
    target_volume = LocalUploadVolume(region=region, root=media_root)
    # A local store shares its folder with the uploads (copied below) and the transcoder's work (skipped).
    held = source.keys() if objects_too else []
    keys = [k for k in held if not k.startswith((f"{UPLOADS}/", f"{WORK}/"))]
    uploads = volume.upload_ids()
    task = bar.add_task(f"Media of region {region}", total=len(keys) + len(uploads))
    for upload_id in uploads:
        target_volume.create(upload_id)
        shutil.copyfile(volume.local_path(upload_id), target_volume.local_path(upload_id))
        bar.advance(task)
    with tempfile.TemporaryDirectory(prefix="clipshop-export-") as scratch:
        spool = Path(scratch) / "object"
        for key in keys:
            described = source.describe(key)
            if described is not None and described.size > IN_MEMORY_BYTES:
                with source.open(key) as reading, spool.open("wb") as writing:
                    shutil.copyfileobj(reading, writing, 1024 * 1024)
                target.put_file(key, spool)
            else:
                target.put_bytes(key, source.read_bytes(key))
            bar.advance(task)
    return len(keys) + len(uploads)


def _keep_origin_audit_key(settings: Settings, out: Path) -> None:
    """Signed heads made before the export were signed with the origin's audit key; its public half lets
    `clipshop audit check-head --public-key` check them in the export. The private key stays behind."""
    from clipshop.residency.audit import public_key_pem, signing_key

    try:
        key = signing_key(settings, create=False)
    except FileNotFoundError:
        return
    (out / "origin-audit-key.pem").write_text(public_key_pem(key))


def to_toml(values: dict[str, Any], prefix: str = "") -> str:
    """`values` as TOML: plain keys first, then a table for each mapping (strings, numbers, lists of them)."""
    lines: list[str] = []
    tables: list[str] = []
    for key, value in values.items():
        if isinstance(value, dict):
            tables.append(f"\n[{prefix}{key}]\n" + to_toml(value, f"{prefix}{key}.").lstrip("\n"))
        else:
            lines.append(f"{key} = {json.dumps(value)}")
    return "\n".join(lines) + ("\n" if lines else "") + "".join(tables)


@region_app.command("detach")
def detach_region(region: Region) -> None:
    """Take REGION out of this deployment: delete its public content from the directory and mark it
    detached (nothing projects it again; checkouts of its products are refused with `region_detached`),
    and cancel unpaid orders across the cut, giving their held units back. Paid orders stay with their
    buyers, and money owed across the cut stays in the ledger of the buyer's region. Run it while REGION
    is still configured, then remove it from the configuration."""
    from clipshop.assembly import build_platform
    from clipshop.migrations import load_models

    settings = Settings()
    if region not in settings.regions:
        _fail(
            f"There is no region {region!r} here (the regions are {', '.join(settings.regions)}): detach it"
            " while it is still configured, since its stock holds are released in its database."
        )
    if len(settings.regions) == 1:
        _fail(f"Region {region} is the only region here: there is nothing to detach it from.")
    load_models()
    platform = build_platform(settings.with_overrides(jobs_consumer_in_app=False))
    try:
        removed = detach(platform, region)
    finally:
        platform.close()
    console.print(
        f"[green]Detached region {region}[/]: {removed.directory_rows} directory rows removed,"
        f" {removed.checkouts_cancelled} unpaid checkouts across the cut cancelled.\n"
        f"Now remove region {region} from this deployment's configuration."
    )


@dataclass(frozen=True)
class Detached:
    directory_rows: int
    checkouts_cancelled: int


def detach(platform: Platform, region: str) -> Detached:
    """The detachment itself (see `detach_region`)."""
    from sqlalchemy import delete, select

    from clipshop.kit.db import DirectoryBase
    from clipshop.kit.everywhere import everywhere
    from clipshop.kit.ids import region_of
    from clipshop.residency.carving import mark_detached, touching
    from clipshop.shop.orders.housekeeping import settle_across_cut
    from clipshop.social import service as social
    from clipshop.social.models import FollowerCountsByRegion, VideoCountsByRegion

    removed = 0
    with everywhere(platform.databases).transaction() as uow:
        directory = uow.directory
        mark_detached(directory, region, at=platform.clock.now())
        videos = set(
            directory.scalars(
                select(VideoCountsByRegion.video_id).where(VideoCountsByRegion.region == region)
            )
        )
        users = set(
            directory.scalars(
                select(FollowerCountsByRegion.user_id).where(FollowerCountsByRegion.region == region)
            )
        )
        for table in reversed(DirectoryBase.metadata.sorted_tables):
            if table.name == "detached_regions":
                continue
            result = directory.execute(delete(table).where(touching(table, region)))
            removed += cast("CursorResult[Any]", result).rowcount or 0
        directory.flush()
        for video_id in sorted(v for v in videos if region_of(v) != region):
            social.resum_video_counts(uow, video_id=video_id)
        for user_id in sorted(u for u in users if region_of(u) != region):
            social.resum_follower_counts(uow, user_id=user_id)
    cancelled = settle_across_cut(platform, detached=region)
    return Detached(directory_rows=removed, checkouts_cancelled=cancelled)
