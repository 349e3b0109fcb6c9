"""Moderation in a real browser: a member reports a clip; a moderator opens /moderation, plays the reported
clip and takes it down with a reason code and a note; the uploader reads the decision at /appeals and
appeals; a second moderator plays the withheld clip from the appeals list and overturns the decision, and
the clip is public again. No page logs a script error or a refusal of the content security policy."""

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

# True once the player of the card has decoded a picture: its media were served to this moderator.
PLAYS = """(selector) => {
  const video = document.querySelector(selector);
  return Boolean(video) && video.readyState >= 2 && video.videoWidth > 0;
}"""


def test_a_report_is_taken_down_appealed_and_overturned_through_the_pages(
    browser: Any, live_server: LiveServer, e2e_clips: dict[str, Any]
) -> None:
    with live_server.api() as client:
        uploader = sign_up_by_api(client, "modclipper", "DE")
        reporter = sign_up_by_api(client, "modreporter", "US")
        first, second = sign_up_by_api(client, "modfirst", "DE"), sign_up_by_api(client, "modsecond", "FR")
        video_id = post_clip_by_api(client, uploader, e2e_clips["seed2"], "Rooftop stunt #mod")
    make_moderators(live_server, [first, second])

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
        reporting = page_of(reporter)
        reporting.goto("/")
        wait_for_api(reporting, f"/api/v1/videos/{video_id}", "body && body.id")
        with live_server.api() as client:
            filed = client.post(
                "/api/v1/reports",
                headers={"Authorization": f"Bearer {reporter}"},
                json={
                    "content_kind": "video",
                    "content_id": video_id,
                    "reason": "dangerous",
                    "text": "stunt",
                },
            )
            assert filed.status_code == 201, filed.text

        # The first moderator plays the reported clip and takes it down with a reason.
        moderating = page_of(first)
        moderating.goto("/moderation")
        card = moderating.locator("#moderation-cases article[data-case-id]").filter(has_text=video_id)
        expect(card).to_contain_text("Rooftop stunt #mod")
        expect(card).to_contain_text("Reasons: dangerous \u00d7 1")
        moderating.wait_for_function(PLAYS, arg="#moderation-cases video", timeout=READY_TIMEOUT_MS)
        moderating.fill("#moderation-reason", "dangerous_acts")
        card.get_by_label("Note to the uploader").fill("Stunt without safety gear")
        card.get_by_role("button", name="take down").click()
        expect(card).to_contain_text("Decided: take_down.")
        with live_server.api() as client:
            queue = client.get("/api/v1/moderation/cases", headers={"Authorization": f"Bearer {first}"})
            assert queue.json() == []
            assert client.get(f"/api/v1/videos/{video_id}").status_code == 404

        # The uploader reads why and appeals.
        appealing = page_of(uploader)
        appealing.goto("/appeals")
        decision = appealing.locator("article[data-decision-id]")
        expect(decision).to_contain_text("Your video: taken down")
        expect(decision).to_contain_text("Reason: dangerous_acts")
        expect(decision).to_contain_text("Moderator's note: Stunt without safety gear")
        decision.get_by_label("Why the decision is wrong").fill("Trained stunt crew, mats out of frame")
        decision.get_by_role("button", name="Appeal").click()
        expect(decision.locator(".appeal-state")).to_have_text("Your appeal is waiting for a moderator.")

        # The second moderator plays the withheld clip for review and overturns the decision.
        reviewing = page_of(second)
        reviewing.goto("/moderation")
        appeal = reviewing.locator("#moderation-appeals article[data-decision-id]")
        expect(appeal).to_contain_text("Trained stunt crew, mats out of frame")
        expect(appeal).to_contain_text("Withheld from everyone; it plays here for review only.")
        reviewing.wait_for_function(PLAYS, arg="#moderation-appeals video", timeout=READY_TIMEOUT_MS)
        appeal.get_by_role("button", name="overturn").click()
        expect(appeal).to_contain_text("Appeal overturned.")

        appealing.reload()
        expect(appealing.locator(".appeal-state")).to_have_text(
            "Your appeal succeeded: the decision was overturned."
        )
        with live_server.api() as client:
            assert client.get(f"/api/v1/videos/{video_id}").status_code == 200
    finally:
        for context in contexts:
            context.close()
    assert errors == []
