"""`clipshop media prepare|place`: the regions' buckets, for regions whose media are in object storage.

`prepare` creates each region's bucket if it is missing, lets pages fetch from it (CORS) and, unless
`--no-public-read`, lets anyone read its served prefixes (`videos/`, `avatars/`, `products/`; never
`gated/`). `place` puts every video's files where its gate says (concealed when withheld or adults-only,
public otherwise), for a process that died between a decision and moving the files."""

from __future__ import annotations

from typing import Annotated

import typer
from rich.console import Console

from clipshop.config import Settings

media_app = typer.Typer(help="The regions' media buckets (S3-compatible storage).", no_args_is_help=True)
console = Console()


def _bucket_regions(settings: Settings) -> list[str]:
    regions = [name for name, region in settings.regions.items() if region.media_bucket]
    if not regions:
        console.print("No region keeps its media in a bucket (regions.<name>.media_bucket): nothing to do.")
    return regions


@media_app.command("prepare")
def prepare(
    public_read: Annotated[
        bool,
        typer.Option(
            help="Let anyone read the served prefixes (off: a CDN reads the bucket with its own identity)."
        ),
    ] = True,
) -> None:
    """Create each region's bucket if missing, with CORS for the pages and the public-read policy."""
    from clipshop.media.s3 import prepare_bucket
    from clipshop.platform import Platform

    settings = Settings()
    regions = _bucket_regions(settings)
    if not regions:
        return
    platform = Platform(settings)
    try:
        for region in regions:
            bucket = settings.regions[region].media_bucket
            assert bucket is not None and platform.s3 is not None
            created = prepare_bucket(
                platform.s3, bucket, region_name=settings.s3_region_name, public_read=public_read
            )
            served = settings.region_media_public_url(region)
            state = "created" if created else "ready"
            console.print(f"{region}: bucket {bucket} {state}, served at {served}")
    finally:
        platform.close()


@media_app.command("place")
def place() -> None:
    """Conceal the files of withheld and adults-only videos, reveal the others' (idempotent)."""
    from clipshop.kit.everywhere import everywhere
    from clipshop.media.s3 import S3MediaStore
    from clipshop.migrations import load_models
    from clipshop.platform import Platform
    from clipshop.videos import service as videos

    settings = Settings()
    regions = _bucket_regions(settings)
    if not regions:
        return
    load_models()
    platform = Platform(settings)
    try:
        for region in regions:
            store = platform.media_store(region)
            assert isinstance(store, S3MediaStore)
            with everywhere(platform.databases).transaction() as uow:
                placed = videos.place_files(
                    uow, region=region, store=store, concealed=videos.concealed_videos(store)
                )
            console.print(
                f"{region}: {len(placed['gated'])} videos behind the gate,"
                f" {len(placed['revealed'])} revealed again {placed['revealed']}"
            )
    finally:
        platform.close()
