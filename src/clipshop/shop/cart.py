"""The buyer's side before checkout: one cart across shops, the address book, and attribution touches (which
creator's video or showcase led to a product). All of it lives in the buyer's home region."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select, update

from clipshop.errors import Invalid, NotFound
from clipshop.events import service as events
from clipshop.events.models import EventKind
from clipshop.kit.actors import Actor
from clipshop.kit.db import UnitOfWork
from clipshop.kit.ids import new_id
from clipshop.shop.models import (
    Address,
    AttributionTouch,
    CartItem,
    PublicProduct,
    PublicShowcaseItem,
    PublicVariant,
    PublicVideoProduct,
)

MAX_QUANTITY = 99
MAX_ADDRESSES = 20


def _public_variant(uow: UnitOfWork, variant_id: str) -> PublicVariant:
    variant = uow.directory.get(PublicVariant, variant_id)
    if variant is None:
        raise NotFound("item", variant_id, field="variant_id")
    return variant


def add_to_cart(uow: UnitOfWork, *, actor: Actor, variant_id: str, quantity: int, now: datetime) -> CartItem:
    if not 1 <= quantity <= MAX_QUANTITY:
        raise Invalid(f"Quantities are 1 to {MAX_QUANTITY}.", code="invalid_quantity", field="quantity")
    variant = _public_variant(uow, variant_id)
    db = uow.region(actor.region)
    # Credit the clip the product was opened from, so the feed learns which videos sell.
    touched = db.get(AttributionTouch, (actor.id, variant.product_id))
    events.record(
        uow,
        actor=actor,
        kind=EventKind.ADD_TO_CART,
        now=now,
        video_id=touched.video_id if touched else None,
        product_id=variant.product_id,
        creator_id=touched.creator_id if touched else None,
        value=float(quantity),
    )
    item = db.get(CartItem, (actor.id, variant_id))
    if item is None:
        item = CartItem(user_id=actor.id, variant_id=variant_id, quantity=quantity, added_at=now)
        db.add(item)
    else:
        item.quantity = min(MAX_QUANTITY, item.quantity + quantity)
    return item


def set_quantity(uow: UnitOfWork, *, actor: Actor, variant_id: str, quantity: int) -> CartItem | None:
    db = uow.region(actor.region)
    item = db.get(CartItem, (actor.id, variant_id))
    if item is None:
        raise NotFound("cart item", variant_id)
    if quantity == 0:
        db.delete(item)
        return None
    if not 1 <= quantity <= MAX_QUANTITY:
        raise Invalid(
            f"Quantities are 0 (remove) to {MAX_QUANTITY}.", code="invalid_quantity", field="quantity"
        )
    item.quantity = quantity
    return item


def cart_of(
    uow: UnitOfWork, *, actor: Actor
) -> list[tuple[CartItem, PublicVariant | None, PublicProduct | None]]:
    db = uow.region(actor.region)
    items = list(
        db.scalars(
            select(CartItem)
            .where(CartItem.user_id == actor.id)
            .order_by(CartItem.added_at, CartItem.variant_id)
        )
    )
    if not items:
        return []
    variants = {
        v.id: v
        for v in uow.directory.scalars(
            select(PublicVariant).where(PublicVariant.id.in_([i.variant_id for i in items]))
        )
    }
    products = {
        p.id: p
        for p in uow.directory.scalars(
            select(PublicProduct).where(PublicProduct.id.in_({v.product_id for v in variants.values()}))
        )
    }
    return [
        (
            i,
            variants.get(i.variant_id),
            products.get(variants[i.variant_id].product_id) if i.variant_id in variants else None,
        )
        for i in items
    ]


# -- addresses ---------------------------------------------------------------------------------------------

ADDRESS_FIELDS = ("name", "line1", "line2", "city", "state", "postal_code", "country", "phone")


def check_address(fields: dict[str, str]) -> dict[str, str]:
    """A complete shipping address with every field present and trimmed, or Invalid naming what is missing."""
    clean = {k: str(fields.get(k) or "").strip()[:200] for k in ADDRESS_FIELDS}
    for required in ("name", "line1", "city", "postal_code", "country"):
        if not clean[required]:
            raise Invalid(
                f"The address needs its {required.replace('_', ' ')}.",
                code="address_incomplete",
                field=f"address.{required}",
            )
    clean["country"] = clean["country"].upper()
    if len(clean["country"]) != 2 or not clean["country"].isalpha():
        raise Invalid(
            "Give the country as a two-letter code (US, DE…).",
            code="invalid_country",
            field="address.country",
        )
    return clean


def add_address(
    uow: UnitOfWork, *, actor: Actor, fields: dict[str, str], make_default: bool, now: datetime
) -> Address:
    db = uow.region(actor.region)
    existing = list(db.scalars(select(Address).where(Address.user_id == actor.id)))
    if len(existing) >= MAX_ADDRESSES:
        raise Invalid(f"Keep at most {MAX_ADDRESSES} addresses; remove one first.", code="too_many_addresses")
    clean = check_address(fields)
    default = make_default or not existing
    if default:
        db.execute(update(Address).where(Address.user_id == actor.id).values(is_default=False))
    address = Address(
        id=new_id(actor.region),
        user_id=actor.id,
        is_default=default,
        created_at=now,
        **clean,
    )
    db.add(address)
    return address


def addresses_of(uow: UnitOfWork, *, actor: Actor) -> list[Address]:
    db = uow.region(actor.region)
    return list(
        db.scalars(
            select(Address)
            .where(Address.user_id == actor.id)
            .order_by(Address.is_default.desc(), Address.created_at)
        )
    )


def remove_address(uow: UnitOfWork, *, actor: Actor, address_id: str) -> None:
    db = uow.region(actor.region)
    address = db.get(Address, address_id)
    if address is None or address.user_id != actor.id:
        raise NotFound("address", address_id)
    db.delete(address)


# -- attribution -------------------------------------------------------------------------------------------


def touch(
    uow: UnitOfWork,
    *,
    actor: Actor,
    product_id: str,
    video_id: str | None,
    creator_id: str | None,
    now: datetime,
) -> AttributionTouch | None:
    """Remember that the actor opened a product from a creator's video (or showcase); the latest touch wins.
    Touches that do not match a real tag or showcase entry are ignored, so nobody can claim commission."""
    creator: str | None = None
    events.record(
        uow,
        actor=actor,
        kind=EventKind.PRODUCT_OPEN,
        now=now,
        video_id=video_id or None,
        product_id=product_id,
        creator_id=creator_id or None,
    )
    if video_id:
        tag = uow.directory.scalars(
            select(PublicVideoProduct).where(
                PublicVideoProduct.video_id == video_id, PublicVideoProduct.product_id == product_id
            )
        ).first()
        creator = tag.creator_id if tag else None
    elif creator_id:
        listed = uow.directory.get(PublicShowcaseItem, (creator_id, product_id))
        creator = creator_id if listed else None
    if creator is None or creator == actor.id:
        return None
    db = uow.region(actor.region)
    row = db.get(AttributionTouch, (actor.id, product_id))
    if row is None:
        row = AttributionTouch(
            user_id=actor.id,
            product_id=product_id,
            creator_id=creator,
            video_id=video_id or None,
            touched_at=now,
        )
        db.add(row)
    else:
        row.creator_id, row.video_id, row.touched_at = creator, video_id or None, now
    return row
