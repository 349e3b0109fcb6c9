"""Order updates and commission in people's inboxes. An order's buyer hears when it is paid, shipped,
delivered or refunded; a creator hears the commission a sale earned them. Each is written in the
transaction that moves the order, into the recipient's region: the buyer's is the order's own, and a
creator's may be another, reached through the residency gateway (purpose `notification`). A line names the
order (to its buyer), the shop, the product and amounts; never the buyer to anyone else."""

from __future__ import annotations

from datetime import datetime

from clipshop.inbox import service as inbox
from clipshop.inbox.models import NoticeKind
from clipshop.kit.actors import Role
from clipshop.kit.db import UnitOfWork
from clipshop.kit.ids import region_of
from clipshop.shop.money import display
from clipshop.shop.orders.models import Order, OrderLine

# Timeline entries the buyer is told about.
TOLD = {
    "paid": NoticeKind.ORDER_PAID,
    "fulfilled": NoticeKind.ORDER_SHIPPED,
    "delivered": NoticeKind.ORDER_DELIVERED,
    "refunded": NoticeKind.ORDER_REFUNDED,
}


def _role(uow: UnitOfWork, recipient_region: str) -> Role | None:
    # Away from the buyer's home, a person acting on an order is its shop's staff (their claim was checked
    # when the order was read); jobs act as themselves.
    actor = uow.actor
    if recipient_region == uow.home or actor is None or actor.role is not Role.USER:
        return None
    return Role.MERCHANT


def order_update(
    uow: UnitOfWork, *, order: Order, event_id: str, kind: str, detail: str, now: datetime
) -> None:
    """Tell the buyer about a timeline entry of their order, if it is one they are told about."""
    told = TOLD.get(kind)
    if told is None:
        return
    inbox.notify(
        uow,
        recipient_id=order.buyer_id,
        kind=told,
        target_id=order.id,
        cause=event_id,
        # The payment's entry names the card; the line needs only the shop.
        detail={"shop": order.shop_name, "note": "" if told is NoticeKind.ORDER_PAID else detail},
        at=now,
        role=_role(uow, region_of(order.id)),
    )


def commission_earned(uow: UnitOfWork, *, order: Order, lines: list[OrderLine], now: datetime) -> None:
    """Tell each creator credited on a paid order's lines what they earned, line by line: the product, the
    video that sold it and the amount; nothing of the buyer."""
    for line in lines:
        if not line.creator_id or not line.commission:
            continue
        inbox.notify(
            uow,
            recipient_id=line.creator_id,
            kind=NoticeKind.COMMISSION,
            target_id=line.video_id or line.product_id,
            cause=f"commission:{line.id}",
            detail={"amount": display(line.commission, order.currency), "product": line.title},
            at=now,
        )
