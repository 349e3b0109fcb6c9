"""Payment outcomes: what the provider says about a checkout's payment (in the checkout's own answer, a
webhook, or recovery) moves the payment forward, never back, and its orders with it: paid (units sold, the
capture booked, cart lines gone), or cancelled (units given back). Money that arrives for a checkout already
given up is sent back."""

from __future__ import annotations

import logging
from datetime import datetime
from typing import TYPE_CHECKING

from sqlalchemy import bindparam, delete, func, select, update

from clipshop.events import service as events
from clipshop.events.models import EventKind
from clipshop.kit.actors import Actor
from clipshop.kit.db import Prebuilt, UnitOfWork, table_of
from clipshop.kit.ids import region_of
from clipshop.kit.ports import IntentResult
from clipshop.shop.cart.models import AttributionTouch, CartItem
from clipshop.shop.catalog import shops, stock
from clipshop.shop.orders import bookkeeping, lifecycle, mails, notices, service
from clipshop.shop.orders.models import Checkout, Order, OrderLine, OrderStatus, Payment, PaymentStatus

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


_PAYMENTS = table_of(Payment).c
_PROGRESS = Prebuilt(  # a new payment's first answer from the provider
    update(table_of(Payment))
    .where(_PAYMENTS.id == bindparam("payment_id"), _PAYMENTS.status == PaymentStatus.CREATED)
    .values(
        status=bindparam("to"),
        provider_ref=bindparam("ref"),
        card_last4=bindparam("last4"),
        next_action_url=bindparam("action_url"),
        updated_at=bindparam("now"),
    )
)


def record_progress(
    uow: UnitOfWork, *, payment_id: str, intent: IntentResult, to: PaymentStatus, now: datetime
) -> bool:
    """Record the provider's first answer about a payment still `created` when it leaves nothing else to do
    (`processing`, `requires_action`): one statement. False when the payment has moved on meanwhile (a
    webhook came first): record it the general way (`apply_intent`)."""
    assert to in (PaymentStatus.PROCESSING, PaymentStatus.REQUIRES_ACTION)
    moved = uow.send(
        region_of(payment_id),
        _PROGRESS,
        {"payment_id": payment_id, "to": to, "ref": intent.ref, "last4": intent.card_last4,
         "action_url": intent.next_action_url, "now": now},
    )  # fmt: skip
    return moved == 1


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
        for order in service.orders_of_checkout(
            uow, region=region_of(payment.id), checkout_id=payment.checkout_id
        ):
            lifecycle.cancel_unpaid(
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


def _take_bought_out_of_cart(uow: UnitOfWork, *, region: str, checkout: Checkout) -> None:
    """Take the units a cart checkout bought out of the buyer's cart: a line is gone when all of it was
    bought, and keeps what the buyer added to it since the checkout."""
    db = uow.region(region)
    bought = (
        select(OrderLine.variant_id, func.sum(OrderLine.quantity))
        .join(Order, Order.id == OrderLine.order_id)
        .where(Order.checkout_id == checkout.id)
        .group_by(OrderLine.variant_id)
    )
    for variant_id, quantity in db.execute(bought).all():
        line = (CartItem.user_id == checkout.buyer_id) & (CartItem.variant_id == variant_id)
        db.execute(delete(CartItem).where(line, CartItem.quantity <= quantity))
        db.execute(update(CartItem).where(line).values(quantity=CartItem.quantity - quantity))


def mark_paid(platform: Platform, uow: UnitOfWork, *, payment: Payment, now: datetime) -> None:
    """The money is in: orders paid, units sold, the capture booked, and a cart checkout's lines leave the
    cart (a declined or refused card leaves the cart as it was). An order of a shop closed meanwhile is
    cancelled and refunded at once."""
    region = region_of(payment.id)
    checkout = uow.region(region).get_one(Checkout, payment.checkout_id)
    if checkout.from_cart:
        _take_bought_out_of_cart(uow, region=region, checkout=checkout)
    for order in service.orders_of_checkout(uow, region=region, checkout_id=payment.checkout_id):
        if order.status is not OrderStatus.PENDING_PAYMENT:
            continue
        order.status, order.paid_at = OrderStatus.PAID, now
        service.note(
            uow, order, "paid", now, f"card ending {payment.card_last4}" if payment.card_last4 else ""
        )
        _record_purchases(uow, order=order, buyer_id=checkout.buyer_id, now=now)
        bookkeeping.book_capture(platform, uow, order=order, now=now)
        if shops.is_closed(uow, shop_id=order.shop_id):
            # Its owner closed it while the money was on its way (and gave the held units back).
            lifecycle.cancel_paid(
                platform, uow, order=order, reason="the shop closed before the payment arrived", now=now
            )
        elif not stock.commit(uow, shop_region=order.shop_region, order_id=order.id):
            # The hold ran out before the money came: take the units again if they are still there.
            quantities = {line.variant_id: line.quantity for line in service.lines_of(uow, order)}
            try:
                stock.retake(
                    uow, shop_region=order.shop_region, order_id=order.id, quantities=quantities, now=now
                )
            except stock.OutOfStock:
                lifecycle.cancel_paid(
                    platform, uow, order=order, reason="sold out before the payment arrived", now=now
                )
        if order.status is OrderStatus.PAID:
            mails.order_paid(platform, uow, order=order)
            notices.commission_earned(uow, order=order, lines=service.lines_of(uow, order), now=now)


def _record_purchases(uow: UnitOfWork, *, order: Order, buyer_id: str, now: datetime) -> None:
    """One purchase event per line in the buyer's region: the strongest signal the feed learns from."""
    buyer = Actor(id=buyer_id, region=region_of(order.id), handle="")
    db = uow.region(buyer.region)
    for line in service.lines_of(uow, order):
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
