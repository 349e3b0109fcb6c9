"""Budget slices: each region holds its own share of a campaign's budget for the day (`AdBudgetSlice`), and
serving there spends only from it, by one conditional update. No region asks another before charging an
event, and the sum of what all regions spend never passes what was allotted to them.

Pacing: a slice may spend, by a given time of day, its allotment times the share of the day gone plus one
hour's worth (`paced_allowance`), so a daily budget lasts the day rather than going in its first hour.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import bindparam, case, select, update
from sqlalchemy.orm import Session

from clipshop.ads.models import AdBudgetSlice
from clipshop.kit.db import UnitOfWork, insert_ignore
from clipshop.residency import gateway

DAY_S = 86_400
# Days of slices read live from every region by the rebalancing job and billing; the spend of older days is
# read from billing's record (`AdBilling`) in the advertiser's region.
LIVE_DAYS = 7
PACING_AHEAD_S = 3_600  # how far ahead of an even spread a slice may spend


@dataclass(frozen=True)
class SliceState:
    """A campaign's slice in one region for one day, as read."""

    campaign_id: str
    allotted_micros: int
    spent_micros: int

    @property
    def left_micros(self) -> int:
        return max(self.allotted_micros - self.spent_micros, 0)

    def paced_allowance(self, now: datetime) -> int:
        """What the slice may have spent by `now` (UTC): its allotment spread over the day, one hour ahead."""
        elapsed = now.hour * 3600 + now.minute * 60 + now.second
        share = min(1.0, (elapsed + PACING_AHEAD_S) / DAY_S)
        return int(self.allotted_micros * share)

    def may_spend(self, price_micros: int, now: datetime) -> bool:
        """Whether an event at `price_micros` fits both what is left and the pace."""
        return (
            self.spent_micros + price_micros <= self.allotted_micros
            and self.spent_micros + price_micros <= self.paced_allowance(now)
        )


_SLICES = select(AdBudgetSlice.campaign_id, AdBudgetSlice.allotted_micros, AdBudgetSlice.spent_micros).where(
    AdBudgetSlice.day == bindparam("day")
)


_SOME_SLICES = _SLICES.where(AdBudgetSlice.campaign_id.in_(bindparam("campaigns", expanding=True)))


def slices_of(
    uow: UnitOfWork, *, region: str, day: date, campaign_ids: Iterable[str] | None = None
) -> dict[str, SliceState]:
    """Every campaign's slice in `region` for `day`, or those of `campaign_ids` (one read of one small
    table)."""
    if campaign_ids is None:
        rows = uow.region(region).connection().execute(_SLICES, {"day": day})
    else:
        wanted = {"day": day, "campaigns": sorted(set(campaign_ids))}
        rows = uow.region(region).connection().execute(_SOME_SLICES, wanted)
    return {campaign: SliceState(campaign, int(allotted), int(spent)) for campaign, allotted, spent in rows}


# Bound names differ from the columns': an UPDATE keeps a column's own name for its SET value.
_SPEND = (
    update(AdBudgetSlice)
    .where(
        AdBudgetSlice.campaign_id == bindparam("b_campaign"),
        AdBudgetSlice.day == bindparam("b_day"),
        AdBudgetSlice.spent_micros + bindparam("b_price") <= AdBudgetSlice.allotted_micros,
    )
    .values(
        spent_micros=AdBudgetSlice.spent_micros + bindparam("b_price"),
        updated_at=bindparam("b_now"),
    )
)


def spend(
    uow: UnitOfWork, *, region: str, campaign_id: str, day: date, price_micros: int, now: datetime
) -> bool:
    """Take `price_micros` from the campaign's slice in `region` if it fits; False (and nothing taken) if it
    does not. One conditional UPDATE: concurrent spenders in any number of processes never pass the
    allotment."""
    if price_micros <= 0:
        return True
    result = (
        uow.region(region)
        .connection()
        .execute(_SPEND, {"b_campaign": campaign_id, "b_day": day, "b_price": price_micros, "b_now": now})
    )
    return result.rowcount == 1


# What the rebalancing job and billing do to slices, one region at a time. Each statement is an ORM statement
# on the region's session, so the residency fence sees which table it touches (the slices of another region
# are reached through the gateway, class `ad_delivery`).


@dataclass(frozen=True)
class SliceDay:
    """One campaign's slice in one region on one day, as read by the rebalancing job or billing."""

    campaign_id: str
    day: date
    allotted_micros: int
    spent_micros: int


def slices_since(session: Session, *, campaign_region: str, since: date) -> list[SliceDay]:
    """Every slice held in `session`'s region, from `since` on, of the campaigns of `campaign_region` (whose
    ids carry that region)."""
    query = select(
        AdBudgetSlice.campaign_id,
        AdBudgetSlice.day,
        AdBudgetSlice.allotted_micros,
        AdBudgetSlice.spent_micros,
    ).where(
        AdBudgetSlice.campaign_id.startswith(f"{campaign_region}_", autoescape=True),
        AdBudgetSlice.day >= since,
    )
    return [SliceDay(c, d, int(a), int(s)) for c, d, a, s in session.execute(query)]


def close_days_before(session: Session, *, day: date, now: datetime) -> int:
    """Shrink every slice of a day before `day` to what it spent, so a day's spend is final once it is over
    (a late charge against it is refused, as any charge that does not fit). Returns how many shrank."""
    result = session.execute(
        update(AdBudgetSlice)
        .where(AdBudgetSlice.day < day, AdBudgetSlice.allotted_micros > AdBudgetSlice.spent_micros)
        .values(allotted_micros=AdBudgetSlice.spent_micros, updated_at=now)
        .execution_options(synchronize_session=False)
    )
    return int(getattr(result, "rowcount", 0) or 0)


def lower(
    session: Session, *, campaign_id: str, day: date, expected: int, target: int, now: datetime
) -> int | None:
    """Lower a slice's allotment from `expected` to `target`, or to what it has spent when that is more (a
    spend racing this statement is counted, never undone). Returns the allotment now, or None when the
    allotment was not `expected` (someone else changed it) and nothing was done."""
    kept = case((AdBudgetSlice.spent_micros > target, AdBudgetSlice.spent_micros), else_=target)
    row = session.execute(
        update(AdBudgetSlice)
        .where(
            AdBudgetSlice.campaign_id == campaign_id,
            AdBudgetSlice.day == day,
            AdBudgetSlice.allotted_micros == expected,
        )
        .values(allotted_micros=kept, updated_at=now)
        .returning(AdBudgetSlice.allotted_micros)
        .execution_options(synchronize_session=False)
    ).first()
    return None if row is None else int(row[0])


def grow(session: Session, *, campaign_id: str, day: date, expected: int, by: int, now: datetime) -> bool:
    """Raise a slice's allotment from `expected` by `by` (creating the slice when `expected` is 0 and it does
    not exist yet); False, and nothing done, when the allotment was not `expected`."""
    if by <= 0:
        return True
    row = session.execute(
        update(AdBudgetSlice)
        .where(
            AdBudgetSlice.campaign_id == campaign_id,
            AdBudgetSlice.day == day,
            AdBudgetSlice.allotted_micros == expected,
        )
        .values(allotted_micros=AdBudgetSlice.allotted_micros + by, updated_at=now)
        .returning(AdBudgetSlice.allotted_micros)
        .execution_options(synchronize_session=False)
    ).first()
    if row is not None:
        return True
    if expected != 0:
        return False
    fresh = {
        "campaign_id": campaign_id,
        "day": day,
        "allotted_micros": by,
        "spent_micros": 0,
        "updated_at": now,
    }
    return insert_ignore(session, AdBudgetSlice, fresh)


def slice_sessions(uow: UnitOfWork, *, home: str, write: bool, reason: str) -> dict[str, Session]:
    """The session of every region's budget slices, for a unit of work at home in `home`: its own, and the
    others' through the residency gateway (amounts only, class `ad_delivery`)."""
    sessions: dict[str, Session] = {home: uow.region(home)}
    for region in uow.databases.regions:
        if region != home:
            door = gateway.access(
                uow, region, data_class="ad_delivery", purpose="advertising", write=write, reason=reason
            )
            sessions[region] = door.db
    return sessions
