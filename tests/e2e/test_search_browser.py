"""Search in Chromium against a real server, with no script error, no console error and nothing the content
security policy refuses: from the feed's navigation to the search page, a misspelt query typed key by key, a
suggestion picked with the keyboard, the results in each tab, the product sheet, and the address keeping the
query and the tab through a reload and back."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import expect

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


def test_a_viewer_searches_from_the_feed_picks_a_suggestion_and_browses_the_tabs(
    browser: Any, live_server: LiveServer, e2e_clips: dict[str, Path], shots_dir: Path
) -> None:
    with live_server.api() as client:
        maker = sign_up_by_api(client, "glassblowing.jo", "US")
        auth = {"Authorization": f"Bearer {maker}"}
        shop = client.post(
            "/api/v1/shops",
            headers=auth,
            json={"handle": "furnace-supply", "name": "Furnace Supply", "currency": "USD"},
        )
        assert shop.status_code == 201, shop.text
        product = client.post(
            f"/api/v1/shops/{shop.json()['id']}/products",
            headers=auth,
            json={
                "title": "Glassblowing starter kit",
                "images": ["/static/img/favicon.svg"],
                "variants": [{"sku": "KIT-1", "price": 4900, "stock": 3}],
            },
        )
        assert product.status_code == 201, product.text
        video_id = post_clip_by_api(
            client, maker, e2e_clips["seed"], "A blue vase off the pipe #glassblowing"
        )
        viewer = sign_up_by_api(client, "search.viewer", "US")
    context = browser.new_context(base_url=live_server.url, viewport=DESKTOP, locale="en-US")
    context.add_cookies([{"name": "clipshop_session", "value": viewer, "url": live_server.url}])
    # Waiting for the clip asks until it is published (the console logs those 404s): on a page of its own.
    errors: list[str] = []
    try:
        waiter = context.new_page()
        waiter.goto("/login")
        wait_for_api(waiter, f"/api/v1/videos/{video_id}", "body && body.id", timeout=READY_TIMEOUT_MS)
        waiter.close()
        page = context.new_page()
        watch_for_errors(page, errors)
        page.on("console", lambda message: errors.append(message.text) if message.type == "error" else None)
        page.goto("/")

        page.locator("nav.nav a[href='/search']").click()
        expect(page).to_have_url(f"{live_server.url}/search?type=top")
        box = page.get_by_role("combobox", name="Search")
        expect(box).to_be_focused()
        expect(page.locator("#search-results")).to_contain_text("Search Clipshop")

        box.press_sequentially("glasblowing", delay=40)  # one "s" short
        options = page.locator("#search-suggestions [role=option]")
        expect(options.filter(has_text="#glassblowing")).to_have_count(1)
        texts = [t.strip() for t in options.locator(".suggestion-text").all_inner_texts()]
        for _ in range(texts.index("#glassblowing") + 1):
            box.press("ArrowDown")
        chosen = options.filter(has_text="#glassblowing")
        expect(chosen).to_have_attribute("aria-selected", "true")
        expect(box).to_have_attribute("aria-activedescendant", chosen.get_attribute("id") or "")
        page.screenshot(path=str(shots_dir / "search-suggestions.png"))
        box.press("Enter")

        expect(page).to_have_url(f"{live_server.url}/search?q=%23glassblowing&type=top")
        expect(page.locator("#search-suggestions")).to_be_hidden()
        expect(box).to_have_value("#glassblowing")
        results = page.locator("#search-results")
        expect(results.locator(f"a.result-video[href='/v/{video_id}']")).to_contain_text("@glassblowing.jo")
        expect(results.locator("[data-results=hashtags]")).to_contain_text("#glassblowing")
        expect(results.locator("[data-results=hashtags]")).to_contain_text("1 video")
        page.screenshot(path=str(shots_dir / "search-top.png"), full_page=True)

        page.get_by_role("tab", name="Products").click()
        expect(page).to_have_url(f"{live_server.url}/search?q=%23glassblowing&type=products")
        expect(page.get_by_role("tab", name="Products")).to_have_attribute("aria-selected", "true")
        kit = results.locator("[data-results=products] .result-product")
        expect(kit).to_have_count(1)
        expect(kit).to_contain_text("Glassblowing starter kit")
        expect(kit).to_contain_text("$49.00")
        expect(kit).to_contain_text("Furnace Supply")
        expect(kit).to_contain_text("In stock")
        page.get_by_label("In stock").check()
        expect(page).to_have_url(f"{live_server.url}/search?q=%23glassblowing&type=products&in_stock=true")
        expect(kit).to_have_count(1)
        kit.click()
        sheet = page.locator(".product-sheet")
        expect(sheet.locator(".product-title")).to_have_text("Glassblowing starter kit")
        expect(sheet.locator("[data-stock]")).to_have_text("Only 3 left")
        page.keyboard.press("Escape")
        expect(sheet).to_be_hidden()

        page.get_by_role("tab", name="Creators").click()
        expect(page).to_have_url(f"{live_server.url}/search?q=%23glassblowing&type=creators")
        creator = results.locator("[data-results=creators] a.result-creator[href='/@glassblowing.jo']")
        expect(creator).to_contain_text("@glassblowing.jo")

        page.reload()
        expect(page.get_by_role("tab", name="Creators")).to_have_attribute("aria-selected", "true")
        expect(page.get_by_role("combobox", name="Search")).to_have_value("#glassblowing")
        expect(creator).to_contain_text("@glassblowing.jo")
        page.go_back()
        expect(page.get_by_role("tab", name="Products")).to_have_attribute("aria-selected", "true")
        expect(page.get_by_label("In stock")).to_be_checked()
        expect(kit).to_contain_text("Glassblowing starter kit")

        box = page.get_by_role("combobox", name="Search")
        box.fill("qqxzv")
        box.press("Enter")
        expect(results).to_contain_text("No results for “qqxzv” in products")

        page.get_by_role("tab", name="Videos").click()
        page.get_by_role("combobox", name="Search").fill("blue vase")
        page.get_by_role("button", name="Search", exact=True).click()
        expect(page).to_have_url(f"{live_server.url}/search?q=blue+vase&type=videos")
        results.locator(f"a.result-video[href='/v/{video_id}']").click()
        expect(page).to_have_url(f"{live_server.url}/v/{video_id}")
        expect(page.locator(f'.slide[data-id="{video_id}"]')).to_be_visible()

        # On a phone the bottom bar has room for search too.
        page.set_viewport_size(PHONE)
        page.locator("nav.nav a[href='/search']").click()
        page.get_by_role("combobox", name="Search").fill("glassblowing")
        page.get_by_role("combobox", name="Search").press("Enter")
        expect(results.locator(f"a.result-video[href='/v/{video_id}']")).to_be_visible()
        page.screenshot(path=str(shots_dir / "search-phone.png"), full_page=True)
    finally:
        context.close()
    assert errors == [], errors
