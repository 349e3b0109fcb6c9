"""The rebalancing job: each campaign's day capped by its budgets and its advertiser's money, split over the
regions it may serve in by their demand, lowered before it is raised, never below what a slice spent; days
gone closed at their spend; the next day sized before midnight; pacing through the day."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from factory import a_campaign, an_advertiser, fund, slices, top_up
from sqlalchemy import select, text

from clipshop.ads import budgets, rebalancing
from clipshop.ads.models import MICROS, AdBilling, Campaign, CampaignStatus
from clipshop.ads.projection import project_campaign
from clipshop.ads.rebalancing import CampaignDay, allot, rebalance, split
from clipshop.kit.everywhere import everywhere
from clipshop.platform import Platform
from doubles import FrozenClock
from support import a_public_video, audit_of, quick_members

M = MICROS


# -- the arithmetic ---------------------------------------------------------------------------------------


def test_split_spreads_a_tenth_evenly_and_the_rest_by_demand() -> None:
    assert split(1000, ["au", "eu", "us"], {"us": 300}) == {"au": 33, "eu": 33, "us": 933}
    assert split(1000, ["au", "eu", "us"], {}) == {"au": 333, "eu": 333, "us": 333}
    assert split(1000, ["eu", "us"], {"us": 1, "eu": 3}) == {"eu": 725, "us": 275}
    assert split(0, ["us"], {"us": 5}) == {}


def test_allot_keeps_what_was_spent_and_shares_the_rest_of_the_money_by_what_each_campaign_can_use() -> None:
    a = CampaignDay("c1", "adv", want=600, regions=("us",), spent={"us": 100}, demand={"us": 100})
    b = CampaignDay("c2", "adv", want=1000, regions=("eu", "us"), spent={"eu": 50}, demand={})
    stopped = CampaignDay("c3", "adv", want=0, regions=(), spent={"au": 70}, demand={"au": 70})
    plan = allot([a, b, stopped], money=1020)
    # 220 already spent; 800 left for wants of 500 and 950: 800*500//1450 = 275, 800*950//1450 = 524
    assert plan.caps == {"c1": 375, "c2": 574, "c3": 70}
    assert plan.targets == {"c1": {"us": 375}, "c2": {"eu": 312, "us": 262}, "c3": {"au": 70}}
    assert sum(plan.caps.values()) <= 1020
    roomy = allot([a, b], money=10_000)
    assert roomy.caps == {"c1": 600, "c2": 1000}


def test_allot_never_takes_back_what_was_spent_beyond_the_money() -> None:
    a = CampaignDay("c1", "adv", want=1000, regions=("us",), spent={"us": 400}, demand={})
    assert allot([a], money=300).targets == {"c1": {"us": 400}}


# -- the job ----------------------------------------------------------------------------------------------


def _setup(platform: Platform, **campaign: object) -> tuple[str, str]:
    owner, creator = quick_members(platform, "us", 2, "adv")
    video_id = a_public_video(platform, creator, "#linen")
    advertiser_id = an_advertiser(platform, owner)
    rows = a_campaign(platform, advertiser_id, video_id=video_id, **campaign)  # type: ignore[arg-type]
    return advertiser_id, rows.campaign_id


def test_a_new_campaign_gets_its_daily_budget_split_evenly_over_every_region(platform: Platform) -> None:
    advertiser_id, campaign_id = _setup(platform, daily_budget=10)
    top_up(platform, advertiser_id, 1000)
    done = rebalance(platform)
    today = platform.clock.now().date()
    assert done.caps == {(campaign_id, today): 10 * M}
    assert slices(platform, campaign_id, today) == {
        "au": (3_333_333, 0),
        "eu": (3_333_333, 0),
        "us": (3_333_333, 0),
    }


def test_the_cap_is_what_is_left_of_the_lifetime_budget(platform: Platform, clock: FrozenClock) -> None:
    advertiser_id, campaign_id = _setup(platform, daily_budget=10, lifetime_budget=25, regions="us")
    top_up(platform, advertiser_id, 1000)
    today = clock.now().date()
    fund(
        platform,
        campaign_id,
        "us",
        day=today - timedelta(days=2),
        allotted_micros=12 * M,
        spent_micros=12 * M,
    )
    fund(
        platform, campaign_id, "eu", day=today - timedelta(days=1), allotted_micros=9 * M, spent_micros=8 * M
    )
    with everywhere(platform.databases).transaction() as uow:  # a day older than the live window: billed
        uow.region("us").add(
            AdBilling(
                campaign_id=campaign_id,
                region="au",
                day=today - timedelta(days=30),
                spent_micros=1 * M + 500,
                billed=1,
                updated_at=clock.now(),
            )
        )
    done = rebalance(platform)
    # 25 - (12 + 8 + 1.0005): yesterday's slice is closed at its spend first
    assert done.caps == {(campaign_id, today): 25 * M - 21 * M - 500}
    assert slices(platform, campaign_id, today) == {"us": (4 * M - 500, 0)}
    assert slices(platform, campaign_id, today - timedelta(days=1)) == {"eu": (8 * M, 8 * M)}


def test_the_cap_is_the_balance_less_the_spend_not_yet_billed(platform: Platform, clock: FrozenClock) -> None:
    advertiser_id, campaign_id = _setup(platform, daily_budget=10, regions="eu us")
    top_up(platform, advertiser_id, 7)
    yesterday = clock.now().date() - timedelta(days=1)
    fund(platform, campaign_id, "us", day=yesterday, allotted_micros=3 * M, spent_micros=3 * M)
    done = rebalance(platform)
    assert done.caps == {(campaign_id, clock.now().date()): 4 * M}
    # yesterday's spend in us is today's demand there
    assert slices(platform, campaign_id, clock.now().date()) == {"eu": (200_000, 0), "us": (3_800_000, 0)}


def test_campaigns_of_one_advertiser_share_its_money(platform: Platform) -> None:
    owner, creator = quick_members(platform, "eu", 2, "adv")
    video_id = a_public_video(platform, creator, "#linen")
    advertiser_id = an_advertiser(platform, owner, currency="EUR")
    first = a_campaign(platform, advertiser_id, video_id=video_id, daily_budget=6, regions="eu")
    second = a_campaign(platform, advertiser_id, video_id=video_id, daily_budget=2, regions="au")
    top_up(platform, advertiser_id, 4, currency="EUR")
    today = platform.clock.now().date()
    done = rebalance(platform)
    assert done.caps == {(first.campaign_id, today): 3 * M, (second.campaign_id, today): 1 * M}
    assert slices(platform, first.campaign_id, today) == {"eu": (3 * M, 0)}
    assert slices(platform, second.campaign_id, today) == {"au": (1 * M, 0)}


def test_unused_allotment_moves_to_the_region_with_demand(platform: Platform, clock: FrozenClock) -> None:
    advertiser_id, campaign_id = _setup(platform, daily_budget=9)
    top_up(platform, advertiser_id, 1000)
    today = clock.now().date()
    rebalance(platform)
    assert slices(platform, campaign_id, today) == {r: (3 * M, 0) for r in ("au", "eu", "us")}
    with everywhere(platform.databases).transaction() as uow:  # eu viewers see the ads; nobody elsewhere
        for _ in range(3):
            assert budgets.spend(
                uow, region="eu", campaign_id=campaign_id, day=today, price_micros=M, now=clock.now()
            )
    clock.advance(minutes=5)
    done = rebalance(platform)
    # 6 left: eu gets 6*(1/30 + 9/10) = 5.6, au and us 0.2 each
    assert slices(platform, campaign_id, today) == {
        "au": (200_000, 0),
        "eu": (8_600_000, 3 * M),
        "us": (200_000, 0),
    }
    assert (done.lowered, done.raised) == (2, 1)
    assert sum(allotted for allotted, _ in slices(platform, campaign_id, today).values()) == 9 * M


def test_a_slice_is_never_lowered_below_its_spend_and_a_stopped_campaign_keeps_only_that(
    platform: Platform, clock: FrozenClock
) -> None:
    advertiser_id, campaign_id = _setup(platform, daily_budget=9)
    top_up(platform, advertiser_id, 1000)
    today = clock.now().date()
    fund(platform, campaign_id, "au", day=today, allotted_micros=3 * M, spent_micros=2 * M)
    fund(platform, campaign_id, "us", day=today, allotted_micros=3 * M, spent_micros=1)
    with everywhere(platform.databases).transaction() as uow:
        campaign = uow.region("us").get_one(Campaign, campaign_id)
        campaign.status, campaign.paused_reason = CampaignStatus.PAUSED, "advertiser"
        uow.region("us").flush()
        project_campaign(uow, campaign_id=campaign_id, now=clock.now())
    done = rebalance(platform)
    assert done.caps == {(campaign_id, today): 2 * M + 1}
    assert slices(platform, campaign_id, today) == {"au": (2 * M, 2 * M), "us": (1, 1)}


def test_a_budget_lowered_below_todays_spend_leaves_the_day_at_its_spend(
    platform: Platform, clock: FrozenClock
) -> None:
    advertiser_id, campaign_id = _setup(platform, daily_budget=9, regions="au us")
    top_up(platform, advertiser_id, 1000)
    today = clock.now().date()
    fund(platform, campaign_id, "au", day=today, allotted_micros=5 * M, spent_micros=4 * M)
    fund(platform, campaign_id, "us", day=today, allotted_micros=4 * M, spent_micros=1 * M)
    with everywhere(platform.databases).transaction() as uow:
        uow.region("us").get_one(Campaign, campaign_id).daily_budget = 3
    rebalance(platform)
    assert slices(platform, campaign_id, today) == {"au": (4 * M, 4 * M), "us": (1 * M, 1 * M)}


def test_days_gone_are_closed_at_their_spend(platform: Platform, clock: FrozenClock) -> None:
    advertiser_id, campaign_id = _setup(platform, daily_budget=9, regions="us")
    top_up(platform, advertiser_id, 1000)
    yesterday = clock.now().date() - timedelta(days=1)
    fund(platform, campaign_id, "eu", day=yesterday, allotted_micros=5 * M, spent_micros=2 * M)
    done = rebalance(platform)
    assert done.closed == 1
    assert slices(platform, campaign_id, yesterday) == {"eu": (2 * M, 2 * M)}
    with everywhere(platform.databases).transaction() as uow:
        late = budgets.spend(
            uow, region="eu", campaign_id=campaign_id, day=yesterday, price_micros=1, now=clock.now()
        )
    assert late is False


def test_near_midnight_the_next_day_is_sized_counting_todays_whole_allotment(
    platform: Platform, clock: FrozenClock
) -> None:
    advertiser_id, campaign_id = _setup(platform, daily_budget=6, regions="us")
    top_up(platform, advertiser_id, 8)
    today, tomorrow = clock.now().date(), clock.now().date() + timedelta(days=1)
    rebalance(platform)
    assert slices(platform, campaign_id, tomorrow) == {}
    clock.current = datetime.combine(today, datetime.min.time(), UTC) + timedelta(hours=23, minutes=55)
    done = rebalance(platform)
    assert done.caps == {(campaign_id, today): 6 * M, (campaign_id, tomorrow): 2 * M}
    assert slices(platform, campaign_id, tomorrow) == {"us": (2 * M, 0)}
    clock.advance(minutes=3)
    with everywhere(platform.databases).transaction() as uow:
        assert budgets.spend(
            uow, region="us", campaign_id=campaign_id, day=today, price_micros=M, now=clock.now()
        )
    # after midnight, what today's slice did not spend is free again
    clock.advance(minutes=7)
    rebalance(platform)
    assert slices(platform, campaign_id, today) == {"us": (M, M)}
    assert slices(platform, campaign_id, tomorrow) == {"us": (6 * M, 0)}


def test_other_regions_slices_are_reached_through_the_gateway_and_audited(platform: Platform) -> None:
    advertiser_id, _ = _setup(platform, daily_budget=9)
    top_up(platform, advertiser_id, 1000)
    rebalance(platform)
    for region in ("eu", "au"):
        entries = [e for e in audit_of(platform, region) if e.data_class == "ad_delivery"]
        assert entries, region
        assert {(e.actor_id, e.role, e.jurisdiction, e.purpose, e.result) for e in entries} == {
            ("service:jobs", "service", "us", "advertising", "allowed")
        }
    assert not [e for e in audit_of(platform, "us") if e.data_class == "ad_delivery"]


def test_a_run_with_no_ads_anywhere_touches_nothing(platform: Platform) -> None:
    done = rebalance(platform)
    assert (done.campaigns, done.lowered, done.raised) == (0, 0, 0)
    assert not [e for r in ("us", "eu", "au") for e in audit_of(platform, r) if e.data_class == "ad_delivery"]


# -- pacing -----------------------------------------------------------------------------------------------


def test_a_slice_cannot_spend_its_day_in_the_first_hour(platform: Platform, clock: FrozenClock) -> None:
    advertiser_id, campaign_id = _setup(platform, daily_budget=24, regions="us")
    top_up(platform, advertiser_id, 1000)
    clock.current = datetime(2026, 6, 2, 0, 0, tzinfo=UTC)
    rebalance(platform)
    day, price = clock.now().date(), 10_000
    charged = 0
    for minute in range(60):  # serving asks the pace before every auction, then the event is charged
        clock.current = datetime(2026, 6, 2, 0, minute, tzinfo=UTC)
        while True:
            with everywhere(platform.databases).transaction() as uow:
                state = budgets.slices_of(uow, region="us", day=day)[campaign_id]
                if not state.may_spend(price, clock.now()):
                    break
                assert budgets.spend(
                    uow, region="us", campaign_id=campaign_id, day=day, price_micros=price, now=clock.now()
                )
                charged += price
    # by 00:59 at most (59 min + the hour ahead) / 24 h of the day's 24 units: 1.98 of them
    assert charged == 1_980_000
    assert charged <= 24 * M * (59 * 60 + 3600) // 86_400
    assert slices(platform, campaign_id, day)["us"] == (24 * M, charged)
    with everywhere(platform.databases).transaction() as uow:
        assert uow.region("us").scalars(select(AdBilling)).all() == []


def test_a_run_while_another_is_going_leaves_it_alone(platform: Platform) -> None:
    advertiser_id, campaign_id = _setup(platform, daily_budget=9)
    top_up(platform, advertiser_id, 1000)
    engine = platform.databases.directory_engine
    if engine.dialect.name == "sqlite":
        held = rebalancing._LOCAL_RUN
        assert held.acquire(blocking=False)
        try:
            assert rebalance(platform).skipped
        finally:
            held.release()
    else:
        with engine.connect() as other_process:
            other_process.execute(text("SELECT pg_advisory_lock(:key)"), {"key": rebalancing.RUN_LOCK})
            assert rebalance(platform).skipped
            other_process.execute(text("SELECT pg_advisory_unlock(:key)"), {"key": rebalancing.RUN_LOCK})
            other_process.commit()
    assert slices(platform, campaign_id, platform.clock.now().date()) == {}
    assert not rebalance(platform).skipped
    assert len(slices(platform, campaign_id, platform.clock.now().date())) == 3
