"""An advertiser's whole day over the API, on SQLite and PostgreSQL: open an account, top it up through the
payment processor, create a campaign, a group and an ad, have it approved by a moderator, get a slice of
budget, serve in the For You of a viewer in another region, be seen for two seconds and clicked there, be
billed at home from that region's slice, and read the spend in the balance and the statement, while the
report holds back the figures of a region with too few viewers."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient

from advertising import (
    API,
    decide_ad,
    moderator,
    new_ad,
    new_campaign,
    new_group,
    ok,
    open_advertiser,
    published_video,
    top_up,
)
from backends import Backend, make_settings
from clipshop.ads import billing, rebalancing
from clipshop.config import Settings
from clipshop.platform import Platform
from doubles import FrozenClock
from support import Member, a_public_video, quick_members


@pytest.fixture
def settings(backend: Backend, tmp_path: Any) -> Settings:
    return make_settings(backend, tmp_path, ads_load=3)


def test_topped_up_approved_served_seen_clicked_billed_and_reported(
    client: TestClient, platform: Platform, clock: FrozenClock, sign_up: Any, alice: Member, bob: Member
) -> None:
    creators = quick_members(platform, "us", 3, prefix="maker")
    for n in range(12):
        a_public_video(platform, creators[n % 3], f"clip {n} #garden", hours_ago=5 + n, views=50)
    mod = moderator(platform, sign_up, "adreviewer", region="us")

    account = open_advertiser(client, alice, "Alice Garden Co")
    assert ok(top_up(client, alice, account["id"], 10_000, key="first"), 201)["status"] in {"paid", "pending"}
    platform.jobs.drain()  # the processor's webhook confirms the payment
    assert ok(client.get(f"{API}/advertisers/{account['id']}", headers=alice.auth))["balance"] == 10_000

    campaign = ok(new_campaign(client, alice, account["id"], objective="product_visits"), 201)
    group = ok(new_group(client, alice, campaign["id"], bid_type="cpc", bid=50, frequency_cap=5), 201)
    ad = ok(new_ad(client, alice, group["id"], published_video(client, platform, alice, "our seeds")), 201)
    assert ad["review"] == "pending"
    ok(decide_ad(client, mod, ad["id"], "approve"), 201)
    assert rebalancing.rebalance(platform).campaigns >= 1  # today's slices allotted

    page = ok(client.get(f"{API}/feed/for-you", headers=bob.auth, params={"limit": 3}))
    [placed] = [item for item in page["items"] if item["sponsored"]]
    sponsored = placed["sponsored"]
    assert (placed["id"], sponsored["ad_id"], sponsored["label"]) == (ad["video_id"], ad["id"], "Sponsored")
    assert sponsored["advertiser_name"] == "Alice Garden Co" and sponsored["reasons"]

    clock.advance(seconds=3)  # two seconds on screen, then the product visit
    events = [
        {"served_id": sponsored["served_id"], "kind": "impression", "seen_s": 2.5},
        {"served_id": sponsored["served_id"], "kind": "click"},
    ]
    reported = client.post(f"{API}/ads/events", headers=bob.auth, json={"events": events})
    assert reported.status_code == 202 and reported.json()["accepted"] == 2, reported.text
    # Alone in its auction, the ad pays the reserve: 100 per thousand impressions is 0.1 per impression,
    # which at the prior's 1% click rate is 10 per click (under its bid of 50).
    billing.bill(platform)
    after = ok(client.get(f"{API}/advertisers/{account['id']}", headers=alice.auth))
    assert after["balance"] == 10_000 - 10

    statements = ok(client.get(f"{API}/advertisers/{account['id']}/statements", headers=alice.auth))
    today = statements[-1]
    assert all(day["spend"] == day["topups"] == 0 for day in statements[:-1])
    assert (today["topups"], today["spend"], today["closing"]) == (10_000, 10, 9_990)
    report = ok(
        client.get(f"{API}/advertisers/{account['id']}/report", headers=alice.auth, params={"days": 7})
    )
    # Bob lives in eu: one person there is below the minimum group, so the advertiser (in us) learns nothing
    # about that region's viewers but that it is held back, and the totals say they leave it out.
    regions = {row["region"]: row for row in report["regions"]}
    assert regions["eu"]["suppressed"] is True and regions["eu"]["impressions"] is None
    assert report["totals"]["excludes_suppressed"] is True and report["totals"]["impressions"] == 0
