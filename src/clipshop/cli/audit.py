"""`clipshop audit`: verify a region's access audit log, sign its head, check a signed head against it, and
print the public key that checks the signatures.

Exit status: 0 when all is well, 1 when a log is broken or no longer matches a signed head, 2 when the
command cannot run as asked (an unknown region, an unmigrated database, an unreadable file)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, NoReturn

import typer

from clipshop.config import Settings

if TYPE_CHECKING:
    from sqlalchemy import Engine

audit_app = typer.Typer(
    help="The regions' access audit logs: verify them, sign their heads, check signed heads.",
    no_args_is_help=True,
)

Region = Annotated[str, typer.Argument(help="The region whose log to read, e.g. eu.", show_default=False)]


def _fail(message: str, *, code: int = 2) -> NoReturn:
    typer.echo(message, err=True)
    raise typer.Exit(code)


@contextmanager
def _region_log(settings: Settings, region: str) -> Iterator[Engine]:
    """An engine on `region`'s database, once it is known to hold an audit log."""
    from sqlalchemy import inspect
    from sqlalchemy.engine import make_url

    from clipshop.kit.db import make_engine

    if region not in settings.regions:
        _fail(f"There is no region {region!r}; the regions are {', '.join(settings.regions)}.")
    url = settings.region_database_url(region)
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite" and not Path(parsed.database or "").exists():
        _fail(f"Region {region} has no database at {parsed.database} yet; run `clipshop migrate` first.")
    engine = make_engine(url, pool=False)
    try:
        if not inspect(engine).has_table("audit_log"):
            _fail(f"Region {region}'s database has no audit log yet; run `clipshop migrate` first.")
        yield engine
    finally:
        engine.dispose()


@audit_app.command("verify")
def verify_log(region: Region) -> None:
    """Recompute the hash chain of REGION's audit log.

    The exit status is 1 when it is broken, and the first broken entry is named."""
    from clipshop.residency.audit import verify

    with _region_log(Settings(), region) as engine:
        result = verify(engine)
    if not result.ok:
        _fail(
            f"The audit log of region {region} is broken at entry {result.first_broken}: {result.problem}",
            code=1,
        )
    typer.echo(f"The audit log of region {region} verifies: {result.count} entries.")


@audit_app.command("head")
def sign_head(
    region: Region,
    out: Annotated[
        Path | None, typer.Option(help="Write the signed head to this file instead of printing it.")
    ] = None,
) -> None:
    """Sign the last entry of REGION's audit log; print the signed head as JSON or write it to --out.

    Give it to someone outside the database: `clipshop audit check-head` later proves the log still holds
    that entry. A log that does not verify is not signed (exit status 1)."""
    from clipshop.residency.audit import BrokenAuditLog, head, signing_key

    settings = Settings()
    with _region_log(settings, region) as engine:
        try:
            signed = head(engine, region, signing_key(settings))
        except BrokenAuditLog as error:
            result = error.verification
            _fail(
                f"Not signed: the audit log of region {region} is broken at entry {result.first_broken}:"
                f" {result.problem}",
                code=1,
            )
    if out is None:
        typer.echo(signed.to_json(), nl=False)
        return
    out.write_text(signed.to_json())
    typer.echo(f"Signed the head of region {region}'s audit log (entry {signed.seq}) into {out}.")


@audit_app.command("check-head")
def check_signed_head(
    region: Region,
    file: Annotated[
        Path,
        typer.Argument(help="A signed head written by `clipshop audit head`.", exists=True, dir_okay=False),
    ],
    public_key: Annotated[
        Path | None,
        typer.Option(
            help="The PEM public key to check the signature with (default: this deployment's audit key).",
            exists=True,
            dir_okay=False,
        ),
    ] = None,
) -> None:
    """Check that REGION's audit log still holds the head signed in FILE.

    The signature must be the audit key's, the signed entry must be there unchanged and the whole chain
    must verify; the exit status is 1 when any of that fails."""
    from clipshop.residency.audit import SignedHead, check_head, load_public_key, signing_key

    settings = Settings()
    try:
        signed = SignedHead.from_json(file.read_bytes())
    except ValueError as error:
        _fail(f"{file}: {error}")
    if public_key is not None:
        try:
            key = load_public_key(public_key.read_bytes())
        except ValueError as error:
            _fail(f"{public_key}: {error}")
    else:
        try:
            key = signing_key(settings, create=False).public_key()
        except FileNotFoundError as error:
            _fail(f"{error}; pass the public key with --public-key.")
    if signed.region != region:
        _fail(
            f"{file} is the signed head of region {signed.region}'s audit log, not region {region}'s.", code=1
        )
    with _region_log(settings, region) as engine:
        result = check_head(engine, signed, key)
    signed_at = f"{signed.at:%Y-%m-%d %H:%M:%S} UTC"
    if not result.ok:
        where = f" at entry {result.first_broken}" if result.first_broken is not None else ""
        _fail(
            f"The audit log of region {region} does not match the head signed at {signed_at}{where}:"
            f" {result.problem}",
            code=1,
        )
    typer.echo(
        f"The audit log of region {region} still holds the head signed at {signed_at} (entry {signed.seq}),"
        f" and all {result.count} entries verify."
    )


@audit_app.command("key")
def print_public_key() -> None:
    """Print the public key that checks signed heads (PEM; the key pair is made on first use).

    Give it to whoever keeps the signed heads, so they can check them without trusting this server."""
    from clipshop.residency.audit import public_key_pem, signing_key

    typer.echo(public_key_pem(signing_key(Settings())), nl=False)
