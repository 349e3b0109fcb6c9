"""Sponsored items in For You over the API: ad load and never two in a row (across pages), one advertiser per
page, the auction's winner and price, frequency caps, targeting by region, interest and shop engagement,
budgets and pacing, a taken-down video, a closed shop or a stopped ad stopping at once, the label and the
reasons, the served event in the viewer's region, and the organic served log left as it was."""

from __future__ import annotations

import itertools
from datetime import timedelta
from typing import Any

import pytest
from factory import an_advertiser, change, fund, promote
from fastapi.testclient import TestClient
from sqlalchemy import select

from backends import Backend, make_settings
from clipshop.ads import serving
from clipshop.ads.index import ads_runtime
from clipshop.ads.models import AdEvent
from clipshop.config import Settings
from clipshop.feed.models import Served
from clipshop.kit.everywhere import everywhere
from clipshop.kit.ids import new_id
from clipshop.platform import Platform
from clipshop.videos.models import PublicVideo, Video
from clipshop.videos.service.publishing import take_public_copy_down
from doubles import FrozenClock
from support import Member, a_product, a_public_video, a_region_video, open_shop, quick_members

LOAD = 3  # one sponsored item in three: organic, organic, sponsored, ...


@pytest.fixture
def settings(backend: Backend, tmp_path: Any) -> Settings:
    return make_settings(backend, tmp_path, ads_load=LOAD)


@pytest.fixture
def catalogue(platform: Platform) -> list[str]:
    """Thirty organic clips by six creators on three topics."""
    creators = quick_members(platform, "us", 6, prefix="maker")
    topics = ["cooking", "garden", "music"]
    return [
        a_public_video(platform, creators[n % 6], f"clip {n} #{topics[n % 3]}", hours_ago=10 + n, views=100)
        for n in range(30)
    ]


@pytest.fixture
def brands(platform: Platform) -> list[Member]:
    return quick_members(platform, "us", 4, prefix="brand")


def promoted_video(platform: Platform, brand: Member, caption: str = "our clip #cooking") -> str:
    return a_public_video(platform, brand, caption, hours_ago=500)


def feed(client: TestClient, member: Member, *, limit: int = 6, cursor: str | None = None) -> dict[str, Any]:
    params: dict[str, Any] = {"limit": limit, **({"cursor": cursor} if cursor else {})}
    response = client.get("/api/v1/feed/for-you", headers=member.auth, params=params)
    assert response.status_code == 200, response.text
    return dict(response.json())


def pages(client: TestClient, member: Member, count: int, *, limit: int = 4) -> list[list[dict[str, Any]]]:
    out: list[list[dict[str, Any]]] = []
    cursor = None
    for _ in range(count):
        page = feed(client, member, limit=limit, cursor=cursor)
        out.append(page["items"])
        cursor = page["next_cursor"]
        if not cursor:
            break
    return out


def sponsored(items: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [item["sponsored"] for item in items if item["sponsored"]]


def served_events(platform: Platform, region: str, user_id: str | None = None) -> list[AdEvent]:
    with everywhere(platform.databases).transaction() as uow:
        query = select(AdEvent).where(AdEvent.kind == "served").order_by(AdEvent.created_at, AdEvent.id)
        if user_id:
            query = query.where(AdEvent.user_id == user_id)
        rows = list(uow.region(region).scalars(query))
        uow.region(region).expunge_all()
        return rows


def test_one_item_in_ads_load_is_sponsored_never_two_in_a_row_across_pages(
    client: TestClient, platform: Platform, alice: Member, catalogue: list[str], brands: list[Member]
) -> None:
    for n, brand in enumerate(brands):
        advertiser = an_advertiser(platform, brand, name=f"Brand {n}")
        promote(platform, advertiser, promoted_video(platform, brand), frequency_cap=10)
    book = pages(client, alice, 5, limit=4)
    # Pages of 4: o o S o | o S o o | S o o S | o o S o | o S o o -- the slot falls due every third item,
    # counted across pages, so a page may start or end with one but two never meet.
    assert [["S" if item["sponsored"] else "o" for item in page] for page in book] == [
        list("ooSo"),
        list("oSoo"),
        list("SooS"),
        list("ooSo"),
        list("oSoo"),
    ]
    for page in book:
        advertisers = [s["advertiser_name"] for s in sponsored(page)]
        assert len(advertisers) == len(set(advertisers))  # one slot per advertiser per page
    items = [item for page in book for item in page]
    organic = [item["id"] for item in items if not item["sponsored"]]
    assert len(organic) == len(set(organic)) == 14
    assert all(item["why"] is None for item in items if item["sponsored"])
    assert all(item["why"] is not None for item in items if not item["sponsored"])


def test_no_ads_at_a_load_of_zero_or_for_a_visitor(
    client: TestClient, platform: Platform, alice: Member, catalogue: list[str], brands: list[Member]
) -> None:
    promote(platform, an_advertiser(platform, brands[0]), promoted_video(platform, brands[0]))
    visitor = client.get("/api/v1/feed/for-you", params={"limit": 10})
    assert visitor.status_code == 200
    assert [item["sponsored"] for item in visitor.json()["items"]] == [None] * 10
    platform.settings.ads_load = 0
    assert sponsored(feed(client, alice, limit=10)["items"]) == []
    assert served_events(platform, "us") == []


def test_the_label_the_reasons_and_the_served_event(
    client: TestClient,
    platform: Platform,
    alice: Member,
    sign_up: Any,
    catalogue: list[str],
    brands: list[Member],
) -> None:
    video = promoted_video(platform, brands[0])
    ad = promote(
        platform,
        an_advertiser(platform, brands[0], name="Acme Boards"),
        video,
        regions="us eu",
        headline="Boards that last",
        call_to_action="Learn more",
    )
    items = feed(client, alice, limit=6)["items"]
    item = items[2]
    assert item["id"] == video
    served_id = item["sponsored"].pop("served_id")
    assert item["sponsored"] == {
        "ad_id": ad.ad_id,
        "advertiser_name": "Acme Boards",
        "headline": "Boards that last",
        "call_to_action": "Learn more",
        "label": "Sponsored",
        "reasons": ["Sponsored by Acme Boards", "Shown to people in US"],
        "product_id": None,
        "kind": "video",
    }
    [event] = served_events(platform, "us")
    assert (event.id, event.ad_id, event.campaign_id, event.user_id) == (
        served_id,
        ad.ad_id,
        ad.campaign_id,
        alice.id,
    )
    assert event.price_micros == 100_000  # alone in its auction: the reserve, 100 per 1000 impressions
    assert event.created_at.replace(tzinfo=None) == platform.clock.now().replace(tzinfo=None)
    for region in ("eu", "au"):
        assert served_events(platform, region) == []
    # The served log holds the organic items alone, at their organic positions.
    with everywhere(platform.databases).transaction() as uow:
        logged = list(
            uow.region("us").execute(select(Served.video_id, Served.position).order_by(Served.position))
        )
    organic = [i["id"] for i in items if not i["sponsored"]]
    assert logged == [(v, n) for n, v in enumerate(organic)]


def test_the_auction_picks_the_highest_value_and_charges_the_second_price(
    client: TestClient, platform: Platform, alice: Member, catalogue: list[str], brands: list[Member]
) -> None:
    low = promote(platform, an_advertiser(platform, brands[0]), promoted_video(platform, brands[0]), bid=300)
    high = promote(
        platform,
        an_advertiser(platform, brands[1]),
        promoted_video(platform, brands[1]),
        bid_type="cpc",
        bid=50,
    )  # 50 per click * the prior's 1% = 500,000 micros per impression, against low's 300,000
    [placed] = sponsored(feed(client, alice, limit=3)["items"])
    assert placed["ad_id"] == high.ad_id
    [event] = served_events(platform, "us")
    assert event.price_micros == 30_000_000  # per click: 300,000 / 1%
    # The second slot of the page goes to the next advertiser, priced by the reserve.
    feed(client, alice, limit=6, cursor=None)
    assert [(e.ad_id, e.price_micros) for e in served_events(platform, "us")[1:]] == [
        (high.ad_id, 30_000_000),
        (low.ad_id, 100_000),
    ]


def test_the_frequency_cap_counts_impressions_today_and_ads_served_but_not_yet_seen(
    client: TestClient,
    platform: Platform,
    clock: FrozenClock,
    alice: Member,
    catalogue: list[str],
    brands: list[Member],
) -> None:
    ad = promote(
        platform, an_advertiser(platform, brands[0]), promoted_video(platform, brands[0]), frequency_cap=2
    )

    def served_now() -> int:
        return len(sponsored(feed(client, alice, limit=3)["items"]))

    assert [served_now() for _ in range(3)] == [1, 1, 0]  # two served, not yet reported seen: capped
    clock.advance(seconds=serving.PENDING_S + 1)  # never seen after all: they stop counting
    assert served_now() == 1
    with everywhere(platform.databases).transaction() as uow:
        for event in served_events(platform, "us")[:2]:
            uow.region("us").add(
                AdEvent(
                    id=new_id("us"),
                    user_id=alice.id,
                    kind="impression",
                    ad_id=ad.ad_id,
                    campaign_id=ad.campaign_id,
                    served_id=event.id,
                    price_micros=event.price_micros,
                    created_at=clock.now(),
                )
            )
    clock.advance(seconds=serving.PENDING_S + 1)
    assert served_now() == 0  # two viewable impressions today: capped for the day
    clock.advance(hours=12)  # the next day (12:00 + 20 min + 12 h): a new slice, a new count
    fund(platform, ad.campaign_id, "us", allotted_micros=10**12)
    assert served_now() == 1


def test_targeting_by_region(
    client: TestClient,
    platform: Platform,
    alice: Member,
    bob: Member,
    catalogue: list[str],
    brands: list[Member],
) -> None:
    promote(
        platform,
        an_advertiser(platform, brands[0], name="Euro"),
        promoted_video(platform, brands[0]),
        regions="eu",
    )
    assert sponsored(feed(client, alice, limit=3)["items"]) == []
    [placed] = sponsored(feed(client, bob, limit=3)["items"])
    assert placed["reasons"] == ["Sponsored by Euro", "Shown to people in EU"]
    assert len(served_events(platform, "eu", bob.id)) == 1 and served_events(platform, "us") == []


def test_targeting_by_interest(
    client: TestClient, platform: Platform, alice: Member, catalogue: list[str], brands: list[Member]
) -> None:
    promote(
        platform,
        an_advertiser(platform, brands[0], name="Greens"),
        promoted_video(platform, brands[0]),
        interests="garden",
    )
    assert sponsored(feed(client, alice, limit=3)["items"]) == []
    gardening = [v for n, v in enumerate(catalogue) if n % 3 == 1][:3]
    events = [{"video_id": v, "kind": k, "watched_s": 10} for v in gardening for k in ("play", "complete")]
    assert client.post("/api/v1/events", headers=alice.auth, json={"events": events}).status_code == 202
    [placed] = sponsored(feed(client, alice, limit=3)["items"])
    assert placed["reasons"] == ["Sponsored by Greens", "Because you watch #garden"]


def test_retargeting_people_who_engaged_with_the_shop(
    client: TestClient, platform: Platform, alice: Member, sign_up: Any, catalogue: list[str]
) -> None:
    merchant = sign_up("merchant", "US")
    shop = open_shop(client, merchant, "bootshop")
    product = a_product(client, merchant, shop, title="Boots")
    video = a_public_video(platform, merchant, "boots #style", hours_ago=100)
    advertiser = an_advertiser(platform, merchant, name="Bootshop ads", shop_id=shop)
    promote(platform, advertiser, video, retarget="shop_engagers", product_id=None)
    assert sponsored(feed(client, alice, limit=3)["items"]) == []
    opened = client.post(f"/api/v1/products/{product['id']}/open", headers=alice.auth, json={})
    assert opened.status_code == 204, opened.text
    [placed] = sponsored(feed(client, alice, limit=3)["items"])
    assert placed["reasons"] == ["Sponsored by Bootshop ads", "Because you visited Bootshop"]


def test_a_product_ad_shows_its_product_and_stops_when_the_product_is_gone(
    client: TestClient, platform: Platform, alice: Member, sign_up: Any, catalogue: list[str]
) -> None:
    merchant = sign_up("merchant", "US")
    shop = open_shop(client, merchant, "bootshop")
    product = a_product(client, merchant, shop, title="Boots")
    video = a_public_video(platform, merchant, "boots #style", hours_ago=100)
    promote(platform, an_advertiser(platform, merchant, shop_id=shop), video, product_id=product["id"])
    [placed] = sponsored(feed(client, alice, limit=3)["items"])
    assert (placed["kind"], placed["product_id"]) == ("product", product["id"])
    from clipshop.shop.public import PublicProduct

    with everywhere(platform.databases).transaction() as uow:
        uow.directory.delete(uow.directory.get(PublicProduct, product["id"]))
    assert sponsored(feed(client, alice, limit=3)["items"]) == []


def test_a_taken_down_video_or_a_stopped_ad_stops_at_once(
    client: TestClient, platform: Platform, alice: Member, catalogue: list[str], brands: list[Member]
) -> None:
    video = a_region_video(platform, brands[0])
    ad = promote(platform, an_advertiser(platform, brands[0]), video)
    other = promote(
        platform, an_advertiser(platform, brands[1]), promoted_video(platform, brands[1]), bid=200
    )
    assert [s["ad_id"] for s in sponsored(feed(client, alice, limit=3)["items"])] == [ad.ad_id]
    # The index would not read the directory again for an hour: the check at serving time stops them.
    ads_runtime(platform).every_s = 3600
    with everywhere(platform.databases).transaction() as uow:
        taken = uow.region(brands[0].region).get(Video, video)
        assert taken is not None
        take_public_copy_down(uow, video=taken)
    assert [s["ad_id"] for s in sponsored(feed(client, alice, limit=3)["items"])] == [other.ad_id]
    change(platform, other, campaign__status="paused")
    assert sponsored(feed(client, alice, limit=3)["items"]) == []


def test_a_shops_ad_stops_at_once_when_the_shop_closes(
    client: TestClient, platform: Platform, alice: Member, sign_up: Any, catalogue: list[str]
) -> None:
    merchant = sign_up("merchant", "US")
    shop = open_shop(client, merchant, "closingshop")
    video = a_public_video(platform, merchant, "our shop #cooking", hours_ago=100)
    ad = promote(platform, an_advertiser(platform, merchant, shop_id=shop), video)
    assert [s["ad_id"] for s in sponsored(feed(client, alice, limit=3)["items"])] == [ad.ad_id]
    ads_runtime(platform).every_s = 3600  # the index keeps its copy: the check at serving time stops it
    closed = client.post(f"/api/v1/shops/{shop}/close", headers=merchant.auth)
    assert closed.status_code == 200, closed.text
    assert sponsored(feed(client, alice, limit=3)["items"]) == []


def test_a_campaign_with_no_slice_an_exhausted_or_an_unpaced_one_does_not_serve(
    client: TestClient, platform: Platform, alice: Member, catalogue: list[str], brands: list[Member]
) -> None:
    ad = promote(
        platform, an_advertiser(platform, brands[0]), promoted_video(platform, brands[0]), fund_in=()
    )
    assert sponsored(feed(client, alice, limit=3)["items"]) == []  # no slice in the viewer's region
    fund(platform, ad.campaign_id, "eu", allotted_micros=10**9)
    assert sponsored(feed(client, alice, limit=3)["items"]) == []  # a slice elsewhere does not do
    fund(platform, ad.campaign_id, "us", allotted_micros=10**9, spent_micros=10**9)
    assert sponsored(feed(client, alice, limit=3)["items"]) == []  # spent
    # At 12:00 UTC a slice may have spent 13/24 of its allotment; this one spent 60%: ahead of its pace.
    fund(platform, ad.campaign_id, "us", allotted_micros=10**9, spent_micros=6 * 10**8)
    assert sponsored(feed(client, alice, limit=3)["items"]) == []
    fund(platform, ad.campaign_id, "us", allotted_micros=10**9, spent_micros=5 * 10**8)
    assert len(sponsored(feed(client, alice, limit=3)["items"])) == 1
    # A slice that cannot take one more event at the ad's bid (500 per 1000: 500,000 micros) is out too.
    fund(platform, ad.campaign_id, "us", allotted_micros=10**9, spent_micros=10**9 - 400_000)
    assert sponsored(feed(client, alice, limit=3)["items"]) == []


def test_a_schedule_not_begun_and_a_muted_or_blocked_creator_s_video_do_not_serve(
    client: TestClient,
    platform: Platform,
    clock: FrozenClock,
    alice: Member,
    catalogue: list[str],
    brands: list[Member],
) -> None:
    first = promote(platform, an_advertiser(platform, brands[0]), promoted_video(platform, brands[0]))
    later = promote(
        platform,
        an_advertiser(platform, brands[1]),
        promoted_video(platform, brands[1]),
        bid=900,
        starts_at=clock.now() + timedelta(hours=1),
    )

    def served_now() -> list[str]:
        return [s["ad_id"] for s in sponsored(feed(client, alice, limit=3)["items"])]

    assert served_now() == [first.ad_id]  # the better bid has not begun
    clock.advance(hours=1)
    assert served_now() == [later.ad_id]
    assert client.post(f"/api/v1/users/{brands[1].handle}/mute", headers=alice.auth).status_code == 200
    assert served_now() == [first.ad_id]
    assert client.post(f"/api/v1/users/{brands[0].handle}/block", headers=alice.auth).status_code == 200
    assert served_now() == []


def test_an_age_restricted_video_is_promoted_to_adults_only(
    client: TestClient, platform: Platform, alice: Member, catalogue: list[str], brands: list[Member]
) -> None:
    video = promoted_video(platform, brands[0])
    with everywhere(platform.databases).transaction() as uow:
        public = uow.directory.get(PublicVideo, video)
        assert public is not None
        public.age_restricted = True
    promote(platform, an_advertiser(platform, brands[0]), video)
    assert sponsored(feed(client, alice, limit=3)["items"]) == []  # alice's age is unknown


def test_a_promoted_video_is_shown_once_as_the_ad_and_pages_keep_their_length(
    client: TestClient, platform: Platform, alice: Member, catalogue: list[str], brands: list[Member]
) -> None:
    hot = a_public_video(
        platform, brands[0], "everyone's favourite #cooking", hours_ago=1, likes=5000, views=9000
    )
    organic = feed(client, alice, limit=6)["items"]
    assert hot in [item["id"] for item in organic] and len(organic) == 6  # no ads yet: six organic items
    promote(platform, an_advertiser(platform, brands[0]), hot)
    items = feed(client, alice, limit=6)["items"]
    assert [(item["id"], bool(item["sponsored"])) for item in items if item["id"] == hot] == [(hot, True)]
    assert len(items) == 6 and sum(bool(item["sponsored"]) for item in items) == 1  # 2 slots, 1 bidder


def test_slot_arithmetic() -> None:
    assert [serving.slots_due(ads_load=6, gap=g, limit=10) for g in (0, 4, 5, 9)] == [1, 2, 2, 2]
    assert serving.slots_due(ads_load=0, gap=9, limit=10) == 0
    assert serving.slots_due(ads_load=6, gap=5, limit=1) == 0  # a page keeps one organic item
    assert serving.slots_due(ads_load=1, gap=0, limit=4) == 2  # a load of 1 is taken as 2: o S o S
    page, gap = serving.interleave(list("abcdefg"), ["X", "Y"], ads_load=3, gap=1)
    assert ("".join(page), gap) == ("aXbcYdefg", 4)
    for load, gap0, limit in itertools.product(range(1, 8), range(10), range(1, 12)):
        slots = serving.slots_due(ads_load=load, gap=gap0, limit=limit)
        page, _ = serving.interleave(list(range(limit - slots)), ["S"] * slots, ads_load=load, gap=gap0)
        assert len(page) == limit and page.count("S") == slots
        assert all(not (a == b == "S") for a, b in itertools.pairwise(page))
