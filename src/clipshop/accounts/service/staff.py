"""Who an account acts as (its role and jurisdiction), and the staff roles operators give."""

from __future__ import annotations

from clipshop.accounts.models import User
from clipshop.errors import Invalid, NotFound
from clipshop.kit.actors import STAFF_ROLES, Actor, Role
from clipshop.kit.db import UnitOfWork
from clipshop.kit.ids import is_valid_id, region_of


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
