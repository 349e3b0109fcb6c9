"""Suspension by a moderation decision: logged out everywhere, no log-in until it is lifted."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import update

from clipshop.accounts.models import AuthSession, User
from clipshop.kit.db import UnitOfWork
from clipshop.kit.ids import region_of


def suspend_account(uow: UnitOfWork, *, user_id: str, now: datetime) -> User | None:
    """Suspend an account (a moderation decision): it is logged out everywhere and cannot log in until the
    suspension is lifted. The caller opens the account's region through the residency gateway."""
    db = uow.region(region_of(user_id))
    user = db.get(User, user_id)
    if user is None:
        return None
    user.suspended_at = user.suspended_at or now
    db.execute(
        update(AuthSession)
        .where(AuthSession.user_id == user_id, AuthSession.revoked_at.is_(None))
        .values(revoked_at=now)
    )
    return user


def lift_suspension(uow: UnitOfWork, *, user_id: str) -> None:
    """Let a suspended account log in again (a won appeal)."""
    user = uow.region(region_of(user_id)).get(User, user_id)
    if user is not None:
        user.suspended_at = None
