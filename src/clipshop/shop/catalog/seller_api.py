"""Seller center for the catalog: opening a shop, staff, shipping options, discount codes, products and
their pictures, variants and stock, and CSV import."""

from __future__ import annotations

from fastapi import APIRouter, Request
from starlette.concurrency import run_in_threadpool

from clipshop.errors import Invalid, TooLarge
from clipshop.platform.http import CommittingRoute, CurrentActor, PlatformDep, UowDep
from clipshop.shop.catalog import discounts, pictures, products, shipping, shops
from clipshop.shop.catalog.csv_import import import_csv
from clipshop.shop.catalog.schemas import (
    DiscountIn,
    DiscountRead,
    ImportReport,
    ProductCreate,
    ProductRead,
    ProductUpdate,
    SellerProductRead,
    SellerVariantRead,
    ShippingOptionIn,
    ShippingOptionRead,
    ShopCreate,
    ShopRead,
    StaffIn,
    StaffRead,
    VariantUpdate,
)

router = APIRouter(route_class=CommittingRoute, tags=["seller"])
MAX_CSV_BYTES = 5 * 1024 * 1024


@router.post("/shops", response_model=ShopRead, status_code=201)
def open_shop(body: ShopCreate, actor: CurrentActor, uow: UowDep, platform: PlatformDep) -> ShopRead:
    shop = shops.create(
        uow,
        actor=actor,
        handle=body.handle,
        name=body.name,
        currency=body.currency,
        description=body.description,
        now=platform.clock.now(),
    )
    return ShopRead.model_validate(shops.get_public(uow, shop=shop.id))


@router.get("/me/shops", response_model=list[ShopRead])
def my_shops(actor: CurrentActor, uow: UowDep) -> list[ShopRead]:
    return [ShopRead.of_shop(s) for s in shops.get_all(uow, actor=actor)]


@router.get("/shops/{shop_id}/staff", response_model=list[StaffRead])
def list_staff(shop_id: str, actor: CurrentActor, uow: UowDep) -> list[StaffRead]:
    return [StaffRead.model_validate(s) for s in shops.get_staff(uow, actor=actor, shop_id=shop_id)]


@router.post("/shops/{shop_id}/staff", response_model=StaffRead, status_code=201)
def add_staff(
    shop_id: str, body: StaffIn, actor: CurrentActor, uow: UowDep, platform: PlatformDep
) -> StaffRead:
    row = shops.add_staff(uow, actor=actor, shop_id=shop_id, user_id=body.user_id, now=platform.clock.now())
    return StaffRead.model_validate(row)


@router.delete("/shops/{shop_id}/staff/{user_id}", status_code=204)
def remove_staff(shop_id: str, user_id: str, actor: CurrentActor, uow: UowDep) -> None:
    shops.remove_staff(uow, actor=actor, shop_id=shop_id, user_id=user_id)


@router.get("/shops/{shop_id}/shipping-options", response_model=list[ShippingOptionRead])
def list_shipping(shop_id: str, uow: UowDep) -> list[ShippingOptionRead]:
    return [ShippingOptionRead.model_validate(o) for o in shipping.get_all(uow, shop_id=shop_id)]


@router.post("/shops/{shop_id}/shipping-options", response_model=ShippingOptionRead, status_code=201)
def add_shipping(
    shop_id: str, body: ShippingOptionIn, actor: CurrentActor, uow: UowDep
) -> ShippingOptionRead:
    o = shipping.create(
        uow,
        actor=actor,
        shop_id=shop_id,
        name=body.name,
        price=body.price,
        min_days=body.min_days,
        max_days=body.max_days,
    )
    return ShippingOptionRead.model_validate(o)


@router.get("/shops/{shop_id}/discounts", response_model=list[DiscountRead])
def list_discounts(shop_id: str, actor: CurrentActor, uow: UowDep) -> list[DiscountRead]:
    return [DiscountRead.model_validate(d) for d in discounts.get_all(uow, actor=actor, shop_id=shop_id)]


@router.post("/shops/{shop_id}/discounts", response_model=DiscountRead, status_code=201)
def add_discount(
    shop_id: str, body: DiscountIn, actor: CurrentActor, uow: UowDep, platform: PlatformDep
) -> DiscountRead:
    d = discounts.create(
        uow,
        actor=actor,
        shop_id=shop_id,
        code=body.code,
        percent_bp=body.percent_bp,
        amount_off=body.amount_off,
        creator_id=body.creator_id,
        max_uses=body.max_uses,
        now=platform.clock.now(),
    )
    return DiscountRead.model_validate(d)


# -- catalog -----------------------------------------------------------------------------------------------


@router.post("/shops/{shop_id}/products", response_model=ProductRead, status_code=201)
def create_product(
    shop_id: str, body: ProductCreate, actor: CurrentActor, uow: UowDep, platform: PlatformDep
) -> ProductRead:
    product = products.create(
        uow,
        actor=actor,
        shop_id=shop_id,
        title=body.title,
        description=body.description,
        status=body.status,
        commission_bp=body.commission_bp,
        images=list(body.images),
        variants=[
            products.VariantSpec(sku=v.sku, price=v.price, stock=v.stock, options=dict(v.options))
            for v in body.variants
        ],
        now=platform.clock.now(),
    )
    return ProductRead.of_seller(products.seller_view(uow, product=product))


@router.get("/shops/{shop_id}/catalog", response_model=list[SellerProductRead])
def seller_catalog(shop_id: str, actor: CurrentActor, uow: UowDep) -> list[SellerProductRead]:
    """Every product of the shop, drafts and archived too, with live stock."""
    return [SellerProductRead.of(p, v) for p, v in products.get_all(uow, actor=actor, shop_id=shop_id)]


@router.post("/shops/{shop_id}/products/import", response_model=ImportReport)
async def import_products(
    shop_id: str, request: Request, actor: CurrentActor, platform: PlatformDep
) -> ImportReport:
    """Create products from a CSV body (`text/csv`, one row per variant); answers with a per-row report."""
    data = await request.body()
    if len(data) > MAX_CSV_BYTES:
        raise TooLarge("Import at most 5 MiB of CSV at a time.", code="csv_too_large", field="file")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise Invalid("The CSV must be UTF-8 text.", code="invalid_csv", field="file") from None

    def run() -> ImportReport:
        result = import_csv(platform, actor=actor, shop_id=shop_id, text=text)
        return ImportReport(created=result.created, rows=result.rows, errors=result.errors)

    return await run_in_threadpool(run)


@router.patch("/products/{product_id}", response_model=ProductRead)
def update_product(
    product_id: str, body: ProductUpdate, actor: CurrentActor, uow: UowDep, platform: PlatformDep
) -> ProductRead:
    product = products.update(
        uow,
        actor=actor,
        product_id=product_id,
        title=body.title,
        description=body.description,
        status=body.status,
        commission_bp=body.commission_bp,
        images=body.images,
        now=platform.clock.now(),
    )
    return ProductRead.of_seller(products.seller_view(uow, product=product))


@router.post(
    "/products/{product_id}/images",
    response_model=ProductRead,
    status_code=201,
    openapi_extra={
        "requestBody": {
            "content": {"image/*": {"schema": {"type": "string", "format": "binary"}}},
            "required": True,
        }
    },
)
async def add_product_image(
    product_id: str, request: Request, actor: CurrentActor, uow: UowDep, platform: PlatformDep
) -> ProductRead:
    """Add a photo (JPEG, PNG, WebP or GIF in the body); it is re-encoded as a JPEG of at most 1080 px."""
    await run_in_threadpool(products.get, uow, actor=actor, product_id=product_id)
    body = bytearray()
    async for chunk in request.stream():
        body += chunk
        if len(body) > pictures.MAX_BYTES:
            break

    def add() -> ProductRead:
        product = pictures.add(platform, uow, actor=actor, product_id=product_id, data=bytes(body))
        return ProductRead.of_seller(products.seller_view(uow, product=product))

    return await run_in_threadpool(add)


@router.patch("/variants/{variant_id}", response_model=SellerVariantRead)
def update_variant(
    variant_id: str, body: VariantUpdate, actor: CurrentActor, uow: UowDep, platform: PlatformDep
) -> SellerVariantRead:
    v = products.update_variant(
        uow,
        actor=actor,
        variant_id=variant_id,
        price=body.price,
        stock=body.stock,
        stock_delta=body.stock_delta,
        now=platform.clock.now(),
    )
    return SellerVariantRead.model_validate(v)
