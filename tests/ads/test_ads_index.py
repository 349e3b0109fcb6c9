"""Each server's index of ads: what a decision finds by region, hashtag and schedule without a scan, the
incremental reads by `updated_at`, the read in the background when one is due, and the full read that drops
what an erasure deleted."""

from __future__ import annotations

import math
from datetime import timedelta

import numpy as np
from factory import an_advertiser, change, promote
from sqlalchemy import delete

from backends import START
from clipshop.ads.index import OVERLAP_S, AdFacts, Snapshot, ads_runtime
from clipshop.ads.models import PublicAd
from clipshop.kit.everywhere import everywhere
from clipshop.platform import Platform
from doubles import FrozenClock
from support import a_public_video, quick_members, wait_until


def facts(
    ad_id: str, *, regions: str = "", interests: str = "", starts_h: float = -1, ends_h: float | None = None
) -> AdFacts:
    return AdFacts(
        ad_id=ad_id,
        advertiser_id=f"adv-{ad_id}",
        advertiser_name="A",
        staff_ids="",
        campaign_id=f"c-{ad_id}",
        kind="video",
        video_id=f"v-{ad_id}",
        product_id=None,
        shop_id=None,
        headline="",
        call_to_action="",
        bid_type="cpm",
        bid=100,
        target_regions=regions,
        interests=interests,
        retarget="",
        frequency_cap=3,
        starts_at=START + timedelta(hours=starts_h),
        ends_at=None if ends_h is None else START + timedelta(hours=ends_h),
        quality=1.0,
        serving=True,
        updated_at=START,
    )


def test_candidates_by_region_interest_and_schedule() -> None:
    ads = [
        facts("a"),  # everyone
        facts("b", regions="eu"),
        facts("c", regions="us eu", interests="skate"),
        facts("d", interests="skate cooking"),
        facts("e", starts_h=1),  # not begun
        facts("f", ends_h=-0.5),  # over
        facts("g", interests="garden"),
    ]
    snapshot = Snapshot(sorted(ads), 1)

    def found(region: str, *tags: str) -> list[str]:
        return [
            snapshot.ads[p].ad_id for p in snapshot.candidates(region=region, tags=tags, now=START).tolist()
        ]

    assert found("us") == ["a"]
    assert found("eu") == ["a", "b"]
    assert found("us", "skate") == ["a", "c", "d"]
    assert found("au", "skate", "cooking") == ["a", "d"]
    assert found("eu", "garden", "skate", "unknown") == ["a", "b", "c", "d", "g"]
    assert Snapshot([], 0).candidates(region="us", tags=["skate"], now=START).tolist() == []
    assert snapshot.ends[[snapshot.position["a"]]].tolist() == [math.inf]
    assert np.array_equal(
        snapshot.base, np.full(7, 100_000.0)
    )  # cpm: 100 per 1000 impressions, per impression


def test_the_index_reads_what_changed_since_its_last_read(platform: Platform, clock: FrozenClock) -> None:
    brand = quick_members(platform, "us", 1, prefix="brand")[0]
    advertiser = an_advertiser(platform, brand)
    first = promote(platform, advertiser, a_public_video(platform, brand, "a"))
    runtime = ads_runtime(platform)
    snapshot, _ = runtime.view("us", clock.now().date())
    assert [ad.ad_id for ad in snapshot.ads] == [first.ad_id]
    clock.advance(seconds=2 * OVERLAP_S)
    second = promote(platform, advertiser, a_public_video(platform, brand, "b"))
    # Rows since the last change less the overlap: the first ad again (within it) and the second.
    assert runtime.refresh_ads() == 2
    assert runtime.refresh_ads() == 1  # now only the second is that recent
    assert {ad.ad_id for ad in runtime.snapshot.ads} == {first.ad_id, second.ad_id}
    clock.advance(seconds=2 * OVERLAP_S)
    change(platform, first, ad__paused=True)
    assert runtime.refresh_ads() == 2  # the first, stopped, and the second, within the overlap
    assert [ad.ad_id for ad in runtime.snapshot.ads] == [second.ad_id]
    # An erasure deletes rows outright: the next full read drops them.
    with everywhere(platform.databases).transaction() as uow:
        uow.directory.execute(delete(PublicAd).where(PublicAd.ad_id == second.ad_id))
    runtime.refresh_ads()
    assert [ad.ad_id for ad in runtime.snapshot.ads] == [second.ad_id]
    runtime._full_at = -math.inf  # a full read falls due
    assert runtime.refresh_ads() == 0
    assert runtime.snapshot.ads == []


def test_a_server_reads_changes_in_the_background(platform: Platform, clock: FrozenClock) -> None:
    brand = quick_members(platform, "us", 1, prefix="brand")[0]
    advertiser = an_advertiser(platform, brand)
    first = promote(platform, advertiser, a_public_video(platform, brand, "a"))
    runtime = ads_runtime(platform)
    runtime.every_s = 3600.0
    before, _ = runtime.view("us", clock.now().date())  # the first view reads at once
    second = promote(platform, advertiser, a_public_video(platform, brand, "b"))
    assert runtime.view("us", clock.now().date())[0] is before  # not due: the snapshot in use serves
    runtime.every_s = 0.001
    wait_until(
        lambda: second.ad_id in runtime.view("us", clock.now().date())[0].position,
        timeout_s=10,
        what="the background read of the new ad",
    )
    assert first.ad_id in runtime.snapshot.position
