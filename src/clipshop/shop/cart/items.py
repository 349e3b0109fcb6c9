"""One cart across shops: lines name public variants; adding records the add-to-cart event the feed learns
from, crediting the clip the product was opened from."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import case, select

from clipshop.errors import Invalid, NotFound
from clipshop.events import service as events
from clipshop.events.models import EventKind
from clipshop.kit.actors import Actor
from clipshop.kit.db import UnitOfWork, dialect_insert
from clipshop.shop.cart.models import AttributionTouch, CartItem
from clipshop.shop.catalog import browse, shops
from clipshop.shop.catalog.models import PublicProduct, PublicVariant
from clipshop.shop.catalog.shops import ShopClosed
from clipshop.shop.catalog.withholding import withheld_seller

MAX_QUANTITY = 99


@dataclass(frozen=True)
class CartLine:
    item: CartItem
    variant: PublicVariant | None
    listing: browse.Listing | None


def create(uow: UnitOfWork, *, actor: Actor, variant_id: str, quantity: int, now: datetime) -> CartItem:
    """Put units of a variant in the actor's cart (added to a line already there, up to the maximum)."""
    if not 1 <= quantity <= MAX_QUANTITY:
        raise Invalid(f"Quantities are 1 to {MAX_QUANTITY}.", code="invalid_quantity", field="quantity")
    variant = uow.directory.get(PublicVariant, variant_id)
    if variant is None:
        closed = shops.closed_seller(uow, variant_id=variant_id)
        if closed is not None:
            raise ShopClosed(
                closed,
                detail=f"The shop {closed.name} has closed: its products can no longer be bought.",
                field="variant_id",
            )
        withheld_seller(uow, variant_id=variant_id, field="variant_id")
        raise NotFound("item", variant_id, field="variant_id")
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
    # One atomic upsert, not a read then a write: a paid cart checkout's job may take bought units out of
    # this line between the two, and the write would then miss its row.
    added = dialect_insert(db, CartItem).values(
        user_id=actor.id, variant_id=variant_id, quantity=quantity, added_at=now
    )
    total = CartItem.quantity + added.excluded.quantity
    db.execute(
        added.on_conflict_do_update(
            index_elements=["user_id", "variant_id"],
            set_={"quantity": case((total > MAX_QUANTITY, MAX_QUANTITY), else_=total)},
        )
    )
    return db.get_one(CartItem, (actor.id, variant_id), populate_existing=True)


def update(uow: UnitOfWork, *, actor: Actor, variant_id: str, quantity: int) -> CartItem | None:
    """Set a line's quantity; 0 removes it."""
    db = uow.region(actor.region)
    item = db.get(CartItem, (actor.id, variant_id))
    if item is None:
        raise NotFound("cart item", variant_id)
    if quantity == 0:
        db.delete(item)
        db.flush()
        return None
    if not 1 <= quantity <= MAX_QUANTITY:
        raise Invalid(
            f"Quantities are 0 (remove) to {MAX_QUANTITY}.", code="invalid_quantity", field="quantity"
        )
    item.quantity = quantity
    db.flush()
    return item


def delete(uow: UnitOfWork, *, actor: Actor, variant_id: str) -> None:
    update(uow, actor=actor, variant_id=variant_id, quantity=0)


def get_all(uow: UnitOfWork, *, actor: Actor) -> list[CartLine]:
    """The actor's cart lines, oldest first, with what is on sale of each (None once it is gone)."""
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
    found = [
        products.get(variants[i.variant_id].product_id) if i.variant_id in variants else None for i in items
    ]
    listed = iter(browse.listings(uow, [p for p in found if p is not None]))
    return [
        CartLine(item, variants.get(item.variant_id), next(listed) if product is not None else None)
        for item, product in zip(items, found, strict=True)
    ]
