"""Mail flows in Chromium against a real server whose mail goes to the folder transport, read back at
/dev/mail as a developer would. A member who forgot their password asks for a link from the log-in page,
opens the mail, follows the link, chooses a new password and logs in with it; the old one fails. Another,
on the settings page, sees their address is not verified, has the link sent again, follows it (the link of
the earlier mail no longer works) and then sees it verified; they turn the daily inbox digest on."""

from __future__ import annotations

import re
import time
from typing import Any

import pytest
from playwright.sync_api import expect

from support import PASSWORD

from .conftest import DESKTOP, READY_TIMEOUT_MS, LiveServer, sign_up_by_api, watch_for_errors

pytestmark = [pytest.mark.e2e, pytest.mark.xdist_group("e2e")]

NEW_PASSWORD = "a fresh and longer passphrase 2026"
BAD_LOGIN = "That email and password do not match an account."


def open_mail(page: Any, live_server: LiveServer, to: str, subject: str, link: str) -> str:
    """Wait for the mail to `to` with `subject` on /dev/mail, open it, and return the first link in it to
    `link` (a path). The server's own job consumer sends mail: the list is reloaded until it is there."""
    deadline = time.monotonic() + READY_TIMEOUT_MS / 1000
    entry = page.locator(f'#dev-mail-list a[data-mail-to="{to}"]', has_text=subject)
    page.goto("/dev/mail")
    while entry.count() == 0:
        if time.monotonic() > deadline:
            raise TimeoutError(f"no mail {subject!r} to {to} at /dev/mail")
        page.wait_for_timeout(250)
        page.reload()
    expect(entry).to_have_count(1)
    entry.click()
    message = page.locator("#dev-mail-message")
    expect(message.locator("h2")).to_have_text(subject)
    expect(message.locator("[data-mail-to]")).to_have_text(to)
    found = re.search(
        re.escape(live_server.url + link) + r"\S+", message.locator("[data-mail-body]").inner_text()
    )
    assert found, f"no link to {link} in the mail"
    return found.group(0)


def log_in(page: Any, email: str, password: str) -> None:
    page.fill("#login-form input[name=email]", email)
    page.fill("#login-form input[name=password]", password)
    page.click("#login-form button[type=submit]")


def test_a_member_resets_a_forgotten_password_with_the_mailed_link(
    browser: Any, live_server: LiveServer, shots_dir: Any
) -> None:
    # The server runs the embedded default's mail transport: a folder, shown at /dev/mail.
    assert live_server.settings.email_backend == "folder"
    handle = "rosa.reset"
    email = f"{handle}@example.com"
    with live_server.api() as client:
        sign_up_by_api(client, handle, "DE")

    context = browser.new_context(
        base_url=live_server.url, viewport=DESKTOP, locale="en-US", timezone_id="UTC"
    )
    page = context.new_page()
    errors: list[str] = []
    watch_for_errors(page, errors)
    try:
        page.goto("/login")
        page.get_by_role("link", name="Forgot your password?").click()
        expect(page).to_have_url(f"{live_server.url}/forgot-password")
        page.fill("#forgot-form input[name=email]", email)
        page.get_by_role("button", name="Mail me a link").click()
        expect(page.locator("#forgot-sent")).to_be_visible()
        expect(page.locator("#forgot-sent")).to_contain_text(
            "If an account has this address, a link is on its way."
        )

        link = open_mail(page, live_server, email, "Reset your Clipshop password", "/reset-password?token=")
        expect(page.locator(".dev-mail")).to_contain_text("the folder mail backend writes each message to")
        page.screenshot(path=str(shots_dir / "dev-mail-reset.png"), full_page=True)
        page.goto(link)
        page.fill("#reset-form input[name=password]", NEW_PASSWORD)
        page.get_by_role("button", name="Set the new password").click()
        expect(page.locator("#reset-done")).to_be_visible()
        # The link worked once: sent again, it is refused beside its field.
        page.goto(link)
        page.fill("#reset-form input[name=password]", "yet another long passphrase")
        page.get_by_role("button", name="Set the new password").click()
        expect(page.locator('#reset-form .form-error[data-error-for="token"]')).to_have_text(
            "This reset link was used already; ask for a new one."
        )

        page.goto("/login")
        log_in(page, email, PASSWORD)
        expect(page.locator("#login-form .form-error")).to_have_text(BAD_LOGIN)
        expect(page.locator("body")).to_have_attribute("data-viewer", "")
        log_in(page, email, NEW_PASSWORD)
        expect(page).to_have_url(f"{live_server.url}/")
        expect(page.locator("body")).to_have_attribute("data-viewer", handle)
    finally:
        context.close()
    assert errors == [], f"the page raised: {errors}"


def test_a_member_has_the_verification_link_sent_again_and_follows_it(
    browser: Any, live_server: LiveServer, shots_dir: Any
) -> None:
    handle = "vera.verify"
    email = f"{handle}@example.com"
    with live_server.api() as client:
        sign_up_by_api(client, handle, "US")

    context = browser.new_context(
        base_url=live_server.url, viewport=DESKTOP, locale="en-US", timezone_id="UTC"
    )
    page = context.new_page()
    errors: list[str] = []
    watch_for_errors(page, errors)
    card = page.locator("#email-card")
    try:
        page.goto("/login?next=/settings")
        log_in(page, email, PASSWORD)
        expect(page).to_have_url(f"{live_server.url}/settings")
        expect(card.locator("[data-email-address]")).to_have_text(email)
        expect(card.locator("[data-email-status]")).to_have_text("Not verified")
        resend = card.get_by_role("button", name="Send the link again")
        expect(resend).to_be_visible()
        first = open_mail(
            page, live_server, email, "Confirm your email address for Clipshop", "/verify-email?token="
        )

        page.goto("/settings")
        resend.click()
        expect(card.locator("[data-resend-sent]")).to_have_text(f"A new link is on its way to {email}.")
        page.screenshot(path=str(shots_dir / "settings-not-verified.png"), full_page=True)
        link = open_mail(
            page, live_server, email, "Your new link to confirm your Clipshop address", "/verify-email?token="
        )
        assert link != first

        # The sign-up's link was replaced by the new one.
        page.goto(first)
        page.get_by_role("button", name="Confirm my address").click()
        expect(page.locator('#mail-link-form .form-error[data-error-for="token"]')).to_have_text(
            "A newer link was sent to you since this one; open the link in the newest mail."
        )
        page.goto(link)
        page.get_by_role("button", name="Confirm my address").click()
        expect(page.locator("#mail-link-done")).to_have_text("Thank you: your address is verified.")

        page.goto("/settings")
        expect(card.locator("[data-email-status]")).to_have_text("Verified")
        expect(resend).to_be_hidden()

        # The daily inbox digest: off until turned on, and it stays on.
        digest = page.get_by_label("Mail me a daily digest of my inbox")
        expect(digest).to_be_enabled()
        expect(digest).not_to_be_checked()
        digest.check()
        expect(page.locator("#toast")).to_have_text("Daily inbox digest on.")
        page.reload()
        expect(card.locator("[data-email-status]")).to_have_text("Verified")
        expect(digest).to_be_checked()
        page.screenshot(path=str(shots_dir / "settings-verified.png"), full_page=True)
    finally:
        context.close()
    assert errors == [], f"the page raised: {errors}"
