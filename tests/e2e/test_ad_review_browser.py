"""Ad review in a real browser: an advertiser's new ad waits in the review queue of its region; a moderator
opens /moderation, sees who pays for it, what it says and plays the clip it shows, rejects it for a misleading
claim; the advertiser edits the headline, and the moderator approves the edited ad, which may then serve. No
page logs a script error or a refusal of the content security policy."""

from __future__ import annotations

from typing import Any

import pytest
from playwright.sync_api import expect

from .conftest import (
    DESKTOP,
    READY_TIMEOUT_MS,
    LiveServer,
    make_moderators,
    post_clip_by_api,
    sign_up_by_api,
    wait_for_api,
    watch_for_errors,
)

pytestmark = [pytest.mark.e2e, pytest.mark.xdist_group("e2e")]

PLAYS = """(selector) => {
  const video = document.querySelector(selector);
  return Boolean(video) && video.readyState >= 2 && video.videoWidth > 0;
}"""


def test_an_ad_is_rejected_edited_and_approved_through_the_moderation_page(
    browser: Any, live_server: LiveServer, e2e_clips: dict[str, Any]
) -> None:
    with live_server.api() as client:
        advertiser = sign_up_by_api(client, "adbrand", "DE")
        moderator = sign_up_by_api(client, "admod", "FR")
        video_id = post_clip_by_api(client, advertiser, e2e_clips["seed2"], "Our new sneaker #ad")
    make_moderators(live_server, [moderator])
    auth = {"Authorization": f"Bearer {advertiser}"}

    contexts: list[Any] = []
    errors: list[str] = []

    def page_of(token: str) -> Any:
        context = browser.new_context(
            base_url=live_server.url, viewport=DESKTOP, locale="en-US", timezone_id="UTC"
        )
        context.add_cookies([{"name": "clipshop_session", "value": token, "url": live_server.url}])
        contexts.append(context)
        page = context.new_page()
        watch_for_errors(page, errors)
        return page

    try:
        moderating = page_of(moderator)
        moderating.goto("/")
        wait_for_api(moderating, f"/api/v1/videos/{video_id}", "body && body.id")
        with live_server.api() as client:
            account = client.post("/api/v1/advertisers", headers=auth, json={"name": "Sneaker Co"}).json()
            campaign = client.post(
                f"/api/v1/advertisers/{account['id']}/campaigns",
                headers=auth,
                json={"name": "Launch", "objective": "views", "daily_budget": 2000},
            ).json()
            group = client.post(
                f"/api/v1/campaigns/{campaign['id']}/ad-groups",
                headers=auth,
                json={"name": "All", "bid_type": "cpm", "bid": 300},
            ).json()
            made = client.post(
                f"/api/v1/ad-groups/{group['id']}/ads",
                headers=auth,
                json={
                    "kind": "video",
                    "video_id": video_id,
                    "headline": "Cures back pain",
                    "call_to_action": "Buy",
                },
            )
            assert made.status_code == 201, made.text
            ad_id = made.json()["id"]

        moderating.goto("/moderation")
        card = moderating.locator("#moderation-cases article[data-kind=ad]")
        expect(card).to_contain_text("Ad by Sneaker Co")
        expect(card).to_contain_text("Cures back pain")
        moderating.wait_for_function(PLAYS, arg="#moderation-cases video", timeout=READY_TIMEOUT_MS)
        card.get_by_label("Why it is rejected").select_option("misleading_claim")
        card.get_by_role("button", name="reject").click()
        expect(card).to_contain_text("Decided: reject.")

        with live_server.api() as client:
            ad = client.get(f"/api/v1/ads/{ad_id}", headers=auth).json()
            assert (ad["review"], ad["review_reason"]) == ("rejected", "misleading_claim")
            edited = client.patch(f"/api/v1/ads/{ad_id}", headers=auth, json={"headline": "Light and comfy"})
            assert edited.json()["review"] == "pending", edited.text

        moderating.reload()
        card = moderating.locator("#moderation-cases article[data-kind=ad]")
        expect(card).to_contain_text("Light and comfy")
        card.get_by_role("button", name="approve").click()
        expect(card).to_contain_text("Decided: approve.")
        with live_server.api() as client:
            assert client.get(f"/api/v1/ads/{ad_id}", headers=auth).json()["review"] == "approved"
    finally:
        for context in contexts:
            context.close()
    assert errors == []
