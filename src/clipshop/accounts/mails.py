"""Mail about the account itself: address verification links (sent at sign-up and again on request; single
use, stored hashed, a new one replacing the older ones) and password reset links (single use, expiring,
stored hashed; using one ends every session of the account). Plain functions over a unit of work; the mails
go into the outbox of the account's region, in the same transaction."""

from __future__ import annotations

import hashlib
import hmac
import secrets
from datetime import timedelta

from sqlalchemy import select, update

from clipshop.accounts.models import AccountIndex, AuthSession, EmailVerification, PasswordReset, User
from clipshop.accounts.passwords import check_password_rules, hash_password
from clipshop.accounts.service import email_digest
from clipshop.errors import Conflict, Invalid
from clipshop.kit.actors import Actor
from clipshop.kit.db import UnitOfWork
from clipshop.kit.ids import is_valid_id, new_id, region_of
from clipshop.mailing import service as mailing
from clipshop.platform import Platform


def _verification_hash(secret: str, email: str) -> str:
    # The address is in the hash: a link sent to an address stops working once the account has another.
    return hashlib.sha256(f"{secret}:{email}".encode()).hexdigest()


def send_verification(platform: Platform, uow: UnitOfWork, *, user: User, again: bool = False) -> None:
    """Write the mail with a link that verifies the account's address. At sign-up (`again` False) once per
    account: a retried sign-up sends no second mail. Asked for again, a fresh link replaces every earlier
    one not yet used (only the newest mail works)."""
    region = region_of(user.id)
    db = uow.region(region)
    earlier = select(EmailVerification.id).where(EmailVerification.user_id == user.id).limit(1)
    if not again and db.scalar(earlier) is not None:
        return
    now = platform.clock.now()
    db.execute(
        update(EmailVerification)
        .where(
            EmailVerification.user_id == user.id,
            EmailVerification.used_at.is_(None),
            EmailVerification.replaced_at.is_(None),
        )
        .values(replaced_at=now)
    )
    secret = secrets.token_urlsafe(32)
    verification = EmailVerification(
        id=new_id(region), user_id=user.id, secret_hash=_verification_hash(secret, user.email), created_at=now
    )
    db.add(verification)
    link = mailing.link(platform, f"/verify-email?token={verification.id}.{secret}")
    if again:
        subject = "Your new link to confirm your Clipshop address"
        intro = "Here is the new link you asked for. Confirm that this address is yours by opening it:"
        outro = "The link works once; links in earlier mails no longer work.\n"
    else:
        subject = "Confirm your email address for Clipshop"
        intro = "Welcome to Clipshop. Confirm that this address is yours by opening this link:"
        outro = "Your account works already; confirming shows your address as verified.\n"
    mailing.write_mail(
        platform,
        uow,
        user_id=user.id,
        kind="verify_email",
        cause=verification.id,
        subject=subject,
        body=(
            f"Hello {user.display_name},\n\n{intro}\n\n{link}\n\n{outro}"
            "If you did not sign up, ignore this mail.\n"
        ),
        holds_secret=True,
    )


def resend_verification(platform: Platform, uow: UnitOfWork, *, actor: Actor) -> None:
    """Mail the actor a fresh verification link (earlier ones stop working); refused once the address is
    verified."""
    user = uow.region(actor.region).get_one(User, actor.id)
    if user.email_verified_at is not None:
        raise Conflict(
            "email_already_verified", "Your email address is verified already; there is nothing to confirm."
        )
    send_verification(platform, uow, user=user, again=True)


def _bad_verification(code: str, detail: str) -> Invalid:
    return Invalid(detail, code=code, field="token")


def verify_email(platform: Platform, uow: UnitOfWork, *, token: str) -> User:
    """Mark the address a verification link was sent to as verified. A link works once, and only while it
    is the newest one of the account and the account still has that address."""
    verification_id, _, secret = token.partition(".")
    verification = user = None
    if is_valid_id(verification_id, set(uow.databases.region_engines)):
        region = region_of(verification_id)
        uow.bind_home(region)
        verification = uow.region(region).get(EmailVerification, verification_id)
        if verification is not None:
            user = uow.region(region).get(User, verification.user_id)
    if (
        verification is None
        or user is None
        or not hmac.compare_digest(verification.secret_hash, _verification_hash(secret, user.email))
    ):
        raise _bad_verification(
            "invalid_verification_link", "This verification link is not valid; sign in and ask for a new one."
        )
    if verification.used_at is not None:
        raise _bad_verification(
            "verification_link_used", "This link was used already: your address is verified."
        )
    if verification.replaced_at is not None:
        raise _bad_verification(
            "verification_link_replaced",
            "A newer link was sent to you since this one; open the link in the newest mail.",
        )
    now = platform.clock.now()
    # Once even when two requests race with the same link: only one moves `used_at` from NULL.
    taken = (
        uow.region(region_of(user.id))
        .execute(
            update(EmailVerification)
            .where(
                EmailVerification.id == verification.id,
                EmailVerification.used_at.is_(None),
                EmailVerification.replaced_at.is_(None),
            )
            .values(used_at=now)
            .returning(EmailVerification.id)
        )
        .first()
    )
    if taken is None:
        raise _bad_verification(
            "verification_link_used", "This link was used already: your address is verified."
        )
    if user.email_verified_at is None:
        user.email_verified_at = now
    return user


def _hash(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def request_password_reset(platform: Platform, uow: UnitOfWork, *, email: str) -> None:
    """Write a reset link to the account with this email, if there is one; nothing says whether there is."""
    entry = uow.directory.get(AccountIndex, email_digest(email, secret=platform.settings.secret_key))
    if entry is None:
        return
    uow.bind_home(entry.region)
    user = uow.region(entry.region).get(User, entry.user_id)
    if user is None or user.password_hash.startswith("!"):  # erased, or being erased
        return
    now = platform.clock.now()
    minutes = platform.settings.password_reset_minutes
    secret = secrets.token_urlsafe(32)
    reset = PasswordReset(
        id=new_id(entry.region),
        user_id=user.id,
        secret_hash=_hash(secret),
        created_at=now,
        expires_at=now + timedelta(minutes=minutes),
    )
    uow.region(entry.region).add(reset)
    link = mailing.link(platform, f"/reset-password?token={reset.id}.{secret}")
    mailing.write_mail(
        platform,
        uow,
        user_id=user.id,
        kind="password_reset",
        cause=reset.id,
        subject="Reset your Clipshop password",
        body=(
            f"Hello {user.display_name},\n\n"
            f"Someone (we hope you) asked to reset the password of your Clipshop account. Choose a new one "
            f"here, within {minutes} minutes:\n\n{link}\n\n"
            "The link works once. Choosing a new password logs you out everywhere.\n"
            "If you did not ask, ignore this mail: your password stays as it is.\n"
        ),
        holds_secret=True,
    )


def _bad_link(code: str, detail: str) -> Invalid:
    return Invalid(detail, code=code, field="token")


def reset_password(platform: Platform, uow: UnitOfWork, *, token: str, password: str) -> User:
    """Set a new password with a reset link: once, before it expires. Every session of the account ends,
    and every other reset link of it stops working."""
    reset_id, _, secret = token.partition(".")
    reset = None
    if is_valid_id(reset_id, set(uow.databases.region_engines)):
        uow.bind_home(region_of(reset_id))
        reset = uow.region(region_of(reset_id)).get(PasswordReset, reset_id)
    if reset is None or not hmac.compare_digest(reset.secret_hash, _hash(secret)):
        raise _bad_link("invalid_reset_link", "This reset link is not valid; ask for a new one.")
    now = platform.clock.now()
    if reset.used_at is not None:
        raise _bad_link("reset_link_used", "This reset link was used already; ask for a new one.")
    if reset.expires_at <= now:
        raise _bad_link("reset_link_expired", "This reset link has expired; ask for a new one.")
    db = uow.region(region_of(reset_id))
    user = db.get_one(User, reset.user_id)
    check_password_rules(password, email=user.email, handle=user.handle)
    # Single use even when two requests race with the same link: only one moves `used_at` from NULL.
    taken = db.execute(
        update(PasswordReset)
        .where(PasswordReset.id == reset.id, PasswordReset.used_at.is_(None))
        .values(used_at=now)
        .returning(PasswordReset.id)
    ).first()
    if taken is None:
        raise _bad_link("reset_link_used", "This reset link was used already; ask for a new one.")
    db.execute(
        update(PasswordReset)
        .where(PasswordReset.user_id == user.id, PasswordReset.used_at.is_(None))
        .values(used_at=now)
    )
    db.execute(
        update(AuthSession)
        .where(AuthSession.user_id == user.id, AuthSession.revoked_at.is_(None))
        .values(revoked_at=now)
    )
    user.password_hash = hash_password(password)
    if user.email_verified_at is None:  # the link reached the address: it is theirs
        user.email_verified_at = now
    return user
