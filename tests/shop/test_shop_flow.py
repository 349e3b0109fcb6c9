"""The whole commerce path over the API: a creator's video sells a shop's product to a buyer in another
region; the shop fulfils it; the order completes; merchant and creator are paid out; the ledger balances."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import func, select

from clipshop.kit.everywhere import everywhere
from clipshop.platform import Platform
from clipshop.residency.check import check_residency
from clipshop.shop.ledger import postings as ledger
from clipshop.shop.ledger.models import LedgerEntry
from support import Member, a_product, a_region_video, buy, open_shop


def ledger_sums(platform: Platform, region: str) -> dict[tuple[str, str], int]:
    with everywhere(platform.databases).transaction() as uow:
        return ledger.balances(uow.region(region))


def test_buy_from_a_video_across_regions_fulfil_complete_and_pay_out(
    client: TestClient, platform: Platform, sign_up: Any
) -> None:
    merchant: Member = sign_up("merchant", "US")
    creator: Member = sign_up("creator", "US")
    buyer: Member = sign_up("buyer", "DE")
    shop_id = open_shop(client, merchant, "linen-co")
    product = a_product(client, merchant, shop_id, price=2500, stock=3, commission_bp=1000)
    variant_id = product["variants"][0]["id"]
    video_id = a_region_video(platform, creator)

    tagged = client.put(
        f"/api/v1/videos/{video_id}/products",
        headers=creator.auth,
        json={"products": [{"product_id": product["id"], "at_s": 2.5}]},
    )
    assert tagged.status_code == 200, tagged.text
    assert [t["product"]["id"] for t in client.get(f"/api/v1/videos/{video_id}/products").json()] == [
        product["id"]
    ]

    opened = client.post(
        f"/api/v1/products/{product['id']}/open", headers=buyer.auth, json={"video_id": video_id}
    )
    assert opened.status_code == 204, opened.text

    r = buy(client, buyer, variant_id, key="k-1", quantity=2)
    assert r.status_code == 201, r.text
    body = r.json()
    # 2 x 25.00, standard shipping 0, EU tax 20% -> 60.00
    assert body["total"] == 6000 and body["currency"] == "USD"
    assert body["payment"]["status"] == "processing"
    order_id = body["orders"][0]["id"]
    assert order_id.startswith("eu_") and body["orders"][0]["status"] == "pending_payment"

    platform.jobs.drain()  # the sandbox delivers its signed webhooks
    order = client.get(f"/api/v1/orders/{order_id}", headers=buyer.auth).json()
    assert order["status"] == "paid"
    assert [e["kind"] for e in order["timeline"]] == ["placed", "paid"]
    assert client.get(f"/api/v1/products/{product['id']}").json()["variants"][0]["available"] == 1

    assert ledger_sums(platform, "eu") == {
        ("cash:sandbox", "USD"): 6000,
        ("tax:eu", "USD"): -1000,
        ("fees:platform", "USD"): -250,
        (f"creator:{creator.id}:pending", "USD"): -500,
        (f"merchant:{shop_id}:pending", "USD"): -4250,
    }

    seen = client.get(f"/api/v1/shops/{shop_id}/orders", headers=merchant.auth).json()
    assert [o["id"] for o in seen] == [order_id]
    assert seen[0]["shipping_address"]["city"] == "Springfield"
    assert client.get(f"/api/v1/shops/{shop_id}/orders", headers=creator.auth).status_code == 404

    r = client.post(
        f"/api/v1/shops/{shop_id}/orders/{order_id}/fulfil",
        headers=merchant.auth,
        json={"carrier": "UPS", "tracking_number": "1Z999"},
    )
    assert r.status_code == 200 and r.json()["status"] == "fulfilled", r.text
    r = client.post(f"/api/v1/shops/{shop_id}/orders/{order_id}/deliver", headers=merchant.auth)
    assert r.json()["status"] == "delivered"
    r = client.post(f"/api/v1/orders/{order_id}/confirm-receipt", headers=buyer.auth)
    assert r.json()["status"] == "completed", r.text

    earnings = client.get("/api/v1/me/earnings", headers=creator.auth).json()
    assert earnings["by_video"] == [
        {
            "key": video_id,
            "title": "c",  # the caption of the clip that sold it
            "orders": 1,
            "pending": 0,
            "earned": 500,
            "reversed": 0,
            "currency": "USD",
        }
    ]
    assert earnings["money"]["balances"] == [
        {"currency": "USD", "pending": 0, "available": 500, "paid_out": 0}
    ]

    from clipshop.shop.ledger.payouts import pay_out

    assert pay_out(platform) == 2
    money = client.get(f"/api/v1/shops/{shop_id}/money", headers=merchant.auth).json()
    assert money["balances"] == [{"currency": "USD", "pending": 0, "available": 0, "paid_out": 4250}]
    sums = ledger_sums(platform, "eu")
    assert sums[("cash:sandbox", "USD")] == 6000 - 4250 - 500
    with everywhere(platform.databases).transaction() as uow:
        assert uow.region("eu").scalar(select(func.sum(LedgerEntry.amount))) == 0
    assert check_residency(platform) == []
