"""The ads manager and creators' analytics in Chromium against a real server.

An advertiser's account, campaign and the ad events of viewers in two regions are written straight into the
databases; the page draws the report from the real report API (spend as bars, impressions or clicks as a
line, the totals, a table per day, the regions with the small one suppressed, the CSV). The accounts,
campaigns, ad groups, ads, top-ups and statements endpoints are answered in their documented shapes by a
fake held in the test, so the page's requests to them are checked field by field (their own tests cover
them). A creator with viewers in two regions reads their analytics, for every video and for one."""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlparse

import pytest
from playwright.sync_api import Page, Route, expect
from sqlalchemy import update

from clipshop.ads.models import AdEvent, Advertiser, AdvertiserKind, Campaign, Objective
from clipshop.assembly import build_platform
from clipshop.events.models import Event
from clipshop.kit.everywhere import everywhere
from clipshop.kit.ids import new_id
from clipshop.platform import Platform
from clipshop.videos.models import Video
from support import Member, a_region_video, quick_members

from .conftest import DESKTOP, LiveServer, sign_up_by_api, watch_for_errors

pytestmark = [pytest.mark.e2e, pytest.mark.xdist_group("e2e")]

PageFor = Callable[[str], Page]


@pytest.fixture
def page_for(browser: Any, live_server: LiveServer) -> Iterator[PageFor]:
    """A desktop page logged in with a member's token; every page must finish without a script error."""
    contexts: list[Any] = []
    errors: list[str] = []

    def make(token: str) -> Page:
        context = browser.new_context(
            base_url=live_server.url, viewport=DESKTOP, locale="en-US", timezone_id="UTC"
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


@pytest.fixture
def platform(live_server: LiveServer) -> Iterator[Platform]:
    """The live server's databases, for writing what a test starts from."""
    platform = build_platform(live_server.settings)
    yield platform
    platform.close()


def member(live_server: LiveServer, handle: str) -> Member:
    with live_server.api() as client:
        token = sign_up_by_api(client, handle)
        me = client.get("/api/v1/me", headers={"Authorization": f"Bearer {token}"}).json()
    return Member(id=me["id"], handle=handle, region=me["region"], email=f"{handle}@example.com", token=token)


def iso(at: datetime) -> str:
    return at.astimezone(UTC).isoformat().replace("+00:00", "Z")


@dataclass
class FakeAdsApi:
    """The advertiser endpoints the page calls besides the report, answered from memory in their documented
    shapes; every request it answered is kept (method, path, body, headers)."""

    advertiser: dict[str, Any]
    campaigns: list[dict[str, Any]]
    groups: list[dict[str, Any]] = field(default_factory=list)
    ads: list[dict[str, Any]] = field(default_factory=list)
    topups: list[dict[str, Any]] = field(default_factory=list)
    seen: list[tuple[str, str, Any, dict[str, str]]] = field(default_factory=list)
    next_url: str | None = None

    def answer(self, route: Route) -> None:
        request = route.request
        path = urlparse(request.url).path.removeprefix("/api/v1")
        if "/report" in path:
            route.continue_()  # the real report
            return
        body = json.loads(request.post_data) if request.post_data else None
        self.seen.append((request.method, path, body, request.headers))
        status, found = self.respond(request.method, path, body)
        route.fulfill(status=status, content_type="application/json", body=json.dumps(found))

    def respond(self, method: str, path: str, body: Any) -> tuple[int, Any]:
        now = iso(datetime.now(UTC))
        account = self.advertiser
        parts = path.strip("/").split("/")
        if (method, parts) == ("GET", ["advertisers"]):
            return 200, [account]
        if (method, parts) == ("GET", ["advertisers", account["id"]]):
            return 200, account
        if parts[:2] == ["advertisers", account["id"]] and parts[2:] == ["topups"]:
            if method == "GET":
                # The provider confirms a top-up a moment later (its webhook): paid by the next look.
                for topup in self.topups:
                    if topup["status"] == "pending" and not topup["next_url"]:
                        topup["status"] = "paid"
                        account["balance"] += topup["amount"]
                return 200, self.topups
            topup = {
                "id": new_id("us"),
                "amount": body["amount"],
                "currency": "USD",
                "created_at": now,
                "status": "pending",
                "next_url": self.next_url,
            }
            self.topups.insert(0, topup)
            return 201, topup
        if parts[:2] == ["advertisers", account["id"]] and parts[2:] == ["campaigns"]:
            if method == "GET":
                return 200, self.campaigns
            campaign = {
                "id": new_id("us"),
                "advertiser_id": account["id"],
                "currency": "USD",
                "status": "active",
                "paused_reason": "",
                "created_at": now,
                **body,
                "starts_at": body["starts_at"] or now,
            }
            self.campaigns.append(campaign)
            return 201, campaign
        if parts[:2] == ["advertisers", account["id"]] and parts[2:] == ["statements"]:
            today = datetime.now(UTC).date().isoformat()
            return 200, [
                {
                    "day": today,
                    "opening": 10_000,
                    "topups": 0,
                    "spend": 1,
                    "closing": 9_999,
                    "currency": "USD",
                    "campaigns": [{"campaign_id": self.campaigns[0]["id"], "name": "Summer", "spend": 1}],
                }
            ]
        if parts[0] == "campaigns" and len(parts) == 2 and method == "PATCH":
            campaign = next(c for c in self.campaigns if c["id"] == parts[1])
            campaign.update(body)
            campaign["paused_reason"] = "advertiser" if campaign["status"] == "paused" else ""
            return 200, campaign
        if parts[0] == "campaigns" and parts[2:] == ["ad-groups"]:
            if method == "GET":
                return 200, [g for g in self.groups if g["campaign_id"] == parts[1]]
            group = {"id": new_id("us"), "campaign_id": parts[1], "paused": False, **body}
            self.groups.append(group)
            return 201, group
        if parts[0] == "ad-groups" and parts[2:] == ["ads"]:
            if method == "GET":
                return 200, [a for a in self.ads if a["ad_group_id"] == parts[1]]
            group = next(g for g in self.groups if g["id"] == parts[1])
            ad = {
                "id": new_id("us"),
                "ad_group_id": group["id"],
                "campaign_id": group["campaign_id"],
                "kind": body["kind"],
                "video_id": body["video_id"],
                "product_id": body["product_id"],
                "headline": body["headline"],
                "call_to_action": body["call_to_action"],
                "review": "pending",
                "review_reason": "",
                "paused": False,
                "created_at": now,
            }
            self.ads.append(ad)
            return 201, ad
        return 404, {"code": "not_found", "detail": f"no fake for {method} {path}"}


def seed_advertiser(platform: Platform, owner: Member) -> tuple[str, str]:
    """An account and its campaign "Summer"; viewers in us saw, clicked and bought today and yesterday, and
    one viewer in eu saw it (too few to show)."""
    now = datetime.now(UTC)
    advertiser, campaign = new_id(owner.region), new_id(owner.region)
    viewers = quick_members(platform, "us", 3, "adviewer")
    (far,) = quick_members(platform, "eu", 1, "adfar")
    with everywhere(platform.databases).transaction() as uow:
        db = uow.region(owner.region)
        db.add(
            Advertiser(
                id=advertiser,
                owner_id=owner.id,
                name="Linen & Co",
                kind=AdvertiserKind.BRAND,
                currency="USD",
                created_at=now,
            )
        )
        db.flush()
        db.add(
            Campaign(
                id=campaign,
                advertiser_id=advertiser,
                name="Summer",
                objective=Objective.PURCHASES,
                currency="USD",
                daily_budget=2000,
                starts_at=now,
                created_at=now,
                updated_at=now,
            )
        )

        def event(viewer: Member, kind: str, at: datetime, **extra: Any) -> None:
            uow.region(viewer.region).add(
                AdEvent(
                    id=new_id(viewer.region),
                    user_id=viewer.id,
                    kind=kind,
                    ad_id=new_id("us"),
                    campaign_id=campaign,
                    created_at=at,
                    **extra,
                )
            )

        for viewer in viewers:
            event(viewer, "impression", now, price_micros=400_000)
        event(viewers[0], "impression", now - timedelta(days=1), price_micros=400_000)
        event(viewers[0], "click", now)
        event(viewers[1], "conversion", now, value=4500, currency="USD")
        event(far, "impression", now, price_micros=400_000)
    return advertiser, campaign


def test_an_advertiser_reads_the_report_and_runs_campaigns(
    page_for: PageFor, live_server: LiveServer, platform: Platform, shots_dir: Path
) -> None:
    owner = member(live_server, "linenco")
    advertiser, campaign = seed_advertiser(platform, owner)
    now = iso(datetime.now(UTC))
    fake = FakeAdsApi(
        advertiser={
            "id": advertiser,
            "name": "Linen & Co",
            "kind": "brand",
            "shop_id": None,
            "currency": "USD",
            "balance": 10_000,
            "created_at": now,
        },
        campaigns=[
            {
                "id": campaign,
                "advertiser_id": advertiser,
                "name": "Summer",
                "objective": "purchases",
                "currency": "USD",
                "daily_budget": 2000,
                "lifetime_budget": None,
                "starts_at": now,
                "ends_at": None,
                "status": "active",
                "paused_reason": "",
                "created_at": now,
            }
        ],
    )
    page = page_for(owner.token)
    page.route(re.compile(r"/api/v1/(advertisers|campaigns|ad-groups|ads/)"), fake.answer)
    page.goto("/ads")
    expect(page.locator("#balance")).to_have_text("$100.00")

    # The report: 30 days of spend bars, today's the 3 us impressions at $0.004 each; eu is suppressed.
    today = datetime.now(UTC).date().isoformat()
    chart = page.locator("#report-chart")
    expect(chart.locator("rect.spend-bar")).to_have_count(30)
    expect(chart.locator(f"rect.spend-bar[data-day='{today}']")).to_have_attribute("data-spend", "1.2")
    expect(chart.locator("polyline.figure-line")).to_have_count(1)
    expect(chart.locator("figcaption")).to_have_text(
        "$0.016 spent, 4 impressions and 1 click in the last 30 days"
    )
    tiles = page.locator("#report-tiles")
    expect(tiles.locator("[data-stat=spend] b")).to_have_text("$0.016")
    expect(tiles.locator("[data-stat=impressions] b")).to_have_text("4")
    expect(tiles.locator("[data-stat=reach] b")).to_have_text("3")
    expect(tiles.locator("[data-stat=ctr] b")).to_have_text("25%")
    expect(tiles.locator("[data-stat=conversions] b")).to_have_text("1")
    expect(tiles.locator("[data-stat=roas] b")).to_have_text("2,812.5\u00d7")  # times
    row = page.locator(f"#report-table tr[data-day='{today}']")
    expect(row.locator("[data-figure=impressions]")).to_have_text("3")
    expect(row.locator("[data-figure=clicks]")).to_have_text("1")
    expect(page.locator("#report-table tbody tr")).to_have_count(30)
    expect(page.locator("#report-regions tr[data-region=us] [data-figure=impressions]")).to_have_text("4")
    suppressed = page.locator("#report-regions tr[data-region=eu]")
    expect(suppressed).to_have_attribute("data-suppressed", "true")
    expect(suppressed).to_contain_text("Suppressed: fewer than 10 people")
    expect(page.locator("#report-note")).to_be_visible()
    page.screenshot(path=str(shots_dir / "ads-manager-desktop.png"), full_page=True)

    # Clicks as the line; a week; the CSV link follows the choices and downloads the same rows.
    page.get_by_label("Line on the chart").select_option("clicks")
    expect(chart.locator("circle.chart-dot")).to_have_count(1)
    page.get_by_label("Period").select_option("7")
    expect(chart.locator("rect.spend-bar")).to_have_count(7)
    csv_link = page.locator("#report-csv")
    expect(csv_link).to_have_attribute("href", f"/api/v1/advertisers/{advertiser}/report.csv?days=7")
    download = page.request.get(f"{live_server.url}{csv_link.get_attribute('href')}")
    assert download.status == 200 and download.headers["content-type"] == "text/csv; charset=utf-8"
    assert download.text().splitlines()[-1] == "total,USD,1.6,4,3,1,1,4500,0.25,1,1.6,2812.5"

    # One campaign's report.
    page.locator("#report-campaign").select_option(campaign)
    expect(csv_link).to_have_attribute("href", re.compile(f"campaign_id={campaign}$"))

    # Pause the campaign.
    summer = page.locator(f"#campaigns tr[data-campaign-id='{campaign}']")
    expect(summer.locator(".status")).to_have_text("Active")
    summer.get_by_role("button", name="Pause").click()
    expect(summer.locator(".status")).to_have_text("Paused")
    assert ("PATCH", f"/campaigns/{campaign}", {"status": "paused"}) in [s[:3] for s in fake.seen]

    # A new campaign, an ad group in it and an ad of another creator's video with their code.
    page.get_by_role("button", name="New campaign").click()
    form = page.locator("#campaign-form")
    form.get_by_label("Name").fill("Autumn linen")
    form.get_by_label("Objective").select_option("product_visits")
    form.get_by_label("Daily budget").fill("25")
    form.get_by_role("button", name="Create campaign").click()
    expect(page.locator("#detail-title")).to_have_text("Autumn linen")
    created = next(s for s in fake.seen if s[0] == "POST" and s[1].endswith("/campaigns"))
    assert created[2] == {
        "name": "Autumn linen",
        "daily_budget": 2500,
        "lifetime_budget": None,
        "ends_at": None,
        "objective": "product_visits",
        "starts_at": None,
    }

    page.get_by_role("button", name="New ad group").click()
    group_form = page.get_by_role("form", name="New ad group")
    group_form.get_by_label("Name").fill("Linen lovers")
    group_form.get_by_label("Bid type").select_option("cpc")
    group_form.get_by_label("Bid (USD)").fill("0.40")
    group_form.get_by_label("EU").check()
    group_form.get_by_label("Interests").fill("#Linen summer")
    group_form.get_by_label("Frequency cap").fill("2")
    group_form.get_by_role("button", name="Create ad group").click()
    group = page.locator("#ad-groups .ad-group")
    expect(group.locator("h3")).to_have_text("Linen lovers")
    expect(group.locator(".line-meta").first).to_contain_text("CPC $0.40 · in EU · interests #linen #summer")
    posted = next(s for s in fake.seen if s[0] == "POST" and s[1].endswith("/ad-groups"))
    assert posted[2] == {
        "name": "Linen lovers",
        "bid_type": "cpc",
        "bid": 40,
        "retarget": "",
        "frequency_cap": 2,
        "regions": ["eu"],
        "interests": ["linen", "summer"],
    }

    group.get_by_role("button", name="New ad").click()
    ad_form = page.get_by_role("form", name="New ad in Linen lovers")
    ad_form.locator("select[name=video_id]").select_option("")
    ad_form.get_by_label("Creator's video id").fill("eu_" + "1" * 32)
    ad_form.get_by_label("Authorisation code").fill("SPARK-CODE")
    ad_form.get_by_label("Headline").fill("Linen that breathes")
    ad_form.get_by_label("Call to action").fill("Shop now")
    ad_form.get_by_role("button", name="Create ad").click()
    ad_row = group.locator("tr[data-ad-id]")
    expect(ad_row.locator(".status")).to_have_text("In review")
    page.locator("#campaign-detail").screenshot(path=str(shots_dir / "ads-campaign-desktop.png"))
    posted = next(s for s in fake.seen if s[0] == "POST" and s[1].endswith("/ads"))
    assert posted[2] == {
        "headline": "Linen that breathes",
        "call_to_action": "Shop now",
        "kind": "video",
        "video_id": "eu_" + "1" * 32,
        "product_id": None,
        "authorization_code": "SPARK-CODE",
    }

    # Top up: pending until the provider confirms it, then the balance grows; the request carries an
    # Idempotency-Key.
    topup = page.get_by_role("form", name="Top up the balance")
    topup.get_by_label("Amount").fill("50")
    topup.get_by_label("Card").fill("4242 4242 4242 4242")
    topup.get_by_role("button", name="Top up").click()
    expect(page.locator("#toast")).to_have_text(
        "$50.00 on its way: it is added once the payment is confirmed"
    )
    expect(page.locator("#balance")).to_have_text("$150.00")
    expect(page.locator("#topups [data-status]")).to_have_text(["Paid"])
    _, _, body, headers = next(s for s in fake.seen if s[0] == "POST" and s[1].endswith("/topups"))
    assert body == {"amount": 5000, "payment_method": "4242 4242 4242 4242"} and headers["idempotency-key"]
    expect(page.locator("#statements tbody tr")).to_have_count(1)

    # A provider that asks for a step: the page goes where it says.
    fake.next_url = f"/ads?account={advertiser}&topup=confirming"
    topup.get_by_label("Amount").fill("20")
    topup.get_by_label("Card").fill("4000 0025 0000 3155")
    topup.get_by_role("button", name="Top up").click()
    expect(page).to_have_url(re.compile(r"topup=confirming$"))


def test_a_creator_reads_their_analytics(
    page_for: PageFor, live_server: LiveServer, platform: Platform, shots_dir: Path
) -> None:
    creator = member(live_server, "studio.maker")
    first, second = a_region_video(platform, creator), a_region_video(platform, creator)
    now = datetime.now(UTC)
    viewers = quick_members(platform, "us", 3, "fan")
    (far,) = quick_members(platform, "eu", 1, "farfan")
    with everywhere(platform.databases).transaction() as uow:
        db = uow.region(creator.region)
        db.execute(update(Video).where(Video.id == first).values(caption="Linen in the wind"))
        db.execute(update(Video).where(Video.id == second).values(caption="Dye day"))
        plays = [
            (viewers[0], first, "for_you"),
            (viewers[1], first, "profile"),
            (viewers[2], second, "search"),
            (far, first, "for_you"),
        ]
        for viewer, video, source in plays:
            for kind, value in (("play", 0.0), ("progress", 4.0)):
                uow.region(viewer.region).add(
                    Event(
                        id=new_id(viewer.region),
                        user_id=viewer.id,
                        kind=kind,
                        video_id=video,
                        value=value,
                        source=source,
                        created_at=now,
                    )
                )
    page = page_for(creator.token)
    page.goto("/studio/analytics")
    tiles = page.locator("#analytics-tiles")
    expect(tiles.locator("[data-stat=views] b")).to_have_text("3")  # eu's one viewer is suppressed
    expect(tiles.locator("[data-stat=avg_watch_share] b")).to_have_text("50%")  # 4 s of 8 s
    today = now.date().isoformat()
    chart = page.locator("#analytics-chart")
    expect(chart.locator("rect.views-bar")).to_have_count(28)
    expect(chart.locator(f"rect.views-bar[data-day='{today}']")).to_have_attribute("data-views", "3")
    expect(page.locator("#analytics-sources [data-source=for_you] .source-value")).to_have_text("1 · 33.3%")
    expect(page.locator("#analytics-regions tr[data-region=eu]")).to_have_attribute("data-suppressed", "true")
    expect(page.locator("#analytics-regions tr[data-region=us] [data-figure=viewers]")).to_have_text("3")
    top = page.locator("#analytics-videos tbody tr")
    expect(top).to_have_count(2)
    expect(top.first).to_contain_text("Linen in the wind")
    expect(page.locator(f"#analytics-table tr[data-day='{today}'] [data-figure=views]")).to_have_text("3")
    page.screenshot(path=str(shots_dir / "analytics-desktop.png"), full_page=True)

    # One video: its own figures, its address says which.
    top.first.get_by_role("button", name="Linen in the wind").click()
    expect(page).to_have_url(re.compile(f"\\?video={first}$"))
    expect(tiles.locator("[data-stat=views] b")).to_have_text("2")
    expect(tiles.locator("[data-stat=followers_gained]")).to_have_count(0)
    expect(page.locator("#top-videos-panel")).to_be_hidden()
    assert parse_qs(urlparse(page.url).query) == {"video": [first]}

    # The creator's list of uploads links each published video to its analytics.
    page.goto("/upload")
    page.locator(f".my-video[data-id='{second}'] a.my-analytics").click()
    expect(page.locator("#analytics-video")).to_have_value(second)
    expect(tiles.locator("[data-stat=views] b")).to_have_text("1")
