"""Admission of checkouts: beyond what an item takes at once, a buyer is told 429 checkout_busy with a
Retry-After (nothing kept, the same key works later), a cart checkout too, for any of its items; an item
that sold out is answered 409 from memory, without a statement to any database, until it is restocked."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, event, select

from clipshop.config import Settings
from clipshop.kit.everywhere import everywhere
from clipshop.kit.idempotency import IdempotencyKey
from clipshop.platform import Platform
from clipshop.shop.checkout import admission
from support import ADDRESS, CARD_OK, Member, a_product, buy, open_shop


@pytest.fixture
def settings(settings: Settings) -> Settings:
    """One checkout of an item at a time, and a short queue, so one checkout held open fills the item."""
    return settings.with_overrides(checkout_concurrency=1, checkout_queue_s=0.05, checkout_retry_after_s=2)


@pytest.fixture
def statements(platform: Platform) -> Iterator[list[str]]:
    """Every statement any database of the platform is sent while the test runs."""
    sent: list[str] = []
    engines: list[Engine] = [platform.databases.directory_engine, *platform.databases.region_engines.values()]

    def count(_conn: Any, _cursor: Any, statement: str, *_: Any) -> None:
        sent.append(statement)

    for engine in engines:
        event.listen(engine, "before_cursor_execute", count)
    yield sent
    for engine in engines:
        event.remove(engine, "before_cursor_execute", count)


def test_a_checkout_beyond_the_items_capacity_is_told_busy_and_the_same_key_buys_later(
    client: TestClient, platform: Platform, sign_up: Any
) -> None:
    merchant: Member = sign_up("merchant", "US")
    buyer: Member = sign_up("buyer", "DE")
    variant_id = a_product(client, merchant, open_shop(client, merchant, "busy"), stock=5)["variants"][0][
        "id"
    ]
    in_flight = [variant_id]
    # Another checkout of the item is under way in this process.
    assert admission.GATE.enter(in_flight, limit=1, deadline=time.monotonic() + 1, give_up=lambda: None)
    try:
        refused = buy(client, buyer, variant_id, key="busy-1")
    finally:
        admission.GATE.leave(in_flight)

    assert refused.status_code == 429
    assert refused.headers["Retry-After"] == "2"
    assert refused.json() == {
        "type": "https://clipshop.dev/problems/checkout_busy",
        "title": "Too busy",
        "status": 429,
        "code": "checkout_busy",
        "detail": "So many people are buying this item right now that your checkout could not start. Nothing "
        "was charged: try again in 2 s with the same Idempotency-Key.",
        "instance": "/api/v1/checkout",
        "retry_after_s": 2,
    }
    with everywhere(platform.databases).transaction() as uow:
        assert uow.region("eu").scalars(select(IdempotencyKey)).all() == []  # nothing kept under the key

    again = buy(client, buyer, variant_id, key="busy-1")
    assert again.status_code == 201, again.text
    assert again.json()["orders"][0]["lines"][0]["variant_id"] == variant_id
    assert admission.GATE.in_flight(variant_id) == 0


def test_a_sold_out_item_is_answered_from_memory_until_it_is_restocked(
    client: TestClient, platform: Platform, sign_up: Any, statements: list[str]
) -> None:
    merchant: Member = sign_up("merchant", "US")
    first: Member = sign_up("first", "US")
    late: Member = sign_up("late", "DE")
    variant_id = a_product(client, merchant, open_shop(client, merchant, "gone"), stock=1)["variants"][0][
        "id"
    ]
    assert buy(client, first, variant_id, key="gone-1").status_code == 201
    told = buy(client, late, variant_id, key="gone-2")  # learnt from the database, and remembered
    assert (told.status_code, told.json()["code"], told.json()["available"]) == (409, "out_of_stock", 0)

    statements.clear()
    again = buy(client, late, variant_id, key="gone-3")
    assert again.status_code == 409
    assert again.json() == {
        "type": "https://clipshop.dev/problems/out_of_stock",
        "title": "Conflict",
        "status": 409,
        "code": "out_of_stock",
        "detail": "This item just sold out.",
        "instance": "/api/v1/checkout",
        "variant_id": variant_id,
        "available": 0,
    }
    # The session check of the request itself reads the buyer's account; the checkout reads nothing else.
    assert [s for s in statements if "variants" in s or "idempotency_keys" in s or "orders" in s] == []

    restocked = client.patch(f"/api/v1/variants/{variant_id}", headers=merchant.auth, json={"stock_delta": 2})
    assert restocked.status_code == 200, restocked.text
    bought = buy(client, late, variant_id, key="gone-4")
    assert bought.status_code == 201, bought.text


def test_a_cart_checkout_waits_for_a_turn_of_each_of_its_items(
    client: TestClient, platform: Platform, sign_up: Any
) -> None:
    merchant: Member = sign_up("merchant", "US")
    buyer: Member = sign_up("buyer", "DE")
    variants = a_product(client, merchant, open_shop(client, merchant, "carts"), skus=("CAP-S", "CAP-L"))[
        "variants"
    ]
    small, large = (v["id"] for v in variants)
    for variant_id in (small, large):
        added = client.post("/api/v1/cart/items", headers=buyer.auth, json={"variant_id": variant_id})
        assert added.status_code == 200, added.text
    body = {"address": ADDRESS, "payment_method": CARD_OK}
    # Another checkout of one of the cart's items is under way in this process.
    assert admission.GATE.enter([large], limit=1, deadline=time.monotonic() + 1, give_up=lambda: None)
    try:
        refused = client.post(
            "/api/v1/checkout", headers={**buyer.auth, "Idempotency-Key": "cart-1"}, json=body
        )
        assert admission.GATE.in_flight(small) == 0  # the other item's turn was not kept while it waited
    finally:
        admission.GATE.leave([large])

    assert refused.status_code == 429, refused.text
    assert refused.json()["code"] == "checkout_busy" and refused.headers["Retry-After"] == "2"
    with everywhere(platform.databases).transaction() as uow:
        assert uow.region("eu").scalars(select(IdempotencyKey)).all() == []
    again = client.post("/api/v1/checkout", headers={**buyer.auth, "Idempotency-Key": "cart-1"}, json=body)
    assert again.status_code == 201, again.text
    assert sorted(line["variant_id"] for line in again.json()["orders"][0]["lines"]) == sorted([small, large])
    assert (admission.GATE.in_flight(small), admission.GATE.in_flight(large)) == (0, 0)


def test_checkouts_sharing_items_in_any_order_never_wait_for_each_other_forever() -> None:
    """Each checkout takes every turn it needs at once or none: two carts holding the same two items in
    opposite orders, one turn per item, both get through again and again (taken one by one, each would
    hold one item and wait for the other's until the deadline)."""
    gate = admission.Gate()
    admitted: list[bool] = []

    def checkouts(items: list[str]) -> None:
        for _ in range(200):
            entered = gate.enter(items, limit=1, deadline=time.monotonic() + 5, give_up=lambda: None)
            admitted.append(entered)
            if entered:
                gate.leave(items)

    threads = [threading.Thread(target=checkouts, args=(items,)) for items in (["x", "y"], ["y", "x"])]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert admitted == [True] * 400
    assert (gate.in_flight("x"), gate.in_flight("y")) == (0, 0)


def test_a_turn_lasts_while_the_stock_is_taken_and_the_orders_written_not_while_the_card_is_charged(
    client: TestClient, platform: Platform, sign_up: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    merchant: Member = sign_up("merchant", "US")
    buyer: Member = sign_up("buyer", "US")
    variant_id = a_product(client, merchant, open_shop(client, merchant, "turns"))["variants"][0]["id"]
    seen: dict[str, int] = {}
    hit = platform.faults.hit

    def count_turns(point: str) -> None:
        seen[point] = admission.GATE.in_flight(variant_id)
        hit(point)

    monkeypatch.setattr(platform.faults, "hit", count_turns)
    bought = buy(client, buyer, variant_id, key="turns-1")
    assert bought.status_code == 201, bought.text
    assert (seen["after_stock_taken"], seen["before_payment_call"], seen["after_payment_call"]) == (1, 0, 0)
