"""Budgets across processes and regions: the job that sizes each region's slice of each campaign's day.

Why slices. A campaign serves in several regions at once, from any number of app processes in each. Asking
the advertiser's region before charging every impression would put a cross-region round trip (and that
region's availability) on every event. Instead each region holds its own share of the campaign's day
(`AdBudgetSlice`), and a charge there is one conditional UPDATE on that region's row (`budgets.spend`:
`spent + price <= allotted`), which no number of concurrent spenders can pass. This job, run every few
minutes (once per deployment, `ads_rebalance_minutes`), moves allotment between the slices.

The cap. For each campaign serving (its ads in the directory's `public_ads`; its truth, the campaign row, in
the advertiser's region) the slices of a day may hold together at most

    min(daily budget, lifetime budget - spend before the day, its share of the advertiser's money)

where the advertiser's money is what was paid in (the ledger's credits to `advertiser:<id>:balance` other
than spend) less every micro spent before the day, billed or not yet: the balance less the spend not yet
billed. Several campaigns of one advertiser share the money: each first keeps what its slices spent
today, and the rest goes to them in proportion to what each could still use. A campaign that is not
serving (paused, stopped, ended, not approved) gets 0: its slices are lowered to what they spent.

The split. Within its cap a campaign's slices keep what they spent, and what is left is divided among the
regions it may serve in (its ad groups' target regions, or every configured region) in proportion to the
recent demand there (the slice's spend today and yesterday), except a tenth spread evenly, so a region with
no spend yet can start and show its demand at the next run.

Never more than the cap, even while spends go on. Each run lowers first: a conditional UPDATE per slice,
`allotted = max(target, spent)` where `allotted` is still what the run read (a spend racing it is kept,
never undone), committed region by region. Only then does it raise the slices that should grow, by no more
than the cap less what the slices hold after the lowering (what was actually freed), again conditionally.
So the sum of a campaign's slices is at every moment at most the larger of its old and new cap, and an
advertiser's slices at most its money. Runs do not overlap: the periodic job runs once per period for the
deployment, and on PostgreSQL a run that finds another one going (an advisory lock) leaves it alone.

The bound on overspend. Every charge fits its slice or is refused (the event is kept as invalid "budget"
and delivered for free), so the spend of a day never passes the slices' sum, which never passes the cap:
the overspend is zero, within the issue's bound of one auction's price. A day's slices are shrunk to what
they spent once the day is over (`budgets.close_days_before`), so late charges cannot reopen it. A budget
lowered below what was already spent today leaves the day at what was spent, and nothing more is charged.

Pacing: see `budgets.SliceState.paced_allowance` (serving asks it before an auction). Near midnight the job
also sizes the next day's slices, counting today's whole allotment as spent, so ads do not stop at 00:00
while they wait for the first run of the new day.
"""

from __future__ import annotations

import logging
import threading
from collections import defaultdict
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

from sqlalchemy import func, or_, select, text
from sqlalchemy.orm import Session

from clipshop.ads import balances, budgets
from clipshop.ads.models import MICROS, AdBilling, AdBudgetSlice, Campaign, CampaignStatus, PublicAd
from clipshop.kit.db import is_sqlite
from clipshop.platform import Platform

log = logging.getLogger(__name__)

# Tenths of what a campaign is given that are spread evenly over its regions, whatever their demand.
FLOOR_TENTHS = 1
# The PostgreSQL advisory lock of a rebalancing run ("adbudget" as a number).
RUN_LOCK = 0x61646275646765
_LOCAL_RUN = threading.Lock()


@dataclass(frozen=True)
class CampaignDay:
    """What the rebalancer knows of one campaign for the day it allots (amounts in micros)."""

    campaign_id: str
    advertiser_id: str
    want: int  # the most the day's slices may hold together by its budgets; 0 when it is not serving
    regions: tuple[str, ...]  # where it may serve
    spent: Mapping[str, int]  # the day's spend so far, by region
    demand: Mapping[str, int]  # recent spend, by region


@dataclass(frozen=True)
class Allotment:
    """Each campaign's cap for the day and the allotment each of its regions should hold."""

    caps: dict[str, int]
    targets: dict[str, dict[str, int]]


def allot(campaigns: Sequence[CampaignDay], *, money: int) -> Allotment:
    """Divide one advertiser's `money` (micros it may still spend on the day) among its campaigns and their
    regions. Every slice keeps at least what it spent; the caps never sum to more than `money` plus what was
    already spent beyond it (nothing can be taken back)."""
    spent = {c.campaign_id: sum(c.spent.values()) for c in campaigns}
    spare = max(money - sum(spent.values()), 0)
    wants = {c.campaign_id: max(c.want - spent[c.campaign_id], 0) if c.regions else 0 for c in campaigns}
    wanted = sum(wants.values())
    given = wants if wanted <= spare else {cid: spare * w // wanted for cid, w in wants.items()}
    caps: dict[str, int] = {}
    targets: dict[str, dict[str, int]] = {}
    for c in campaigns:
        parts = split(given[c.campaign_id], c.regions, c.demand)
        regions = set(c.regions) | set(c.spent)
        targets[c.campaign_id] = {r: c.spent.get(r, 0) + parts.get(r, 0) for r in sorted(regions)}
        caps[c.campaign_id] = spent[c.campaign_id] + given[c.campaign_id]
    return Allotment(caps, targets)


def split(amount: int, regions: Sequence[str], demand: Mapping[str, int]) -> dict[str, int]:
    """`amount` over `regions`: a tenth evenly, the rest in proportion to `demand` (all of it evenly when
    there is no demand yet). Rounded down: the parts never sum to more than `amount`."""
    if not regions or amount <= 0:
        return {}
    n = len(regions)
    total = sum(max(demand.get(r, 0), 0) for r in regions)
    if total == 0:
        return {r: amount // n for r in regions}
    # share_r = FLOOR/n + (1 - FLOOR) * demand_r / total, in integers over one denominator
    denominator = 10 * n * total
    return {
        r: amount * (FLOOR_TENTHS * total + (10 - FLOOR_TENTHS) * n * max(demand.get(r, 0), 0)) // denominator
        for r in regions
    }


@dataclass
class Rebalanced:
    """What one run did."""

    skipped: bool = False
    closed: int = 0  # slices of past days shrunk to their spend
    campaigns: int = 0  # campaign-days sized
    lowered: int = 0
    raised: int = 0
    caps: dict[tuple[str, date], int] = field(default_factory=dict)


def rebalance(platform: Platform, *, now: datetime | None = None) -> Rebalanced:
    """Size every serving campaign's slices for today (and tomorrow's too, near midnight) in every region,
    and close the slices of days gone. Safe to call at any time; a call while another run is going does
    nothing and says so (`skipped`)."""
    now = now or platform.clock.now()
    today = now.date()
    done = Rebalanced()
    with _alone(platform) as alone:
        if not alone:
            return Rebalanced(skipped=True)
        regions = platform.databases.regions
        for region in regions:
            with platform.uow(home=region).transaction() as uow:
                done.closed += budgets.close_days_before(uow.region(region), day=today, now=now)
        serving = serving_campaigns(platform, regions=regions)
        days = [today]
        ahead = timedelta(minutes=2 * max(platform.settings.ads_rebalance_minutes, 5))
        if datetime.combine(today + timedelta(days=1), time(), now.tzinfo) - now <= ahead:
            days.append(today + timedelta(days=1))
        for home in regions:
            if not _has_ads(platform, home=home, now=now):
                continue
            for day in days:
                _rebalance_home(
                    platform, home=home, day=day, today=today, serving=serving, now=now, done=done
                )
    return done


def run_rebalance(platform: Platform) -> None:
    """The periodic job's work."""
    done = rebalance(platform)
    log.info(
        "ad budgets rebalanced: %d campaign-days, %d slices lowered, %d raised, %d closed%s",
        done.campaigns,
        done.lowered,
        done.raised,
        done.closed,
        " (skipped: another run)" if done.skipped else "",
    )


@dataclass(frozen=True)
class Serving:
    """A campaign with an ad that may serve, as the directory has it."""

    campaign_id: str
    regions: tuple[str, ...]


def serving_campaigns(platform: Platform, *, regions: Sequence[str]) -> dict[str, Serving]:
    """Every campaign with an ad serving, by id, with the regions its ads may serve in."""
    where: dict[str, set[str]] = defaultdict(set)
    with platform.uow().transaction() as uow:
        rows = uow.directory.execute(
            select(PublicAd.campaign_id, PublicAd.target_regions).where(PublicAd.serving.is_(True))
        )
        for campaign_id, targets in rows:
            named = set(targets.split()) if targets.strip() else set(regions)
            where[campaign_id] |= named & set(regions)
    return {cid: Serving(cid, tuple(sorted(rs))) for cid, rs in where.items()}


def _has_ads(platform: Platform, *, home: str, now: datetime) -> bool:
    """Whether the advertisers of `home` have an ad serving, or one that stopped lately (whose slices may
    still need lowering)."""
    with platform.uow().transaction() as uow:
        found = uow.directory.scalar(
            select(PublicAd.ad_id)
            .where(
                PublicAd.region == home,
                or_(PublicAd.serving.is_(True), PublicAd.updated_at >= now - timedelta(days=2)),
            )
            .limit(1)
        )
    return found is not None


def spend_before(db: Session, *, campaign_ids: Sequence[str], before: date) -> dict[str, int]:
    """Micros each campaign spent on days before `before`, as billing last saw them (billing's record in the
    advertiser's region, for the days no longer read live)."""
    if not campaign_ids:
        return {}
    rows = db.execute(
        select(AdBilling.campaign_id, func.sum(AdBilling.spent_micros))
        .where(AdBilling.campaign_id.in_(campaign_ids), AdBilling.day < before)
        .group_by(AdBilling.campaign_id)
    )
    return {cid: int(total or 0) for cid, total in rows}


def _rebalance_home(
    platform: Platform,
    *,
    home: str,
    day: date,
    today: date,
    serving: Mapping[str, Serving],
    now: datetime,
    done: Rebalanced,
) -> None:
    """Size the slices of `day` of every campaign of the advertisers of `home`."""
    since = today - timedelta(days=budgets.LIVE_DAYS)
    with platform.uow(home=home).transaction() as uow:
        db = uow.region(home)
        sessions = budgets.slice_sessions(
            uow, home=home, write=True, reason=f"sizing ad budget slices of {day}"
        )
        seen = {r: budgets.slices_since(s, campaign_region=home, since=since) for r, s in sessions.items()}
        # Allotments may still be spent on `day` and after; before it, a past day's allotment is its spend
        # (closed), and today's counts whole when sizing tomorrow.
        held: dict[str, dict[str, int]] = defaultdict(dict)
        spent_on: dict[str, dict[str, int]] = defaultdict(dict)
        demand: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
        committed_live: dict[str, int] = defaultdict(int)
        for region, rows in seen.items():
            for s in rows:
                if s.day == day:
                    held[s.campaign_id][region] = s.allotted_micros
                    spent_on[s.campaign_id][region] = s.spent_micros
                if s.day < day:
                    committed_live[s.campaign_id] += s.allotted_micros
                if day - timedelta(days=1) <= s.day <= day:
                    demand[s.campaign_id][region] += s.spent_micros
        ids = sorted({cid for cid in serving if cid.startswith(f"{home}_")} | set(held))
        if not ids:
            return
        touched = list(db.scalars(select(Campaign).where(Campaign.id.in_(ids))))
        advertisers = sorted({c.advertiser_id for c in touched})
        every = list(db.scalars(select(Campaign).where(Campaign.advertiser_id.in_(advertisers))))
        older = spend_before(db, campaign_ids=[c.id for c in every], before=since)
        before = {c.id: committed_live.get(c.id, 0) + older.get(c.id, 0) for c in every}
        currency = {c.advertiser_id: c.currency for c in every}
        credits = {a: balances.paid_in(db, advertiser_id=a, currency=currency[a]) for a in advertisers}
        day_end = datetime.combine(day + timedelta(days=1), time(), now.tzinfo)
        by_advertiser: dict[str, list[CampaignDay]] = defaultdict(list)
        for c in touched:
            live = c.id in serving and c.status == CampaignStatus.ACTIVE and c.starts_at < day_end
            live = live and (c.ends_at is None or c.ends_at > max(now, day_end - timedelta(days=1)))
            want = c.daily_budget * MICROS
            if c.lifetime_budget is not None:
                want = min(want, c.lifetime_budget * MICROS - before[c.id])
            by_advertiser[c.advertiser_id].append(
                CampaignDay(
                    campaign_id=c.id,
                    advertiser_id=c.advertiser_id,
                    want=max(want, 0) if live else 0,
                    regions=serving[c.id].regions if live else (),
                    spent=dict(spent_on.get(c.id, {})),
                    demand=dict(demand.get(c.id, {})),
                )
            )
        plans = {}
        for advertiser_id, campaigns in by_advertiser.items():
            gone_before = sum(before[c.id] for c in every if c.advertiser_id == advertiser_id)
            money = credits[advertiser_id] * MICROS - gone_before
            plans[advertiser_id] = (money, allot(campaigns, money=money))
            for campaign_id, cap in plans[advertiser_id][1].caps.items():
                done.caps[(campaign_id, day)] = cap
            done.campaigns += len(campaigns)

        # Lower first, and commit the lowering region by region before anything is raised.
        actual: dict[str, dict[str, int]] = defaultdict(dict)
        lowered_in: set[str] = set()
        for _, allotment in plans.values():
            for campaign_id, targets in allotment.targets.items():
                for region, target in targets.items():
                    was = held.get(campaign_id, {}).get(region, 0)
                    actual[campaign_id][region] = was
                    if target >= was:
                        continue
                    now_holds = budgets.lower(
                        sessions[region],
                        campaign_id=campaign_id,
                        day=day,
                        expected=was,
                        target=target,
                        now=now,
                    )
                    if now_holds is None:  # changed under this run: take what it holds now, and leave it
                        now_holds = _allotted(sessions[region], campaign_id=campaign_id, day=day)
                    actual[campaign_id][region] = now_holds
                    lowered_in.add(region)
                    done.lowered += 1
        for region in sorted(lowered_in):
            uow.commit_region(region)

        # Then raise, by no more than what the caps and the money leave over what the slices now hold.
        for money, allotment in plans.values():
            money_left = money - sum(sum(actual[cid].values()) for cid in allotment.targets)
            for campaign_id, targets in allotment.targets.items():
                cap_left = allotment.caps[campaign_id] - sum(actual[campaign_id].values())
                for region, target in targets.items():
                    grow_by = min(target - actual[campaign_id][region], cap_left, money_left)
                    if grow_by <= 0:
                        continue
                    grown = budgets.grow(
                        sessions[region],
                        campaign_id=campaign_id,
                        day=day,
                        expected=actual[campaign_id][region],
                        by=grow_by,
                        now=now,
                    )
                    if grown:
                        cap_left -= grow_by
                        money_left -= grow_by
                        done.raised += 1


def _allotted(session: Session, *, campaign_id: str, day: date) -> int:
    held = session.scalar(
        select(AdBudgetSlice.allotted_micros).where(
            AdBudgetSlice.campaign_id == campaign_id, AdBudgetSlice.day == day
        )
    )
    return int(held or 0)


@contextmanager
def _alone(platform: Platform) -> Iterator[bool]:
    """Whether this run is the only one going: on PostgreSQL by an advisory lock on the directory (any
    process), on SQLite within the process (across processes the periodic job's claim keeps runs apart)."""
    engine = platform.databases.directory_engine
    if is_sqlite(engine):
        alone = _LOCAL_RUN.acquire(blocking=False)
        try:
            yield alone
        finally:
            if alone:
                _LOCAL_RUN.release()
        return
    with engine.connect() as conn:
        alone = bool(conn.execute(text("SELECT pg_try_advisory_lock(:key)"), {"key": RUN_LOCK}).scalar())
        conn.commit()
        try:
            yield alone
        finally:
            if alone:
                conn.execute(text("SELECT pg_advisory_unlock(:key)"), {"key": RUN_LOCK})
                conn.commit()
