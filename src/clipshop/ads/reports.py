"""Advertisers' reports: spend, impressions, reach, clicks and conversions per day, from the ad events of
every region.

What a viewer saw, clicked and bought is personal and stays in the viewer's home region (`ad_events`). The
advertiser's own region is read directly; every other region is opened through the residency gateway for
aggregate analytics and answers only totals, per day and for the period. A region other than the
advertiser's where fewer than `min_group` distinct people are behind those totals is suppressed: its
figures are withheld (null, `suppressed` true) and left out of the days and totals, which then say they
exclude suppressed groups (`excludes_suppressed`), so no subtraction can recover them.

Each viewer belongs to exactly one region, so reach (distinct viewers) over several regions is the sum of
each region's own.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta

from sqlalchemy import case, func, select
from sqlalchemy.orm import Session

from clipshop.ads.models import MICROS, AdEvent, AdEventKind, Advertiser, Campaign
from clipshop.errors import NotFound
from clipshop.kit.actors import Actor, Role
from clipshop.kit.db import UnitOfWork, utc_day
from clipshop.kit.ids import region_of
from clipshop.residency import gateway

COUNTED = (AdEventKind.IMPRESSION.value, AdEventKind.CLICK.value, AdEventKind.CONVERSION.value)


@dataclass
class Tally:
    """Counts of one region (a day's, or the period's): spend in micros, valid viewable impressions,
    distinct viewers reached, valid clicks, conversions and their value in the advertiser's currency."""

    spend_micros: int = 0
    impressions: int = 0
    reach: int = 0
    clicks: int = 0
    conversions: int = 0
    conversion_value: int = 0

    def add(self, other: Tally) -> None:
        self.spend_micros += other.spend_micros
        self.impressions += other.impressions
        self.reach += other.reach
        self.clicks += other.clicks
        self.conversions += other.conversions
        self.conversion_value += other.conversion_value


@dataclass
class RegionTally:
    """What one region answers: its totals per day and for the period, and how many distinct people are
    behind them (whoever saw, clicked or bought)."""

    region: str
    days: dict[date, Tally] = field(default_factory=dict)
    period: Tally = field(default_factory=Tally)
    people: int = 0
    suppressed: bool = False


@dataclass(frozen=True)
class Figures:
    """A report row: the counts and the rates that follow from them. Spend and cost per purchase are in
    minor units (fractions kept: one impression costs a fraction of a cent); a rate whose base is zero
    is None."""

    day: date | None
    spend: float
    impressions: int
    reach: int
    clicks: int
    conversions: int
    conversion_value: int
    ctr: float | None  # clicks per impression
    conversion_rate: float | None  # conversions per click
    cost_per_purchase: float | None  # spend per conversion
    roas: float | None  # conversion value per unit of spend

    @classmethod
    def of(cls, tally: Tally, day: date | None = None) -> Figures:
        spend = tally.spend_micros / MICROS
        return cls(
            day=day,
            spend=spend,
            impressions=tally.impressions,
            reach=tally.reach,
            clicks=tally.clicks,
            conversions=tally.conversions,
            conversion_value=tally.conversion_value,
            ctr=tally.clicks / tally.impressions if tally.impressions else None,
            conversion_rate=tally.conversions / tally.clicks if tally.clicks else None,
            cost_per_purchase=spend / tally.conversions if tally.conversions else None,
            roas=tally.conversion_value / spend if tally.spend_micros else None,
        )


@dataclass(frozen=True)
class RegionFigures:
    """One viewer region's totals for the period; None where suppressed."""

    region: str
    impressions: int | None
    reach: int | None
    clicks: int | None
    conversions: int | None
    suppressed: bool


@dataclass(frozen=True)
class Report:
    currency: str
    days: list[Figures]  # one per calendar day (UTC), oldest first, days without events as zeros
    totals: Figures
    regions: list[RegionFigures]
    excludes_suppressed: bool  # days and totals leave out the regions suppressed


def own_advertiser(uow: UnitOfWork, *, actor: Actor, advertiser_id: str) -> Advertiser:
    """The actor's advertiser account `advertiser_id`; NotFound when missing or someone else's."""
    advertiser = uow.find(Advertiser, advertiser_id, region=actor.region)
    if advertiser is None or advertiser.owner_id != actor.id:
        raise NotFound("advertiser", advertiser_id)
    return advertiser


def window(*, days: int, now: datetime) -> tuple[list[date], datetime, datetime]:
    """The last `days` calendar days (UTC) up to today, and the times they span."""
    today = now.astimezone(UTC).date()
    calendar = [today - timedelta(days=days - 1 - n) for n in range(days)]
    since = datetime.combine(calendar[0], time(), UTC)
    return calendar, since, since + timedelta(days=days)


def report(
    uow: UnitOfWork,
    *,
    actor: Actor,
    advertiser_id: str,
    days: int,
    now: datetime,
    min_group: int,
    campaign_id: str | None = None,
) -> Report:
    """The report of the actor's advertiser account (of one of its campaigns if `campaign_id`) over the
    last `days` days, from every region's ad events (see the module's docstring for what is suppressed)."""
    advertiser = own_advertiser(uow, actor=actor, advertiser_id=advertiser_id)
    home = region_of(advertiser.id)
    query = select(Campaign.id).where(Campaign.advertiser_id == advertiser.id)
    if campaign_id is not None:
        query = query.where(Campaign.id == campaign_id)
    campaign_ids = list(uow.region(home).scalars(query))
    if campaign_id is not None and not campaign_ids:
        raise NotFound("campaign", campaign_id)
    calendar, since, until = window(days=days, now=now)
    tallies = []
    for region in uow.databases.regions:
        if region == home:
            db = uow.region(region)
        else:
            db = gateway.access(
                uow,
                region,
                data_class="behaviour",
                purpose="aggregate_analytics",
                reason=f"report of advertiser {advertiser.id}",
                role=Role.ADVERTISER,
            ).db
        tally = tally_region(
            db,
            region=region,
            campaign_ids=campaign_ids,
            currency=advertiser.currency,
            since=since,
            until=until,
        )
        tally.suppressed = region != home and tally.people < min_group
        tallies.append(tally)
    return assemble(tallies, currency=advertiser.currency, calendar=calendar)


def tally_region(
    db: Session,
    *,
    region: str,
    campaign_ids: Sequence[str],
    currency: str,
    since: datetime,
    until: datetime,
) -> RegionTally:
    """Count, inside one region's database, the valid events of these campaigns between `since` and
    `until`: per day and for the period. Only totals leave this function."""
    found = RegionTally(region)
    if not campaign_ids:
        return found
    kind = AdEvent.kind
    valid = (
        AdEvent.campaign_id.in_(campaign_ids),
        AdEvent.created_at >= since,
        AdEvent.created_at < until,
        AdEvent.kind.in_(COUNTED),
        AdEvent.invalid == "",
    )
    day = utc_day(db, AdEvent.created_at).label("day")
    per_day = (
        select(
            day,
            kind,
            func.count(),
            func.count(func.distinct(AdEvent.user_id)),
            func.coalesce(func.sum(AdEvent.price_micros), 0),
            func.coalesce(func.sum(case((AdEvent.currency == currency, AdEvent.value), else_=0)), 0),
        )
        .where(*valid)
        .group_by(day, kind)
    )
    for text, row_kind, count, viewers, micros, value in db.execute(per_day):
        tally = found.days.setdefault(date.fromisoformat(text), Tally())
        _count(tally, row_kind, int(count), int(viewers), int(micros), int(value))
        _count(found.period, row_kind, int(count), 0, int(micros), int(value))
    impression = AdEventKind.IMPRESSION.value
    reach, people = db.execute(
        select(
            func.count(func.distinct(case((kind == impression, AdEvent.user_id)))),
            func.count(func.distinct(AdEvent.user_id)),
        ).where(*valid)
    ).one()
    found.period.reach, found.people = int(reach), int(people)
    return found


def _count(tally: Tally, kind: str, count: int, viewers: int, micros: int, value: int) -> None:
    if kind == AdEventKind.IMPRESSION:
        tally.impressions += count
        tally.reach += viewers
        tally.spend_micros += micros
    elif kind == AdEventKind.CLICK:
        tally.clicks += count
        tally.spend_micros += micros
    else:
        tally.conversions += count
        tally.conversion_value += value


def assemble(tallies: Iterable[RegionTally], *, currency: str, calendar: list[date]) -> Report:
    """The report from each region's answer: days and totals over the regions not suppressed."""
    by_day = {day: Tally() for day in calendar}
    totals = Tally()
    regions = []
    suppressed = False
    for tally in tallies:
        if tally.suppressed:
            suppressed = True
            regions.append(RegionFigures(tally.region, None, None, None, None, suppressed=True))
            continue
        for day, counts in tally.days.items():
            if day in by_day:
                by_day[day].add(counts)
        totals.add(tally.period)
        period = tally.period
        regions.append(
            RegionFigures(
                tally.region,
                period.impressions,
                period.reach,
                period.clicks,
                period.conversions,
                suppressed=False,
            )
        )
    return Report(
        currency=currency,
        days=[Figures.of(by_day[day], day) for day in calendar],
        totals=Figures.of(totals),
        regions=regions,
        excludes_suppressed=suppressed,
    )


CSV_COLUMNS = (
    "day",
    "currency",
    "spend",
    "impressions",
    "reach",
    "clicks",
    "conversions",
    "conversion_value",
    "ctr",
    "conversion_rate",
    "cost_per_purchase",
    "roas",
)


def csv_rows(found: Report) -> list[list[str]]:
    """The report's days, then a "total" row, as CSV cells under CSV_COLUMNS (amounts in minor units, as
    the API gives them; an undefined rate is an empty cell)."""

    def cell(value: float | int | None) -> str:
        if value is None:
            return ""
        if isinstance(value, float):
            return f"{value:.6f}".rstrip("0").rstrip(".")
        return str(value)

    def row(label: str, f: Figures) -> list[str]:
        return [
            label,
            found.currency,
            cell(f.spend),
            cell(f.impressions),
            cell(f.reach),
            cell(f.clicks),
            cell(f.conversions),
            cell(f.conversion_value),
            cell(f.ctr),
            cell(f.conversion_rate),
            cell(f.cost_per_purchase),
            cell(f.roas),
        ]

    return [
        *(row(f.day.isoformat() if f.day else "", f) for f in found.days),
        row("total", found.totals),
    ]
