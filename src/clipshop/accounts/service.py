"""Sign-up, log-in, sessions and profiles. Plain functions over a unit of work; no HTTP, no commits."""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import delete, func, select, update

from clipshop.accounts.models import AccountIndex, AuthSession, PublicProfile, User
from clipshop.accounts.passwords import check_password_rules, hash_password, verify_password
from clipshop.errors import Conflict, Invalid, NotFound, Unauthenticated
from clipshop.kit.actors import STAFF_ROLES, Actor, Role
from clipshop.kit.db import UnitOfWork
from clipshop.kit.holdings import Held, rows
from clipshop.kit.ids import is_valid_id, new_id, region_of
from clipshop.kit.regions import Regions

HANDLE = re.compile(r"^[a-z0-9_.]{3,30}$")
EMAIL = re.compile(r"^[^@\s]{1,64}@[^@\s]+\.[^@\s]{2,}$")


@dataclass(frozen=True)
class Login:
    user: User
    token: str
    expires_at: datetime


def email_digest(email: str, *, secret: str) -> str:
    return hmac.new(secret.encode(), email.strip().lower().encode(), hashlib.sha256).hexdigest()


def normalise_handle(handle: str) -> str:
    value = handle.strip().lstrip("@").lower()
    if not HANDLE.match(value):
        raise Invalid(
            "A handle is 3 to 30 characters: letters, digits, '_' and '.'.",
            code="invalid_handle",
            field="handle",
        )
    return value


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
) -> Login:
    """Create an account in the home region of `country` and log it in."""
    email = email.strip().lower()
    if not EMAIL.match(email) or len(email) > 320:
        raise Invalid("Give a valid email address.", code="invalid_email", field="email")
    handle = normalise_handle(handle)
    check_password_rules(password, email=email, handle=handle)
    region = regions.home_region(country)
    digest = email_digest(email, secret=secret)
    if uow.directory.get(AccountIndex, digest) is not None:
        raise Conflict("email_taken", "An account with that email exists; log in instead.", field="email")
    taken = uow.directory.scalar(select(func.count()).where(PublicProfile.handle == handle))
    if taken:
        raise Conflict("handle_taken", f"The handle @{handle} is taken; choose another.", field="handle")
    uow.bind_home(region)
    user = User(
        id=new_id(region),
        email=email,
        password_hash=hash_password(password),
        handle=handle,
        display_name=(display_name or handle).strip()[:60] or handle,
        bio="",
        country=country.upper(),
        created_at=now,
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
    return uow.region(region_of(session.id)).get(User, session.user_id)


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


def update_profile(
    uow: UnitOfWork, *, actor: Actor, display_name: str | None = None, bio: str | None = None
) -> User:
    user = uow.region(actor.region).get_one(User, actor.id)
    profile = uow.directory.get_one(PublicProfile, actor.id)
    if display_name is not None:
        name = display_name.strip()
        if not 1 <= len(name) <= 60:
            raise Invalid("A display name is 1 to 60 characters.", field="display_name")
        user.display_name = profile.display_name = name
    if bio is not None:
        if len(bio) > 300:
            raise Invalid("A bio is at most 300 characters.", field="bio")
        user.bio = profile.bio = bio.strip()
    return user


def get_user(uow: UnitOfWork, *, actor: Actor) -> User:
    """The actor's own account."""
    return uow.region(actor.region).get_one(User, actor.id)


def set_avatar(uow: UnitOfWork, *, actor: Actor, key: str, url: str) -> User:
    user = uow.region(actor.region).get_one(User, actor.id)
    user.avatar_key = key
    uow.directory.get_one(PublicProfile, actor.id).avatar_url = url
    return user


def actor_of(user: User) -> Actor:
    region = region_of(user.id)
    role = Role(user.staff_role) if user.staff_role else Role.USER
    return Actor(
        id=user.id, region=region, handle=user.handle, role=role, jurisdiction=user.jurisdiction or region
    )


def make_staff(uow: UnitOfWork, *, user_id: str, role: Role, jurisdiction: str) -> User:
    """Give an account a platform staff role (support, moderator, operator) and the jurisdiction it works
    under. There is no self-service way to this: operators run `clipshop staff add`."""
    if role not in STAFF_ROLES:
        raise Invalid(f"{role} is not a staff role; choose support, moderator or operator.", field="role")
    if jurisdiction not in uow.databases.region_engines:
        raise Invalid(f"There is no region {jurisdiction!r}.", field="jurisdiction")
    known = set(uow.databases.region_engines)
    user = uow.find(User, user_id, region=region_of(user_id)) if is_valid_id(user_id, known) else None
    if user is None:
        raise NotFound("user", user_id)
    user.staff_role, user.jurisdiction = role.value, jurisdiction
    return user


def get_profile_by_id(uow: UnitOfWork, *, user_id: str) -> PublicProfile | None:
    """The public profile of an account, or None once it is gone."""
    return uow.directory.get(PublicProfile, user_id)


def get_profile(uow: UnitOfWork, *, handle: str) -> PublicProfile:
    """The public profile of `@handle` (the @ is optional), or not found."""
    profile = uow.directory.scalar(
        select(PublicProfile).where(PublicProfile.handle == handle.lower().lstrip("@"))
    )
    if profile is None:
        raise NotFound("user", f"@{handle}")
    return profile


# -- Data rights -------------------------------------------------------------------------------------------
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
    uow.directory.execute(delete(AccountIndex).where(AccountIndex.user_id == user_id))
    uow.directory.execute(delete(PublicProfile).where(PublicProfile.user_id == user_id))
    return f"avatars/{user_id}/"
