"""`clipshop staff add`: the only way an account becomes platform staff (support, moderator, operator),
with the jurisdiction whose law it works under. There is no sign-up for staff."""

from __future__ import annotations

from typing import Annotated

import typer
from rich.console import Console

from clipshop.config import Settings

staff_app = typer.Typer(help="Platform staff: support, moderators, operators.", no_args_is_help=True)
console = Console()


@staff_app.command("add")
def staff_add(
    handle: Annotated[str, typer.Argument(help="the account's handle, with or without @")],
    role: Annotated[str, typer.Option(help="support, moderator or operator")],
    jurisdiction: Annotated[
        str | None, typer.Option(help="the region whose law they work under (default: their home region)")
    ] = None,
) -> None:
    """Make an existing account platform staff."""
    from sqlalchemy import select

    from clipshop.accounts import service as accounts
    from clipshop.accounts.models import PublicProfile
    from clipshop.assembly import build_platform
    from clipshop.errors import ClipshopError
    from clipshop.kit.actors import Role
    from clipshop.kit.everywhere import everywhere

    platform = build_platform(Settings())
    try:
        with everywhere(platform.databases).transaction() as uow:
            name = handle.lstrip("@").lower()
            profile = uow.directory.scalars(select(PublicProfile).where(PublicProfile.handle == name)).first()
            if profile is None:
                raise typer.BadParameter(f"no account @{name}", param_hint="HANDLE")
            try:
                staff_role = Role(role)
            except ValueError:
                raise typer.BadParameter(
                    "choose support, moderator or operator", param_hint="--role"
                ) from None
            user = accounts.make_staff(
                uow, user_id=profile.user_id, role=staff_role, jurisdiction=jurisdiction or profile.region
            )
            console.print(
                f"@{user.handle} is now {user.staff_role}, working under region {user.jurisdiction}"
            )
    except ClipshopError as error:
        console.print(f"[red]{error}[/red]")
        raise typer.Exit(1) from None
    finally:
        platform.close()
