"""The public copies of shops and their products in the directory, which buyers in every region browse:
brought in line with the shop's truth after each change, stock states refreshed by a job after checkouts,
and what a crash left behind healed from the region (`heal_catalog`). A closed shop has no public copy, nor
have its products, their variants, the tags that show them in videos or the showcases that list them
(`unlist_shop`); nothing here projects them back. Nor has a product or a shop a moderation decision
withholds (`withholding`), until a won appeal clears it."""

from __future__ import annotations

import logging
from collections import Counter
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

from sqlalchemy import delete, func, or_, select, update
from sqlalchemy.orm import Session

from clipshop.kit.db import UnitOfWork
from clipshop.kit.ids import region_of
from clipshop.kit.watermarks import Window, in_batches
from clipshop.residency.carving import detached_regions, is_detached
from clipshop.shop.catalog.models import (
    Product,
    ProductStatus,
    PublicProduct,
    PublicReview,
    PublicShop,
    PublicShowcaseItem,
    PublicVariant,
    PublicVideoProduct,
    Shop,
    Variant,
)

if TYPE_CHECKING:
    from datetime import datetime

    from clipshop.platform import Platform

log = logging.getLogger(__name__)


def variants_of(uow: UnitOfWork, product: Product) -> list[Variant]:
    db = uow.region(region_of(product.id))
    return list(
        db.scalars(select(Variant).where(Variant.product_id == product.id).order_by(Variant.position))
    )


def _public_product(product: Product, variants: list[Variant], shop: Shop) -> dict[str, Any]:
    """What the public copy of an active product says (its ratings and time aside)."""
    prices = [v.price for v in variants] or [0]
    return {
        "shop_id": product.shop_id,
        "region": region_of(product.id),
        "title": product.title,
        "description": product.description,
        "currency": shop.currency,
        "price_min": min(prices),
        "price_max": max(prices),
        "images": list(product.images),
        "commission_bp": product.commission_bp,
        "in_stock": any(v.stock > 0 for v in variants),
        "search_text": " ".join([product.title, product.description, *[v.sku for v in variants]]).lower(),
    }


def _public_variants(product: Product, variants: list[Variant]) -> list[dict[str, Any]]:
    return [
        {
            "id": v.id,
            "product_id": product.id,
            "sku": v.sku,
            "options": dict(v.options),
            "price": v.price,
            "currency": v.currency,
            "available": v.stock,
            "position": v.position,
        }
        for v in variants
    ]


def project_product(uow: UnitOfWork, *, product_id: str, now: datetime) -> None:
    """Bring the public copy of a product in line with its shop's truth (idempotent; absent unless active,
    and gone with its tags and showcase places once its shop is closed)."""
    region = region_of(product_id)
    if is_detached(uow.directory, region):
        return
    db = uow.region(region)
    product = db.get(Product, product_id)
    shop = db.get(Shop, product.shop_id) if product is not None else None
    directory = uow.directory
    if shop is not None and shop.closed_at is not None:
        withdraw_products(directory, [product_id])
        return
    directory.execute(delete(PublicVariant).where(PublicVariant.product_id == product_id))
    existing = directory.get(PublicProduct, product_id)
    if product is None or shop is None or not _on_sale(product, shop):
        if existing is not None:
            directory.delete(existing)
        return
    variants = variants_of(uow, product)
    public = existing or PublicProduct(id=product.id, **_ratings(uow, product_id=product.id))
    for name, value in _public_product(product, variants, shop).items():
        setattr(public, name, value)
    public.updated_at = now
    if existing is None:
        directory.add(public)
    directory.flush()
    directory.add_all(PublicVariant(**fields) for fields in _public_variants(product, variants))


def _on_sale(product: Product, shop: Shop) -> bool:
    """Active, and neither it nor its shop taken down by a moderation decision (`withholding`)."""
    return product.status is ProductStatus.ACTIVE and product.withheld_by is None and shop.withheld_by is None


def _ratings(uow: UnitOfWork, *, product_id: str) -> dict[str, int]:
    """A product's rating totals from its public reviews (those from buyers in every region)."""
    total, count = uow.directory.execute(
        select(func.coalesce(func.sum(PublicReview.rating), 0), func.count()).where(
            PublicReview.product_id == product_id
        )
    ).one()
    return {"rating_sum": int(total), "rating_count": int(count)}


def withdraw_products(directory: Session, product_ids: list[str]) -> None:
    """Take products off the directory for good: their public copies and variants, the tags that show them
    in videos and the showcase places that list them (which only the directory holds)."""
    for start in range(0, len(product_ids), 500):
        chunk = product_ids[start : start + 500]
        directory.execute(delete(PublicVariant).where(PublicVariant.product_id.in_(chunk)))
        directory.execute(delete(PublicVideoProduct).where(PublicVideoProduct.product_id.in_(chunk)))
        directory.execute(delete(PublicShowcaseItem).where(PublicShowcaseItem.product_id.in_(chunk)))
        directory.execute(delete(PublicProduct).where(PublicProduct.id.in_(chunk)))


def unlist_shop(uow: UnitOfWork, *, shop: Shop) -> None:
    """Take a closed shop off the directory: its public copy and everything `withdraw_products` takes of
    each product it ever had (idempotent)."""
    own = uow.region(region_of(shop.id)).scalars(select(Product.id).where(Product.shop_id == shop.id))
    shown = uow.directory.scalars(select(PublicProduct.id).where(PublicProduct.shop_id == shop.id))
    withdraw_products(uow.directory, sorted({*own, *shown}))
    uow.directory.execute(delete(PublicShop).where(PublicShop.id == shop.id))
    uow.directory.flush()


def project_shop(uow: UnitOfWork, *, shop: Shop) -> bool:
    """Bring the public copy of a shop in line with its row (none for a closed shop); True if it changed
    anything. A shop whose handle another shop holds in the directory is left out (and logged), and so is
    one a moderation decision withholds."""
    if shop.closed_at is not None or shop.withheld_by is not None:
        public = uow.directory.get(PublicShop, shop.id)
        if public is None:
            return False
        uow.directory.delete(public)
        uow.directory.flush()
        return True
    fields = {
        "region": region_of(shop.id),
        "owner_id": shop.owner_id,
        "handle": shop.handle,
        "name": shop.name,
        "description": shop.description,
        "currency": shop.currency,
        "created_at": shop.created_at,
    }
    public = uow.directory.get(PublicShop, shop.id)
    if public is None:
        holder = uow.directory.scalar(select(PublicShop.id).where(PublicShop.handle == shop.handle))
        if holder is not None:
            log.warning("shop %s has no public copy: shop %s holds its handle", shop.id, holder)
            return False
        uow.directory.add(PublicShop(id=shop.id, **fields))
    elif all(getattr(public, name) == value for name, value in fields.items()):
        return False
    else:
        for name, value in fields.items():
            setattr(public, name, value)
    uow.directory.flush()
    return True


def project_stock(uow: UnitOfWork, *, variant_ids: Iterable[str]) -> None:
    """Copy the live stock of variants into their public copies (absolute values: safe to run twice)."""
    gone = detached_regions(uow.directory)
    ids = sorted(v for v in set(variant_ids) if region_of(v) not in gone)
    by_region: dict[str, list[str]] = {}
    for variant_id in ids:
        by_region.setdefault(region_of(variant_id), []).append(variant_id)
    touched: set[str] = set()
    for region, chunk in by_region.items():
        for variant_id, product_id, stock in uow.region(region).execute(
            select(Variant.id, Variant.product_id, Variant.stock).where(Variant.id.in_(chunk))
        ):
            uow.directory.execute(
                update(PublicVariant).where(PublicVariant.id == variant_id).values(available=stock)
            )
            touched.add(product_id)
    for product_id in touched:
        in_stock = uow.directory.scalar(
            select(func.count())
            .select_from(PublicVariant)
            .where(PublicVariant.product_id == product_id, PublicVariant.available > 0)
        )
        uow.directory.execute(
            update(PublicProduct).where(PublicProduct.id == product_id).values(in_stock=bool(in_stock))
        )


def refresh_stock(platform: Platform, variant_ids: list[str]) -> None:
    """The stock projection job: one transaction of `project_stock`."""
    with platform.uow().transaction() as uow:
        project_stock(uow, variant_ids=variant_ids)


def heal_catalog(uow: UnitOfWork, *, region: str, window: Window, now: datetime) -> dict[str, int]:
    """Rebuild the public copies the directory lacks, or has stale, of `region`'s shops, products and
    variants written in `window`; returns how many of each it fixed."""
    fixed: Counter[str] = Counter()
    db = uow.region(region)
    written = or_(window.holds(Shop.created_at), window.holds(Shop.closed_at))
    for shops in in_batches(db, select(Shop).where(written), key=Shop.id):
        # One read for the batch's copies; `project_shop` then finds them in the session while referenced.
        loaded = uow.directory.scalars(
            select(PublicShop).where(PublicShop.id.in_([s.id for s in shops]))
        ).all()
        fixed["public shops"] += sum(project_shop(uow, shop=shop) for shop in shops)
        del loaded
    changed = [(select(Product.id).where(window.holds(Product.updated_at)), Product.id)]
    if not window.full:  # a full sweep reads every product already, and every variant with it
        by_variant = select(Variant.product_id).where(window.holds(Variant.updated_at)).distinct()
        changed.append((by_variant, Variant.product_id))
    for query, key in changed:
        for product_ids in in_batches(db, query, key=key):
            for product_id in _stale_products(uow, region=region, product_ids=product_ids):
                project_product(uow, product_id=product_id, now=now)
                fixed["public products"] += 1
    return {name: count for name, count in fixed.items() if count}


def _stale_products(uow: UnitOfWork, *, region: str, product_ids: list[str]) -> list[str]:
    """Those of `product_ids` whose public copy (or its absence) is not what `project_product` would make."""
    db = uow.region(region)
    products = {p.id: p for p in db.scalars(select(Product).where(Product.id.in_(product_ids)))}
    variants: dict[str, list[Variant]] = {}
    for variant in db.scalars(
        select(Variant).where(Variant.product_id.in_(product_ids)).order_by(Variant.position)
    ):
        variants.setdefault(variant.product_id, []).append(variant)
    shop_ids = {p.shop_id for p in products.values()}
    shops = {s.id: s for s in db.scalars(select(Shop).where(Shop.id.in_(shop_ids)))}
    public = {
        p.id: p for p in uow.directory.scalars(select(PublicProduct).where(PublicProduct.id.in_(product_ids)))
    }
    public_variants: dict[str, list[PublicVariant]] = {}
    for shown in uow.directory.scalars(
        select(PublicVariant).where(PublicVariant.product_id.in_(product_ids))
    ):
        public_variants.setdefault(shown.product_id, []).append(shown)
    closed = {p.id for p in products.values() if shops[p.shop_id].closed_at is not None}
    promoted = _promoted(uow.directory, sorted(closed))
    stale = []
    for product_id in product_ids:
        product, copy = products.get(product_id), public.get(product_id)
        copied = public_variants.get(product_id, [])
        if product_id in closed:
            current = copy is None and not copied and product_id not in promoted
        elif product is None or not _on_sale(product, shops[product.shop_id]):
            current = copy is None and not copied
        else:
            mine = variants.get(product_id, [])
            current = (
                copy is not None
                and all(
                    getattr(copy, name) == value
                    for name, value in _public_product(product, mine, shops[product.shop_id]).items()
                )
                and _variant_rows(copied) == sorted(_public_variants(product, mine), key=_variant_order)
            )
        if not current:
            stale.append(product_id)
    return stale


def _promoted(directory: Session, product_ids: list[str]) -> set[str]:
    """Those of `product_ids` still tagged in a video or listed in a showcase."""
    if not product_ids:
        return set()
    tagged = select(PublicVideoProduct.product_id).where(PublicVideoProduct.product_id.in_(product_ids))
    shown = select(PublicShowcaseItem.product_id).where(PublicShowcaseItem.product_id.in_(product_ids))
    return set(directory.scalars(tagged.union(shown)))


def _variant_rows(copies: list[PublicVariant]) -> list[dict[str, Any]]:
    names = ("id", "product_id", "sku", "options", "price", "currency", "available", "position")
    return sorted(({name: getattr(c, name) for name in names} for c in copies), key=_variant_order)


def _variant_order(row: dict[str, Any]) -> tuple[int, str]:
    return row["position"], row["id"]
