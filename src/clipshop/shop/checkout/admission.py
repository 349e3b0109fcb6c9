"""Admission of checkouts, per app process, so a hot item's buyers get a quick answer instead of a queue
that only grows: at most `checkout_concurrency` checkouts of one item take its stock and write their
orders at once (`placing.admitted`: the turn covers where checkouts of one item meet, the stock row and
the orders' transaction, not the card's charge, whose time is the provider's); more wait up to
`checkout_queue_s` for a turn, then are refused with 429 `checkout_busy` and a Retry-After (the client
retries with the same Idempotency-Key). An item that sold out is remembered for `sold_out_memory_s`
(catalog.stock), and later checkouts of it are answered 409 `out_of_stock` without reading the database:
at the door, and while they wait for a turn.

A cart checkout is admitted on the items of the cart as it stands when its turn is asked for; a checkout
of several items enters once every one of them has room, taking all its turns at once, so checkouts that
share items never each hold a turn another waits for (no deadlock, whatever the order of their items).
A checkout waiting for a turn holds no connection: it asks before its unit of work opens.

Refusals for load did nothing (the key's claim is written with the orders), so they are not stored under
the Idempotency-Key: a retry with the key is admitted (or refused) afresh. A sold-out item learnt while
waiting is that request's answer, stored like any other sold-out answer."""

from __future__ import annotations

import contextlib
import threading
import time
from collections.abc import Callable, Iterable, Iterator, Mapping

from clipshop.config import Settings
from clipshop.errors import RateLimited
from clipshop.shop.catalog import stock
from clipshop.shop.catalog.stock import OutOfStock


class CheckoutBusy(RateLimited):
    code = "checkout_busy"
    title = "Too busy"

    def __init__(self, *, retry_after_s: int) -> None:
        super().__init__(
            "So many people are buying this item right now that your checkout could not start. Nothing was "
            f"charged: try again in {retry_after_s} s with the same Idempotency-Key.",
            retry_after_s=retry_after_s,
        )


class _Turns:
    """One item's checkouts in flight, and the checkouts waiting for one of them to end."""

    def __init__(self, lock: threading.Lock) -> None:
        self.in_flight = 0
        self.waiting = 0
        self.freed = threading.Condition(lock)


class Gate:
    """Counts the checkouts in flight per item; a checkout enters once every one of its items has room. A
    checkout that ends wakes one waiter of each of its items (not every waiter of every item: with dozens
    waiting, waking them all for one turn costs more than the turn)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._items: dict[str, _Turns] = {}

    def enter(self, items: list[str], *, limit: int, deadline: float, give_up: Callable[[], None]) -> bool:
        """Wait until each item has fewer than `limit` checkouts in flight, then count this one in; False at
        the deadline. `give_up()` is asked on every wake-up and may raise to stop waiting."""
        with self._lock:
            turns = [self._items.setdefault(item, _Turns(self._lock)) for item in items]
            woken_by: _Turns | None = None
            while True:
                full = next((t for t in turns if t.in_flight >= limit), None)
                if full is None:
                    for t in turns:
                        t.in_flight += 1
                    return True
                if woken_by is not None and woken_by is not full:
                    woken_by.freed.notify()  # a turn this one cannot use goes to the next in line
                try:
                    give_up()
                except BaseException:
                    if woken_by is full:
                        full.freed.notify()
                    self._forget(items)
                    raise
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    if woken_by is full:
                        full.freed.notify()
                    self._forget(items)
                    return False
                full.waiting += 1
                try:
                    full.freed.wait(remaining)
                finally:
                    full.waiting -= 1
                woken_by = full

    def leave(self, items: list[str]) -> None:
        with self._lock:
            for item in items:
                turns = self._items[item]
                turns.in_flight -= 1
                turns.freed.notify()
            self._forget(items)

    def _forget(self, items: list[str]) -> None:
        for item in items:
            turns = self._items.get(item)
            if turns is not None and not turns.in_flight and not turns.waiting:
                del self._items[item]

    def in_flight(self, item: str) -> int:
        with self._lock:
            turns = self._items.get(item)
            return turns.in_flight if turns is not None else 0


GATE = Gate()


def refuse_sold_out(quantities: Mapping[str, int]) -> None:
    """Raise OutOfStock for the first item known sold out in this process (no database read)."""
    gone = stock.known_sold_out(quantities)
    if gone is not None:
        raise OutOfStock(gone, 0, quantities[gone])


@contextlib.contextmanager
def admitted(
    quantities: Mapping[str, int], *, settings: Settings, units_left: Callable[[], Mapping[str, int]]
) -> Iterator[None]:
    """Run the block as one of the checkouts in flight of these items, after a wait of at most
    `checkout_queue_s`; raises OutOfStock when an item sold out meanwhile, CheckoutBusy when no turn came
    (unless `units_left()`, read then, says an item has too few: a buyer who waited is told the truth)."""
    items = sorted(quantities)
    limit = settings.checkout_concurrency
    if not items or limit <= 0:
        yield
        return

    def give_up() -> None:
        refuse_sold_out(quantities)

    deadline = time.monotonic() + settings.checkout_queue_s
    if not GATE.enter(items, limit=limit, deadline=deadline, give_up=give_up):
        give_up()
        left = units_left()
        for item in items:
            if left.get(item, 0) < quantities[item]:
                if not left.get(item, 0):
                    stock.remember_sold_out(item, for_s=settings.sold_out_memory_s)
                raise OutOfStock(item, left.get(item, 0), quantities[item])
        raise CheckoutBusy(retry_after_s=settings.checkout_retry_after_s)
    try:
        yield
    finally:
        GATE.leave(items)


def quantities_of(items: Iterable[tuple[str, int]]) -> dict[str, int]:
    merged: dict[str, int] = {}
    for variant_id, quantity in items:
        merged[variant_id] = merged.get(variant_id, 0) + quantity
    return merged
