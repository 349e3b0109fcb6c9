"""Advertisers' reports: figures per day and in total from hand-made ad events in several viewer regions,
a small region suppressed, the owner alone may read them, and the CSV export."""

from __future__ import annotations

import csv
import io
from datetime import timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient

from clipshop.ads.models import AdEvent, Advertiser, AdvertiserKind, Campaign, Objective
from clipshop.kit.everywhere import everywhere
from clipshop.kit.ids import new_id
from clipshop.platform import Platform
from support import Member, audit_of, quick_members

PRICE = 250_000  # micros: a quarter of a cent per viewable impression


def an_advertiser(platform: Platform, owner: Member, name: str = "Linen & Co") -> str:
    now = platform.clock.now()
    advertiser_id = new_id(owner.region)
    with everywhere(platform.databases).transaction() as uow:
        uow.region(owner.region).add(
            Advertiser(
                id=advertiser_id,
                owner_id=owner.id,
                name=name,
                kind=AdvertiserKind.BRAND,
                currency="USD",
                created_at=now,
            )
        )
    return advertiser_id


def a_campaign(platform: Platform, advertiser_id: str, name: str = "Summer") -> str:
    now = platform.clock.now()
    region = advertiser_id.split("_", 1)[0]
    campaign_id = new_id(region)
    with everywhere(platform.databases).transaction() as uow:
        uow.region(region).add(
            Campaign(
                id=campaign_id,
                advertiser_id=advertiser_id,
                name=name,
                objective=Objective.PURCHASES,
                currency="USD",
                daily_budget=10_000,
                starts_at=now,
                created_at=now,
                updated_at=now,
            )
        )
    return campaign_id


def ad_events(platform: Platform, rows: list[dict[str, Any]]) -> None:
    """Write ad events straight into each viewer's region: {viewer, kind, campaign, at, ...}."""
    with everywhere(platform.databases).transaction() as uow:
        for row in rows:
            viewer: Member = row.pop("viewer")
            uow.region(viewer.region).add(
                AdEvent(
                    id=new_id(viewer.region),
                    user_id=viewer.id,
                    ad_id=row.pop("ad", "us_" + "a" * 32),
                    campaign_id=row.pop("campaign"),
                    created_at=row.pop("at"),
                    **row,
                )
            )


@pytest.fixture
def seeded(client: TestClient, platform: Platform, alice: Member, bob: Member) -> dict[str, Any]:
    """Alice (us) advertises with two campaigns; viewers in us, eu and au saw, clicked and bought. Bob
    advertises too."""
    platform.settings.min_group_size = 2
    now = platform.clock.now()
    yesterday = now - timedelta(days=1)
    advertiser = an_advertiser(platform, alice)
    summer, search = a_campaign(platform, advertiser), a_campaign(platform, advertiser, "Search")
    other = a_campaign(platform, an_advertiser(platform, bob, "Bob's"))
    u0, u1 = quick_members(platform, "us", 2, "u")
    e0, e1, e2 = quick_members(platform, "eu", 3, "e")
    (a0,) = quick_members(platform, "au", 1, "a")
    impression = {"kind": "impression", "price_micros": PRICE}
    ad_events(
        platform,
        [
            {"viewer": u0, "campaign": summer, "at": now, **impression},
            {"viewer": u0, "campaign": summer, "at": now - timedelta(minutes=5), **impression},
            {"viewer": u0, "campaign": summer, "at": now, "kind": "impression", "invalid": "repeat"},
            {"viewer": u0, "campaign": summer, "at": now, "kind": "served", "price_micros": PRICE},
            {"viewer": u1, "campaign": summer, "at": yesterday, **impression},
            {"viewer": u1, "campaign": summer, "at": yesterday, "kind": "click"},
            {"viewer": u1, "campaign": summer, "at": yesterday, "kind": "conversion", "value": 3000,
             "currency": "USD", "order_id": "us_" + "0" * 32},
            {"viewer": e0, "campaign": summer, "at": now, **impression},
            {"viewer": e1, "campaign": summer, "at": now, **impression},
            {"viewer": e2, "campaign": summer, "at": now, "kind": "impression", "invalid": "budget"},
            {"viewer": e1, "campaign": search, "at": now, "kind": "click", "price_micros": 100_000},
            {"viewer": e0, "campaign": summer, "at": now, "kind": "conversion", "value": 4000,
             "currency": "USD"},
            {"viewer": e0, "campaign": summer, "at": now, "kind": "conversion", "value": 900,
             "currency": "EUR", "invalid": "affiliate"},
            {"viewer": a0, "campaign": summer, "at": now, **impression},
            {"viewer": a0, "campaign": summer, "at": now, "kind": "click"},
            # Before the window, and another advertiser's: neither counts.
            {"viewer": u0, "campaign": summer, "at": now - timedelta(days=8), **impression},
            {"viewer": u0, "campaign": other, "at": now, **impression},
        ],
    )  # fmt: skip
    return {"advertiser": advertiser, "summer": summer, "search": search, "other": other, "now": now}


def report(client: TestClient, member: Member, advertiser: str, **params: Any) -> Any:
    response = client.get(f"/api/v1/advertisers/{advertiser}/report", headers=member.auth, params=params)
    assert response.status_code == 200, response.text
    return response.json()


def test_the_figures_are_those_of_the_valid_events_of_every_region_not_suppressed(
    client: TestClient, platform: Platform, alice: Member, seeded: dict[str, Any]
) -> None:
    body = report(client, alice, seeded["advertiser"], days=7)
    assert body["currency"] == "USD"
    assert [d["day"] for d in body["days"]] == [f"2026-05-{d}" for d in range(26, 32)] + ["2026-06-01"]
    assert body["totals"] == {
        "spend": 1.35,  # 5 impressions at 0.25 and a click at 0.10
        "impressions": 5,
        "reach": 4,
        "clicks": 2,
        "conversions": 2,
        "conversion_value": 7000,
        "ctr": 0.4,
        "conversion_rate": 1.0,
        "cost_per_purchase": 0.675,
        "roas": pytest.approx(7000 / 1.35),
        "excludes_suppressed": True,
    }
    days = {d["day"]: d for d in body["days"]}
    assert days["2026-05-31"] == {
        "day": "2026-05-31",
        "spend": 0.25,
        "impressions": 1,
        "reach": 1,
        "clicks": 1,
        "conversions": 1,
        "conversion_value": 3000,
        "ctr": 1.0,
        "conversion_rate": 1.0,
        "cost_per_purchase": 0.25,
        "roas": 12000.0,
    }
    today = days["2026-06-01"]
    assert (today["spend"], today["impressions"], today["reach"], today["clicks"]) == (1.1, 4, 3, 1)
    assert (today["conversions"], today["conversion_value"], today["ctr"]) == (1, 4000, 0.25)
    assert days["2026-05-30"] == {
        "day": "2026-05-30",
        "spend": 0.0,
        "impressions": 0,
        "reach": 0,
        "clicks": 0,
        "conversions": 0,
        "conversion_value": 0,
        "ctr": None,
        "conversion_rate": None,
        "cost_per_purchase": None,
        "roas": None,
    }
    assert body["regions"] == [
        {"region": "us", "impressions": 3, "reach": 2, "clicks": 1, "conversions": 1, "suppressed": False},
        {"region": "eu", "impressions": 2, "reach": 2, "clicks": 1, "conversions": 1, "suppressed": False},
        {"region": "au", "impressions": None, "reach": None, "clicks": None, "conversions": None,
         "suppressed": True},
    ]  # fmt: skip
    # The other regions were read through the gateway, as aggregates, and their audit logs say so.
    (entry,) = [e for e in audit_of(platform, "eu") if e.purpose == "aggregate_analytics"]
    assert (entry.role, entry.data_class, entry.result, entry.actor_id) == (
        "advertiser",
        "behaviour",
        "allowed",
        alice.id,
    )
    assert not [e for e in audit_of(platform, "us") if e.purpose == "aggregate_analytics"]


def test_one_campaign_and_a_larger_minimum_group(
    client: TestClient, platform: Platform, alice: Member, seeded: dict[str, Any]
) -> None:
    # The search campaign's one click came from one person in eu: too few to show.
    body = report(client, alice, seeded["advertiser"], days=7, campaign_id=seeded["search"])
    assert (body["totals"]["spend"], body["totals"]["clicks"], body["totals"]["excludes_suppressed"]) == (
        0.0,
        0,
        True,
    )
    assert body["regions"][1] == {
        "region": "eu",
        "impressions": None,
        "reach": None,
        "clicks": None,
        "conversions": None,
        "suppressed": True,
    }
    platform.settings.min_group_size = 1
    body = report(client, alice, seeded["advertiser"], days=7, campaign_id=seeded["search"])
    assert (body["totals"]["spend"], body["totals"]["clicks"], body["totals"]["impressions"]) == (0.1, 1, 0)
    assert body["totals"]["ctr"] is None and body["totals"]["roas"] == 0.0
    # Nobody is under any minimum too: saying "none" where one would be withheld would tell them apart.
    assert [(r["region"], r["suppressed"]) for r in body["regions"]] == [
        ("us", False),
        ("eu", False),
        ("au", True),
    ]
    # Three people at least: eu (two valid viewers) goes too; the advertiser's own region never does.
    platform.settings.min_group_size = 3
    body = report(client, alice, seeded["advertiser"], days=7)
    assert [(r["region"], r["suppressed"]) for r in body["regions"]] == [
        ("us", False),
        ("eu", True),
        ("au", True),
    ]
    assert (body["totals"]["impressions"], body["totals"]["reach"], body["totals"]["spend"]) == (3, 2, 0.75)
    assert body["totals"]["excludes_suppressed"] is True
    # Everyone counted: nothing excluded.
    platform.settings.min_group_size = 1
    assert report(client, alice, seeded["advertiser"], days=7)["totals"]["impressions"] == 6


def test_only_the_owner_reads_a_report(
    client: TestClient, alice: Member, bob: Member, seeded: dict[str, Any]
) -> None:
    advertiser = seeded["advertiser"]
    for path in (f"/api/v1/advertisers/{advertiser}/report", f"/api/v1/advertisers/{advertiser}/report.csv"):
        response = client.get(path, headers=bob.auth)
        assert response.status_code == 404 and response.json()["code"] == "not_found", response.text
    assert client.get(f"/api/v1/advertisers/{advertiser}/report").status_code == 401
    # Someone else's campaign (bob's) under one's own account, or one that does not exist: the same 404.
    for campaign in (seeded["other"], "us_" + "f" * 32, "nonsense"):
        response = client.get(
            f"/api/v1/advertisers/{advertiser}/report", headers=alice.auth, params={"campaign_id": campaign}
        )
        assert response.status_code == 404 and response.json()["code"] == "not_found", response.text
    assert client.get("/api/v1/advertisers/nonsense/report", headers=alice.auth).status_code == 404
    response = client.get(f"/api/v1/advertisers/{advertiser}/report?days=0", headers=alice.auth)
    assert response.status_code == 422


def test_the_csv_holds_the_same_rows(
    client: TestClient, platform: Platform, alice: Member, seeded: dict[str, Any]
) -> None:
    advertiser = seeded["advertiser"]
    response = client.get(f"/api/v1/advertisers/{advertiser}/report.csv?days=3", headers=alice.auth)
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == "text/csv; charset=utf-8"
    assert response.headers["content-disposition"] == (
        f'attachment; filename="ads-{advertiser}-20260530-20260601.csv"'
    )
    rows = list(csv.reader(io.StringIO(response.text)))
    assert rows == [
        ["day", "currency", "spend", "impressions", "reach", "clicks", "conversions", "conversion_value",
         "ctr", "conversion_rate", "cost_per_purchase", "roas"],
        ["2026-05-30", "USD", "0", "0", "0", "0", "0", "0", "", "", "", ""],
        ["2026-05-31", "USD", "0.25", "1", "1", "1", "1", "3000", "1", "1", "0.25", "12000"],
        ["2026-06-01", "USD", "1.1", "4", "3", "1", "1", "4000", "0.25", "1", "1.1", "3636.363636"],
        ["total", "USD", "1.35", "5", "4", "2", "2", "7000", "0.4", "1", "0.675", "5185.185185"],
    ]  # fmt: skip
    platform.settings.min_group_size = 1
    campaign = client.get(
        f"/api/v1/advertisers/{advertiser}/report.csv",
        headers=alice.auth,
        params={"campaign_id": seeded["search"], "days": 1},
    )
    assert campaign.headers["content-disposition"] == (
        f'attachment; filename="ads-{seeded["search"]}-20260601-20260601.csv"'
    )
    assert campaign.text.splitlines()[-1] == "total,USD,0.1,0,0,1,0,0,,0,,0"


def test_a_report_of_an_account_without_campaigns_is_all_zeros(
    client: TestClient, platform: Platform, alice: Member
) -> None:
    advertiser = an_advertiser(platform, alice)
    body = report(client, alice, advertiser, days=2)
    assert [d["impressions"] for d in body["days"]] == [0, 0]
    assert body["totals"]["spend"] == 0.0 and body["totals"]["excludes_suppressed"] is True
    assert [r["suppressed"] for r in body["regions"]] == [False, True, True]
