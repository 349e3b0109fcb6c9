"""The public copies of a shop's products in the directory, which buyers in every region browse: brought in
line with the shop's truth after each change, and stock states refreshed by a job after checkouts."""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING

from sqlalchemy import delete, func, select, update

from clipshop.kit.db import UnitOfWork
from clipshop.kit.ids import region_of
from clipshop.residency.carving import detached_regions, is_detached
from clipshop.shop.catalog.models import (
    Product,
    ProductStatus,
    PublicProduct,
    PublicVariant,
    Shop,
    Variant,
)

if TYPE_CHECKING:
    from datetime import datetime

    from clipshop.platform import Platform


def variants_of(uow: UnitOfWork, product: Product) -> list[Variant]:
    db = uow.region(region_of(product.id))
    return list(
        db.scalars(select(Variant).where(Variant.product_id == product.id).order_by(Variant.position))
    )


def project_product(uow: UnitOfWork, *, product_id: str, now: datetime) -> None:
    """Bring the public copy of a product in line with its shop's truth (idempotent; absent unless active)."""
    region = region_of(product_id)
    if is_detached(uow.directory, region):
        return
    db = uow.region(region)
    product = db.get(Product, product_id)
    directory = uow.directory
    directory.execute(delete(PublicVariant).where(PublicVariant.product_id == product_id))
    existing = directory.get(PublicProduct, product_id)
    if product is None or product.status is not ProductStatus.ACTIVE:
        if existing is not None:
            directory.delete(existing)
        return
    variants = variants_of(uow, product)
    shop = db.get_one(Shop, product.shop_id)
    prices = [v.price for v in variants] or [0]
    public = existing or PublicProduct(id=product.id, rating_sum=0, rating_count=0)
    public.shop_id, public.region, public.title = product.shop_id, region, product.title
    public.description, public.currency = product.description, shop.currency
    public.price_min, public.price_max = min(prices), max(prices)
    public.images, public.commission_bp = list(product.images), product.commission_bp
    public.in_stock = any(v.stock > 0 for v in variants)
    public.search_text = " ".join([product.title, product.description, *[v.sku for v in variants]]).lower()
    public.updated_at = now
    if existing is None:
        directory.add(public)
    directory.flush()
    for v in variants:
        directory.add(
            PublicVariant(
                id=v.id,
                product_id=product.id,
                sku=v.sku,
                options=dict(v.options),
                price=v.price,
                currency=v.currency,
                available=v.stock,
                position=v.position,
            )
        )


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
