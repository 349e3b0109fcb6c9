"""Closing a shop, as its owner asks: refused while the shop still owes its buyers something (a paid order to
ship, a return to answer), wherever they live; then the catalog takes the shop off the directory for good
and gives back the units held for unpaid checkouts (`clipshop.shop.catalog.closing`). Orders, the ledger and
payouts stay as they are: the shop's staff still see them, answer late returns and refund."""

from __future__ import annotations

from datetime import datetime

from clipshop.errors import Conflict, Forbidden, NotFound
from clipshop.kit.actors import Actor
from clipshop.kit.db import UnitOfWork
from clipshop.shop.catalog import closing, shops
from clipshop.shop.catalog.models import Shop, StaffRole
from clipshop.shop.orders import for_merchants


def close_shop(uow: UnitOfWork, *, actor: Actor, shop_id: str, now: datetime) -> Shop:
    """Close the shop `shop_id`, which the actor owns; closing a closed shop answers the same. NotFound for
    anyone who does not run it, Forbidden for its other staff, Conflict while orders or returns are open."""
    staff_role = shops.role(uow, shop_id=shop_id, actor=actor)
    shop = shops.find(uow, shop_id) if staff_role is not None else None
    if shop is None:
        raise NotFound("shop", shop_id)
    if staff_role is not StaffRole.OWNER:
        raise Forbidden(
            "Only the shop's owner can close it; ask them.", code="shop_owner_only", shop_id=shop.id
        )
    if shop.closed_at is not None:
        return shop
    owed = for_merchants.shop_unfinished(uow, shop_id=shop.id)
    if owed.orders:
        raise Conflict(
            "shop_has_unfinished_orders",
            f"{_count(owed.orders, 'paid order')} still to ship. Ship, cancel or refund "
            f"{'it' if owed.orders == 1 else 'them'} in full (Orders, “To ship”), then close the shop.",
            orders=owed.orders,
        )
    if owed.returns:
        raise Conflict(
            "shop_has_open_returns",
            f"{_count(owed.returns, 'return request')} still waiting for an answer. Approve or decline "
            f"{'it' if owed.returns == 1 else 'them'} (Returns), then close the shop.",
            returns=owed.returns,
        )
    closing.close(uow, shop=shop, now=now)
    return shop


def _count(n: int, thing: str) -> str:
    return f"{n} {thing}{'' if n == 1 else 's'} {'is' if n == 1 else 'are'}"
