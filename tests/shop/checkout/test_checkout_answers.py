"""How the checkout's domain outcomes become answers at the edge: a sold-out item is a 409 problem stored
under the key, a failed payment a 402 problem whose code is the card's failure and which carries the
checkout, a paid checkout a 201, built from the rows in memory exactly as the database gives them back."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient

from clipshop.kit.everywhere import everywhere
from clipshop.platform import Platform
from clipshop.shop.checkout.api import PATH, place
from clipshop.shop.checkout.schemas import CheckoutRead
from clipshop.shop.orders import service
from support import (
    ADDRESS,
    CARD_OK,
    a_product,
    a_region_video,
    actor_of,
    buy_now,
    open_shop,
    quick_members,
)

DECLINED = "4000000000000002"


def test_checkout_outcomes_are_rendered_as_the_api_answers_them(
    client: TestClient, platform: Platform, sign_up: Any
) -> None:
    merchant = sign_up("merchant", "US")
    variant_id = a_product(client, merchant, open_shop(client, merchant, "answers"), stock=1)["variants"][0][
        "id"
    ]
    buyer = actor_of(quick_members(platform, "eu", 1)[0])

    declined = place(platform, actor=buyer, request=buy_now(variant_id, card=DECLINED), key="a")
    assert declined.status == 402
    assert {k: declined.body[k] for k in ("type", "title", "status", "code", "instance")} == {
        "type": "https://clipshop.dev/problems/card_declined",
        "title": "Payment failed",
        "status": 402,
        "code": "card_declined",
        "instance": PATH,
    }
    assert declined.body["detail"] == "The card was declined. Try another card."
    assert declined.body["checkout"]["payment"]["status"] == "failed"
    assert [o["status"] for o in declined.body["checkout"]["orders"]] == ["cancelled"]

    paid = place(platform, actor=buyer, request=buy_now(variant_id, card=CARD_OK), key="b")
    assert paid.status == 201 and paid.body["payment"]["status"] in ("processing", "succeeded")

    sold_out = place(platform, actor=buyer, request=buy_now(variant_id, card=CARD_OK), key="c")
    assert sold_out.status == 409
    assert sold_out.body == {
        "type": "https://clipshop.dev/problems/out_of_stock",
        "title": "Conflict",
        "status": 409,
        "code": "out_of_stock",
        "detail": "This item just sold out.",
        "instance": PATH,
        "variant_id": variant_id,
        "available": 0,
    }
    again = place(platform, actor=buyer, request=buy_now(variant_id, card=CARD_OK), key="c")
    assert again == sold_out


def test_the_answer_built_in_memory_is_the_checkout_as_the_database_gives_it_back(
    client: TestClient, platform: Platform, sign_up: Any
) -> None:
    one, two = sign_up("one", "US"), sign_up("two", "AU")
    creator, buyer = sign_up("creator", "AU"), sign_up("buyer", "FR")
    shop_one, shop_two = open_shop(client, one, "shop-one"), open_shop(client, two, "shop-two")
    shirt = a_product(client, one, shop_one, price=1850, skus=("SHIRT-M", "SHIRT-L"), commission_bp=1000)
    tote = a_product(client, two, shop_two, price=1200, skus=("TOTE",), commission_bp=0)
    video_id = a_region_video(platform, creator)
    tagged = client.put(f"/api/v1/videos/{video_id}/products", headers=creator.auth,
                        json={"products": [{"product_id": shirt["id"]}]})  # fmt: skip
    assert tagged.status_code == 200, tagged.text
    client.post(f"/api/v1/products/{shirt['id']}/open", headers=buyer.auth, json={"video_id": video_id})
    code = client.post(f"/api/v1/shops/{shop_one}/discounts", headers=one.auth,
                       json={"code": "SPRING10", "percent_bp": 1000})  # fmt: skip
    assert code.status_code == 201, code.text
    medium, large = (v["id"] for v in shirt["variants"])
    for variant_id, quantity in [(medium, 2), (large, 1), (tote["variants"][0]["id"], 1)]:
        added = client.post("/api/v1/cart/items", headers=buyer.auth,
                            json={"variant_id": variant_id, "quantity": quantity})  # fmt: skip
        assert added.status_code == 200, added.text

    r = client.post(
        "/api/v1/checkout",
        headers={**buyer.auth, "Idempotency-Key": "memory"},
        json={"address": ADDRESS, "payment_method": CARD_OK, "discount_codes": ["spring10"]},
    )
    assert r.status_code == 201, r.text
    answer = r.json()
    with everywhere(platform.databases).transaction() as uow:
        read_back = CheckoutRead.of(service.checkout_view(uow, region="eu", checkout_id=answer["id"]))
    assert answer == read_back.model_dump(mode="json")
    # What the answer holds is the whole checkout: both shops, every line, the discount and the creator.
    assert sorted((o["shop_id"], len(o["lines"]), o["discount"]) for o in answer["orders"]) == sorted(
        [(shop_one, 2, 555), (shop_two, 1, 0)]
    )
    credited = {line["variant_id"]: line["creator_id"] for o in answer["orders"] for line in o["lines"]}
    assert credited == {medium: creator.id, large: creator.id, tote["variants"][0]["id"]: None}
    assert answer["payment"]["status"] == "processing" and answer["payment"]["card_last4"] == "4242"
