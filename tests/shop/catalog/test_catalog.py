"""Shops and catalog over the API: opening a shop, products with variants and their public copies, stock,
staff, CSV import with a per-row report, showcases."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient

from clipshop.platform import Platform
from support import Member, a_product, open_shop


def test_a_shop_lives_in_its_owners_region_and_handles_are_unique(client: TestClient, sign_up: Any) -> None:
    bob: Member = sign_up("bob", "DE")
    carol: Member = sign_up("carol", "US")
    shop_id = open_shop(client, bob, "bobs-bikes", currency="EUR")
    assert shop_id.startswith("eu_")
    assert client.get("/api/v1/shops/bobs-bikes").json()["id"] == shop_id
    again = client.post("/api/v1/shops", headers=bob.auth, json={"handle": "other", "name": "x"})
    assert again.status_code == 409 and again.json()["code"] == "shop_exists"
    taken = client.post("/api/v1/shops", headers=carol.auth, json={"handle": "bobs-bikes", "name": "x"})
    assert taken.status_code == 409 and taken.json()["code"] == "shop_handle_taken"
    bad = client.post(
        "/api/v1/shops", headers=carol.auth, json={"handle": "ok-shop", "name": "x", "currency": "XYZ"}
    )
    assert bad.status_code == 422 and bad.json()["code"] == "invalid_currency"
    assert [s["id"] for s in client.get("/api/v1/me/shops", headers=bob.auth).json()] == [shop_id]


def test_products_are_public_only_while_active_and_carry_live_stock(
    client: TestClient, platform: Platform, sign_up: Any
) -> None:
    bob: Member = sign_up("bob", "DE")
    shop_id = open_shop(client, bob, "bobs", currency="EUR")
    product = a_product(client, bob, shop_id, price=1999, stock=4, skus=("TEE-S", "TEE-M"))
    assert (product["price_min"], product["price_max"], product["currency"]) == (1999, 1999, "EUR")
    assert [v["sku"] for v in product["variants"]] == ["TEE-S", "TEE-M"]
    small, medium = (v["id"] for v in product["variants"])

    r = client.patch(f"/api/v1/variants/{medium}", headers=bob.auth, json={"price": 2499, "stock_delta": -4})
    assert r.json() == {"id": medium, "sku": "TEE-M", "options": {"size": "M"}, "price": 2499, "stock": 0}
    public = client.get(f"/api/v1/products/{product['id']}").json()
    assert (public["price_min"], public["price_max"]) == (1999, 2499)
    assert [(v["sku"], v["available"]) for v in public["variants"]] == [("TEE-S", 4), ("TEE-M", 0)]
    below = client.patch(f"/api/v1/variants/{small}", headers=bob.auth, json={"stock_delta": -5})
    assert below.status_code == 409 and below.json()["code"] == "stock_would_go_negative"

    hidden = client.patch(f"/api/v1/products/{product['id']}", headers=bob.auth, json={"status": "draft"})
    assert hidden.status_code == 200
    assert client.get(f"/api/v1/products/{product['id']}").status_code == 404
    assert client.get(f"/api/v1/shops/{shop_id}/products").json() == []
    catalog = client.get(f"/api/v1/shops/{shop_id}/catalog", headers=bob.auth).json()
    assert [(p["title"], p["status"], [v["stock"] for v in p["variants"]]) for p in catalog] == [
        ("Linen shirt", "draft", [4, 0])
    ]
    dup = client.post(
        f"/api/v1/shops/{shop_id}/products",
        headers=bob.auth,
        json={"title": "Again", "variants": [{"sku": "TEE-S", "price": 1}]},
    )
    assert dup.status_code == 409 and dup.json()["code"] == "duplicate_sku"
    # Drafts are not searchable.
    assert client.get("/api/v1/products", params={"q": "linen"}).json() == []
    client.patch(f"/api/v1/products/{product['id']}", headers=bob.auth, json={"status": "active"})
    assert [p["id"] for p in client.get("/api/v1/products", params={"q": "LINEN shirt"}).json()] == [
        product["id"]
    ]


def test_staff_can_run_the_shop_but_only_the_owner_sees_its_money(client: TestClient, sign_up: Any) -> None:
    owner: Member = sign_up("owner", "US")
    helper: Member = sign_up("helper", "US")
    abroad: Member = sign_up("abroad", "DE")
    shop_id = open_shop(client, owner, "team-shop")
    # The staff list names its people, so it stays where they live: a shop is run from its own region.
    r = client.post(f"/api/v1/shops/{shop_id}/staff", headers=owner.auth, json={"user_id": abroad.id})
    assert (r.status_code, r.json()["code"]) == (422, "staff_region")
    assert (
        client.post(
            f"/api/v1/shops/{shop_id}/staff", headers=owner.auth, json={"user_id": helper.id}
        ).status_code
        == 201
    )
    made = a_product(client, helper, shop_id, skus=("H-1",))
    assert made["shop_id"] == shop_id
    assert client.get(f"/api/v1/shops/{shop_id}/money", headers=helper.auth).status_code == 404
    assert client.get(f"/api/v1/shops/{shop_id}/money", headers=owner.auth).status_code == 200
    staff = client.get(f"/api/v1/shops/{shop_id}/staff", headers=helper.auth).json()
    assert sorted((s["user_id"], s["role"]) for s in staff) == sorted(
        [(owner.id, "owner"), (helper.id, "staff")]
    )
    assert client.delete(f"/api/v1/shops/{shop_id}/staff/{helper.id}", headers=owner.auth).status_code == 204
    assert client.get(f"/api/v1/shops/{shop_id}/catalog", headers=helper.auth).status_code == 404


HEADER = (
    "handle,title,description,status,commission_percent,image_url,sku,price,stock,option1_name,option1_value"
)
CSV = f"""{HEADER}
mug,Stoneware mug,Glazed by hand,active,12.5,https://cdn.example.com/mug.jpg,MUG-BLUE,18.00,40,colour,blue
mug,Stoneware mug,,,,,MUG-SAND,18.50,12,colour,sand
tote,Canvas tote,,active,,,TOTE-1,twelve,5,,
tote,Canvas tote,,,,,TOTE-2,12.00,-1,,
,,,,,,X-1,1.00,1,,
cap,Wool cap,,draft,,,CAP-1,25.999,3,,
scarf,Silk scarf,,active,95,,SCARF-1,40.00,2,,
"""


def test_csv_import_creates_valid_products_and_reports_each_bad_row(client: TestClient, sign_up: Any) -> None:
    bob: Member = sign_up("bob", "DE")
    shop_id = open_shop(client, bob, "bulk", currency="EUR")
    r = client.post(
        f"/api/v1/shops/{shop_id}/products/import",
        headers={**bob.auth, "Content-Type": "text/csv"},
        content=CSV.encode(),
    )
    assert r.status_code == 200, r.text
    report = r.json()
    assert report["created"] == 1 and report["rows"] == 7
    assert [(e["row"], e["field"], e["code"]) for e in report["errors"]] == [
        (4, "price", "invalid_amount"),
        (5, "stock", "invalid_stock"),
        (6, "title", "missing_value"),
        (7, "price", "invalid_amount"),
        (8, "commission_percent", "invalid_commission"),
    ]
    catalog = client.get(f"/api/v1/shops/{shop_id}/catalog", headers=bob.auth).json()
    assert [
        (
            p["title"],
            p["commission_bp"],
            p["images"],
            [(v["sku"], v["price"], v["stock"], v["options"]) for v in p["variants"]],
        )
        for p in catalog
    ] == [
        (
            "Stoneware mug",
            1250,
            ["https://cdn.example.com/mug.jpg"],
            [("MUG-BLUE", 1800, 40, {"colour": "blue"}), ("MUG-SAND", 1850, 12, {"colour": "sand"})],
        ),
    ]
    no_header = client.post(
        f"/api/v1/shops/{shop_id}/products/import", headers=bob.auth, content=b"just text"
    )
    assert no_header.status_code == 422 and no_header.json()["code"] == "invalid_csv"


def test_creators_showcase_products_open_to_affiliates(client: TestClient, sign_up: Any) -> None:
    bob: Member = sign_up("bob", "DE")
    maya: Member = sign_up("maya", "US")
    shop_id = open_shop(client, bob, "bobs")
    open_product = a_product(client, bob, shop_id, commission_bp=1500, skus=("O-1",))
    closed_product = a_product(client, bob, shop_id, commission_bp=0, skus=("C-1",), title="Closed")
    refused = client.put(
        "/api/v1/me/showcase", headers=maya.auth, json={"product_ids": [closed_product["id"]]}
    )
    assert refused.status_code == 409 and refused.json()["code"] == "not_open_to_affiliates"
    shown = client.put("/api/v1/me/showcase", headers=maya.auth, json={"product_ids": [open_product["id"]]})
    assert [p["id"] for p in shown.json()] == [open_product["id"]]
    assert [p["id"] for p in client.get("/api/v1/users/maya/showcase").json()] == [open_product["id"]]
    own = client.put("/api/v1/me/showcase", headers=bob.auth, json={"product_ids": [closed_product["id"]]})
    assert own.status_code == 200  # a merchant may show their own products whatever the commission


def png(width: int, height: int) -> bytes:
    import io

    from PIL import Image

    out = io.BytesIO()
    Image.new("RGB", (width, height), (200, 120, 40)).save(out, format="PNG")
    return out.getvalue()


def test_product_photos_are_re_encoded_served_and_listed(
    client: TestClient, platform: Platform, sign_up: Any
) -> None:
    import io

    from PIL import Image

    bob: Member = sign_up("bob", "DE")
    maya: Member = sign_up("maya", "US")
    product = a_product(client, bob, open_shop(client, bob, "photos"), skus=("P-1",))
    r = client.post(f"/api/v1/products/{product['id']}/images", headers=bob.auth, content=png(2400, 1600))
    assert r.status_code == 201, r.text
    images = r.json()["images"]
    assert len(images) == 2 and images[1].startswith("/media/eu/products/")
    served = client.get(images[1])
    assert served.status_code == 200 and served.headers["content-type"] == "image/jpeg"
    with Image.open(io.BytesIO(served.content)) as picture:
        assert (picture.format, picture.size) == ("JPEG", (1080, 720))
    assert client.get(f"/api/v1/products/{product['id']}").json()["images"] == images
    other = client.post(f"/api/v1/products/{product['id']}/images", headers=maya.auth, content=png(10, 10))
    assert other.status_code == 404
    text = client.post(f"/api/v1/products/{product['id']}/images", headers=bob.auth, content=b"not an image")
    assert text.status_code == 415 and text.json()["code"] == "not_an_image"
