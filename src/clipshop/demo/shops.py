"""Demo commerce: creators who run shops, products with variants and stock, products tagged in clips (their
own and, as affiliates, other creators'), showcases, and a few orders at every stage so the seller center,
order history and earnings pages have something to show.

Idempotent like the rest of the seed: shops are matched by handle, products by title, orders by their
Idempotency-Key (a replay answers with the stored order instead of buying again).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from clipshop.demo.api import DemoApi

CARD = "4242 4242 4242 4242"


@dataclass(frozen=True)
class DemoProduct:
    title: str
    description: str
    commission_bp: int
    variants: tuple[tuple[str, int, int, dict[str, str]], ...]  # sku, price (minor units), stock, options


@dataclass(frozen=True)
class DemoShop:
    owner: str
    handle: str
    name: str
    currency: str
    products: tuple[DemoProduct, ...]


SHOPS = (
    DemoShop(
        "maya.makes",
        "maya-supply",
        "Maya's Supply Co.",
        "USD",
        (
            DemoProduct(
                "Cordless mini drill",
                "Light, 12V, two batteries. The one from my shelf video.",
                1200,
                (("DRILL-12V", 5900, 40, {"kit": "standard"}), ("DRILL-12V-PRO", 7900, 12, {"kit": "pro"})),
            ),
            DemoProduct(
                "Chalk paint sampler",
                "Six colours, 100 ml each.",
                1500,
                (("PAINT-WARM", 2400, 60, {"palette": "warm"}), ("PAINT-COOL", 2400, 3, {"palette": "cool"})),
            ),
        ),
    ),
    DemoShop(
        "chef.theo",
        "theo-kitchen",
        "Theo's Kitchen",
        "EUR",
        (
            DemoProduct(
                "Carbon steel pan",
                "28 cm, pre-seasoned. Lasts a lifetime.",
                1000,
                (("PAN-24", 4500, 25, {"size": "24 cm"}), ("PAN-28", 5500, 18, {"size": "28 cm"})),
            ),
            DemoProduct(
                "Spice set for 15-minute dinners",
                "Eight blends from the channel.",
                800,
                (("SPICE-8", 2900, 80, {}),),
            ),
        ),
    ),
    DemoShop(
        "outback.jo",
        "outback-gear",
        "Outback Gear",
        "AUD",
        (
            DemoProduct(
                "Ultralight camp stove",
                "Boils a litre in 3 minutes; folds to a fist.",
                1500,
                (("STOVE-UL", 8900, 30, {}),),
            ),
            DemoProduct(
                "Two-person tent",
                "Up in 90 seconds, as filmed.",
                1000,
                (
                    ("TENT-2-GREEN", 34900, 6, {"colour": "green"}),
                    ("TENT-2-SAND", 34900, 0, {"colour": "sand"}),
                ),
            ),
        ),
    ),
    DemoShop(
        "glow.by.ana",
        "glow-by-ana",
        "Glow by Ana",
        "EUR",
        (
            DemoProduct(
                "Daily sunscreen SPF 50",
                "No white cast; the one from the texture test.",
                2000,
                (("SPF50-50ML", 1900, 120, {"size": "50 ml"}), ("SPF50-100ML", 2900, 45, {"size": "100 ml"})),
            ),
        ),
    ),
)
# Affiliates: (creator, shop handle, product title) — the creator tags it in one of their clips.
AFFILIATES = (
    ("tech.tom", "maya-supply", "Cordless mini drill"),
    ("lena.fit", "glow-by-ana", "Daily sunscreen SPF 50"),
    ("trail.mix", "outback-gear", "Ultralight camp stove"),
    ("bakery.nl", "theo-kitchen", "Carbon steel pan"),
)
# Demo orders: (buyer, creator whose clip sold it, product title, sku, quantity, how far it got).
ORDERS = (
    ("viewer.us", "tech.tom", "Cordless mini drill", "DRILL-12V", 1, "completed"),
    ("viewer.us", "maya.makes", "Chalk paint sampler", "PAINT-WARM", 2, "fulfilled"),
    ("viewer.eu", "lena.fit", "Daily sunscreen SPF 50", "SPF50-50ML", 2, "delivered"),
    ("viewer.eu", "bakery.nl", "Carbon steel pan", "PAN-28", 1, "paid"),
    ("viewer.au", "trail.mix", "Ultralight camp stove", "STOVE-UL", 1, "completed"),
)
ADDRESSES = {
    "viewer.us": {
        "name": "Jamie Lee",
        "line1": "500 Market St",
        "city": "San Francisco",
        "state": "CA",
        "postal_code": "94105",
        "country": "US",
    },
    "viewer.eu": {
        "name": "Noor Haddad",
        "line1": "Torstraße 12",
        "city": "Berlin",
        "postal_code": "10119",
        "country": "DE",
    },
    "viewer.au": {
        "name": "Riley Jones",
        "line1": "1 George St",
        "city": "Sydney",
        "state": "NSW",
        "postal_code": "2000",
        "country": "AU",
    },
}


def seed_shops(api: DemoApi, *, videos: list[dict[str, Any]]) -> str:
    """Shops, products, tags, showcases and orders; returns a one-line summary."""
    clips: dict[str, list[dict[str, Any]]] = {}
    for video in videos:
        clips.setdefault(video["creator"]["handle"], []).append(video)
    products: dict[tuple[str, str], dict[str, Any]] = {}
    shop_ids: dict[str, str] = {}
    for shop in SHOPS:
        mine = api.call("GET", "/api/v1/me/shops", shop.owner).json()
        if mine:
            shop_id = mine[0]["id"]
        else:
            shop_id = api.call(
                "POST",
                "/api/v1/shops",
                shop.owner,
                json={"handle": shop.handle, "name": shop.name, "currency": shop.currency},
            ).json()["id"]
            api.call(
                "POST",
                f"/api/v1/shops/{shop_id}/shipping-options",
                shop.owner,
                json={"name": "Express", "price": 990, "min_days": 1, "max_days": 2},
            )
        shop_ids[shop.handle] = shop_id
        listed = {p["title"]: p for p in api.call("GET", f"/api/v1/shops/{shop_id}/products").json()}
        poster = next((v["poster_url"] for v in clips.get(shop.owner, []) if v.get("poster_url")), None)
        for item in shop.products:
            if item.title not in listed:
                listed[item.title] = api.call(
                    "POST",
                    f"/api/v1/shops/{shop_id}/products",
                    shop.owner,
                    json={
                        "title": item.title,
                        "description": item.description,
                        "commission_bp": item.commission_bp,
                        "images": [poster] if poster else [],
                        "variants": [
                            {"sku": sku, "price": price, "stock": stock, "options": options}
                            for sku, price, stock, options in item.variants
                        ],
                    },
                ).json()
            products[(shop.handle, item.title)] = api.call(
                "GET", f"/api/v1/products/{listed[item.title]['id']}"
            ).json()
        own = [products[(shop.handle, p.title)]["id"] for p in shop.products]
        for n, video in enumerate(clips.get(shop.owner, [])[:2]):
            api.call(
                "PUT",
                f"/api/v1/videos/{video['id']}/products",
                shop.owner,
                json={"products": [{"product_id": own[n % len(own)], "at_s": 1.0}]},
            )
        api.call("PUT", "/api/v1/me/showcase", shop.owner, json={"product_ids": own})

    tagged_by: dict[str, str] = {}
    for creator, shop_handle, title in AFFILIATES:
        product = products[(shop_handle, title)]
        theirs = clips.get(creator, [])
        if theirs:
            video = theirs[0]
            api.call(
                "PUT",
                f"/api/v1/videos/{video['id']}/products",
                creator,
                json={"products": [{"product_id": product["id"], "at_s": 1.5}]},
            )
            tagged_by[creator] = video["id"]
        api.call("PUT", "/api/v1/me/showcase", creator, json={"product_ids": [product["id"]]})

    placed = 0
    for n, (buyer, creator, title, sku, quantity, stage) in enumerate(ORDERS):
        shop = next(s for s in SHOPS if any(p.title == title for p in s.products))
        product = products[(shop.handle, title)]
        variant = next(v for v in product["variants"] if v["sku"] == sku)
        if creator in tagged_by:  # the buyer came from that creator's clip: the creator earns commission
            api.call(
                "POST", f"/api/v1/products/{product['id']}/open", buyer, json={"video_id": tagged_by[creator]}
            )
        answer = api.call(
            "POST",
            "/api/v1/checkout",
            buyer,
            headers={"Idempotency-Key": f"demo-order-{n}"},
            json={
                "items": [{"variant_id": variant["id"], "quantity": quantity}],
                "address": ADDRESSES[buyer],
                "payment_method": CARD,
            },
        ).json()
        api.platform.jobs.drain()
        order_id = answer["orders"][0]["id"]
        order = api.call("GET", f"/api/v1/orders/{order_id}", buyer).json()
        placed += 1
        _advance(api, shop, shop_ids[shop.handle], buyer, order, stage)
    api.platform.jobs.drain()
    return f"{len(SHOPS)} shops, {len(products)} products, {len(AFFILIATES)} affiliates, {placed} demo orders"


def _advance(
    api: DemoApi, shop: DemoShop, shop_id: str, buyer: str, order: dict[str, Any], stage: str
) -> None:
    steps = ["paid", "fulfilled", "delivered", "completed"]
    if order["status"] not in steps:
        return
    at = steps.index(order["status"])
    target = steps.index(stage)
    base = f"/api/v1/shops/{shop_id}/orders/{order['id']}"
    if at < 1 <= target:
        api.call(
            "POST",
            f"{base}/fulfil",
            shop.owner,
            json={"carrier": "DHL", "tracking_number": order["id"][-10:]},
        )
    if at < 2 <= target:
        api.call("POST", f"{base}/deliver", shop.owner)
    if at < 3 <= target:
        api.call("POST", f"/api/v1/orders/{order['id']}/confirm-receipt", buyer)
