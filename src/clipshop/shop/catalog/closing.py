"""Closing a shop, the catalog's side: the shop is marked closed for good, leaves the directory with all it
sold (`projection.unlist_shop`), and gives back the units it held for checkouts still waiting for their
money, so nothing more is sold. Its rows stay in its region, since orders and books point at them. Whether
it may close (no order left to ship, no return left to answer) is the orders' side to say
(`clipshop.shop.orders.closing`)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select, update

from clipshop.kit.db import UnitOfWork
from clipshop.kit.ids import region_of
from clipshop.shop.catalog import stock
from clipshop.shop.catalog.models import Product, ReservationStatus, Shop, StockReservation, Variant
from clipshop.shop.catalog.projection import unlist_shop


def close(uow: UnitOfWork, *, shop: Shop, now: datetime) -> list[str]:
    """Close `shop` (at home: its owner's region) and return the variants whose held units came back. Its
    products' write time moves to `now`, so the heal's next run checks their copies are gone."""
    db = uow.region(region_of(shop.id))
    shop.closed_at = now
    db.execute(update(Product).where(Product.shop_id == shop.id).values(updated_at=now))
    db.flush()
    unlist_shop(uow, shop=shop)
    return release_holds(uow, shop=shop, now=now)


def release_holds(uow: UnitOfWork, *, shop: Shop, now: datetime) -> list[str]:
    """Give back the units held for the shop's unpaid orders whose hold has not run out (those that have are
    the housekeeping's). A payment that still arrives for such an order finds the shop closed and is
    refunded (`orders.payments.mark_paid`)."""
    region = region_of(shop.id)
    held = (
        select(StockReservation.order_id)
        .join(Variant, Variant.id == StockReservation.variant_id)
        .where(
            Variant.shop_id == shop.id,
            StockReservation.status == ReservationStatus.HELD,
            StockReservation.expires_at >= now,
        )
        .distinct()
    )
    released: list[str] = []
    for order_id in sorted(uow.region(region).scalars(held)):
        released += stock.release(uow, shop_region=region, order_id=order_id, now=now)
    return released
