"""Closing a shop from the seller center in Chromium against a real server: asked while a paid order is still
to ship, the close is refused and the page says why; once the order is shipped, the owner confirms, the shop
is closed, its product forms give way to a note and its public page is gone."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Page, expect

from support import ADDRESS, CARD_OK, wait_until

from .conftest import PHONE, LiveServer, sign_up_by_api, watch_for_errors

pytestmark = [pytest.mark.e2e, pytest.mark.xdist_group("e2e")]


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


@pytest.fixture
def merchant_page(browser: Any, live_server: LiveServer) -> Iterator[tuple[Page, str, str, str]]:
    """The seller center of a US shop with one paid order still to ship: (page, token, shop id, order id)."""
    with live_server.api() as client:
        token = sign_up_by_api(client, "closer")
        shop = client.post(
            "/api/v1/shops",
            headers=bearer(token),
            json={"handle": "closing-co", "name": "Closing Co", "currency": "USD"},
        )
        assert shop.status_code == 201, shop.text
        shop_id = shop.json()["id"]
        product = client.post(
            f"/api/v1/shops/{shop_id}/products",
            headers=bearer(token),
            json={"title": "Last mug", "variants": [{"sku": "LAST-1", "price": 1200, "stock": 3}]},
        )
        assert product.status_code == 201, product.text
        buyer = sign_up_by_api(client, "lastbuyer", "DE")
        bought = client.post(
            "/api/v1/checkout",
            headers={**bearer(buyer), "Idempotency-Key": "last"},
            json={
                "items": [{"variant_id": product.json()["variants"][0]["id"], "quantity": 1}],
                "address": ADDRESS,
                "payment_method": CARD_OK,
            },
        )
        assert bought.status_code == 201, bought.text
        order_id = bought.json()["orders"][0]["id"]
        wait_until(
            lambda: (
                client.get(f"/api/v1/orders/{order_id}", headers=bearer(buyer)).json()["status"] == "paid"
            ),
            timeout_s=30,
            what="the sandbox's webhook to mark the order paid",
        )
    context = browser.new_context(
        base_url=live_server.url, viewport=PHONE, has_touch=True, locale="en-US", timezone_id="UTC"
    )
    context.add_cookies([{"name": "clipshop_session", "value": token, "url": live_server.url}])
    page = context.new_page()
    errors: list[str] = []
    watch_for_errors(page, errors)
    yield page, token, shop_id, order_id
    context.close()
    assert errors == [], f"a page raised: {errors}"


def test_the_owner_closes_the_shop_from_the_seller_center_once_its_orders_are_shipped(
    merchant_page: tuple[Page, str, str, str], live_server: LiveServer, shots_dir: Path
) -> None:
    page, token, shop_id, order_id = merchant_page
    page.goto("/seller")
    panel = page.locator("#close-shop")
    expect(panel).to_be_visible()

    # Asked too early: the page says what is left to do, and the shop stays open.
    panel.get_by_role("button", name="Close shop…").click()
    expect(panel.locator("#close-shop-confirm")).to_contain_text("Close Closing Co for good?")
    panel.get_by_role("button", name="Keep it open").click()
    expect(panel.locator("#close-shop-confirm")).to_be_hidden()
    panel.get_by_role("button", name="Close shop…").click()
    panel.get_by_role("button", name="Yes, close the shop").click()
    expect(panel.locator("#close-shop-error")).to_have_text(
        "1 paid order is still to ship. Ship, cancel or refund it in full (Orders, “To ship”), then close "
        "the shop."
    )
    expect(page.locator("#shop-closed-note")).to_be_hidden()
    page.screenshot(path=str(shots_dir / "seller-close-refused-phone.png"), full_page=True)

    with live_server.api() as client:
        shipped = client.post(
            f"/api/v1/shops/{shop_id}/orders/{order_id}/fulfil",
            headers=bearer(token),
            json={"carrier": "DHL", "tracking_number": "LAST1"},
        )
        assert shipped.status_code == 200, shipped.text

    panel.get_by_role("button", name="Close shop…").click()
    expect(panel.locator("#close-shop-error")).to_be_hidden()
    panel.get_by_role("button", name="Yes, close the shop").click()
    expect(page.locator("#toast")).to_have_text("Closing Co is closed")
    expect(page.locator("#shop-closed-note")).to_contain_text("Closing Co closed ")
    expect(page.locator("[data-shop-line]")).to_have_text("Closing Co · @closing-co · closed")
    expect(panel).to_be_hidden()
    page.screenshot(path=str(shots_dir / "seller-closed-phone.png"), full_page=True)

    # A reload finds it closed; the product forms are gone, the orders are still there.
    page.reload()
    expect(page.locator("#shop-closed-note")).to_be_visible()
    page.get_by_role("tab", name="Products").click()
    expect(page.locator("#new-product")).to_be_hidden()
    expect(page.locator("#import-form")).to_be_hidden()
    page.get_by_role("tab", name="Orders").click()
    page.locator("#order-filter").select_option("fulfilled")
    expect(page.locator(f"[data-order-id='{order_id}']")).to_be_visible()
    assert page.goto("/shop/closing-co").status == 404  # type: ignore[union-attr]
