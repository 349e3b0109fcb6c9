"""Billing: what the slices spent becomes ledger transactions in the advertiser's region, campaigns whose
money or lifetime budget ran out pause by themselves, and advertisers read daily statements.

A run (the periodic job, every `ads_billing_minutes`) reads, for each advertiser region, what every
region's slices of its campaigns spent per day (through the residency gateway: amounts only), and keeps it
in `AdBilling` (campaign, serving region, day) beside the campaign. For each campaign it posts one ledger
transaction (kind `ad_spend`: `advertiser:<id>:balance` +x, `revenue:ads` -x) of the whole minor units
spent and not yet billed, over all its regions and days: batched per campaign and run, never per event.
The fraction of a minor unit left of each (campaign, region, day) waits for more spend, so after a run
`billed = spent // 1e6` there: billed <= spent < billed + 1 minor unit. The transaction's reference is
`<campaign>:<campaign's billed total after it>`, so a rerun, or a run racing another, books nothing twice
(the ledger refuses a second `ad_spend` with that reference and the racing run's campaign rolls back).

Pausing: after billing, an active campaign pauses with reason "budget" when its lifetime budget has less
than one minor unit left, and with reason "balance" when its advertiser, who has spent before, has less than
one minor unit of money left once the spend not yet billed counts (top-ups - billed - unbilled spend; the
balance itself may show the few fractions of units not billed yet). The pause is projected to the directory
at once, so the campaign stops serving; the rebalancing job already gave it no more than the money left, so
it could not overspend meanwhile. Resuming is the advertiser's, once topped up.

Statements: one line per day (UTC) of the advertiser's balance as the ledger has it: opening, paid in
(top-ups), spend billed that day (by campaign, from the references), closing. A day's line holds what was
posted that day; spend served just before midnight may be billed on the next day's line.
"""

from __future__ import annotations

import logging
from collections import defaultdict
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

from sqlalchemy import func, select

from clipshop.ads import balances, budgets
from clipshop.ads.models import MICROS, AdBilling, Advertiser, Campaign, CampaignStatus, PauseReason
from clipshop.ads.projection import project_campaign
from clipshop.errors import NotFound
from clipshop.kit.actors import Actor
from clipshop.kit.db import UnitOfWork
from clipshop.kit.ids import region_of
from clipshop.platform import Platform
from clipshop.shop.public import ledger_balance, ledger_movements, post_to_ledger

log = logging.getLogger(__name__)


class AlreadyBilled(RuntimeError):
    """Another run billed this campaign meanwhile: this run's work on it is rolled back."""


@dataclass
class Billed:
    """What one run did."""

    campaigns: int = 0  # campaigns billed something
    amount: int = 0  # minor units posted, in all currencies
    paused: list[tuple[str, str]] = field(default_factory=list)  # (campaign, reason)


def bill(platform: Platform, *, now: datetime | None = None) -> Billed:
    """Bill every campaign's unbilled spend and pause those out of money or budget, region by region."""
    now = now or platform.clock.now()
    since = now.date() - timedelta(days=budgets.LIVE_DAYS)
    done = Billed()
    for home in platform.databases.regions:
        with platform.uow(home=home).transaction() as uow:
            if uow.region(home).scalar(select(Campaign.id).limit(1)) is None:
                continue
            spent = spend_of_campaigns(uow, home=home, since=since)
        for campaign_id in sorted(spent):
            try:
                with platform.uow(home=home).transaction() as uow:
                    amount = bill_campaign(uow, campaign_id=campaign_id, spent=spent[campaign_id], now=now)
            except AlreadyBilled:
                log.info("campaign %s was billed by another run meanwhile", campaign_id)
                continue
            if amount:
                done.campaigns += 1
                done.amount += amount
        with platform.uow(home=home).transaction() as uow:
            done.paused += pause_exhausted(uow, region=home, now=now)
    return done


def run_billing(platform: Platform) -> None:
    """The periodic job's work."""
    done = bill(platform)
    log.info(
        "ad spend billed: %d campaigns, %d minor units; paused %s", done.campaigns, done.amount, done.paused
    )


def spend_of_campaigns(uow: UnitOfWork, *, home: str, since: date) -> dict[str, dict[tuple[str, date], int]]:
    """What every region's slices of `home`'s campaigns spent per day from `since` on, by campaign, as
    {(region, day): micros}."""
    spent: dict[str, dict[tuple[str, date], int]] = defaultdict(dict)
    sessions = budgets.slice_sessions(uow, home=home, write=False, reason="billing ad spend")
    for region, session in sessions.items():
        for s in budgets.slices_since(session, campaign_region=home, since=since):
            if s.spent_micros > 0:
                spent[s.campaign_id][(region, s.day)] = s.spent_micros
    return dict(spent)


def bill_campaign(
    uow: UnitOfWork, *, campaign_id: str, spent: Mapping[tuple[str, date], int], now: datetime
) -> int:
    """Record what the campaign's slices spent and post the whole minor units not billed yet as one ledger
    transaction; returns them. Raises AlreadyBilled when a racing run posted the same."""
    db = uow.region(region_of(campaign_id))
    campaign = db.scalars(select(Campaign).where(Campaign.id == campaign_id).with_for_update()).first()
    if campaign is None:
        return 0
    rows = {
        (b.region, b.day): b
        for b in db.scalars(select(AdBilling).where(AdBilling.campaign_id == campaign_id))
    }
    billed_before = sum(b.billed for b in rows.values())
    due = 0
    for (region, day), micros in sorted(spent.items()):
        row = rows.get((region, day))
        if row is None:
            row = AdBilling(
                campaign_id=campaign_id, region=region, day=day, spent_micros=0, billed=0, updated_at=now
            )
            db.add(row)
        micros = max(micros, row.spent_micros)  # a slice's spend only grows
        owed = micros // MICROS - row.billed
        if micros != row.spent_micros or owed > 0:
            row.spent_micros, row.updated_at = micros, now
        if owed > 0:
            row.billed += owed
            due += owed
    if due:
        posted = post_to_ledger(
            db,
            region=region_of(campaign_id),
            kind=balances.AD_SPEND,
            reference=f"{campaign_id}:{billed_before + due}",
            currency=campaign.currency,
            entries={balances.account(campaign.advertiser_id): due, balances.AD_REVENUE: -due},
            now=now,
            memo="ad spend",
        )
        if not posted:
            raise AlreadyBilled(campaign_id)
    return due


@dataclass(frozen=True)
class Standing:
    """An advertiser's money as billing sees it, in micros."""

    paid_in: int
    spent: int  # every micro its campaigns' slices spent, billed or not

    @property
    def left(self) -> int:
        return self.paid_in - self.spent


def pause_exhausted(uow: UnitOfWork, *, region: str, now: datetime) -> list[tuple[str, str]]:
    """Pause the active campaigns of `region` whose lifetime budget or advertiser's money is spent (to less
    than one minor unit), and take them out of serving; returns (campaign, reason) for each."""
    db = uow.region(region)
    active = list(db.scalars(select(Campaign).where(Campaign.status == CampaignStatus.ACTIVE)))
    if not active:
        return []
    advertisers = sorted({c.advertiser_id for c in active})
    by_campaign: dict[str, int] = {}
    by_advertiser: dict[str, int] = defaultdict(int)
    rows = db.execute(
        select(Campaign.advertiser_id, AdBilling.campaign_id, func.sum(AdBilling.spent_micros))
        .join(Campaign, Campaign.id == AdBilling.campaign_id)
        .where(Campaign.advertiser_id.in_(advertisers))
        .group_by(Campaign.advertiser_id, AdBilling.campaign_id)
    )
    for advertiser_id, campaign_id, micros in rows:
        by_campaign[campaign_id] = int(micros or 0)
        by_advertiser[advertiser_id] += int(micros or 0)
    currency = {c.advertiser_id: c.currency for c in active}
    standing = {
        a: Standing(balances.paid_in(db, advertiser_id=a, currency=currency[a]) * MICROS, by_advertiser[a])
        for a in advertisers
    }
    paused = []
    for campaign in active:
        spent = by_campaign.get(campaign.id, 0)
        money = standing[campaign.advertiser_id]
        if campaign.lifetime_budget is not None and campaign.lifetime_budget * MICROS - spent < MICROS:
            reason = PauseReason.BUDGET
        elif money.spent > 0 and money.left < MICROS:
            reason = PauseReason.BALANCE
        else:
            continue
        campaign.status, campaign.paused_reason, campaign.updated_at = CampaignStatus.PAUSED, str(reason), now
        db.flush()
        project_campaign(uow, campaign_id=campaign.id, now=now)
        paused.append((campaign.id, str(reason)))
    return paused


# -- statements ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class CampaignSpend:
    campaign_id: str
    name: str
    spend: int


@dataclass(frozen=True)
class StatementDay:
    """One day of an advertiser's balance, in minor units: opening + topups - spend = closing."""

    day: date
    opening: int
    topups: int
    spend: int
    closing: int
    currency: str
    campaigns: list[CampaignSpend]


def owned_advertiser(uow: UnitOfWork, *, actor: Actor, advertiser_id: str) -> Advertiser:
    """The actor's own advertiser account; NotFound for any other (missing and not yours answer alike)."""
    advertiser = uow.find(Advertiser, advertiser_id, region=actor.region)
    if advertiser is None or advertiser.owner_id != actor.id:
        raise NotFound("advertiser", advertiser_id)
    return advertiser


def statements(
    uow: UnitOfWork, *, actor: Actor, advertiser_id: str, days: int, now: datetime
) -> list[StatementDay]:
    """The advertiser's last `days` days (today included), oldest first; its owner only."""
    advertiser = owned_advertiser(uow, actor=actor, advertiser_id=advertiser_id)
    db = uow.region(region_of(advertiser.id))
    first = now.date() - timedelta(days=days - 1)
    start = datetime.combine(first, time(), now.tzinfo)
    account, currency = balances.account(advertiser.id), advertiser.currency
    opening = -ledger_balance(db, account, currency, before=start)
    topups: dict[date, int] = defaultdict(int)
    spend: dict[date, int] = defaultdict(int)
    per_campaign: dict[date, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    for movement in ledger_movements(db, account, currency, since=start):
        day = movement.at.date()
        if movement.kind == balances.AD_SPEND:
            spend[day] += movement.amount
            per_campaign[day][movement.reference.rsplit(":", 1)[0]] += movement.amount
        else:
            topups[day] -= movement.amount
    named = {cid for spends in per_campaign.values() for cid in spends}
    query = select(Campaign.id, Campaign.name).where(Campaign.id.in_(named))
    names = {campaign_id: name for campaign_id, name in db.execute(query)} if named else {}
    lines = []
    balance = opening
    for n in range(days):
        day = first + timedelta(days=n)
        closing = balance + topups[day] - spend[day]
        campaigns = [
            CampaignSpend(cid, names.get(cid, ""), amount)
            for cid, amount in sorted(per_campaign[day].items(), key=lambda item: (-item[1], item[0]))
        ]
        lines.append(StatementDay(day, balance, topups[day], spend[day], closing, currency, campaigns))
        balance = closing
    return lines
