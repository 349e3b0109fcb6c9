"""The ledger under random histories of orders, refunds, cancellations, completions and payouts: every
transaction balances, ledger rows cannot be changed, and every balance equals, to the cent, what an
independent model of the money says it should be."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

import pytest
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select, text
from sqlalchemy.exc import DBAPIError

from clipshop.kit.everywhere import everywhere
from clipshop.platform import Platform
from clipshop.shop.checkout.api import place
from clipshop.shop.ledger import postings as ledger
from clipshop.shop.ledger.models import LedgerEntry
from clipshop.shop.ledger.payouts import pay_out
from clipshop.shop.money import share
from clipshop.shop.orders import lifecycle
from clipshop.shop.orders.models import Order, OrderStatus
from support import Member, a_product, actor_of, buy_now, open_shop, quick_members


@dataclass
class Money:
    """What the money should be, computed from the test's own records, not from the ledger."""

    paid_in: int = 0
    refunded: int = 0
    paid_out: dict[str, int] = field(default_factory=lambda: defaultdict(int))


def owed_to_merchant(order: Order, commission: int) -> int:
    """The merchant's part of an order after its refunds (tax, fee and commission give back their share)."""
    kept_tax = order.tax - share(order.tax, order.refunded, order.total)
    kept_fee = order.platform_fee - share(order.platform_fee, order.refunded, order.total)
    kept_commission = commission - share(commission, order.refunded, order.total)
    return order.total - order.refunded - kept_tax - kept_fee - kept_commission


operations = st.lists(
    st.one_of(
        st.tuples(st.just("buy"), st.integers(0, 2), st.integers(1, 3), st.booleans()),
        st.tuples(st.just("refund"), st.integers(0, 20), st.integers(1, 100)),
        st.tuples(st.just("cancel"), st.integers(0, 20)),
        st.tuples(st.just("complete"), st.integers(0, 20)),
        st.tuples(
            st.just("payout"),
        ),
    ),
    min_size=1,
    max_size=10,
)


@pytest.fixture
def market(client: TestClient, platform: Platform, sign_up: Any) -> dict[str, Any]:
    merchant: Member = sign_up("merchant", "US")
    shop_id = open_shop(client, merchant, "props")
    variants = [
        a_product(
            client,
            merchant,
            shop_id,
            price=price,
            stock=10_000,
            commission_bp=bp,
            skus=(f"P{n}",),
            title=f"Item {n}",
        )["variants"][0]["id"]
        for n, (price, bp) in enumerate([(1999, 0), (333, 1250), (10_001, 700)])
    ]
    buyers = quick_members(platform, "eu", 3, "eub") + quick_members(platform, "us", 2, "usb")
    creator = quick_members(platform, "au", 1, "crt")[0]
    return {
        "shop_id": shop_id,
        "variants": variants,
        "buyers": buyers,
        "creator": creator,
        "orders": [],
        "money": Money(),
        "n": 0,
    }


@settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(ops=operations)
def test_random_histories_keep_the_ledger_balanced_and_exact(
    platform: Platform, market: dict[str, Any], ops: list[tuple[Any, ...]]
) -> None:
    money: Money = market["money"]
    placed: list[tuple[str, str]] = market["orders"]  # (order id, commission creator or "")
    for op in ops:
        market["n"] += 1
        if op[0] == "buy":
            _, which, quantity, attributed = op
            buyer = market["buyers"][market["n"] % len(market["buyers"])]
            if attributed:
                _touch(platform, buyer, market["creator"], market["variants"][which])
            answer = place(
                platform,
                actor=actor_of(buyer),
                request=buy_now(market["variants"][which], quantity=quantity),
                key=f"k{market['n']}",
            )
            assert answer.status == 201, answer.body
            platform.jobs.drain()
            order_id = answer.body["orders"][0]["id"]
            placed.append((order_id, market["creator"].id if attributed else ""))
            money.paid_in += answer.body["total"]
        elif placed and op[0] in ("refund", "cancel", "complete"):
            order_id, _ = placed[op[1] % len(placed)]
            with everywhere(platform.databases).transaction() as uow:
                order = uow.region(order_id[:2]).get_one(Order, order_id)
                left = order.total - order.refunded
                now = platform.clock.now()
                if op[0] == "refund" and left > 0 and order.status is not OrderStatus.CANCELLED:
                    amount = max(1, left * op[2] // 100)
                    lifecycle.refund(platform, uow, order=order, amount=amount, reason="prop", now=now)
                    money.refunded += amount
                elif op[0] == "cancel" and order.status is OrderStatus.PAID:
                    lifecycle.cancel(platform, uow, order=order, reason="prop", now=now)
                    money.refunded += left
                elif op[0] == "complete" and order.status is OrderStatus.PAID:
                    lifecycle.fulfil(uow, order=order, carrier="UPS", tracking_number="1", now=now)
                    lifecycle.deliver(uow, order=order, now=now)
                    lifecycle.complete(uow, order=order, now=now)
        elif op[0] == "payout":
            pay_out(platform)
        check(platform, market)


def _touch(platform: Platform, buyer: Member, creator: Member, variant_id: str) -> None:
    from clipshop.shop.cart.models import AttributionTouch
    from clipshop.shop.catalog.models import PublicVariant

    with everywhere(platform.databases).transaction() as uow:
        product_id = uow.directory.get_one(PublicVariant, variant_id).product_id
        db = uow.region(buyer.region)
        if db.get(AttributionTouch, (buyer.id, product_id)) is None:
            db.add(
                AttributionTouch(
                    user_id=buyer.id,
                    product_id=product_id,
                    creator_id=creator.id,
                    touched_at=platform.clock.now(),
                )
            )


def check(platform: Platform, market: dict[str, Any]) -> None:
    money: Money = market["money"]
    cash = tax = fees = merchant = creator = 0
    payouts: dict[str, int] = defaultdict(int)
    expected_tax = expected_fee = expected_merchant = expected_creator = 0
    with everywhere(platform.databases).transaction() as uow:
        for region in uow.databases.regions:
            db = uow.region(region)
            unbalanced = db.execute(
                select(LedgerEntry.transaction_id)
                .group_by(LedgerEntry.transaction_id)
                .having(func.sum(LedgerEntry.amount) != 0)
            ).all()
            assert unbalanced == []
            for (account, _), amount in ledger.balances(db).items():
                kind = account.split(":")[0]
                cash += amount if kind == "cash" else 0
                tax += -amount if kind == "tax" else 0
                fees += -amount if kind == "fees" else 0
                merchant += -amount if kind == "merchant" else 0
                creator += -amount if kind == "creator" else 0
            for payout_account, amount in db.execute(
                text("SELECT account, amount FROM payouts WHERE status='paid'")
            ):
                payouts[payout_account.split(":")[0]] += amount
            for order in db.scalars(select(Order).where(Order.status != OrderStatus.PENDING_PAYMENT)):
                commission = order.commission
                expected_tax += order.tax - share(order.tax, order.refunded, order.total)
                expected_fee += order.platform_fee - share(order.platform_fee, order.refunded, order.total)
                expected_creator += commission - share(commission, order.refunded, order.total)
                expected_merchant += owed_to_merchant(order, commission)
    paid_out = sum(payouts.values())
    assert cash == money.paid_in - money.refunded - paid_out
    assert tax == expected_tax
    assert fees == expected_fee
    assert merchant + payouts["merchant"] == expected_merchant
    assert creator + payouts["creator"] == expected_creator


def test_ledger_rows_cannot_be_updated_or_deleted(
    client: TestClient, platform: Platform, sign_up: Any
) -> None:
    merchant: Member = sign_up("merchant", "US")
    shop_id = open_shop(client, merchant, "append")
    variant_id = a_product(client, merchant, shop_id)["variants"][0]["id"]
    buyer = quick_members(platform, "us", 1)[0]
    place(platform, actor=actor_of(buyer), request=buy_now(variant_id), key="a")
    platform.jobs.drain()
    for statement in (
        "UPDATE ledger_entries SET amount = amount + 1",
        "DELETE FROM ledger_entries",
        "UPDATE ledger_transactions SET memo = 'x'",
        "DELETE FROM ledger_transactions",
    ):
        with (
            pytest.raises(DBAPIError, match="append-only"),
            everywhere(platform.databases).transaction() as uow,
        ):
            uow.region("us").execute(text(statement))
    with everywhere(platform.databases).transaction() as uow:
        assert (
            uow.region("us").scalar(select(func.count()).select_from(LedgerEntry)) == 3
        )  # cash, fee, merchant (US tax is 0)
