"""The inbox in Chromium against a real server: two people follow a member (one from another region); the
member sees the unread badge on the menu, opens the inbox, finds one grouped line naming both, and the
badge clears as the page marks what it shows read. No script error, nothing the security policy refuses."""

from __future__ import annotations

from typing import Any

import pytest
from playwright.sync_api import expect

from support import PASSWORD

from .conftest import DESKTOP, PHONE, LiveServer, sign_up_by_api, wait_for_api, watch_for_errors

pytestmark = [pytest.mark.e2e, pytest.mark.xdist_group("e2e")]

HANDLE = "ivy.inbox"


def test_a_member_sees_the_badge_opens_the_inbox_and_the_grouped_line_is_marked_read(
    browser: Any, live_server: LiveServer, shots_dir: Any
) -> None:
    with live_server.api() as client:
        sign_up_by_api(client, HANDLE, "US")
        for fan, country in (("fan.far", "DE"), ("fan.near", "US")):
            token = sign_up_by_api(client, fan, country)
            followed = client.post(
                f"/api/v1/users/{HANDLE}/follow", headers={"Authorization": f"Bearer {token}"}
            )
            assert followed.status_code == 200, followed.text

    context = browser.new_context(
        base_url=live_server.url, viewport=DESKTOP, locale="en-US", timezone_id="UTC"
    )
    page = context.new_page()
    errors: list[str] = []
    watch_for_errors(page, errors)
    try:
        page.goto("/login?next=/")
        page.fill("input[name=email]", f"{HANDLE}@example.com")
        page.fill("input[name=password]", PASSWORD)
        page.click("button[type=submit]")
        expect(page).to_have_url(f"{live_server.url}/")
        # The follows are told by jobs after their commits: wait until both have arrived, then reload.
        wait_for_api(page, "/api/v1/me/inbox", "body && body.items.length && body.items[0].count === 2")
        page.reload()
        badge = page.locator("[data-inbox-count]")
        expect(badge).to_have_text("1")
        expect(page.locator("a.nav-inbox")).to_have_attribute("aria-label", "Inbox, 1 unread")

        page.locator("a.nav-inbox").click()
        expect(page).to_have_url(f"{live_server.url}/inbox")
        line = page.locator(".inbox-list li")
        expect(line).to_have_count(1)
        expect(line).to_contain_text("fan.near and fan.far started following you")
        expect(line).to_have_attribute("data-read", "false")  # new on this visit
        expect(line.locator("a.inbox-line")).to_have_attribute("href", "/@fan.near")
        expect(badge).to_be_hidden()
        page.screenshot(path=str(shots_dir / "inbox-desktop.png"), full_page=True)

        page.reload()
        expect(page.locator(".inbox-list li")).to_have_attribute("data-read", "true")
        unread = page.evaluate("() => fetch('/api/v1/me/inbox/unread').then((r) => r.json())")
        assert unread == {"unread": 0}
        expect(page.locator("#inbox-mark-all")).to_be_hidden()  # nothing left to mark
        # On a phone the inbox sits in the bottom bar.
        page.set_viewport_size(PHONE)
        expect(page.locator("a.nav-inbox")).to_be_visible()
        page.screenshot(path=str(shots_dir / "inbox-phone.png"))
        assert errors == []
    finally:
        context.close()
