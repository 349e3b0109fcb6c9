"""A member's data rights in Chromium against a real server. From the settings page they download the zip of
everything held about them and find their account and the clip they posted in it. Then they delete the
account, past their password and a last question, and are logged out for good: neither their session nor
their old password opens anything, in the page or over the API, and once the erasure has run the same email
signs up afresh."""

from __future__ import annotations

import json
import re
import zipfile
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import expect

from support import PASSWORD

from .conftest import DESKTOP, LiveServer, post_clip_by_api, sign_up_by_api, wait_for_api, watch_for_errors

pytestmark = [pytest.mark.e2e, pytest.mark.xdist_group("e2e")]

HANDLE = "rita.rights"
EMAIL = f"{HANDLE}@example.com"
CAPTION = "Balcony herbs after the rain #e2e"
QUESTION = f"Delete the account @{HANDLE} for good? This cannot be undone."
DELETED = "Your account is deleted and you are logged out. Its data is erased within minutes."


def test_a_member_downloads_their_data_then_deletes_their_account(
    browser: Any, live_server: LiveServer, e2e_clips: dict[str, Path], tmp_path: Path, shots_dir: Path
) -> None:
    with live_server.api() as client:
        token = sign_up_by_api(client, HANDLE, "US")
        video_id = post_clip_by_api(client, token, e2e_clips["upload"], CAPTION)
        member_id = client.get("/api/v1/me", headers={"Authorization": f"Bearer {token}"}).json()["id"]

    context = browser.new_context(
        base_url=live_server.url, viewport=DESKTOP, locale="en-US", timezone_id="UTC"
    )
    page = context.new_page()
    errors: list[str] = []
    watch_for_errors(page, errors)
    deletions: list[str] = []
    page.on("request", lambda r: deletions.append(r.method) if r.url.endswith("/api/v1/me/delete") else None)
    try:
        # Log in; the form brings them back to the settings page they asked for.
        page.goto("/login?next=/settings")
        page.fill("input[name=email]", EMAIL)
        page.fill("input[name=password]", PASSWORD)
        page.click("button[type=submit]")
        expect(page).to_have_url(f"{live_server.url}/settings")
        expect(page.locator("#data-title + p")).to_contain_text(f"Signed in as @{HANDLE}.")
        [session] = [c["value"] for c in context.cookies() if c["name"] == "clipshop_session"]
        # The export should hold the clip as viewers see it: wait until it is transcoded and published.
        wait_for_api(page, f"/api/v1/videos/{video_id}", "body && body.id")
        page.screenshot(path=str(shots_dir / "settings-desktop.png"), full_page=True)

        with page.expect_download() as started:
            page.get_by_role("link", name="Download my data").click()
        download = started.value
        assert download.failure() is None
        assert re.fullmatch(r"clipshop-rita\.rights-\d{8}\.zip", download.suggested_filename)
        saved = tmp_path / download.suggested_filename
        download.save_as(saved)
        with zipfile.ZipFile(saved) as archive:
            assert archive.testzip() is None  # every member's CRC holds: the whole stream arrived
            manifest = json.loads(archive.read("manifest.json"))
            users = json.loads(archive.read("region/users.json"))
            videos = json.loads(archive.read("region/videos.json"))
            profiles = json.loads(archive.read("directory/public_profiles.json"))
            master = archive.read(f"media/videos/{video_id}/hls/master.m3u8")
        assert manifest["user_id"] == member_id
        assert [(u["id"], u["email"], u["handle"]) for u in users] == [(member_id, EMAIL, HANDLE)]
        assert [(v["id"], v["caption"], v["status"]) for v in videos] == [(video_id, CAPTION, "ready")]
        assert [p["handle"] for p in profiles] == [HANDLE]
        assert f"media/videos/{video_id}/hls/master.m3u8" in manifest["media"]
        assert master.startswith(b"#EXTM3U")

        # Deleting asks first; a wrong password is then refused on its field, and the account stays.
        form = page.locator("#delete-form")
        delete = form.get_by_role("button", name="Delete my account")
        password_error = form.locator(".field-error[data-error-for=password]")
        form.locator("input[name=password]").fill("not my password")
        page.once("dialog", lambda dialog: dialog.accept())
        with page.expect_event("dialog") as asked:
            delete.click()
        assert asked.value.message == QUESTION
        expect(password_error).to_have_text("That is not your password.")
        expect(form.locator("input[name=password]")).to_have_attribute("aria-invalid", "true")
        expect(delete).to_be_enabled()

        # The right password, but a change of mind at the question: nothing is sent.
        form.locator("input[name=password]").fill(PASSWORD)
        page.once("dialog", lambda dialog: dialog.dismiss())
        with page.expect_event("dialog"):
            delete.click()
        expect(password_error).to_have_text("")
        expect(delete).to_be_enabled()
        expect(page).to_have_url(f"{live_server.url}/settings")

        page.once("dialog", lambda dialog: dialog.accept())
        delete.click()
        expect(page).to_have_url(f"{live_server.url}/")
        expect(page.locator("#toast")).to_have_text(DELETED)
        page.screenshot(path=str(shots_dir / "settings-deleted.png"))
        # Two requests: the wrong password and the confirmed one; the dismissed question sent none.
        assert deletions == ["POST", "POST"]

        # Logged out: no cookie, a visitor's menu, and the settings page sends them to log in.
        assert [c for c in context.cookies() if c["name"] == "clipshop_session"] == []
        expect(page.locator("body")).to_have_attribute("data-viewer", "")
        expect(page.get_by_role("link", name="Log in")).to_be_visible()
        page.goto("/settings")
        expect(page).to_have_url(f"{live_server.url}/login?next=/settings")

        # The old password opens nothing in the page ...
        page.fill("input[name=email]", EMAIL)
        page.fill("input[name=password]", PASSWORD)
        page.click("button[type=submit]")
        expect(page.locator("#login-form .form-error")).to_have_text(
            "That email and password do not match an account."
        )
        expect(page).to_have_url(f"{live_server.url}/login?next=/settings")
        # ... nor over the API, and the sessions it had, the browser's included, were all revoked.
        with live_server.api() as client:
            login = client.post("/api/v1/auth/login", json={"email": EMAIL, "password": PASSWORD})
            assert (login.status_code, login.json()["code"]) == (401, "bad_credentials")
            for old in (token, session):
                assert client.get("/api/v1/me", headers={"Authorization": f"Bearer {old}"}).status_code == 401

        # The erasure runs in the background; once the public profile is gone the email is free again.
        wait_for_api(page, f"/api/v1/users/{HANDLE}", "body === null")
        assert page.request.get(f"/api/v1/users/{HANDLE}").status == 404
        assert page.request.get(f"/api/v1/videos/{video_id}").status == 404
        page.goto("/signup")
        page.fill("input[name=email]", EMAIL)
        page.fill("input[name=password]", PASSWORD)
        page.fill("input[name=handle]", HANDLE)
        page.fill("input[name=birth_date]", "1988-03-09")
        page.select_option("select[name=country]", "US")
        page.click("button[type=submit]")
        expect(page).to_have_url(f"{live_server.url}/")
        expect(page.locator("body")).to_have_attribute("data-viewer", HANDLE)
        me = page.request.get("/api/v1/me").json()
        assert (me["email"], me["handle"]) == (EMAIL, HANDLE)
        assert me["id"] != member_id
    finally:
        context.close()
    assert errors == [], f"the page raised: {errors}"
