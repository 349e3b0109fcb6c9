"""The auction's predicted probabilities: each region's rates from its own impressions, clicks and
conversions, smoothed toward the region's mean (the calibrated prior where there is no data), rebuilt by the
periodic job, and read by serving."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest
from factory import an_advertiser, promote, rate
from fastapi.testclient import TestClient
from sqlalchemy import select

from clipshop.ads import prediction
from clipshop.ads import tasks as ad_tasks
from clipshop.ads.models import AdEvent, AdRate
from clipshop.kit.everywhere import everywhere
from clipshop.kit.ids import new_id
from clipshop.platform import Platform
from support import Member, a_public_video, quick_members


def events(platform: Platform, region: str, ad_id: str, kind: str, count: int, invalid: str = "") -> None:
    viewer = quick_members(platform, region, 1, prefix=f"v{new_id(region)[-8:]}")[0]
    with everywhere(platform.databases).transaction() as uow:
        for _ in range(count):
            uow.region(region).add(
                AdEvent(
                    id=new_id(region),
                    user_id=viewer.id,
                    kind=kind,
                    ad_id=ad_id,
                    campaign_id="c",
                    invalid=invalid,
                    created_at=platform.clock.now(),
                )
            )


def rates_in(platform: Platform, region: str) -> dict[str, tuple[int, int, int, float, float]]:
    with everywhere(platform.databases).transaction() as uow:
        rows = uow.region(region).execute(
            select(
                AdRate.ad_id,
                AdRate.impressions,
                AdRate.clicks,
                AdRate.conversions,
                AdRate.p_click,
                AdRate.p_purchase,
            )
        )
        return {row[0]: tuple(row[1:]) for row in rows}  # type: ignore[misc]


def test_with_no_data_a_region_predicts_the_calibrated_prior(platform: Platform) -> None:
    with everywhere(platform.databases).transaction() as uow:
        assert prediction.rebuild_rates(uow, region="us", now=platform.clock.now()) == 0
        rates = prediction.read_rates(uow, region="us")
    assert rates.of("us_anything") == (0.01, 0.0005)


def test_the_job_learns_each_region_s_rates_from_its_own_events(platform: Platform) -> None:
    events(platform, "us", "ad-a", "impression", 1000)
    events(platform, "us", "ad-a", "click", 30)
    events(platform, "us", "ad-a", "conversion", 2)
    events(platform, "us", "ad-b", "impression", 200)
    events(platform, "us", "ad-b", "impression", 5, invalid="budget")  # seen, only not billed: counts
    events(platform, "us", "ad-b", "click", 1)
    events(platform, "us", "ad-b", "click", 40, invalid="rapid")  # invalid traffic teaches nothing
    events(platform, "eu", "ad-c", "impression", 100)
    events(platform, "eu", "ad-c", "click", 9)
    platform.jobs.enqueue(ad_tasks.REBUILD_RATES)
    assert platform.jobs.drain() == 1
    us, eu = rates_in(platform, "us"), rates_in(platform, "eu")
    assert set(us) == {"ad-a", "ad-b"} and set(eu) == {"ad-c"}
    # Fewer than five ads with 100 impressions: the default strength, 1000 impressions' worth.
    click_mean = (30 + 1 + 0.01 * 1000) / (1205 + 1000)
    purchase_mean = (2 + 0.0005 * 1000) / (1205 + 1000)
    assert us["ad-a"][:3] == (1000, 30, 2)
    assert us["ad-a"][3] == pytest.approx((30 + click_mean * 1000) / (1000 + 1000), rel=1e-12)
    assert us["ad-a"][4] == pytest.approx((2 + purchase_mean * 1000) / (1000 + 1000), rel=1e-12)
    assert us["ad-b"][:3] == (205, 1, 0)
    assert us["ad-b"][3] == pytest.approx((1 + click_mean * 1000) / (205 + 1000), rel=1e-12)
    eu_mean = (9 + 10) / (100 + 1000)
    assert eu["ad-c"][3] == pytest.approx((9 + eu_mean * 1000) / (100 + 1000), rel=1e-12)
    with everywhere(platform.databases).transaction() as uow:
        read = prediction.read_rates(uow, region="us")
    assert read.p_click == pytest.approx(click_mean, rel=1e-12)
    assert read.of("ad-a") == (us["ad-a"][3], us["ad-a"][4])
    assert read.of("ad-new") == (read.p_click, read.p_purchase)  # no data: the region's mean


def test_the_prior_s_strength_is_the_spread_between_ads() -> None:
    """Ads whose true rates spread as a Beta(a, b) of strength a + b = 200: the method of moments finds
    about that strength from their observed clicks."""
    rng = np.random.default_rng(5)
    true = rng.beta(2.0, 198.0, size=400)  # mean 1%, strength 200
    impressions = rng.integers(2_000, 20_000, size=400).astype(np.float64)
    clicks = rng.binomial(impressions.astype(np.int64), true).astype(np.float64)
    mean = float(clicks.sum() / impressions.sum())
    assert 150 < prediction.strength(clicks, impressions, mean) < 260
    # Ads that differ no more than chance: lean on the mean.
    same = rng.binomial(impressions.astype(np.int64), 0.01).astype(np.float64)
    assert prediction.strength(same, impressions, 0.01) >= 10_000


def test_serving_ranks_with_the_region_s_rates(
    client: TestClient, platform: Platform, alice: Member, sign_up: Any
) -> None:
    brands = quick_members(platform, "us", 2, prefix="brand")
    for n in range(12):
        a_public_video(platform, brands[n % 2], f"clip {n} #x", hours_ago=n, views=50)
    video_a = a_public_video(platform, brands[0], "a #x", hours_ago=300)
    video_b = a_public_video(platform, brands[1], "b #x", hours_ago=300)
    by_click = promote(platform, an_advertiser(platform, brands[0]), video_a, bid_type="cpc", bid=50)
    by_view = promote(platform, an_advertiser(platform, brands[1]), video_b, bid=2000)

    def winner() -> str:
        page = client.get("/api/v1/feed/for-you", headers=alice.auth, params={"limit": 6}).json()
        return next(item["sponsored"]["ad_id"] for item in page["items"] if item["sponsored"])

    # The prior's 1%: 50 per click is worth 500,000 micros an impression, below 2,000 per 1000 impressions.
    assert winner() == by_view.ad_id
    rate(platform, by_click.ad_id, "us", p_click=0.05)  # 2,500,000 in the US
    assert winner() == by_click.ad_id
