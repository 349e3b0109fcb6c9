"""Shops, products, variants and reviews as the directory shows them, healed from the regions."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import delete, update

from clipshop.kit.watermarks import Window
from clipshop.platform import Platform
from clipshop.shop.catalog.models import PublicProduct, PublicReview, PublicShop, PublicVariant, Variant
from clipshop.shop.public import heal_projections
from doubles import FrozenClock
from support import Member, a_product, buy, open_shop, shipped_and_delivered


def heal(platform: Platform, region: str, *, since_minutes: float | None = None) -> dict[str, int]:
    now = platform.clock.now()
    since = None if since_minutes is None else now - timedelta(minutes=since_minutes)
    window = Window(since, now + timedelta(seconds=1))
    with platform.uow(home=region).transaction() as uow:
        return heal_projections(uow, region=region, window=window, now=now)


def test_lost_shop_and_product_copies_are_rebuilt_as_they_were(
    client: TestClient, platform: Platform, sign_up: Any
) -> None:
    bob: Member = sign_up("bob", "DE")
    shop_id = open_shop(client, bob, "bobs", currency="EUR")
    product = a_product(client, bob, shop_id, price=1999, stock=4, skus=("TEE-S", "TEE-M"))
    draft = a_product(client, bob, shop_id, title="Not yet")
    client.patch(f"/api/v1/products/{draft['id']}", headers=bob.auth, json={"status": "draft"})
    shown = client.get(f"/api/v1/products/{product['id']}").json()
    shop_shown = client.get("/api/v1/shops/bobs").json()
    with platform.uow().transaction() as uow:  # as if their directory commits never came
        for table in (PublicVariant, PublicProduct, PublicShop):
            uow.directory.execute(delete(table))

    assert heal(platform, "eu") == {"public products": 1, "public shops": 1}

    assert client.get("/api/v1/shops/bobs").json() == shop_shown
    assert client.get(f"/api/v1/products/{product['id']}").json() == shown
    assert client.get(f"/api/v1/products/{draft['id']}").status_code == 404
    assert heal(platform, "eu") == {}


def test_stock_whose_projection_job_was_lost_is_copied(
    client: TestClient, platform: Platform, clock: FrozenClock, sign_up: Any
) -> None:
    merchant: Member = sign_up("merchant", "US")
    buyer: Member = sign_up("buyer", "DE")
    product = a_product(client, merchant, open_shop(client, merchant, "shop"), stock=1)
    variant_id = product["variants"][0]["id"]
    clock.advance(minutes=30)
    assert buy(client, buyer, variant_id, key="k1").status_code == 201
    platform.jobs.flush()  # the stock projection's wake-up call is lost
    public = client.get(f"/api/v1/products/{product['id']}").json()
    assert (public["in_stock"], public["variants"][0]["available"]) == (True, 1)

    assert heal(platform, "us", since_minutes=1) == {"public products": 1}

    public = client.get(f"/api/v1/products/{product['id']}").json()
    assert (public["in_stock"], public["variants"][0]["available"]) == (False, 0)
    with platform.uow(home="us").transaction() as uow:
        assert uow.region("us").get_one(Variant, variant_id).updated_at == clock.now()
    assert heal(platform, "us", since_minutes=1) == {}


def test_a_lost_review_comes_back_with_its_products_rating(
    client: TestClient, platform: Platform, sign_up: Any
) -> None:
    merchant: Member = sign_up("merchant", "US")
    buyer: Member = sign_up("buyer", "DE")
    shop_id = open_shop(client, merchant, "shop")
    product = a_product(client, merchant, shop_id)
    order_id = buy(client, buyer, product["variants"][0]["id"], key="k1").json()["orders"][0]["id"]
    platform.jobs.drain()
    shipped_and_delivered(client, merchant, shop_id, order_id)
    review = client.post(
        f"/api/v1/orders/{order_id}/reviews",
        headers=buyer.auth,
        json={"product_id": product["id"], "rating": 4, "body": "Nice"},
    )
    assert review.status_code == 201, review.text
    with platform.uow().transaction() as uow:  # as if the review's directory commit never came
        uow.directory.execute(delete(PublicReview))
        uow.directory.execute(update(PublicProduct).values(rating_sum=0, rating_count=0))

    assert heal(platform, "us") == {}
    assert heal(platform, "eu") == {"public reviews": 1}

    public = client.get(f"/api/v1/products/{product['id']}").json()
    assert (public["rating"], public["rating_count"]) == (4.0, 1)
    reviews = client.get(f"/api/v1/products/{product['id']}/reviews").json()
    assert [(r["author_handle"], r["rating"], r["body"]) for r in reviews] == [("buyer", 4, "Nice")]
    assert heal(platform, "eu") == {}
