"""Billing: every region's slice spend becomes one ledger transaction per campaign and run, in whole minor
units, never twice; campaigns pause by themselves when the money or the lifetime budget runs out; daily
statements for the account's owner."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from factory import (
    Promoted,
    a_campaign,
    an_advertiser,
    balance_of,
    billing_rows,
    campaign_of,
    fund,
    slices,
    top_up,
)
from fastapi.testclient import TestClient
from sqlalchemy import select

from clipshop.ads import balances
from clipshop.ads.billing import bill
from clipshop.ads.models import MICROS, PublicAd
from clipshop.ads.rebalancing import rebalance
from clipshop.kit.everywhere import everywhere
from clipshop.platform import Platform
from clipshop.shop.ledger.models import LedgerEntry, LedgerTransaction
from doubles import FrozenClock
from support import Member, a_public_video, quick_members

M = MICROS


def _campaign(platform: Platform, owner: Member, **settings: object) -> Promoted:
    creator = quick_members(platform, "au", 1, f"cr{owner.handle}")[0]
    video_id = a_public_video(platform, creator, "#linen")
    advertiser_id = an_advertiser(platform, owner)
    return a_campaign(platform, advertiser_id, video_id=video_id, **settings)  # type: ignore[arg-type]


def spend_postings(platform: Platform, region: str) -> list[tuple[str, list[tuple[str, int]]]]:
    with everywhere(platform.databases).transaction() as uow:
        db = uow.region(region)
        found = []
        query = select(LedgerTransaction).where(LedgerTransaction.kind == balances.AD_SPEND)
        for t in db.scalars(query.order_by(LedgerTransaction.created_at, LedgerTransaction.reference)):
            entries = db.execute(
                select(LedgerEntry.account, LedgerEntry.amount)
                .where(LedgerEntry.transaction_id == t.id)
                .order_by(LedgerEntry.account)
            )
            found.append((t.reference, [(a, int(x)) for a, x in entries]))
        return found


def test_spend_is_billed_in_whole_units_once_per_campaign_and_run(
    platform: Platform, clock: FrozenClock
) -> None:
    owner = quick_members(platform, "us", 1, "own")[0]
    rows = _campaign(platform, owner)
    top_up(platform, rows.advertiser_id, 100)
    today = clock.now().date()
    yesterday = today - timedelta(days=1)
    fund(platform, rows.campaign_id, "us", day=today, allotted_micros=9 * M, spent_micros=2_500_000)
    fund(platform, rows.campaign_id, "eu", day=yesterday, allotted_micros=2 * M, spent_micros=1_700_000)
    fund(platform, rows.campaign_id, "au", day=today, allotted_micros=1 * M, spent_micros=400_000)

    done = bill(platform)
    assert (done.campaigns, done.amount) == (1, 3)
    account = balances.account(rows.advertiser_id)
    assert spend_postings(platform, "us") == [(f"{rows.campaign_id}:3", [(account, 3), ("revenue:ads", -3)])]
    assert [
        (b.region, b.day, b.spent_micros, b.billed) for b in billing_rows(platform, rows.campaign_id)
    ] == [
        ("au", today, 400_000, 0),
        ("eu", yesterday, 1_700_000, 1),
        ("us", today, 2_500_000, 2),
    ]
    assert balance_of(platform, rows.advertiser_id) == 97

    assert bill(platform).amount == 0  # a rerun books nothing
    assert len(spend_postings(platform, "us")) == 1

    fund(platform, rows.campaign_id, "au", day=today, allotted_micros=1 * M, spent_micros=1 * M)
    fund(platform, rows.campaign_id, "us", day=today, allotted_micros=9 * M, spent_micros=4_100_000)
    clock.advance(minutes=15)
    assert bill(platform).amount == 3
    assert [ref for ref, _ in spend_postings(platform, "us")] == [
        f"{rows.campaign_id}:3",
        f"{rows.campaign_id}:6",
    ]
    assert balance_of(platform, rows.advertiser_id) == 94


def test_a_campaign_pauses_when_its_advertisers_money_runs_out(
    platform: Platform, clock: FrozenClock
) -> None:
    owner, other = quick_members(platform, "eu", 2, "own")
    rows = _campaign(platform, owner, daily_budget=50)
    unfunded = _campaign(platform, other)  # never topped up, never spent: waits for money, not paused
    top_up(platform, rows.advertiser_id, 5, currency="USD")
    rebalance(platform)
    today = clock.now().date()
    assert slices(platform, rows.campaign_id, today) == {r: (1_666_666, 0) for r in ("au", "eu", "us")}
    assert slices(platform, unfunded.campaign_id, today) == {}
    fund(platform, rows.campaign_id, "us", day=today, allotted_micros=1_666_666, spent_micros=1_666_666)
    fund(platform, rows.campaign_id, "au", day=today, allotted_micros=1_666_666, spent_micros=1_666_666)
    fund(platform, rows.campaign_id, "eu", day=today, allotted_micros=1_666_666, spent_micros=1_600_000)

    done = bill(platform)
    assert done.amount == 3
    assert done.paused == [(rows.campaign_id, "balance")]
    assert balance_of(platform, rows.advertiser_id) == 2  # 0.93 of it spent in fractions not billed yet
    campaign = campaign_of(platform, rows.campaign_id)
    assert (campaign.status, campaign.paused_reason) == ("paused", "balance")
    assert campaign_of(platform, unfunded.campaign_id).status == "active"
    with everywhere(platform.databases).transaction() as uow:
        assert uow.directory.get_one(PublicAd, rows.ad_id).serving is False
    clock.advance(minutes=5)
    rebalance(platform)  # stopped serving: its slices keep only what they spent
    assert slices(platform, rows.campaign_id, today) == {
        "au": (1_666_666, 1_666_666),
        "eu": (1_600_000, 1_600_000),
        "us": (1_666_666, 1_666_666),
    }


def test_a_campaign_pauses_when_its_lifetime_budget_is_spent(platform: Platform, clock: FrozenClock) -> None:
    owner = quick_members(platform, "us", 1, "own")[0]
    rows = _campaign(platform, owner, lifetime_budget=3, regions="us")
    top_up(platform, rows.advertiser_id, 100)
    rebalance(platform)
    today = clock.now().date()
    assert slices(platform, rows.campaign_id, today) == {"us": (3 * M, 0)}
    fund(platform, rows.campaign_id, "us", day=today, allotted_micros=3 * M, spent_micros=1_999_999)
    assert bill(platform).paused == []
    fund(platform, rows.campaign_id, "us", day=today, allotted_micros=3 * M, spent_micros=2_999_999)
    done = bill(platform)
    assert done.paused == [(rows.campaign_id, "budget")]
    assert balance_of(platform, rows.advertiser_id) == 98


def test_statements_show_each_day_of_the_balance_to_its_owner(
    client: TestClient, platform: Platform, clock: FrozenClock, sign_up: Any
) -> None:
    owner: Member = sign_up("owner", "US")
    stranger: Member = sign_up("stranger", "US")
    first = _campaign(platform, owner, name="Spring")
    second = a_campaign(platform, first.advertiser_id, video_id=first.video_id, name="Summer")
    clock.current = datetime(2026, 6, 1, 9, 0, tzinfo=UTC)
    top_up(platform, first.advertiser_id, 50)
    clock.current = datetime(2026, 6, 2, 10, 0, tzinfo=UTC)
    day2 = clock.now().date()
    fund(platform, first.campaign_id, "us", day=day2, allotted_micros=9 * M, spent_micros=3 * M)
    fund(platform, second.campaign_id, "eu", day=day2, allotted_micros=9 * M, spent_micros=1_200_000)
    bill(platform)
    clock.current = datetime(2026, 6, 4, 8, 0, tzinfo=UTC)
    top_up(platform, first.advertiser_id, 20)
    fund(platform, second.campaign_id, "eu", day=day2, allotted_micros=9 * M, spent_micros=5 * M)
    bill(platform)

    r = client.get(f"/api/v1/advertisers/{first.advertiser_id}/statements?days=3", headers=owner.auth)
    assert r.status_code == 200, r.text

    def line(day: str, opening: int, topups: int, spend: int, campaigns: list[tuple[str, str, int]]) -> Any:
        return {
            "day": day,
            "opening": opening,
            "topups": topups,
            "spend": spend,
            "closing": opening + topups - spend,
            "currency": "USD",
            "campaigns": [{"campaign_id": c, "name": n, "spend": s} for c, n, s in campaigns],
        }

    assert r.json() == [
        line("2026-06-02", 50, 0, 4, [(first.campaign_id, "Spring", 3), (second.campaign_id, "Summer", 1)]),
        line("2026-06-03", 46, 0, 0, []),
        line("2026-06-04", 46, 20, 4, [(second.campaign_id, "Summer", 4)]),
    ]
    assert balance_of(platform, first.advertiser_id) == 62
    hidden = client.get(f"/api/v1/advertisers/{first.advertiser_id}/statements", headers=stranger.auth)
    assert hidden.status_code == 404 and hidden.json()["code"] == "not_found"
    too_many = client.get(f"/api/v1/advertisers/{first.advertiser_id}/statements?days=0", headers=owner.auth)
    assert too_many.status_code == 422


def test_the_money_jobs_are_periodic(platform: Platform) -> None:
    due = platform.jobs.periodic_due(datetime(2026, 6, 1, 0, 0, tzinfo=UTC))
    assert {
        "rebalance_ad_budgets",
        "bill_ad_spend",
        "attribute_ad_conversions",
        "attribute_ad_conversions_daily",
    } <= set(due)
    at_five = set(platform.jobs.periodic_due(datetime(2026, 6, 1, 0, 5, tzinfo=UTC)))
    assert {"rebalance_ad_budgets", "attribute_ad_conversions"} <= at_five
    assert "bill_ad_spend" not in at_five
