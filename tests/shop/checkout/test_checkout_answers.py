"""How the checkout's domain outcomes become answers at the edge: a sold-out item is a 409 problem stored
under the key, a failed payment a 402 problem whose code is the card's failure and which carries the
checkout, a paid checkout a 201."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient

from clipshop.platform import Platform
from clipshop.shop.checkout.api import PATH, place
from support import CARD_OK, a_product, actor_of, buy_now, open_shop, quick_members

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
