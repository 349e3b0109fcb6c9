"""Payments through the sandbox processor: test cards, authentication, and webhooks that arrive late, more
than once and out of order yet change each payment once."""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import select

from clipshop.kit.everywhere import everywhere
from clipshop.payments.sandbox import SIGNATURE_HEADER, SandboxProvider, sign
from clipshop.platform import Platform
from clipshop.shop.catalog.models import Variant
from clipshop.shop.ledger import postings as ledger
from clipshop.shop.ledger.models import LedgerTransaction
from clipshop.shop.orders.models import OrderEvent, PaymentEvent
from doubles import FrozenClock
from support import ADDRESS, CARD_OK, Member, a_product, buy, open_shop


def setup_shop(client: TestClient, sign_up: Any, stock: int = 5) -> tuple[Member, Member, str, str]:
    merchant: Member = sign_up("merchant", "US")
    buyer: Member = sign_up("buyer", "US")
    shop_id = open_shop(client, merchant, "cards")
    variant_id = a_product(client, merchant, shop_id, stock=stock)["variants"][0]["id"]
    return merchant, buyer, shop_id, variant_id


def stock_of(platform: Platform, variant_id: str) -> int:
    with everywhere(platform.databases).transaction() as uow:
        return uow.region("us").get_one(Variant, variant_id).stock


def test_webhooks_three_times_late_and_out_of_order_change_the_payment_once(
    client: TestClient, platform: Platform, clock: FrozenClock, sign_up: Any
) -> None:
    _, buyer, _, variant_id = setup_shop(client, sign_up)
    body = buy(client, buyer, variant_id, key="w-1").json()
    order_id = body["orders"][0]["id"]
    provider = platform.payments
    assert isinstance(provider, SandboxProvider)
    events = provider.pending_events()
    assert [e.type for e in events] == ["payment_intent.processing", "payment_intent.succeeded"]

    clock.advance(hours=6)  # late: long after the payment, but each delivery is signed when sent
    deliveries = [events[1], events[0]] * 3
    answers = []
    for event in deliveries:
        payload, signature = provider.signed(event)
        r = client.post(
            "/api/v1/payments/webhooks/sandbox",
            content=payload,
            headers={SIGNATURE_HEADER: signature, "Content-Type": "application/json"},
        )
        assert r.status_code == 200, r.text
        answers.append(r.json()["applied"])
    assert answers == [True, False, False, False, False, False]

    order = client.get(f"/api/v1/orders/{order_id}", headers=buyer.auth).json()
    assert order["status"] == "paid"
    assert [e["kind"] for e in order["timeline"]] == ["placed", "paid"]
    with everywhere(platform.databases).transaction() as uow:
        db = uow.region("us")
        recorded = {e.type: e.applied for e in db.scalars(select(PaymentEvent))}
        assert recorded == {"payment_intent.succeeded": True, "payment_intent.processing": False}
        captures = db.scalars(select(LedgerTransaction).where(LedgerTransaction.kind == "capture")).all()
        assert [c.reference for c in captures] == [order_id]
        assert (
            db.scalars(select(OrderEvent.kind).where(OrderEvent.order_id == order_id)).all().count("paid")
            == 1
        )


def test_webhooks_with_a_bad_or_stale_signature_are_refused(
    client: TestClient, platform: Platform, clock: FrozenClock, sign_up: Any
) -> None:
    _, buyer, _, variant_id = setup_shop(client, sign_up)
    buy(client, buyer, variant_id, key="w-2")
    provider = platform.payments
    assert isinstance(provider, SandboxProvider)
    event = provider.pending_events()[1]
    payload, signature = provider.signed(event)
    forged = json.loads(payload)
    forged["data"]["amount"] = 1
    r = client.post(
        "/api/v1/payments/webhooks/sandbox",
        content=json.dumps(forged).encode(),
        headers={SIGNATURE_HEADER: signature},
    )
    assert r.status_code == 400 and r.json()["code"] == "invalid_webhook"
    stale = sign(payload, secret=platform.settings.webhook_secret(), at=clock.now() - timedelta(minutes=10))
    r = client.post("/api/v1/payments/webhooks/sandbox", content=payload, headers={SIGNATURE_HEADER: stale})
    assert r.status_code == 400 and "too old" in r.json()["detail"]
    r = client.post(
        "/api/v1/payments/webhooks/sandbox", content=payload, headers={SIGNATURE_HEADER: "t=1,v1=00"}
    )
    assert r.status_code == 400


def test_declined_and_insufficient_funds_cards_cancel_the_orders_and_return_the_stock(
    client: TestClient, platform: Platform, sign_up: Any
) -> None:
    _, buyer, _, variant_id = setup_shop(client, sign_up, stock=2)
    for key, card, code in [
        ("d-1", "4000 0000 0000 0002", "card_declined"),
        ("d-2", "4000000000009995", "insufficient_funds"),
        ("d-3", "4242 4242 4242 4241", "invalid_number"),
    ]:
        r = buy(client, buyer, variant_id, key=key, card=card)
        assert r.status_code == 402, r.text
        problem = r.json()
        assert problem["code"] == code
        assert problem["checkout"]["orders"][0]["status"] == "cancelled"
        again = buy(client, buyer, variant_id, key=key, card=card)
        assert again.status_code == 402 and again.json() == problem  # the stored answer, not a second try
    assert stock_of(platform, variant_id) == 2
    platform.jobs.drain()
    with everywhere(platform.databases).transaction() as uow:
        assert ledger.balances(uow.region("us")) == {}


def test_authentication_required_waits_for_the_bank_then_pays(
    client: TestClient, platform: Platform, sign_up: Any
) -> None:
    _, buyer, _, variant_id = setup_shop(client, sign_up)
    r = buy(client, buyer, variant_id, key="3ds", card="4000 0025 0000 3155")
    assert r.status_code == 201, r.text
    payment = r.json()["payment"]
    assert payment["status"] == "requires_action"
    ref = payment["next_action_url"].split("/")[-2]
    platform.jobs.drain()
    order_id = r.json()["orders"][0]["id"]
    assert client.get(f"/api/v1/orders/{order_id}", headers=buyer.auth).json()["status"] == "pending_payment"
    approved = client.post(f"/api/v1/sandbox/payments/{ref}/authenticate", json={"approve": True})
    assert approved.json() == {"status": "succeeded"}
    platform.jobs.drain()
    assert client.get(f"/api/v1/orders/{order_id}", headers=buyer.auth).json()["status"] == "paid"


def test_refused_authentication_and_unpaid_orders_expire_and_give_stock_back(
    client: TestClient, platform: Platform, clock: FrozenClock, sign_up: Any
) -> None:
    from clipshop.shop.upkeep import housekeeping

    _, buyer, _, variant_id = setup_shop(client, sign_up, stock=3)
    refused = buy(client, buyer, variant_id, key="no", card="4000002500003155").json()
    ref = refused["payment"]["next_action_url"].split("/")[-2]
    client.post(f"/api/v1/sandbox/payments/{ref}/authenticate", json={"approve": False})
    platform.jobs.drain()
    order = client.get(f"/api/v1/orders/{refused['orders'][0]['id']}", headers=buyer.auth).json()
    assert order["status"] == "cancelled" and order["timeline"][-1]["detail"] == "payment failed"

    abandoned = buy(client, buyer, variant_id, key="later", card="4000002500003155", quantity=2).json()
    assert stock_of(platform, variant_id) == 1
    clock.advance(minutes=platform.settings.reservation_minutes + 1)
    assert housekeeping(platform)["expired"] == 1
    order = client.get(f"/api/v1/orders/{abandoned['orders'][0]['id']}", headers=buyer.auth).json()
    assert order["status"] == "cancelled"
    assert stock_of(platform, variant_id) == 3
    ref = abandoned["payment"]["next_action_url"].split("/")[-2]
    late = client.post(f"/api/v1/sandbox/payments/{ref}/authenticate", json={"approve": True})
    assert late.json() == {"status": "cancelled"}  # the processor no longer takes it


def test_a_declined_cart_checkout_keeps_the_cart_and_a_paid_one_empties_it(
    client: TestClient, platform: Platform, sign_up: Any
) -> None:
    _, buyer, _, variant_id = setup_shop(client, sign_up)
    client.post("/api/v1/cart/items", headers=buyer.auth, json={"variant_id": variant_id, "quantity": 2})
    body = {"address": {**ADDRESS, "line2": "Flat 2"}, "payment_method": "4000000000000002"}
    declined = client.post("/api/v1/checkout", headers={**buyer.auth, "Idempotency-Key": "c-1"}, json=body)
    assert declined.status_code == 402
    assert [i["quantity"] for i in client.get("/api/v1/cart", headers=buyer.auth).json()["items"]] == [2]
    paid = client.post(
        "/api/v1/checkout",
        headers={**buyer.auth, "Idempotency-Key": "c-2"},
        json={**body, "payment_method": CARD_OK},
    )
    assert paid.status_code == 201, paid.text
    assert [i["quantity"] for i in client.get("/api/v1/cart", headers=buyer.auth).json()["items"]] == [2]
    platform.jobs.drain()  # the payment is confirmed: the bought lines leave the cart
    assert client.get("/api/v1/cart", headers=buyer.auth).json()["items"] == []
    incomplete = client.post(
        "/api/v1/checkout",
        headers={**buyer.auth, "Idempotency-Key": "c-3"},
        json={
            "items": [{"variant_id": variant_id}],
            "payment_method": CARD_OK,
            "address": {**ADDRESS, "line1": " "},
        },
    )
    assert incomplete.status_code == 422 and incomplete.json()["field"] == "address.line1"


def test_units_added_to_the_cart_after_a_cart_checkout_stay_when_its_payment_lands(
    client: TestClient, platform: Platform, sign_up: Any
) -> None:
    _, buyer, _, variant_id = setup_shop(client, sign_up, stock=10)
    cart = "/api/v1/cart/items"
    client.post(cart, headers=buyer.auth, json={"variant_id": variant_id, "quantity": 2})
    body = {"address": ADDRESS, "payment_method": CARD_OK}
    paid = client.post("/api/v1/checkout", headers={**buyer.auth, "Idempotency-Key": "k-1"}, json=body)
    assert paid.status_code == 201, paid.text
    # Before the payment job runs, the buyer puts one more in: the line now holds 3, 2 of them bought.
    again = client.post(cart, headers=buyer.auth, json={"variant_id": variant_id, "quantity": 1})
    assert again.status_code == 200 and [i["quantity"] for i in again.json()["items"]] == [3]
    platform.jobs.drain()
    assert [i["quantity"] for i in client.get("/api/v1/cart", headers=buyer.auth).json()["items"]] == [1]


def test_the_sandbox_bank_page_approves_a_payment(
    client: TestClient, platform: Platform, sign_up: Any
) -> None:
    _, buyer, _, variant_id = setup_shop(client, sign_up)
    placed = buy(client, buyer, variant_id, key="bank", card="4000002500003155").json()
    url = placed["payment"]["next_action_url"]
    page = client.get(url, headers=buyer.auth)
    assert page.status_code == 200 and "Approve" in page.text and "$25.00" in page.text
    answered = client.post(url, data={"approve": "yes"}, follow_redirects=False)
    assert answered.status_code == 303 and answered.headers["location"] == "/orders"
    platform.jobs.drain()
    order = client.get(f"/api/v1/orders/{placed['orders'][0]['id']}", headers=buyer.auth).json()
    assert order["status"] == "paid"
    assert client.get("/sandbox/payments/pi_nothing/authenticate").status_code == 404


def test_a_refund_the_processor_made_but_we_never_recorded_is_booked_from_its_webhook(
    client: TestClient, platform: Platform, sign_up: Any
) -> None:
    from clipshop.kit.ids import new_id
    from clipshop.shop.orders.models import Refund

    _, buyer, _, variant_id = setup_shop(client, sign_up)
    order = buy(client, buyer, variant_id, key="lost-refund").json()["orders"][0]
    platform.jobs.drain()
    provider = platform.payments
    assert isinstance(provider, SandboxProvider)
    intent = provider.charges()[0]
    refund_id = new_id("us")
    # What a refund request does before its commit: the processor refunds, then the process dies.
    provider.refund(
        idempotency_key=refund_id,
        intent_ref=intent.ref,
        amount=700,
        metadata={"refund_id": refund_id, "order_id": order["id"]},
    )
    platform.jobs.drain()  # the processor's charge.refunded webhook arrives
    seen = client.get(f"/api/v1/orders/{order['id']}", headers=buyer.auth).json()
    assert seen["refunded"] == 700
    assert [(e["kind"], e["detail"]) for e in seen["timeline"]][-1] == ("refunded", "$7.00")
    with everywhere(platform.databases).transaction() as uow:
        db = uow.region("us")
        assert [(r.id, r.amount) for r in db.scalars(select(Refund))] == [(refund_id, 700)]
        assert ledger.balance(db, "cash:sandbox", "USD") == 2500 - 700
    events = provider.all_events(intent.ref)
    payload, signature = provider.signed(events[-1])
    again = client.post(
        "/api/v1/payments/webhooks/sandbox", content=payload, headers={SIGNATURE_HEADER: signature}
    )
    assert again.json() == {"received": True, "applied": False}


def test_money_that_arrives_after_the_hold_ran_out_takes_the_stock_again_or_is_refunded(
    client: TestClient, platform: Platform, clock: FrozenClock, sign_up: Any
) -> None:
    from clipshop.shop.orders import housekeeping

    merchant, buyer, _, variant_id = setup_shop(client, sign_up, stock=1)
    first = buy(client, buyer, variant_id, key="slow-1").json()["orders"][0]["id"]
    clock.advance(minutes=platform.settings.reservation_minutes + 6)
    assert (
        housekeeping.release_orphan_holds(platform, region="us") == 1
    )  # the hold ran out, the money had not come
    assert stock_of(platform, variant_id) == 1
    platform.jobs.drain()  # now it comes: the unit is still there, so the order takes it again
    assert client.get(f"/api/v1/orders/{first}", headers=buyer.auth).json()["status"] == "paid"
    assert stock_of(platform, variant_id) == 0

    client.patch(f"/api/v1/variants/{variant_id}", headers=merchant.auth, json={"stock": 1})
    second = buy(client, buyer, variant_id, key="slow-2").json()["orders"][0]["id"]
    clock.advance(minutes=platform.settings.reservation_minutes + 6)
    housekeeping.release_orphan_holds(platform, region="us")
    client.patch(
        f"/api/v1/variants/{variant_id}", headers=merchant.auth, json={"stock_delta": -1}
    )  # sold elsewhere
    platform.jobs.drain()
    late = client.get(f"/api/v1/orders/{second}", headers=buyer.auth).json()
    assert (late["status"], late["refunded"]) == ("cancelled", late["total"])
    assert [e["kind"] for e in late["timeline"]] == ["placed", "paid", "refunded", "cancelled"]
    assert stock_of(platform, variant_id) == 0
