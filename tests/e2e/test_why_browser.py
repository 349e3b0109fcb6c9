""" "Why am I seeing this?" in Chromium against a real server. Every For You video with a `why` has the button
in its action rail; it opens a sheet headed by that item's label and listing its reasons exactly as the API
sent them to the signed-in member, on a phone and on a desktop; Escape and the close button shut it and hand
the focus back. Videos from the Following feed carry no `why` and show no button."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Page, expect

from .conftest import (
    DESKTOP,
    PHONE,
    LiveServer,
    post_clip_by_api,
    sign_up_by_api,
    wait_for_api,
    watch_for_errors,
)

pytestmark = [pytest.mark.e2e, pytest.mark.xdist_group("e2e")]

WHY = "Why am I seeing this?"

PageFor = Callable[[str, dict[str, int]], Page]


@pytest.fixture
def page_for(browser: Any, live_server: LiveServer) -> Iterator[PageFor]:
    """A page of the given size logged in with a member's token; every page must finish without a script
    error."""
    contexts: list[Any] = []
    errors: list[str] = []

    def make(token: str, viewport: dict[str, int]) -> Page:
        context = browser.new_context(
            base_url=live_server.url, viewport=viewport, has_touch=viewport == PHONE, locale="en-US"
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
def viewer(browser: Any, live_server: LiveServer, e2e_clips: dict[str, Path]) -> str:
    """A member who follows @loops (two clips) and not @roofs (one clip), all three processed; returns the
    member's token."""
    with live_server.api() as client:
        loops = sign_up_by_api(client, "loops")
        ids = [
            post_clip_by_api(client, loops, e2e_clips["seed"], "Neon loop #why #e2e"),
            post_clip_by_api(client, loops, e2e_clips["seed2"], "Garden at noon #why #e2e"),
        ]
        roofs = sign_up_by_api(client, "roofs")
        ids.append(post_clip_by_api(client, roofs, e2e_clips["upload"], "Bay at sunrise #why #e2e"))
        token = sign_up_by_api(client, "curious")
        followed = client.post("/api/v1/users/loops/follow", headers={"Authorization": f"Bearer {token}"})
        assert followed.is_success, followed.text
    context = browser.new_context(base_url=live_server.url)
    waiter = context.new_page()
    waiter.goto("/login")
    for video_id in ids:
        wait_for_api(waiter, f"/api/v1/videos/{video_id}", "body && body.id")
    context.close()
    return token


def open_feed(page: Page, path: str, api: str) -> list[dict[str, Any]]:
    """Open a feed page; returns the items of the first page the API sent it for the signed-in member.

    The page's own answer, not a second request: reasons carry live odds ("47% likely to be watched to the
    end") that move as the member watches, so only that answer says what the sheet must show."""
    with page.expect_response(lambda r: r.url.split("?")[0].endswith(api) and r.ok) as answer:
        page.goto(path)
    expect(page.locator(".slide.is-active")).to_have_count(1)
    items: list[dict[str, Any]] = answer.value.json()["items"]
    return items


@pytest.mark.parametrize("viewport", [PHONE, DESKTOP], ids=["phone", "desktop"])
def test_the_sheet_shows_each_for_you_items_label_and_reasons(
    page_for: PageFor, viewer: str, viewport: dict[str, int], shots_dir: Path
) -> None:
    page = page_for(viewer, viewport)
    items = open_feed(page, "/", "/api/v1/feed/for-you")
    assert len(items) == 3
    assert [item for item in items if item["why"] is None] == [], "every For You item says why"

    dialog = page.get_by_role("dialog")
    for n, item in enumerate(items):
        why = item["why"]
        button = page.locator(f".slide[data-id='{item['id']}']").get_by_role("button", name=WHY, exact=True)
        button.click()
        expect(dialog).to_have_css("transform", "none")  # slid fully in
        expect(dialog).to_be_in_viewport(ratio=1)
        expect(dialog).to_have_accessible_name(why["label"])
        expect(dialog.get_by_role("heading", level=2)).to_have_text(why["label"])
        expect(dialog.get_by_role("listitem")).to_have_text(why["reasons"])
        if n == 0:
            page.screenshot(path=str(shots_dir / f"why-{'phone' if viewport == PHONE else 'desktop'}.png"))
            page.keyboard.press("Escape")
        else:
            dialog.get_by_role("button", name="Close", exact=True).click()
        expect(dialog).to_be_hidden()
        expect(button).to_be_focused()


def test_following_videos_carry_no_why_and_show_no_button(page_for: PageFor, viewer: str) -> None:
    page = page_for(viewer, PHONE)
    items = open_feed(page, "/following", "/api/v1/feed/following")
    assert [item["why"] for item in items] == [None, None]
    expect(page.locator(".slide")).to_have_count(2)
    expect(page.get_by_role("button", name=WHY, exact=True)).to_have_count(0)
