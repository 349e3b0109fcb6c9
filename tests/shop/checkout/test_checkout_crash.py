"""A checkout process killed (SIGKILL) just before or just after the card is charged: after recovery there is
no charge without an order and no order without a charge, and a retry of the request finishes the job."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from clipshop.kit.everywhere import everywhere
from clipshop.payments.sandbox import SandboxProvider
from clipshop.platform import Platform
from clipshop.shop.catalog.models import Variant
from clipshop.shop.orders.housekeeping import INTERRUPTED_AFTER, recover_payments
from clipshop.shop.orders.models import Order, OrderStatus, Payment, PaymentStatus
from clipshop.shop.upkeep import housekeeping
from doubles import FrozenClock
from support import Member, a_product, buy, open_shop

CHILD = """
import os, sys
from datetime import datetime
from clipshop.kit.actors import Actor
from clipshop.config import Settings
from clipshop.jobs.queue import JobQueue
from clipshop.assembly import build_platform
from clipshop.shop.checkout.api import place

sys.path.insert(0, os.environ["TESTS_DIR"])
from doubles import FrozenClock
from support import buy_now  # the same request the test client sends on retry

settings = Settings.model_validate_json(os.environ["CHECKOUT_SETTINGS"])
jobs = JobQueue.from_settings(backend="memory", sqlite_path=settings.jobs_sqlite_path(),
                              redis_url=settings.redis_url, name="crash")
clock = FrozenClock(datetime.fromisoformat(os.environ["CHECKOUT_NOW"]))
platform = build_platform(settings, clock=clock, jobs=jobs)
actor = Actor(id=os.environ["BUYER_ID"], region=os.environ["BUYER_REGION"], handle="buyer")
place(platform, actor=actor, request=buy_now(os.environ["VARIANT_ID"]), key=os.environ["KEY"])
print("not killed")
"""


def run_killed_checkout(platform: Platform, buyer: Member, variant_id: str, *, point: str, key: str) -> None:
    settings = platform.settings.with_overrides(fault_points=[point])
    env = {
        **os.environ,
        "CHECKOUT_SETTINGS": settings.model_dump_json(),
        "CHECKOUT_NOW": platform.clock.now().isoformat(),
        "BUYER_ID": buyer.id,
        "BUYER_REGION": buyer.region,
        "VARIANT_ID": variant_id,
        "KEY": key,
        "TESTS_DIR": str(Path(__file__).parent.parent.parent),
    }
    done = subprocess.run([sys.executable, "-c", CHILD], env=env, capture_output=True, text=True, timeout=120)
    assert done.returncode == -signal.SIGKILL, done.stdout + done.stderr


def charges_and_orders(platform: Platform) -> tuple[set[str], dict[str, OrderStatus]]:
    """Succeeded charges at the processor (net of full refunds), and what our side says about each payment."""
    provider = platform.payments
    assert isinstance(provider, SandboxProvider)
    kept = {c.ref for c in provider.charges() if c.status == "succeeded" and c.refunded < c.amount}
    seen: dict[str, OrderStatus] = {}
    with everywhere(platform.databases).transaction() as uow:
        for region in uow.databases.regions:
            db = uow.region(region)
            for payment in db.scalars(select(Payment)):
                statuses = {
                    o.status
                    for o in db.scalars(select(Order).where(Order.checkout_id == payment.checkout_id))
                }
                assert len(statuses) == 1
                seen[payment.provider_ref or payment.id] = statuses.pop()
    return kept, seen


@pytest.mark.slow
def test_killed_after_the_charge_recovers_into_a_paid_order(
    client: TestClient, platform: Platform, clock: FrozenClock, sign_up: Any
) -> None:
    merchant: Member = sign_up("merchant", "US")
    buyer: Member = sign_up("buyer", "DE")
    variant_id = a_product(client, merchant, open_shop(client, merchant, "crash"), stock=5)["variants"][0][
        "id"
    ]
    run_killed_checkout(platform, buyer, variant_id, point="after_payment_call", key="crash-1")

    kept, seen = charges_and_orders(platform)
    assert len(kept) == 1 and list(seen.values()) == [
        OrderStatus.PENDING_PAYMENT
    ]  # charged, not yet recorded
    clock.advance(minutes=3)
    assert recover_payments(platform, region="eu", older_than=INTERRUPTED_AFTER) == 1  # the reconciler
    kept, seen = charges_and_orders(platform)
    assert seen == {next(iter(kept)): OrderStatus.PAID}
    assert housekeeping(platform)["delivered_events"] == 2  # the webhooks come too, and change nothing
    assert charges_and_orders(platform) == (kept, seen)

    retry = buy(client, buyer, variant_id, key="crash-1")  # the client retries once its lease is over
    assert retry.status_code == 201, retry.text
    assert retry.json()["orders"][0]["status"] == "paid"
    assert len(platform.payments.charges()) == 1  # type: ignore[attr-defined]


@pytest.mark.slow
def test_killed_before_the_charge_recovers_into_a_cancelled_order_with_stock_back(
    client: TestClient, platform: Platform, clock: FrozenClock, sign_up: Any
) -> None:
    merchant: Member = sign_up("merchant", "US")
    buyer: Member = sign_up("buyer", "US")
    variant_id = a_product(client, merchant, open_shop(client, merchant, "crash"), stock=5)["variants"][0][
        "id"
    ]
    run_killed_checkout(platform, buyer, variant_id, point="before_payment_call", key="crash-2")

    kept, seen = charges_and_orders(platform)
    assert kept == set() and list(seen.values()) == [OrderStatus.PENDING_PAYMENT]
    clock.advance(minutes=1)
    assert housekeeping(platform)["recovered"] == 0  # not yet: the checkout might still be running
    clock.advance(minutes=2)
    assert housekeeping(platform)["recovered"] == 1
    kept, seen = charges_and_orders(platform)
    assert kept == set() and list(seen.values()) == [OrderStatus.CANCELLED]
    with everywhere(platform.databases).transaction() as uow:
        assert uow.region("us").get_one(Variant, variant_id).stock == 5
        payment = uow.region("us").scalars(select(Payment)).one()
        assert (payment.status, payment.failure_code) == (PaymentStatus.CANCELLED, "abandoned")


@pytest.mark.slow
def test_killed_between_the_stock_and_the_orders_leaves_a_hold_the_housekeeping_gives_back(
    client: TestClient, platform: Platform, clock: FrozenClock, sign_up: Any
) -> None:
    merchant: Member = sign_up("merchant", "US")
    buyer: Member = sign_up("buyer", "DE")  # the stock is taken in the shop's region, the orders at home
    variant_id = a_product(client, merchant, open_shop(client, merchant, "crash"), stock=5)["variants"][0][
        "id"
    ]
    run_killed_checkout(platform, buyer, variant_id, point="after_stock_taken", key="crash-3")

    assert charges_and_orders(platform) == (set(), {})  # no order, no payment, no charge
    with everywhere(platform.databases).transaction() as uow:
        assert uow.region("us").get_one(Variant, variant_id).stock == 4  # held for an order never written
    retry = buy(client, buyer, variant_id, key="crash-3")  # the key was never claimed: a checkout anew
    assert retry.status_code == 201, retry.text
    platform.jobs.drain()  # its payment goes through
    clock.advance(minutes=platform.settings.reservation_minutes + 6)
    assert housekeeping(platform)["released"] == 1  # the orphan hold, once it expired
    with everywhere(platform.databases).transaction() as uow:
        assert uow.region("us").get_one(Variant, variant_id).stock == 4  # 5, less the one paid for
    kept, seen = charges_and_orders(platform)
    assert len(kept) == 1 and list(seen.values()) == [OrderStatus.PAID]
