"""The auction's predicted probabilities: each region's own click and purchase rates per ad, learnt from that
region's impressions, clicks and conversions alone (they never leave it), rebuilt by a periodic job.

Empirical Bayes, per region and per kind (click, purchase):

- The region's mean rate m: its clicks (purchases) over its viewable impressions in the last `WINDOW_DAYS`,
  with a calibrated prior counted as `PRIOR_WEIGHT` impressions: a click-through rate of 1% and a purchase
  rate of 0.05% per impression (one purchase in twenty clicks), what in-feed ads commonly see. A region with
  no data yet predicts exactly the prior.
- How far ads differ around m: a Beta(m·s, (1-m)·s) prior whose strength s comes from the spread of the rates
  of ads with at least `MIN_IMPRESSIONS` impressions, less the spread chance alone would give (method of
  moments), kept within [`MIN_STRENGTH`, `MAX_STRENGTH`]; `DEFAULT_STRENGTH` with fewer than `MIN_ADS` such
  ads.
- An ad's rate: (its events + m·s) / (its impressions + s). An ad with no row (no data in the region) is
  predicted at m.

Counted: viewable impressions and clicks that were valid or only over budget (a view is a view, billed or
not), and every conversion. Invalid traffic (repeats, rapid, self, staff) teaches nothing.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

import numpy as np
from sqlalchemy import case, delete, func, insert, select

from clipshop.ads.models import AdEvent, AdEventKind, AdRate
from clipshop.kit.db import UnitOfWork

if TYPE_CHECKING:
    from clipshop.platform import Platform

log = logging.getLogger(__name__)

PRIOR_CLICK = 0.01
PRIOR_PURCHASE = 0.0005
PRIOR_WEIGHT = 1_000  # impressions the calibrated prior counts for in a region's mean
WINDOW_DAYS = 28
MIN_IMPRESSIONS = 100
MIN_ADS = 5
DEFAULT_STRENGTH = 1_000.0
MIN_STRENGTH, MAX_STRENGTH = 100.0, 100_000.0
LEARNT_FROM = ("", "budget")  # the `invalid` values whose impressions and clicks count


@dataclass(frozen=True)
class RegionRates:
    """A region's predicted probabilities: its means, and each ad's that has data there."""

    p_click: float = PRIOR_CLICK
    p_purchase: float = PRIOR_PURCHASE
    by_ad: dict[str, tuple[float, float]] = field(default_factory=dict)

    def of(self, ad_id: str) -> tuple[float, float]:
        """(p_click, p_purchase) of one ad in the region."""
        return self.by_ad.get(ad_id, (self.p_click, self.p_purchase))


def region_mean(events: float, impressions: float, prior: float) -> float:
    return float((events + prior * PRIOR_WEIGHT) / (impressions + PRIOR_WEIGHT))


def strength(events: np.ndarray, impressions: np.ndarray, mean: float) -> float:
    """The Beta prior's strength from the ads with enough impressions (method of moments)."""
    enough = impressions >= MIN_IMPRESSIONS
    if int(enough.sum()) < MIN_ADS or not 0 < mean < 1:
        return DEFAULT_STRENGTH
    n = impressions[enough].astype(np.float64)
    rates = np.minimum(events[enough] / n, 1.0)
    spread = float(np.average((rates - mean) ** 2, weights=n))
    chance = mean * (1 - mean) * float(np.mean(1 / n))
    between = spread - chance
    if between <= 0:
        return MAX_STRENGTH  # ads differ no more than chance says: lean on the mean
    return float(np.clip(mean * (1 - mean) / between - 1, MIN_STRENGTH, MAX_STRENGTH))


def smoothed(events: np.ndarray, impressions: np.ndarray, mean: float) -> np.ndarray:
    s = strength(events, impressions, mean)
    return np.asarray(np.minimum((events + mean * s) / (impressions + s), 1.0))


def rebuild_rates(uow: UnitOfWork, *, region: str, now: datetime) -> int:
    """Rebuild `region`'s `ad_rates` from its own ad events of the last `WINDOW_DAYS`; returns how many ads
    it rated."""
    db = uow.region(region)
    counted = AdEvent.invalid.in_(LEARNT_FROM)
    query = (
        select(
            AdEvent.ad_id,
            func.sum(case(((AdEvent.kind == AdEventKind.IMPRESSION.value) & counted, 1), else_=0)),
            func.sum(case(((AdEvent.kind == AdEventKind.CLICK.value) & counted, 1), else_=0)),
            func.sum(case((AdEvent.kind == AdEventKind.CONVERSION.value, 1), else_=0)),
        )
        .where(
            AdEvent.created_at >= now - timedelta(days=WINDOW_DAYS),
            AdEvent.kind.in_(
                [AdEventKind.IMPRESSION.value, AdEventKind.CLICK.value, AdEventKind.CONVERSION.value]
            ),
        )
        .group_by(AdEvent.ad_id)
        .order_by(AdEvent.ad_id)
    )
    rows = [(ad, int(i or 0), int(c or 0), int(v or 0)) for ad, i, c, v in db.execute(query)]
    db.execute(delete(AdRate))
    if not rows:
        return 0
    impressions = np.array([r[1] for r in rows], dtype=np.float64)
    clicks = np.array([r[2] for r in rows], dtype=np.float64)
    conversions = np.array([r[3] for r in rows], dtype=np.float64)
    click_mean = region_mean(clicks.sum(), impressions.sum(), PRIOR_CLICK)
    purchase_mean = region_mean(conversions.sum(), impressions.sum(), PRIOR_PURCHASE)
    p_click = smoothed(clicks, impressions, click_mean)
    p_purchase = smoothed(conversions, impressions, purchase_mean)
    db.execute(
        insert(AdRate),
        [
            {
                "ad_id": ad,
                "impressions": shown,
                "clicks": clicked,
                "conversions": bought,
                "p_click": float(pc),
                "p_purchase": float(pp),
                "updated_at": now,
            }
            for (ad, shown, clicked, bought), pc, pp in zip(rows, p_click, p_purchase, strict=True)
        ],
    )
    return len(rows)


_RATES = select(
    AdRate.ad_id, AdRate.impressions, AdRate.clicks, AdRate.conversions, AdRate.p_click, AdRate.p_purchase
)


def read_rates(uow: UnitOfWork, *, region: str) -> RegionRates:
    """What the job last wrote in `region`, with the region's means (the prior where there is no data)."""
    rows = list(uow.region(region).connection().execute(_RATES))
    impressions = sum(int(r[1]) for r in rows)
    return RegionRates(
        p_click=region_mean(sum(int(r[2]) for r in rows), impressions, PRIOR_CLICK),
        p_purchase=region_mean(sum(int(r[3]) for r in rows), impressions, PRIOR_PURCHASE),
        by_ad={r[0]: (float(r[4]), float(r[5])) for r in rows},
    )


def rebuild_every_region(platform: Platform) -> None:
    """The periodic job: each region's rates from its own events, one transaction per region."""
    for region in platform.settings.regions:
        with platform.uow(home=region).transaction() as uow:
            rated = rebuild_rates(uow, region=region, now=platform.clock.now())
        log.info("rated %d ads in %s", rated, region)
