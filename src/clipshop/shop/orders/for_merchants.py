"""The one way a shop reaches orders that live in its buyers' home regions, through the residency gateway.

An order is personal data of the buyer and stays in the buyer's region; the merchant (who may live in
another region) sees only what fulfilment needs — items and shipping address — and creators see only
aggregates of their commission. Every read here states its purpose to the gateway, which checks the policy
(`residency/policy.toml`) and writes the region's audit log before the unit of work may touch the orders.
The caller has checked that the actor runs the shop (or is the creator) first.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime
from typing import Literal

from sqlalchemy import func, select

from clipshop.errors import NotFound
from clipshop.kit.actors import Role
from clipshop.kit.db import UnitOfWork
from clipshop.kit.ids import is_valid_id, region_of
from clipshop.residency import gateway
from clipshop.shop.orders.models import Order, OrderLine, OrderStatus, ReturnRequest, ReturnStatus
from clipshop.videos.models import PublicVideo

Purpose = Literal["fulfilment", "returns"]


def _door(
    uow: UnitOfWork,
    region: str,
    *,
    shop_id: str,
    purpose: str,
    records: tuple[str, ...] = (),
    write: bool = False,
    role: Role = Role.MERCHANT,
) -> gateway.Door:
    return gateway.access(
        uow,
        region,
        data_class="orders",
        purpose=purpose,
        records=records,
        reason=f"shop {shop_id}",
        role=role,
        write=write,
    )


@dataclass(frozen=True)
class ShopOrder:
    order: Order
    lines: list[OrderLine]


def shop_orders(
    uow: UnitOfWork,
    *,
    shop_id: str,
    purpose: Purpose,
    statuses: tuple[OrderStatus, ...] | None = None,
    limit: int = 100,
) -> list[ShopOrder]:
    """A shop's orders from every region, newest first, with their lines."""
    found: list[ShopOrder] = []
    for region in uow.databases.regions:
        db = _door(uow, region, shop_id=shop_id, purpose=purpose).db
        query = select(Order).where(Order.shop_id == shop_id)
        if statuses:
            query = query.where(Order.status.in_(statuses))
        orders = list(db.scalars(query.order_by(Order.placed_at.desc()).limit(limit)))
        if not orders:
            continue
        lines: dict[str, list[OrderLine]] = defaultdict(list)
        for line in db.scalars(select(OrderLine).where(OrderLine.order_id.in_([o.id for o in orders]))):
            lines[line.order_id].append(line)
        found += [ShopOrder(o, sorted(lines[o.id], key=lambda x: x.id)) for o in orders]
    found.sort(key=lambda s: s.order.placed_at, reverse=True)
    return found[:limit]


def shop_order(uow: UnitOfWork, *, shop_id: str, order_id: str, purpose: Purpose) -> Order:
    """One order of the shop, wherever its buyer lives, open for the shop to work on; NotFound if there is
    no such order, AccessDenied (recorded) if it is another shop's."""
    if not is_valid_id(order_id, set(uow.databases.regions)):
        raise NotFound("order", order_id)
    door = _door(uow, region_of(order_id), shop_id=shop_id, purpose=purpose, records=(order_id,), write=True)
    order = door.db.get(Order, order_id)
    if order is None:
        raise NotFound("order", order_id)
    if order.shop_id != shop_id:
        door.db.expunge(order)
        raise door.refuse([order_id], f"order {order_id} is not of shop {shop_id}")
    return order


def shop_returns(uow: UnitOfWork, *, shop_id: str, purpose: Purpose) -> list[ReturnRequest]:
    """A shop's return requests from every region, the ones waiting for it first."""
    found: list[ReturnRequest] = []
    for region in uow.databases.regions:
        found += _door(uow, region, shop_id=shop_id, purpose=purpose).db.scalars(
            select(ReturnRequest)
            .where(ReturnRequest.shop_id == shop_id)
            .order_by(ReturnRequest.created_at.desc())
        )
    return sorted(found, key=lambda r: (r.status is not ReturnStatus.REQUESTED, -r.created_at.timestamp()))


@dataclass(frozen=True)
class Unfinished:
    """What a shop still owes its buyers, counted over every region: paid orders not yet shipped (nor
    cancelled, nor refunded in full), and return requests not yet answered."""

    orders: int
    returns: int


def shop_unfinished(uow: UnitOfWork, *, shop_id: str) -> Unfinished:
    """Count the shop's unfinished orders (purpose `fulfilment`) and open returns (purpose `returns`) in every
    region; only counts leave each region."""
    orders = returns = 0
    for region in uow.databases.regions:
        db = _door(uow, region, shop_id=shop_id, purpose="fulfilment").db
        orders += (
            db.scalar(
                select(func.count())
                .select_from(Order)
                .where(
                    Order.shop_id == shop_id, Order.status == OrderStatus.PAID, Order.refunded < Order.total
                )
            )
            or 0
        )
        db = _door(uow, region, shop_id=shop_id, purpose="returns").db
        returns += (
            db.scalar(
                select(func.count())
                .select_from(ReturnRequest)
                .where(ReturnRequest.shop_id == shop_id, ReturnRequest.status == ReturnStatus.REQUESTED)
            )
            or 0
        )
    return Unfinished(orders=orders, returns=returns)


@dataclass(frozen=True)
class DailySales:
    day: date
    orders: int
    revenue: int
    currency: str


def shop_sales(uow: UnitOfWork, *, shop_id: str, since: datetime) -> list[DailySales]:
    """Paid orders and their revenue (net of refunds) per day, summed over every region."""
    totals: dict[tuple[date, str], list[int]] = defaultdict(lambda: [0, 0])
    paid = (OrderStatus.PAID, OrderStatus.FULFILLED, OrderStatus.DELIVERED, OrderStatus.COMPLETED)
    for region in uow.databases.regions:
        rows = _door(uow, region, shop_id=shop_id, purpose="aggregate_analytics").db.execute(
            select(Order.paid_at, Order.total, Order.refunded, Order.currency).where(
                Order.shop_id == shop_id, Order.status.in_(paid), Order.paid_at >= since
            )
        )
        for paid_at, total, refunded, currency in rows:
            if paid_at is None:
                continue
            bucket = totals[(paid_at.date(), currency)]
            bucket[0] += 1
            bucket[1] += total - refunded
    return [DailySales(day, n, revenue, currency) for (day, currency), (n, revenue) in sorted(totals.items())]


@dataclass(frozen=True)
class RegionSales:
    """A shop's paid orders from one buyer region, as totals; None where fewer than the minimum group of
    buyers would be described (`suppressed`)."""

    region: str
    currency: str
    buyers: int | None
    orders: int | None
    revenue: int | None
    suppressed: bool


def shop_sales_by_region(
    uow: UnitOfWork, *, shop_id: str, since: datetime, min_group: int
) -> list[RegionSales]:
    """Paid orders, distinct buyers and revenue (net of refunds) per buyer region and currency, counted in
    each region and leaving it only as totals over at least `min_group` buyers."""
    paid = (OrderStatus.PAID, OrderStatus.FULFILLED, OrderStatus.DELIVERED, OrderStatus.COMPLETED)
    found: list[RegionSales] = []
    for region in uow.databases.regions:
        db = _door(uow, region, shop_id=shop_id, purpose="aggregate_analytics").db
        rows = db.execute(
            select(
                Order.currency,
                func.count(func.distinct(Order.buyer_id)),
                func.count(),
                func.sum(Order.total - Order.refunded),
            )
            .where(Order.shop_id == shop_id, Order.status.in_(paid), Order.paid_at >= since)
            .group_by(Order.currency)
        )
        for currency, buyers, orders, revenue in rows:
            if buyers < min_group:
                found.append(RegionSales(region, currency, None, None, None, suppressed=True))
            else:
                found.append(RegionSales(region, currency, buyers, orders, int(revenue), suppressed=False))
    return found


@dataclass(frozen=True)
class Earning:
    key: str  # a video id or a product id
    title: str
    orders: int
    pending: int
    earned: int
    reversed: int
    currency: str


def creator_earnings(uow: UnitOfWork, *, creator_id: str, by: Literal["video", "product"]) -> list[Earning]:
    """Commission credited to a creator, grouped by video or product: pending (order not yet complete),
    earned (completed) and reversed (refunded share). Aggregates only: no buyer is visible."""
    groups: dict[tuple[str, str], dict[str, int | str]] = {}
    for region in uow.databases.regions:
        door = gateway.access(
            uow,
            region,
            data_class="orders",
            purpose="aggregate_analytics",
            reason=f"commission of creator {creator_id}",
            role=Role.CREATOR,
            entitled=uow.actor is not None and uow.actor.id == creator_id,
        )
        rows = door.db.execute(
            select(OrderLine, Order.status, Order.total, Order.refunded, Order.currency)
            .join(Order, Order.id == OrderLine.order_id)
            .where(
                OrderLine.creator_id == creator_id,
                OrderLine.commission > 0,
                Order.status != OrderStatus.PENDING_PAYMENT,
            )
        )
        for line, status, total, refunded, currency in rows:
            key = (line.video_id or "showcase") if by == "video" else line.product_id
            group = groups.setdefault(
                (key, currency), {"title": line.title, "orders": 0, "pending": 0, "earned": 0, "reversed": 0}
            )
            given_back = line.commission * refunded // total if total else 0
            kept = line.commission - given_back
            group["orders"] = int(group["orders"]) + 1
            group["reversed"] = int(group["reversed"]) + given_back
            if status is OrderStatus.COMPLETED:
                group["earned"] = int(group["earned"]) + kept
            elif status is not OrderStatus.CANCELLED:
                group["pending"] = int(group["pending"]) + kept
    if by == "video":
        keys = [key for key, _ in groups]
        query = select(PublicVideo.id, PublicVideo.caption).where(PublicVideo.id.in_(keys))
        captions = {video_id: caption for video_id, caption in uow.directory.execute(query)}
        for (key, _), group in groups.items():
            group["title"] = captions.get(key) or ("Showcase" if key == "showcase" else "A video")
    return [
        Earning(
            key=key,
            title=str(g["title"]),
            orders=int(g["orders"]),
            pending=int(g["pending"]),
            earned=int(g["earned"]),
            reversed=int(g["reversed"]),
            currency=currency,
        )
        for (key, currency), g in sorted(groups.items())
    ]
