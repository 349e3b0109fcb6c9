"""Demo advertising: a shop promoting one of its products through its owner's shoppable clip, and a brand
promoting a creator's clip with the creator's authorisation code (as Spark Ads do), each account topped up
through the sandbox payment provider, with a campaign whose ads a demo moderator approved; and one more of
the brand's ads left in the review queue, for the moderation page to show.

Idempotent like the rest of the seed: accounts are matched by name, campaigns and ad groups by name, ads by
headline, top-ups by their Idempotency-Key; a creator's code is asked for only when its ad is missing.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from clipshop.accounts import service as accounts
from clipshop.ads import rebalancing
from clipshop.demo.api import DemoApi, Person
from clipshop.kit.actors import Role
from clipshop.kit.everywhere import everywhere
from clipshop.platform import Platform

CARD = "4242 4242 4242 4242"
MODERATOR = Person("mod.us", "Morgan (moderator)", "US", "Reviews reports and ads for the us region")
BRAND = Person("trailco", "TrailCo", "US", "Trail shoes and packs, made for mud")


@dataclass(frozen=True)
class DemoAd:
    kind: str  # video | product
    headline: str
    call_to_action: str
    approve: bool  # a demo moderator approves it; otherwise it waits in the review queue


@dataclass(frozen=True)
class DemoCampaign:
    advertiser: str  # the account's owner
    account: str  # the account's name
    shop: str | None  # a shop's handle, for a shop's account
    creator: str  # whose clip the ads show
    product: str | None  # the product tagged in it, for product ads
    topup: int
    campaign: dict[str, Any]
    group: dict[str, Any]
    ads: tuple[DemoAd, ...]


CAMPAIGNS = (
    DemoCampaign(
        advertiser="maya.makes",
        account="Maya's Supply Co.",
        shop="maya-supply",
        creator="maya.makes",
        product="Cordless mini drill",
        topup=10_000,
        campaign={"name": "Drill season", "objective": "purchases", "daily_budget": 2_000},
        group={
            "name": "DIY fans",
            "bid_type": "ocpm",
            "bid": 1_500,
            "interests": ["diy", "homedecor", "budget"],
            "frequency_cap": 3,
        },
        ads=(DemoAd("product", "The drill from my shelf video", "Shop now", approve=True),),
    ),
    DemoCampaign(
        advertiser="trailco",
        account="TrailCo",
        shop=None,
        creator="trail.mix",
        product=None,
        topup=20_000,
        campaign={"name": "Muddy miles", "objective": "views", "daily_budget": 1_500},
        group={
            "name": "Runners and hikers",
            "bid_type": "cpm",
            "bid": 600,
            "interests": ["running", "trail", "hiking", "outdoors"],
            "frequency_cap": 2,
        },
        ads=(
            DemoAd("video", "Tested on wet rock by @trail.mix", "Learn more", approve=True),
            DemoAd("video", "Run your fastest marathon, guaranteed", "Buy now", approve=False),
        ),
    ),
)


def seed_ads(api: DemoApi, *, videos: list[dict[str, Any]]) -> str:
    """Advertisers, top-ups, campaigns and reviewed ads; returns a one-line summary."""
    platform = api.platform
    for person in (MODERATOR, BRAND):
        api.account(person)
    _make_moderator(platform, api, MODERATOR, jurisdiction="us")
    clips: dict[str, list[str]] = {}
    for video in videos:
        clips.setdefault(video["creator"]["handle"], []).append(video["id"])
    made, waiting = 0, []
    for spec in CAMPAIGNS:
        video_id = _clip_of(api, spec, clips.get(spec.creator, []))
        if video_id is None:
            continue
        account = _account(api, spec)
        api.call(
            "POST",
            f"/api/v1/advertisers/{account['id']}/topups",
            spec.advertiser,
            headers={"Idempotency-Key": f"demo-topup-{spec.advertiser}"},
            json={"amount": spec.topup, "payment_method": CARD},
        )
        group_id = _group(api, spec, account["id"])
        listed = {
            a["headline"]: a
            for a in api.call("GET", f"/api/v1/ad-groups/{group_id}/ads", spec.advertiser).json()
        }
        for ad in spec.ads:
            if ad.headline not in listed:
                body: dict[str, Any] = {
                    "kind": ad.kind,
                    "video_id": video_id,
                    "headline": ad.headline,
                    "call_to_action": ad.call_to_action,
                }
                if ad.kind == "product":
                    body["product_id"] = _tagged(api, video_id, spec.product)
                if spec.creator != spec.advertiser:
                    body["authorization_code"] = api.call(
                        "POST", f"/api/v1/videos/{video_id}/ad-authorizations", spec.creator
                    ).json()["code"]
                listed[ad.headline] = api.call(
                    "POST", f"/api/v1/ad-groups/{group_id}/ads", spec.advertiser, json=body
                ).json()
                made += 1
            if not ad.approve:
                waiting.append(listed[ad.headline]["id"])
    platform.jobs.drain()  # the sandbox's webhooks: the top-ups are paid
    approved = _approve_all_but(api, waiting)
    allotted = allot_budget_slices(platform)
    return (
        f"{len(CAMPAIGNS)} advertisers ({made} new ads, {approved} approved now, {len(waiting)} waiting for "
        f"review by {MODERATOR.email}){'' if allotted else '; no budget slices allotted'}"
    )


def allot_budget_slices(platform: Platform) -> bool:
    """Allot today's budget slices now (the job that does it runs every few minutes), so the approved ads
    serve in For You at once; False when another run was going and this one did nothing."""
    return not rebalancing.rebalance(platform).skipped


def _make_moderator(platform: Platform, api: DemoApi, person: Person, *, jurisdiction: str) -> None:
    user_id = api.call("GET", "/api/v1/me", person.handle).json()["id"]
    with everywhere(platform.databases).transaction() as uow:
        accounts.make_staff(uow, user_id=user_id, role=Role.MODERATOR, jurisdiction=jurisdiction)


def _account(api: DemoApi, spec: DemoCampaign) -> dict[str, Any]:
    mine = {a["name"]: a for a in api.call("GET", "/api/v1/advertisers", spec.advertiser).json()}
    if spec.account in mine:
        return dict(mine[spec.account])
    body: dict[str, Any] = {"name": spec.account}
    if spec.shop is not None:
        shops = {s["handle"]: s["id"] for s in api.call("GET", "/api/v1/me/shops", spec.advertiser).json()}
        body.update(kind="shop", shop_id=shops[spec.shop])
    return dict(api.call("POST", "/api/v1/advertisers", spec.advertiser, json=body).json())


def _group(api: DemoApi, spec: DemoCampaign, advertiser_id: str) -> str:
    who = spec.advertiser
    campaigns = {
        c["name"]: c for c in api.call("GET", f"/api/v1/advertisers/{advertiser_id}/campaigns", who).json()
    }
    campaign = (
        campaigns.get(spec.campaign["name"])
        or api.call("POST", f"/api/v1/advertisers/{advertiser_id}/campaigns", who, json=spec.campaign).json()
    )
    groups = {
        g["name"]: g for g in api.call("GET", f"/api/v1/campaigns/{campaign['id']}/ad-groups", who).json()
    }
    group = (
        groups.get(spec.group["name"])
        or api.call("POST", f"/api/v1/campaigns/{campaign['id']}/ad-groups", who, json=spec.group).json()
    )
    return str(group["id"])


def _clip_of(api: DemoApi, spec: DemoCampaign, clips: list[str]) -> str | None:
    """The creator's clip the ads show: for a product, one that tags it."""
    if spec.product is None:
        return clips[0] if clips else None
    return next((v for v in clips if _tagged(api, v, spec.product) is not None), None)


def _tagged(api: DemoApi, video_id: str, title: str | None) -> str | None:
    tagged = api.call("GET", f"/api/v1/videos/{video_id}/products").json()
    return next((str(t["product"]["id"]) for t in tagged if t["product"]["title"] == title), None)


def _approve_all_but(api: DemoApi, waiting: list[str]) -> int:
    """The demo moderator approves every ad in the queue but those left `waiting`."""
    approved = 0
    for case in api.call("GET", "/api/v1/moderation/cases", MODERATOR.handle, params={"limit": 200}).json():
        if case["content_kind"] != "ad" or case["content_id"] in waiting:
            continue
        api.call(
            "POST",
            f"/api/v1/moderation/cases/{case['id']}/decision",
            MODERATOR.handle,
            json={"decision": "approve", "reason_code": "meets_ad_policy"},
        )
        approved += 1
    return approved
