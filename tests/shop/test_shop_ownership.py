"""Every commerce route checks who is asking: a second user who runs a shop of their own, sweeping all routes
over someone else's shop, draft product, variant, order and address, gets 404 — as for a missing id."""

from __future__ import annotations

import re
from typing import Any

from fastapi.testclient import TestClient

from clipshop.platform import Platform
from support import ADDRESS, Member, a_product, buy, open_shop

PARAMS = {"shop_id", "product_id", "variant_id", "order_id", "address_id", "return_id"}
# Public by design: a shop's listed products, its shipping options and the published clips that sell them
# are what every buyer sees.
PUBLIC = {
    "GET /api/v1/shops/{shop_id}/products",
    "GET /api/v1/shops/{shop_id}/shipping-options",
    "GET /api/v1/shops/{shop_id}/videos",
}


def test_a_second_shop_owner_cannot_reach_someone_elses_commerce_objects(
    client: TestClient, platform: Platform, sign_up: Any
) -> None:
    alice: Member = sign_up("alice", "US")
    bob: Member = sign_up("bob", "DE")
    shop_id = open_shop(client, alice, "alices")
    open_shop(client, bob, "bobs")
    listed = a_product(client, alice, shop_id, skus=("L-1",))
    draft = client.post(
        f"/api/v1/shops/{shop_id}/products",
        headers=alice.auth,
        json={"title": "Secret", "status": "draft", "variants": [{"sku": "D-1", "price": 100, "stock": 1}]},
    ).json()
    address = client.post("/api/v1/me/addresses", headers=alice.auth, json=ADDRESS).json()
    order_id = buy(client, alice, listed["variants"][0]["id"], key="own").json()["orders"][0]["id"]
    platform.jobs.drain()
    ids = {
        "shop_id": shop_id,
        "product_id": draft["id"],
        "variant_id": listed["variants"][0]["id"],
        "order_id": order_id,
        "address_id": address["id"],
        "return_id": "us_" + "0" * 32,
    }
    swept = []
    for path, operations in client.get("/api/v1/openapi.json").json()["paths"].items():
        params = set(re.findall(r"{(\w+)}", path))
        if not params or not params <= PARAMS:
            continue
        for method in sorted(m.upper() for m in operations):
            if f"{method} {path}" in PUBLIC:
                continue
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
            response = client.request(
                method,
                f"http://testserver{path.format(**ids)}",
                headers={**bob.auth, "Idempotency-Key": f"k-{len(swept)}"},
                json=body if method in {"POST", "PATCH", "PUT"} else None,
            )
            swept.append(f"{method} {path}")
            assert response.status_code == 404, (method, path, response.status_code, response.text)
            assert response.json()["code"] == "not_found", (method, path, response.text)
    assert len(swept) >= 25, swept
    # The owner still reaches them.
    assert client.get(f"/api/v1/shops/{shop_id}/orders/{order_id}", headers=alice.auth).status_code == 200
    assert client.get(f"/api/v1/orders/{order_id}", headers=alice.auth).json()["status"] == "paid"
