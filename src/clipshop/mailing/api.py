"""The outbox's routes: the mail one asks for (the inbox digest), and one-click unsubscribe from marketing
mail (RFC 8058)."""

from __future__ import annotations

from fastapi import APIRouter

from clipshop.kit.db import UnitOfWork
from clipshop.mailing import service
from clipshop.mailing.schemas import MailSettingsRead, MailSettingsUpdate
from clipshop.platform.http import CommittingRoute, CurrentActor, PlatformDep, UowDep

router = APIRouter(route_class=CommittingRoute, tags=["mail"])


@router.post("/mail/unsubscribe", status_code=204)
def unsubscribe(token: str, uow: UowDep, platform: PlatformDep) -> None:
    """Stop the marketing mail the link's token names (the link in such a mail; mail clients post here).
    The inbox digest is marketing mail: this turns it off."""
    service.unsubscribe(platform, uow, token=token)


def _settings(uow: UnitOfWork, user_id: str) -> MailSettingsRead:
    return MailSettingsRead(inbox_digest=service.INBOX_DIGEST in service.subscriptions(uow, user_id=user_id))


@router.get("/me/mail-settings", response_model=MailSettingsRead)
def mail_settings(actor: CurrentActor, uow: UowDep) -> MailSettingsRead:
    """The mail you asked for."""
    return _settings(uow, actor.id)


@router.patch("/me/mail-settings", response_model=MailSettingsRead)
def update_mail_settings(
    body: MailSettingsUpdate, actor: CurrentActor, uow: UowDep, platform: PlatformDep
) -> MailSettingsRead:
    """Turn the daily inbox digest on or off (kept in your home region). Turning it on lifts an earlier
    unsubscribe from marketing mail."""
    if body.inbox_digest is not None:
        service.set_subscription(
            uow, user_id=actor.id, topic=service.INBOX_DIGEST, on=body.inbox_digest, now=platform.clock.now()
        )
    return _settings(uow, actor.id)
