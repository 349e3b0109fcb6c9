"""Seller center and creator earnings: opening a shop, catalog and stock, orders to fulfil (read through the
residency function, wherever the buyer lives), refunds, returns, payouts, sales over time, commissions."""

from __future__ import annotations

import hashlib
from datetime import timedelta
from typing import Annotated

from fastapi import APIRouter, Header, Query, Request
from fastapi.responses import JSONResponse
from starlette.concurrency import run_in_threadpool

from clipshop.errors import Invalid, TooLarge
from clipshop.kit import idempotency
from clipshop.kit.actors import Actor
from clipshop.kit.db import UnitOfWork
from clipshop.kit.ids import region_of
from clipshop.kit.ports import Transcoder
from clipshop.platform import Platform
from clipshop.platform.http import CommittingRoute, CurrentActor, PlatformDep, UowDep, run_idempotent
from clipshop.shop import catalog, fulfilment, ledger, orders, payouts
from clipshop.shop.catalog_import import import_csv
from clipshop.shop.models import Order, OrderStatus, PublicShop
from clipshop.shop.schemas import (
    BalanceRead,
    DailySalesRead,
    DiscountIn,
    DiscountRead,
    EarningRead,
    EarningsRead,
    FulfilIn,
    ImportReport,
    MoneyBookRead,
    OrderRead,
    PayoutRead,
    ProductCreate,
    ProductRead,
    ProductUpdate,
    RefundIn,
    ResolveReturnIn,
    ReturnRead,
    SellerProductRead,
    SellerVariantRead,
    ShippingOptionIn,
    ShippingOptionRead,
    ShopCreate,
    ShopRead,
    StaffIn,
    StaffRead,
    StatementLineRead,
    VariantUpdate,
    order_read,
)

router = APIRouter(route_class=CommittingRoute, tags=["seller"])
MAX_CSV_BYTES = 5 * 1024 * 1024
PRODUCT_IMAGE_BYTES = 10 * 1024 * 1024


@router.post("/shops", response_model=ShopRead, status_code=201)
def open_shop(body: ShopCreate, actor: CurrentActor, uow: UowDep, platform: PlatformDep) -> ShopRead:
    shop = catalog.open_shop(
        uow,
        actor=actor,
        handle=body.handle,
        name=body.name,
        currency=body.currency,
        description=body.description,
        now=platform.clock.now(),
    )
    uow.directory.flush()
    public = uow.directory.get_one(PublicShop, shop.id)
    return ShopRead.model_validate(public)


@router.get("/me/shops", response_model=list[ShopRead])
def my_shops(actor: CurrentActor, uow: UowDep) -> list[ShopRead]:
    return [ShopRead.model_validate(s) for s in catalog.shops_of(uow, actor=actor)]


@router.get("/shops/{shop_id}/staff", response_model=list[StaffRead])
def list_staff(shop_id: str, actor: CurrentActor, uow: UowDep) -> list[StaffRead]:
    shop = catalog.require_staff(uow, shop_id=shop_id, actor=actor)
    return [StaffRead.model_validate(s) for s in catalog.staff_of(uow, shop)]


@router.post("/shops/{shop_id}/staff", response_model=StaffRead, status_code=201)
def add_staff(
    shop_id: str, body: StaffIn, actor: CurrentActor, uow: UowDep, platform: PlatformDep
) -> StaffRead:
    row = catalog.add_staff(uow, actor=actor, shop_id=shop_id, user_id=body.user_id, now=platform.clock.now())
    return StaffRead.model_validate(row)


@router.delete("/shops/{shop_id}/staff/{user_id}", status_code=204)
def remove_staff(shop_id: str, user_id: str, actor: CurrentActor, uow: UowDep) -> None:
    catalog.remove_staff(uow, actor=actor, shop_id=shop_id, user_id=user_id)


@router.get("/shops/{shop_id}/shipping-options", response_model=list[ShippingOptionRead])
def list_shipping(shop_id: str, uow: UowDep) -> list[ShippingOptionRead]:
    catalog.get_shop(uow, shop_id)
    return [ShippingOptionRead.model_validate(o) for o in catalog.shipping_options(uow, shop_id)]


@router.post("/shops/{shop_id}/shipping-options", response_model=ShippingOptionRead, status_code=201)
def add_shipping(
    shop_id: str, body: ShippingOptionIn, actor: CurrentActor, uow: UowDep
) -> ShippingOptionRead:
    o = catalog.add_shipping_option(
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
    shop = catalog.require_staff(uow, shop_id=shop_id, actor=actor)
    return [DiscountRead.model_validate(d) for d in catalog.discounts_of(uow, shop)]


@router.post("/shops/{shop_id}/discounts", response_model=DiscountRead, status_code=201)
def add_discount(
    shop_id: str, body: DiscountIn, actor: CurrentActor, uow: UowDep, platform: PlatformDep
) -> DiscountRead:
    d = catalog.create_discount(
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
    product = catalog.create_product(
        uow,
        actor=actor,
        shop_id=shop_id,
        title=body.title,
        description=body.description,
        status=body.status,
        commission_bp=body.commission_bp,
        images=list(body.images),
        variants=[
            catalog.VariantSpec(sku=v.sku, price=v.price, stock=v.stock, options=dict(v.options))
            for v in body.variants
        ],
        now=platform.clock.now(),
    )
    return _product_read(uow, product.id)


def _product_read(uow: UnitOfWork, product_id: str) -> ProductRead:
    uow.directory.flush()
    product = catalog.get_product(uow, product_id)
    shop = uow.directory.get(PublicShop, product.shop_id)
    from clipshop.shop.models import PublicProduct

    public = uow.directory.get(PublicProduct, product_id)
    if public is not None:
        _, variants = catalog.public_product(uow, product_id)
        return ProductRead.of(public, variants, shop)
    variants_now = catalog.variants_of(uow, product)
    prices = [v.price for v in variants_now] or [0]
    return ProductRead(
        id=product.id,
        shop_id=product.shop_id,
        title=product.title,
        description=product.description,
        currency=shop.currency if shop else "",
        price_min=min(prices),
        price_max=max(prices),
        images=list(product.images),
        commission_bp=product.commission_bp,
        in_stock=any(v.stock > 0 for v in variants_now),
        rating=None,
        rating_count=0,
    )


@router.get("/shops/{shop_id}/catalog", response_model=list[SellerProductRead])
def seller_catalog(shop_id: str, actor: CurrentActor, uow: UowDep) -> list[SellerProductRead]:
    """Every product of the shop, drafts and archived too, with live stock."""
    shop = catalog.require_staff(uow, shop_id=shop_id, actor=actor)
    return [
        SellerProductRead(
            id=p.id,
            title=p.title,
            status=p.status.value,
            commission_bp=p.commission_bp,
            images=list(p.images),
            variants=[SellerVariantRead.model_validate(v) for v in variants],
        )
        for p, variants in catalog.all_products_of(uow, shop)
    ]


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
        with platform.uow().transaction() as uow:
            shop = catalog.require_staff(uow, shop_id=shop_id, actor=actor)
            result = import_csv(uow, shop=shop, text=text, now=platform.clock.now())
        return ImportReport(created=result.created, rows=result.rows, errors=result.errors)

    return await run_in_threadpool(run)


@router.patch("/products/{product_id}", response_model=ProductRead)
def update_product(
    product_id: str, body: ProductUpdate, actor: CurrentActor, uow: UowDep, platform: PlatformDep
) -> ProductRead:
    catalog.update_product(
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
    return _product_read(uow, product_id)


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
    await run_in_threadpool(catalog.own_product, uow, actor=actor, product_id=product_id)
    body = bytearray()
    async for chunk in request.stream():
        body += chunk
        if len(body) > PRODUCT_IMAGE_BYTES:
            break
    picture = await run_in_threadpool(render_product_image, platform.transcoder, bytes(body))
    store = platform.media_store(region_of(product_id))
    key = f"products/{product_id}/{hashlib.sha256(picture).hexdigest()[:16]}.jpg"
    store.put_bytes(key, picture)

    def add() -> ProductRead:
        catalog.add_product_image(
            uow, actor=actor, product_id=product_id, url=store.url(key), now=platform.clock.now()
        )
        return _product_read(uow, product_id)

    return await run_in_threadpool(add)


def render_product_image(transcoder: Transcoder, data: bytes) -> bytes:
    return transcoder.still(
        data,
        max_bytes=PRODUCT_IMAGE_BYTES,
        what="A product photo",
        code="image_too_large",
        side=1080,
        square=False,
    )


@router.patch("/variants/{variant_id}", response_model=SellerVariantRead)
def update_variant(
    variant_id: str, body: VariantUpdate, actor: CurrentActor, uow: UowDep, platform: PlatformDep
) -> SellerVariantRead:
    v = catalog.update_variant(
        uow,
        actor=actor,
        variant_id=variant_id,
        price=body.price,
        stock=body.stock,
        stock_delta=body.stock_delta,
        now=platform.clock.now(),
    )
    return SellerVariantRead.model_validate(v)


# -- orders to fulfil --------------------------------------------------------------------------------------


def _shop_order(uow: UnitOfWork, actor: Actor, shop_id: str, order_id: str) -> Order:
    catalog.require_staff(uow, shop_id=shop_id, actor=actor)
    return fulfilment.shop_order(uow, shop_id=shop_id, order_id=order_id, purpose="fulfilment")


@router.get("/shops/{shop_id}/orders", response_model=list[OrderRead])
def shop_orders(
    shop_id: str, actor: CurrentActor, uow: UowDep, status: Annotated[OrderStatus | None, Query()] = None
) -> list[OrderRead]:
    catalog.require_staff(uow, shop_id=shop_id, actor=actor)
    found = fulfilment.shop_orders(
        uow, shop_id=shop_id, purpose="fulfilment", statuses=(status,) if status else None
    )
    return [order_read(uow, s.order, detail=False, address=s.order.status is OrderStatus.PAID) for s in found]


@router.get("/shops/{shop_id}/orders/{order_id}", response_model=OrderRead)
def shop_order(shop_id: str, order_id: str, actor: CurrentActor, uow: UowDep) -> OrderRead:
    return order_read(uow, _shop_order(uow, actor, shop_id, order_id), address=True)


@router.post("/shops/{shop_id}/orders/{order_id}/fulfil", response_model=OrderRead)
def fulfil(
    shop_id: str, order_id: str, body: FulfilIn, actor: CurrentActor, uow: UowDep, platform: PlatformDep
) -> OrderRead:
    order = orders.fulfil(
        uow,
        order=_shop_order(uow, actor, shop_id, order_id),
        carrier=body.carrier,
        tracking_number=body.tracking_number,
        now=platform.clock.now(),
    )
    uow.region(region_of(order.id)).flush()
    return order_read(uow, order, address=True)


@router.post("/shops/{shop_id}/orders/{order_id}/deliver", response_model=OrderRead)
def deliver(
    shop_id: str, order_id: str, actor: CurrentActor, uow: UowDep, platform: PlatformDep
) -> OrderRead:
    order = orders.deliver(uow, order=_shop_order(uow, actor, shop_id, order_id), now=platform.clock.now())
    uow.region(region_of(order.id)).flush()
    return order_read(uow, order, address=True)


@router.post("/shops/{shop_id}/orders/{order_id}/cancel", response_model=OrderRead)
def cancel(shop_id: str, order_id: str, actor: CurrentActor, uow: UowDep, platform: PlatformDep) -> OrderRead:
    order = orders.cancel(
        platform,
        uow,
        order=_shop_order(uow, actor, shop_id, order_id),
        reason="by the shop",
        now=platform.clock.now(),
    )
    uow.region(region_of(order.id)).flush()
    return order_read(uow, order, address=True)


def _refund_now(platform: Platform, actor: Actor, shop_id: str, order_id: str, body: RefundIn) -> OrderRead:
    with platform.uow().transaction() as uow:
        order = _shop_order(uow, actor, shop_id, order_id)
        orders.refund(
            platform, uow, order=order, amount=body.amount, reason=body.reason, now=platform.clock.now()
        )
        uow.region(region_of(order.id)).flush()
        return order_read(uow, order)


@router.post("/shops/{shop_id}/orders/{order_id}/refunds", response_model=OrderRead)
async def refund(
    shop_id: str,
    order_id: str,
    body: RefundIn,
    actor: CurrentActor,
    platform: PlatformDep,
    idempotency_key: Annotated[str | None, Header(alias="Idempotency-Key", max_length=255)] = None,
) -> JSONResponse:
    """A partial or full refund. Send an `Idempotency-Key`: a retry never refunds twice."""
    key = idempotency.check_key(idempotency_key)
    fingerprint = idempotency.request_hash({"order": order_id, **body.model_dump()})

    def run() -> idempotency.StoredResponse:
        claim = dict(region=actor.region, user_id=actor.id, scope="refund", key=key)
        stored = idempotency.claim(
            platform.databases,
            **claim,
            fingerprint=fingerprint,
            now=platform.clock.now(),
            lease=timedelta(seconds=platform.settings.idempotency_lease_s),
        )
        if stored is not None:
            return stored
        try:
            read = _refund_now(platform, actor, shop_id, order_id, body)
        except BaseException:
            idempotency.release(platform.databases, **claim)
            raise
        response = idempotency.StoredResponse(200, read.model_dump(mode="json"))
        idempotency.store(platform.databases, **claim, response=response)
        return response

    return await run_idempotent(platform, run)


@router.get("/shops/{shop_id}/returns", response_model=list[ReturnRead])
def shop_returns(shop_id: str, actor: CurrentActor, uow: UowDep) -> list[ReturnRead]:
    shop = catalog.require_staff(uow, shop_id=shop_id, actor=actor)
    return [
        ReturnRead.of(r, shop.currency)
        for r in fulfilment.shop_returns(uow, shop_id=shop_id, purpose="returns")
    ]


@router.post("/shops/{shop_id}/orders/{order_id}/returns/{return_id}", response_model=ReturnRead)
def resolve_return(
    shop_id: str,
    order_id: str,
    return_id: str,
    body: ResolveReturnIn,
    actor: CurrentActor,
    uow: UowDep,
    platform: PlatformDep,
) -> ReturnRead:
    catalog.require_staff(uow, shop_id=shop_id, actor=actor)
    order = fulfilment.shop_order(uow, shop_id=shop_id, order_id=order_id, purpose="returns")
    r = orders.resolve_return(
        platform, uow, order=order, request_id=return_id, approve=body.approve, now=platform.clock.now()
    )
    return ReturnRead.of(r, order.currency)


@router.get("/shops/{shop_id}/sales", response_model=list[DailySalesRead])
def sales(
    shop_id: str,
    actor: CurrentActor,
    uow: UowDep,
    platform: PlatformDep,
    days: Annotated[int, Query(ge=1, le=366)] = 30,
) -> list[DailySalesRead]:
    catalog.require_staff(uow, shop_id=shop_id, actor=actor)
    since = platform.clock.now() - timedelta(days=days)
    return [
        DailySalesRead(day=d.day, orders=d.orders, revenue=d.revenue, currency=d.currency)
        for d in fulfilment.shop_sales(uow, shop_id=shop_id, since=since, purpose="analytics")
    ]


# -- money: balances, payouts, statements ------------------------------------------------------------------


def money_book(uow: UnitOfWork, party: str) -> MoneyBookRead:
    """A party's (`merchant:<shop>` or `creator:<user>`) balances, payouts and statement in every region."""
    totals: dict[str, dict[str, int]] = {}
    payout_rows = []
    lines = []
    for region in uow.databases.regions:
        db = uow.region(region)
        for (account, currency), amount in ledger.balances(db, f"{party}:").items():
            state = account.rsplit(":", 1)[1]
            bucket = totals.setdefault(currency, {"pending": 0, "available": 0, "paid_out": 0})
            bucket[state] = bucket.get(state, 0) - amount
        payout_rows += payouts.payouts_of(uow, region=region, party=party)
        lines += payouts.statement(uow, region=region, party=party)
    for p in payout_rows:
        if p.status.value == "paid":
            totals.setdefault(p.currency, {"pending": 0, "available": 0, "paid_out": 0})["paid_out"] += (
                p.amount
            )
    return MoneyBookRead(
        balances=[
            BalanceRead(currency=c, pending=t["pending"], available=t["available"], paid_out=t["paid_out"])
            for c, t in sorted(totals.items())
        ],
        payouts=[
            PayoutRead.model_validate(p)
            for p in sorted(payout_rows, key=lambda p: p.created_at, reverse=True)
        ],
        statement=[
            StatementLineRead(
                at=s.at, kind=s.kind, reference=s.reference, memo=s.memo, amount=s.amount, currency=s.currency
            )
            for s in sorted(lines, key=lambda s: s.at, reverse=True)
        ],
    )


@router.get("/shops/{shop_id}/money", response_model=MoneyBookRead)
def shop_money(shop_id: str, actor: CurrentActor, uow: UowDep) -> MoneyBookRead:
    catalog.require_staff(uow, shop_id=shop_id, actor=actor, owner=True)
    return money_book(uow, f"merchant:{shop_id}")


@router.get("/me/earnings", response_model=EarningsRead)
def earnings(actor: CurrentActor, uow: UowDep) -> EarningsRead:
    """A creator's affiliate commission per video and per product, with balances and payouts."""

    def reads(by: str) -> list[EarningRead]:
        return [
            EarningRead(
                key=e.key,
                title=e.title,
                orders=e.orders,
                pending=e.pending,
                earned=e.earned,
                reversed=e.reversed,
                currency=e.currency,
            )
            for e in fulfilment.creator_earnings(
                uow,
                creator_id=actor.id,
                by=by,  # type: ignore[arg-type]
                purpose="earnings",
            )
        ]

    return EarningsRead(
        by_video=reads("video"), by_product=reads("product"), money=money_book(uow, f"creator:{actor.id}")
    )
