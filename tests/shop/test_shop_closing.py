"""Closing a shop, on SQLite and PostgreSQL: only its owner may, and only once no paid order is left to ship
and no return waits for an answer; then the shop and all it sold leave the directory (feeds, search, shop
pages, tags, showcases) for good, its held units come back, nothing more of it is sold, the heal never
brings it back, and its owner may delete their account while orders and books stay as they were."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import func, inspect, select

from clipshop.accounts.models import User
from clipshop.healing import SETTLE, heal_projections
from clipshop.kit.everywhere import everywhere
from clipshop.platform import Platform
from clipshop.residency.check import check_residency
from clipshop.rights.models import Erasure, ErasureState
from clipshop.shop.catalog.models import (
    PublicProduct,
    PublicShop,
    PublicShowcaseItem,
    PublicVariant,
    PublicVideoProduct,
    ReservationStatus,
    Shop,
    StockReservation,
    Variant,
)
from clipshop.shop.ledger import postings as ledger
from doubles import FrozenClock
from support import (
    ADDRESS,
    PASSWORD,
    Member,
    a_product,
    a_ready_video,
    buy,
    open_shop,
    shipped_and_delivered,
)

AUTHENTICATE = "4000 0025 0000 3155"
PUBLIC_COPIES = (PublicShop, PublicProduct, PublicVariant, PublicVideoProduct, PublicShowcaseItem)


def published_video(client: TestClient, platform: Platform, creator: Member) -> str:
    """A clip of `creator`'s, published as the API publishes it (so the heal finds its copy current)."""
    video_id = a_ready_video(platform, creator, "linen #summer")
    r = client.post(f"/api/v1/videos/{video_id}/publish", headers=creator.auth)
    assert r.status_code == 200, r.text
    return video_id


def close(client: TestClient, member: Member, shop_id: str) -> Any:
    return client.post(f"/api/v1/shops/{shop_id}/close", headers=member.auth)


def ledgers(platform: Platform) -> dict[str, dict[tuple[str, str], int]]:
    with everywhere(platform.databases).transaction() as uow:
        return {region: ledger.balances(uow.region(region)) for region in platform.databases.regions}


def directory_rows(platform: Platform) -> dict[str, int]:
    """How many rows each public copy of the shop domain has in the directory."""
    with everywhere(platform.databases).transaction() as uow:
        return {
            t.__tablename__: int(uow.directory.scalar(select(func.count()).select_from(t)) or 0)
            for t in PUBLIC_COPIES
        }


NO_COPIES = {
    "public_shops": 0,
    "public_products": 0,
    "public_variants": 0,
    "public_video_products": 0,
    "public_showcase_items": 0,
}


def test_only_the_owner_closes_a_shop(client: TestClient, sign_up: Any) -> None:
    owner: Member = sign_up("owner", "US")
    staff: Member = sign_up("staff", "US")
    stranger: Member = sign_up("stranger", "DE")
    shop_id = open_shop(client, owner, "owners")
    open_shop(client, stranger, "strangers")
    added = client.post(f"/api/v1/shops/{shop_id}/staff", headers=owner.auth, json={"user_id": staff.id})
    assert added.status_code == 201, added.text

    by_staff = close(client, staff, shop_id)
    assert (by_staff.status_code, by_staff.json()["code"]) == (403, "shop_owner_only")
    assert by_staff.headers["content-type"] == "application/problem+json"
    by_stranger = close(client, stranger, shop_id)
    assert (by_stranger.status_code, by_stranger.json()["code"]) == (404, "not_found")
    assert client.get("/api/v1/shops/owners").status_code == 200
    assert [s["closed_at"] for s in client.get("/api/v1/me/shops", headers=staff.auth).json()] == [None]


def test_closing_waits_for_every_paid_order_to_ship_and_every_return_to_be_answered(
    client: TestClient, platform: Platform, sign_up: Any
) -> None:
    merchant: Member = sign_up("merchant", "US")
    buyer: Member = sign_up("buyer", "DE")
    shop_id = open_shop(client, merchant, "linen-co")
    variant_id = a_product(client, merchant, shop_id, price=2500, stock=5)["variants"][0]["id"]
    shipped = buy(client, buyer, variant_id, key="one").json()["orders"][0]["id"]
    refunded = buy(client, buyer, variant_id, key="two").json()["orders"][0]["id"]
    platform.jobs.drain()

    r = close(client, merchant, shop_id)
    assert (r.status_code, r.json()["code"], r.json()["orders"]) == (409, "shop_has_unfinished_orders", 2)
    assert r.json()["detail"].startswith("2 paid orders are still to ship.")

    total = client.get(f"/api/v1/orders/{refunded}", headers=buyer.auth).json()["total"]
    given_back = client.post(
        f"/api/v1/shops/{shop_id}/orders/{refunded}/refunds",
        headers={**merchant.auth, "Idempotency-Key": "all-of-it"},
        json={"amount": total, "reason": "out of linen"},
    )
    assert given_back.status_code == 200, given_back.text
    r = close(client, merchant, shop_id)
    assert (r.status_code, r.json()["code"], r.json()["orders"]) == (409, "shop_has_unfinished_orders", 1)

    shipped_and_delivered(client, merchant, shop_id, shipped)
    asked = client.post(f"/api/v1/orders/{shipped}/returns", headers=buyer.auth, json={"reason": "too big"})
    assert asked.status_code == 201, asked.text
    r = close(client, merchant, shop_id)
    assert (r.status_code, r.json()["code"], r.json()["returns"]) == (409, "shop_has_open_returns", 1)
    assert client.get("/api/v1/shops/linen-co").status_code == 200  # nothing changed

    declined = client.post(
        f"/api/v1/shops/{shop_id}/orders/{shipped}/returns/{asked.json()['id']}",
        headers=merchant.auth,
        json={"approve": False},
    )
    assert declined.status_code == 200, declined.text
    r = close(client, merchant, shop_id)
    assert r.status_code == 200, r.text
    closed = r.json()
    assert (closed["id"], closed["handle"], closed["closed_at"]) == (
        shop_id,
        "linen-co",
        "2026-06-01T12:00:00Z",
    )
    assert close(client, merchant, shop_id).json() == closed  # closing a closed shop answers the same

    # The orders are as they were, for the buyer and for the shop.
    mine = {o["id"]: o for o in client.get("/api/v1/orders", headers=buyer.auth).json()}
    assert (mine[shipped]["status"], mine[refunded]["status"]) == ("delivered", "paid")
    assert mine[refunded]["refunded"] == mine[refunded]["total"]
    seen = client.get(f"/api/v1/shops/{shop_id}/orders", headers=merchant.auth).json()
    assert sorted(o["id"] for o in seen) == sorted([shipped, refunded])


def test_a_closed_shop_leaves_every_page_sells_nothing_and_its_owner_may_delete_their_account(
    client: TestClient, platform: Platform, clock: FrozenClock, sign_up: Any
) -> None:
    merchant: Member = sign_up("merchant", "US")
    creator: Member = sign_up("creator", "DE")
    buyer: Member = sign_up("buyer", "DE")
    waiting: Member = sign_up("waiting", "US")
    shop_id = open_shop(client, merchant, "linen-co")
    product = a_product(client, merchant, shop_id, price=2500, stock=5, title="Linen shirt")
    variant_id = product["variants"][0]["id"]
    video_id = published_video(client, platform, creator)
    tagged = client.put(
        f"/api/v1/videos/{video_id}/products",
        headers=creator.auth,
        json={"products": [{"product_id": product["id"], "at_s": 1.0}]},
    )
    assert tagged.status_code == 200, tagged.text
    shown = client.put("/api/v1/me/showcase", headers=creator.auth, json={"product_ids": [product["id"]]})
    assert shown.status_code == 200, shown.text
    sold = buy(client, buyer, variant_id, key="sold").json()["orders"][0]["id"]
    platform.jobs.drain()
    shipped_and_delivered(client, merchant, shop_id, sold)
    carted = client.post(
        "/api/v1/cart/items", headers=buyer.auth, json={"variant_id": variant_id, "quantity": 1}
    )
    assert carted.status_code == 200, carted.text
    # A checkout still waiting for the bank holds two units when the shop closes.
    held = buy(client, waiting, variant_id, key="held", quantity=2, card=AUTHENTICATE).json()
    held_order = held["orders"][0]["id"]
    platform.jobs.drain()
    assert client.get(f"/api/v1/products/{product['id']}").json()["variants"][0]["available"] == 2

    r = close(client, merchant, shop_id)
    assert r.status_code == 200, r.text

    # Gone from the directory, so from every page that reads it.
    assert directory_rows(platform) == NO_COPIES
    assert client.get("/api/v1/shops/linen-co").status_code == 404
    assert client.get(f"/api/v1/shops/{shop_id}").status_code == 404
    assert client.get("/shop/linen-co").status_code == 404
    assert client.get(f"/api/v1/products/{product['id']}").status_code == 404
    assert client.get(f"/api/v1/shops/{shop_id}/products").json() == []
    assert client.get("/api/v1/products", params={"q": "linen"}).json() == []
    assert client.get(f"/api/v1/shops/{shop_id}/videos").json()["items"] == []
    assert client.get(f"/api/v1/videos/{video_id}/products").json() == []
    assert client.get(f"/api/v1/videos/{video_id}").json()["products"] == []
    assert client.get("/api/v1/users/creator/showcase").json() == []
    feed = client.get("/api/v1/feed/for-you").json()["items"]
    assert [(item["id"], item["products"]) for item in feed] == [(video_id, [])]

    # The units held for the unpaid checkout are back; its money, when it comes, goes back to the buyer.
    with everywhere(platform.databases).transaction() as uow:
        assert uow.region("us").get_one(Variant, variant_id).stock == 4
        holds = uow.region("us").scalars(
            select(StockReservation.status).where(StockReservation.order_id == held_order)
        )
        assert list(holds) == [ReservationStatus.RELEASED]
    ref = held["payment"]["next_action_url"].split("/")[-2]
    assert client.post(f"/api/v1/sandbox/payments/{ref}/authenticate", json={"approve": True}).json() == {
        "status": "succeeded"
    }
    platform.jobs.drain()
    late = client.get(f"/api/v1/orders/{held_order}", headers=waiting.auth).json()
    assert (late["status"], late["refunded"]) == ("cancelled", late["total"])
    assert late["timeline"][-1]["detail"] == "the shop closed before the payment arrived"

    # Nothing more of it is sold or listed.
    refused = buy(client, buyer, variant_id, key="after")
    assert (refused.status_code, refused.json()["code"]) == (409, "shop_closed")
    assert refused.json()["shop_id"] == shop_id
    from_cart = client.post(
        "/api/v1/checkout",
        headers={**buyer.auth, "Idempotency-Key": "cart"},
        json={"address": ADDRESS, "payment_method": "4242 4242 4242 4242"},
    )
    assert (from_cart.status_code, from_cart.json()["code"]) == (409, "shop_closed")
    again = client.post(
        "/api/v1/cart/items", headers=buyer.auth, json={"variant_id": variant_id, "quantity": 1}
    )
    assert (again.status_code, again.json()["code"]) == (409, "shop_closed")
    more = client.post(
        f"/api/v1/shops/{shop_id}/products",
        headers=merchant.auth,
        json={"title": "More", "variants": [{"sku": "M-1", "price": 100, "stock": 1}]},
    )
    assert (more.status_code, more.json()["code"]) == (409, "shop_closed")
    reopen = client.post("/api/v1/shops", headers=merchant.auth, json={"handle": "linen-two", "name": "Two"})
    assert (reopen.status_code, reopen.json()["code"]) == (409, "shop_exists")
    [mine] = client.get("/api/v1/me/shops", headers=merchant.auth).json()
    assert (mine["id"], mine["closed_at"]) == (shop_id, "2026-06-01T12:00:00Z")

    # The daily full heal compares everything (written before the last minute) and brings none of it back.
    clock.advance(minutes=SETTLE.total_seconds() / 60 + 1)
    assert {h.region: h.fixed for h in heal_projections(platform, full=True)} == {
        "us": {},
        "eu": {},
        "au": {},
    }
    assert directory_rows(platform) == NO_COPIES

    # Its owner may now delete their account; the shop, its orders and the books stay.
    books = ledgers(platform)
    deleted = client.post("/api/v1/me/delete", headers=merchant.auth, json={"password": PASSWORD})
    assert deleted.status_code == 202, deleted.text
    platform.jobs.drain()
    assert ledgers(platform) == books
    with everywhere(platform.databases).transaction() as uow:
        db = uow.region("us")
        assert db.get_one(Erasure, merchant.id).state is ErasureState.DONE
        assert db.get_one(User, merchant.id).email == f"erased+{merchant.id}@invalid"
        shop = db.get_one(Shop, shop_id)
        assert (shop.owner_id, shop.handle, shop.closed_at is not None) == (merchant.id, "linen-co", True)
    assert client.get(f"/api/v1/orders/{sold}", headers=buyer.auth).json()["status"] == "delivered"
    assert directory_rows(platform) == NO_COPIES
    assert check_residency(platform) == []


def test_a_close_whose_directory_commit_never_came_is_finished_by_the_next_heal(
    client: TestClient, platform: Platform, clock: FrozenClock, sign_up: Any
) -> None:
    merchant: Member = sign_up("merchant", "US")
    shop_id = open_shop(client, merchant, "linen-co")
    product = a_product(client, merchant, shop_id, stock=3)
    video_id = published_video(client, platform, merchant)
    tagged = client.put(
        f"/api/v1/videos/{video_id}/products",
        headers=merchant.auth,
        json={"products": [{"product_id": product["id"]}]},
    )
    assert tagged.status_code == 200, tagged.text
    clock.advance(minutes=2)
    heal_projections(platform)  # the first run of each region: from now on, runs compare what changed
    with everywhere(platform.databases).transaction() as uow:  # the copies as they stand before the close
        before = [
            (model, {c.key: getattr(row, c.key) for c in inspect(model).mapper.column_attrs})
            for model in PUBLIC_COPIES
            for row in uow.directory.scalars(select(model))
        ]
    assert {m.__tablename__ for m, _ in before} == set(NO_COPIES) - {"public_showcase_items"}

    clock.advance(minutes=1)
    assert close(client, merchant, shop_id).status_code == 200
    with everywhere(platform.databases).transaction() as uow:  # as if the directory commit never came
        uow.directory.add_all(model(**values) for model, values in before)
    assert client.get("/api/v1/shops/linen-co").status_code == 200

    clock.advance(minutes=SETTLE.total_seconds() / 60 + 1)
    healed = {h.region: h.fixed for h in heal_projections(platform)}
    assert healed == {"us": {"public products": 1, "public shops": 1}, "eu": {}, "au": {}}
    assert directory_rows(platform) == NO_COPIES
    assert client.get(f"/api/v1/videos/{video_id}").json()["products"] == []
    clock.advance(minutes=2)
    assert {h.region: h.fixed for h in heal_projections(platform)} == {"us": {}, "eu": {}, "au": {}}
