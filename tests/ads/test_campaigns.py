"""Campaigns, ad groups and ads over the API, on SQLite and PostgreSQL: what each may hold is checked with a
stable code per mistake; every change reaches the directory's copy of the campaign's ads at once; a shop's
account promotes its own products, a brand's any product, both through a public video that tags it; all of
it is the account owner's alone (another user gets 404 on every route, as for an id that does not exist)."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient

from advertising import (
    API,
    campaign_with_group,
    new_ad,
    new_campaign,
    new_group,
    ok,
    open_advertiser,
    problem,
    public_ad,
    published_video,
    serving,
)
from clipshop.platform import Platform
from doubles import FrozenClock
from support import ADS_OBJECTS, Member, a_product, open_shop, sweep_as

LATER = "2026-07-01T00:00:00Z"  # the tests' clock starts on 2026-06-01


@pytest.mark.parametrize(
    ("body", "code", "field"),
    [
        ({"daily_budget": 99}, "invalid_budget", "daily_budget"),
        ({"daily_budget": 1000, "lifetime_budget": 999}, "lifetime_below_daily", "lifetime_budget"),
        ({"starts_at": LATER, "ends_at": "2026-06-30T00:00:00Z"}, "ends_before_starts", "ends_at"),
        ({"ends_at": "2026-05-01T00:00:00Z", "starts_at": "2026-04-01T00:00:00Z"}, "ends_in_past", "ends_at"),
        ({"name": "  "}, "invalid_name", "name"),
        ({"objective": "likes"}, "validation_error", "objective"),
        ({"ends_at": "2026-07-01T00:00:00"}, "validation_error", "ends_at"),  # no time zone
    ],
)
def test_a_campaigns_mistakes_are_refused_with_their_code(
    client: TestClient, alice: Member, body: dict[str, Any], code: str, field: str
) -> None:
    account = open_advertiser(client, alice)
    refused = problem(new_campaign(client, alice, account["id"], **body), 422, code)
    assert refused["field"] == field
    assert ok(client.get(f"{API}/advertisers/{account['id']}/campaigns", headers=alice.auth)) == []


@pytest.mark.parametrize(
    ("objective", "body", "code", "field"),
    [
        ("views", {"bid_type": "cpc", "bid": 50}, "bid_type_not_for_objective", "bid_type"),
        ("product_visits", {"bid_type": "ocpm", "bid": 900}, "bid_type_not_for_objective", "bid_type"),
        ("purchases", {"bid_type": "cpm", "bid": 99}, "bid_too_low", "bid"),  # under the reserve CPM
        ("purchases", {"bid_type": "cpc", "bid": 4}, "bid_too_low", "bid"),
        ("purchases", {"bid_type": "cpc", "bid": 5001}, "bid_above_budget", "bid"),
        ("purchases", {"regions": ["us", "mars"]}, "unknown_region", "regions"),
        ("purchases", {"interests": ["#diy", "not a tag"]}, "invalid_interest", "interests"),
        ("purchases", {"retarget": "shop_engagers"}, "retarget_needs_shop", "retarget"),
        ("purchases", {"frequency_cap": 0}, "invalid_frequency_cap", "frequency_cap"),
        ("purchases", {"frequency_cap": 51}, "invalid_frequency_cap", "frequency_cap"),
    ],
)
def test_an_ad_groups_mistakes_are_refused_with_their_code(
    client: TestClient, alice: Member, objective: str, body: dict[str, Any], code: str, field: str
) -> None:
    account = open_advertiser(client, alice)
    campaign = ok(new_campaign(client, alice, account["id"], objective=objective), 201)
    refused = problem(new_group(client, alice, campaign["id"], **body), 422, code)
    assert refused["field"] == field
    assert ok(client.get(f"{API}/campaigns/{campaign['id']}/ad-groups", headers=alice.auth)) == []


def test_a_campaign_is_made_paused_resumed_and_ends_by_its_schedule(
    client: TestClient, platform: Platform, clock: FrozenClock, alice: Member
) -> None:
    account = open_advertiser(client, alice)
    made = ok(
        new_campaign(client, alice, account["id"], lifetime_budget=20000, ends_at="2026-06-08T00:00:00Z"), 201
    )
    assert {
        k: made[k] for k in ("advertiser_id", "objective", "currency", "daily_budget", "lifetime_budget")
    } == {
        "advertiser_id": account["id"],
        "objective": "purchases",
        "currency": "USD",
        "daily_budget": 5000,
        "lifetime_budget": 20000,
    }
    assert (made["status"], made["paused_reason"], made["starts_at"]) == (
        "active",
        "",
        "2026-06-01T12:00:00Z",
    )
    campaign = f"{API}/campaigns/{made['id']}"
    group = ok(
        new_group(
            client, alice, made["id"], interests=["#DIY", "diy", "HomeDecor"], regions=["eu", "us", "us"]
        ),
        201,
    )
    assert (group["interests"], group["regions"], group["frequency_cap"], group["retarget"]) == (
        ["diy", "homedecor"],
        ["eu", "us"],
        3,
        "",
    )
    video = published_video(client, platform, alice)
    ad = ok(new_ad(client, alice, group["id"], video), 201)

    paused = ok(client.patch(campaign, headers=alice.auth, json={"status": "paused", "daily_budget": 6000}))
    assert (paused["status"], paused["paused_reason"], paused["daily_budget"]) == (
        "paused",
        "advertiser",
        6000,
    )
    copy = public_ad(platform, ad["id"])
    assert copy is not None and (copy.daily_budget, copy.serving) == (6000, False)
    problem(
        client.patch(campaign, headers=alice.auth, json={"daily_budget": 30000}), 422, "lifetime_below_daily"
    )
    assert (
        ok(client.patch(campaign, headers=alice.auth, json={"lifetime_budget": None}))["lifetime_budget"]
        is None
    )
    resumed = ok(client.patch(campaign, headers=alice.auth, json={"status": "active", "name": "Summer"}))
    assert (resumed["status"], resumed["paused_reason"], resumed["name"]) == ("active", "", "Summer")

    clock.advance(days=7)
    assert ok(client.get(campaign, headers=alice.auth))["status"] == "ended"
    problem(client.patch(campaign, headers=alice.auth, json={"status": "active"}), 409, "campaign_ended")
    problem(
        client.patch(campaign, headers=alice.auth, json={"ends_at": "2026-06-08T06:00:00Z"}),
        422,
        "ends_in_past",
    )
    moved = ok(client.patch(campaign, headers=alice.auth, json={"ends_at": "2026-08-01T00:00:00Z"}))
    assert moved["status"] == "active"

    edited = ok(
        client.patch(f"{API}/ad-groups/{group['id']}", headers=alice.auth, json={"bid": 700, "paused": True})
    )
    assert (edited["bid"], edited["paused"], edited["interests"]) == (700, True, ["diy", "homedecor"])
    copy = public_ad(platform, ad["id"])
    assert copy is not None and (copy.bid, copy.target_regions, copy.interests, copy.serving) == (
        700,
        "eu us",
        "diy homedecor",
        False,
    )
    problem(
        client.patch(
            f"{API}/ad-groups/{group['id']}", headers=alice.auth, json={"bid_type": "cpc", "bid": 6001}
        ),
        422,
        "bid_above_budget",
    )
    switched = ok(
        client.patch(f"{API}/ad-groups/{group['id']}", headers=alice.auth, json={"bid_type": "ocpm"})
    )
    assert (switched["bid_type"], switched["bid"]) == ("ocpm", 700)


def test_an_ads_mistakes_are_refused_with_their_code(
    client: TestClient, platform: Platform, alice: Member, bob: Member
) -> None:
    account = open_advertiser(client, alice)
    _, group = campaign_with_group(client, alice, account["id"])
    own = published_video(client, platform, alice)
    bobs = published_video(client, platform, bob)
    shop_id = open_shop(client, bob, "bob-goods")
    product = a_product(client, bob, shop_id)["id"]
    cases = [
        ({"video_id": "us_" + "0" * 32}, "video_not_public", "video_id"),
        ({"video_id": bobs}, "authorization_required", "authorization_code"),
        ({"video_id": bobs, "authorization_code": "guess"}, "authorization_invalid", "authorization_code"),
        ({"video_id": own, "product_id": product}, "product_for_video_ad", "product_id"),
        ({"video_id": own, "kind": "product"}, "product_required", "product_id"),
        (
            {"video_id": own, "kind": "product", "product_id": "us_" + "1" * 32},
            "product_not_public",
            "product_id",
        ),
        ({"video_id": own, "kind": "product", "product_id": product}, "product_not_in_video", "video_id"),
        ({"video_id": own, "headline": "  "}, "invalid_headline", "headline"),
        ({"video_id": own, "call_to_action": ""}, "invalid_call_to_action", "call_to_action"),
        ({"video_id": own, "kind": "banner"}, "validation_error", "kind"),
    ]
    for body, code, field in cases:
        refused = problem(new_ad(client, alice, group, **body), 422, code)
        assert refused["field"] == field, (body, refused)
    assert ok(client.get(f"{API}/ad-groups/{group}/ads", headers=alice.auth)) == []


def test_a_product_is_promoted_through_a_video_that_tags_it_and_a_shop_promotes_only_its_own(
    client: TestClient, platform: Platform, alice: Member, bob: Member
) -> None:
    mine = open_shop(client, alice, "alice-goods")
    theirs = open_shop(client, bob, "bob-goods")
    own_product = a_product(client, alice, mine, title="Mug")["id"]
    their_product = a_product(client, bob, theirs, title="Lamp")["id"]
    video = published_video(client, platform, alice, "unboxing")
    tagged = client.put(
        f"{API}/videos/{video}/products",
        headers=alice.auth,
        json={"products": [{"product_id": own_product}, {"product_id": their_product}]},
    )
    assert tagged.status_code == 200, tagged.text

    shop_account = ok(
        client.post(f"{API}/advertisers", headers=alice.auth, json={"kind": "shop", "shop_id": mine}), 201
    )
    _, group = campaign_with_group(client, alice, shop_account["id"])
    refused = problem(
        new_ad(client, alice, group, video, kind="product", product_id=their_product),
        422,
        "product_not_yours",
    )
    assert refused["field"] == "product_id"
    ad = ok(new_ad(client, alice, group, video, kind="product", product_id=own_product), 201)
    assert (ad["kind"], ad["product_id"], ad["video_id"], ad["review"]) == (
        "product",
        own_product,
        video,
        "pending",
    )
    copy = public_ad(platform, ad["id"])
    assert copy is not None and (copy.shop_id, copy.advertiser_name, copy.kind) == (
        mine,
        "Alice-Goods",
        "product",
    )

    # A brand may promote any public product, through a video it may promote.
    brand = open_advertiser(client, alice, "Alice Brand")
    _, brand_group = campaign_with_group(client, alice, brand["id"])
    theirs_ad = ok(new_ad(client, alice, brand_group, video, kind="product", product_id=their_product), 201)
    copy = public_ad(platform, theirs_ad["id"])
    assert copy is not None and copy.shop_id == theirs


def test_every_change_reaches_the_directory_copy_of_the_campaign(
    client: TestClient, platform: Platform, alice: Member
) -> None:
    account = open_advertiser(client, alice, "Alice Brand")
    campaign, group = campaign_with_group(client, alice, account["id"])
    video = published_video(client, platform, alice)
    ad = ok(new_ad(client, alice, group, video), 201)
    assert (ad["review"], ad["review_reason"], ad["paused"]) == ("pending", "", False)
    copy = public_ad(platform, ad["id"])
    assert copy is not None
    assert (copy.campaign_id, copy.ad_group_id, copy.video_id, copy.headline, copy.call_to_action) == (
        campaign,
        group,
        video,
        "New season",
        "Shop now",
    )
    assert (copy.region, copy.advertiser_id, copy.staff_ids, copy.bid_type, copy.bid, copy.currency) == (
        "us",
        account["id"],
        alice.id,
        "cpm",
        400,
        "USD",
    )
    assert copy.serving is False  # pending review
    paused = ok(client.patch(f"{API}/ads/{ad['id']}", headers=alice.auth, json={"paused": True}))
    assert (paused["paused"], paused["review"]) == (True, "pending")
    assert serving(platform, ad["id"]) is False
    listed = ok(client.get(f"{API}/ad-groups/{group}/ads", headers=alice.auth))
    assert [(a["id"], a["paused"]) for a in listed] == [(ad["id"], True)]


def test_a_campaign_may_start_later(client: TestClient, clock: FrozenClock, alice: Member) -> None:
    account = open_advertiser(client, alice)
    later = (clock.now() + timedelta(days=2)).isoformat()
    made = ok(new_campaign(client, alice, account["id"], starts_at=later), 201)
    assert made["starts_at"].startswith("2026-06-03")


def test_another_user_reaches_none_of_an_advertisers_objects(
    client: TestClient, platform: Platform, alice: Member, bob: Member
) -> None:
    open_advertiser(client, bob, "Bob's own")
    account = open_advertiser(client, alice)
    campaign, group = campaign_with_group(client, alice, account["id"])
    ad = ok(new_ad(client, alice, group, published_video(client, platform, alice)), 201)
    ids = {"advertiser_id": account["id"], "campaign_id": campaign, "ad_group_id": group, "ad_id": ad["id"]}
    assert ids.keys() == ADS_OBJECTS
    body = {
        "name": "x",
        "amount": 1000,
        "payment_method": "4242424242424242",
        "objective": "views",
        "daily_budget": 1000,
        "bid_type": "cpm",
        "bid": 500,
        "kind": "video",
        "video_id": ad["video_id"],
        "headline": "x",
        "call_to_action": "x",
        "paused": True,
        "status": "paused",
    }
    swept = sweep_as(client, bob, ids, body=body)
    assert {
        "GET /api/v1/advertisers/{advertiser_id}",
        "POST /api/v1/advertisers/{advertiser_id}/topups",
        "POST /api/v1/advertisers/{advertiser_id}/campaigns",
        "PATCH /api/v1/campaigns/{campaign_id}",
        "POST /api/v1/campaigns/{campaign_id}/ad-groups",
        "PATCH /api/v1/ad-groups/{ad_group_id}",
        "POST /api/v1/ad-groups/{ad_group_id}/ads",
        "PATCH /api/v1/ads/{ad_id}",
        "GET /api/v1/ads/{ad_id}",
    } <= set(swept), swept
    # The owner still reaches them, unchanged.
    assert ok(client.get(f"{API}/campaigns/{campaign}", headers=alice.auth))["status"] == "active"
    assert ok(client.get(f"{API}/ads/{ad['id']}", headers=alice.auth))["paused"] is False
    assert ok(client.get(f"{API}/ad-groups/{group}", headers=alice.auth))["paused"] is False
    assert [a["name"] for a in ok(client.get(f"{API}/advertisers", headers=bob.auth))] == ["Bob's own"]
