"""Stock: units are taken from a variant by one update in the transaction that writes their reservation,
and stock can never go negative (a conditional update, or the table's CHECK that refuses a negative count);
the reservation row remembers them until the order is paid (committed) or abandoned (released, the units
given back; a hold whose order was never written is given back once it expires). Variants are touched in
id order so that concurrent checkouts of several variants cannot deadlock.

A checkout takes its units with `hold`: statements without a guard, sent with their commit, so a hot
variant's row is locked only while the server writes and commits; when a count would go below zero the
CHECK fails the whole transaction, and `shortfall` then tells which item ran out. An item seen sold out is
remembered by the process for a moment (`known_sold_out`), so checkouts of it need not ask again."""

from __future__ import annotations

import time
from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime

from sqlalchemy import bindparam, select, update
from sqlalchemy.orm import Session

from clipshop.errors import Conflict
from clipshop.kit.db import Prebuilt, PrebuiltInsert, UnitOfWork, table_of
from clipshop.kit.ids import region_of
from clipshop.residency import gateway
from clipshop.shop.catalog.models import ReservationStatus, StockReservation, Variant


class OutOfStock(Conflict):
    def __init__(self, variant_id: str, available: int, wanted: int) -> None:
        detail = (
            f"Only {available} left of this item; you asked for {wanted}. Lower the quantity or pick another."
            if available
            else "This item just sold out."
        )
        super().__init__("out_of_stock", detail, variant_id=variant_id, available=available)
        self.variant_id, self.available = variant_id, available


# Variant id -> until when (time.monotonic) this process knows it sold out: checkouts of it are answered from
# memory, without reading the database (checkout.admission). A restock or a release in this process forgets
# it at once; other processes find the units again when their memory runs out.
_SOLD_OUT: dict[str, float] = {}


def remember_sold_out(variant_id: str, *, for_s: float) -> None:
    if for_s > 0:
        _SOLD_OUT[variant_id] = time.monotonic() + for_s


def known_sold_out(variant_ids: Iterable[str]) -> str | None:
    """The first of these variants (in id order) this process knows to be sold out, if any."""
    if not _SOLD_OUT:
        return None
    now = time.monotonic()
    for variant_id in sorted(variant_ids):
        until = _SOLD_OUT.get(variant_id)
        if until is not None:
            if until > now:
                return variant_id
            _SOLD_OUT.pop(variant_id, None)
    return None


def forget_sold_out(variant_ids: Iterable[str]) -> None:
    for variant_id in variant_ids:
        _SOLD_OUT.pop(variant_id, None)


def open_shop_side(uow: UnitOfWork, region: str, *, order_id: str) -> None:
    """Let a checkout (or its upkeep) work on a shop's stock in the shop's region: the variants' counts and
    the holds, which are not personal but are another region's, so the residency gateway opens them
    (purpose `checkout`) and records that it did, naming the order (a new checkout names itself). Nothing
    to open when the shop is at home."""
    if region == uow.home:
        return
    gateway.access_all(uow, region, data_classes=("public_content", "business"), purpose="checkout",
                       records=[order_id], write=True)  # fmt: skip


def take(uow: UnitOfWork, *, variant_id: str, quantity: int, now: datetime) -> None:
    """Take `quantity` units of a variant with a conditional update and an answer awaited, or raise
    OutOfStock (with what is left) taking nothing: for units taken again after their hold ran out (`retake`);
    a checkout takes its units with `hold`."""
    db = uow.region(region_of(variant_id))
    taken = db.execute(
        update(Variant)
        .where(Variant.id == variant_id, Variant.stock >= quantity)
        .values(stock=Variant.stock - quantity, updated_at=now)
        .returning(Variant.stock)
    ).first()
    if taken is None:
        available = db.scalar(select(Variant.stock).where(Variant.id == variant_id)) or 0
        raise OutOfStock(variant_id, int(available), quantity)


# Prebuilt: the statements of a hold, compiled once and reused with each checkout's values.
_VARIANTS = table_of(Variant).c
_DECREMENT = Prebuilt(
    update(table_of(Variant))
    .where(_VARIANTS.id == bindparam("variant_id"))
    .values(stock=_VARIANTS.stock - bindparam("quantity"), updated_at=bindparam("now"))
)
_RESERVE = PrebuiltInsert(table_of(StockReservation))


def hold(
    uow: UnitOfWork, *, region: str, orders: Sequence[tuple[str, Mapping[str, int], datetime]], now: datetime
) -> None:
    """Take units of `region`'s variants for `orders` (order id, variant id -> units, hold expiry) and hold
    them, with no guard and no answer awaited: meant to be sent last before the commit (`kit.db.pipelined`),
    so a variant row stays locked only while the server writes the holds and commits. The counts go down in
    variant id order (two checkouts cannot deadlock), then the holds are written: after the update, their
    foreign key finds the row already locked by this transaction (written before, each would take a shared
    lock on the hot row that every update must then carry along). A count that would go below zero fails the
    transaction at the table's CHECK; `shortfall` then names the item. The caller opens the shop's side
    (`open_shop_side`) first."""
    if not orders:
        return
    wanted: dict[str, int] = {}
    for _order_id, quantities, _expires_at in orders:
        for variant_id, units in quantities.items():
            wanted[variant_id] = wanted.get(variant_id, 0) + units
    for variant_id in sorted(wanted):
        uow.send(region, _DECREMENT, {"variant_id": variant_id, "quantity": wanted[variant_id], "now": now})
    uow.send(
        region,
        _RESERVE,
        [
            {"order_id": order_id, "variant_id": variant_id, "quantity": units,
             "status": ReservationStatus.HELD, "expires_at": expires_at, "created_at": now}
            for order_id, quantities, expires_at in orders
            for variant_id, units in quantities.items()
        ],
    )  # fmt: skip


def units_left(uow: UnitOfWork, variant_ids: Iterable[str]) -> dict[str, int]:
    """The units each variant has left (public counts, read wherever they live); unknown ids are left out."""
    by_region: dict[str, list[str]] = {}
    for variant_id in variant_ids:
        by_region.setdefault(region_of(variant_id), []).append(variant_id)
    left: dict[str, int] = {}
    for region, ids in by_region.items():
        rows = uow.region(region).execute(select(Variant.id, Variant.stock).where(Variant.id.in_(ids)))
        left.update({variant_id: int(units) for variant_id, units in rows})
    return left


def shortfall(uow: UnitOfWork, *, quantities: Mapping[str, int]) -> OutOfStock | None:
    """After a hold failed: the first variant (in id order) that has fewer units than asked for, as the
    OutOfStock to raise; None when every one has enough (the hold failed for another reason)."""
    left = units_left(uow, quantities)
    for variant_id in sorted(quantities):
        available = left.get(variant_id, 0)
        if available < quantities[variant_id]:
            return OutOfStock(variant_id, available, quantities[variant_id])
    return None


def retake(
    uow: UnitOfWork, *, shop_region: str, order_id: str, quantities: Mapping[str, int], now: datetime
) -> None:
    """Take an order's units again after its hold ran out (the money came late), each straight to sold; raises
    OutOfStock at the first variant that has run out, the ones before it sold."""
    open_shop_side(uow, shop_region, order_id=order_id)
    db = uow.region(shop_region)
    for variant_id in sorted(quantities):
        take(uow, variant_id=variant_id, quantity=quantities[variant_id], now=now)
        db.execute(
            update(StockReservation)
            .where(StockReservation.order_id == order_id, StockReservation.variant_id == variant_id)
            .values(status=ReservationStatus.COMMITTED)
        )


def _reservations(db: Session, order_id: str, status: ReservationStatus) -> list[StockReservation]:
    return list(
        db.scalars(
            select(StockReservation)
            .where(StockReservation.order_id == order_id, StockReservation.status == status)
            .order_by(StockReservation.variant_id)
        )
    )


def commit(uow: UnitOfWork, *, shop_region: str, order_id: str) -> bool:
    """Make an order's held units sold. False if they were released meanwhile (the order expired unpaid)."""
    open_shop_side(uow, shop_region, order_id=order_id)
    db = uow.region(shop_region)
    moved = db.execute(
        update(StockReservation)
        .where(StockReservation.order_id == order_id, StockReservation.status == ReservationStatus.HELD)
        .values(status=ReservationStatus.COMMITTED)
        .returning(StockReservation.variant_id)
    ).all()
    return bool(moved) or bool(_reservations(db, order_id, ReservationStatus.COMMITTED))


def release(
    uow: UnitOfWork, *, shop_region: str, order_id: str, now: datetime, committed_too: bool = False
) -> list[str]:
    """Give an order's units back (held ones; sold ones too when the order is cancelled after payment).
    Each reservation is released once, even when two releases race; returns the variants touched."""
    statuses = [ReservationStatus.HELD] + ([ReservationStatus.COMMITTED] if committed_too else [])
    open_shop_side(uow, shop_region, order_id=order_id)
    db = uow.region(shop_region)
    released = db.execute(
        update(StockReservation)
        .where(StockReservation.order_id == order_id, StockReservation.status.in_(statuses))
        .values(status=ReservationStatus.RELEASED)
        .returning(StockReservation.variant_id, StockReservation.quantity)
    ).all()
    for variant_id, quantity in sorted(released):
        db.execute(
            update(Variant)
            .where(Variant.id == variant_id)
            .values(stock=Variant.stock + quantity, updated_at=now)
        )
    given_back = [variant_id for variant_id, _ in released]
    uow.after_commit(lambda: forget_sold_out(given_back))
    return given_back


def expired_holds(db: Session, *, now: datetime, limit: int = 500) -> list[str]:
    """Order ids whose held units outlived their expiry (the order never got paid)."""
    return list(
        db.scalars(
            select(StockReservation.order_id)
            .where(StockReservation.status == ReservationStatus.HELD, StockReservation.expires_at < now)
            .distinct()
            .limit(limit)
        )
    )
