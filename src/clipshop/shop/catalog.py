"""Shops and their catalog: products, variants, stock, shipping options, discount codes, and the public
copies that buyers in every region browse. Plain functions over a unit of work; no HTTP, no commits."""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import delete, func, select, update

from clipshop.errors import Conflict, Invalid, NotFound
from clipshop.kit.actors import Actor
from clipshop.kit.db import UnitOfWork
from clipshop.kit.ids import is_valid_id, new_id, region_of
from clipshop.shop.models import (
    DiscountCode,
    Product,
    ProductStatus,
    PublicProduct,
    PublicShop,
    PublicShowcaseItem,
    PublicVariant,
    PublicVideoProduct,
    ShippingOption,
    Shop,
    ShopStaff,
    StaffRole,
    Variant,
)
from clipshop.shop.money import check_currency
from clipshop.videos.models import Video

SHOP_HANDLE = re.compile(r"^[a-z0-9][a-z0-9-]{2,39}$")
SKU = re.compile(r"^[A-Za-z0-9._/-]{1,64}$")
MAX_VARIANTS = 100
MAX_TAGS = 6


@dataclass(frozen=True)
class VariantSpec:
    sku: str
    price: int
    stock: int
    options: dict[str, str]


# -- shops -------------------------------------------------------------------------------------------------


def open_shop(
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
    if db.scalar(select(Shop.id).where(Shop.owner_id == actor.id)) is not None:
        raise Conflict("shop_exists", "You already have a shop; one account runs one shop.")
    if uow.directory.scalar(select(PublicShop.id).where(PublicShop.handle == handle)) is not None:
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
    return shop


def get_shop(uow: UnitOfWork, shop_id: str) -> Shop:
    valid = is_valid_id(shop_id, set(uow.databases.regions))
    shop = uow.region(region_of(shop_id)).get(Shop, shop_id) if valid else None
    if shop is None:
        raise NotFound("shop", shop_id)
    return shop


def staff_role(uow: UnitOfWork, *, shop_id: str, actor: Actor) -> StaffRole | None:
    if not is_valid_id(shop_id, set(uow.databases.regions)):
        return None
    row = uow.region(region_of(shop_id)).get(ShopStaff, (shop_id, actor.id))
    return None if row is None else row.role


def require_staff(uow: UnitOfWork, *, shop_id: str, actor: Actor, owner: bool = False) -> Shop:
    """The shop if the actor runs it (as owner when `owner`); else NotFound, so shops cannot be probed."""
    role = staff_role(uow, shop_id=shop_id, actor=actor)
    if role is None or (owner and role is not StaffRole.OWNER):
        raise NotFound("shop", shop_id)
    return get_shop(uow, shop_id)


def shops_of(uow: UnitOfWork, *, actor: Actor) -> list[PublicShop]:
    """Every shop the actor runs, wherever it lives (staff rows are opaque ids, read region by region)."""
    ids: list[str] = []
    for region in uow.databases.regions:
        ids += uow.region(region).scalars(select(ShopStaff.shop_id).where(ShopStaff.user_id == actor.id))
    return list(uow.directory.scalars(select(PublicShop).where(PublicShop.id.in_(ids)))) if ids else []


def add_staff(uow: UnitOfWork, *, actor: Actor, shop_id: str, user_id: str, now: datetime) -> ShopStaff:
    shop = require_staff(uow, shop_id=shop_id, actor=actor, owner=True)
    from clipshop.accounts.models import PublicProfile

    if uow.directory.get(PublicProfile, user_id) is None:
        raise NotFound("user", user_id)
    db = uow.region(region_of(shop.id))
    row = db.get(ShopStaff, (shop.id, user_id))
    if row is None:
        row = ShopStaff(shop_id=shop.id, user_id=user_id, role=StaffRole.STAFF, created_at=now)
        db.add(row)
    return row


def remove_staff(uow: UnitOfWork, *, actor: Actor, shop_id: str, user_id: str) -> None:
    shop = require_staff(uow, shop_id=shop_id, actor=actor, owner=True)
    if user_id == shop.owner_id:
        raise Conflict("owner_cannot_leave", "The owner stays on the shop's staff.")
    uow.region(region_of(shop.id)).execute(
        delete(ShopStaff).where(ShopStaff.shop_id == shop.id, ShopStaff.user_id == user_id)
    )


def staff_of(uow: UnitOfWork, shop: Shop) -> list[ShopStaff]:
    db = uow.region(region_of(shop.id))
    return list(
        db.scalars(select(ShopStaff).where(ShopStaff.shop_id == shop.id).order_by(ShopStaff.created_at))
    )


# -- shipping and discounts --------------------------------------------------------------------------------


def shipping_options(uow: UnitOfWork, shop_id: str) -> list[ShippingOption]:
    db = uow.region(region_of(shop_id))
    return list(
        db.scalars(
            select(ShippingOption).where(ShippingOption.shop_id == shop_id).order_by(ShippingOption.price)
        )
    )


def add_shipping_option(
    uow: UnitOfWork, *, actor: Actor, shop_id: str, name: str, price: int, min_days: int, max_days: int
) -> ShippingOption:
    shop = require_staff(uow, shop_id=shop_id, actor=actor)
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


def create_discount(
    uow: UnitOfWork,
    *,
    actor: Actor,
    shop_id: str,
    code: str,
    percent_bp: int,
    amount_off: int,
    creator_id: str | None,
    max_uses: int | None,
    now: datetime,
) -> DiscountCode:
    shop = require_staff(uow, shop_id=shop_id, actor=actor)
    value = code.strip().upper()
    if not re.fullmatch(r"[A-Z0-9_-]{3,32}", value):
        raise Invalid(
            "A code is 3 to 32 letters, digits, '_' or '-'.", code="invalid_discount_code", field="code"
        )
    if (percent_bp > 0) == (amount_off > 0) or not 0 <= percent_bp <= 10_000 or amount_off < 0:
        raise Invalid(
            "Give either percent_bp (1-10000) or amount_off (> 0), not both.",
            code="invalid_discount",
        )
    db = uow.region(region_of(shop.id))
    if db.get(DiscountCode, (shop.id, value)) is not None:
        raise Conflict("discount_code_exists", f"The shop already has a code {value}.", field="code")
    discount = DiscountCode(
        shop_id=shop.id,
        code=value,
        percent_bp=percent_bp,
        amount_off=amount_off,
        creator_id=creator_id,
        active=True,
        max_uses=max_uses,
        uses=0,
        created_at=now,
    )
    db.add(discount)
    return discount


def discounts_of(uow: UnitOfWork, shop: Shop) -> list[DiscountCode]:
    db = uow.region(region_of(shop.id))
    return list(db.scalars(select(DiscountCode).where(DiscountCode.shop_id == shop.id)))


# -- products ----------------------------------------------------------------------------------------------


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


def create_product(
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
    shop = require_staff(uow, shop_id=shop_id, actor=actor)
    return add_product(
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


def add_product(
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
    if not title.strip():
        raise Invalid("Give the product a title.", code="invalid_title", field="title")
    if not 0 <= commission_bp <= 8_000:
        raise Invalid(
            "Commission is 0 to 80% (0-8000 basis points).", code="invalid_commission", field="commission_bp"
        )
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


def get_product(uow: UnitOfWork, product_id: str) -> Product:
    if not is_valid_id(product_id, set(uow.databases.regions)):
        raise NotFound("product", product_id)
    product = uow.region(region_of(product_id)).get(Product, product_id)
    if product is None:
        raise NotFound("product", product_id)
    return product


def own_product(uow: UnitOfWork, *, actor: Actor, product_id: str) -> Product:
    product = get_product(uow, product_id)
    if staff_role(uow, shop_id=product.shop_id, actor=actor) is None:
        raise NotFound("product", product_id)
    return product


def variants_of(uow: UnitOfWork, product: Product) -> list[Variant]:
    db = uow.region(region_of(product.id))
    return list(
        db.scalars(select(Variant).where(Variant.product_id == product.id).order_by(Variant.position))
    )


def update_product(
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
    product = own_product(uow, actor=actor, product_id=product_id)
    if title is not None:
        if not title.strip():
            raise Invalid("Give the product a title.", code="invalid_title", field="title")
        product.title = title.strip()[:140]
    if description is not None:
        product.description = description.strip()
    if status is not None:
        product.status = status
    if commission_bp is not None:
        if not 0 <= commission_bp <= 8_000:
            raise Invalid(
                "Commission is 0 to 80% (0-8000 basis points).",
                code="invalid_commission",
                field="commission_bp",
            )
        product.commission_bp = commission_bp
    if images is not None:
        product.images = images[:10]
    product.updated_at = now
    uow.region(region_of(product.id)).flush()
    project_product(uow, product_id=product.id, now=now)
    return product


MAX_IMAGES = 10


def add_product_image(uow: UnitOfWork, *, actor: Actor, product_id: str, url: str, now: datetime) -> Product:
    """Append a photo (already stored in the shop's region) to the product's pictures."""
    product = own_product(uow, actor=actor, product_id=product_id)
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
    if not is_valid_id(variant_id, set(uow.databases.regions)):
        raise NotFound("variant", variant_id)
    db = uow.region(region_of(variant_id))
    variant = db.get(Variant, variant_id)
    if variant is None or staff_role(uow, shop_id=variant.shop_id, actor=actor) is None:
        raise NotFound("variant", variant_id)
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
            update(Variant)
            .where(Variant.id == variant_id, Variant.stock + stock_delta >= 0)
            .values(stock=Variant.stock + stock_delta)
            .returning(Variant.stock)
        ).first()
        if moved is None:
            raise Conflict(
                "stock_would_go_negative", "That would take stock below zero.", field="stock_delta"
            )
    db.flush()
    db.refresh(variant)
    project_product(uow, product_id=variant.product_id, now=now)
    return variant


def project_product(uow: UnitOfWork, *, product_id: str, now: datetime) -> None:
    """Bring the public copy of a product in line with its shop's truth (idempotent; absent unless active)."""
    region = region_of(product_id)
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
    ids = sorted(set(variant_ids))
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


def public_product(uow: UnitOfWork, product_id: str) -> tuple[PublicProduct, list[PublicVariant]]:
    product = uow.directory.get(PublicProduct, product_id)
    if product is None:
        raise NotFound("product", product_id)
    variants = list(
        uow.directory.scalars(
            select(PublicVariant)
            .where(PublicVariant.product_id == product_id)
            .order_by(PublicVariant.position)
        )
    )
    return product, variants


def search_products(uow: UnitOfWork, *, query: str, shop_id: str | None, limit: int) -> list[PublicProduct]:
    statement = select(PublicProduct)
    for word in query.lower().split()[:8]:
        statement = statement.where(PublicProduct.search_text.contains(word, autoescape=True))
    if shop_id:
        statement = statement.where(PublicProduct.shop_id == shop_id)
    return list(uow.directory.scalars(statement.order_by(PublicProduct.updated_at.desc()).limit(limit)))


# -- shoppable videos and showcases ------------------------------------------------------------------------


def may_promote(uow: UnitOfWork, *, actor: Actor, product: PublicProduct) -> bool:
    """A creator may tag their own shop's products, or any product open to affiliates."""
    return product.commission_bp > 0 or staff_role(uow, shop_id=product.shop_id, actor=actor) is not None


def tag_video_products(
    uow: UnitOfWork, *, actor: Actor, video_id: str, tags: Sequence[tuple[str, float | None]]
) -> list[PublicVideoProduct]:
    """Replace the products tagged in the actor's video (each optionally at a moment, in seconds)."""
    video = uow.region(actor.region).get(Video, video_id) if video_id.startswith(f"{actor.region}_") else None
    if video is None or video.owner_id != actor.id:
        raise NotFound("video", video_id)
    if len(tags) > MAX_TAGS:
        raise Invalid(
            f"Tag at most {MAX_TAGS} products in one video.", code="too_many_tags", field="products"
        )
    rows: list[PublicVideoProduct] = []
    seen: set[str] = set()
    for position, (product_id, at_s) in enumerate(tags):
        product = uow.directory.get(PublicProduct, product_id)
        if product is None:
            raise NotFound("product", product_id, field=f"products.{position}.product_id")
        if not may_promote(uow, actor=actor, product=product):
            raise Conflict(
                "not_open_to_affiliates",
                "That product is not open to affiliates; its merchant sets a commission to open it.",
                field=f"products.{position}.product_id",
            )
        if at_s is not None and (at_s < 0 or (video.duration_s is not None and at_s > video.duration_s)):
            raise Invalid(
                "The moment must fall inside the clip.",
                code="invalid_moment",
                field=f"products.{position}.at_s",
            )
        if product_id in seen:
            continue
        seen.add(product_id)
        rows.append(
            PublicVideoProduct(
                video_id=video_id, product_id=product_id, creator_id=actor.id, at_s=at_s, position=position
            )
        )
    uow.directory.execute(delete(PublicVideoProduct).where(PublicVideoProduct.video_id == video_id))
    uow.directory.add_all(rows)
    return rows


def video_products(
    uow: UnitOfWork, video_ids: Sequence[str]
) -> dict[str, list[tuple[PublicVideoProduct, PublicProduct]]]:
    if not video_ids:
        return {}
    rows = uow.directory.execute(
        select(PublicVideoProduct, PublicProduct)
        .join(PublicProduct, PublicProduct.id == PublicVideoProduct.product_id)
        .where(PublicVideoProduct.video_id.in_(list(video_ids)))
        .order_by(PublicVideoProduct.position)
    )
    found: dict[str, list[tuple[PublicVideoProduct, PublicProduct]]] = {}
    for tag, product in rows:
        found.setdefault(tag.video_id, []).append((tag, product))
    return found


def set_showcase(uow: UnitOfWork, *, actor: Actor, product_ids: Sequence[str], now: datetime) -> None:
    if len(product_ids) > 50:
        raise Invalid("A showcase holds at most 50 products.", code="showcase_too_long", field="product_ids")
    for n, product_id in enumerate(product_ids):
        product = uow.directory.get(PublicProduct, product_id)
        if product is None:
            raise NotFound("product", product_id, field=f"product_ids.{n}")
        if not may_promote(uow, actor=actor, product=product):
            raise Conflict(
                "not_open_to_affiliates", "That product is not open to affiliates.", field=f"product_ids.{n}"
            )
    uow.directory.execute(delete(PublicShowcaseItem).where(PublicShowcaseItem.creator_id == actor.id))
    uow.directory.add_all(
        PublicShowcaseItem(creator_id=actor.id, product_id=pid, position=n, added_at=now)
        for n, pid in enumerate(dict.fromkeys(product_ids))
    )


def showcase_of(uow: UnitOfWork, creator_id: str) -> list[PublicProduct]:
    return list(
        uow.directory.scalars(
            select(PublicProduct)
            .join(PublicShowcaseItem, PublicShowcaseItem.product_id == PublicProduct.id)
            .where(PublicShowcaseItem.creator_id == creator_id)
            .order_by(PublicShowcaseItem.position)
        )
    )


def shop_products(uow: UnitOfWork, shop_id: str) -> list[PublicProduct]:
    return list(
        uow.directory.scalars(
            select(PublicProduct)
            .where(PublicProduct.shop_id == shop_id)
            .order_by(PublicProduct.updated_at.desc())
        )
    )


def all_products_of(uow: UnitOfWork, shop: Shop) -> list[tuple[Product, list[Variant]]]:
    """The seller's view: every product of the shop with its variants and live stock, drafts included."""
    db = uow.region(region_of(shop.id))
    products = list(
        db.scalars(select(Product).where(Product.shop_id == shop.id).order_by(Product.created_at))
    )
    variants: dict[str, list[Variant]] = {}
    if products:
        for v in db.scalars(select(Variant).where(Variant.shop_id == shop.id).order_by(Variant.position)):
            variants.setdefault(v.product_id, []).append(v)
    return [(p, variants.get(p.id, [])) for p in products]
