"""Buyer routes before checkout: the cart, the address book, and product opens (affiliate attribution)."""

from __future__ import annotations

from fastapi import APIRouter

from clipshop.kit.actors import Actor
from clipshop.kit.db import UnitOfWork
from clipshop.platform.http import CommittingRoute, CurrentActor, PlatformDep, UowDep
from clipshop.shop.cart import addresses, attribution, items
from clipshop.shop.cart.schemas import (
    AddressIn,
    AddressRead,
    CartAdd,
    CartLineRead,
    CartRead,
    CartUpdate,
    ProductOpenIn,
)
from clipshop.shop.catalog.schemas import ProductRead, variant_read

router = APIRouter(route_class=CommittingRoute, tags=["shop"])


@router.post("/products/{product_id}/open", status_code=204)
def open_product(
    product_id: str, body: ProductOpenIn, actor: CurrentActor, uow: UowDep, platform: PlatformDep
) -> None:
    """Say the product sheet was opened from a creator's video or showcase (for affiliate attribution)."""
    attribution.open_product(
        uow,
        actor=actor,
        product_id=product_id,
        video_id=body.video_id,
        creator_id=body.creator_id,
        now=platform.clock.now(),
    )


def _cart_read(uow: UnitOfWork, actor: Actor) -> CartRead:
    lines = [
        CartLineRead(
            variant_id=line.item.variant_id,
            quantity=line.item.quantity,
            product=ProductRead.of_listing(line.listing) if line.listing else None,
            variant=variant_read(line.variant) if line.variant else None,
        )
        for line in items.get_all(uow, actor=actor)
    ]
    return CartRead(items=lines, count=sum(i.quantity for i in lines))


@router.get("/cart", response_model=CartRead)
def get_cart(actor: CurrentActor, uow: UowDep) -> CartRead:
    return _cart_read(uow, actor)


@router.post("/cart/items", response_model=CartRead)
def add_to_cart(body: CartAdd, actor: CurrentActor, uow: UowDep, platform: PlatformDep) -> CartRead:
    items.create(
        uow, actor=actor, variant_id=body.variant_id, quantity=body.quantity, now=platform.clock.now()
    )
    return _cart_read(uow, actor)


@router.patch("/cart/items/{variant_id}", response_model=CartRead)
def update_cart_item(variant_id: str, body: CartUpdate, actor: CurrentActor, uow: UowDep) -> CartRead:
    items.update(uow, actor=actor, variant_id=variant_id, quantity=body.quantity)
    return _cart_read(uow, actor)


@router.delete("/cart/items/{variant_id}", response_model=CartRead)
def remove_cart_item(variant_id: str, actor: CurrentActor, uow: UowDep) -> CartRead:
    items.delete(uow, actor=actor, variant_id=variant_id)
    return _cart_read(uow, actor)


@router.get("/me/addresses", response_model=list[AddressRead])
def list_addresses(actor: CurrentActor, uow: UowDep) -> list[AddressRead]:
    return [AddressRead.model_validate(a) for a in addresses.get_all(uow, actor=actor)]


@router.post("/me/addresses", response_model=AddressRead, status_code=201)
def add_address(body: AddressIn, actor: CurrentActor, uow: UowDep, platform: PlatformDep) -> AddressRead:
    address = addresses.create(
        uow,
        actor=actor,
        fields=body.model_dump(exclude={"make_default"}),
        make_default=body.make_default,
        now=platform.clock.now(),
    )
    return AddressRead.model_validate(address)


@router.delete("/me/addresses/{address_id}", status_code=204)
def remove_address(address_id: str, actor: CurrentActor, uow: UowDep) -> None:
    addresses.delete(uow, actor=actor, address_id=address_id)
