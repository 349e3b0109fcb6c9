"""Products and shops a moderation decision withheld (a take-down), and given back (a won appeal).

The row in the shop's region records the decision (`withheld_by`); the public copies leave the directory at
once, so search, shop pages, showcases and the product sheets of videos that tag them no longer show them,
and no projection (an edit, a stock change, the heal) writes them back while it stands. Tags on videos and
showcase places stay in the directory, unseen (they are read joined to the public copy), so giving the
product back shows it where it was. A buyer reaching for one is told so with a stable code:
`product_withheld` or `shop_withheld` (410). Orders placed before the decision stand.

Callers open the shop's region through the residency gateway first (class `public_content`) when it is not
the unit of work's home."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import delete, select, update

from clipshop.errors import Gone
from clipshop.kit.db import UnitOfWork
from clipshop.kit.ids import is_valid_id, region_of
from clipshop.shop.catalog.models import (
    Product,
    ProductNamed,
    PublicProduct,
    PublicShop,
    PublicVariant,
    Shop,
    ShopNamed,
    Variant,
)
from clipshop.shop.catalog.projection import project_product, project_shop


class ProductWithheld(Gone):
    """A buyer reached for a product a moderator took down."""

    def __init__(self, product: ProductNamed, **extra: Any) -> None:
        super().__init__(
            f"The product {product.title} was taken down by a moderation decision and cannot be bought. "
            "Remove it from your cart and try again.",
            code="product_withheld",
            product_id=product.id,
            **extra,
        )


class ShopWithheld(Gone):
    """A buyer reached for a product of a shop a moderator took down."""

    def __init__(self, shop: ShopNamed, **extra: Any) -> None:
        super().__init__(
            f"The shop {shop.name} was taken down by a moderation decision: its products cannot be bought. "
            "Remove them from your cart and try again.",
            code="shop_withheld",
            shop_id=shop.id,
            **extra,
        )


@dataclass(frozen=True)
class StorefrontItem:
    """A product or a shop as a moderator sees it, from its region's row (whether or not it is public)."""

    id: str
    name: str
    owner_id: str
    withheld: bool


def storefront_item(uow: UnitOfWork, *, kind: str, item_id: str) -> StorefrontItem | None:
    """The product (`kind` "product") or shop ("shop") `item_id` from its own region, or None."""
    if not is_valid_id(item_id, set(uow.databases.regions)):
        return None
    db = uow.region(region_of(item_id))
    if kind == "product":
        product = db.get(Product, item_id)
        shop = db.get(Shop, product.shop_id) if product is not None else None
        if product is None or shop is None:
            return None
        return StorefrontItem(product.id, product.title, shop.owner_id, product.withheld_by is not None)
    found = db.get(Shop, item_id)
    if found is None:
        return None
    return StorefrontItem(found.id, found.name, found.owner_id, found.withheld_by is not None)


def withhold_product(uow: UnitOfWork, *, product_id: str, decision_id: str, now: datetime) -> bool:
    """Take a product off every public place at once; False when it is not there or already withheld."""
    db = uow.region(region_of(product_id))
    product = db.get(Product, product_id)
    if product is None or product.withheld_by is not None:
        return False
    product.withheld_by, product.updated_at = decision_id, now
    db.flush()
    _unlist(uow, [product_id])
    return True


def release_product(uow: UnitOfWork, *, product_id: str, decision_id: str, now: datetime) -> bool:
    """Give back a product `decision_id` withheld: its public copy returns if it is on sale."""
    db = uow.region(region_of(product_id))
    product = db.get(Product, product_id)
    if product is None or product.withheld_by != decision_id:
        return False
    product.withheld_by, product.updated_at = None, now
    db.flush()
    project_product(uow, product_id=product_id, now=now)
    return True


def withhold_shop(uow: UnitOfWork, *, shop_id: str, decision_id: str, now: datetime) -> bool:
    """Take a shop and every product of it off every public place at once; False when it is not there or
    already withheld. Its products' write time moves to `now`, so the heal's next run checks them."""
    db = uow.region(region_of(shop_id))
    shop = db.get(Shop, shop_id)
    if shop is None or shop.withheld_by is not None:
        return False
    shop.withheld_by = decision_id
    db.execute(update(Product).where(Product.shop_id == shop_id).values(updated_at=now))
    db.flush()
    own = db.scalars(select(Product.id).where(Product.shop_id == shop_id))
    shown = uow.directory.scalars(select(PublicProduct.id).where(PublicProduct.shop_id == shop_id))
    _unlist(uow, sorted({*own, *shown}))
    uow.directory.execute(delete(PublicShop).where(PublicShop.id == shop_id))
    uow.directory.flush()
    return True


def release_shop(uow: UnitOfWork, *, shop_id: str, decision_id: str, now: datetime) -> bool:
    """Give back a shop `decision_id` withheld, with its products on sale (those not withheld on their
    own)."""
    db = uow.region(region_of(shop_id))
    shop = db.get(Shop, shop_id)
    if shop is None or shop.withheld_by != decision_id:
        return False
    shop.withheld_by = None
    db.execute(update(Product).where(Product.shop_id == shop_id).values(updated_at=now))
    db.flush()
    project_shop(uow, shop=shop)
    for product_id in sorted(db.scalars(select(Product.id).where(Product.shop_id == shop_id))):
        project_product(uow, product_id=product_id, now=now)
    return True


def refuse_withheld(product: ProductNamed, shop: ShopNamed, **extra: Any) -> None:
    """Raise ShopWithheld or ProductWithheld when a decision withholds what a buyer reaches for."""
    if shop.withheld_by is not None:
        raise ShopWithheld(shop, **extra)
    if product.withheld_by is not None:
        raise ProductWithheld(product, **extra)


def withheld_seller(uow: UnitOfWork, *, variant_id: str, **extra: Any) -> None:
    """Raise ShopWithheld or ProductWithheld when a decision is why `variant_id` left the directory."""
    if not is_valid_id(variant_id, set(uow.databases.regions)):
        return
    db = uow.region(region_of(variant_id))
    variant = db.get(Variant, variant_id)
    product = db.get(Product, variant.product_id) if variant is not None else None
    shop = db.get(Shop, product.shop_id) if product is not None else None
    if product is not None and shop is not None:
        refuse_withheld(product, shop, **extra)


def _unlist(uow: UnitOfWork, product_ids: list[str]) -> None:
    """Remove the public copies of products and their variants; their tags and showcase places stay."""
    for start in range(0, len(product_ids), 500):
        chunk = product_ids[start : start + 500]
        uow.directory.execute(delete(PublicVariant).where(PublicVariant.product_id.in_(chunk)))
        uow.directory.execute(delete(PublicProduct).where(PublicProduct.id.in_(chunk)))
    uow.directory.flush()
