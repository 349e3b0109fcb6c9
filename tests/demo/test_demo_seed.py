"""`clipshop seed` end to end on small clips: creators, clips through upload and transcode, shops, products
tagged in clips, orders at every stage, advertisers topped up with reviewed ads, and each region's trained
For You model; a second run adds nothing."""

from __future__ import annotations

import pytest
from rich.progress import Progress
from sqlalchemy import func, select

from clipshop.ads import balances
from clipshop.ads.models import Ad, Advertiser, PublicAd
from clipshop.assembly import build_platform
from clipshop.config import Settings
from clipshop.demo.ads import CAMPAIGNS
from clipshop.demo.seed import seed_demo
from clipshop.demo.shops import AFFILIATES, ORDERS, SHOPS
from clipshop.feed.runtime import feed_runtime
from clipshop.kit.everywhere import everywhere
from clipshop.residency.check import check_residency
from clipshop.shop.catalog.models import PublicProduct, PublicShop, PublicVideoProduct
from clipshop.shop.orders.models import Order


def counts(settings: Settings) -> dict[str, object]:
    platform = build_platform(settings)
    try:
        with everywhere(platform.databases).transaction() as uow:
            statuses = sorted(
                status.value
                for region in uow.databases.regions
                for status in uow.region(region).scalars(select(Order.status))
            )
            found = {
                "shops": uow.directory.scalar(select(func.count()).select_from(PublicShop)),
                "products": uow.directory.scalar(select(func.count()).select_from(PublicProduct)),
                "tags": uow.directory.scalar(select(func.count()).select_from(PublicVideoProduct)),
                "orders": statuses,
                "advertisers": sorted(
                    (a.name, balances.balance(uow, advertiser_id=a.id, currency=a.currency))
                    for region in uow.databases.regions
                    for a in uow.region(region).scalars(select(Advertiser))
                ),
                "ads": sorted(
                    (ad.headline, ad.review.value, ad.authorized_by is not None)
                    for region in uow.databases.regions
                    for ad in uow.region(region).scalars(select(Ad))
                ),
                "serving": sorted(
                    (row.headline, row.serving) for row in uow.directory.scalars(select(PublicAd))
                ),
            }
        assert check_residency(platform) == []
        return found
    finally:
        platform.close()


@pytest.mark.slow
def test_seed_makes_a_shoppable_platform_and_is_idempotent(settings: Settings) -> None:
    with Progress(disable=True) as progress:
        first = seed_demo(settings, clips=13, small=True, progress=progress)
    assert "posted 13 new clips" in first and f"{len(SHOPS)} shops" in first
    seeded = counts(settings)
    assert seeded == {
        "shops": len(SHOPS),
        "products": sum(len(s.products) for s in SHOPS),
        "tags": len(SHOPS) + len(AFFILIATES),  # each owner's one clip here, and each affiliate's
        "orders": sorted(stage for *_, stage in ORDERS),
        "advertisers": sorted((c.account, c.topup) for c in CAMPAIGNS),
        "ads": sorted(
            (ad.headline, "approved" if ad.approve else "pending", c.creator != c.advertiser)
            for c in CAMPAIGNS
            for ad in c.ads
        ),
        "serving": sorted((ad.headline, ad.approve) for c in CAMPAIGNS for ad in c.ads),
    }
    with Progress(disable=True) as progress:
        again = seed_demo(settings, clips=13, small=True, progress=progress)
    assert "posted 0 new clips" in again
    assert counts(settings) == seeded
    # Each region with viewers has a trained For You model, learned from that region's events alone.
    platform = build_platform(settings)
    try:
        trained = {r: feed_runtime(platform).models.current(r) for r in settings.regions}
    finally:
        platform.close()
    with_model = {r for r, model in trained.items() if model is not None and model.collaborative is not None}
    assert "us" in with_model
    us = trained["us"]
    assert us is not None and us.report["users"] >= 2 and us.report["interactions"] >= 10
