"""Returns: the buyer asks within the return window once the order is delivered; the shop approves (a
refund) or rejects."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from sqlalchemy import select

from clipshop.errors import Conflict, Invalid, NotFound
from clipshop.kit.db import UnitOfWork
from clipshop.kit.ids import new_id, region_of
from clipshop.shop.orders import lifecycle, service
from clipshop.shop.orders.models import Order, OrderStatus, ReturnRequest, ReturnStatus

if TYPE_CHECKING:
    from clipshop.platform import Platform


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
    service.note(uow, order, "return_requested", now, reason.strip()[:200])
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
        lifecycle.refund(
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
        service.note(uow, order, "return_rejected", now)
    return request
