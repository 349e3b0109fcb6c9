"""Take-downs beyond videos, on SQLite and PostgreSQL: a comment leaves every listing and count; a product
leaves search, its shop's page, showcases and the product sheets of videos, and carts and checkout refuse it
(`product_withheld`); a shop leaves with all it sells (`shop_withheld`). The heal never brings them back; a
won appeal does, everywhere. Each step is a gateway decision in the content's region, also for a moderator
living in another region."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import select

from clipshop.healing import SETTLE, heal_projections
from clipshop.kit.actors import Role
from clipshop.kit.everywhere import everywhere
from clipshop.platform import Platform
from clipshop.residency.check import check_residency
from clipshop.shop.catalog.models import Product, Shop
from clipshop.social.models import Comment
from doubles import FrozenClock
from support import (
    ADDRESS,
    Member,
    a_product,
    a_ready_video,
    audit_of,
    case_of,
    decide_case,
    make_staff,
    open_shop,
    report,
)


def published_video(client: TestClient, platform: Platform, creator: Member, caption: str) -> str:
    video_id = a_ready_video(platform, creator, caption)
    r = client.post(f"/api/v1/videos/{video_id}/publish", headers=creator.auth)
    assert r.status_code == 200, r.text
    return video_id


def appeal_and_overturn(client: TestClient, owner: Member, decision_id: str, second: Member) -> None:
    appealed = client.post(
        f"/api/v1/me/moderation/{decision_id}/appeal", headers=owner.auth, json={"text": "it is fine"}
    )
    assert appealed.status_code == 200 and appealed.json()["appeal_state"] == "pending", appealed.text
    won = client.post(
        f"/api/v1/moderation/appeals/{decision_id}/decision",
        headers=second.auth,
        json={"outcome": "overturn"},
    )
    assert won.status_code == 200 and won.json()["appeal_state"] == "overturned", won.text


def moderation_steps(platform: Platform, region: str, moderator: Member) -> list[tuple[str, str]]:
    """The gateway decisions a moderator's work wrote to `region`'s audit log: (data class, result)."""
    return [
        (e.data_class, e.result)
        for e in audit_of(platform, region)
        if e.actor_id == moderator.id and e.purpose == "moderation"
    ]


def test_a_comment_taken_down_leaves_its_thread_and_counts_and_a_won_appeal_brings_it_back(
    client: TestClient, platform: Platform, clock: FrozenClock, sign_up: Any, alice: Member, bob: Member
) -> None:
    # alice lives in us, so her comment and its case live there; both moderators live in eu.
    mod, second = sign_up("modus", "DE"), sign_up("modus2", "DE")
    make_staff(platform, mod, Role.MODERATOR, "us")
    make_staff(platform, second, Role.MODERATOR, "us")
    carol = sign_up("carol", "US")
    video = published_video(client, platform, bob, "a walk")
    comments = f"/api/v1/videos/{video}/comments"
    top = client.post(comments, headers=bob.auth, json={"body": "thanks for watching"}).json()
    reply = client.post(comments, headers=alice.auth, json={"body": "buy followers", "parent_id": top["id"]})
    assert reply.status_code == 201, reply.text
    reply_id = reply.json()["id"]
    platform.jobs.drain()
    replies = f"/api/v1/comments/{top['id']}/replies"

    def seen() -> tuple[list[str], int, int]:
        listed = client.get(replies).json()["items"]
        [shown_top] = client.get(comments).json()["items"]
        counted = client.get(f"/api/v1/videos/{video}").json()["counts"]["comments"]
        return [c["id"] for c in listed], shown_top["reply_count"], counted

    assert seen() == ([reply_id], 1, 2)

    report(client, carol, reply_id, "spam", kind="comment")
    case = case_of(client, mod, reply_id, region="us")
    assert (case["summary"], case["owner_id"], case["withheld"]) == ("buy followers", alice.id, False)
    decision = decide_case(client, mod, case["id"], "take_down", "spam_links")
    platform.jobs.drain()

    assert seen() == ([], 0, 1)
    # Only its author still sees it, marked held.
    mine = client.get(replies, headers=alice.auth).json()["items"]
    assert [(c["id"], c["held"]) for c in mine] == [(reply_id, True)]
    again = client.post(
        "/api/v1/reports",
        headers=carol.auth,
        json={"content_kind": "comment", "content_id": reply_id, "reason": "spam"},
    )
    assert again.status_code == 404
    clock.advance(minutes=SETTLE.total_seconds() / 60 + 1)
    heal_projections(platform, full=True)
    platform.jobs.drain()
    assert seen() == ([], 0, 1)
    with everywhere(platform.databases).transaction() as uow:
        assert uow.region("us").get_one(Comment, reply_id).withheld_by == decision["id"]
    assert check_residency(platform) == []
    # Every step went through the door into the comment's region, from the moderator's own.
    assert moderation_steps(platform, "us", mod) == [
        ("moderation", "allowed"),  # the queue
        ("private_content", "allowed"),  # the comment's own row, to describe it
        ("moderation_records", "allowed"),  # alice's earlier decisions
        ("moderation", "allowed"),  # the case, to decide it
        ("moderation_records", "allowed"),  # the decision, recorded
        ("private_content", "allowed"),  # the comment, taken down
        ("operational", "allowed"),  # its video's comment count in us
    ]

    mine = client.get("/api/v1/me/moderation", headers=alice.auth).json()
    assert [(d["id"], d["content_kind"], d["decision"]) for d in mine] == [
        (decision["id"], "comment", "take_down")
    ]
    pending_before = client.get("/api/v1/moderation/appeals", headers=second.auth, params={"region": "us"})
    assert pending_before.json() == []
    appeal_and_overturn(client, alice, decision["id"], second)
    platform.jobs.drain()
    assert seen() == ([reply_id], 1, 2)
    assert [c["held"] for c in client.get(replies, headers=alice.auth).json()["items"]] == [False]
    assert check_residency(platform) == []


def test_a_product_taken_down_leaves_every_shop_place_and_cannot_be_bought_until_an_appeal_wins(
    client: TestClient, platform: Platform, clock: FrozenClock, sign_up: Any, alice: Member, bob: Member
) -> None:
    mod, second = sign_up("modeu", "US"), sign_up("modeu2", "DE")  # the first lives in us
    make_staff(platform, mod, Role.MODERATOR, "eu")
    make_staff(platform, second, Role.MODERATOR, "eu")
    shop_id = open_shop(client, bob, "bobs-linen", currency="EUR")
    fake = a_product(client, bob, shop_id, title="Designer linen shirt", skus=("FAKE-1",))
    other = a_product(client, bob, shop_id, title="Plain linen towel", skus=("TOWEL-1",))
    variant = fake["variants"][0]["id"]
    video = published_video(client, platform, bob, "new linen #summer")
    tagged = client.put(
        f"/api/v1/videos/{video}/products",
        headers=bob.auth,
        json={"products": [{"product_id": fake["id"]}, {"product_id": other["id"]}]},
    )
    assert tagged.status_code == 200, tagged.text
    shown = client.put("/api/v1/me/showcase", headers=bob.auth, json={"product_ids": [fake["id"]]})
    assert shown.status_code == 200, shown.text
    carted = client.post(
        "/api/v1/cart/items", headers=alice.auth, json={"variant_id": variant, "quantity": 1}
    )
    assert carted.status_code == 200, carted.text
    platform.jobs.drain()

    def places() -> dict[str, list[str]]:
        found = client.get("/api/v1/search", params={"q": "linen", "type": "products"}).json()["products"]
        return {
            "search": sorted(p["id"] for p in found),
            "shop": sorted(p["id"] for p in client.get(f"/api/v1/shops/{shop_id}/products").json()),
            "sheet": sorted(
                t["product"]["id"] for t in client.get(f"/api/v1/videos/{video}/products").json()
            ),
            "showcase": [p["id"] for p in client.get(f"/api/v1/users/{bob.handle}/showcase").json()],
        }

    both = sorted([fake["id"], other["id"]])
    assert places() == {"search": both, "shop": both, "sheet": both, "showcase": [fake["id"]]}

    report(client, alice, fake["id"], "counterfeit", kind="product")
    case = case_of(client, mod, fake["id"], region="eu")
    assert (case["summary"], case["owner_id"]) == ("Designer linen shirt", bob.id)
    decision = decide_case(client, mod, case["id"], "take_down", "counterfeit_goods")
    platform.jobs.drain()

    assert places() == {
        "search": [other["id"]],
        "shop": [other["id"]],
        "sheet": [other["id"]],
        "showcase": [],
    }
    assert client.get(f"/api/v1/products/{fake['id']}").status_code == 404
    cart = client.post("/api/v1/cart/items", headers=alice.auth, json={"variant_id": variant, "quantity": 1})
    assert (cart.status_code, cart.json()["code"], cart.json()["field"]) == (
        410,
        "product_withheld",
        "variant_id",
    )
    quote = client.post("/api/v1/checkout/quote", headers=alice.auth, json={})
    assert (quote.status_code, quote.json()["code"], quote.json()["product_id"]) == (
        410,
        "product_withheld",
        fake["id"],
    )
    bought = client.post(
        "/api/v1/checkout",
        headers={**alice.auth, "Idempotency-Key": "after"},
        json={
            "items": [{"variant_id": variant, "quantity": 1}],
            "address": ADDRESS,
            "payment_method": "4242 4242 4242 4242",
        },
    )
    assert (bought.status_code, bought.json()["code"]) == (410, "product_withheld")
    # Its merchant's edits and the heal leave it down.
    edited = client.patch(f"/api/v1/products/{fake['id']}", headers=bob.auth, json={"title": "Linen shirt"})
    assert edited.status_code == 200, edited.text
    clock.advance(minutes=SETTLE.total_seconds() / 60 + 1)
    heal_projections(platform, full=True)
    assert places()["search"] == [other["id"]]
    with everywhere(platform.databases).transaction() as uow:
        assert uow.region("eu").get_one(Product, fake["id"]).withheld_by == decision["id"]
    assert check_residency(platform) == []
    assert moderation_steps(platform, "eu", mod)[-3:] == [
        ("moderation", "allowed"),
        ("moderation_records", "allowed"),
        ("public_content", "allowed"),
    ]

    appeal_and_overturn(client, bob, decision["id"], second)
    platform.jobs.drain()
    assert places() == {"search": both, "shop": both, "sheet": both, "showcase": [fake["id"]]}
    assert client.get(f"/api/v1/products/{fake['id']}").json()["title"] == "Linen shirt"
    quoted = client.post("/api/v1/checkout/quote", headers=alice.auth, json={})
    assert quoted.status_code == 200, quoted.text
    assert check_residency(platform) == []


def test_a_shop_taken_down_leaves_with_all_it_sells_and_checkout_refuses_it_until_an_appeal_wins(
    client: TestClient, platform: Platform, sign_up: Any, alice: Member, bob: Member
) -> None:
    mod, second = sign_up("modeu", "DE"), sign_up("modeu2", "DE")
    make_staff(platform, mod, Role.MODERATOR, "eu")
    make_staff(platform, second, Role.OPERATOR, "us")  # operators decide in every region
    shop_id = open_shop(client, bob, "scam-shop", currency="EUR")
    product = a_product(client, bob, shop_id, title="Miracle cream", skus=("CREAM-1",))
    variant = product["variants"][0]["id"]
    platform.jobs.drain()
    assert client.get("/api/v1/shops/scam-shop").status_code == 200
    assert (
        client.post(
            "/api/v1/cart/items", headers=alice.auth, json={"variant_id": variant, "quantity": 1}
        ).status_code
        == 200
    )

    report(client, alice, shop_id, "scam", kind="shop")
    case = case_of(client, mod, shop_id)
    assert (case["content_kind"], case["summary"], case["owner_id"]) == ("shop", "Scam-Shop", bob.id)
    decision = decide_case(client, mod, case["id"], "take_down", "fraud")
    platform.jobs.drain()

    assert client.get("/api/v1/shops/scam-shop").status_code == 404
    assert client.get(f"/api/v1/shops/{shop_id}/products").json() == []
    assert client.get(f"/api/v1/products/{product['id']}").status_code == 404
    assert client.get("/api/v1/search", params={"q": "miracle", "type": "products"}).json()["products"] == []
    assert client.get("/shop/scam-shop").status_code == 404
    quote = client.post("/api/v1/checkout/quote", headers=alice.auth, json={})
    assert (quote.status_code, quote.json()["code"], quote.json()["shop_id"]) == (
        410,
        "shop_withheld",
        shop_id,
    )
    cart = client.post("/api/v1/cart/items", headers=alice.auth, json={"variant_id": variant, "quantity": 1})
    assert (cart.status_code, cart.json()["code"]) == (410, "shop_withheld")
    with everywhere(platform.databases).transaction() as uow:
        assert uow.region("eu").get_one(Shop, shop_id).withheld_by == decision["id"]
    heal_projections(platform, full=True)
    assert client.get("/api/v1/shops/scam-shop").status_code == 404
    assert check_residency(platform) == []

    appeal_and_overturn(client, bob, decision["id"], second)
    platform.jobs.drain()
    assert client.get("/api/v1/shops/scam-shop").status_code == 200
    assert [p["id"] for p in client.get(f"/api/v1/shops/{shop_id}/products").json()] == [product["id"]]
    assert client.post("/api/v1/checkout/quote", headers=alice.auth, json={}).status_code == 200
    assert [e.actor_id for e in audit_of(platform, "eu") if e.data_class == "public_content"] == [
        mod.id,
        second.id,
    ]
    assert check_residency(platform) == []


def test_a_profile_cannot_be_taken_down_only_its_account_suspended(
    client: TestClient, platform: Platform, sign_up: Any, alice: Member, bob: Member
) -> None:
    mod = sign_up("modeu", "DE")
    make_staff(platform, mod, Role.MODERATOR, "eu")
    report(client, alice, bob.id, "harassment", kind="profile")
    case = case_of(client, mod, bob.id)
    refused = client.post(
        f"/api/v1/moderation/cases/{case['id']}/decision",
        headers=mod.auth,
        json={"decision": "take_down", "reason_code": "x"},
    )
    assert (refused.status_code, refused.json()["code"]) == (422, "action_not_applicable")
    with everywhere(platform.databases).transaction() as uow:
        assert list(uow.region("eu").scalars(select(Comment))) == []
