"""A shop's shipping options: anyone may list them (checkout shows them), staff add them."""

from __future__ import annotations

from sqlalchemy import select

from clipshop.errors import Invalid, NotFound
from clipshop.kit.actors import Actor
from clipshop.kit.db import UnitOfWork
from clipshop.kit.ids import new_id, region_of
from clipshop.shop.catalog import shops
from clipshop.shop.catalog.models import ShippingOption


def get_all(uow: UnitOfWork, *, shop_id: str) -> list[ShippingOption]:
    """The shop's options, cheapest first."""
    if shops.find(uow, shop_id) is None:
        raise NotFound("shop", shop_id)
    db = uow.region(region_of(shop_id))
    return list(
        db.scalars(
            select(ShippingOption).where(ShippingOption.shop_id == shop_id).order_by(ShippingOption.price)
        )
    )


def create(
    uow: UnitOfWork, *, actor: Actor, shop_id: str, name: str, price: int, min_days: int, max_days: int
) -> ShippingOption:
    shop = shops.get(uow, actor=actor, shop_id=shop_id)
    if price < 0 or min_days < 0 or max_days < min_days:
        raise Invalid("Shipping needs a price ≥ 0 and 0 ≤ min_days ≤ max_days.", code="invalid_shipping")
    option = ShippingOption(
        id=new_id(region_of(shop.id)),
        shop_id=shop.id,
        name=name.strip()[:60] or "Shipping",
        price=price,
        min_days=min_days,
        max_days=max_days,
    )
    uow.region(region_of(shop.id)).add(option)
    return option
