"""An account and its public profile: what its owner may change (name, bio, birth date once, avatar) and
what anyone may read."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import select

from clipshop.accounts.models import PublicProfile, User
from clipshop.accounts.service.identity import check_birth_date
from clipshop.errors import Conflict, Invalid, NotFound
from clipshop.kit.actors import Actor
from clipshop.kit.db import UnitOfWork


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
