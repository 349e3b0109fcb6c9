"""An order's life after payment: fulfilled (carrier, tracking), delivered, completed (by the buyer, or by
housekeeping after the return window), cancelled before fulfilment (refunded, its units given back), and
refunds, in part or in full."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from sqlalchemy import select, update

from clipshop.errors import Conflict, Invalid
from clipshop.kit.db import UnitOfWork
from clipshop.kit.ids import new_id, region_of
from clipshop.residency.carving import RegionDetached, is_detached
from clipshop.shop.catalog import stock
from clipshop.shop.catalog.tasks import enqueue_stock_projection
from clipshop.shop.money import display
from clipshop.shop.orders import bookkeeping, mails, service
from clipshop.shop.orders.models import Order, OrderStatus, Payment, Refund

if TYPE_CHECKING:
    from clipshop.platform import Platform

ACTIVE = (OrderStatus.PAID, OrderStatus.FULFILLED, OrderStatus.DELIVERED, OrderStatus.COMPLETED)


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
    service.note(uow, order, "fulfilled", now, f"{order.carrier} {order.tracking_number}")
    return order


def fulfil_and_tell(
    platform: Platform, uow: UnitOfWork, *, order: Order, carrier: str, tracking_number: str, now: datetime
) -> Order:
    """Fulfil the order and mail its buyer the tracking."""
    fulfil(uow, order=order, carrier=carrier, tracking_number=tracking_number, now=now)
    mails.order_shipped(platform, uow, order=order)
    return order


def deliver(uow: UnitOfWork, *, order: Order, now: datetime) -> Order:
    _move(uow, order, start=(OrderStatus.FULFILLED,), to=OrderStatus.DELIVERED, action="marked delivered")
    order.delivered_at = now
    service.note(uow, order, "delivered", now)
    return order


def complete(uow: UnitOfWork, *, order: Order, now: datetime) -> Order:
    _move(uow, order, start=(OrderStatus.DELIVERED,), to=OrderStatus.COMPLETED, action="completed")
    order.completed_at = now
    bookkeeping.book_completion(uow, order=order, now=now)
    service.note(uow, order, "completed", now)
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
    bookkeeping.book_refund(platform, uow, order=order, refund=refund_row, now=now)
    service.note(
        uow, order, "refunded", now, display(amount, order.currency) + (f": {reason}" if reason else "")
    )
    mails.order_refunded(platform, uow, order=order, refund=refund_row)
    return refund_row


def cancel_paid(platform: Platform, uow: UnitOfWork, *, order: Order, reason: str, now: datetime) -> Order:
    """Cancel before fulfilment: refund what is left, give the units back."""
    _move(uow, order, start=(OrderStatus.PAID,), to=OrderStatus.CANCELLED, action="cancelled")
    order.cancelled_at = now
    left = order.total - order.refunded
    if left > 0:
        _refund(platform, uow, order=order, amount=left, reason=reason or "cancelled", now=now)
    service.note(uow, order, "cancelled", now, reason)
    released = stock.release(
        uow, shop_region=order.shop_region, order_id=order.id, now=now, committed_too=True
    )
    project_stock_later(platform, uow, released)
    return order


def cancel(platform: Platform, uow: UnitOfWork, *, order: Order, reason: str, now: datetime) -> Order:
    gone = [r for r in (order.shop_region, region_of(order.id)) if is_detached(uow.directory, r)]
    if gone:
        # The shop's side (its units, its fulfilment) lives in a deployment this one no longer reaches.
        raise RegionDetached(
            gone[0],
            detail=f"This order is across the cut from region {gone[0]}, which has left this deployment: it"
            " can no longer be cancelled here. Ask the shop.",
        )
    if order.status is OrderStatus.PENDING_PAYMENT:
        raise Conflict(
            "payment_in_progress",
            "The payment is still being confirmed; cancel once it is paid, or let it expire.",
        )
    return cancel_paid(platform, uow, order=order, reason=reason, now=now)


def cancel_unpaid(platform: Platform, uow: UnitOfWork, *, order: Order, now: datetime, reason: str) -> None:
    if order.status is not OrderStatus.PENDING_PAYMENT:
        return
    order.status, order.cancelled_at = OrderStatus.CANCELLED, now
    service.note(uow, order, "cancelled", now, reason)
    released = stock.release(uow, shop_region=order.shop_region, order_id=order.id, now=now)
    project_stock_later(platform, uow, released)


def project_stock_later(platform: Platform, uow: UnitOfWork, variant_ids: list[str]) -> None:
    if variant_ids:
        enqueue_stock_projection(platform.jobs, uow, variant_ids=sorted(variant_ids))
