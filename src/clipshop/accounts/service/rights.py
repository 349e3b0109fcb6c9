"""Data rights: what accounts holds about a person (for their archive), and the erasure of an account,
which keeps its row, blanked."""

from __future__ import annotations

import hashlib
from datetime import datetime

from sqlalchemy import delete, update

from clipshop.accounts.models import (
    AccountIndex,
    AuthSession,
    EmailVerification,
    PasswordReset,
    PublicProfile,
    User,
)
from clipshop.accounts.passwords import verify_password
from clipshop.accounts.service.profiles import get_user
from clipshop.errors import Invalid
from clipshop.kit.actors import Actor
from clipshop.kit.db import UnitOfWork
from clipshop.kit.holdings import Held, rows
from clipshop.kit.ids import region_of

# An erased account keeps its row, blanked, because records the law requires (orders, payments, ledger
# lines) point at it; nothing in it says who the person was any more.
ERASED_NAME = "Deleted account"
# A password hash no password matches (argon2 rejects it as malformed), so the row can never log in.
UNUSABLE_PASSWORD = "!erased"


def held_about(uow: UnitOfWork, *, user_id: str) -> Held:
    """What accounts holds about `user_id`: the account and its log-ins at home, the log-in route and the
    public profile in the directory (hashes withheld)."""
    db = uow.region(region_of(user_id))
    return {
        "region/users": rows(db, User, User.id == user_id, withhold=frozenset({"password_hash"})),
        "region/auth_sessions": rows(
            db, AuthSession, AuthSession.user_id == user_id, withhold=frozenset({"secret_hash"})
        ),
        "region/password_resets": rows(
            db, PasswordReset, PasswordReset.user_id == user_id, withhold=frozenset({"secret_hash"})
        ),
        "region/email_verifications": rows(
            db, EmailVerification, EmailVerification.user_id == user_id, withhold=frozenset({"secret_hash"})
        ),
        "directory/account_index": rows(uow.directory, AccountIndex, AccountIndex.user_id == user_id),
        "directory/public_profiles": rows(uow.directory, PublicProfile, PublicProfile.user_id == user_id),
    }


def confirm_password(uow: UnitOfWork, *, actor: Actor, password: str) -> User:
    """The actor's account if `password` is its password; a wrong one is refused on the field."""
    user = get_user(uow, actor=actor)
    if not verify_password(user.password_hash, password):
        raise Invalid("That is not your password.", code="wrong_password", field="password")
    return user


def lock_account(uow: UnitOfWork, *, user_id: str, now: datetime) -> None:
    """Log the account out everywhere and make its password unusable (the first moment of an erasure)."""
    db = uow.region(region_of(user_id))
    db.get_one(User, user_id).password_hash = UNUSABLE_PASSWORD
    db.execute(
        update(AuthSession)
        .where(AuthSession.user_id == user_id, AuthSession.revoked_at.is_(None))
        .values(revoked_at=now)
    )


def email_of(uow: UnitOfWork, user_id: str) -> str | None:
    """Where mail to `user_id` goes, read in their region; None once the account is erased."""
    user = uow.region(region_of(user_id)).get(User, user_id)
    if user is None or user.email == erased_email(user_id):
        return None
    return user.email


def erased_email(user_id: str) -> str:
    """A unique address that is no one's (`.invalid` is reserved, RFC 2606), so the real one is free again."""
    return f"erased+{user_id}@invalid"


def erased_handle(user_id: str) -> str:
    """A unique handle sign-up can never choose ('-' is not allowed in handles)."""
    return f"erased-{hashlib.sha256(user_id.encode()).hexdigest()[:20]}"


def erase_account(uow: UnitOfWork, *, user_id: str) -> str | None:
    """Blank the account row, drop its log-ins, its log-in route and its public profile (idempotent);
    returns the media prefix of its avatars, for the caller to delete."""
    db = uow.region(region_of(user_id))
    user = db.get(User, user_id)
    if user is None:
        return None
    user.email, user.handle = erased_email(user_id), erased_handle(user_id)
    user.password_hash, user.display_name, user.bio = UNUSABLE_PASSWORD, ERASED_NAME, ""
    # The country chose the home region, which the id already carries; kept orders hold their own address.
    user.country, user.avatar_key = "", None
    user.staff_role = user.jurisdiction = None
    db.execute(delete(AuthSession).where(AuthSession.user_id == user_id))
    db.execute(delete(PasswordReset).where(PasswordReset.user_id == user_id))
    db.execute(delete(EmailVerification).where(EmailVerification.user_id == user_id))
    user.email_verified_at = user.birth_date = None
    uow.directory.execute(delete(AccountIndex).where(AccountIndex.user_id == user_id))
    uow.directory.execute(delete(PublicProfile).where(PublicProfile.user_id == user_id))
    return f"avatars/{user_id}/"
