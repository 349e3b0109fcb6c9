"""The web UI in Chromium against a real server: sign up, upload with tus, wait for transcoding, watch the
clip play in the feed, like and comment, and a visitor who is sent to log in when they try to like."""

from __future__ import annotations

import re
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Page, expect

from clipshop.media.transcode import ffmpeg_exe
from support import PASSWORD

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

PLAYING = """([min]) => {
  const video = document.querySelector('.slide.is-active video');
  return Boolean(video) && !video.paused && video.readyState >= 2 && video.currentTime > min;
}"""


@pytest.fixture
def page(browser: Any, live_server: LiveServer) -> Iterator[Page]:
    context = browser.new_context(
        base_url=live_server.url,
        viewport=PHONE,
        has_touch=True,
        permissions=["clipboard-read", "clipboard-write"],
    )
    page = context.new_page()
    errors: list[str] = []
    watch_for_errors(page, errors)
    yield page
    context.close()
    assert errors == [], f"the page raised: {errors}"


@pytest.fixture(scope="module")
def studio_clips(browser: Any, live_server: LiveServer, e2e_clips: dict[str, Path]) -> list[dict[str, str]]:
    """Two clips by @studio, published and processed, for the tests that need something in the feed."""
    posts = [("seed", "City loop at dusk #citylights #e2e"), ("seed2", "Rooftop garden in spring #e2e")]
    with live_server.api() as client:
        token = sign_up_by_api(client, "studio")
        clips = [
            {"id": post_clip_by_api(client, token, e2e_clips[name], caption), "caption": caption}
            for name, caption in posts
        ]
    context = browser.new_context(base_url=live_server.url)
    waiter = context.new_page()
    waiter.goto("/login")
    for clip in clips:
        wait_for_api(waiter, f"/api/v1/videos/{clip['id']}", "body && body.id")
    context.close()
    return clips


@pytest.fixture(scope="module")
def published_clip(studio_clips: list[dict[str, str]]) -> dict[str, str]:
    return studio_clips[0]


def touch_swipe(page: Page, dy: int) -> None:
    """A finger dragged `dy` pixels up (negative: down) over the middle of the screen."""
    cdp = page.context.new_cdp_session(page)
    x, y = PHONE["width"] // 2, PHONE["height"] // 2 + dy // 2
    cdp.send("Input.dispatchTouchEvent", {"type": "touchStart", "touchPoints": [{"x": x, "y": y}]})
    for step in range(1, 16):
        point = {"x": x, "y": y - dy * step // 15}
        cdp.send("Input.dispatchTouchEvent", {"type": "touchMove", "touchPoints": [point]})
    cdp.send("Input.dispatchTouchEvent", {"type": "touchEnd", "touchPoints": []})
    cdp.detach()


def swipe_to(page: Page, clip: Any) -> None:
    """Press j until `clip` is the video on screen, as a viewer would scroll down to it."""
    expect(page.locator(".slide.is-active")).to_have_count(1)
    for _ in range(20):
        if re.search(r"\bis-active\b", clip.get_attribute("class") or ""):
            return
        current = page.locator(".slide.is-active").get_attribute("data-id")
        page.keyboard.press("j")
        page.wait_for_function(
            "(id) => document.querySelector('.slide.is-active')?.dataset.id !== id", arg=current
        )
    raise AssertionError("the clip never came up in the feed")


def active_video_plays(page: Page) -> None:
    """The visible video really plays: time moves on after it started."""
    page.wait_for_function(PLAYING, arg=[0.2], timeout=30_000)
    start = page.evaluate("document.querySelector('.slide.is-active video').currentTime")
    page.wait_for_function(PLAYING, arg=[start + 0.5], timeout=30_000)


def test_a_member_uploads_a_clip_then_watches_likes_and_comments_it(
    page: Page, live_server: LiveServer, e2e_clips: dict[str, Path], shots_dir: Path
) -> None:
    page.goto("/signup")
    page.fill("input[name=email]", "maya@example.com")
    page.fill("input[name=password]", "short")
    page.fill("input[name=handle]", "maya.makes")
    page.click("button[type=submit]")
    # The page asks for a birth date before anything goes out.
    expect(page.locator(".field-error[data-error-for=birth_date]")).to_contain_text("Give your birth date")
    page.fill("input[name=birth_date]", "1995-04-02")
    page.click("button[type=submit]")
    # The API's problem detail shows next to the field it names.
    expect(page.locator(".field-error[data-error-for=password]")).to_contain_text("at least 8 characters")
    expect(page.locator("input[name=password]")).to_have_attribute("aria-invalid", "true")
    page.screenshot(path=str(shots_dir / "signup-error.png"))
    page.fill("input[name=password]", PASSWORD)
    page.fill("input[name=handle]", "maya.makes")
    page.select_option("select[name=country]", "CA")
    page.click("button[type=submit]")
    expect(page).to_have_url(f"{live_server.url}/")
    expect(page.locator("body")).to_have_attribute("data-viewer", "maya.makes")

    # Upload with tus; the first PATCH dies on the wire, so the client asks where to resume (HEAD) and goes
    # on; then the video is created and its renditions are followed until it is live.
    page.goto("/upload")
    upload_requests: list[str] = []

    def drop_first_patch(route: Any) -> None:
        upload_requests.append(route.request.method)
        if upload_requests == ["PATCH"]:
            route.abort("connectionreset")
        else:
            route.continue_()

    page.route("**/api/v1/uploads/*", drop_first_patch)
    page.set_input_files("#upload-file", str(e2e_clips["upload"]))
    caption = "Morning light over the bay #sunrise #nofilter"
    page.fill("#upload-caption", caption)
    page.click("#upload-submit")
    expect(page.locator("[data-stage]")).to_have_text("Your video is live", timeout=READY_TIMEOUT_MS)
    expect(page.locator("[data-bar]")).to_have_attribute("aria-valuenow", "100")
    expect(page.locator(".rendition[data-status=ready]")).to_have_count(page.locator(".rendition").count())
    expect(page.locator("#my-videos .my-video[data-status=ready]")).to_have_count(1)
    assert upload_requests == ["PATCH", "HEAD", "PATCH"]
    page.unroute("**/api/v1/uploads/*")
    page.screenshot(path=str(shots_dir / "upload-phone.png"))
    page.set_viewport_size(DESKTOP)
    page.screenshot(path=str(shots_dir / "upload-desktop.png"))
    page.set_viewport_size(PHONE)
    video_id = page.locator("[data-watch]").get_attribute("href").rsplit("/", 1)[-1]

    # The feed: find the clip by its caption (j moves down), it autoplays muted and time advances.
    page.goto("/")
    clip = page.locator(".slide", has_text="Morning light over the bay")
    swipe_to(page, clip)
    expect(clip.locator(".caption a.hashtag").first).to_have_attribute("href", "/tag/sunrise")
    expect(clip.locator(".creator")).to_have_attribute("href", "/@maya.makes")
    active_video_plays(page)
    assert page.evaluate("document.querySelector('.slide.is-active video').muted") is True
    expect(clip.locator(".sound-btn")).to_contain_text("Tap to unmute")
    page.screenshot(path=str(shots_dir / "feed-phone.png"))
    clip.locator(".tap-area").click()  # a tap turns the sound on
    assert page.evaluate("document.querySelector('.slide.is-active video').muted") is False
    expect(clip.locator(".sound-btn")).to_have_attribute("aria-label", "Mute")

    # Leaving the page sends the watch events (a beacon on page hide): the play counts as a view. The
    # profile page sends none of its own, so the view can only come from the feed page just left.
    page.goto("/@maya.makes")
    wait_for_api(page, f"/api/v1/videos/{video_id}", "body && body.counts.views === 1", timeout=15_000)

    # The profile: header and a grid of videos; a tile opens the swipe feed at that video.
    expect(page.locator(".profile-handle")).to_have_text("@maya.makes")
    tile = page.locator(f"#grid a.tile[href='/v/{video_id}']")
    expect(tile).to_be_visible()
    page.screenshot(path=str(shots_dir / "profile-phone.png"))
    tile.click()
    overlay = page.locator(f".overlay-feed .slide[data-id='{video_id}']")
    expect(overlay).to_have_class(re.compile(r"\bis-active\b"))
    active_video_plays(page)
    expect(page).to_have_url(f"{live_server.url}/v/{video_id}")
    page.go_back()
    expect(page.locator(".overlay-feed")).to_have_count(0)
    expect(page).to_have_url(f"{live_server.url}/@maya.makes")
    # Each play said where it came from (closing the overlay sent its events): For You, then the profile's
    # grid. They are the creator's traffic sources.
    wait_for_api(
        page,
        "/api/v1/me/analytics?days=1",
        "body && body.sources.some(s => s.source === 'for_you' && s.views === 1)"
        " && body.sources.some(s => s.source === 'profile' && s.views === 1)",
        timeout=15_000,
    )

    page.goto(f"/v/{video_id}")
    # The shared link opens on the clip. Like: the heart fills and the count moves at once.
    shared = page.locator(f".slide[data-id='{video_id}']")
    expect(shared).to_have_class(re.compile(r"\bis-active\b"))
    like = shared.locator(".act-like")
    like.click()
    expect(like).to_have_attribute("aria-pressed", "true")
    expect(like.locator("[data-like-count]")).to_have_text("1")

    # Comment in the bottom sheet; it shows at once.
    shared.locator(".act-comment").click()
    sheet = page.locator(".sheet")
    expect(sheet).to_be_visible()
    sheet.locator("input[name=body]").fill("What a view! 🌅")
    sheet.locator("button.send").click()
    expect(sheet.locator(".comment-text")).to_have_text(["What a view! 🌅"])
    expect(sheet.locator("h2")).to_have_text("1 comment")
    expect(shared.locator("[data-comment-count]")).to_have_text("1")
    page.screenshot(path=str(shots_dir / "comments-phone.png"))
    page.keyboard.press("Escape")
    expect(sheet).to_be_hidden()

    # Share: the link is copied and counted.
    shared.locator(".act-share").click()
    expect(page.locator("#toast")).to_have_text(f"Link copied: {live_server.url}/v/{video_id}")
    expect(shared.locator(".act-share .act-count")).to_have_text("1")
    assert page.evaluate("navigator.clipboard.readText()") == f"{live_server.url}/v/{video_id}"

    # Counters are projected by a background job; once it ran, all of it survives a reload.
    wait_for_api(
        page,
        f"/api/v1/videos/{video_id}",
        "body && body.liked_by_me && body.counts.likes === 1 && body.counts.comments === 1"
        " && body.counts.shares === 1",
    )
    page.reload()
    expect(shared).to_have_class(re.compile(r"\bis-active\b"))
    expect(shared.locator(".act-like")).to_have_attribute("aria-pressed", "true")
    expect(shared.locator("[data-like-count]")).to_have_text("1")
    expect(shared.locator("[data-comment-count]")).to_have_text("1")
    shared.locator(".act-comment").click()
    expect(page.locator(".sheet .comment-text")).to_have_text(["What a view! 🌅"])
    expect(page.locator(".sheet .comment-author")).to_contain_text(["maya.makes"])
    page.keyboard.press("Escape")


def test_a_visitor_watches_and_is_sent_to_log_in_to_like(
    page: Page, live_server: LiveServer, studio_clips: list[dict[str, str]], shots_dir: Path
) -> None:
    published_clip = studio_clips[0]
    page.goto("/")
    first, second = page.locator(".slide").nth(0), page.locator(".slide").nth(1)
    expect(first).to_have_class(re.compile(r"\bis-active\b"))
    active_video_plays(page)
    expect(page.locator("nav a[href='/login']")).to_be_visible()

    # A swipe up brings the next video, which plays while the one left pauses; a swipe down goes back.
    touch_swipe(page, 400)
    expect(second).to_have_class(re.compile(r"\bis-active\b"))
    active_video_plays(page)
    assert first.locator("video").evaluate("(video) => video.paused") is True
    touch_swipe(page, -400)
    expect(first).to_have_class(re.compile(r"\bis-active\b"))
    active_video_plays(page)

    clip = page.locator(f".slide[data-id='{published_clip['id']}']")
    expect(clip).to_contain_text("City loop at dusk")
    swipe_to(page, clip)
    clip.locator(".act-like").click()
    expect(page).to_have_url(re.compile(r"/login\?next="))
    assert page.url.endswith(f"/login?next=%2Fv%2F{published_clip['id']}")
    expect(page.locator("#login-form")).to_be_visible()


def test_the_upload_page_states_the_limits_and_says_which_one_a_clip_is_over(
    page: Page, live_server: LiveServer, tmp_path: Path, shots_dir: Path
) -> None:
    small = tmp_path / "small.mp4"
    subprocess.run(
        [
            *(
                ffmpeg_exe(),
                "-nostdin",
                "-loglevel",
                "error",
                "-f",
                "lavfi",
                "-i",
                "testsrc=size=142x256:rate=10",
            ),
            *("-frames:v", "12", "-c:v", "libx264", "-pix_fmt", "yuv420p", str(small)),
        ],
        check=True,
    )
    with live_server.api() as client:
        token = sign_up_by_api(client, "tiny.frames")
    page.context.add_cookies([{"name": "clipshop_session", "value": token, "url": live_server.url}])
    page.goto("/upload")
    expect(page.locator("#upload-limits li")).to_have_text(
        [
            "From 1 s to 10 min long",
            "Frames at least 144 px on the short side and at most 4096 px on the long side",
            "Up to 120 frames per second, 72,000 frames in all",
        ]
    )
    page.set_input_files("#upload-file", str(small))
    page.click("#upload-submit")
    expect(page.locator("[data-stage]")).to_have_text("Upload failed")
    expect(page.locator("[data-bar-label]")).to_have_text(
        "This video's frames are 142x256 pixels; the short side must be at least 144 pixels."
        " Upload a larger version of it."
    )
    page.screenshot(path=str(shots_dir / "upload-refused-phone.png"))


def test_following_a_creator_from_the_feed_fills_the_following_feed(
    page: Page, live_server: LiveServer, published_clip: dict[str, str]
) -> None:
    with live_server.api() as client:
        token = sign_up_by_api(client, "noah", "AU")
    page.context.add_cookies([{"name": "clipshop_session", "value": token, "url": live_server.url}])
    page.goto("/following")
    expect(page.locator(".feed-state")).to_contain_text("Nothing from people you follow yet")

    page.goto(f"/v/{published_clip['id']}")
    clip = page.locator(f".slide[data-id='{published_clip['id']}']")
    expect(clip).to_have_class(re.compile(r"\bis-active\b"))
    clip.locator(".follow-badge").click()
    expect(clip.locator(".follow-badge")).to_have_class(re.compile(r"\bis-following\b"))
    expect(page.locator("#toast")).to_have_text("Following @studio")

    page.goto("/following")
    expect(page.locator(".tab.is-active")).to_have_text("Following")
    expect(page.locator(".slide .creator b")).to_have_text(["@studio", "@studio"])
    expect(page.locator(f".slide[data-id='{published_clip['id']}']")).to_have_count(1)
    active_video_plays(page)

    page.goto("/@studio")
    follow = page.locator("[data-follow]")
    expect(follow).to_have_text("Following")
    wait_for_api(page, "/api/v1/users/studio", "body && body.follower_count === 1")
    page.reload()
    expect(page.locator("[data-stat=follower_count]")).to_have_text("1")
    follow.click()
    expect(follow).to_have_text("Follow")
    expect(page.locator("[data-stat=follower_count]")).to_have_text("0")


def test_the_desktop_feed_plays_with_hls_js_where_native_hls_is_missing(
    browser: Any, live_server: LiveServer, published_clip: dict[str, str], shots_dir: Path
) -> None:
    context = browser.new_context(base_url=live_server.url, viewport=DESKTOP)
    # As in Firefox or an older Chrome: no native HLS, so the vendored hls.js plays through Media Source.
    context.add_init_script("""
      const canPlayType = HTMLMediaElement.prototype.canPlayType;
      HTMLMediaElement.prototype.canPlayType = function (type) {
        return /mpegurl/i.test(type) ? "" : canPlayType.call(this, type);
      };
    """)
    page = context.new_page()
    try:
        page.goto(f"/v/{published_clip['id']}")
        clip = page.locator(f".slide[data-id='{published_clip['id']}']")
        expect(clip).to_have_class(re.compile(r"\bis-active\b"))
        active_video_plays(page)
        assert page.evaluate("typeof window.Hls") == "function"
        assert page.evaluate("document.querySelector('.slide.is-active video').src").startswith("blob:")
        page.screenshot(path=str(shots_dir / "feed-desktop.png"))
    finally:
        context.close()
