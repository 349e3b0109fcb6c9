"""Checkouts racing each other (really interleaved on PostgreSQL): the last unit is sold once, and one
Idempotency-Key charges once however many copies of the request arrive together."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from clipshop.config import Settings
from clipshop.errors import ClipshopError
from clipshop.kit.everywhere import everywhere
from clipshop.platform import Platform
from clipshop.shop.catalog.models import StockReservation, Variant
from clipshop.shop.checkout.api import place
from clipshop.shop.orders.models import Order, OrderStatus
from support import Member, a_product, actor_of, buy, buy_now, open_shop, quick_members


@pytest.fixture
def settings(settings: Settings) -> Settings:
    """At most 15 connections per database: many checkouts queue for the pool, as they would in production
    (the test databases share one server and its max_connections)."""
    return settings.with_overrides(database_pool_size=5, database_max_overflow=10)


def test_200_concurrent_checkouts_for_the_last_unit_sell_it_once(
    client: TestClient, platform: Platform, sign_up: Any
) -> None:
    merchant: Member = sign_up("merchant", "US")
    shop_id = open_shop(client, merchant, "last-unit")
    variant_id = a_product(client, merchant, shop_id, stock=1)["variants"][0]["id"]
    buyers = quick_members(platform, "us", 100, "us") + quick_members(platform, "eu", 100, "eu")
    start = threading.Barrier(len(buyers))

    def attempt(n: int) -> tuple[int, str]:
        start.wait()
        try:
            response = place(
                platform, actor=actor_of(buyers[n]), request=buy_now(variant_id), key=f"last-{n}"
            )
        except ClipshopError as error:
            return error.status, error.code
        return response.status, str(response.body.get("code", "created"))

    with ThreadPoolExecutor(max_workers=len(buyers)) as pool:
        results = list(pool.map(attempt, range(len(buyers))))

    assert results.count((201, "created")) == 1
    assert results.count((409, "out_of_stock")) == 199
    with everywhere(platform.databases).transaction() as uow:
        assert uow.region("us").get_one(Variant, variant_id).stock == 0
        orders = sum(uow.region(r).scalar(select(func.count()).select_from(Order)) or 0 for r in ("us", "eu"))
        assert orders == 1
        held = uow.region("us").scalars(select(StockReservation)).all()
        assert [(r.variant_id, r.quantity) for r in held] == [(variant_id, 1)]


def test_50_concurrent_requests_with_one_key_make_one_charge_and_the_same_answer(
    client: TestClient, platform: Platform, sign_up: Any
) -> None:
    merchant: Member = sign_up("merchant", "US")
    buyer: Member = sign_up("buyer", "DE")
    shop_id = open_shop(client, merchant, "one-key")
    variant_id = a_product(client, merchant, shop_id, stock=100)["variants"][0]["id"]
    start = threading.Barrier(50)

    def attempt(_: int) -> tuple[int, Any]:
        start.wait()
        r = buy(client, buyer, variant_id, key="same-key-1")
        return r.status_code, r.json()

    with ThreadPoolExecutor(max_workers=50) as pool:
        results = list(pool.map(attempt, range(50)))

    assert {status for status, _ in results} == {201}
    assert all(body == results[0][1] for _, body in results)
    assert len(platform.payments.charges()) == 1  # type: ignore[attr-defined]
    with everywhere(platform.databases).transaction() as uow:
        orders = uow.region("eu").scalars(select(Order)).all()
        assert [(o.id, o.status) for o in orders] == [
            (results[0][1]["orders"][0]["id"], OrderStatus.PENDING_PAYMENT)
        ]
        assert uow.region("us").get_one(Variant, variant_id).stock == 99
