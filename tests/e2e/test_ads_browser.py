"""Sponsored items in Chromium against a real server: For You shows the "Sponsored" label and the advertiser
on the ad the API placed, its why sheet lists the API's reasons, the player reports a viewable impression
once the ad was on screen for `ads_viewable_s` (and not for organic items), and a click when the creator's
profile is opened from the ad's call to action. The reports are caught at the browser's edge, so what is
checked is exactly what the page sends."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from typing import Any

import pytest
from playwright.sync_api import Page, Route, expect

from ads.factory import an_advertiser, promote, top_up
from clipshop.ads import rebalancing
from clipshop.assembly import build_platform
from support import a_public_video, quick_members

from .conftest import PHONE, LiveServer, watch_for_errors

pytestmark = [pytest.mark.e2e, pytest.mark.xdist_group("e2e")]


@pytest.fixture(scope="module")
def scene(live_server: LiveServer) -> dict[str, str]:
    """Sixteen organic clips, a brand's promoted one and a viewer, written straight to the server's databases
    (the page fails to play them, which does not matter here), the budget sized by the rebalancing job as the
    server's own runs it every few minutes; returns the viewer's token and the brand's handle."""
    platform = build_platform(live_server.settings)
    try:
        creators = quick_members(platform, "us", 3, prefix="adcreator")
        for n in range(16):
            a_public_video(platform, creators[n % 3], f"clip {n} #e2e", hours_ago=n + 1, views=100)
        brand = quick_members(platform, "us", 1, prefix="adbrand")[0]
        video = a_public_video(platform, brand, "boards #e2e", hours_ago=400)
        advertiser = an_advertiser(platform, brand, name="Acme Boards")
        top_up(platform, advertiser, 100_000)  # unfunded, its slices would be sized to nothing
        promote(
            platform, advertiser, video, regions="us", headline="Boards that last", call_to_action="See more"
        )
        rebalancing.run_rebalance(platform)
        viewer = quick_members(platform, "us", 1, prefix="adviewer")[0]
    finally:
        platform.close()
    return {"token": viewer.token, "brand": brand.handle}


@pytest.fixture
def page(browser: Any, live_server: LiveServer, scene: dict[str, str]) -> Iterator[Page]:
    context = browser.new_context(base_url=live_server.url, viewport=PHONE, has_touch=True, locale="en-US")
    context.add_cookies([{"name": "clipshop_session", "value": scene["token"], "url": live_server.url}])
    page = context.new_page()
    errors: list[str] = []
    watch_for_errors(page, errors)
    yield page
    context.close()
    assert errors == [], f"the page raised: {errors}"


def test_a_sponsored_item_is_labelled_explained_and_reported(page: Page, scene: dict[str, str]) -> None:
    reports: list[dict[str, Any]] = []

    def catch(route: Route) -> None:
        events = json.loads(route.request.post_data or "{}")["events"]
        reports.extend(events)
        route.fulfill(status=202, json={"accepted": len(events), "skipped": []})

    page.route("**/api/v1/ads/events", catch)
    with page.expect_response(
        lambda r: r.url.split("?")[0].endswith("/api/v1/feed/for-you") and r.ok
    ) as answer:
        page.goto("/")
    items = answer.value.json()["items"]
    assert [n for n, item in enumerate(items) if item["sponsored"]] == [5]  # one in six, never first
    ad = items[5]["sponsored"]
    slide = page.locator(f".slide[data-served-id='{ad['served_id']}']")
    expect(slide).to_have_class(re.compile(r"\bis-sponsored\b"))
    expect(slide.locator(".ad-label")).to_have_text("Sponsored")
    expect(slide.locator(".ad-advertiser")).to_have_text("Acme Boards")
    expect(slide.locator(".ad-cta")).to_contain_text("Boards that last")
    expect(slide.locator(".ad-cta")).to_contain_text("See more")

    # Five organic items go by quickly: none is an ad, nothing is reported.
    for n in range(1, 6):
        page.keyboard.press("ArrowDown")
        expect(page.locator(f".slide[data-index='{n}']")).to_have_class(re.compile(r"\bis-active\b"))
    expect(slide).to_have_class(re.compile(r"\bis-active\b"))
    page.wait_for_timeout(1000)
    assert reports == []  # on screen for about a second: not yet viewable
    for _ in range(100):  # the report goes once the ad was on screen for 2 s in all
        if reports:
            break
        page.wait_for_timeout(100)
    assert len(reports) == 1, reports
    [impression] = reports
    assert impression["served_id"] == ad["served_id"] and impression["kind"] == "impression"
    assert impression["seen_s"] >= 2.0

    slide.get_by_role("button", name="Why am I seeing this?", exact=True).click()
    dialog = page.get_by_role("dialog")
    expect(dialog.get_by_role("listitem")).to_have_text(["Sponsored by Acme Boards", "Shown to people in US"])
    page.keyboard.press("Escape")
    expect(dialog).to_be_hidden()

    with page.expect_navigation(url=f"**/@{scene['brand']}"):
        slide.locator(".ad-cta").click()
    assert [(r["served_id"], r["kind"]) for r in reports[1:]] == [(ad["served_id"], "click")]
