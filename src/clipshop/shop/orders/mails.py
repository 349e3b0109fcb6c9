"""Mail about orders: confirmation, shipped and refunded to the buyer, a new order to the shop's owner. Each
is written into the recipient's region in the transaction that moves the order; when that region is not the
unit of work's home, the residency gateway opens its outbox (purpose `notification`, logged there). A mail
names the order, its items and amounts, never the other party's details."""

from __future__ import annotations

from typing import TYPE_CHECKING

from clipshop.kit.actors import Role
from clipshop.kit.db import UnitOfWork
from clipshop.kit.ids import region_of
from clipshop.mailing import service as mailing
from clipshop.residency import gateway
from clipshop.shop.catalog.models import Shop
from clipshop.shop.money import display
from clipshop.shop.orders import service
from clipshop.shop.orders.models import Order, Refund

if TYPE_CHECKING:
    from clipshop.platform import Platform


def _open_outbox(uow: UnitOfWork, region: str, *, order_id: str, merchant: bool) -> None:
    if region == uow.home:
        return
    # Away from the buyer's home, a person acting on an order is its shop's staff (their claim was checked
    # when the order was read); jobs act as themselves.
    actor = uow.actor
    role = Role.MERCHANT if merchant and (actor is None or actor.role is Role.USER) else None
    gateway.access(
        uow, region, data_class="mail", purpose="notification", records=[order_id], write=True, role=role
    )


def _items(uow: UnitOfWork, order: Order) -> str:
    lines = service.lines_of(uow, order)
    return "\n".join(
        f"  {line.quantity} x {line.title}  {display(line.unit_price * line.quantity, order.currency)}"
        for line in lines
    )


def _shop(uow: UnitOfWork, order: Order) -> Shop | None:
    return uow.region(order.shop_region).get(Shop, order.shop_id)


def order_paid(platform: Platform, uow: UnitOfWork, *, order: Order) -> None:
    """The buyer's confirmation and the shop owner's new-order mail, once the order is paid."""
    shop = _shop(uow, order)
    shop_name = shop.name if shop else "the shop"
    buyer_region = region_of(order.id)
    _open_outbox(uow, buyer_region, order_id=order.id, merchant=False)
    mailing.write_mail(
        platform,
        uow,
        user_id=order.buyer_id,
        kind="order_paid",
        cause=order.id,
        subject=f"Your order from {shop_name} is confirmed",
        body=(
            f"Thank you for your order from {shop_name}.\n\n{_items(uow, order)}\n\n"
            f"Total paid: {display(order.total, order.currency)}\n\n"
            f"Follow it here: {mailing.link(platform, f'/orders/{order.id}')}\n"
        ),
    )
    if shop is None:
        return
    _open_outbox(uow, order.shop_region, order_id=order.id, merchant=False)
    mailing.write_mail(
        platform,
        uow,
        user_id=shop.owner_id,
        kind="new_order",
        cause=order.id,
        subject=f"New order for {shop.name}: {display(order.total, order.currency)}",
        body=(
            f"{shop.name} has a new paid order, {order.id}.\n\n{_items(uow, order)}\n\n"
            f"Total: {display(order.total, order.currency)}\n\n"
            f"Ship it from the seller center: {mailing.link(platform, '/seller')}\n"
        ),
    )


def order_shipped(platform: Platform, uow: UnitOfWork, *, order: Order) -> None:
    shop = _shop(uow, order)
    shop_name = shop.name if shop else "The shop"
    _open_outbox(uow, region_of(order.id), order_id=order.id, merchant=True)
    mailing.write_mail(
        platform,
        uow,
        user_id=order.buyer_id,
        kind="order_shipped",
        cause=order.id,
        subject=f"Your order from {shop_name} is on its way",
        body=(
            f"{shop_name} shipped your order.\n\n{_items(uow, order)}\n\n"
            f"Carrier: {order.carrier}\nTracking number: {order.tracking_number}\n\n"
            f"Follow it here: {mailing.link(platform, f'/orders/{order.id}')}\n"
        ),
    )


def order_refunded(platform: Platform, uow: UnitOfWork, *, order: Order, refund: Refund) -> None:
    shop = _shop(uow, order)
    shop_name = shop.name if shop else "the shop"
    _open_outbox(uow, region_of(order.id), order_id=order.id, merchant=True)
    amount = display(refund.amount, order.currency)
    mailing.write_mail(
        platform,
        uow,
        user_id=order.buyer_id,
        kind="order_refunded",
        cause=refund.id,
        subject=f"{amount} refunded for your order from {shop_name}",
        body=(
            f"{amount} of your order from {shop_name} is refunded to the card you paid with"
            + (f" ({refund.reason})" if refund.reason else "")
            + f".\n\nRefunded so far: {display(order.refunded, order.currency)} of "
            f"{display(order.total, order.currency)}.\n\n"
            f"Details: {mailing.link(platform, f'/orders/{order.id}')}\n"
        ),
    )
