"""Orders after checkout, over the API: prices exactly as quoted, one order per shop, cancellation, partial
refunds, returns, reviews, and commission reversed by refunds."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient

from clipshop.kit.everywhere import everywhere
from clipshop.platform import Platform
from clipshop.shop.ledger import postings as ledger
from support import (
    ADDRESS,
    CARD_OK,
    Member,
    a_product,
    a_region_video,
    buy,
    open_shop,
    shipped_and_delivered,
)


def test_a_cart_across_two_shops_splits_into_two_orders_priced_exactly(
    client: TestClient, platform: Platform, sign_up: Any
) -> None:
    one: Member = sign_up("one", "US")
    two: Member = sign_up("two", "AU")
    buyer: Member = sign_up("buyer", "FR")
    shop_one, shop_two = open_shop(client, one, "shop-one"), open_shop(client, two, "shop-two")
    mug = a_product(client, one, shop_one, price=1850, skus=("MUG",))["variants"][0]["id"]
    tote = a_product(client, two, shop_two, price=1200, skus=("TOTE",))["variants"][0]["id"]
    express = client.post(
        f"/api/v1/shops/{shop_two}/shipping-options",
        headers=two.auth,
        json={"name": "Express", "price": 990, "min_days": 1, "max_days": 2},
    ).json()
    code = client.post(
        f"/api/v1/shops/{shop_one}/discounts",
        headers=one.auth,
        json={"code": "SPRING10", "percent_bp": 1000, "max_uses": 1},
    )
    assert code.status_code == 201, code.text
    for variant, quantity in [(mug, 2), (tote, 1), (mug, 1)]:
        assert (
            client.post(
                "/api/v1/cart/items", headers=buyer.auth, json={"variant_id": variant, "quantity": quantity}
            ).status_code
            == 200
        )
    cart = client.get("/api/v1/cart", headers=buyer.auth).json()
    assert sorted((i["variant_id"], i["quantity"]) for i in cart["items"]) == sorted([(mug, 3), (tote, 1)])
    body = {
        "address": ADDRESS,
        "payment_method": CARD_OK,
        "shipping": {shop_two: express["id"]},
        "discount_codes": ["spring10"],
    }
    quote = client.post("/api/v1/checkout/quote", headers=buyer.auth, json=body).json()
    # Shop one: 3 x 18.50 = 55.50, 10% off = 5.55, free shipping, 20% EU tax on 49.95 = 9.99 -> 59.94.
    # Shop two: 12.00 + 9.90 express, 20% tax on 21.90 = 4.38 -> 26.28.
    assert {
        s["shop_id"]: (s["subtotal"], s["discount"], s["shipping"], s["tax"], s["total"])
        for s in quote["shops"]
    } == {
        shop_one: (5550, 555, 0, 999, 5994),
        shop_two: (1200, 0, 990, 438, 2628),
    }
    r = client.post("/api/v1/checkout", headers={**buyer.auth, "Idempotency-Key": "cart-1"}, json=body)
    assert r.status_code == 201, r.text
    placed = r.json()
    assert placed["total"] == quote["total"] == 8622
    assert sorted((o["shop_id"], o["total"]) for o in placed["orders"]) == sorted(
        [(shop_one, 5994), (shop_two, 2628)]
    )
    platform.jobs.drain()  # the payment is confirmed by webhook: the cart is checked out
    assert client.get("/api/v1/cart", headers=buyer.auth).json()["items"] == []
    used_up = client.post(
        "/api/v1/checkout/quote", headers=buyer.auth, json={**body, "items": [{"variant_id": mug}]}
    )
    assert used_up.status_code == 422 and used_up.json()["code"] == "invalid_discount_code"
    with everywhere(platform.databases).transaction() as uow:
        sums = ledger.balances(uow.region("eu"))
    assert sums[("cash:sandbox", "USD")] == 8622
    assert sums[("tax:eu", "USD")] == -(999 + 438)
    assert sums[("fees:platform", "USD")] == -(4995 * 500 // 10000 + 1200 * 500 // 10000)


def test_mixed_currencies_and_missing_address_are_refused_clearly(client: TestClient, sign_up: Any) -> None:
    one: Member = sign_up("one", "US")
    two: Member = sign_up("two", "DE")
    buyer: Member = sign_up("buyer", "US")
    usd = a_product(client, one, open_shop(client, one, "usd-shop"), skus=("U",))["variants"][0]["id"]
    eur = a_product(client, two, open_shop(client, two, "eur-shop", "EUR"), skus=("E",))["variants"][0]["id"]
    r = client.post(
        "/api/v1/checkout/quote",
        headers=buyer.auth,
        json={
            "items": [{"variant_id": usd}, {"variant_id": eur}],
            "payment_method": CARD_OK,
            "address": ADDRESS,
        },
    )
    assert r.status_code == 422 and r.json()["code"] == "mixed_currencies"
    r = client.post(
        "/api/v1/checkout",
        headers={**buyer.auth, "Idempotency-Key": "x"},
        json={"items": [{"variant_id": usd}], "payment_method": CARD_OK},
    )
    assert r.status_code == 422 and r.json()["code"] == "address_required"
    r = client.post(
        "/api/v1/checkout",
        headers=buyer.auth,
        json={"items": [{"variant_id": usd}], "payment_method": CARD_OK, "address": ADDRESS},
    )
    assert r.status_code == 422 and r.json()["code"] == "idempotency_key_required"
    first = buy(client, buyer, usd, key="same")
    other = buy(client, buyer, usd, key="same", quantity=2)
    assert first.status_code == 201 and other.status_code == 422
    assert other.json()["code"] == "idempotency_key_reused"


def test_cancelling_a_paid_order_refunds_it_and_returns_the_stock(
    client: TestClient, platform: Platform, sign_up: Any
) -> None:
    merchant: Member = sign_up("merchant", "US")
    buyer: Member = sign_up("buyer", "US")
    shop_id = open_shop(client, merchant, "cancel-shop")
    product = a_product(client, merchant, shop_id, price=1000, stock=5)
    order_id = buy(client, buyer, product["variants"][0]["id"], key="c1", quantity=2).json()["orders"][0][
        "id"
    ]
    platform.jobs.drain()
    r = client.post(
        f"/api/v1/orders/{order_id}/cancel", headers=buyer.auth, json={"reason": "changed my mind"}
    )
    assert r.status_code == 200, r.text
    order = r.json()
    assert (order["status"], order["refunded"]) == ("cancelled", 2000)
    assert [e["kind"] for e in order["timeline"]] == ["placed", "paid", "refunded", "cancelled"]
    platform.jobs.drain()
    assert client.get(f"/api/v1/products/{product['id']}").json()["variants"][0]["available"] == 5
    again = client.post(f"/api/v1/orders/{order_id}/cancel", headers=buyer.auth, json={})
    assert again.status_code == 409 and again.json()["code"] == "invalid_order_state"
    with everywhere(platform.databases).transaction() as uow:
        assert {k: v for k, v in ledger.balances(uow.region("us")).items() if v} == {}


def test_partial_refund_return_and_review_with_commission_reversed(
    client: TestClient, platform: Platform, sign_up: Any
) -> None:
    merchant: Member = sign_up("merchant", "US")
    creator: Member = sign_up("creator", "AU")
    buyer: Member = sign_up("buyer", "US")
    shop_id = open_shop(client, merchant, "returns")
    product = a_product(client, merchant, shop_id, price=4000, commission_bp=1000)
    video_id = a_region_video(platform, creator)
    client.put(
        f"/api/v1/videos/{video_id}/products",
        headers=creator.auth,
        json={"products": [{"product_id": product["id"]}]},
    )
    client.post(f"/api/v1/products/{product['id']}/open", headers=buyer.auth, json={"video_id": video_id})
    order_id = buy(client, buyer, product["variants"][0]["id"], key="r1").json()["orders"][0]["id"]
    platform.jobs.drain()

    refund = client.post(
        f"/api/v1/shops/{shop_id}/orders/{order_id}/refunds",
        headers={**merchant.auth, "Idempotency-Key": "ref-1"},
        json={"amount": 1000, "reason": "late"},
    )
    assert refund.status_code == 200 and refund.json()["refunded"] == 1000
    replay = client.post(
        f"/api/v1/shops/{shop_id}/orders/{order_id}/refunds",
        headers={**merchant.auth, "Idempotency-Key": "ref-1"},
        json={"amount": 1000, "reason": "late"},
    )
    assert replay.json()["refunded"] == 1000  # one refund, whatever the retries
    too_much = client.post(
        f"/api/v1/shops/{shop_id}/orders/{order_id}/refunds",
        headers={**merchant.auth, "Idempotency-Key": "ref-2"},
        json={"amount": 3001},
    )
    assert too_much.status_code == 422 and too_much.json()["refundable"] == 3000

    early = client.post(
        f"/api/v1/orders/{order_id}/returns", headers=buyer.auth, json={"reason": "too small"}
    )
    assert early.status_code == 409
    shipped_and_delivered(client, merchant, shop_id, order_id)
    asked = client.post(
        f"/api/v1/orders/{order_id}/returns", headers=buyer.auth, json={"reason": "too small"}
    )
    assert asked.status_code == 201 and asked.json()["amount"] == 3000
    returns = client.get(f"/api/v1/shops/{shop_id}/returns", headers=merchant.auth).json()
    assert [(r["id"], r["status"]) for r in returns] == [(asked.json()["id"], "requested")]
    resolved = client.post(
        f"/api/v1/shops/{shop_id}/orders/{order_id}/returns/{asked.json()['id']}",
        headers=merchant.auth,
        json={"approve": True},
    )
    assert resolved.json()["status"] == "refunded"
    order = client.get(f"/api/v1/orders/{order_id}", headers=buyer.auth).json()
    assert order["refunded"] == 4000
    earnings = client.get("/api/v1/me/earnings", headers=creator.auth).json()
    assert [(e["key"], e["pending"], e["reversed"]) for e in earnings["by_video"]] == [(video_id, 0, 400)]

    review = client.post(
        f"/api/v1/orders/{order_id}/reviews",
        headers=buyer.auth,
        json={"product_id": product["id"], "rating": 4, "body": "Nice, but runs small"},
    )
    assert review.status_code == 201, review.text
    public = client.get(f"/api/v1/products/{product['id']}").json()
    assert (public["rating"], public["rating_count"]) == (4.0, 1)
    reviews = client.get(f"/api/v1/products/{product['id']}/reviews").json()
    assert [(r["author_handle"], r["rating"], r["body"]) for r in reviews] == [
        ("buyer", 4, "Nice, but runs small")
    ]
    twice = client.post(
        f"/api/v1/orders/{order_id}/reviews",
        headers=buyer.auth,
        json={"product_id": product["id"], "rating": 5},
    )
    assert twice.status_code == 409 and twice.json()["code"] == "already_reviewed"
