"""Reporting and the appeal pass in a real browser. A visitor's "Report" sends them to log in; a
member reports a clip from its menu in the player (Escape closes the dialog and the focus goes back to the
menu's button), is told that a second report changes nothing, and reports a comment; a moderator sees both
cases with their reasons. A profile, a shop and a product are reported from their pages. A suspended account
logs in, reads why on the log-in page and appeals with its pass, which opens no other page; a moderator sees
the appeal and overturns it, and the account logs in again and reads that. No page logs a script error or a
refusal of the content security policy."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any
from urllib.parse import quote

import pytest
from playwright.sync_api import expect

from support import PASSWORD

from .conftest import (
    DESKTOP,
    LiveServer,
    make_moderators,
    post_clip_by_api,
    sign_up_by_api,
    wait_for_api,
    watch_for_errors,
)

pytestmark = [pytest.mark.e2e, pytest.mark.xdist_group("e2e")]

PageOf = Callable[[str | None], Any]


@pytest.fixture
def pages(browser: Any, live_server: LiveServer) -> Iterator[tuple[PageOf, list[str]]]:
    """Pages each in its own browser context, logged in with a session token (or a visitor's, for None), and
    the errors any of them logged."""
    contexts: list[Any] = []
    errors: list[str] = []

    def page_of(token: str | None) -> Any:
        context = browser.new_context(
            base_url=live_server.url, viewport=DESKTOP, locale="en-US", timezone_id="UTC"
        )
        if token:
            context.add_cookies([{"name": "clipshop_session", "value": token, "url": live_server.url}])
        contexts.append(context)
        page = context.new_page()
        watch_for_errors(page, errors)
        return page

    try:
        yield page_of, errors
    finally:
        for context in contexts:
            context.close()


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def test_a_member_reports_a_clip_from_its_menu_and_a_comment_and_a_moderator_sees_both_cases(
    pages: tuple[PageOf, list[str]], live_server: LiveServer, e2e_clips: dict[str, Any], shots_dir: Path
) -> None:
    page_of, errors = pages
    with live_server.api() as client:
        uploader = sign_up_by_api(client, "repclipper", "DE")
        commenter = sign_up_by_api(client, "repcommenter", "FR")
        reporter = sign_up_by_api(client, "repreporter", "US")
        moderator = sign_up_by_api(client, "repmoderator", "DE")
        video_id = post_clip_by_api(client, uploader, e2e_clips["seed"], "Skyline loop #rep")
    make_moderators(live_server, [moderator])

    reporting = page_of(reporter)
    reporting.goto("/")
    wait_for_api(reporting, f"/api/v1/videos/{video_id}", "body && body.id")
    with live_server.api() as client:
        posted = client.post(
            f"/api/v1/videos/{video_id}/comments",
            headers=bearer(commenter),
            json={"body": "Cheap followers, message me"},
        )
        assert posted.status_code == 201, posted.text
        comment_id = posted.json()["id"]

    # A visitor's "Report" sends them to log in, and back to the clip after.
    visiting = page_of(None)
    visiting.goto(f"/v/{video_id}")
    visiting.locator(f'.slide[data-id="{video_id}"] .act-more').click()
    visiting.get_by_role("menuitem", name="Report").click()
    expect(visiting).to_have_url(f"{live_server.url}/login?next={quote(f'/v/{video_id}', safe='')}")

    # The member opens the clip's menu; Escape closes the dialog, the focus goes back to the menu's button.
    reporting.goto(f"/v/{video_id}")
    more = reporting.locator(f'.slide[data-id="{video_id}"] .act-more')
    more.click()
    reporting.get_by_role("menuitem", name="Report").click()
    dialog = reporting.get_by_role("dialog", name="Report video")
    expect(dialog).to_be_visible()
    expect(dialog).to_contain_text("A video by @repclipper")
    expect(dialog.get_by_role("radio")).to_have_count(10)
    reporting.keyboard.press("Escape")
    expect(dialog).to_be_hidden()
    expect(more).to_be_focused()

    # Sending without a reason asks for one; with one, the report is filed.
    reporting.keyboard.press("Enter")
    reporting.get_by_role("menuitem", name="Report").click()
    dialog.get_by_role("button", name="Send").click()
    expect(dialog.locator('.field-error[data-error-for="reason"]')).to_have_text("Choose a reason.")
    dialog.get_by_label("Dangerous acts").check()
    dialog.get_by_label("More detail (optional)").fill("Climbing a crane without a harness")
    reporting.screenshot(path=str(shots_dir / "report-dialog.png"))
    dialog.get_by_role("button", name="Send").click()
    expect(dialog.locator(".report-done-title")).to_have_text("Thanks, we'll review it")
    dialog.get_by_role("button", name="Done").click()
    expect(dialog).to_be_hidden()
    expect(more).to_be_focused()

    # Reporting it again changes nothing, and the dialog says so.
    more.click()
    reporting.get_by_role("menuitem", name="Report").click()
    expect(dialog.get_by_label("Dangerous acts")).not_to_be_checked()
    dialog.get_by_label("Spam").check()
    dialog.get_by_role("button", name="Send").click()
    expect(dialog.locator(".report-done-title")).to_have_text("You reported this already")
    expect(dialog).to_contain_text("Your first report stands and is in the same case")
    reporting.keyboard.press("Escape")
    expect(dialog).to_be_hidden()

    # A comment: its own small "Report".
    reporting.locator(f'.slide[data-id="{video_id}"] .act-comment').click()
    report_comment = reporting.get_by_role("button", name="Report @repcommenter's comment")
    report_comment.click()
    comment_dialog = reporting.get_by_role("dialog", name="Report comment")
    expect(comment_dialog).to_contain_text("@repcommenter: \u201cCheap followers, message me\u201d")
    comment_dialog.get_by_label("Harassment or bullying").check()
    comment_dialog.get_by_role("button", name="Send").click()
    expect(comment_dialog.locator(".report-done-title")).to_have_text("Thanks, we'll review it")
    reporting.keyboard.press("Escape")
    expect(comment_dialog).to_be_hidden()
    expect(report_comment).to_be_focused()
    # The comments sheet stayed open under the dialog.
    expect(reporting.get_by_role("dialog", name="Comments")).to_be_visible()

    # The moderator finds both cases, each with the reason given.
    moderating = page_of(moderator)
    moderating.goto("/moderation")
    cases = moderating.locator("#moderation-cases article[data-case-id]")
    video_case = cases.filter(has_text=f"video {video_id}")
    expect(video_case).to_contain_text("Skyline loop #rep")
    expect(video_case).to_contain_text("Reasons: dangerous \u00d7 1 \u00b7 severity 60")
    comment_case = cases.filter(has_text=f"comment {comment_id}")
    expect(comment_case).to_contain_text("Cheap followers, message me")
    expect(comment_case).to_contain_text("Reasons: harassment \u00d7 1 \u00b7 severity 40")
    with live_server.api() as client:
        queue = client.get("/api/v1/moderation/cases", headers=bearer(moderator)).json()
    assert sorted(
        (c["content_kind"], c["content_id"], c["report_count"], c["reasons"]) for c in queue
    ) == sorted([("video", video_id, 1, {"dangerous": 1}), ("comment", comment_id, 1, {"harassment": 1})])
    assert errors == []


def test_a_member_reports_a_profile_a_shop_and_a_product_from_their_pages(
    pages: tuple[PageOf, list[str]], live_server: LiveServer
) -> None:
    page_of, errors = pages
    with live_server.api() as client:
        merchant = sign_up_by_api(client, "repmerchant", "DE")
        reporter = sign_up_by_api(client, "repshopper", "US")
        moderator = sign_up_by_api(client, "repshopmod", "DE")
        merchant_id = client.get("/api/v1/me", headers=bearer(merchant)).json()["id"]
        shop = client.post(
            "/api/v1/shops",
            headers=bearer(merchant),
            json={"handle": "brand-outlet", "name": "Brand Outlet", "currency": "EUR"},
        )
        assert shop.status_code == 201, shop.text
        shop_id = shop.json()["id"]
        product = client.post(
            f"/api/v1/shops/{shop_id}/products",
            headers=bearer(merchant),
            json={"title": "Designer bag", "variants": [{"sku": "BAG-1", "price": 1900, "stock": 3}]},
        )
        assert product.status_code == 201, product.text
        product_id = product.json()["id"]
    make_moderators(live_server, [moderator])
    page = page_of(reporter)

    def report(opener: Any, title: str, reason: str) -> None:
        opener.click()
        dialog = page.get_by_role("dialog", name=title)
        dialog.get_by_label(reason).check()
        dialog.get_by_role("button", name="Send").click()
        expect(dialog.get_by_role("button", name="Done")).to_be_focused()
        expect(dialog.locator(".report-done-title")).to_have_text("Thanks, we'll review it")
        page.keyboard.press("Escape")
        expect(dialog).to_be_hidden()

    # A profile: "Report" in its menu, after mute and block.
    page.goto("/@repmerchant")
    page.locator("[data-profile-menu]").click()
    expect(page.get_by_role("menuitem")).to_have_text(["Mute", "Block", "Report"])
    report(page.get_by_role("menuitem", name="Report"), "Report account", "Spam")
    expect(page.locator("[data-profile-menu]")).to_be_focused()

    # A shop, on its page; and a product, in its sheet, which stays open once the dialog closes.
    page.goto("/shop/brand-outlet")
    report(page.get_by_role("button", name="Report this shop"), "Report shop", "Scam or fraud")
    page.get_by_role("button", name="Designer bag").click()
    sheet = page.get_by_role("dialog", name="Product: Designer bag")
    report(sheet.get_by_role("button", name="Report this product"), "Report product", "Counterfeit goods")
    expect(sheet).to_be_visible()
    expect(sheet.get_by_role("button", name="Report this product")).to_be_focused()

    # Its owner has neither to report: not on the shop's page, not in the product's sheet.
    own = page_of(merchant)
    own.goto("/shop/brand-outlet")
    own.get_by_role("button", name="Designer bag").click()
    own_sheet = own.get_by_role("dialog", name="Product: Designer bag")
    expect(own_sheet.get_by_role("button", name="Buy now")).to_be_visible()
    expect(own.get_by_role("button", name="Report this shop")).to_have_count(0)
    expect(own_sheet.get_by_role("button", name="Report this product")).to_be_hidden()

    moderating = page_of(moderator)
    moderating.goto("/moderation")
    cases = moderating.locator("#moderation-cases article[data-case-id]")
    expect(cases.filter(has_text=f"profile {merchant_id}")).to_contain_text("Reasons: spam \u00d7 1")
    expect(cases.filter(has_text=f"shop {shop_id}")).to_contain_text("Reasons: scam \u00d7 1")
    expect(cases.filter(has_text=f"product {product_id}")).to_contain_text("Reasons: counterfeit \u00d7 1")
    assert errors == []


def test_a_suspended_member_appeals_from_the_log_in_page_with_a_pass_that_opens_nothing_else(
    pages: tuple[PageOf, list[str]], live_server: LiveServer, shots_dir: Path
) -> None:
    page_of, errors = pages
    with live_server.api() as client:
        suspended = sign_up_by_api(client, "passholder", "DE")
        reporter = sign_up_by_api(client, "passreporter", "US")
        first, second = sign_up_by_api(client, "passmodone", "DE"), sign_up_by_api(client, "passmodtwo", "FR")
        suspended_id = client.get("/api/v1/me", headers=bearer(suspended)).json()["id"]
    make_moderators(live_server, [first, second])
    with live_server.api() as client:
        filed = client.post(
            "/api/v1/reports",
            headers=bearer(reporter),
            json={"content_kind": "profile", "content_id": suspended_id, "reason": "harassment"},
        )
        assert filed.status_code == 201, filed.text
        (case,) = [
            c
            for c in client.get("/api/v1/moderation/cases", headers=bearer(first)).json()
            if c["content_id"] == suspended_id
        ]
        decided = client.post(
            f"/api/v1/moderation/cases/{case['id']}/decision",
            headers=bearer(first),
            json={
                "decision": "suspend_account",
                "reason_code": "threats",
                "note": "Threats under three clips",
            },
        )
        assert decided.status_code == 201, decided.text

    # The log-in answers with the suspension, why, and a form to appeal it.
    page = page_of(None)
    page.goto("/login")
    page.get_by_label("Email").fill("passholder@example.com")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    panel = page.locator("#suspension")
    expect(page.get_by_role("heading", name="Your account is suspended")).to_be_focused()
    expect(page.locator("#login-form")).to_be_hidden()
    expect(panel).to_contain_text("Reason: threats")
    expect(panel).to_contain_text("Moderator's note: Threats under three clips")
    panel.get_by_label("Why the suspension is wrong").fill("Those were song lyrics, quoted")
    panel.get_by_role("button", name="Appeal the suspension").click()
    expect(panel.locator(".appeal-state")).to_have_text("Your appeal is waiting for a moderator.")
    expect(panel.locator("form")).to_have_count(0)
    page.screenshot(path=str(shots_dir / "suspended-login.png"))

    # The pass is in this tab's storage only: no cookie, and no other page or route takes it.
    stored = json.loads(page.evaluate("() => sessionStorage.getItem('clipshop.appeal-pass')"))
    assert stored["token"].startswith("appeal.")
    assert [c["name"] for c in page.context.cookies()] == []
    with live_server.api() as client:
        assert client.get("/api/v1/me", headers=bearer(stored["token"])).status_code == 401
        assert client.get("/api/v1/cart", headers=bearer(stored["token"])).status_code == 401
    page.goto("/appeals")
    expect(page).to_have_url(f"{live_server.url}/login?next=/appeals")
    # Back on the log-in page, within the pass's life, the suspension shows with its appeal's state.
    expect(panel.locator(".appeal-state")).to_have_text("Your appeal is waiting for a moderator.")
    expect(panel.locator("form")).to_have_count(0)

    # The other moderator sees the appeal and overturns it.
    reviewing = page_of(second)
    reviewing.goto("/moderation")
    appeal = reviewing.locator("#moderation-appeals article[data-decision-id]").filter(has_text=suspended_id)
    expect(appeal).to_contain_text("suspend account: profile")
    expect(appeal).to_contain_text("Reason code: threats \u00b7 note: Threats under three clips")
    expect(appeal).to_contain_text("The uploader says: Those were song lyrics, quoted")
    appeal.get_by_role("button", name="overturn").click()
    expect(appeal).to_contain_text("Appeal overturned.")

    # The lifted suspension voids the pass: the log-in page says so and the account logs in.
    page.reload()
    expect(page.locator("#login-form .form-error")).to_have_text(
        "The suspension page timed out, or the suspension was lifted: log in again."
    )
    assert page.evaluate("() => sessionStorage.getItem('clipshop.appeal-pass')") is None
    page.get_by_label("Email").fill("passholder@example.com")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    # Back where the pass could not go: the decisions, the appeal won.
    expect(page).to_have_url(f"{live_server.url}/appeals")
    expect(page.locator(".appeal-state")).to_have_text("Your appeal succeeded: the decision was overturned.")
    assert errors == []
