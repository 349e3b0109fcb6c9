"""Helpers for advertising tests: accounts, top-ups, campaigns, ad groups and ads made over the API, a
moderator's decisions on ads, and what the directory says of an ad."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient

from clipshop.ads.models import PublicAd
from clipshop.kit.actors import Role
from clipshop.kit.everywhere import everywhere
from clipshop.platform import Platform
from support import CARD_OK, Member, a_ready_video, case_of, make_staff

API = "/api/v1"


def ok(response: Any, status: int = 200) -> Any:
    assert response.status_code == status, response.text
    return response.json()


def problem(response: Any, status: int, code: str) -> dict[str, Any]:
    assert response.status_code == status, response.text
    body: dict[str, Any] = response.json()
    assert body["code"] == code, body
    assert response.headers["content-type"] == "application/problem+json"
    return body


def published_video(client: TestClient, platform: Platform, creator: Member, caption: str = "a clip") -> str:
    video_id = a_ready_video(platform, creator, caption)
    ok(client.post(f"{API}/videos/{video_id}/publish", headers=creator.auth))
    return video_id


def open_advertiser(client: TestClient, member: Member, name: str = "Acme", **body: Any) -> dict[str, Any]:
    return dict(ok(client.post(f"{API}/advertisers", headers=member.auth, json={"name": name, **body}), 201))


def top_up(
    client: TestClient,
    member: Member,
    advertiser_id: str,
    amount: int,
    *,
    key: str | None = None,
    card: str = CARD_OK,
) -> Any:
    headers = {**member.auth, **({"Idempotency-Key": key} if key else {})}
    return client.post(
        f"{API}/advertisers/{advertiser_id}/topups",
        headers=headers,
        json={"amount": amount, "payment_method": card},
    )


def new_campaign(client: TestClient, member: Member, advertiser_id: str, **body: Any) -> Any:
    return client.post(
        f"{API}/advertisers/{advertiser_id}/campaigns",
        headers=member.auth,
        json={"name": "Spring", "objective": "purchases", "daily_budget": 5000, **body},
    )


def new_group(client: TestClient, member: Member, campaign_id: str, **body: Any) -> Any:
    return client.post(
        f"{API}/campaigns/{campaign_id}/ad-groups",
        headers=member.auth,
        json={"name": "Everyone", "bid_type": "cpm", "bid": 400, **body},
    )


def new_ad(client: TestClient, member: Member, group_id: str, video_id: str, **body: Any) -> Any:
    return client.post(
        f"{API}/ad-groups/{group_id}/ads",
        headers=member.auth,
        json={
            "kind": "video",
            "video_id": video_id,
            "headline": "New season",
            "call_to_action": "Shop now",
            **body,
        },
    )


def campaign_with_group(client: TestClient, member: Member, advertiser_id: str) -> tuple[str, str]:
    campaign = ok(new_campaign(client, member, advertiser_id), 201)
    group = ok(new_group(client, member, campaign["id"]), 201)
    return campaign["id"], group["id"]


def moderator(
    platform: Platform, sign_up: Any, handle: str, region: str = "us", country: str = "US"
) -> Member:
    member: Member = sign_up(handle, country)
    make_staff(platform, member, Role.MODERATOR, region)
    return member


def decide_ad(
    client: TestClient,
    mod: Member,
    ad_id: str,
    decision: str,
    reason_code: str = "meets_ad_policy",
    **extra: Any,
) -> Any:
    case = case_of(client, mod, ad_id, region=extra.pop("region", None))
    return client.post(
        f"{API}/moderation/cases/{case['id']}/decision",
        headers=mod.auth,
        json={"decision": decision, "reason_code": reason_code, **extra},
    )


def public_ad(platform: Platform, ad_id: str) -> PublicAd | None:
    with everywhere(platform.databases).transaction() as uow:
        return uow.directory.get(PublicAd, ad_id)


def serving(platform: Platform, ad_id: str) -> bool | None:
    """Whether the directory lets the ad serve (None: it has no copy there)."""
    row = public_ad(platform, ad_id)
    return None if row is None else row.serving
