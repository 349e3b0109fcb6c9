"""The ledger postings of an order, in the ledger of the order's (the buyer's) region: the capture when it is
paid, each refund split across its parts in proportion, and its completion, which makes what the merchant
and creators are owed available for payout."""

from __future__ import annotations

from collections import defaultdict
from datetime import datetime
from typing import TYPE_CHECKING

from clipshop.kit.db import UnitOfWork
from clipshop.kit.ids import region_of
from clipshop.shop.ledger import postings as ledger
from clipshop.shop.money import share
from clipshop.shop.orders import service
from clipshop.shop.orders.models import Order, OrderStatus, Refund

if TYPE_CHECKING:
    from clipshop.platform import Platform


def _components(uow: UnitOfWork, order: Order) -> dict[str, int]:
    """What the order's money is made of: tax, fee, each creator's commission, and the merchant's rest."""
    parts: dict[str, int] = {"tax": order.tax, "fee": order.platform_fee}
    for line in service.lines_of(uow, order):
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
