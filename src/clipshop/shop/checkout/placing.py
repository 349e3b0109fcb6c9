"""Placing a checkout: one buyer, one payment, one order per shop.

A checkout commits three times, because a card is charged between them and a crash may land anywhere:
1. the Idempotency-Key is claimed (at the edge: `platform.idempotent`);
2. `begin`: the orders, their lines, the stock reservations and a payment row `created` are written together;
3. `pay`: the provider is called with the payment id as its idempotency key, and its answer is recorded
   (with the caller's answer, stored under the key, in the same transaction).
A crash after 2 leaves a `created` payment: a retry with the same key, or the reconciler, asks the provider
for the intent made with that key and finishes (or cancels) the checkout, so there is never a charge without
an order nor an order without a charge.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from typing import TYPE_CHECKING, Any, TypeVar

from sqlalchemy import select, update

from clipshop.errors import Invalid
from clipshop.kit.actors import Actor
from clipshop.kit.db import UnitOfWork
from clipshop.kit.ids import is_valid_id, new_id, region_of
from clipshop.kit.ports import IntentResult
from clipshop.shop.cart import addresses
from clipshop.shop.catalog import stock
from clipshop.shop.catalog.models import DiscountCode
from clipshop.shop.catalog.tasks import enqueue_stock_projection
from clipshop.shop.checkout import pricing
from clipshop.shop.checkout.pricing import LineRequest
from clipshop.shop.orders import payments, service
from clipshop.shop.orders.models import (
    Checkout,
    Order,
    OrderEvent,
    OrderLine,
    OrderStatus,
    Payment,
    PaymentStatus,
)
from clipshop.shop.orders.service import CheckoutView

if TYPE_CHECKING:
    from clipshop.platform import Platform

T = TypeVar("T")


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
            "address": None
            if self.address is None
            else {k: self.address.get(k, "") for k in addresses.FIELDS},
            "shipping": self.shipping,
            "discount_codes": self.discount_codes,
            "payment_method": self.payment_method,
        }


@dataclass(frozen=True)
class Begun:
    """A checkout written (or found, on a retry), and its payment when it is still to be charged."""

    checkout_id: str
    due: Payment | None


def begin(platform: Platform, *, actor: Actor, request: CheckoutRequest, key: str) -> Begun:
    """Write the checkout's orders, reservations and payment in one transaction; a retry after a first attempt
    died finds that attempt's checkout and finishes what it began. Raises OutOfStock taking nothing."""
    with platform.uow(actor=actor).transaction() as uow:
        existing = (
            uow.region(actor.region)
            .scalars(select(Checkout).where(Checkout.buyer_id == actor.id, Checkout.idempotency_key == key))
            .first()
        )
        if existing is not None:
            return Begun(existing.id, None)
        checkout, due = create_orders(platform, uow, actor=actor, request=request, key=key)
        return Begun(checkout.id, due)


def shipping_address(uow: UnitOfWork, *, actor: Actor, request: CheckoutRequest) -> dict[str, str]:
    """The address typed into the request, the saved one it names, or the buyer's default."""
    if request.address is not None:
        return addresses.check(request.address)
    if request.address_id is None:
        default = addresses.get_default(uow, actor=actor)
        if default is None:
            raise Invalid("Add a shipping address first.", code="address_required", field="address")
        return addresses.snapshot(default)
    address = addresses.get(uow, actor=actor, address_id=request.address_id, field="address_id")
    return addresses.snapshot(address)


def create_orders(
    platform: Platform, uow: UnitOfWork, *, actor: Actor, request: CheckoutRequest, key: str | None
) -> tuple[Checkout, Payment]:
    settings, now = platform.settings, platform.clock.now()
    lines = pricing.requested_lines(uow, actor=actor, items=request.items)
    uow.end_reads()
    known = set(uow.databases.regions)
    uow.connect(
        {actor.region, *(region_of(line.variant_id) for line in lines if is_valid_id(line.variant_id, known))}
    )
    priced = pricing.quote(
        uow,
        actor=actor,
        items=lines,
        shipping=request.shipping,
        discount_codes=request.discount_codes,
        terms=pricing.Terms.of(settings, actor.region),
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
            stock.open_shop_side(uow, region_of(shop_quote.shop.id), order_id=order.id)
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
    due: Payment | None,
    answer: Callable[[UnitOfWork, CheckoutView], T],
) -> T:
    """Charge the checkout's payment (idempotently at the provider) and record the outcome; `answer` turns the
    checkout as it now stands into the caller's answer inside the transaction that records the outcome, so an
    answer stored there commits with it."""
    if due is None:
        with platform.uow(actor=actor).transaction() as uow:
            payment = service.payment_of(uow, region=actor.region, checkout_id=checkout_id)
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
    with platform.uow(actor=actor).transaction() as uow:
        payments.connect_checkout(uow, region=actor.region, checkout_id=checkout_id)
        if intent is not None:
            payments.apply_intent(platform, uow, region=actor.region, checkout_id=checkout_id, intent=intent)
        return answer(uow, service.checkout_view(uow, region=actor.region, checkout_id=checkout_id))
