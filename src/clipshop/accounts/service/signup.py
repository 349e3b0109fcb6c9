"""Sign-up: an account in the home region of its country, its copies in the directory, and its first
session."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import func, or_, select

from clipshop.accounts.models import AccountIndex, PublicProfile, User
from clipshop.accounts.passwords import check_password_rules, hash_password, verify_password
from clipshop.accounts.service.heal import project_account
from clipshop.accounts.service.identity import EMAIL, check_birth_date, email_digest, normalise_handle
from clipshop.accounts.service.sessions import Login, open_session
from clipshop.errors import Conflict, Invalid
from clipshop.kit.db import UnitOfWork
from clipshop.kit.ids import new_id
from clipshop.kit.regions import Regions


def sign_up(
    uow: UnitOfWork,
    *,
    regions: Regions,
    secret: str,
    email: str,
    password: str,
    handle: str,
    country: str,
    display_name: str | None = None,
    now: datetime,
    session_days: int = 30,
    birth_date: date | None = None,
) -> Login:
    """Create an account in the home region of `country` and log it in.

    A sign-up whose process died after its region commit left the account in the region but not in the
    directory (the heal job restores it within minutes). Until then the home region still knows the email:
    the same email with the same password finishes that sign-up here (what a client's retry means), with
    another password it is taken, as always; either way no second account is made."""
    email = email.strip().lower()
    if not EMAIL.match(email) or len(email) > 320:
        raise Invalid("Give a valid email address.", code="invalid_email", field="email")
    handle = normalise_handle(handle)
    if birth_date is not None:
        check_birth_date(birth_date, now=now)
    check_password_rules(password, email=email, handle=handle)
    region = regions.home_region(country)
    digest = email_digest(email, secret=secret)
    if uow.directory.get(AccountIndex, digest) is not None:
        raise _email_taken()
    taken = uow.directory.scalar(select(func.count()).where(PublicProfile.handle == handle))
    if taken:
        raise _handle_taken(handle)
    uow.bind_home(region)
    known = uow.region(region).scalars(select(User).where(or_(User.email == email, User.handle == handle)))
    in_region = {user.email: user for user in known}
    if in_region and email not in in_region:
        raise _handle_taken(handle)
    if earlier := in_region.get(email):
        if not verify_password(earlier.password_hash, password):
            raise _email_taken()
        # A half sign-up never handed out its session, so it cannot have set an avatar since.
        project_account(uow, user=earlier, secret=secret, avatar_url=None)
        return open_session(uow, user=earlier, now=now, days=session_days)
    user = User(
        id=new_id(region),
        email=email,
        password_hash=hash_password(password),
        handle=handle,
        display_name=(display_name or handle).strip()[:60] or handle,
        bio="",
        country=country.upper(),
        created_at=now,
        updated_at=now,
        birth_date=birth_date,
    )
    uow.region(region).add(user)
    uow.region(region).flush()  # the session row below refers to it
    uow.directory.add(AccountIndex(email_digest=digest, user_id=user.id, region=region))
    uow.directory.add(
        PublicProfile(
            user_id=user.id,
            region=region,
            handle=handle,
            display_name=user.display_name,
            bio="",
            follower_count=0,
            following_count=0,
            video_count=0,
            like_count=0,
            created_at=now,
        )
    )
    return open_session(uow, user=user, now=now, days=session_days)


def _email_taken() -> Conflict:
    return Conflict("email_taken", "An account with that email exists; log in instead.", field="email")


def _handle_taken(handle: str) -> Conflict:
    return Conflict("handle_taken", f"The handle @{handle} is taken; choose another.", field="handle")
