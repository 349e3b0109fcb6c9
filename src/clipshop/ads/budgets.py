"""Budget slices: each region holds its own share of a campaign's budget for the day (`AdBudgetSlice`), and
serving there spends only from it, by one conditional update. No region asks another before charging an
event, and the sum of what all regions spend never passes what was allotted to them.

Pacing: a slice may spend, by a given time of day, its allotment times the share of the day gone plus one
hour's worth (`paced_allowance`), so a daily budget lasts the day rather than going in its first hour.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import bindparam, select, update

from clipshop.ads.models import AdBudgetSlice
from clipshop.kit.db import UnitOfWork

DAY_S = 86_400
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


def slices_of(uow: UnitOfWork, *, region: str, day: date) -> dict[str, SliceState]:
    """Every campaign's slice in `region` for `day` (one read of one small table)."""
    rows = uow.region(region).connection().execute(_SLICES, {"day": day})
    return {campaign: SliceState(campaign, int(allotted), int(spent)) for campaign, allotted, spent in rows}


_SPEND = (
    update(AdBudgetSlice)
    .where(
        AdBudgetSlice.campaign_id == bindparam("campaign"),
        AdBudgetSlice.day == bindparam("day"),
        AdBudgetSlice.spent_micros + bindparam("price") <= AdBudgetSlice.allotted_micros,
    )
    .values(
        spent_micros=AdBudgetSlice.spent_micros + bindparam("price"),
        updated_at=bindparam("now"),
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
        .execute(_SPEND, {"campaign": campaign_id, "day": day, "price": price_micros, "now": now})
    )
    return result.rowcount == 1
