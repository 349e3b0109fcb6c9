"""A shop's products and variants as its staff see and change them; every change re-projects the product's
public copy. `get` is the one answer to "this product, if the actor's shop sells it, or not found"."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy import update as sql_update

from clipshop.errors import Conflict, Invalid, NotFound
from clipshop.kit.actors import Actor
from clipshop.kit.db import UnitOfWork
from clipshop.kit.ids import is_valid_id, new_id, region_of
from clipshop.shop.catalog import shops
from clipshop.shop.catalog.models import (
    Product,
    ProductStatus,
    PublicProduct,
    PublicShop,
    PublicVariant,
    Shop,
    Variant,
)
from clipshop.shop.catalog.projection import project_product, variants_of
from clipshop.shop.catalog.stock import forget_sold_out

SKU = re.compile(r"^[A-Za-z0-9._/-]{1,64}$")
MAX_VARIANTS = 100
MAX_IMAGES = 10


@dataclass(frozen=True)
class VariantSpec:
    sku: str
    price: int
    stock: int
    options: dict[str, str]


@dataclass(frozen=True)
class SellerProduct:
    """A product right after its staff changed it: its public copy when it is active, else its own rows."""

    product: Product
    variants: list[Variant]
    shop: PublicShop | None
    public: PublicProduct | None
    public_variants: list[PublicVariant]


def _check_variants(specs: Sequence[VariantSpec]) -> None:
    if not specs:
        raise Invalid(
            "A product needs at least one variant (its SKU, price and stock).",
            code="no_variants",
            field="variants",
        )
    if len(specs) > MAX_VARIANTS:
        raise Invalid(
            f"At most {MAX_VARIANTS} variants per product.", code="too_many_variants", field="variants"
        )
    skus = [s.sku for s in specs]
    if len(set(skus)) != len(skus):
        raise Invalid("Each variant needs its own SKU.", code="duplicate_sku", field="variants")
    for n, spec in enumerate(specs):
        if not SKU.match(spec.sku):
            raise Invalid(
                f"SKU {spec.sku!r}: use 1-64 letters, digits, '.', '_', '/' or '-'.",
                code="invalid_sku",
                field=f"variants.{n}.sku",
            )
        if spec.price < 0 or spec.stock < 0:
            raise Invalid(
                "Prices and stock are never negative.", code="invalid_variant", field=f"variants.{n}"
            )


def _check_commission(commission_bp: int) -> None:
    if not 0 <= commission_bp <= 8_000:
        raise Invalid(
            "Commission is 0 to 80% (0-8000 basis points).", code="invalid_commission", field="commission_bp"
        )


def create(
    uow: UnitOfWork,
    *,
    actor: Actor,
    shop_id: str,
    title: str,
    description: str,
    status: ProductStatus,
    commission_bp: int,
    images: list[str],
    variants: Sequence[VariantSpec],
    now: datetime,
) -> Product:
    shop = shops.get(uow, actor=actor, shop_id=shop_id)
    return add(
        uow,
        shop=shop,
        title=title,
        description=description,
        status=status,
        commission_bp=commission_bp,
        images=images,
        variants=variants,
        now=now,
    )


def add(
    uow: UnitOfWork,
    *,
    shop: Shop,
    title: str,
    description: str,
    status: ProductStatus,
    commission_bp: int,
    images: list[str],
    variants: Sequence[VariantSpec],
    now: datetime,
) -> Product:
    """Add a product to a shop whose staff the caller has already checked (the CSV import, the seed)."""
    shops.require_open(shop)
    if not title.strip():
        raise Invalid("Give the product a title.", code="invalid_title", field="title")
    _check_commission(commission_bp)
    _check_variants(variants)
    region = region_of(shop.id)
    db = uow.region(region)
    taken = set(
        db.scalars(
            select(Variant.sku).where(Variant.shop_id == shop.id, Variant.sku.in_([v.sku for v in variants]))
        )
    )
    if taken:
        raise Conflict("duplicate_sku", f"The shop already sells SKU {sorted(taken)[0]}.", field="variants")
    product = Product(
        id=new_id(region),
        shop_id=shop.id,
        title=title.strip()[:140],
        description=description.strip(),
        status=status,
        commission_bp=commission_bp,
        images=images[:10],
        created_at=now,
        updated_at=now,
    )
    db.add(product)
    db.flush()
    for position, spec in enumerate(variants):
        db.add(
            Variant(
                id=new_id(region),
                product_id=product.id,
                shop_id=shop.id,
                sku=spec.sku,
                options=dict(spec.options),
                price=spec.price,
                currency=shop.currency,
                stock=spec.stock,
                position=position,
            )
        )
    db.flush()
    project_product(uow, product_id=product.id, now=now)
    return product


def _find(uow: UnitOfWork, model: type[Product] | type[Variant], object_id: str) -> Product | Variant | None:
    if not is_valid_id(object_id, set(uow.databases.regions)):
        return None
    return uow.find(model, object_id, region=region_of(object_id))


def get(uow: UnitOfWork, *, actor: Actor, product_id: str) -> Product:
    """The product if the actor's shop sells it; else NotFound (missing and not yours answer alike)."""
    product = _find(uow, Product, product_id)
    if not isinstance(product, Product) or shops.role(uow, shop_id=product.shop_id, actor=actor) is None:
        raise NotFound("product", product_id)
    return product


def get_all(uow: UnitOfWork, *, actor: Actor, shop_id: str) -> list[tuple[Product, list[Variant]]]:
    """The seller's view: every product of the shop with its variants and live stock, drafts included."""
    shop = shops.get(uow, actor=actor, shop_id=shop_id)
    db = uow.region(region_of(shop.id))
    products = list(
        db.scalars(select(Product).where(Product.shop_id == shop.id).order_by(Product.created_at))
    )
    variants: dict[str, list[Variant]] = {}
    if products:
        for v in db.scalars(select(Variant).where(Variant.shop_id == shop.id).order_by(Variant.position)):
            variants.setdefault(v.product_id, []).append(v)
    return [(p, variants.get(p.id, [])) for p in products]


def seller_view(uow: UnitOfWork, *, product: Product) -> SellerProduct:
    """What the seller is shown after changing a product (its public copy once projected)."""
    uow.directory.flush()
    public = uow.directory.get(PublicProduct, product.id)
    public_variants = (
        list(
            uow.directory.scalars(
                select(PublicVariant)
                .where(PublicVariant.product_id == product.id)
                .order_by(PublicVariant.position)
            )
        )
        if public is not None
        else []
    )
    return SellerProduct(
        product=product,
        variants=variants_of(uow, product) if public is None else [],
        shop=uow.directory.get(PublicShop, product.shop_id),
        public=public,
        public_variants=public_variants,
    )


def update(
    uow: UnitOfWork,
    *,
    actor: Actor,
    product_id: str,
    title: str | None,
    description: str | None,
    status: ProductStatus | None,
    commission_bp: int | None,
    images: list[str] | None,
    now: datetime,
) -> Product:
    product = get(uow, actor=actor, product_id=product_id)
    if title is not None:
        if not title.strip():
            raise Invalid("Give the product a title.", code="invalid_title", field="title")
        product.title = title.strip()[:140]
    if description is not None:
        product.description = description.strip()
    if status is not None:
        product.status = status
    if commission_bp is not None:
        _check_commission(commission_bp)
        product.commission_bp = commission_bp
    if images is not None:
        product.images = images[:10]
    product.updated_at = now
    uow.region(region_of(product.id)).flush()
    project_product(uow, product_id=product.id, now=now)
    return product


def add_picture(uow: UnitOfWork, *, actor: Actor, product_id: str, url: str, now: datetime) -> Product:
    """Append a photo (already stored in the shop's region) to the product's pictures."""
    product = get(uow, actor=actor, product_id=product_id)
    if len(product.images) >= MAX_IMAGES:
        raise Conflict("too_many_images", f"A product has at most {MAX_IMAGES} pictures; remove one first.")
    product.images = [*product.images, url]
    product.updated_at = now
    uow.region(region_of(product.id)).flush()
    project_product(uow, product_id=product.id, now=now)
    return product


def update_variant(
    uow: UnitOfWork,
    *,
    actor: Actor,
    variant_id: str,
    price: int | None,
    stock: int | None,
    stock_delta: int | None,
    now: datetime,
) -> Variant:
    """Set a variant's price or stock, or move stock by a delta atomically (a restock while orders land)."""
    variant = _find(uow, Variant, variant_id)
    if not isinstance(variant, Variant) or shops.role(uow, shop_id=variant.shop_id, actor=actor) is None:
        raise NotFound("variant", variant_id)
    db = uow.region(region_of(variant_id))
    if price is not None:
        if price < 0:
            raise Invalid("Prices are never negative.", code="invalid_variant", field="price")
        variant.price = price
    if stock is not None:
        if stock < 0:
            raise Invalid("Stock is never negative.", code="invalid_variant", field="stock")
        variant.stock = stock
    if stock_delta:
        moved = db.execute(
            sql_update(Variant)
            .where(Variant.id == variant_id, Variant.stock + stock_delta >= 0)
            .values(stock=Variant.stock + stock_delta)
            .returning(Variant.stock)
        ).first()
        if moved is None:
            raise Conflict(
                "stock_would_go_negative", "That would take stock below zero.", field="stock_delta"
            )
    variant.updated_at = now
    db.flush()
    if stock is not None or stock_delta:
        uow.after_commit(lambda: forget_sold_out([variant_id]))
    db.refresh(variant)
    project_product(uow, product_id=variant.product_id, now=now)
    return variant
