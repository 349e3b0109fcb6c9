"""The outbox's route: one-click unsubscribe from marketing mail (RFC 8058)."""

from __future__ import annotations

from fastapi import APIRouter

from clipshop.mailing import service
from clipshop.platform.http import CommittingRoute, PlatformDep, UowDep

router = APIRouter(route_class=CommittingRoute, tags=["mail"])


@router.post("/mail/unsubscribe", status_code=204)
def unsubscribe(token: str, uow: UowDep, platform: PlatformDep) -> None:
    """Stop the marketing mail the link's token names (the link in such a mail; mail clients post here)."""
    service.unsubscribe(platform, uow, token=token)
