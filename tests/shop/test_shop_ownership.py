"""Every commerce route checks who is asking: a second user who runs a shop of their own, sweeping all routes
over someone else's shop, draft product, variant, order, return, address and staff member, gets 404 — as for
a missing id. Which routes are public by design is listed in support.PUBLIC_ROUTES."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient

from clipshop.platform import Platform
from support import ADDRESS, COMMERCE_OBJECTS, Member, a_product, buy, open_shop, sweep_as


def test_a_second_shop_owner_cannot_reach_someone_elses_commerce_objects(
    client: TestClient, platform: Platform, sign_up: Any
) -> None:
    alice: Member = sign_up("alice", "US")
    bob: Member = sign_up("bob", "DE")
    carol: Member = sign_up("carol", "US")
    shop_id = open_shop(client, alice, "alices")
    open_shop(client, bob, "bobs")
    staff = client.post(f"/api/v1/shops/{shop_id}/staff", headers=alice.auth, json={"user_id": carol.id})
    assert staff.status_code == 201, staff.text
    listed = a_product(client, alice, shop_id, skus=("L-1",))
    draft = client.post(
        f"/api/v1/shops/{shop_id}/products",
        headers=alice.auth,
        json={"title": "Secret", "status": "draft", "variants": [{"sku": "D-1", "price": 100, "stock": 1}]},
    ).json()
    address = client.post("/api/v1/me/addresses", headers=alice.auth, json=ADDRESS).json()
    order_id = buy(client, alice, listed["variants"][0]["id"], key="own").json()["orders"][0]["id"]
    platform.jobs.drain()
    fulfilled = client.post(
        f"/api/v1/shops/{shop_id}/orders/{order_id}/fulfil",
        headers=alice.auth,
        json={"carrier": "DHL", "tracking_number": "JD0001"},
    )
    assert fulfilled.status_code == 200, fulfilled.text
    delivered = client.post(f"/api/v1/shops/{shop_id}/orders/{order_id}/deliver", headers=alice.auth)
    assert delivered.status_code == 200, delivered.text
    asked = client.post(f"/api/v1/orders/{order_id}/returns", headers=alice.auth, json={"reason": "too big"})
    assert asked.status_code == 201, asked.text
    ids = {
        "shop_id": shop_id,
        "product_id": draft["id"],
        "variant_id": listed["variants"][0]["id"],
        "order_id": order_id,
        "address_id": address["id"],
        "return_id": asked.json()["id"],
        "user_id": carol.id,
    }
    assert ids.keys() == COMMERCE_OBJECTS
    body = {
        "title": "x",
        "price": 1,
        "stock": 0,
        "carrier": "x",
        "tracking_number": "x",
        "amount": 1,
        "approve": True,
        "user_id": bob.id,
        "name": "x",
        "code": "ABC",
        "percent_bp": 100,
        "variants": [{"sku": "X", "price": 1}],
        "reason": "x",
        "rating": 5,
        "quantity": 1,
        "product_id": draft["id"],
    }
    swept = sweep_as(client, bob, ids, body=body)
    assert {
        "DELETE /api/v1/shops/{shop_id}/staff/{user_id}",
        "POST /api/v1/shops/{shop_id}/orders/{order_id}/returns/{return_id}",
        "DELETE /api/v1/me/addresses/{address_id}",
        "PATCH /api/v1/variants/{variant_id}",
    } <= set(swept), swept
    # The owner still reaches them, unchanged.
    assert client.get(f"/api/v1/shops/{shop_id}/orders/{order_id}", headers=alice.auth).status_code == 200
    assert client.get(f"/api/v1/orders/{order_id}", headers=alice.auth).json()["status"] == "delivered"
    returns = client.get(f"/api/v1/shops/{shop_id}/returns", headers=alice.auth).json()
    assert [(r["id"], r["status"]) for r in returns] == [(ids["return_id"], "requested")]
    members = client.get(f"/api/v1/shops/{shop_id}/staff", headers=alice.auth).json()
    assert sorted((m["user_id"], m["role"]) for m in members) == sorted(
        [(alice.id, "owner"), (carol.id, "staff")]
    )
    addresses = client.get("/api/v1/me/addresses", headers=alice.auth).json()
    assert [a["id"] for a in addresses] == [ids["address_id"]]
