"""What a shop's staff do with its orders, wherever the buyers live: list and read them, fulfil, deliver,
cancel, refund, resolve returns, and see sales. Each call checks that the actor runs the shop first."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from clipshop.kit.actors import Actor
from clipshop.kit.db import UnitOfWork
from clipshop.shop.catalog import shops
from clipshop.shop.catalog.models import Shop
from clipshop.shop.orders import for_merchants, lifecycle, returns, service
from clipshop.shop.orders.models import Order, OrderStatus, ReturnRequest

if TYPE_CHECKING:
    from clipshop.platform import Platform


def get(
    uow: UnitOfWork,
    *,
    actor: Actor,
    shop_id: str,
    order_id: str,
    purpose: for_merchants.Purpose = "fulfilment",
) -> Order:
    """One order of a shop the actor runs, or NotFound."""
    shops.get(uow, actor=actor, shop_id=shop_id)
    return for_merchants.shop_order(uow, shop_id=shop_id, order_id=order_id, purpose=purpose)


def get_all(
    uow: UnitOfWork, *, actor: Actor, shop_id: str, status: OrderStatus | None
) -> list[service.OrderView]:
    """The shop's orders from every region, newest first, optionally of one status."""
    shops.get(uow, actor=actor, shop_id=shop_id)
    found = for_merchants.shop_orders(
        uow, shop_id=shop_id, purpose="fulfilment", statuses=(status,) if status else None
    )
    return [service.OrderView(s.order, s.lines) for s in found]


def fulfil(
    platform: Platform,
    uow: UnitOfWork,
    *,
    actor: Actor,
    shop_id: str,
    order_id: str,
    carrier: str,
    tracking_number: str,
    now: datetime,
) -> Order:
    order = get(uow, actor=actor, shop_id=shop_id, order_id=order_id)
    return lifecycle.fulfil_and_tell(
        platform, uow, order=order, carrier=carrier, tracking_number=tracking_number, now=now
    )


def deliver(uow: UnitOfWork, *, actor: Actor, shop_id: str, order_id: str, now: datetime) -> Order:
    return lifecycle.deliver(uow, order=get(uow, actor=actor, shop_id=shop_id, order_id=order_id), now=now)


def cancel(
    platform: Platform, uow: UnitOfWork, *, actor: Actor, shop_id: str, order_id: str, now: datetime
) -> Order:
    order = get(uow, actor=actor, shop_id=shop_id, order_id=order_id)
    return lifecycle.cancel(platform, uow, order=order, reason="by the shop", now=now)


def refund(
    platform: Platform,
    uow: UnitOfWork,
    *,
    actor: Actor,
    shop_id: str,
    order_id: str,
    amount: int,
    reason: str,
    now: datetime,
) -> Order:
    order = get(uow, actor=actor, shop_id=shop_id, order_id=order_id)
    lifecycle.refund(platform, uow, order=order, amount=amount, reason=reason, now=now)
    return order


def refund_alone(
    platform: Platform, *, actor: Actor, shop_id: str, order_id: str, amount: int, reason: str
) -> service.OrderView:
    """`refund` in a transaction of its own (committed on return), for a caller that stores its answer
    after it: the order as it stands after the refund, with its timeline."""
    with platform.uow(actor=actor).transaction() as uow:
        order = refund(
            platform,
            uow,
            actor=actor,
            shop_id=shop_id,
            order_id=order_id,
            amount=amount,
            reason=reason,
            now=platform.clock.now(),
        )
        return service.view(uow, order)


def get_returns(uow: UnitOfWork, *, actor: Actor, shop_id: str) -> tuple[Shop, list[ReturnRequest]]:
    shop = shops.get(uow, actor=actor, shop_id=shop_id)
    return shop, for_merchants.shop_returns(uow, shop_id=shop_id, purpose="returns")


def resolve_return(
    platform: Platform,
    uow: UnitOfWork,
    *,
    actor: Actor,
    shop_id: str,
    order_id: str,
    return_id: str,
    approve: bool,
    now: datetime,
) -> tuple[Order, ReturnRequest]:
    order = get(uow, actor=actor, shop_id=shop_id, order_id=order_id, purpose="returns")
    request = returns.resolve_return(
        platform, uow, order=order, request_id=return_id, approve=approve, now=now
    )
    return order, request


def sales(
    uow: UnitOfWork, *, actor: Actor, shop_id: str, days: int, now: datetime
) -> list[for_merchants.DailySales]:
    shops.get(uow, actor=actor, shop_id=shop_id)
    return for_merchants.shop_sales(uow, shop_id=shop_id, since=now - timedelta(days=days))


def sales_by_region(
    uow: UnitOfWork, *, actor: Actor, shop_id: str, days: int, now: datetime, min_group: int
) -> list[for_merchants.RegionSales]:
    shops.get(uow, actor=actor, shop_id=shop_id)
    since = now - timedelta(days=days)
    return for_merchants.shop_sales_by_region(uow, shop_id=shop_id, since=since, min_group=min_group)
