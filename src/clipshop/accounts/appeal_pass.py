"""The appeal pass: what a suspended account gets instead of a session when it logs in with the right
password, so its owner can still read what moderation decided and appeal the suspension.

A pass is a signed, short-lived string, `appeal.<user id>.<suspended at>.<expires at>.<signature>` (Unix
seconds; HMAC-SHA256 under the deployment's secret key, domain-separated from every other use of it). It is
no session: the HTTP edge never takes it for one, so every route but the two of moderation that ask for it
answers 401. It holds only while the account is suspended by the same suspension: a lifted (or a new)
suspension voids it, and so does its expiry, 30 minutes after the log-in. Nothing is stored."""

from __future__ import annotations

import hashlib
import hmac
from datetime import datetime, timedelta

from clipshop.accounts.models import User
from clipshop.kit.db import UnitOfWork
from clipshop.kit.ids import is_valid_id, region_of

PREFIX = "appeal"
LIFETIME = timedelta(minutes=30)


def issue(user: User, *, secret: str, now: datetime) -> tuple[str, datetime]:
    """A pass for the suspended `user`, and when it expires."""
    assert user.suspended_at is not None
    expires = now + LIFETIME
    body = f"{PREFIX}.{user.id}.{int(user.suspended_at.timestamp())}.{int(expires.timestamp())}"
    return f"{body}.{_signature(body, secret)}", expires


def holder(uow: UnitOfWork, *, token: str, secret: str, now: datetime) -> User | None:
    """The suspended account a valid, unexpired pass names (the unit of work is homed in its region), or
    None: a forged or expired pass, or one of a suspension since lifted or replaced."""
    parts = token.split(".")
    if len(parts) != 5 or parts[0] != PREFIX or not (parts[2].isdigit() and parts[3].isdigit()):
        return None
    body, signature = ".".join(parts[:4]), parts[4]
    if not hmac.compare_digest(signature, _signature(body, secret)) or int(parts[3]) <= now.timestamp():
        return None
    user_id = parts[1]
    if not is_valid_id(user_id, set(uow.databases.regions)):
        return None
    region = region_of(user_id)
    if uow.home not in (None, region):
        return None
    uow.bind_home(region)
    user = uow.region(region).get(User, user_id)
    if user is None or user.suspended_at is None or int(user.suspended_at.timestamp()) != int(parts[2]):
        return None
    return user


def _signature(body: str, secret: str) -> str:
    return hmac.new(secret.encode(), f"appeal-pass:{body}".encode(), hashlib.sha256).hexdigest()
