"""Log-in sessions: a password opens one (a suspended account gets an appeal pass instead), a token names
it, log-out revokes it. A session is its owner's data: looking one up homes the unit of work in the
token's region."""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from clipshop.accounts import appeal_pass
from clipshop.accounts.models import AccountIndex, AuthSession, User
from clipshop.accounts.passwords import verify_password
from clipshop.accounts.service.identity import email_digest
from clipshop.errors import Forbidden, Unauthenticated
from clipshop.kit.db import UnitOfWork
from clipshop.kit.ids import is_valid_id, new_id, region_of
from clipshop.kit.regions import Regions


@dataclass(frozen=True)
class Login:
    user: User
    token: str
    expires_at: datetime


class AccountSuspended(Forbidden):
    code = "account_suspended"


def log_in(
    uow: UnitOfWork,
    *,
    secret: str,
    email: str,
    password: str,
    now: datetime,
    regions: Regions,
    previous_token: str | None = None,
    session_days: int = 30,
) -> Login:
    """Check the password and open a fresh session; the previous one (if any) is revoked (rotation)."""
    entry = uow.directory.get(AccountIndex, email_digest(email, secret=secret))
    user = None
    if entry is not None:
        uow.bind_home(entry.region)
        user = uow.region(entry.region).get(User, entry.user_id)
    if not verify_password(user.password_hash if user else None, password) or user is None:
        raise Unauthenticated("That email and password do not match an account.", code="bad_credentials")
    if user.suspended_at is not None:
        # No session, but a short-lived pass to read the decision and appeal it (`appeal_pass`).
        token, expires = appeal_pass.issue(user, secret=secret, now=now)
        raise AccountSuspended(
            "This account is suspended by a moderation decision; it cannot log in. Use appeal_pass (as a "
            "bearer token, until appeal_pass_expires_at) to read the decision at /api/v1/me/moderation and "
            "appeal it once.",
            suspended_at=user.suspended_at.isoformat(),
            appeal_pass=token,
            appeal_pass_expires_at=expires.isoformat(),
        )
    if previous_token and _token_region(previous_token, regions) == entry.region:  # type: ignore[union-attr]
        # Another region's account signed in before: its cookie is replaced, and its session is left to
        # expire (this request, homed here, has no business in that region).
        log_out(uow, regions=regions, token=previous_token, now=now)
    return open_session(uow, user=user, now=now, days=session_days)


def log_out(uow: UnitOfWork, *, regions: Regions, token: str, now: datetime) -> None:
    session = _find_session(uow, token, regions=regions)
    if session is not None and session.revoked_at is None:
        session.revoked_at = now


def authenticate(uow: UnitOfWork, *, regions: Regions, token: str, now: datetime) -> User | None:
    """The user behind a session token, or None if it is unknown, expired or revoked."""
    homed = uow.home is not None
    session = _find_session(uow, token, regions=regions)
    if session is None or session.revoked_at is not None or session.expires_at <= now:
        if session is not None and not homed:
            uow.bind_home(None)
        return None
    user = uow.region(region_of(session.id)).get(User, session.user_id)
    return None if user is None or user.suspended_at is not None else user


def _token_region(token: str, regions: Regions) -> str | None:
    session_id = token.partition(".")[0]
    return region_of(session_id) if is_valid_id(session_id, set(regions.names)) else None


def _find_session(uow: UnitOfWork, token: str, *, regions: Regions) -> AuthSession | None:
    """The live session a token names. The unit of work is homed in the token's region to look (a session
    is its owner's data), and unhomed again when the token is no one's."""
    region = _token_region(token, regions)
    if region is None or uow.home not in (None, region):
        return None
    homed_here = uow.home is None
    uow.bind_home(region)
    session_id, _, secret = token.partition(".")
    session = uow.region(region).get(AuthSession, session_id)
    if session is None or not hmac.compare_digest(session.secret_hash, _hash_secret(secret)):
        if homed_here:
            uow.bind_home(None)
        return None
    return session


def open_session(uow: UnitOfWork, *, user: User, now: datetime, days: int) -> Login:
    region = region_of(user.id)
    secret = secrets.token_urlsafe(32)
    session = AuthSession(
        id=new_id(region),
        user_id=user.id,
        secret_hash=_hash_secret(secret),
        created_at=now,
        expires_at=now + timedelta(days=days),
    )
    uow.region(region).add(session)
    return Login(user=user, token=f"{session.id}.{secret}", expires_at=session.expires_at)


def _hash_secret(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()
