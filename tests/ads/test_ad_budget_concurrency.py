"""Budgets under concurrency: several processes, each with several threads, in two regions charge one
campaign's small daily budget as fast as they can while the rebalancing job moves the allotment between three
regions; no charge is lost or double-counted, no slice spends past its allotment, and the day's spend never
passes the budget (the overspend bound is one auction's price; the slices make it zero)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from factory import a_campaign, an_advertiser, slices, top_up

from clipshop.ads import budgets
from clipshop.ads.models import MICROS
from clipshop.ads.rebalancing import rebalance
from clipshop.kit.everywhere import everywhere
from clipshop.platform import Platform
from doubles import FrozenClock
from support import a_public_video, quick_members, wait_until

SPENDER = Path(__file__).with_name("ad_spender.py")
ROOT = Path(__file__).resolve().parents[2]
PRICE = 7_919  # micros per impression: an odd price, so the budget is no multiple of it
DAILY = 5  # minor units: 631 impressions at that price


def test_spenders_in_several_processes_and_regions_never_pass_the_budget(
    platform: Platform, clock: FrozenClock, tmp_path: Path
) -> None:
    owner, creator = quick_members(platform, "us", 2, "adv")
    advertiser_id = an_advertiser(platform, owner)
    rows = a_campaign(
        platform, advertiser_id, video_id=a_public_video(platform, creator, "#x"), daily_budget=DAILY
    )
    top_up(platform, advertiser_id, 1000)
    rebalance(platform)
    day, cap = clock.now().date(), DAILY * MICROS
    assert slices(platform, rows.campaign_id, day) == {r: (cap // 3, 0) for r in ("au", "eu", "us")}

    settings = platform.settings
    urls = {name: settings.region_database_url(name) for name in settings.regions}
    stop = tmp_path / "stop"
    # Viewers in the us and eu; nobody in au, whose share the job must move to where the demand is.
    spenders = [("us", 4, 0.0), ("us", 4, 0.0), ("eu", 3, 0.003)]
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(ROOT / "src"), str(ROOT / "tests")])}
    processes = []
    for n, (region, threads, pause_s) in enumerate(spenders):
        config = {
            "region_urls": urls,
            "directory_url": settings.directory_database_url(),
            "region": region,
            "campaign": rows.campaign_id,
            "day": day.isoformat(),
            "price": PRICE,
            "threads": threads,
            "pause_s": pause_s,
            "ready": str(tmp_path / f"ready-{n}"),
            "stop": str(stop),
        }
        processes.append(
            subprocess.Popen(
                [sys.executable, str(SPENDER), json.dumps(config)],
                env=env,
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
                text=True,
            )
        )
    try:
        wait_until(
            lambda: all((tmp_path / f"ready-{n}").exists() for n in range(len(spenders))),
            timeout_s=120,
            what="the spender processes to start",
        )

        def demand_served() -> bool:
            rebalance(platform)  # runs while the spenders charge
            now = slices(platform, rows.campaign_id, day)
            return now["us"][1] + now["eu"][1] >= cap * 97 // 100

        wait_until(
            demand_served, timeout_s=120, every_s=0.05, what="the job to move au's share to the us and eu"
        )
    finally:
        stop.touch()
        outputs = [p.communicate(timeout=120) for p in processes]
    for process, (_, err) in zip(processes, outputs, strict=True):
        assert process.returncode == 0, err
    charged: dict[str, int] = {"us": 0, "eu": 0, "au": 0}
    refused = 0
    for out, _ in outputs:
        result = json.loads(out)
        charged[result["region"]] += result["charged"]
        refused += result["refused"]
    assert refused > 0  # the spenders pressed against their allotments, not only below them

    final = slices(platform, rows.campaign_id, day)
    # every charge a spender saw succeed is in its region's slice, and nothing else is
    assert {region: spent for region, (_, spent) in final.items()} == {
        r: n * PRICE for r, n in charged.items()
    }
    assert all(spent <= allotted for allotted, spent in final.values()), final
    assert sum(allotted for allotted, _ in final.values()) <= cap
    assert sum(spent for _, spent in final.values()) <= cap
    assert final["au"][0] < cap // 10  # the job gave au's unused share to the regions with demand

    # What is left of the day can still be spent, and only that: charge it out in every region.
    rebalance(platform)
    with everywhere(platform.databases).transaction() as uow:
        for region in ("us", "eu", "au"):
            while budgets.spend(
                uow, region=region, campaign_id=rows.campaign_id, day=day, price_micros=PRICE, now=clock.now()
            ):
                pass
    drained = slices(platform, rows.campaign_id, day)
    total = sum(spent for _, spent in drained.values())
    assert cap - 3 * PRICE < total <= cap
