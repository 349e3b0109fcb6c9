"""Shops and who runs them: opening a shop, its staff, and the one answer to "the shop this actor runs, or
not found" (`get`), so shops cannot be probed. A closed shop (`closing.py`) stays here, with its staff, for
its orders and books; `ShopClosed` is what a buyer or a seller is told when they reach for it."""

from __future__ import annotations

import re
from datetime import datetime

from sqlalchemy import delete, select

from clipshop.accounts.models import PublicProfile
from clipshop.errors import Conflict, Invalid, NotFound
from clipshop.kit.actors import Actor
from clipshop.kit.db import UnitOfWork
from clipshop.kit.ids import is_valid_id, new_id, region_of
from clipshop.shop.catalog.models import (
    PublicShop,
    ShippingOption,
    Shop,
    ShopNamed,
    ShopStaff,
    StaffRole,
    Variant,
)
from clipshop.shop.money import check_currency

SHOP_HANDLE = re.compile(r"^[a-z0-9][a-z0-9-]{2,39}$")


class ShopClosed(Conflict):
    """What someone is told when they reach for a shop its owner has closed (to buy, or to list more)."""

    def __init__(self, shop: ShopNamed, *, detail: str | None = None, **extra: object) -> None:
        super().__init__(
            "shop_closed",
            detail
            or f"The shop {shop.name} has closed: its products can no longer be bought. Remove them from "
            "your cart and try again.",
            shop_id=shop.id,
            **extra,
        )


def require_open(shop: Shop) -> None:
    """Raise ShopClosed, for its staff, if the shop is closed."""
    if shop.closed_at is not None:
        raise ShopClosed(shop, detail=f"The shop {shop.name} is closed; a closed shop lists nothing more.")


def is_closed(uow: UnitOfWork, *, shop_id: str) -> bool:
    """Whether the shop `shop_id` (in whichever region holds it) has been closed by its owner."""
    shop = find(uow, shop_id)
    return shop is not None and shop.closed_at is not None


def closed_seller(uow: UnitOfWork, *, variant_id: str) -> Shop | None:
    """The closed shop that sold `variant_id`, when that is why the variant is gone from the directory."""
    if not is_valid_id(variant_id, set(uow.databases.regions)):
        return None
    region = region_of(variant_id)
    shop_id = uow.region(region).scalar(select(Variant.shop_id).where(Variant.id == variant_id))
    shop = uow.region(region).get(Shop, shop_id) if shop_id is not None else None
    return shop if shop is not None and shop.closed_at is not None else None


def find(uow: UnitOfWork, shop_id: str) -> Shop | None:
    """The shop `shop_id` in whichever region holds it, or None (also for a string that is no id of ours)."""
    if not is_valid_id(shop_id, set(uow.databases.regions)):
        return None
    return uow.find(Shop, shop_id, region=region_of(shop_id))


def create(
    uow: UnitOfWork, *, actor: Actor, handle: str, name: str, currency: str, description: str, now: datetime
) -> Shop:
    """Open the actor's shop in their home region, with a standard shipping option to start with."""
    handle = handle.strip().lower()
    if not SHOP_HANDLE.match(handle):
        raise Invalid(
            "A shop handle is 3 to 40 lowercase letters, digits and '-'.",
            code="invalid_shop_handle",
            field="handle",
        )
    if not name.strip():
        raise Invalid("Give the shop a name.", code="invalid_shop_name", field="name")
    db = uow.region(actor.region)
    mine = db.scalars(select(Shop).where(Shop.owner_id == actor.id)).first()
    if mine is not None:
        if mine.closed_at is not None:
            raise Conflict(
                "shop_exists", f"You ran the shop @{mine.handle}, now closed; one account runs one shop."
            )
        raise Conflict("shop_exists", "You already have a shop; one account runs one shop.")
    # A closed shop has left the directory but keeps its handle in its region (its orders name it).
    taken_here = db.scalar(select(Shop.id).where(Shop.handle == handle)) is not None
    if (
        taken_here
        or uow.directory.scalar(select(PublicShop.id).where(PublicShop.handle == handle)) is not None
    ):
        raise Conflict(
            "shop_handle_taken", f"The shop handle {handle!r} is taken; pick another.", field="handle"
        )
    shop = Shop(
        id=new_id(actor.region),
        owner_id=actor.id,
        handle=handle,
        name=name.strip()[:80],
        description=description.strip(),
        currency=check_currency(currency),
        created_at=now,
    )
    db.add(shop)
    db.flush()
    db.add(ShopStaff(shop_id=shop.id, user_id=actor.id, role=StaffRole.OWNER, created_at=now))
    db.add(
        ShippingOption(
            id=new_id(actor.region), shop_id=shop.id, name="Standard", price=0, min_days=3, max_days=7
        )
    )
    uow.directory.add(
        PublicShop(
            id=shop.id,
            region=actor.region,
            owner_id=actor.id,
            handle=shop.handle,
            name=shop.name,
            description=shop.description,
            currency=shop.currency,
            created_at=now,
        )
    )
    uow.directory.flush()
    return shop


def role(uow: UnitOfWork, *, shop_id: str, actor: Actor) -> StaffRole | None:
    """The actor's role on the shop, or None if they do not run it (or it does not exist)."""
    if not is_valid_id(shop_id, set(uow.databases.regions)) or region_of(shop_id) != actor.region:
        return None  # a shop's staff live in its region
    row = uow.region(region_of(shop_id)).get(ShopStaff, (shop_id, actor.id))
    return None if row is None else row.role


def get(uow: UnitOfWork, *, actor: Actor, shop_id: str, owner: bool = False) -> Shop:
    """The shop if the actor runs it (as owner when `owner`); else NotFound, so shops cannot be probed."""
    staff_role = role(uow, shop_id=shop_id, actor=actor)
    shop = find(uow, shop_id) if staff_role is not None else None
    if shop is None or (owner and staff_role is not StaffRole.OWNER):
        raise NotFound("shop", shop_id)
    return shop


def get_all(uow: UnitOfWork, *, actor: Actor) -> list[Shop]:
    """Every shop the actor runs, closed ones too (their orders and money are still theirs to see): a shop's
    staff are homed in its region, so they are all at home."""
    db = uow.region(actor.region)
    ids = select(ShopStaff.shop_id).where(ShopStaff.user_id == actor.id)
    return list(db.scalars(select(Shop).where(Shop.id.in_(ids)).order_by(Shop.created_at, Shop.id)))


def get_public(uow: UnitOfWork, *, shop: str) -> PublicShop:
    """A shop's public copy by id or handle."""
    found = (
        uow.directory.get(PublicShop, shop)
        or uow.directory.scalars(select(PublicShop).where(PublicShop.handle == shop.lower())).first()
    )
    if found is None:
        raise NotFound("shop", shop)
    return found


# -- staff -------------------------------------------------------------------------------------------------


def get_staff(uow: UnitOfWork, *, actor: Actor, shop_id: str) -> list[ShopStaff]:
    shop = get(uow, actor=actor, shop_id=shop_id)
    db = uow.region(region_of(shop.id))
    return list(
        db.scalars(select(ShopStaff).where(ShopStaff.shop_id == shop.id).order_by(ShopStaff.created_at))
    )


def add_staff(uow: UnitOfWork, *, actor: Actor, shop_id: str, user_id: str, now: datetime) -> ShopStaff:
    shop = get(uow, actor=actor, shop_id=shop_id, owner=True)
    profile = uow.directory.get(PublicProfile, user_id)
    if profile is None:
        raise NotFound("user", user_id)
    if profile.region != region_of(shop.id):
        # The staff list names its people, so it stays where they live: a shop is run from its region.
        raise Invalid(
            f"@{profile.handle} lives in region {profile.region} and the shop in {region_of(shop.id)}; "
            "a shop's staff must live in the shop's region.",
            code="staff_region",
            field="user_id",
        )
    db = uow.region(region_of(shop.id))
    row = db.get(ShopStaff, (shop.id, user_id))
    if row is None:
        row = ShopStaff(shop_id=shop.id, user_id=user_id, role=StaffRole.STAFF, created_at=now)
        db.add(row)
    return row


def remove_staff(uow: UnitOfWork, *, actor: Actor, shop_id: str, user_id: str) -> None:
    shop = get(uow, actor=actor, shop_id=shop_id, owner=True)
    if user_id == shop.owner_id:
        raise Conflict("owner_cannot_leave", "The owner stays on the shop's staff.")
    uow.region(region_of(shop.id)).execute(
        delete(ShopStaff).where(ShopStaff.shop_id == shop.id, ShopStaff.user_id == user_id)
    )
