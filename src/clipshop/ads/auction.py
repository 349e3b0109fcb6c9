"""The auction: one per sponsored slot, generalised second price with a reserve. Pure functions, no I/O.

An ad's expected value of one impression, in micros, is its bid per billable event times the chance that an
impression brings that event, times its quality:

    cpm   per impression: bid * MICROS / 1000        chance 1 (the impression is the event)
    cpc   per click:      bid * MICROS               chance p_click
    ocpm  per impression: bid * MICROS * p_purchase  chance 1 (charged per impression, bid per purchase)

so the value is bid * MICROS / 1000 (cpm), bid * MICROS * p_click (cpc) or bid * MICROS * p_purchase (ocpm),
times quality, as ads-design.md states it. The rules:

- Eligible: the value reaches the reserve per impression (`ads_reserve_cpm` * MICROS / 1000).
- Rank: value, highest first; equal values: the higher `bid` (minor units, as the advertiser set it), then
  the older ad (the smaller id: ids are time-ordered).
- Each advertiser enters with its best ad alone: its other ads could not win in its place (one slot per
  advertiser per page) and must not set its own price.
- Price per billable event: the least that keeps the winner's rank, max(next value, reserve) / (chance *
  quality), rounded up to a whole micro, never above its bid per billable event. Float noise below a
  trillionth of the price is not rounded up (0.02 is not exactly 1/50 in binary).
- Slots: one auction per slot, in page order; an advertiser that won a slot leaves the later ones. So slot k
  goes to the k-th advertiser by rank and is priced by the (k+1)-th.

Values compare as floats; `values` computes the same floats over numpy arrays (one product, same order), so
an index may rank thousands of ads at once and hand the auction the few at the top.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass

import numpy as np

from clipshop.ads.models import MICROS, BidType

ROUNDING_SLACK = 1e-12  # relative: what rounding up forgives of float noise


def per_event_micros(bid_type: str, bid: int, p_purchase: float) -> float:
    """The bid per billable event, in micros (an impression for cpm and ocpm, a click for cpc)."""
    if bid_type == BidType.CPM:
        return float(bid * (MICROS // 1000))
    if bid_type == BidType.CPC:
        return float(bid * MICROS)
    return bid * MICROS * p_purchase


def event_chance(bid_type: str, p_click: float) -> float:
    """The chance that one impression brings a billable event."""
    return p_click if bid_type == BidType.CPC else 1.0


def reserve_micros(reserve_cpm: int) -> float:
    """The reserve per impression, in micros, from the reserve per 1000 impressions in minor units."""
    return float(reserve_cpm * (MICROS // 1000))


def values(per_event: np.ndarray, chance: np.ndarray, quality: np.ndarray) -> np.ndarray:
    """Expected values per impression of many ads at once: the same floats as `Entry.value`."""
    return np.asarray(per_event * chance * quality, dtype=np.float64)


@dataclass(frozen=True)
class Entry:
    """An ad in an auction: who bids, how, and its predicted probabilities and quality."""

    ad_id: str
    advertiser_id: str
    bid_type: str
    bid: int  # minor units: per 1000 impressions (cpm), per click (cpc), per purchase (ocpm)
    p_click: float = 0.0
    p_purchase: float = 0.0
    quality: float = 1.0

    @property
    def per_event(self) -> float:
        return per_event_micros(self.bid_type, self.bid, self.p_purchase)

    @property
    def chance(self) -> float:
        return event_chance(self.bid_type, self.p_click)

    @property
    def value(self) -> float:
        """Expected value of one impression, in micros."""
        return self.per_event * self.chance * self.quality

    def rank_key(self) -> tuple[float, int, str]:
        return (-self.value, -self.bid, self.ad_id)


@dataclass(frozen=True)
class Win:
    """A slot's winner and what each of its billable events costs, in micros."""

    entry: Entry
    price_micros: int
    value: float
    priced_by: str | None  # the ad whose value set the price; None: the reserve did


def price_of(winner: Entry, next_value: float, reserve: float) -> int:
    """The least price per billable event that keeps `winner` ahead of `next_value` and at the reserve."""
    needed = max(next_value, reserve)
    scale = winner.chance * winner.quality
    if needed <= 0 or scale <= 0:
        return 0
    exact = needed / scale
    price = math.ceil(exact - ROUNDING_SLACK * exact)
    return max(0, min(price, math.floor(winner.per_event)))


def ranked(entries: Iterable[Entry], *, reserve_cpm: int) -> list[Entry]:
    """The eligible entries, best first, each advertiser's best alone."""
    reserve = reserve_micros(reserve_cpm)
    best: dict[str, Entry] = {}
    for entry in sorted((e for e in entries if e.value >= reserve), key=Entry.rank_key):
        best.setdefault(entry.advertiser_id, entry)
    return list(best.values())


def run(entries: Iterable[Entry], *, slots: int, reserve_cpm: int) -> list[Win]:
    """The winners of `slots` auctions in page order, each with its price; fewer when ads run out."""
    reserve = reserve_micros(reserve_cpm)
    order = ranked(entries, reserve_cpm=reserve_cpm)
    wins = []
    for slot in range(min(slots, len(order))):
        winner = order[slot]
        runner = order[slot + 1] if slot + 1 < len(order) else None
        next_value = runner.value if runner is not None else 0.0
        wins.append(
            Win(
                entry=winner,
                price_micros=price_of(winner, next_value, reserve),
                value=winner.value,
                priced_by=runner.ad_id if runner is not None and next_value >= reserve else None,
            )
        )
    return wins
