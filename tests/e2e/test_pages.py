"""The pages without a browser: each renders its template, guarded pages send visitors to log in, unknown
handles get a 404 page, and static files (our JS and CSS, the vendored hls.js) have the right types."""

from __future__ import annotations

import re
from typing import Any

import pytest
from fastapi.testclient import TestClient

from clipshop.moderation.models import ReportReason
from clipshop.platform import Platform
from support import Member, open_shop

SHELL_MARKERS = {
    "/": 'data-source="for-you"',
    "/signup": 'id="signup-form"',
    "/login": 'id="login-form"',
    "/tag/sunrise": 'data-source="/api/v1/hashtags/sunrise/videos"',
    "/search": 'id="search-page"',
}


@pytest.mark.parametrize("path", list(SHELL_MARKERS))
def test_public_pages_render_their_template(client: TestClient, path: str) -> None:
    response = client.get(path)
    assert response.status_code == 200
    assert response.headers["content-type"] == "text/html; charset=utf-8"
    assert SHELL_MARKERS[path] in response.text
    assert '<link rel="stylesheet" href="/static/css/app.css">' in response.text


def test_the_search_page_keeps_the_query_and_tab_of_its_address(client: TestClient) -> None:
    def selected_tabs(html: str) -> list[str]:
        return re.findall(r'data-kind="(\w+)"\s+aria-controls="search-results" aria-selected="true"', html)

    page = client.get("/search", params={"q": '"><script>alert(1)</script>', "type": "creators"}).text
    assert 'value="&#34;&gt;&lt;script&gt;alert(1)&lt;/script&gt;"' in page
    assert "<script>alert(1)" not in page
    assert selected_tabs(page) == ["creators"]
    # an unknown kind (an old link) shows the top results
    other = client.get("/search", params={"q": "vase", "type": "shops"})
    assert other.status_code == 200
    assert selected_tabs(other.text) == ["top"]
    # every page links to search from its navigation
    assert 'href="/search"' in client.get("/").text
    # and a hashtag's page to a search for it (its products and creators)
    assert 'href="/search?q=%23sun%20rise&amp;type=top"' in client.get("/tag/sun rise").text


def test_signup_offers_countries_of_every_region(client: TestClient) -> None:
    page = client.get("/signup").text
    for code in ("US", "CA", "DE", "FR", "GB", "AU", "NZ"):
        assert f'<option value="{code}">' in page


@pytest.mark.parametrize(
    "path",
    [
        "/upload",
        "/following",
        "/cart",
        "/checkout",
        "/orders",
        "/orders/us_x",
        "/seller",
        "/earnings",
        "/inbox",
        "/appeals",
        "/ads",
        "/studio/analytics",
    ],
)
def test_pages_for_members_send_visitors_to_log_in(client: TestClient, path: str) -> None:
    response = client.get(path, follow_redirects=False)
    assert response.status_code == 303
    assert response.headers["location"] == f"/login?next={path}"


def test_a_bad_session_cookie_counts_as_a_visitor(client: TestClient) -> None:
    client.cookies.set("clipshop_session", "us_nope.nope")
    response = client.get("/upload", follow_redirects=False)
    assert (response.status_code, response.headers["location"]) == (303, "/login?next=/upload")


def test_members_get_the_upload_and_following_pages(client: TestClient, alice: Member) -> None:
    client.cookies.set("clipshop_session", alice.token)
    upload = client.get("/upload")
    assert upload.status_code == 200
    assert 'id="upload-form"' in upload.text and 'data-viewer="alice"' in upload.text
    following = client.get("/following")
    assert following.status_code == 200 and 'data-source="following"' in following.text


def test_members_get_the_inbox_page_and_an_inbox_badge_on_every_page(
    client: TestClient, alice: Member
) -> None:
    client.cookies.set("clipshop_session", alice.token)
    inbox = client.get("/inbox")
    assert inbox.status_code == 200
    assert 'id="inbox-list"' in inbox.text and "/static/js/inbox-page.js" in inbox.text
    assert 'href="/inbox" aria-label="Inbox"' in client.get("/").text
    assert "data-inbox-count" in client.get("/orders").text


def test_members_get_the_ads_manager_and_their_analytics_from_the_menu(
    client: TestClient, platform: Platform, alice: Member
) -> None:
    client.cookies.set("clipshop_session", alice.token)
    home = client.get("/").text
    assert 'href="/ads"' in home and 'href="/studio/analytics"' in home
    ads = client.get("/ads")
    assert ads.status_code == 200 and "/static/js/ads-page.js" in ads.text
    # The regions an ad group may target, and the group size below which a region's figures are hidden.
    assert (
        'data-regions="au eu us"' in ads.text
        and f'data-min-group="{platform.settings.min_group_size}"' in ads.text
    )
    analytics = client.get("/studio/analytics")
    assert analytics.status_code == 200 and "/static/js/analytics-page.js" in analytics.text
    assert 'class="nav-item nav-extra is-active" href="/studio/analytics"' in analytics.text


def test_the_upload_page_states_the_limits_from_the_settings(
    client: TestClient, platform: Platform, alice: Member
) -> None:
    client.cookies.set("clipshop_session", alice.token)
    page = client.get("/upload").text
    assert f'data-max-bytes="{50 * 1024 * 1024}"' in page
    assert '<li data-limit="duration">From 1 s to 10 min long</li>' in page
    assert (
        '<li data-limit="frame-size">Frames at least 144 px on the short side and at most 4096 px on the'
        " long side</li>"
    ) in page
    assert '<li data-limit="frame-rate">Up to 120 frames per second, 72,000 frames in all</li>' in page

    platform.settings = platform.settings.with_overrides(
        max_upload_duration_s=90,
        min_upload_duration_s=2.5,
        min_upload_short_side=240,
        max_upload_long_side=1920,
        max_upload_fps=60,
    )
    page = client.get("/upload").text
    assert '<li data-limit="duration">From 2.5 s to 1 min 30 s long</li>' in page
    assert "Frames at least 240 px on the short side and at most 1920 px on the long side" in page
    assert "Up to 60 frames per second, 5,400 frames in all" in page


SHOP_MARKERS = {
    "/cart": 'id="cart-page"',
    "/checkout?product=p&variant=v&quantity=2": 'id="checkout-page"',
    "/orders": 'id="order-list"',
    "/orders/us_0000000000000000000000000": 'data-order-id="us_0000000000000000000000000"',
    "/seller": 'id="open-shop"',
    "/earnings": 'data-handle="alice"',
}


@pytest.mark.parametrize("path", list(SHOP_MARKERS))
def test_members_get_the_shopping_pages(client: TestClient, alice: Member, path: str) -> None:
    client.cookies.set("clipshop_session", alice.token)
    response = client.get(path)
    assert response.status_code == 200
    assert SHOP_MARKERS[path] in response.text
    assert 'href="/cart" aria-label="Cart"' in response.text and 'href="/earnings"' in response.text


def test_the_checkout_offers_countries_and_the_sandbox_test_cards(client: TestClient, alice: Member) -> None:
    client.cookies.set("clipshop_session", alice.token)
    page = client.get("/checkout").text
    assert '<option value="US">United States</option>' in page
    for card in ("4242 4242 4242 4242", "4000 0025 0000 3155", "4000 0000 0000 0002", "4000 0000 0000 9995"):
        assert f'data-card="{card}"' in page


def test_an_overlong_order_id_is_a_404_page(client: TestClient, alice: Member) -> None:
    client.cookies.set("clipshop_session", alice.token)
    response = client.get("/orders/" + "x" * 41)
    assert response.status_code == 404 and "Order not found" in response.text


def test_visitors_see_no_shopping_links(client: TestClient) -> None:
    page = client.get("/").text
    assert 'href="/cart"' not in page and 'href="/seller"' not in page


def test_logged_in_members_skip_the_login_page(client: TestClient, alice: Member) -> None:
    client.cookies.set("clipshop_session", alice.token)
    response = client.get("/login?next=/upload", follow_redirects=False)
    assert (response.status_code, response.headers["location"]) == (303, "/upload")
    offsite = client.get("/login?next=//evil.example/x", follow_redirects=False)
    assert offsite.headers["location"] == "/"


def test_a_profile_page_shows_the_creator(client: TestClient, alice: Member) -> None:
    response = client.get("/@alice")
    assert response.status_code == 200
    assert '<h1 class="profile-handle">@alice</h1>' in response.text
    assert 'data-source="/api/v1/users/alice/videos"' in response.text
    assert "data-follow" in response.text  # a visitor sees the follow button


def test_a_profile_offers_its_menu_with_report_to_all_but_its_owner(
    client: TestClient, alice: Member
) -> None:
    visitor = client.get("/@alice").text
    assert "data-profile-menu" in visitor and f'data-user-id="{alice.id}"' in visitor
    client.cookies.set("clipshop_session", alice.token)
    assert "data-profile-menu" not in client.get("/@alice").text


def test_a_shop_page_offers_report_to_all_but_its_owner(
    client: TestClient, alice: Member, bob: Member
) -> None:
    open_shop(client, alice, "alicewares")
    assert "data-report-shop" in client.get("/shop/alicewares").text
    client.cookies.set("clipshop_session", bob.token)
    assert 'data-report-shop data-shop-name="Alicewares"' in client.get("/shop/alicewares").text
    client.cookies.set("clipshop_session", alice.token)
    assert "data-report-shop" not in client.get("/shop/alicewares").text


def test_the_report_dialog_offers_exactly_the_reasons_the_reports_api_takes(client: TestClient) -> None:
    script = client.get("/static/js/report-dialog.js").text
    listed = script.split("export const REPORT_REASONS = [", 1)[1].split("];", 1)[0]
    codes = re.findall(r'^\s*\["([a-z_]+)", "', listed, flags=re.MULTILINE)
    assert sorted(codes) == sorted(r.value for r in ReportReason) and len(codes) == len(set(codes))


def test_an_unknown_handle_is_a_friendly_404(client: TestClient) -> None:
    response = client.get("/@nobody_here")
    assert response.status_code == 404
    assert response.headers["content-type"] == "text/html; charset=utf-8"
    assert "Nobody here goes by @nobody_here" in response.text


def test_an_unknown_video_and_an_unknown_page_are_404_pages(client: TestClient) -> None:
    assert client.get("/v/us_0000000000000000000000000").status_code == 404
    page = client.get("/no/such/page")
    assert page.status_code == 404 and "There is nothing at this address" in page.text


def test_unknown_api_paths_keep_their_problem_json(client: TestClient) -> None:
    response = client.get("/api/v1/no-such-thing")
    assert response.status_code == 404
    assert response.headers["content-type"] == "application/problem+json"
    assert response.json()["code"] == "not_found"
    assert client.get("/static/js/no-such.js").status_code == 404


@pytest.mark.parametrize(
    ("path", "content_type"),
    [
        ("/static/js/feed.js", "text/javascript; charset=utf-8"),
        ("/static/js/player.js", "text/javascript; charset=utf-8"),
        ("/static/js/upload.js", "text/javascript; charset=utf-8"),
        ("/static/js/api.js", "text/javascript; charset=utf-8"),
        ("/static/js/product-sheet.js", "text/javascript; charset=utf-8"),
        ("/static/js/report-dialog.js", "text/javascript; charset=utf-8"),
        ("/static/js/suspension.js", "text/javascript; charset=utf-8"),
        ("/static/js/checkout-page.js", "text/javascript; charset=utf-8"),
        ("/static/js/seller-page.js", "text/javascript; charset=utf-8"),
        ("/static/js/sales-chart.js", "text/javascript; charset=utf-8"),
        ("/static/js/chart.js", "text/javascript; charset=utf-8"),
        ("/static/js/ads-page.js", "text/javascript; charset=utf-8"),
        ("/static/js/analytics-page.js", "text/javascript; charset=utf-8"),
        ("/static/css/app.css", "text/css; charset=utf-8"),
        ("/static/vendor/hls/hls.min.js", "text/javascript; charset=utf-8"),
        ("/static/img/favicon.svg", "image/svg+xml"),
    ],
)
def test_static_files_are_served_with_their_content_type(
    client: TestClient, path: str, content_type: str
) -> None:
    response = client.get(path)
    assert response.status_code == 200
    assert response.headers["content-type"] == content_type


def test_the_vendored_hls_js_keeps_its_license(client: TestClient) -> None:
    body = client.get("/static/vendor/hls/hls.min.js").text
    assert ".Hls=" in body
    assert "Apache License" in client.get("/static/vendor/hls/LICENSE").text


def test_profile_text_is_escaped(client: TestClient, sign_up: Any) -> None:
    sign_up("mallory", display_name='<script>alert("x")</script>')
    page = client.get("/@mallory").text
    assert "<script>alert" not in page
    assert "&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt;" in page


def test_pages_answer_head_requests(client: TestClient) -> None:
    for path in ("/", "/login", "/signup"):
        response = client.head(path)
        assert response.status_code == 200 and response.headers["content-type"].startswith("text/html"), path
