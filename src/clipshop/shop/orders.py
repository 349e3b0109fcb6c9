"""Orders after checkout: payment outcomes, fulfilment, delivery, completion, cancellation, refunds, returns
and reviews, each with its ledger transaction and its line on the order's timeline.

Every state change is guarded by the state it starts from, so a webhook delivered twice, a retried request
or two racing jobs change the order once.
"""

from __future__ import annotations

import logging
from collections import defaultdict
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from sqlalchemy import delete, select, update

from clipshop.errors import Conflict, Invalid, NotFound
from clipshop.events import service as events
from clipshop.events.models import EventKind
from clipshop.kit.actors import Actor
from clipshop.kit.db import UnitOfWork
from clipshop.kit.ids import new_id, region_of
from clipshop.kit.ports import IntentResult
from clipshop.shop import ledger, stock
from clipshop.shop.models import (
    AttributionTouch,
    CartItem,
    Checkout,
    Order,
    OrderEvent,
    OrderLine,
    OrderStatus,
    Payment,
    PaymentStatus,
    PublicProduct,
    PublicReview,
    Refund,
    ReturnRequest,
    ReturnStatus,
    Review,
)
from clipshop.shop.money import display, share
from clipshop.shop.tasks import enqueue_stock_projection

if TYPE_CHECKING:
    from clipshop.platform import Platform

log = logging.getLogger(__name__)

# How far along a payment is; an event may only move it forward (late or out-of-order events are no-ops).
RANK = {
    PaymentStatus.CREATED: 0,
    PaymentStatus.REQUIRES_ACTION: 1,
    PaymentStatus.PROCESSING: 2,
    PaymentStatus.SUCCEEDED: 3,
    PaymentStatus.FAILED: 3,
    PaymentStatus.CANCELLED: 3,
}
INTENT_STATUS = {
    "requires_action": PaymentStatus.REQUIRES_ACTION,
    "processing": PaymentStatus.PROCESSING,
    "succeeded": PaymentStatus.SUCCEEDED,
    "failed": PaymentStatus.FAILED,
    "cancelled": PaymentStatus.CANCELLED,
}
ACTIVE = (OrderStatus.PAID, OrderStatus.FULFILLED, OrderStatus.DELIVERED, OrderStatus.COMPLETED)


def timeline(uow: UnitOfWork, order: Order, kind: str, now: datetime, detail: str = "") -> None:
    uow.region(region_of(order.id)).add(
        OrderEvent(
            id=new_id(region_of(order.id)), order_id=order.id, kind=kind, detail=detail, created_at=now
        )
    )


def orders_of_checkout(uow: UnitOfWork, *, region: str, checkout_id: str) -> list[Order]:
    db = uow.region(region)
    return list(db.scalars(select(Order).where(Order.checkout_id == checkout_id).order_by(Order.id)))


def lines_of(uow: UnitOfWork, order: Order) -> list[OrderLine]:
    db = uow.region(region_of(order.id))
    return list(db.scalars(select(OrderLine).where(OrderLine.order_id == order.id).order_by(OrderLine.id)))


# -- payment outcomes --------------------------------------------------------------------------------------


def advance_payment(uow: UnitOfWork, *, payment: Payment, to: PaymentStatus, now: datetime) -> bool:
    """Move the payment forward to `to` if it is behind; False when it is already there or past it."""
    if RANK[to] <= RANK[payment.status]:
        return False
    moved = (
        uow.region(region_of(payment.id))
        .execute(
            update(Payment)
            .where(Payment.id == payment.id, Payment.status == payment.status)
            .values(status=to, updated_at=now)
            .returning(Payment.id)
        )
        .first()
    )
    if moved is None:
        return False
    payment.status = to
    return True


def connect_checkout(uow: UnitOfWork, *, region: str, checkout_id: str) -> None:
    """Hold connections to the buyer's region and every shop region of a checkout, in name order, before
    changing any of them (see UnitOfWork.connect)."""
    shops = set(uow.region(region).scalars(select(Order.shop_region).where(Order.checkout_id == checkout_id)))
    uow.end_reads()
    uow.connect({region, *shops})


def apply_intent(
    platform: Platform, uow: UnitOfWork, *, region: str, checkout_id: str, intent: IntentResult
) -> bool:
    """Record what the provider said about a checkout's payment; True if anything changed."""
    db = uow.region(region)
    locked = select(Payment).where(Payment.checkout_id == checkout_id).with_for_update()
    payment = db.scalars(locked.execution_options(populate_existing=True)).one()
    if payment.provider_ref is None:
        payment.provider_ref = intent.ref
        payment.card_last4 = intent.card_last4
    payment.next_action_url = intent.next_action_url
    return apply_status(
        platform, uow, payment=payment, to=INTENT_STATUS[intent.status], failure_code=intent.failure_code
    )


def apply_status(
    platform: Platform, uow: UnitOfWork, *, payment: Payment, to: PaymentStatus, failure_code: str | None
) -> bool:
    now = platform.clock.now()
    before = payment.status
    if before in (PaymentStatus.FAILED, PaymentStatus.CANCELLED) and to is PaymentStatus.SUCCEEDED:
        # Money arrived for a checkout that was already given up (expired, or cancelled by recovery): send
        # it back rather than keep a charge without an order.
        if payment.provider_ref:
            ref = payment.provider_ref
            uow.after_commit(lambda: refund_orphan(platform, payment_id=payment.id, intent_ref=ref))
        return False
    if not advance_payment(uow, payment=payment, to=to, now=now):
        return False
    if to is PaymentStatus.SUCCEEDED:
        mark_paid(platform, uow, payment=payment, now=now)
    elif to in (PaymentStatus.FAILED, PaymentStatus.CANCELLED):
        payment.failure_code = failure_code or ("cancelled" if to is PaymentStatus.CANCELLED else None)
        for order in orders_of_checkout(uow, region=region_of(payment.id), checkout_id=payment.checkout_id):
            _cancel_unpaid(
                platform,
                uow,
                order=order,
                now=now,
                reason="payment failed" if to is PaymentStatus.FAILED else "payment cancelled",
            )
    return True


def refund_orphan(platform: Platform, *, payment_id: str, intent_ref: str) -> None:
    intent = platform.payments.find_intent(idempotency_key=payment_id)
    if intent is not None and intent.status == "succeeded":
        log.warning("refunding orphan charge %s of payment %s", intent_ref, payment_id)
        platform.payments.refund(
            idempotency_key=f"orphan:{payment_id}",
            intent_ref=intent_ref,
            amount=intent.amount,
            metadata={"payment_id": payment_id, "orphan": "1"},
        )


def mark_paid(platform: Platform, uow: UnitOfWork, *, payment: Payment, now: datetime) -> None:
    """The money is in: orders paid, units sold, the capture booked, and a cart checkout's lines leave the
    cart (a declined or refused card leaves the cart as it was)."""
    region = region_of(payment.id)
    checkout = uow.region(region).get_one(Checkout, payment.checkout_id)
    if checkout.from_cart:
        bought = select(OrderLine.variant_id).join(Order, Order.id == OrderLine.order_id)
        bought = bought.where(Order.checkout_id == checkout.id)
        uow.region(region).execute(
            delete(CartItem).where(CartItem.user_id == checkout.buyer_id, CartItem.variant_id.in_(bought))
        )
    for order in orders_of_checkout(uow, region=region, checkout_id=payment.checkout_id):
        if order.status is not OrderStatus.PENDING_PAYMENT:
            continue
        order.status, order.paid_at = OrderStatus.PAID, now
        timeline(uow, order, "paid", now, f"card ending {payment.card_last4}" if payment.card_last4 else "")
        _record_purchases(uow, order=order, buyer_id=checkout.buyer_id, now=now)
        book_capture(platform, uow, order=order, now=now)
        if not stock.commit(uow, shop_region=order.shop_region, order_id=order.id):
            # The hold ran out before the money came: take the units again if they are still there.
            lines = lines_of(uow, order)
            try:
                _rereserve(uow, order=order, lines=lines, now=now)
            except stock.OutOfStock:
                cancel_paid(platform, uow, order=order, reason="sold out before the payment arrived", now=now)


def _record_purchases(uow: UnitOfWork, *, order: Order, buyer_id: str, now: datetime) -> None:
    """One purchase event per line in the buyer's region: the strongest signal the feed learns from."""
    buyer = Actor(id=buyer_id, region=region_of(order.id), handle="")
    db = uow.region(buyer.region)
    for line in lines_of(uow, order):
        # The clip that sold it, commission or not (a shop's own clip earns none but still sold it).
        touched = None if line.video_id else db.get(AttributionTouch, (buyer_id, line.product_id))
        events.record(
            uow,
            actor=buyer,
            kind=EventKind.PURCHASE,
            now=now,
            video_id=line.video_id or (touched.video_id if touched else None),
            product_id=line.product_id,
            creator_id=line.creator_id or (touched.creator_id if touched else None),
            value=float(line.quantity),
        )


def _rereserve(uow: UnitOfWork, *, order: Order, lines: list[OrderLine], now: datetime) -> None:
    db = uow.region(order.shop_region)
    from clipshop.shop.models import ReservationStatus, StockReservation, Variant

    for line in sorted(lines, key=lambda x: x.variant_id):
        taken = db.execute(
            update(Variant)
            .where(Variant.id == line.variant_id, Variant.stock >= line.quantity)
            .values(stock=Variant.stock - line.quantity)
            .returning(Variant.id)
        ).first()
        if taken is None:
            raise stock.OutOfStock(line.variant_id, 0, line.quantity)
        db.execute(
            update(StockReservation)
            .where(StockReservation.order_id == order.id, StockReservation.variant_id == line.variant_id)
            .values(status=ReservationStatus.COMMITTED)
        )


def _cancel_unpaid(platform: Platform, uow: UnitOfWork, *, order: Order, now: datetime, reason: str) -> None:
    if order.status is not OrderStatus.PENDING_PAYMENT:
        return
    order.status, order.cancelled_at = OrderStatus.CANCELLED, now
    timeline(uow, order, "cancelled", now, reason)
    released = stock.release(uow, shop_region=order.shop_region, order_id=order.id)
    _project_stock_later(platform, uow, released)


def _project_stock_later(platform: Platform, uow: UnitOfWork, variant_ids: list[str]) -> None:
    if variant_ids:
        enqueue_stock_projection(platform.jobs, uow, variant_ids=sorted(variant_ids))


# -- the ledger of an order --------------------------------------------------------------------------------


def _components(uow: UnitOfWork, order: Order) -> dict[str, int]:
    """What the order's money is made of: tax, fee, each creator's commission, and the merchant's rest."""
    parts: dict[str, int] = {"tax": order.tax, "fee": order.platform_fee}
    for line in lines_of(uow, order):
        if line.creator_id and line.commission:
            parts[f"creator:{line.creator_id}"] = parts.get(f"creator:{line.creator_id}", 0) + line.commission
    parts["merchant"] = order.total - sum(parts.values())
    return parts


def _account(order: Order, part: str, state: str) -> str:
    if part == "tax":
        return ledger.tax(region_of(order.id))
    if part == "fee":
        return ledger.PLATFORM_FEES
    if part == "merchant":
        return ledger.merchant(order.shop_id, state)
    return ledger.creator(part.split(":", 1)[1], state)


def _book(
    uow: UnitOfWork,
    order: Order,
    *,
    kind: str,
    reference: str,
    entries: dict[str, int],
    now: datetime,
    memo: str,
) -> None:
    """Post one of an order's ledger transactions to the ledger of the order's (the buyer's) region."""
    region = region_of(order.id)
    ledger.post(
        uow.region(region),
        region=region,
        kind=kind,
        reference=reference,
        currency=order.currency,
        entries=entries,
        now=now,
        memo=memo,
    )


def book_capture(platform: Platform, uow: UnitOfWork, *, order: Order, now: datetime) -> None:
    entries: dict[str, int] = defaultdict(int)
    entries[ledger.cash(platform.payments.name)] += order.total
    for part, amount in _components(uow, order).items():
        entries[_account(order, part, "pending")] -= amount
    _book(uow, order, kind="capture", reference=order.id, entries=entries, now=now, memo="buyer payment")


def _refunded_parts(parts: dict[str, int], *, refunded: int, total: int) -> dict[str, int]:
    """How much of each component `refunded` (cumulative) has given back; the merchant takes the rounding."""
    given = {part: share(amount, refunded, total) for part, amount in parts.items() if part != "merchant"}
    given["merchant"] = refunded - sum(given.values())
    return given


def book_refund(platform: Platform, uow: UnitOfWork, *, order: Order, refund: Refund, now: datetime) -> None:
    parts = _components(uow, order)
    before = _refunded_parts(parts, refunded=order.refunded - refund.amount, total=order.total)
    after = _refunded_parts(parts, refunded=order.refunded, total=order.total)
    state = "available" if order.status is OrderStatus.COMPLETED else "pending"
    entries: dict[str, int] = defaultdict(int)
    entries[ledger.cash(platform.payments.name)] -= refund.amount
    for part in parts:
        entries[_account(order, part, state)] += after[part] - before[part]
    _book(uow, order, kind="refund", reference=refund.id, entries=entries, now=now, memo=refund.reason[:200])


def book_completion(uow: UnitOfWork, *, order: Order, now: datetime) -> None:
    """Make what the merchant and creators are still owed for the order available for payout."""
    parts = _components(uow, order)
    given = _refunded_parts(parts, refunded=order.refunded, total=order.total)
    entries: dict[str, int] = defaultdict(int)
    for part, amount in parts.items():
        if part in ("tax", "fee"):
            continue
        owed = amount - given[part]
        entries[_account(order, part, "pending")] += owed
        entries[_account(order, part, "available")] -= owed
    _book(uow, order, kind="complete", reference=order.id, entries=entries, now=now, memo="order completed")


# -- the seller's and the buyer's actions ------------------------------------------------------------------


def _move(
    uow: UnitOfWork, order: Order, *, start: tuple[OrderStatus, ...], to: OrderStatus, action: str
) -> None:
    if order.status not in start:
        raise Conflict(
            "invalid_order_state",
            f"The order is {order.status.value.replace('_', ' ')}; it cannot be {action} now.",
            status_now=order.status.value,
        )
    moved = (
        uow.region(region_of(order.id))
        .execute(
            update(Order)
            .where(Order.id == order.id, Order.status == order.status)
            .values(status=to)
            .returning(Order.id)
        )
        .first()
    )
    if moved is None:
        raise Conflict("order_changed", "The order changed meanwhile; reload it and try again.")
    order.status = to


def fulfil(uow: UnitOfWork, *, order: Order, carrier: str, tracking_number: str, now: datetime) -> Order:
    if not carrier.strip() or not tracking_number.strip():
        raise Invalid(
            "Give the carrier and the tracking number.", code="tracking_required", field="tracking_number"
        )
    _move(uow, order, start=(OrderStatus.PAID,), to=OrderStatus.FULFILLED, action="fulfilled")
    order.carrier, order.tracking_number, order.fulfilled_at = (
        carrier.strip()[:60],
        tracking_number.strip()[:80],
        now,
    )
    timeline(uow, order, "fulfilled", now, f"{order.carrier} {order.tracking_number}")
    return order


def deliver(uow: UnitOfWork, *, order: Order, now: datetime) -> Order:
    _move(uow, order, start=(OrderStatus.FULFILLED,), to=OrderStatus.DELIVERED, action="marked delivered")
    order.delivered_at = now
    timeline(uow, order, "delivered", now)
    return order


def complete(uow: UnitOfWork, *, order: Order, now: datetime) -> Order:
    _move(uow, order, start=(OrderStatus.DELIVERED,), to=OrderStatus.COMPLETED, action="completed")
    order.completed_at = now
    book_completion(uow, order=order, now=now)
    timeline(uow, order, "completed", now)
    return order


def refund(
    platform: Platform, uow: UnitOfWork, *, order: Order, amount: int, reason: str, now: datetime
) -> Refund:
    """Give back part or all of what the buyer paid for this order (at the provider, then in the ledger)."""
    if order.status not in ACTIVE:
        raise Conflict(
            "invalid_order_state", "Only paid orders can be refunded.", status_now=order.status.value
        )
    return _refund(platform, uow, order=order, amount=amount, reason=reason, now=now)


def _refund(
    platform: Platform, uow: UnitOfWork, *, order: Order, amount: int, reason: str, now: datetime
) -> Refund:
    if amount <= 0:
        raise Invalid("A refund is more than zero.", code="invalid_amount", field="amount")
    db = uow.region(region_of(order.id))
    taken = db.execute(
        update(Order)
        .where(Order.id == order.id, Order.refunded + amount <= Order.total)
        .values(refunded=Order.refunded + amount)
        .returning(Order.refunded)
    ).first()
    if taken is None:
        left = order.total - order.refunded
        raise Invalid(
            f"At most {left} (minor units) is left to refund on this order.",
            code="refund_too_large",
            field="amount",
            refundable=left,
        )
    order.refunded = int(taken[0])
    payment = db.scalars(select(Payment).where(Payment.checkout_id == order.checkout_id)).one()
    refund_row = Refund(
        id=new_id(region_of(order.id)),
        order_id=order.id,
        payment_id=payment.id,
        amount=amount,
        reason=reason.strip()[:200],
        created_at=now,
    )
    assert payment.provider_ref is not None
    refund_row.provider_ref = platform.payments.refund(
        idempotency_key=refund_row.id,
        intent_ref=payment.provider_ref,
        amount=amount,
        metadata={"refund_id": refund_row.id, "order_id": order.id, "payment_id": payment.id},
    )
    db.add(refund_row)
    db.flush()
    book_refund(platform, uow, order=order, refund=refund_row, now=now)
    timeline(uow, order, "refunded", now, display(amount, order.currency) + (f": {reason}" if reason else ""))
    return refund_row


def cancel_paid(platform: Platform, uow: UnitOfWork, *, order: Order, reason: str, now: datetime) -> Order:
    """Cancel before fulfilment: refund what is left, give the units back."""
    _move(uow, order, start=(OrderStatus.PAID,), to=OrderStatus.CANCELLED, action="cancelled")
    order.cancelled_at = now
    left = order.total - order.refunded
    if left > 0:
        _refund(platform, uow, order=order, amount=left, reason=reason or "cancelled", now=now)
    timeline(uow, order, "cancelled", now, reason)
    released = stock.release(uow, shop_region=order.shop_region, order_id=order.id, committed_too=True)
    _project_stock_later(platform, uow, released)
    return order


def cancel(platform: Platform, uow: UnitOfWork, *, order: Order, reason: str, now: datetime) -> Order:
    if order.status is OrderStatus.PENDING_PAYMENT:
        raise Conflict(
            "payment_in_progress",
            "The payment is still being confirmed; cancel once it is paid, or let it expire.",
        )
    return cancel_paid(platform, uow, order=order, reason=reason, now=now)


def request_return(
    uow: UnitOfWork, *, order: Order, reason: str, amount: int | None, return_window: timedelta, now: datetime
) -> ReturnRequest:
    if order.status is not OrderStatus.DELIVERED or order.delivered_at is None:
        raise Conflict(
            "invalid_order_state", "Returns open once the order is delivered.", status_now=order.status.value
        )
    if now > order.delivered_at + return_window:
        raise Conflict("return_window_closed", "The return window for this order has closed.")
    db = uow.region(region_of(order.id))
    open_request = db.scalar(
        select(ReturnRequest.id).where(
            ReturnRequest.order_id == order.id, ReturnRequest.status == ReturnStatus.REQUESTED
        )
    )
    if open_request is not None:
        raise Conflict("return_pending", "A return for this order is already waiting for the shop.")
    left = order.total - order.refunded
    value = left if amount is None else amount
    if not 0 < value <= left:
        raise Invalid(f"Ask for 1 to {left} (minor units).", code="invalid_amount", field="amount")
    if not reason.strip():
        raise Invalid("Say why you are returning it.", code="reason_required", field="reason")
    request = ReturnRequest(
        id=new_id(region_of(order.id)),
        order_id=order.id,
        buyer_id=order.buyer_id,
        shop_id=order.shop_id,
        reason=reason.strip()[:2000],
        amount=value,
        status=ReturnStatus.REQUESTED,
        created_at=now,
    )
    db.add(request)
    timeline(uow, order, "return_requested", now, reason.strip()[:200])
    return request


def resolve_return(
    platform: Platform, uow: UnitOfWork, *, order: Order, request_id: str, approve: bool, now: datetime
) -> ReturnRequest:
    db = uow.region(region_of(order.id))
    request = db.get(ReturnRequest, request_id)
    if request is None or request.order_id != order.id:
        raise NotFound("return request", request_id)
    if request.status is not ReturnStatus.REQUESTED:
        raise Conflict("return_resolved", f"This return was already {request.status.value}.")
    request.resolved_at = now
    if approve:
        refund(
            platform,
            uow,
            order=order,
            amount=min(request.amount, order.total - order.refunded),
            reason=f"return: {request.reason[:150]}",
            now=now,
        )
        request.status = ReturnStatus.REFUNDED
    else:
        request.status = ReturnStatus.REJECTED
        timeline(uow, order, "return_rejected", now)
    return request


def review(
    uow: UnitOfWork, *, order: Order, product_id: str, rating: int, body: str, now: datetime
) -> Review:
    if order.status not in (OrderStatus.DELIVERED, OrderStatus.COMPLETED):
        raise Conflict(
            "invalid_order_state",
            "Review a product once your order has arrived.",
            status_now=order.status.value,
        )
    if not 1 <= rating <= 5:
        raise Invalid("A rating is 1 to 5 stars.", code="invalid_rating", field="rating")
    if product_id not in {line.product_id for line in lines_of(uow, order)}:
        raise NotFound("product in this order", product_id, field="product_id")
    db = uow.region(region_of(order.id))
    if db.scalar(select(Review.id).where(Review.order_id == order.id, Review.product_id == product_id)):
        raise Conflict("already_reviewed", "You already reviewed this product for this order.")
    row = Review(
        id=new_id(region_of(order.id)),
        order_id=order.id,
        buyer_id=order.buyer_id,
        product_id=product_id,
        rating=rating,
        body=body.strip()[:2000],
        created_at=now,
    )
    db.add(row)
    uow.directory.add(
        PublicReview(
            id=row.id,
            product_id=product_id,
            author_id=order.buyer_id,
            rating=rating,
            body=row.body,
            created_at=now,
        )
    )
    uow.directory.execute(
        update(PublicProduct)
        .where(PublicProduct.id == product_id)
        .values(rating_sum=PublicProduct.rating_sum + rating, rating_count=PublicProduct.rating_count + 1)
    )
    return row


# -- scheduled work ----------------------------------------------------------------------------------------


def expire_unpaid(platform: Platform, *, region: str) -> int:
    """Cancel orders whose payment never came within the reservation window; their units return to stock."""
    now = platform.clock.now()
    with platform.uow().transaction() as uow:
        checkout_ids = list(
            uow.region(region).scalars(
                select(Order.checkout_id)
                .where(Order.status == OrderStatus.PENDING_PAYMENT, Order.expires_at < now)
                .distinct()
                .limit(200)
            )
        )
    done = 0
    for checkout_id in checkout_ids:
        with platform.uow().transaction() as uow:
            connect_checkout(uow, region=region, checkout_id=checkout_id)
            payment = (
                uow.region(region).scalars(select(Payment).where(Payment.checkout_id == checkout_id)).one()
            )
            if payment.provider_ref and payment.status in (
                PaymentStatus.REQUIRES_ACTION,
                PaymentStatus.PROCESSING,
            ):
                intent = platform.payments.cancel_intent(ref=payment.provider_ref)
                if intent.status == "succeeded":
                    apply_intent(platform, uow, region=region, checkout_id=checkout_id, intent=intent)
                    continue
            done += apply_status(
                platform, uow, payment=payment, to=PaymentStatus.CANCELLED, failure_code="expired"
            )
    return done


def release_orphan_holds(platform: Platform, *, region: str) -> int:
    """A shop's side: give back units held for orders that were never written (their checkout crashed)."""
    now = platform.clock.now()
    with platform.uow().transaction() as uow:
        uow.connect(uow.databases.regions)
        order_ids = stock.expired_holds(uow.region(region), now=now)
        released: list[str] = []
        for order_id in order_ids:
            order = uow.region(region_of(order_id)).get(Order, order_id)
            if order is None or order.status in (OrderStatus.CANCELLED, OrderStatus.PENDING_PAYMENT):
                released += stock.release(uow, shop_region=region, order_id=order_id)
        _project_stock_later(platform, uow, released)
    return len(order_ids)


def recover_payments(platform: Platform, *, region: str, older_than: timedelta) -> int:
    """Finish checkouts whose process died between writing the orders and recording the provider's answer:
    adopt the intent the provider made with the payment's key, or cancel the orders if there is none."""
    now = platform.clock.now()
    with platform.uow().transaction() as uow:
        stuck = list(
            uow.region(region).scalars(
                select(Payment.checkout_id).where(
                    Payment.status == PaymentStatus.CREATED, Payment.created_at < now - older_than
                )
            )
        )
    for checkout_id in stuck:
        with platform.uow().transaction() as uow:
            connect_checkout(uow, region=region, checkout_id=checkout_id)
            payment = (
                uow.region(region).scalars(select(Payment).where(Payment.checkout_id == checkout_id)).one()
            )
            intent = platform.payments.find_intent(idempotency_key=payment.id)
            if intent is not None:
                apply_intent(platform, uow, region=region, checkout_id=checkout_id, intent=intent)
            else:
                apply_status(
                    platform, uow, payment=payment, to=PaymentStatus.CANCELLED, failure_code="abandoned"
                )
    return len(stuck)


def auto_complete(platform: Platform, *, region: str) -> int:
    """Complete delivered orders once their return window has passed with no return pending."""
    now = platform.clock.now()
    window = timedelta(days=platform.settings.return_window_days)
    with platform.uow().transaction() as uow:
        db = uow.region(region)
        pending = select(ReturnRequest.order_id).where(ReturnRequest.status == ReturnStatus.REQUESTED)
        due = list(
            db.scalars(
                select(Order)
                .where(
                    Order.status == OrderStatus.DELIVERED,
                    Order.delivered_at < now - window,
                    Order.id.not_in(pending),
                )
                .limit(500)
            )
        )
        for order in due:
            complete(uow, order=order, now=now)
    return len(due)
