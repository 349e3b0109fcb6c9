"""Shopping in Chromium against a real server. A creator tags a shop's product in her clip from the earnings
page; a buyer opens it from the chip that appears on the video, picks a size, buys it now and pays with a
sandbox card; the order turns paid when the signed webhook lands; the merchant ships it from the seller
center; the creator sees her commission. Then: a showcase sale through the cart with a declined card, a lost
answer retried under the same Idempotency-Key, and the bank's approval step; and a new merchant running the
seller center (open a shop, create a product with variants, edit stock, import a CSV with a refused row)."""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Page, Route, expect

from .conftest import (
    DESKTOP,
    PHONE,
    READY_TIMEOUT_MS,
    LiveServer,
    post_clip_by_api,
    sign_up_by_api,
    wait_for_api,
    watch_for_errors,
)

pytestmark = [pytest.mark.e2e, pytest.mark.xdist_group("e2e")]
PRICE_RANGE = "$25.00 \u2013 $29.00"  # an en dash between the cheapest and the dearest size
MINUS = "\u2212"  # amounts taken off read with a real minus sign

PageFor = Callable[[str], Page]


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


@pytest.fixture
def page_for(browser: Any, live_server: LiveServer) -> Iterator[PageFor]:
    """A phone-sized page logged in with a member's token; every page must finish without a script error."""
    contexts: list[Any] = []
    errors: list[str] = []

    def make(token: str) -> Page:
        context = browser.new_context(
            base_url=live_server.url, viewport=PHONE, has_touch=True, locale="en-US", timezone_id="UTC"
        )
        context.add_cookies([{"name": "clipshop_session", "value": token, "url": live_server.url}])
        contexts.append(context)
        page = context.new_page()
        watch_for_errors(page, errors)
        return page

    yield make
    for context in contexts:
        context.close()
    assert errors == [], f"a page raised: {errors}"


@pytest.fixture(scope="module")
def market(browser: Any, live_server: LiveServer, e2e_clips: dict[str, Path]) -> dict[str, Any]:
    """A US shop selling a linen shirt (S $25, M $29, 10% to creators) and a canvas tote ($18, 5%), and a
    creator's published clip."""
    with live_server.api() as client:
        merchant = sign_up_by_api(client, "linenshop")
        shop = client.post(
            "/api/v1/shops",
            headers=bearer(merchant),
            json={"handle": "linen-co", "name": "Linen Co", "currency": "USD"},
        )
        assert shop.status_code == 201, shop.text
        shop_id = shop.json()["id"]

        def product(body: dict[str, Any]) -> dict[str, Any]:
            r = client.post(f"/api/v1/shops/{shop_id}/products", headers=bearer(merchant), json=body)
            assert r.status_code == 201, r.text
            return dict(r.json())

        shirt = product(
            {
                "title": "Linen shirt",
                "commission_bp": 1000,
                "images": ["/static/img/favicon.svg"],
                "variants": [
                    {"sku": "SHIRT-S", "price": 2500, "stock": 5, "options": {"size": "S"}},
                    {"sku": "SHIRT-M", "price": 2900, "stock": 3, "options": {"size": "M"}},
                ],
            }
        )
        tote = product(
            {
                "title": "Canvas tote",
                "commission_bp": 500,
                "variants": [{"sku": "TOTE-1", "price": 1800, "stock": 4}],
            }
        )
        creator = sign_up_by_api(client, "maya")
        video_id = post_clip_by_api(client, creator, e2e_clips["seed"], "Linen for the summer #ootd")
    context = browser.new_context(base_url=live_server.url)
    waiter = context.new_page()
    waiter.goto("/login")
    wait_for_api(waiter, f"/api/v1/videos/{video_id}", "body && body.id", timeout=READY_TIMEOUT_MS)
    context.close()
    return {
        "merchant": merchant,
        "shop_id": shop_id,
        "shirt": shirt,
        "tote": tote,
        "creator": creator,
        "video_id": video_id,
    }


def test_a_buyer_buys_from_a_video_the_shop_ships_it_and_the_creator_earns(
    page_for: PageFor, live_server: LiveServer, market: dict[str, Any], shots_dir: Path
) -> None:
    video_id, shirt = market["video_id"], market["shirt"]

    # The creator tags the shirt in her clip, to appear one second in.
    creator = page_for(market["creator"])
    creator.goto("/earnings")
    creator.get_by_label("Video", exact=True).select_option(video_id)
    expect(creator.locator("#tag-list")).to_contain_text("No products in this video yet.")
    creator.get_by_label("Add a product to this video").fill("linen")
    creator.get_by_role("button", name="Add Linen shirt").first.click()
    creator.get_by_label("Second to show Linen shirt (empty: the whole video)").fill("1")
    creator.get_by_role("button", name="Save products").click()
    expect(creator.locator("#toast")).to_have_text("Saved: 1 product in this video")
    with live_server.api() as client:
        tags = client.get(f"/api/v1/videos/{video_id}/products").json()
    assert [(t["product"]["id"], t["at_s"]) for t in tags] == [(shirt["id"], 1.0)]

    # The buyer (in Germany) watches the clip; the chip shows up once playback has passed that second.
    with live_server.api() as client:
        buyer_token = sign_up_by_api(client, "ada", "DE")
    buyer = page_for(buyer_token)
    buyer.goto(f"/v/{video_id}")
    slide = buyer.locator(f".slide[data-id='{video_id}']")
    expect(slide).to_have_class(re.compile(r"\bis-active\b"))
    chip = slide.locator(".product-chip", has_text="Linen shirt")
    expect(chip).to_be_visible(timeout=30_000)
    expect(chip).to_contain_text(PRICE_RANGE)
    played = buyer.evaluate(
        "(() => { const r = document.querySelector('.slide.is-active video').played;"
        " return Math.max(...Array.from({length: r.length}, (_, i) => r.end(i))); })()"
    )
    assert played >= 1.0

    # The product sheet opens over the video: pick a size, see its price and stock, buy it now.
    chip.click()
    sheet = buyer.get_by_role("dialog", name="Product: Linen shirt")
    expect(sheet).to_be_visible()
    expect(sheet.locator("[data-price]")).to_have_text(PRICE_RANGE)
    expect(sheet.locator("[data-stock]")).to_have_text("Choose size")
    expect(sheet.get_by_role("button", name="Buy now")).to_be_disabled()
    sheet.locator(".opt", has_text="M").click()
    expect(sheet.get_by_role("radio", name="M")).to_be_checked()
    expect(sheet.locator("[data-price]")).to_have_text("$29.00")
    expect(sheet.locator("[data-stock]")).to_have_text("Only 3 left")
    buyer.screenshot(path=str(shots_dir / "product-sheet-phone.png"))
    buyer.set_viewport_size(DESKTOP)
    buyer.screenshot(path=str(shots_dir / "product-sheet-desktop.png"))
    buyer.set_viewport_size(PHONE)
    sheet.get_by_role("button", name="Buy now").click()
    expect(buyer).to_have_url(re.compile(r"/checkout\?product="))

    # Checkout: one item, tax of her region (20%), free standard shipping; a new address, the test card.
    expect(buyer.locator("#co-lines")).to_contain_text("Linen shirt")
    expect(buyer.locator("#co-lines")).to_contain_text("size: M · Qty 1")
    expect(buyer.locator("#quote [data-total=tax]")).to_have_text("$5.80")
    expect(buyer.locator("#quote [data-total=total]")).to_have_text("$34.80")
    expect(buyer.get_by_label("Country")).to_have_value("DE")
    buyer.get_by_label("Full name").fill("Ada Buyer")
    buyer.get_by_label("Address", exact=True).fill("Hauptstraße 1")
    buyer.get_by_label("City", exact=True).fill("Berlin")
    buyer.get_by_label("Postal code").fill("10115")
    buyer.get_by_label("Card number").fill("4242 4242 4242 4242")
    buyer.screenshot(path=str(shots_dir / "checkout-phone.png"), full_page=True)
    buyer.set_viewport_size(DESKTOP)
    buyer.screenshot(path=str(shots_dir / "checkout-desktop.png"), full_page=True)
    buyer.set_viewport_size(PHONE)
    buyer.get_by_role("button", name="Pay $34.80").click()

    # The payment is confirmed by webhook; the page follows the order until it is paid, then shows it.
    expect(buyer).to_have_url(re.compile(r"/orders/eu_"))
    order_id = buyer.url.rsplit("/", 1)[-1]
    expect(buyer.locator("[data-order-status]")).to_have_attribute("data-order-status", "paid")
    expect(buyer.locator("[data-total=total]")).to_have_text("$34.80")
    expect(buyer.locator(".timeline")).to_contain_text("Payment confirmed · card ending 4242")
    expect(buyer.locator(".address")).to_contain_text("Hauptstraße 1")
    expect(buyer.get_by_role("button", name="Cancel order")).to_be_visible()
    buyer.screenshot(path=str(shots_dir / "order-paid-phone.png"), full_page=True)

    # The merchant sees the sale on the chart, ships the order with its tracking number, and the money.
    merchant = page_for(market["merchant"])
    merchant.goto("/seller")
    expect(merchant.locator("[data-sales-summary]")).to_have_text(
        "$34.80 from 1 paid order in the last 30 days"
    )
    expect(merchant.locator("#sales-chart rect[data-revenue='3480']")).to_have_count(1)
    merchant.screenshot(path=str(shots_dir / "seller-overview-phone.png"), full_page=True)
    merchant.set_viewport_size(DESKTOP)
    merchant.screenshot(path=str(shots_dir / "seller-overview-desktop.png"), full_page=True)
    merchant.set_viewport_size(PHONE)
    merchant.get_by_role("tab", name="Orders").click()
    card = merchant.locator(f"article[data-order-id='{order_id}']")
    expect(card).to_contain_text("Hauptstraße 1")
    card.get_by_label("Carrier").fill("UPS")
    card.get_by_label("Tracking number").fill("1Z999AA10123456784")
    card.get_by_role("button", name="Mark as shipped").click()
    expect(card).to_have_attribute("data-status", "fulfilled")
    expect(card.locator("[data-tracking]")).to_have_text("UPS · 1Z999AA10123456784")
    expect(merchant.locator("#toast")).to_have_text("Marked as shipped")
    merchant.get_by_role("tab", name="Money").click()
    # 34.80 paid - 5.80 tax - 1.45 platform fee (5%) - 2.90 commission = 24.65, pending until delivery.
    expect(merchant.locator("#money-balances [data-balance=pending]")).to_have_text("$24.65")
    expect(merchant.locator("#money-balances [data-balance=available]")).to_have_text("$0.00")

    # The buyer's order page now has the tracking.
    buyer.reload()
    expect(buyer.locator("[data-order-status]")).to_have_attribute("data-order-status", "fulfilled")
    expect(buyer.locator("[data-tracking]")).to_have_text(
        "Shipped with UPS · tracking number 1Z999AA10123456784"
    )

    # The creator's commission: 10% of the $29.00 shirt, pending until the order completes.
    creator.goto("/earnings")
    video_row = creator.locator(f"#earn-by-video tr[data-key='{video_id}']")
    expect(video_row.locator("[data-earning=pending]")).to_have_text("$2.90")
    expect(video_row.locator("[data-earning=earned]")).to_have_text("$0.00")
    expect(video_row).to_contain_text("Linen for the summer #ootd")
    product_row = creator.locator(f"#earn-by-product tr[data-key='{shirt['id']}']")
    expect(product_row.locator("[data-earning=pending]")).to_have_text("$2.90")
    expect(creator.locator("#earn-balances [data-balance=pending]")).to_have_text("$2.90")
    creator.screenshot(path=str(shots_dir / "earnings-phone.png"), full_page=True)


def test_a_showcase_sale_through_the_cart_survives_a_decline_a_lost_answer_and_the_bank_step(
    page_for: PageFor, live_server: LiveServer, market: dict[str, Any], shots_dir: Path
) -> None:
    with live_server.api() as client:
        noah = sign_up_by_api(client, "noah")
        ben = sign_up_by_api(client, "ben")

    # A creator puts the tote in his showcase.
    creator = page_for(noah)
    creator.goto("/earnings")
    expect(creator.locator("#showcase-list")).to_contain_text("Your showcase is empty.")
    creator.get_by_label("Add a product to your showcase").fill("tote")
    creator.get_by_role("button", name="Add Canvas tote").click()
    creator.get_by_role("button", name="Save showcase").click()
    expect(creator.locator("#toast")).to_have_text("Showcase saved")

    # A buyer finds it on his profile, adds two to the cart.
    buyer = page_for(ben)
    buyer.goto("/@noah")
    buyer.locator("#showcase").get_by_role("button", name="Canvas tote, $18.00").click()
    sheet = buyer.get_by_role("dialog", name="Product: Canvas tote")
    expect(sheet.locator("[data-stock]")).to_have_text("Only 4 left")
    sheet.get_by_role("button", name="One more").click()
    expect(sheet.locator(".qty-value")).to_have_text("2")
    sheet.get_by_role("button", name="Add to cart").click()
    expect(buyer.locator("#toast")).to_have_text("Added to cart: Canvas tote")
    expect(buyer.locator("[data-cart-count]")).to_have_text("2")
    buyer.keyboard.press("Escape")
    expect(sheet).to_be_hidden()

    buyer.get_by_role("link", name="Cart, 2 items").click()
    expect(buyer).to_have_url(f"{live_server.url}/cart")
    expect(buyer.locator("#cart-lines .line-price")).to_have_text(["$36.00"])
    buyer.get_by_role("link", name="Check out").click()

    expect(buyer.locator("#quote [data-total=total]")).to_have_text("$36.00")
    buyer.get_by_label("Full name").fill("Ben Buyer")
    buyer.get_by_label("Address", exact=True).fill("1 Main St")
    buyer.get_by_label("City", exact=True).fill("Springfield")
    buyer.get_by_label("Postal code").fill("12345")

    # Every checkout request is watched; the answer to the second one is lost on the way back.
    keys: list[str] = []

    def lose_second_answer(route: Route) -> None:
        keys.append(route.request.headers["idempotency-key"])
        if len(keys) == 2:
            route.fetch()  # the server does the work...
            route.abort("connectionreset")  # ...and the browser never hears about it
        else:
            route.continue_()

    buyer.route("**/api/v1/checkout", lose_second_answer)

    # A declined card: the reason shows by the card field.
    buyer.get_by_role("button", name="Use the card that is declined").click()
    buyer.get_by_role("button", name="Pay $36.00").click()
    expect(buyer.locator(".field-error[data-error-for=card]")).to_have_text(
        "The card was declined. Try another card."
    )

    # A card that asks the bank: the first answer is lost, Pay again replays it under the same key.
    buyer.get_by_role("button", name="Use the card that needs authentication").click()
    buyer.get_by_role("button", name="Pay $36.00").click()
    expect(buyer.locator("#pay-form .form-error")).to_contain_text("you will not be charged twice")
    buyer.get_by_role("button", name="Pay $36.00").click()
    bank = buyer.locator("#bank-step")
    expect(bank).to_be_visible()
    expect(bank.locator("[data-bank-amount]")).to_have_text("$36.00")
    buyer.screenshot(path=str(shots_dir / "bank-step-phone.png"), full_page=True)
    bank.get_by_role("button", name="Approve").click()
    expect(buyer).to_have_url(re.compile(r"/orders/us_"))
    expect(buyer.locator("[data-order-status]")).to_have_attribute("data-order-status", "paid")
    expect(buyer.locator("[data-cart-count]")).to_be_hidden()
    assert len(keys) == 3 and keys[0] != keys[1] and keys[1] == keys[2]

    # One paid order; the declined attempt left a cancelled one and no charge.
    with live_server.api() as client:
        orders = client.get("/api/v1/orders", headers=bearer(ben)).json()
    assert [(o["status"], o["total"]) for o in orders] == [("paid", 3600), ("cancelled", 3600)]

    # The showcase earned its creator 5% of $36.00.
    creator.goto("/earnings")
    row = creator.locator("#earn-by-video tr[data-key='showcase']")
    expect(row.locator("[data-earning=pending]")).to_have_text("$1.80")


def test_a_new_merchant_runs_the_seller_center(
    page_for: PageFor, live_server: LiveServer, tmp_path: Path, shots_dir: Path
) -> None:
    with live_server.api() as client:
        token = sign_up_by_api(client, "potter")
    page = page_for(token)
    page.goto("/seller")

    # No shop yet: open one; the handle follows the name.
    form = page.locator("#open-shop")
    expect(form).to_be_visible()
    form.get_by_label("Shop name").fill("Clay Studio")
    expect(form.get_by_label("Handle")).to_have_value("clay-studio")
    form.get_by_role("button", name="Open shop").click()
    expect(page.locator("[data-shop-line]")).to_have_text("Clay Studio · @clay-studio · prices in USD")
    expect(page.locator("[data-sales-summary]")).to_have_text("$0.00 from 0 paid orders in the last 30 days")
    expect(page.locator("#sales-chart rect.revenue-bar")).to_have_count(30)
    page.get_by_label("Period").select_option("7")
    expect(page.locator("#sales-chart rect.revenue-bar")).to_have_count(7)

    # A product with two colours.
    page.get_by_role("tab", name="Products").click()
    expect(page).to_have_url(re.compile(r"/seller#products$"))
    new = page.locator("#new-product")
    new.get_by_label("Title").fill("Speckled mug")
    new.get_by_label("Creator commission (%)").fill("12.5")
    new.get_by_label("Option name (optional, e.g. Size)").fill("Color")
    new.get_by_label("Variant 1 option value").fill("Sand")
    new.get_by_label("Variant 1 SKU").fill("MUG-SAND")
    new.get_by_label("Variant 1 price").fill("24")
    new.get_by_label("Variant 1 stock").fill("6")
    new.get_by_role("button", name="+ Add a variant").click()
    new.get_by_label("Variant 2 option value").fill("Ink")
    new.get_by_label("Variant 2 SKU").fill("MUG-INK")
    new.get_by_label("Variant 2 price").fill("26.5")
    new.get_by_label("Variant 2 stock").fill("2")
    new.get_by_role("button", name="Create product").click()
    expect(page.locator("#toast")).to_have_text("Created Speckled mug")
    mug = page.locator(".product-row", has_text="Speckled mug")
    expect(mug.locator("tbody tr")).to_have_count(2)
    expect(mug.get_by_label("Price of MUG-INK")).to_have_value("26.50")

    # Stock moves by what the seller changed.
    mug.get_by_label("Stock of MUG-INK").fill("5")
    mug.get_by_role("button", name="Save MUG-INK").click()
    expect(page.locator("#toast")).to_have_text("Saved MUG-INK: $26.50, 5 in stock")
    with live_server.api() as client:
        shop_id = client.get("/api/v1/me/shops", headers=bearer(token)).json()[0]["id"]
        catalog = client.get(f"/api/v1/shops/{shop_id}/catalog", headers=bearer(token)).json()
    assert [(v["sku"], v["price"], v["stock"], v["options"]) for v in catalog[0]["variants"]] == [
        ("MUG-SAND", 2400, 6, {"Color": "Sand"}),
        ("MUG-INK", 2650, 5, {"Color": "Ink"}),
    ]
    assert catalog[0]["commission_bp"] == 1250

    # A photo from the seller's disk becomes one of the product's pictures.
    photo = tmp_path / "mug.png"
    from PIL import Image

    Image.new("RGB", (1600, 1200), (90, 140, 200)).save(photo)
    mug.get_by_label("Add a photo of Speckled mug").set_input_files(str(photo))
    expect(page.locator("#toast")).to_have_text("Added a photo of Speckled mug")
    expect(mug.locator("[data-photo-count]")).to_have_text("1 photo")

    # A CSV import: the bowl's two rows go in, the plate's row is refused and reported.
    csv = tmp_path / "catalog.csv"
    csv.write_text(
        "handle,title,sku,price,stock,option1_name,option1_value\n"
        "bowl,Ramen bowl,BOWL-S,18.00,4,Size,Small\n"
        "bowl,Ramen bowl,BOWL-L,22.00,3,Size,Large\n"
        "plate,Side plate,PLATE-1,abc,5,,\n"
    )
    page.locator("#import-form input[type=file]").set_input_files(str(csv))
    page.locator("#import-form").get_by_role("button", name="Import").click()
    expect(page.locator("[data-import-summary]")).to_have_text(
        "Created 1 product from 3 rows. 1 row was refused:"
    )
    expect(page.locator("tr[data-import-error]")).to_have_count(1)
    expect(page.locator("tr[data-import-error] td")).to_have_text(
        ["4", "price", "'abc' is not an amount; write it like 19.99."]
    )
    expect(page.locator(".product-row")).to_have_count(2)
    page.screenshot(path=str(shots_dir / "seller-products-phone.png"), full_page=True)

    # Nothing sold yet: no orders to ship, no money.
    page.get_by_role("tab", name="Orders").click()
    expect(page.locator("#shop-orders")).to_have_text("Nothing to ship right now.")
    page.get_by_role("tab", name="Money").click()
    expect(page.locator("#money-balances")).to_have_text(
        "Nothing yet: money shows here once an order is paid."
    )


def test_the_cart_is_empty_for_a_new_member(page_for: PageFor, live_server: LiveServer) -> None:
    with live_server.api() as client:
        token = sign_up_by_api(client, "cleo")
    page = page_for(token)
    page.goto("/cart")
    expect(page.locator("#cart-lines")).to_contain_text("Your cart is empty")
    expect(page.get_by_role("link", name="Cart")).to_have_attribute("href", "/cart")
    page.goto("/orders")
    expect(page.locator("#order-list")).to_contain_text("No orders yet")


def test_after_the_sale_refunds_returns_receipt_and_a_review(
    page_for: PageFor, live_server: LiveServer, market: dict[str, Any], shots_dir: Path
) -> None:
    shop_id, size_s = market["shop_id"], market["shirt"]["variants"][0]["id"]
    with live_server.api() as client:
        cora = sign_up_by_api(client, "cora")
        order_ids = []
        for key in ("cora-1", "cora-2"):
            r = client.post(
                "/api/v1/checkout",
                headers={**bearer(cora), "Idempotency-Key": key},
                json={
                    "items": [{"variant_id": size_s, "quantity": 1}],
                    "address": {
                        "name": "Cora",
                        "line1": "2 Elm St",
                        "city": "Portland",
                        "postal_code": "97201",
                        "country": "US",
                    },
                    "payment_method": "4242 4242 4242 4242",
                },
            )
            assert r.status_code == 201, r.text
            order_ids.append(r.json()["orders"][0]["id"])
    delivered, to_ship = order_ids
    buyer = page_for(cora)
    buyer.goto("/orders")
    for order_id in order_ids:
        wait_for_api(buyer, f"/api/v1/orders/{order_id}", "body && body.status === 'paid'", timeout=15_000)
    with live_server.api() as client:
        shipped = client.post(
            f"/api/v1/shops/{shop_id}/orders/{delivered}/fulfil",
            headers=bearer(market["merchant"]),
            json={"carrier": "USPS", "tracking_number": "9400100000000000000000"},
        )
        assert shipped.status_code == 200, shipped.text
        arrived = client.post(
            f"/api/v1/shops/{shop_id}/orders/{delivered}/deliver", headers=bearer(market["merchant"])
        )
        assert arrived.status_code == 200, arrived.text

    # The shop refunds $5.00 of the order still to ship.
    merchant = page_for(market["merchant"])
    merchant.goto("/seller#orders")
    card = merchant.locator(f"article[data-order-id='{to_ship}']")
    card.get_by_role("button", name="Refund…").click()
    card.get_by_label("Amount to refund (USD)").fill("5")
    card.get_by_label("Reason").fill("late dispatch")
    card.get_by_role("button", name="Refund", exact=True).click()
    expect(merchant.locator("#toast")).to_have_text("Refunded $5.00")
    expect(card.locator("[data-total=refunded]")).to_have_text(f"{MINUS}$5.00")

    # The buyer asks to return part of the delivered order.
    buyer.goto(f"/orders/{delivered}")
    expect(buyer.locator("[data-order-status]")).to_have_attribute("data-order-status", "delivered")
    buyer.get_by_role("button", name="Request a return").click()
    form = buyer.get_by_role("form", name="Request a return")
    form.get_by_label("What went wrong?").fill("Too small")
    form.get_by_label("Amount to refund (USD)").fill("10")
    form.get_by_role("button", name="Send the request").click()
    expect(buyer.locator("#toast")).to_have_text("Return requested; the shop will answer soon.")
    expect(buyer.locator(".timeline")).to_contain_text("Return requested · Too small")

    # The shop approves it from the returns tab.
    merchant.get_by_role("tab", name="Returns").click()
    request = merchant.locator("#returns tbody tr", has_text="Too small")
    expect(request).to_contain_text("$10.00")
    request.get_by_role("button", name="Approve and refund").click()
    expect(merchant.locator("#toast")).to_have_text("Refunded $10.00")
    expect(merchant.locator("#returns tbody tr", has_text="Too small")).to_contain_text("Refunded")

    # The buyer sees the refund, confirms receipt and reviews the shirt.
    buyer.reload()
    expect(buyer.locator("[data-total=refunded]")).to_have_text(f"{MINUS}$10.00")
    buyer.get_by_role("button", name="Confirm receipt").click()
    expect(buyer.locator("[data-order-status]")).to_have_attribute("data-order-status", "completed")
    review = buyer.get_by_role("form", name="Review Linen shirt")
    review.locator("label[title='4 stars']").click()
    review.get_by_label("Your review (optional)").fill("Soft and cool")
    review.get_by_role("button", name="Post review").click()
    expect(review).to_have_text("Thanks: your 4-star review of Linen shirt is posted.")
    buyer.screenshot(path=str(shots_dir / "order-completed-phone.png"), full_page=True)
    with live_server.api() as client:
        product = client.get(f"/api/v1/products/{market['shirt']['id']}").json()
    assert (product["rating"], product["rating_count"]) == (4.0, 1)

    # The buyer cancels the other order: the rest of it comes back.
    buyer.goto(f"/orders/{to_ship}")
    buyer.get_by_role("button", name="Cancel order").click()
    buyer.get_by_role("button", name="Yes, cancel").click()
    expect(buyer.locator("#toast")).to_have_text("Order cancelled; the refund is on its way.")
    expect(buyer.locator(".notice")).to_have_text("Cancelled; $25.00 refunded to your card.")
    buyer.goto("/orders")
    expect(buyer.locator(".order-card [data-status]")).to_have_text(["Cancelled", "Completed"])


def test_a_saved_address_a_discount_code_and_an_item_that_sells_out_meanwhile(
    page_for: PageFor, live_server: LiveServer, market: dict[str, Any]
) -> None:
    merchant, shop_id = bearer(market["merchant"]), market["shop_id"]
    with live_server.api() as client:
        scarf = client.post(
            f"/api/v1/shops/{shop_id}/products",
            headers=merchant,
            json={"title": "Linen scarf", "variants": [{"sku": "SCARF-1", "price": 2000, "stock": 1}]},
        ).json()
        code = client.post(
            f"/api/v1/shops/{shop_id}/discounts",
            headers=merchant,
            json={"code": "SUMMER10", "percent_bp": 1000},
        )
        assert code.status_code == 201, code.text
        dina = sign_up_by_api(client, "dina")
        saved = client.post(
            "/api/v1/me/addresses",
            headers=bearer(dina),
            json={
                "name": "Dina",
                "line1": "3 Oak Ave",
                "city": "Austin",
                "postal_code": "73301",
                "country": "US",
            },
        )
        assert saved.status_code == 201, saved.text
        rival = sign_up_by_api(client, "rival")
    variant = scarf["variants"][0]["id"]
    page = page_for(dina)
    page.goto(f"/checkout?product={scarf['id']}&variant={variant}&quantity=1")

    # The saved address is chosen; the form for a new one stays folded away.
    expect(page.get_by_role("radio", name=re.compile(r"^Dina"))).to_be_checked()
    expect(page.get_by_label("Full name")).to_be_hidden()

    # A wrong code is refused by its field; the right one takes 10% off.
    expect(page.locator("#quote [data-total=total]")).to_have_text("$20.00")
    page.get_by_role("textbox", name="Discount code").fill("nope")
    page.get_by_role("button", name="Apply").click()
    expect(page.locator("#discount-form .field-error")).to_have_text(
        "The code NOPE is not valid for these shops (or has run out)."
    )
    page.get_by_role("textbox", name="Discount code").fill("summer10")
    page.get_by_role("button", name="Apply").click()
    expect(page.locator("[data-applied]")).to_have_text("SUMMER10 applied.")
    expect(page.locator("#quote [data-total=discount]")).to_have_text(f"{MINUS}$2.00")
    expect(page.locator("#quote [data-total=total]")).to_have_text("$18.00")

    # Someone else takes the last one first: the answer says so.
    with live_server.api() as client:
        r = client.post(
            "/api/v1/checkout",
            headers={**bearer(rival), "Idempotency-Key": "rival-1"},
            json={
                "items": [{"variant_id": variant, "quantity": 1}],
                "address": {"name": "R", "line1": "1 A St", "city": "B", "postal_code": "1", "country": "US"},
                "payment_method": "4242 4242 4242 4242",
            },
        )
        assert r.status_code == 201, r.text
    page.get_by_label("Card number").fill("4242 4242 4242 4242")
    page.get_by_role("button", name="Pay $18.00").click()
    expect(page.locator("#pay-form .form-error")).to_have_text("This item just sold out.")
    expect(page).to_have_url(re.compile(r"/checkout\?"))


def test_a_shop_page_lists_its_products_and_the_clips_that_sell_them(
    page_for: PageFor, live_server: LiveServer
) -> None:
    with live_server.api() as client:
        token = sign_up_by_api(client, "kiln")
        headers = {"Authorization": f"Bearer {token}"}
        shop = client.post(
            "/api/v1/shops", headers=headers, json={"handle": "kiln-works", "name": "Kiln Works"}
        )
        assert shop.status_code == 201, shop.text
        made = client.post(
            f"/api/v1/shops/{shop.json()['id']}/products",
            headers=headers,
            json={"title": "Speckled bowl", "variants": [{"sku": "BOWL-1", "price": 3200, "stock": 2}]},
        )
        assert made.status_code == 201, made.text
        fan = sign_up_by_api(client, "kilnfan")
    page = page_for(fan)
    page.goto("/shop/kiln-works")
    expect(page.get_by_role("heading", name="Kiln Works")).to_be_visible()
    page.get_by_role("button", name="Speckled bowl, $32.00").click()
    sheet = page.get_by_role("dialog")
    expect(sheet.get_by_role("link", name="Kiln Works")).to_have_attribute("href", "/shop/kiln-works")
    expect(page.locator("#grid")).to_contain_text("No videos sell this shop's products yet.")
    page.goto("/shop/nobody-here")
    expect(page.get_by_role("heading", name="Couldn't find this shop")).to_be_visible()


def test_paying_for_a_busy_item_says_busy_and_retries_and_a_sold_out_one_says_sold_out(
    page_for: PageFor, live_server: LiveServer
) -> None:
    with live_server.api() as client:
        seller = sign_up_by_api(client, "dropseller")
        shop = client.post("/api/v1/shops", headers=bearer(seller), json={"handle": "drops", "name": "Drops"})
        assert shop.status_code == 201, shop.text
        made = client.post(
            f"/api/v1/shops/{shop.json()['id']}/products",
            headers=bearer(seller),
            json={"title": "Drop tee", "variants": [{"sku": "TEE-1", "price": 1500, "stock": 1}]},
        )
        assert made.status_code == 201, made.text
        first, late = sign_up_by_api(client, "dropfirst"), sign_up_by_api(client, "droplate")
    product = made.json()
    checkout_url = f"/checkout?product={product['id']}&variant={product['variants'][0]['id']}&quantity=1"

    def fill_and_pay(page: Page) -> None:
        page.goto(checkout_url)
        pay = page.get_by_role("button", name=re.compile(r"^Pay \$"))
        expect(pay).to_be_enabled()
        page.get_by_label("Full name").fill("Drop Fan")
        page.get_by_label("Address", exact=True).fill("1 Main St")
        page.get_by_label("City", exact=True).fill("Springfield")
        page.get_by_label("Postal code").fill("12345")
        page.get_by_label("Card number").fill("4242 4242 4242 4242")
        pay.click()

    # The first try meets the item at capacity (429 checkout_busy); the page says so, waits the Retry-After
    # and sends the same attempt again, which goes through.
    keys: list[str] = []

    def busy_first(route: Route) -> None:
        keys.append(route.request.headers["idempotency-key"])
        if len(keys) > 1:
            route.continue_()
            return
        route.fulfill(
            status=429,
            headers={"Retry-After": "1", "Content-Type": "application/problem+json"},
            body=json.dumps({
                "type": "https://clipshop.dev/problems/checkout_busy", "title": "Too busy", "status": 429,
                "code": "checkout_busy", "retry_after_s": 1, "instance": "/api/v1/checkout",
                "detail": "So many people are buying this item right now that your checkout could not start.",
            }),
        )  # fmt: skip

    page = page_for(first)
    page.route("**/api/v1/checkout", busy_first)
    fill_and_pay(page)
    expect(page.locator("#pay")).to_have_text("Busy, retrying…")
    expect(page.locator("#pay-form .form-error")).to_contain_text("Many people are buying this right now")
    expect(page).to_have_url(re.compile(r"/orders/us_"))
    assert len(keys) == 2 and keys[0] == keys[1]

    # The last one is gone: the next buyer's button says so instead of offering to pay.
    other = page_for(late)
    fill_and_pay(other)
    expect(other.locator("#pay-form .form-error")).to_have_text("This item just sold out.")
    expect(other.get_by_role("button", name="Sold out")).to_be_disabled()
