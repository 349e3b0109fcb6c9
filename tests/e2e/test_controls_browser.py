"""User controls in Chromium against a real server, with no script error and nothing the content security
policy refuses: "Not interested" from a video's menu in For You; mute, then block, from a profile's menu;
filter words, the birth date and the blocked accounts on the settings page."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import expect

from .conftest import DESKTOP, LiveServer, post_clip_by_api, sign_up_by_api, wait_for_api, watch_for_errors

pytestmark = [pytest.mark.e2e, pytest.mark.xdist_group("e2e")]


def test_a_member_uses_the_menus_and_settings_to_control_what_they_see(
    browser: Any, live_server: LiveServer, e2e_clips: dict[str, Path], shots_dir: Path
) -> None:
    with live_server.api() as client:
        maker = sign_up_by_api(client, "ctl.maker", "DE")
        video_id = post_clip_by_api(client, maker, e2e_clips["seed"], "Loud clip #ctl")
        token = sign_up_by_api(client, "ctl.viewer", "US")
    context = browser.new_context(base_url=live_server.url, viewport=DESKTOP, locale="en-US")
    context.add_cookies([{"name": "clipshop_session", "value": token, "url": live_server.url}])
    page = context.new_page()
    errors: list[str] = []
    watch_for_errors(page, errors)
    page.on("dialog", lambda dialog: dialog.accept())
    try:
        page.goto(f"/v/{video_id}")
        wait_for_api(page, f"/api/v1/videos/{video_id}", "body && body.id")
        page.reload()
        more = page.locator(f'.slide[data-id="{video_id}"] .act-more')
        expect(more).to_be_visible()
        more.click()
        page.get_by_role("menuitem", name="Not interested").click()
        expect(page.locator("#toast")).to_contain_text("fewer videos like this")
        wait_for_api(page, "/api/v1/feed/for-you", f"body && !body.items.some((i) => i.id === {video_id!r})")

        page.goto("/@ctl.maker")
        page.locator("[data-profile-menu]").click()
        page.get_by_role("menuitem", name="Mute").click()
        expect(page.locator("#toast")).to_contain_text("Muted @ctl.maker")
        wait_for_api(page, "/api/v1/users/ctl.maker", "body && body.muted_by_me")
        page.locator("[data-profile-menu]").click()
        page.get_by_role("menuitem", name="Block").click()
        expect(page.locator(".grid-empty")).to_contain_text("You blocked this account")
        page.screenshot(path=str(shots_dir / "profile-blocked.png"))

        page.goto("/settings")
        expect(page.locator("#blocked-list")).to_contain_text("@ctl.maker")
        page.fill("[data-filter-words]", "Spoiler\nbuy now\n")
        page.click("#filter-form button[type=submit]")
        expect(page.locator("#toast")).to_contain_text("Filter words saved")
        wait_for_api(page, "/api/v1/me/comment-filter", "body && body.words.join() === 'spoiler,buy now'")
        page.fill("#birth-form input[name=birth_date]", "1990-05-04")
        page.click("#birth-form button[type=submit]")
        expect(page.locator("#birth-form")).to_contain_text("Your birth date is 1990-05-04")
        page.locator("#blocked-list button", has_text="Unblock").click()
        expect(page.locator("#blocked-list")).to_contain_text("You have not blocked anyone")
        page.screenshot(path=str(shots_dir / "settings-controls.png"), full_page=True)
    finally:
        context.close()
    assert errors == [], errors
