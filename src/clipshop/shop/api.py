"""Buyer-facing commerce routes: shops and products, shoppable videos, cart, addresses, checkout, orders,
and the payment provider's webhooks."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Header, Query, Request
from fastapi.responses import JSONResponse
from sqlalchemy import select
from starlette.concurrency import run_in_threadpool

from clipshop.accounts.models import PublicProfile
from clipshop.errors import NotFound
from clipshop.kit import idempotency
from clipshop.kit.actors import Actor
from clipshop.kit.db import UnitOfWork
from clipshop.kit.ids import is_valid_id
from clipshop.platform.http import (
    CommittingRoute,
    CurrentActor,
    OptionalActor,
    PlatformDep,
    UowDep,
    run_idempotent,
)
from clipshop.shop import cart, catalog, checkout, orders
from clipshop.shop.models import Order, PublicProduct, PublicReview, PublicShop, PublicVariant
from clipshop.shop.payments import webhooks
from clipshop.shop.schemas import (
    AddressIn,
    AddressRead,
    AuthenticateIn,
    CancelIn,
    CartAdd,
    CartLineRead,
    CartRead,
    CartUpdate,
    CheckoutIn,
    OrderRead,
    ProductOpenIn,
    ProductRead,
    QuoteIn,
    QuoteRead,
    QuoteShopRead,
    ReturnIn,
    ReturnRead,
    ReviewIn,
    ReviewRead,
    ShopRead,
    ShowcaseIn,
    TaggedProductRead,
    VariantRead,
    VideoProductsIn,
    order_read,
)
from clipshop.videos.models import PublicVideo, Video

router = APIRouter(route_class=CommittingRoute, tags=["shop"])

PROBLEM = {"model": dict[str, Any], "description": "A problem document (RFC 9457) with a stable `code`."}


def product_reads(
    uow: UnitOfWork, products: list[PublicProduct], *, with_variants: bool = False
) -> list[ProductRead]:
    shops = (
        {
            s.id: s
            for s in uow.directory.scalars(
                select(PublicShop).where(PublicShop.id.in_({p.shop_id for p in products}))
            )
        }
        if products
        else {}
    )
    variants: dict[str, list[PublicVariant]] = {}
    if with_variants and products:
        for v in uow.directory.scalars(
            select(PublicVariant)
            .where(PublicVariant.product_id.in_([p.id for p in products]))
            .order_by(PublicVariant.position)
        ):
            variants.setdefault(v.product_id, []).append(v)
    return [ProductRead.of(p, variants.get(p.id), shops.get(p.shop_id)) for p in products]


# -- shops and products (public) ---------------------------------------------------------------------------


@router.get("/shops/{shop}", response_model=ShopRead)
def get_shop(shop: str, uow: UowDep) -> ShopRead:
    """A shop by id or handle."""
    found = (
        uow.directory.get(PublicShop, shop)
        or uow.directory.scalars(select(PublicShop).where(PublicShop.handle == shop.lower())).first()
    )
    if found is None:
        raise NotFound("shop", shop)
    return ShopRead.model_validate(found)


@router.get("/shops/{shop_id}/products", response_model=list[ProductRead])
def list_shop_products(shop_id: str, uow: UowDep) -> list[ProductRead]:
    return product_reads(uow, catalog.shop_products(uow, shop_id))


@router.get("/products", response_model=list[ProductRead])
def search_products(
    uow: UowDep,
    q: Annotated[str, Query(max_length=200)] = "",
    shop_id: str | None = None,
    limit: Annotated[int, Query(ge=1, le=50)] = 24,
) -> list[ProductRead]:
    return product_reads(uow, catalog.search_products(uow, query=q, shop_id=shop_id, limit=limit))


@router.get("/products/{product_id}", response_model=ProductRead)
def get_product(product_id: str, uow: UowDep) -> ProductRead:
    product, variants = catalog.public_product(uow, product_id)
    return ProductRead.of(product, variants, uow.directory.get(PublicShop, product.shop_id))


@router.get("/products/{product_id}/reviews", response_model=list[ReviewRead])
def product_reviews(product_id: str, uow: UowDep) -> list[ReviewRead]:
    catalog.public_product(uow, product_id)
    reviews = list(
        uow.directory.scalars(
            select(PublicReview)
            .where(PublicReview.product_id == product_id)
            .order_by(PublicReview.created_at.desc())
            .limit(50)
        )
    )
    handles = (
        {
            p.user_id: p.handle
            for p in uow.directory.scalars(
                select(PublicProfile).where(PublicProfile.user_id.in_({r.author_id for r in reviews}))
            )
        }
        if reviews
        else {}
    )
    return [
        ReviewRead(
            id=r.id,
            product_id=r.product_id,
            author_id=r.author_id,
            author_handle=handles.get(r.author_id),
            rating=r.rating,
            body=r.body,
            created_at=r.created_at,
        )
        for r in reviews
    ]


@router.post("/products/{product_id}/open", status_code=204)
def open_product(
    product_id: str, body: ProductOpenIn, actor: CurrentActor, uow: UowDep, platform: PlatformDep
) -> None:
    """Say the product sheet was opened from a creator's video or showcase (for affiliate attribution)."""
    catalog.public_product(uow, product_id)
    cart.touch(
        uow,
        actor=actor,
        product_id=product_id,
        video_id=body.video_id,
        creator_id=body.creator_id,
        now=platform.clock.now(),
    )


@router.get("/videos/{video_id}/products", response_model=list[TaggedProductRead])
def video_products(video_id: str, uow: UowDep, actor: OptionalActor) -> list[TaggedProductRead]:
    """The products tagged in a published video (or in your own video before it is published)."""
    if uow.directory.get(PublicVideo, video_id) is None:
        own = actor is not None and video_id.startswith(f"{actor.region}_")
        video = uow.region(actor.region).get(Video, video_id) if own and actor else None
        if video is None or actor is None or video.owner_id != actor.id:
            raise NotFound("video", video_id)
    tagged = catalog.video_products(uow, [video_id]).get(video_id, [])
    reads = product_reads(uow, [p for _, p in tagged], with_variants=True)
    return [TaggedProductRead(product=r, at_s=tag.at_s) for (tag, _), r in zip(tagged, reads, strict=True)]


@router.put("/videos/{video_id}/products", response_model=list[TaggedProductRead])
def tag_video(
    video_id: str, body: VideoProductsIn, actor: CurrentActor, uow: UowDep
) -> list[TaggedProductRead]:
    catalog.tag_video_products(
        uow, actor=actor, video_id=video_id, tags=[(t.product_id, t.at_s) for t in body.products]
    )
    uow.directory.flush()
    return video_products(video_id, uow, actor)


@router.get("/users/{handle}/showcase", response_model=list[ProductRead])
def showcase(handle: str, uow: UowDep) -> list[ProductRead]:
    profile = uow.directory.scalars(
        select(PublicProfile).where(PublicProfile.handle == handle.lower())
    ).first()
    if profile is None:
        raise NotFound("user", handle)
    return product_reads(uow, catalog.showcase_of(uow, profile.user_id))


@router.put("/me/showcase", response_model=list[ProductRead])
def set_showcase(
    body: ShowcaseIn, actor: CurrentActor, uow: UowDep, platform: PlatformDep
) -> list[ProductRead]:
    catalog.set_showcase(uow, actor=actor, product_ids=body.product_ids, now=platform.clock.now())
    uow.directory.flush()
    return product_reads(uow, catalog.showcase_of(uow, actor.id))


# -- cart and addresses ------------------------------------------------------------------------------------


def _cart_read(uow: UnitOfWork, actor: Actor) -> CartRead:
    lines = cart.cart_of(uow, actor=actor)
    products = {
        p.id: r
        for p, r in zip(
            [p for _, _, p in lines if p], product_reads(uow, [p for _, _, p in lines if p]), strict=True
        )
    }
    items = [
        CartLineRead(
            variant_id=item.variant_id,
            quantity=item.quantity,
            product=products.get(product.id) if product else None,
            variant=VariantRead(
                id=v.id,
                sku=v.sku,
                options=dict(v.options),
                price=v.price,
                currency=v.currency,
                available=v.available,
            )
            if v
            else None,
        )
        for item, v, product in lines
    ]
    return CartRead(items=items, count=sum(i.quantity for i in items))


@router.get("/cart", response_model=CartRead)
def get_cart(actor: CurrentActor, uow: UowDep) -> CartRead:
    return _cart_read(uow, actor)


@router.post("/cart/items", response_model=CartRead)
def add_to_cart(body: CartAdd, actor: CurrentActor, uow: UowDep, platform: PlatformDep) -> CartRead:
    cart.add_to_cart(
        uow, actor=actor, variant_id=body.variant_id, quantity=body.quantity, now=platform.clock.now()
    )
    uow.region(actor.region).flush()
    return _cart_read(uow, actor)


@router.patch("/cart/items/{variant_id}", response_model=CartRead)
def update_cart_item(variant_id: str, body: CartUpdate, actor: CurrentActor, uow: UowDep) -> CartRead:
    cart.set_quantity(uow, actor=actor, variant_id=variant_id, quantity=body.quantity)
    uow.region(actor.region).flush()
    return _cart_read(uow, actor)


@router.delete("/cart/items/{variant_id}", response_model=CartRead)
def remove_cart_item(variant_id: str, actor: CurrentActor, uow: UowDep) -> CartRead:
    cart.set_quantity(uow, actor=actor, variant_id=variant_id, quantity=0)
    uow.region(actor.region).flush()
    return _cart_read(uow, actor)


@router.get("/me/addresses", response_model=list[AddressRead])
def list_addresses(actor: CurrentActor, uow: UowDep) -> list[AddressRead]:
    return [AddressRead.model_validate(a) for a in cart.addresses_of(uow, actor=actor)]


@router.post("/me/addresses", response_model=AddressRead, status_code=201)
def add_address(body: AddressIn, actor: CurrentActor, uow: UowDep, platform: PlatformDep) -> AddressRead:
    address = cart.add_address(
        uow,
        actor=actor,
        fields=body.model_dump(exclude={"make_default"}),
        make_default=body.make_default,
        now=platform.clock.now(),
    )
    return AddressRead.model_validate(address)


@router.delete("/me/addresses/{address_id}", status_code=204)
def remove_address(address_id: str, actor: CurrentActor, uow: UowDep) -> None:
    cart.remove_address(uow, actor=actor, address_id=address_id)


# -- checkout ----------------------------------------------------------------------------------------------


def _request_of(body: CheckoutIn) -> checkout.CheckoutRequest:
    return checkout.CheckoutRequest(
        items=None
        if body.items is None
        else [checkout.LineRequest(i.variant_id, i.quantity) for i in body.items],
        address_id=body.address_id,
        address=body.address.model_dump() if body.address else None,
        shipping=dict(body.shipping),
        discount_codes=list(body.discount_codes),
        payment_method=body.payment_method,
    )


@router.post("/checkout/quote", response_model=QuoteRead)
def quote(body: QuoteIn, actor: CurrentActor, uow: UowDep, platform: PlatformDep) -> QuoteRead:
    """What a checkout would charge, shop by shop (nothing is reserved or charged)."""
    from datetime import timedelta

    settings = platform.settings
    priced = checkout.quote(
        uow,
        actor=actor,
        items=None
        if body.items is None
        else [checkout.LineRequest(i.variant_id, i.quantity) for i in body.items],
        shipping=dict(body.shipping),
        discount_codes=list(body.discount_codes),
        tax_bp=settings.tax_rates_bp.get(actor.region, 0),
        fee_bp=settings.platform_fee_bp,
        attribution_window=timedelta(days=settings.attribution_window_days),
        now=platform.clock.now(),
    )
    return QuoteRead(
        currency=priced.currency,
        total=priced.total,
        shops=[
            QuoteShopRead(
                shop_id=s.shop.id,
                shop_name=s.shop.name,
                subtotal=s.subtotal,
                discount=s.discount,
                shipping=s.shipping.price,
                shipping_option=s.shipping.name,
                tax=s.tax,
                total=s.total,
            )
            for s in priced.shops
        ],
    )


@router.post(
    "/checkout",
    response_model=None,
    status_code=201,
    responses={
        201: {"model": dict[str, Any], "description": "The checkout, its payment and its orders."},
        402: PROBLEM,
        409: PROBLEM,
    },
)
async def place_checkout(
    body: CheckoutIn,
    actor: CurrentActor,
    platform: PlatformDep,
    idempotency_key: Annotated[str | None, Header(alias="Idempotency-Key", max_length=255)] = None,
) -> JSONResponse:
    """Buy: one order per shop, one payment. Send an `Idempotency-Key`; a retry with it replays the answer."""
    key = idempotency.check_key(idempotency_key)
    request = _request_of(body)
    return await run_idempotent(
        platform, lambda: checkout.place(platform, actor=actor, request=request, key=key)
    )


# -- the buyer's orders ------------------------------------------------------------------------------------


def own_order(uow: UnitOfWork, actor: Actor, order_id: str) -> Order:
    order = uow.region(actor.region).get(Order, order_id) if is_valid_id(order_id, {actor.region}) else None
    if order is None or order.buyer_id != actor.id:
        raise NotFound("order", order_id)
    return order


@router.get("/orders", response_model=list[OrderRead])
def my_orders(
    actor: CurrentActor, uow: UowDep, limit: Annotated[int, Query(ge=1, le=100)] = 50
) -> list[OrderRead]:
    db = uow.region(actor.region)
    found = db.scalars(
        select(Order).where(Order.buyer_id == actor.id).order_by(Order.placed_at.desc()).limit(limit)
    )
    return [order_read(uow, o, detail=False) for o in found]


@router.get("/orders/{order_id}", response_model=OrderRead)
def my_order(order_id: str, actor: CurrentActor, uow: UowDep) -> OrderRead:
    return order_read(uow, own_order(uow, actor, order_id), address=True)


@router.post("/orders/{order_id}/cancel", response_model=OrderRead)
def cancel_my_order(
    order_id: str, body: CancelIn, actor: CurrentActor, uow: UowDep, platform: PlatformDep
) -> OrderRead:
    order = orders.cancel(
        platform,
        uow,
        order=own_order(uow, actor, order_id),
        reason=body.reason or "by buyer",
        now=platform.clock.now(),
    )
    uow.region(actor.region).flush()
    return order_read(uow, order, address=True)


@router.post("/orders/{order_id}/confirm-receipt", response_model=OrderRead)
def confirm_receipt(order_id: str, actor: CurrentActor, uow: UowDep, platform: PlatformDep) -> OrderRead:
    order = orders.complete(uow, order=own_order(uow, actor, order_id), now=platform.clock.now())
    uow.region(actor.region).flush()
    return order_read(uow, order, address=True)


@router.post("/orders/{order_id}/returns", response_model=ReturnRead, status_code=201)
def request_return(
    order_id: str, body: ReturnIn, actor: CurrentActor, uow: UowDep, platform: PlatformDep
) -> ReturnRead:
    from datetime import timedelta

    request = orders.request_return(
        uow,
        order=own_order(uow, actor, order_id),
        reason=body.reason,
        amount=body.amount,
        now=platform.clock.now(),
        return_window=timedelta(days=platform.settings.return_window_days),
    )
    return ReturnRead.of(request, own_order(uow, actor, order_id).currency)


@router.post("/orders/{order_id}/reviews", response_model=ReviewRead, status_code=201)
def review(
    order_id: str, body: ReviewIn, actor: CurrentActor, uow: UowDep, platform: PlatformDep
) -> ReviewRead:
    row = orders.review(
        uow,
        order=own_order(uow, actor, order_id),
        product_id=body.product_id,
        rating=body.rating,
        body=body.body,
        now=platform.clock.now(),
    )
    return ReviewRead(
        id=row.id,
        product_id=row.product_id,
        author_id=row.buyer_id,
        author_handle=actor.handle,
        rating=row.rating,
        body=row.body,
        created_at=row.created_at,
    )


# -- the payment provider ----------------------------------------------------------------------------------


@router.post("/payments/webhooks/sandbox", tags=["payments"], responses={400: PROBLEM})
async def sandbox_webhook(request: Request, platform: PlatformDep) -> dict[str, bool]:
    """Signed events from the sandbox processor (header `Clipshop-Signature: t=…,v1=…`)."""
    payload = await request.body()
    signature = request.headers.get("clipshop-signature", "")
    applied = await run_in_threadpool(
        lambda: webhooks.receive(platform, payload=payload, signature=signature)
    )
    return {"received": True, "applied": applied}


@router.post("/sandbox/payments/{ref}/authenticate", tags=["payments"])
def sandbox_authenticate(ref: str, body: AuthenticateIn, platform: PlatformDep) -> dict[str, str]:
    """The sandbox bank's authentication step (3-D Secure): approve or refuse a payment that asked for it."""
    from clipshop.payments.sandbox import SandboxProvider

    provider = platform.payments
    if not isinstance(provider, SandboxProvider):
        raise NotFound("sandbox payment", ref)
    try:
        intent = provider.authenticate(ref=ref, approve=body.approve)
    except KeyError:
        raise NotFound("sandbox payment", ref) from None
    return {"status": intent.status}
