"""Sign-up, log-in, sessions and profiles. Plain functions over a unit of work; no HTTP, no commits."""

from __future__ import annotations

import hashlib
import hmac
import logging
import re
import secrets
from collections import Counter
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy import delete, func, or_, select, update

from clipshop.accounts import appeal_pass
from clipshop.accounts.models import (
    AccountIndex,
    AuthSession,
    EmailVerification,
    PasswordReset,
    PublicProfile,
    User,
)
from clipshop.accounts.passwords import check_password_rules, hash_password, verify_password
from clipshop.errors import Conflict, Forbidden, Invalid, NotFound, Unauthenticated
from clipshop.kit.actors import STAFF_ROLES, Actor, Role
from clipshop.kit.db import UnitOfWork
from clipshop.kit.holdings import Held, rows
from clipshop.kit.ids import is_valid_id, new_id, region_of
from clipshop.kit.ports import MediaStore
from clipshop.kit.regions import Regions
from clipshop.kit.watermarks import Window, rows_in_batches

log = logging.getLogger(__name__)

# The youngest a person may sign up at (the usual floor for services with user profiles and messaging).
MIN_SIGNUP_AGE = 13
HANDLE = re.compile(r"^[a-z0-9_.]{3,30}$")
EMAIL = re.compile(r"^[^@\s]{1,64}@[^@\s]+\.[^@\s]{2,}$")


@dataclass(frozen=True)
class Login:
    user: User
    token: str
    expires_at: datetime


class AccountSuspended(Forbidden):
    code = "account_suspended"


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


def check_birth_date(birth_date: date, *, now: datetime) -> None:
    """Refuse a birth date in the future, before 1900, or of someone under `MIN_SIGNUP_AGE`."""
    today = now.date()
    if birth_date > today or birth_date.year < 1900:
        raise Invalid(
            "Give your real birth date (YYYY-MM-DD).", code="invalid_birth_date", field="birth_date"
        )
    probe = Actor(id="", region="", handle="", birth_date=birth_date)
    if (probe.age_on(today) or 0) < MIN_SIGNUP_AGE:
        raise Invalid(
            f"You must be at least {MIN_SIGNUP_AGE} to use Clipshop.", code="too_young", field="birth_date"
        )


def _email_taken() -> Conflict:
    return Conflict("email_taken", "An account with that email exists; log in instead.", field="email")


def _handle_taken(handle: str) -> Conflict:
    return Conflict("handle_taken", f"The handle @{handle} is taken; choose another.", field="handle")


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


def update_profile(
    uow: UnitOfWork,
    *,
    actor: Actor,
    now: datetime,
    display_name: str | None = None,
    bio: str | None = None,
    birth_date: date | None = None,
) -> User:
    user = uow.region(actor.region).get_one(User, actor.id)
    if birth_date is not None and birth_date != user.birth_date:
        if user.birth_date is not None:
            # A minor must not make themselves an adult by typing another date.
            raise Conflict(
                "birth_date_set",
                "Your birth date is set already; ask support to correct it.",
                field="birth_date",
            )
        check_birth_date(birth_date, now=now)
        user.birth_date = birth_date
    user.updated_at = now
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


def set_avatar(uow: UnitOfWork, *, actor: Actor, key: str, url: str, now: datetime) -> User:
    user = uow.region(actor.region).get_one(User, actor.id)
    user.avatar_key, user.updated_at = key, now
    uow.directory.get_one(PublicProfile, actor.id).avatar_url = url
    return user


def actor_of(user: User) -> Actor:
    region = region_of(user.id)
    role = Role(user.staff_role) if user.staff_role else Role.USER
    return Actor(
        id=user.id,
        region=region,
        handle=user.handle,
        role=role,
        jurisdiction=user.jurisdiction or region,
        birth_date=user.birth_date,
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


# -- the directory's copies, healed from the region ----------------------------------------------------------


def project_account(uow: UnitOfWork, *, user: User, secret: str, avatar_url: str | None) -> list[str]:
    """Bring the directory's copies of an account (its index entry, by which log-ins find it, and its
    public profile) in line with its row in the home region; returns what it fixed. Idempotent. An
    account whose email or handle another account holds in the directory is left out (the other one signed
    up after this one's sign-up died half-way) and reported as skipped."""
    fixed: list[str] = []
    region = region_of(user.id)
    digest = email_digest(user.email, secret=secret)
    entry = uow.directory.get(AccountIndex, digest)
    if entry is not None and entry.user_id != user.id:
        log.warning("account %s is not in the directory: another account holds its email", user.id)
        return ["skipped: email held by another account"]
    if entry is None:
        if uow.directory.scalar(select(AccountIndex.email_digest).where(AccountIndex.user_id == user.id)):
            # Made with another secret than this process has: a misconfiguration to report, not to act on
            # (rewriting every entry with the wrong key would stop every log-in).
            log.warning("account %s is indexed under another digest: is the secret key right?", user.id)
            return ["skipped: indexed under another secret key"]
        uow.directory.add(AccountIndex(email_digest=digest, user_id=user.id, region=region))
        fixed.append("account index")
    elif entry.region != region:
        entry.region = region
        fixed.append("account index")
    shown = {
        "region": region,
        "handle": user.handle,
        "display_name": user.display_name,
        "bio": user.bio,
        "avatar_url": avatar_url,
    }
    profile = uow.directory.get(PublicProfile, user.id)
    if profile is None:
        holder = uow.directory.scalar(
            select(PublicProfile.user_id).where(PublicProfile.handle == user.handle)
        )
        if holder is not None:
            log.warning("account %s has no public profile: another account holds @%s", user.id, user.handle)
            return [*fixed, "skipped: handle held by another account"]
        uow.directory.add(
            PublicProfile(
                user_id=user.id,
                follower_count=0,
                following_count=0,
                video_count=0,
                like_count=0,
                created_at=user.created_at,
                **shown,
            )
        )
        fixed.append("public profiles")
    elif any(getattr(profile, name) != value for name, value in shown.items()):
        for name, value in shown.items():
            setattr(profile, name, value)
        fixed.append("public profiles")
    uow.directory.flush()
    return fixed


def heal_projections(
    uow: UnitOfWork, *, region: str, window: Window, secret: str, store: MediaStore
) -> dict[str, int]:
    """Rebuild what the directory lacks, or has stale, of the accounts of `region` written in `window`:
    index entries and public profiles (`project_account`). Returns how many rows of each it fixed."""
    fixed: Counter[str] = Counter()
    db = uow.region(region)
    shown = (User.id, User.email, User.handle, User.display_name, User.bio, User.avatar_key)
    for users in rows_in_batches(db, select(*shown).where(window.holds(User.updated_at)), key=User.id):
        # Plain rows on both sides: a sweep compares every account and rebuilds a few.
        ids = [user.id for user in users]
        indexed = {
            user_id: (digest, where)
            for digest, user_id, where in uow.directory.execute(
                select(AccountIndex.email_digest, AccountIndex.user_id, AccountIndex.region).where(
                    AccountIndex.user_id.in_(ids)
                )
            )
        }
        profiles = {
            row[0]: tuple(row[1:])
            for row in uow.directory.execute(
                select(
                    PublicProfile.user_id,
                    PublicProfile.region,
                    PublicProfile.handle,
                    PublicProfile.display_name,
                    PublicProfile.bio,
                    PublicProfile.avatar_url,
                ).where(PublicProfile.user_id.in_(ids))
            )
        }
        for user_id, email, handle, display_name, bio, avatar_key in users:
            avatar_url = store.url(avatar_key) if avatar_key else None
            if indexed.get(user_id) == (email_digest(email, secret=secret), region) and profiles.get(
                user_id
            ) == (region, handle, display_name, bio, avatar_url):
                continue
            user = db.get_one(User, user_id)
            fixed.update(project_account(uow, user=user, secret=secret, avatar_url=avatar_url))
    return dict(fixed)


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
