"""Shipping as a quote prices it, from the catalog read in one statement with the shops' options: the
cheapest option unless one is chosen, an option of another shop refused, and a shop without any refused."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import delete

from clipshop.kit.everywhere import everywhere
from clipshop.platform import Platform
from clipshop.shop.catalog.models import ShippingOption
from support import ADDRESS, Member, a_product, open_shop


def test_a_quote_prices_the_shipping_chosen_or_the_cheapest_and_refuses_what_cannot_ship(
    client: TestClient, platform: Platform, sign_up: Any
) -> None:
    one: Member = sign_up("one", "US")
    two: Member = sign_up("two", "US")
    buyer: Member = sign_up("buyer", "US")
    shop_one, shop_two = open_shop(client, one, "ships"), open_shop(client, two, "ships-not")
    mug = a_product(client, one, shop_one, price=1000, skus=("MUG",))["variants"][0]["id"]
    cup = a_product(client, two, shop_two, price=700, skus=("CUP",))["variants"][0]["id"]
    express = client.post(
        f"/api/v1/shops/{shop_one}/shipping-options",
        headers=one.auth,
        json={"name": "Express", "price": 990, "min_days": 1, "max_days": 2},
    ).json()

    def quote(**body: Any) -> Any:
        return client.post("/api/v1/checkout/quote", headers=buyer.auth, json={"address": ADDRESS, **body})

    cheapest = quote(items=[{"variant_id": mug}])
    assert cheapest.status_code == 200, cheapest.text
    assert [(s["shipping_option"], s["shipping"]) for s in cheapest.json()["shops"]] == [("Standard", 0)]
    chosen = quote(items=[{"variant_id": mug}], shipping={shop_one: express["id"]}).json()
    assert [(s["shipping_option"], s["shipping"], s["total"]) for s in chosen["shops"]] == [
        ("Express", 990, 1990)
    ]
    both = quote(items=[{"variant_id": mug}, {"variant_id": cup}]).json()
    assert sorted((s["shop_id"], s["total"]) for s in both["shops"]) == sorted(
        [(shop_one, 1000), (shop_two, 700)]
    )

    with everywhere(platform.databases).transaction() as uow:
        uow.region("us").execute(delete(ShippingOption).where(ShippingOption.shop_id == shop_two))
    wrong = quote(items=[{"variant_id": mug}], shipping={shop_one: "us_not-an-option"})
    assert (wrong.status_code, wrong.json()["code"]) == (422, "invalid_shipping_option")
    nowhere = quote(items=[{"variant_id": mug}, {"variant_id": cup}])
    assert (nowhere.status_code, nowhere.json()["code"]) == (422, "no_shipping")
    assert "Ships-Not" in nowhere.json()["detail"]
