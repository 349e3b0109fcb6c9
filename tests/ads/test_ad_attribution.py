"""Conversions: a paid order's lines credited to the ad clicked within the click window, or seen within the
view window, once per (order, ad); deduplicated against the creators' affiliate touches by the last touch,
a view never taking a purchase a creator is credited with, and the creator's commission left as it was."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import pytest
from factory import Promoted, a_campaign, an_advertiser, events_of, serve
from fastapi.testclient import TestClient
from sqlalchemy import select

from clipshop.ads.attribution import attribute, run_attribution
from clipshop.ads.models import AdEvent, BidType
from clipshop.kit.everywhere import everywhere
from clipshop.kit.ids import new_id
from clipshop.platform import Platform
from clipshop.shop.cart import attribution as affiliate
from clipshop.shop.catalog.models import PublicVideoProduct
from clipshop.shop.checkout.api import place
from clipshop.shop.orders.models import Order, OrderLine, OrderStatus
from doubles import FrozenClock
from support import Member, a_product, a_public_video, actor_of, buy_now, open_shop, quick_members

PRICE = 2500


@dataclass
class Shop:
    merchant: Member
    creator: Member  # an affiliate creator whose clip tags the product
    buyer: Member
    product_id: str
    variant_id: str
    shop_video: str  # the shop's own clip of the product (no commission: the shop's)
    creator_video: str
    ad: Promoted  # a product ad shown through the shop's clip


@pytest.fixture
def shop(client: TestClient, platform: Platform, sign_up: Any) -> Shop:
    merchant: Member = sign_up("merchant", "US")
    shop_id = open_shop(client, merchant, "linen")
    product = a_product(client, merchant, shop_id, price=PRICE, stock=100, commission_bp=1000)
    creator = quick_members(platform, "au", 1, "creator")[0]
    buyer = quick_members(platform, "eu", 1, "buyer")[0]
    shop_video = a_public_video(platform, merchant, "#linen")
    creator_video = a_public_video(platform, creator, "#outfit")
    tag(platform, shop_video, product["id"], merchant)
    tag(platform, creator_video, product["id"], creator)
    advertiser_id = an_advertiser(platform, merchant, name="Linen")
    ad = a_campaign(
        platform, advertiser_id, video_id=shop_video, product_id=product["id"], bid_type=BidType.CPC
    )
    return Shop(
        merchant, creator, buyer, product["id"], product["variants"][0]["id"], shop_video, creator_video, ad
    )


def tag(platform: Platform, video_id: str, product_id: str, creator: Member) -> None:
    with everywhere(platform.databases).transaction() as uow:
        uow.directory.add(PublicVideoProduct(video_id=video_id, product_id=product_id, creator_id=creator.id))


def ad_touch(
    platform: Platform, buyer: Member, rows: Promoted, kind: str, at: datetime, invalid: str = ""
) -> str:
    """The buyer's served event of the ad and an impression or click of it at `at`."""
    served = serve(platform, buyer, rows, price_micros=1000, at=at - timedelta(seconds=5))
    with everywhere(platform.databases).transaction() as uow:
        uow.region(buyer.region).add(
            AdEvent(
                id=new_id(buyer.region),
                user_id=buyer.id,
                kind=kind,
                ad_id=rows.ad_id,
                campaign_id=rows.campaign_id,
                served_id=served,
                invalid=invalid,
                created_at=at,
            )
        )
    return served


def opened_from(platform: Platform, buyer: Member, product_id: str, video_id: str, at: datetime) -> None:
    """The buyer opens the product sheet from a clip (the affiliate touch)."""
    with everywhere(platform.databases).transaction() as uow:
        affiliate.touch(
            uow, actor=actor_of(buyer), product_id=product_id, video_id=video_id, creator_id=None, now=at
        )


def buy(platform: Platform, clock: FrozenClock, shop: Shop, at: datetime) -> OrderLine:
    clock.current = at
    answer = place(platform, actor=actor_of(shop.buyer), request=buy_now(shop.variant_id), key=new_id("eu"))
    assert answer.status == 201, answer.body
    platform.jobs.drain()
    order_id = answer.body["orders"][0]["id"]
    with everywhere(platform.databases).transaction() as uow:
        assert uow.region("eu").get_one(Order, order_id).status is OrderStatus.PAID
        return uow.region("eu").scalars(select(OrderLine).where(OrderLine.order_id == order_id)).one()


def conversions(platform: Platform, buyer: Member) -> list[tuple[str, str | None, str | None, int, str]]:
    return [
        (e.ad_id, e.served_id, e.order_id, e.value, e.currency)
        for e in events_of(platform, buyer, "conversion")
    ]


def attribute_now(platform: Platform, clock: FrozenClock) -> int:
    return attribute(
        platform, since=clock.now() - timedelta(hours=1), before=clock.now() + timedelta(minutes=1)
    )


def test_a_click_within_the_window_takes_the_purchase_once(
    platform: Platform, clock: FrozenClock, shop: Shop
) -> None:
    t = clock.now() + timedelta(days=1)
    served = ad_touch(platform, shop.buyer, shop.ad, "click", t - timedelta(days=6, hours=23))
    opened_from(platform, shop.buyer, shop.product_id, shop.shop_video, t - timedelta(days=6, hours=23))
    line = buy(platform, clock, shop, t)
    assert (line.creator_id, line.commission) == (None, 0)  # the shop's own clip earns no commission
    assert attribute_now(platform, clock) == 1
    assert conversions(platform, shop.buyer) == [(shop.ad.ad_id, served, line.order_id, PRICE, "USD")]
    (row,) = events_of(platform, shop.buyer, "conversion")
    assert (row.campaign_id, row.created_at, row.price_micros, row.invalid) == (shop.ad.campaign_id, t, 0, "")
    assert attribute_now(platform, clock) == 0  # a rerun writes nothing twice
    run_attribution(platform)
    assert len(conversions(platform, shop.buyer)) == 1


def test_a_click_older_than_the_click_window_takes_nothing(
    platform: Platform, clock: FrozenClock, shop: Shop
) -> None:
    t = clock.now() + timedelta(days=9)
    ad_touch(platform, shop.buyer, shop.ad, "click", t - timedelta(days=7, minutes=1))
    buy(platform, clock, shop, t)
    assert attribute_now(platform, clock) == 0


def test_a_viewable_impression_within_the_view_window_takes_the_purchase(
    platform: Platform, clock: FrozenClock, shop: Shop
) -> None:
    t = clock.now() + timedelta(days=3)
    ad_touch(platform, shop.buyer, shop.ad, "impression", t - timedelta(days=1, hours=2))  # outside
    ad_touch(platform, shop.buyer, shop.ad, "impression", t - timedelta(hours=3), invalid="repeat")  # invalid
    served = ad_touch(platform, shop.buyer, shop.ad, "impression", t - timedelta(hours=20))
    line = buy(platform, clock, shop, t)
    assert attribute_now(platform, clock) == 1
    assert conversions(platform, shop.buyer) == [(shop.ad.ad_id, served, line.order_id, PRICE, "USD")]


def test_an_impression_older_than_the_view_window_takes_nothing(
    platform: Platform, clock: FrozenClock, shop: Shop
) -> None:
    t = clock.now() + timedelta(days=3)
    ad_touch(platform, shop.buyer, shop.ad, "impression", t - timedelta(days=1, minutes=1))
    buy(platform, clock, shop, t)
    assert attribute_now(platform, clock) == 0


def test_a_creators_touch_after_the_ad_click_takes_the_purchase_from_the_ad(
    platform: Platform, clock: FrozenClock, shop: Shop
) -> None:
    t = clock.now() + timedelta(days=2)
    ad_touch(platform, shop.buyer, shop.ad, "click", t - timedelta(hours=3))
    opened_from(platform, shop.buyer, shop.product_id, shop.creator_video, t - timedelta(hours=2))
    line = buy(platform, clock, shop, t)
    assert (line.creator_id, line.commission) == (shop.creator.id, 250)
    assert attribute_now(platform, clock) == 0


def test_an_ad_click_after_a_creators_touch_takes_the_purchase_and_the_creator_keeps_the_commission(
    platform: Platform, clock: FrozenClock, shop: Shop
) -> None:
    t = clock.now() + timedelta(days=2)
    opened_from(platform, shop.buyer, shop.product_id, shop.creator_video, t - timedelta(hours=3))
    served = ad_touch(platform, shop.buyer, shop.ad, "click", t - timedelta(hours=2))
    line = buy(platform, clock, shop, t)
    assert (line.creator_id, line.commission) == (shop.creator.id, 250)
    assert attribute_now(platform, clock) == 1
    assert conversions(platform, shop.buyer) == [(shop.ad.ad_id, served, line.order_id, PRICE, "USD")]


def test_a_view_never_takes_a_purchase_a_creator_is_credited_with(
    platform: Platform, clock: FrozenClock, shop: Shop
) -> None:
    t = clock.now() + timedelta(days=2)
    opened_from(platform, shop.buyer, shop.product_id, shop.creator_video, t - timedelta(hours=3))
    ad_touch(platform, shop.buyer, shop.ad, "impression", t - timedelta(hours=1))
    line = buy(platform, clock, shop, t)
    assert line.creator_id == shop.creator.id
    assert attribute_now(platform, clock) == 0


def test_a_spark_ad_of_the_credited_creator_takes_the_purchase_through_the_creators_clip(
    platform: Platform, clock: FrozenClock, shop: Shop
) -> None:
    spark = a_campaign(platform, shop.ad.advertiser_id, video_id=shop.creator_video, bid_type=BidType.CPC)
    t = clock.now() + timedelta(days=2)
    served = ad_touch(platform, shop.buyer, spark, "click", t - timedelta(hours=2))
    # the click opens the product sheet from the creator's clip: the creator's touch, after the click
    opened_from(
        platform,
        shop.buyer,
        shop.product_id,
        shop.creator_video,
        t - timedelta(hours=2) + timedelta(seconds=1),
    )
    line = buy(platform, clock, shop, t)
    assert (line.creator_id, line.commission) == (shop.creator.id, 250)
    assert attribute_now(platform, clock) == 1
    assert conversions(platform, shop.buyer) == [(spark.ad_id, served, line.order_id, PRICE, "USD")]


def test_an_ad_of_another_product_takes_nothing(platform: Platform, clock: FrozenClock, shop: Shop) -> None:
    other_video = a_public_video(platform, shop.merchant, "#wool")
    other = a_campaign(platform, shop.ad.advertiser_id, video_id=other_video, bid_type=BidType.CPC)
    t = clock.now() + timedelta(days=2)
    ad_touch(platform, shop.buyer, other, "click", t - timedelta(hours=2))
    buy(platform, clock, shop, t)
    assert attribute_now(platform, clock) == 0
