"""Checkout: one buyer, one payment, one order per shop.

A checkout commits three times, because a card is charged between them and a crash may land anywhere:
1. the Idempotency-Key is claimed (kit/idempotency);
2. the orders, their lines, the stock reservations and a payment row `created` are written together;
3. the provider is called with the payment id as its idempotency key, and its answer is recorded with the
   response stored under the key.
A crash after 2 leaves a `created` payment: a retry with the same key, or the reconciler, asks the provider
for the intent made with that key and finishes (or cancels) the checkout, so there is never a charge without
an order nor an order without a charge.
"""

from __future__ import annotations

import logging
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from sqlalchemy import select, update

from clipshop.errors import ClipshopError, Invalid, NotFound
from clipshop.kit import idempotency
from clipshop.kit.actors import Actor
from clipshop.kit.db import UnitOfWork
from clipshop.kit.ids import is_valid_id, new_id, region_of
from clipshop.kit.ports import IntentResult
from clipshop.shop import cart, stock
from clipshop.shop import orders as order_flow
from clipshop.shop.models import (
    Address,
    AttributionTouch,
    CartItem,
    Checkout,
    DiscountCode,
    Order,
    OrderEvent,
    OrderLine,
    OrderStatus,
    Payment,
    PaymentStatus,
    Product,
    ProductStatus,
    ShippingOption,
    Shop,
    Variant,
)
from clipshop.shop.money import basis_points
from clipshop.shop.tasks import enqueue_stock_projection

if TYPE_CHECKING:
    from clipshop.platform import Platform

log = logging.getLogger(__name__)

SCOPE = "checkout"
ADDRESS_FIELDS = ("name", "line1", "line2", "city", "state", "postal_code", "country", "phone")
MAX_LINES = 50
MAX_QUANTITY = 99


class PaymentFailed(ClipshopError):
    status, code, title = 402, "payment_failed", "Payment failed"


FAILURE_TEXT = {
    "card_declined": "The card was declined. Try another card.",
    "insufficient_funds": "The card has insufficient funds. Try another card.",
    "invalid_number": "That card number is not valid. Check it and try again.",
    "authentication_failed": "The bank did not authenticate the payment. Try again or use another card.",
}


@dataclass(frozen=True)
class LineRequest:
    variant_id: str
    quantity: int


@dataclass(frozen=True)
class CheckoutRequest:
    items: list[LineRequest] | None
    address_id: str | None
    address: dict[str, str] | None
    shipping: dict[str, str]
    discount_codes: list[str]
    payment_method: str

    def fingerprint(self) -> dict[str, Any]:
        return {
            "items": None if self.items is None else [[i.variant_id, i.quantity] for i in self.items],
            "address_id": self.address_id,
            "address": None if self.address is None else {k: self.address.get(k, "") for k in ADDRESS_FIELDS},
            "shipping": self.shipping,
            "discount_codes": self.discount_codes,
            "payment_method": self.payment_method,
        }


@dataclass
class PricedLine:
    variant: Variant
    product: Product
    quantity: int
    discount: int = 0
    creator_id: str | None = None
    video_id: str | None = None

    @property
    def amount(self) -> int:
        return self.variant.price * self.quantity

    @property
    def commission(self) -> int:
        if self.creator_id is None:
            return 0
        return basis_points(self.amount - self.discount, self.product.commission_bp)


@dataclass
class ShopQuote:
    shop: Shop
    lines: list[PricedLine]
    shipping: ShippingOption
    discount_code: DiscountCode | None
    tax_bp: int
    fee_bp: int
    subtotal: int = 0
    discount: int = 0
    tax: int = 0
    total: int = 0
    fee: int = 0
    commission: int = 0
    creators: dict[str, int] = field(default_factory=dict)

    def price(self) -> None:
        self.subtotal = sum(line.amount for line in self.lines)
        code = self.discount_code
        if code is not None:
            wanted = basis_points(self.subtotal, code.percent_bp) if code.percent_bp else code.amount_off
            self.discount = min(wanted, self.subtotal)
            remaining = self.discount
            for n, line in enumerate(self.lines):
                part = remaining if n == len(self.lines) - 1 else self.discount * line.amount // self.subtotal
                line.discount, remaining = part, remaining - part
            if code.creator_id:
                for line in self.lines:
                    if line.product.commission_bp > 0 and code.creator_id != self.shop.owner_id:
                        line.creator_id, line.video_id = code.creator_id, None
        taxable = self.subtotal - self.discount + self.shipping.price
        self.tax = basis_points(taxable, self.tax_bp)
        self.total = taxable + self.tax
        self.fee = basis_points(self.subtotal - self.discount, self.fee_bp)
        self.creators = defaultdict(int)
        for line in self.lines:
            if line.commission:
                self.creators[line.creator_id or ""] += line.commission
        self.creators = dict(self.creators)
        self.commission = sum(self.creators.values())


@dataclass
class Quote:
    currency: str
    shops: list[ShopQuote]

    @property
    def total(self) -> int:
        return sum(s.total for s in self.shops)


# -- pricing -----------------------------------------------------------------------------------------------


def requested_lines(uow: UnitOfWork, *, actor: Actor, items: list[LineRequest] | None) -> list[LineRequest]:
    if items is None:
        db = uow.region(actor.region)
        items = [
            LineRequest(c.variant_id, c.quantity)
            for c in db.scalars(
                select(CartItem).where(CartItem.user_id == actor.id).order_by(CartItem.added_at)
            )
        ]
        if not items:
            raise Invalid("Your cart is empty.", code="cart_empty", field="items")
    if not items:
        raise Invalid("Choose at least one item.", code="no_items", field="items")
    if len(items) > MAX_LINES:
        raise Invalid(
            f"At most {MAX_LINES} different items per checkout.", code="too_many_items", field="items"
        )
    merged: dict[str, int] = {}
    for n, item in enumerate(items):
        if not 1 <= item.quantity <= MAX_QUANTITY:
            raise Invalid(
                f"Quantities are 1 to {MAX_QUANTITY}.", code="invalid_quantity", field=f"items.{n}.quantity"
            )
        merged[item.variant_id] = merged.get(item.variant_id, 0) + item.quantity
    return [LineRequest(v, q) for v, q in merged.items()]


def quote(
    uow: UnitOfWork,
    *,
    actor: Actor,
    items: list[LineRequest] | None,
    shipping: dict[str, str],
    discount_codes: list[str],
    tax_bp: int,
    fee_bp: int,
    attribution_window: timedelta,
    now: datetime,
) -> Quote:
    """Price a checkout exactly as it will be charged: per shop items, discount, shipping, tax."""
    regions = set(uow.databases.regions)
    lines_by_shop: dict[str, list[PricedLine]] = {}
    for n, item in enumerate(requested_lines(uow, actor=actor, items=items)):
        variant = (
            uow.region(region_of(item.variant_id)).get(Variant, item.variant_id)
            if is_valid_id(item.variant_id, regions)
            else None
        )
        product = uow.region(region_of(variant.id)).get(Product, variant.product_id) if variant else None
        if variant is None or product is None or product.status is not ProductStatus.ACTIVE:
            raise NotFound("item", item.variant_id, field=f"items.{n}.variant_id")
        lines_by_shop.setdefault(variant.shop_id, []).append(PricedLine(variant, product, item.quantity))
    touches = _touches(
        uow,
        actor=actor,
        since=now - attribution_window,
        product_ids=[line.product.id for lines in lines_by_shop.values() for line in lines],
    )
    codes = [c.strip().upper() for c in discount_codes if c.strip()]
    used_codes: set[str] = set()
    shops: list[ShopQuote] = []
    for shop_id, lines in lines_by_shop.items():
        db = uow.region(region_of(shop_id))
        shop = db.get_one(Shop, shop_id)
        for line in lines:
            touch = touches.get(line.product.id)
            if touch is not None and line.product.commission_bp > 0 and touch.creator_id != shop.owner_id:
                line.creator_id, line.video_id = touch.creator_id, touch.video_id
        options = {
            o.id: o for o in db.scalars(select(ShippingOption).where(ShippingOption.shop_id == shop_id))
        }
        if not options:
            raise Invalid(f"The shop {shop.name} does not ship yet.", code="no_shipping", field="shipping")
        chosen = shipping.get(shop_id)
        if chosen is not None and chosen not in options:
            raise Invalid(
                "That shipping option is not one of the shop's.",
                code="invalid_shipping_option",
                field=f"shipping.{shop_id}",
            )
        option = options[chosen] if chosen else min(options.values(), key=lambda o: (o.price, o.max_days))
        code = None
        for value in codes:
            found = db.get(DiscountCode, (shop_id, value))
            if found is not None and found.active and (found.max_uses is None or found.uses < found.max_uses):
                code = found
                used_codes.add(value)
                break
        shop_quote = ShopQuote(
            shop=shop, lines=lines, shipping=option, discount_code=code, tax_bp=tax_bp, fee_bp=fee_bp
        )
        shop_quote.price()
        shops.append(shop_quote)
    unknown = [c for c in codes if c not in used_codes]
    if unknown:
        raise Invalid(
            f"The code {unknown[0]} is not valid for these shops (or has run out).",
            code="invalid_discount_code",
            field="discount_codes",
        )
    currencies = {s.shop.currency for s in shops}
    if len(currencies) > 1:
        raise Invalid(
            f"These items are priced in {', '.join(sorted(currencies))}; check out one currency at a time.",
            code="mixed_currencies",
            field="items",
        )
    return Quote(currency=currencies.pop(), shops=shops)


def _touches(
    uow: UnitOfWork, *, actor: Actor, since: datetime, product_ids: list[str]
) -> dict[str, AttributionTouch]:
    if not product_ids:
        return {}
    db = uow.region(actor.region)
    rows = db.scalars(
        select(AttributionTouch).where(
            AttributionTouch.user_id == actor.id,
            AttributionTouch.product_id.in_(product_ids),
            AttributionTouch.touched_at >= since,
        )
    )
    return {t.product_id: t for t in rows}


def shipping_address(uow: UnitOfWork, *, actor: Actor, request: CheckoutRequest) -> dict[str, str]:
    if request.address is not None:
        return cart.check_address(request.address)
    if request.address_id is None:
        db = uow.region(actor.region)
        default = db.scalars(
            select(Address)
            .where(Address.user_id == actor.id)
            .order_by(Address.is_default.desc(), Address.created_at)
        ).first()
        if default is None:
            raise Invalid("Add a shipping address first.", code="address_required", field="address")
        return address_snapshot(default)
    address = uow.region(actor.region).get(Address, request.address_id)
    if address is None or address.user_id != actor.id:
        raise NotFound("address", request.address_id, field="address_id")
    return address_snapshot(address)


def address_snapshot(address: Address) -> dict[str, str]:
    return {
        "name": address.name,
        "line1": address.line1,
        "line2": address.line2,
        "city": address.city,
        "state": address.state,
        "postal_code": address.postal_code,
        "country": address.country,
        "phone": address.phone,
    }


# -- placing -----------------------------------------------------------------------------------------------


def place(
    platform: Platform, *, actor: Actor, request: CheckoutRequest, key: str
) -> idempotency.StoredResponse:
    """Run a checkout under an Idempotency-Key; returns the response to send (and to replay)."""
    databases, now = platform.databases, platform.clock.now()
    fingerprint = idempotency.request_hash(request.fingerprint())
    lease = timedelta(seconds=platform.settings.idempotency_lease_s)
    claim = dict(region=actor.region, user_id=actor.id, scope=SCOPE, key=key)
    stored = idempotency.claim(databases, **claim, fingerprint=fingerprint, now=now, lease=lease)
    if stored is not None:
        return stored
    due: Payment | None = None
    try:
        with platform.uow().transaction() as uow:
            existing = (
                uow.region(actor.region)
                .scalars(
                    select(Checkout).where(Checkout.buyer_id == actor.id, Checkout.idempotency_key == key)
                )
                .first()
            )
            if existing is None:
                checkout, due = create_orders(platform, uow, actor=actor, request=request, key=key)
                checkout_id = checkout.id
            else:
                checkout_id = existing.id  # a retry after the first attempt died: finish what it began
    except ClipshopError as error:
        if error.status == 409:  # out of stock: the answer to this request, replayed as such
            response = idempotency.StoredResponse(error.status, error.problem(instance="/api/v1/checkout"))
            idempotency.store(databases, **claim, response=response)
            return response
        idempotency.release(databases, **claim)
        raise
    except BaseException:
        idempotency.release(databases, **claim)
        raise
    return pay(
        platform,
        actor=actor,
        checkout_id=checkout_id,
        payment_method=request.payment_method,
        due=due,
        claim=claim,
    )


def create_orders(
    platform: Platform, uow: UnitOfWork, *, actor: Actor, request: CheckoutRequest, key: str | None
) -> tuple[Checkout, Payment]:
    settings, now = platform.settings, platform.clock.now()
    lines = requested_lines(uow, actor=actor, items=request.items)
    uow.end_reads()
    known = set(uow.databases.regions)
    uow.connect(
        {actor.region, *(region_of(line.variant_id) for line in lines if is_valid_id(line.variant_id, known))}
    )
    priced = quote(
        uow,
        actor=actor,
        items=lines,
        shipping=request.shipping,
        discount_codes=request.discount_codes,
        tax_bp=settings.tax_rates_bp.get(actor.region, 0),
        fee_bp=settings.platform_fee_bp,
        attribution_window=timedelta(days=settings.attribution_window_days),
        now=now,
    )
    address = shipping_address(uow, actor=actor, request=request)
    db = uow.region(actor.region)
    expires_at = now + timedelta(minutes=settings.reservation_minutes)
    checkout = Checkout(
        id=new_id(actor.region),
        buyer_id=actor.id,
        idempotency_key=key,
        currency=priced.currency,
        total=priced.total,
        from_cart=request.items is None,
        created_at=now,
    )
    db.add(checkout)
    db.flush()
    for shop_quote in priced.shops:
        order = Order(
            id=new_id(actor.region),
            checkout_id=checkout.id,
            buyer_id=actor.id,
            shop_id=shop_quote.shop.id,
            shop_region=region_of(shop_quote.shop.id),
            shop_name=shop_quote.shop.name,
            status=OrderStatus.PENDING_PAYMENT,
            currency=priced.currency,
            subtotal=shop_quote.subtotal,
            discount=shop_quote.discount,
            shipping=shop_quote.shipping.price,
            tax=shop_quote.tax,
            total=shop_quote.total,
            platform_fee=shop_quote.fee,
            commission=shop_quote.commission,
            refunded=0,
            discount_code=shop_quote.discount_code.code if shop_quote.discount_code else None,
            shipping_option=shop_quote.shipping.name,
            shipping_address=address,
            placed_at=now,
            expires_at=expires_at,
        )
        db.add(order)
        db.flush()
        for line in shop_quote.lines:
            db.add(
                OrderLine(
                    id=new_id(actor.region),
                    order_id=order.id,
                    variant_id=line.variant.id,
                    product_id=line.product.id,
                    title=line.product.title,
                    options=dict(line.variant.options),
                    sku=line.variant.sku,
                    image_url=line.product.images[0] if line.product.images else None,
                    unit_price=line.variant.price,
                    quantity=line.quantity,
                    discount=line.discount,
                    commission_bp=line.product.commission_bp if line.creator_id else 0,
                    commission=line.commission,
                    creator_id=line.creator_id,
                    video_id=line.video_id,
                )
            )
        db.add(
            OrderEvent(id=new_id(actor.region), order_id=order.id, kind="placed", detail="", created_at=now)
        )
        if shop_quote.discount_code is not None:
            _use_code(uow, shop_quote.discount_code)
        stock.reserve(
            uow,
            order_id=order.id,
            quantities={line.variant.id: line.quantity for line in shop_quote.lines},
            # Held a little past the order's own expiry, so the buyer's side settles first.
            expires_at=expires_at + timedelta(minutes=5),
            now=now,
        )
    payment = Payment(
        id=new_id(actor.region),
        checkout_id=checkout.id,
        buyer_id=actor.id,
        provider=platform.payments.name,
        status=PaymentStatus.CREATED,
        amount=priced.total,
        currency=priced.currency,
        created_at=now,
        updated_at=now,
    )
    db.add(payment)
    enqueue_stock_projection(
        platform.jobs, uow, variant_ids=sorted(line.variant.id for s in priced.shops for line in s.lines)
    )
    return checkout, payment


def _use_code(uow: UnitOfWork, code: DiscountCode) -> None:
    db = uow.region(region_of(code.shop_id))
    used = db.execute(
        update(DiscountCode)
        .where(
            DiscountCode.shop_id == code.shop_id,
            DiscountCode.code == code.code,
            (DiscountCode.max_uses.is_(None)) | (DiscountCode.uses < DiscountCode.max_uses),
        )
        .values(uses=DiscountCode.uses + 1)
        .returning(DiscountCode.code)
    ).first()
    if used is None:
        raise Invalid(
            f"The code {code.code} has run out.", code="invalid_discount_code", field="discount_codes"
        )


def pay(
    platform: Platform,
    *,
    actor: Actor,
    checkout_id: str,
    payment_method: str,
    due: Payment | None = None,
    claim: dict[str, str] | None = None,
) -> idempotency.StoredResponse:
    """Charge the checkout's payment (idempotently at the provider) and record the answer, with the response
    stored under the request's Idempotency-Key in the same transaction."""
    if due is None:
        with platform.uow().transaction() as uow:
            payment = _payment_of(uow, region=actor.region, checkout_id=checkout_id)
            due = payment if payment.status is PaymentStatus.CREATED else None
    intent: IntentResult | None = None
    if due is not None:
        platform.faults.hit("before_payment_call")
        intent = platform.payments.create_intent(
            idempotency_key=due.id,
            amount=due.amount,
            currency=due.currency,
            payment_method=payment_method,
            metadata={"payment_id": due.id, "checkout_id": checkout_id},
        )
        platform.faults.hit("after_payment_call")
    with platform.uow().transaction() as uow:
        order_flow.connect_checkout(uow, region=actor.region, checkout_id=checkout_id)
        if intent is not None:
            order_flow.apply_intent(
                platform, uow, region=actor.region, checkout_id=checkout_id, intent=intent
            )
        response = checkout_response(uow, region=actor.region, checkout_id=checkout_id)
        if claim is not None:
            idempotency.record(uow.region(actor.region), **claim, response=response)
        return response


def _payment_of(uow: UnitOfWork, *, region: str, checkout_id: str) -> Payment:
    return uow.region(region).scalars(select(Payment).where(Payment.checkout_id == checkout_id)).one()


def checkout_response(uow: UnitOfWork, *, region: str, checkout_id: str) -> idempotency.StoredResponse:
    from clipshop.shop.schemas import checkout_read

    db = uow.region(region)
    checkout = db.get_one(Checkout, checkout_id)
    payment = _payment_of(uow, region=region, checkout_id=checkout_id)
    orders = list(db.scalars(select(Order).where(Order.checkout_id == checkout_id).order_by(Order.id)))
    body = checkout_read(uow, checkout, payment, orders).model_dump(mode="json")
    if payment.status is PaymentStatus.FAILED:
        code = payment.failure_code or "payment_failed"
        error = PaymentFailed(FAILURE_TEXT.get(code, "The payment failed."), code=code, checkout=body)
        return idempotency.StoredResponse(402, error.problem(instance="/api/v1/checkout"))
    return idempotency.StoredResponse(201, body)
