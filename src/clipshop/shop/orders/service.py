"""Reading and noting orders: the buyer's own orders (`get`, `get_all`: missing and not yours answer alike),
an order's lines and timeline, a checkout's orders and payment, and `note` for the timeline."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import select

from clipshop.errors import NotFound
from clipshop.kit.actors import Actor
from clipshop.kit.db import UnitOfWork
from clipshop.kit.ids import new_id, region_of
from clipshop.shop.orders import notices
from clipshop.shop.orders.models import Checkout, Order, OrderEvent, OrderLine, Payment


@dataclass(frozen=True)
class OrderView:
    """An order with its lines, and its timeline when asked for."""

    order: Order
    lines: list[OrderLine]
    events: list[OrderEvent] = field(default_factory=list)


@dataclass(frozen=True)
class CheckoutView:
    """A checkout as its buyer is answered: its payment and its orders (without timelines)."""

    checkout: Checkout
    payment: Payment
    orders: list[OrderView]


def note(uow: UnitOfWork, order: Order, kind: str, now: datetime, detail: str = "") -> None:
    """Add a line to the order's timeline, and tell the buyer of the ones they hear about (paid, shipped,
    delivered, refunded) in their inbox."""
    event_id = new_id(region_of(order.id))
    uow.region(region_of(order.id)).add(
        OrderEvent(id=event_id, order_id=order.id, kind=kind, detail=detail, created_at=now)
    )
    notices.order_update(uow, order=order, event_id=event_id, kind=kind, detail=detail, now=now)


def get(uow: UnitOfWork, *, actor: Actor, order_id: str) -> Order:
    """The actor's own order, or NotFound."""
    order = uow.find(Order, order_id, region=actor.region)
    if order is None or order.buyer_id != actor.id:
        raise NotFound("order", order_id)
    return order


def get_all(uow: UnitOfWork, *, actor: Actor, limit: int) -> list[OrderView]:
    """The actor's latest orders, newest first, with their lines."""
    db = uow.region(actor.region)
    found = db.scalars(
        select(Order).where(Order.buyer_id == actor.id).order_by(Order.placed_at.desc()).limit(limit)
    )
    return views(uow, list(found))


def lines_of(uow: UnitOfWork, order: Order) -> list[OrderLine]:
    db = uow.region(region_of(order.id))
    return list(db.scalars(select(OrderLine).where(OrderLine.order_id == order.id).order_by(OrderLine.id)))


def view(uow: UnitOfWork, order: Order, *, detail: bool = True) -> OrderView:
    """The order with its lines, and its timeline when `detail`."""
    db = uow.region(region_of(order.id))
    db.flush()
    events = (
        list(
            db.scalars(
                select(OrderEvent)
                .where(OrderEvent.order_id == order.id)
                .order_by(OrderEvent.created_at, OrderEvent.id)
            )
        )
        if detail
        else []
    )
    return OrderView(order, lines_of(uow, order), events)


def views(uow: UnitOfWork, orders: Sequence[Order]) -> list[OrderView]:
    return [OrderView(o, lines_of(uow, o)) for o in orders]


def orders_of_checkout(uow: UnitOfWork, *, region: str, checkout_id: str) -> list[Order]:
    db = uow.region(region)
    return list(db.scalars(select(Order).where(Order.checkout_id == checkout_id).order_by(Order.id)))


def payment_of(uow: UnitOfWork, *, region: str, checkout_id: str) -> Payment:
    return uow.region(region).scalars(select(Payment).where(Payment.checkout_id == checkout_id)).one()


def checkout_view(uow: UnitOfWork, *, region: str, checkout_id: str) -> CheckoutView:
    checkout = uow.region(region).get_one(Checkout, checkout_id)
    payment = payment_of(uow, region=region, checkout_id=checkout_id)
    orders = orders_of_checkout(uow, region=region, checkout_id=checkout_id)
    return CheckoutView(checkout, payment, views(uow, orders))
