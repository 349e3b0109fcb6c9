"""Search follows the directory: what is published is found, what leaves it is not, a heal brings a lost
copy back; product filters, suggestions, and the errors a client can act on."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient
from search_corpus import build_corpus
from sqlalchemy import delete

from clipshop.healing import heal_projections
from clipshop.kit.everywhere import everywhere
from clipshop.platform import Platform
from clipshop.search import service
from clipshop.videos.models import PublicVideo, PublicVideoTag
from doubles import FrozenClock
from support import PASSWORD, Member, a_product, a_ready_video, open_shop


def found(client: TestClient, q: str, kind: str) -> list[str]:
    body = client.get("/api/v1/search", params={"q": q, "type": kind}).json()
    if kind == "hashtags":
        return [h["tag"] for h in body["hashtags"]]
    if kind == "creators":
        return [c["handle"] for c in body["creators"]]
    return [item["id"] for item in body[kind]]


def test_a_video_is_found_once_published_and_follows_its_caption(
    client: TestClient, platform: Platform, alice: Member
) -> None:
    video_id = a_ready_video(platform, alice, caption="Glassblowing a blue vase #glassblowing")
    assert found(client, "glassblowing", "videos") == []  # ready, not published: private
    assert found(client, "glassblowing", "hashtags") == []

    r = client.post(f"/api/v1/videos/{video_id}/publish", headers=alice.auth)
    assert r.status_code == 200, r.text
    assert found(client, "glassblowing", "videos") == [video_id]
    assert found(client, "glasblowing", "hashtags") == ["glassblowing"]

    r = client.patch(f"/api/v1/videos/{video_id}", headers=alice.auth, json={"caption": "Raku firing #raku"})
    assert r.status_code == 200, r.text
    assert found(client, "glassblowing", "videos") == []
    assert found(client, "glassblowing", "hashtags") == []
    assert found(client, "raku firing", "videos") == [video_id]


def test_an_erased_account_leaves_search_with_its_videos(
    client: TestClient, platform: Platform, alice: Member
) -> None:
    video_id = a_ready_video(platform, alice, caption="Marquetry inlay #woodwork")
    client.post(f"/api/v1/videos/{video_id}/publish", headers=alice.auth)
    assert found(client, "alice", "creators") == ["alice"]
    assert found(client, "marquetry", "videos") == [video_id]

    r = client.post("/api/v1/me/delete", headers=alice.auth, json={"password": PASSWORD})
    assert r.status_code == 202, r.text
    platform.jobs.drain()
    assert found(client, "alice", "creators") == []
    assert found(client, "marquetry", "videos") == []
    assert found(client, "woodwork", "hashtags") == []


def test_a_lost_public_copy_is_found_again_after_the_heal(
    client: TestClient, platform: Platform, clock: FrozenClock, alice: Member
) -> None:
    video_id = a_ready_video(platform, alice, caption="Bookbinding by hand #bookbinding")
    client.post(f"/api/v1/videos/{video_id}/publish", headers=alice.auth)
    with everywhere(platform.databases).transaction() as uow:
        uow.directory.execute(delete(PublicVideoTag).where(PublicVideoTag.video_id == video_id))
        uow.directory.execute(delete(PublicVideo).where(PublicVideo.id == video_id))
    assert found(client, "bookbinding", "videos") == []

    clock.advance(minutes=2)
    heal_projections(platform, full=True)
    assert found(client, "bookbnding", "videos") == [video_id]
    assert found(client, "bookbinding", "hashtags") == ["bookbinding"]


def test_the_daily_heal_rebuilds_the_index_and_finds_the_same(client: TestClient, platform: Platform) -> None:
    ids = build_corpus(platform)
    before = found(client, "noodles", "videos")
    with platform.uow().transaction() as uow:
        rebuilt = service.rebuild_index(uow.directory)
        assert rebuilt == (5 if uow.directory.get_bind().dialect.name == "sqlite" else 0)
    assert found(client, "noodles", "videos") == before
    assert set(before[:2]) == {ids["ramen"], ids["udon"]}


def test_products_are_found_while_active_and_by_their_shop(
    client: TestClient, platform: Platform, alice: Member
) -> None:
    shop_id = open_shop(client, alice, "loomhouse")
    product = a_product(client, alice, shop_id, title="Handwoven rug", price=15000)
    assert found(client, "handwoven rug", "products") == [product["id"]]
    assert found(client, "loomhouse", "products") == [product["id"]]
    # the old listing route still answers
    assert [p["id"] for p in client.get("/api/v1/products", params={"q": "rug"}).json()] == [product["id"]]

    client.patch(f"/api/v1/products/{product['id']}", headers=alice.auth, json={"status": "draft"})
    assert found(client, "handwoven rug", "products") == []
    client.patch(f"/api/v1/products/{product['id']}", headers=alice.auth, json={"status": "active"})
    assert found(client, "handwoven rug", "products") == [product["id"]]


def test_product_filters_stock_and_a_price_range_in_one_currency(
    client: TestClient, platform: Platform
) -> None:
    ids = build_corpus(platform)

    def products(**params: Any) -> list[str]:
        r = client.get("/api/v1/search", params={"type": "products", **params})
        assert r.status_code == 200, r.text
        return sorted(p["id"] for p in r.json()["products"])

    assert products(q="denim") == sorted([ids["jacket"], ids["apron"]])
    assert products(q="denim", in_stock=True) == [ids["jacket"]]
    assert products(q="denim", currency="USD") == [ids["apron"]]
    assert products(q="wool", currency="EUR", price_min=3000, price_max=5000) == [ids["scarf"]]
    assert products(q="wool", currency="EUR", price_max=2999) == [ids["beret"]]
    assert products(q="wool", currency="EUR", price_max=2999, in_stock=True) == []

    no_currency = client.get("/api/v1/search", params={"q": "wool", "type": "products", "price_max": 100})
    assert no_currency.status_code == 422
    assert no_currency.json()["code"] == "invalid"
    upside_down = client.get(
        "/api/v1/search", params={"q": "wool", "currency": "EUR", "price_min": 5, "price_max": 1}
    )
    assert upside_down.status_code == 422
    bad_type = client.get("/api/v1/search", params={"q": "wool", "type": "shops"})
    assert bad_type.status_code == 422


def test_suggestions_while_typing(client: TestClient, platform: Platform) -> None:
    build_corpus(platform)

    def suggest(q: str) -> list[tuple[str, str]]:
        r = client.get("/api/v1/search/suggest", params={"q": q})
        assert r.status_code == 200, r.text
        return [(s["kind"], s["text"]) for s in r.json()["suggestions"]]

    assert suggest("") == []
    assert suggest("b") == []
    assert ("hashtag", "#baking") in suggest("bak")[:2]
    assert suggest("kenj")[0] == ("creator", "@kenji.ramen")
    assert ("product", "Mechanical keyboard") in suggest("keyb")[:3]
    assert ("creator", "@maya.makes") in suggest("ma")
    assert len(suggest("e")) == 0
    assert len(suggest("tech")) <= 8
