"""Each server's in-memory index of the ads that may serve, so that a decision never scans campaigns.

The index holds every `PublicAd` with `serving` true, read from the directory. After the first read it reads
only rows changed since (by `updated_at`, with an overlap of `OVERLAP_S` for rows committed late or stamped
by a server whose clock runs behind) at most every `ads_index_s` seconds, in a background thread, never on a
request's path; every `FULL_EVERY_S` it reads them all again, which also drops rows an erasure deleted. A
decision takes the snapshot in use: arrays over the ads (sorted by id, so a position orders like its id),
with the ads of each hashtag and each target region found by a dictionary lookup, and numpy for the
arithmetic. What a decision serves is checked against the directory once more (`ads.serving`), so an ad
stopped or a video taken down since the last read stops at once.

Per region, the same runtime keeps the region's budget slices of the day (`budgets.slices_of`, refreshed
with the index) and its predicted rates (`prediction.read_rates`, every `RATES_EVERY_S`), with the rates
laid out along the snapshot's positions.
"""

from __future__ import annotations

import logging
import math
import threading
import time
import weakref
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import NamedTuple

import numpy as np
from sqlalchemy import bindparam, select

from clipshop.ads import budgets, prediction
from clipshop.ads.budgets import SliceState
from clipshop.ads.models import MICROS, BidType, PublicAd, Retarget
from clipshop.ads.prediction import RegionRates
from clipshop.platform import Platform

log = logging.getLogger(__name__)
OVERLAP_S = 60.0
FULL_EVERY_S = 600.0
RATES_EVERY_S = 30.0


class AdFacts(NamedTuple):
    """What serving needs of an ad: the directory's non-personal copy."""

    ad_id: str
    advertiser_id: str
    advertiser_name: str
    staff_ids: str
    campaign_id: str
    kind: str
    video_id: str
    product_id: str | None
    shop_id: str | None
    headline: str
    call_to_action: str
    bid_type: str
    bid: int
    target_regions: str
    interests: str
    retarget: str
    frequency_cap: int
    starts_at: datetime
    ends_at: datetime | None
    quality: float
    serving: bool
    updated_at: datetime


_COLUMNS = (
    PublicAd.ad_id,
    PublicAd.advertiser_id,
    PublicAd.advertiser_name,
    PublicAd.staff_ids,
    PublicAd.campaign_id,
    PublicAd.kind,
    PublicAd.video_id,
    PublicAd.product_id,
    PublicAd.shop_id,
    PublicAd.headline,
    PublicAd.call_to_action,
    PublicAd.bid_type,
    PublicAd.bid,
    PublicAd.target_regions,
    PublicAd.interests,
    PublicAd.retarget,
    PublicAd.frequency_cap,
    PublicAd.starts_at,
    PublicAd.ends_at,
    PublicAd.quality,
    PublicAd.serving,
    PublicAd.updated_at,
)
_ALL = select(*_COLUMNS).where(PublicAd.serving.is_(True))
_CHANGED = select(*_COLUMNS).where(PublicAd.updated_at >= bindparam("since"))

_EMPTY = np.zeros(0, dtype=np.int64)


class Snapshot:
    """The ads that may serve, as arrays by position (ads sorted by id), and what finds them fast."""

    def __init__(self, ads: list[AdFacts], version: int) -> None:
        self.version = version
        self.ads = ads
        n = len(ads)
        self.position = {ad.ad_id: i for i, ad in enumerate(ads)}
        bid_types = [ad.bid_type for ad in ads]
        self.bid = np.array([ad.bid for ad in ads], dtype=np.float64).reshape(n)
        self.is_cpc = np.array([t == BidType.CPC for t in bid_types], dtype=bool).reshape(n)
        self.is_ocpm = np.array([t == BidType.OCPM for t in bid_types], dtype=bool).reshape(n)
        # The bid per billable event before the purchase probability (`auction.per_event_micros`).
        self.base = np.where(self.is_cpc | self.is_ocpm, self.bid * MICROS, self.bid * (MICROS // 1000))
        self.quality = np.array([ad.quality for ad in ads], dtype=np.float64).reshape(n)
        self.starts = np.array([ad.starts_at.timestamp() for ad in ads], dtype=np.float64).reshape(n)
        self.ends = np.array(
            [ad.ends_at.timestamp() if ad.ends_at else math.inf for ad in ads], dtype=np.float64
        ).reshape(n)
        self.retarget = np.array([ad.retarget == Retarget.SHOP_ENGAGERS for ad in ads], dtype=bool).reshape(n)
        by_tag: dict[str, list[int]] = {}
        untargeted: list[int] = []
        regions: dict[str, list[int]] = {}
        everywhere = np.zeros(n, dtype=bool)
        for i, ad in enumerate(ads):
            tags = ad.interests.split()
            if not tags:
                untargeted.append(i)
            for tag in set(tags):
                by_tag.setdefault(tag, []).append(i)
            names = ad.target_regions.split()
            if not names:
                everywhere[i] = True
            for name in set(names):
                regions.setdefault(name, []).append(i)
        self.untargeted = np.array(untargeted, dtype=np.int64)
        self.by_tag = {tag: np.array(found, dtype=np.int64) for tag, found in by_tag.items()}
        self.everywhere = everywhere
        self._region_masks: dict[str, np.ndarray] = {}
        for name, found in regions.items():
            mask = everywhere.copy()
            mask[found] = True
            self._region_masks[name] = mask

    def region_mask(self, region: str) -> np.ndarray:
        """Which ads may serve in `region`: those that name it and those that name no region."""
        return self._region_masks.get(region, self.everywhere)

    def candidates(self, *, region: str, tags: Iterable[str], now: datetime) -> np.ndarray:
        """Positions of the ads whose region, interests and schedule let them serve to a viewer of `region`
        with these hashtag interests at `now` (retargeting is the caller's to check: `retarget`)."""
        if not self.ads:
            return _EMPTY
        parts = [self.untargeted, *(self.by_tag[tag] for tag in tags if tag in self.by_tag)]
        found: np.ndarray = np.unique(np.concatenate(parts)) if len(parts) > 1 else parts[0]
        found = found[self.region_mask(region)[found]]
        moment = now.timestamp()
        live: np.ndarray = found[(self.starts[found] <= moment) & (moment < self.ends[found])]
        return live

    def rate_arrays(self, rates: RegionRates) -> tuple[np.ndarray, np.ndarray]:
        """(p_click, p_purchase) of every position in a region with these rates."""
        pairs = [rates.of(ad.ad_id) for ad in self.ads]
        n = len(pairs)
        return (
            np.array([p for p, _ in pairs], dtype=np.float64).reshape(n),
            np.array([p for _, p in pairs], dtype=np.float64).reshape(n),
        )


@dataclass
class RegionDelivery:
    """One region's budget slices of the day and predicted rates, as this server last read them."""

    day: date
    slices: dict[str, SliceState]
    rates: RegionRates
    slices_at: float  # time.monotonic() of the reads
    rates_at: float
    _aligned: tuple[int, RegionRates, np.ndarray, np.ndarray] | None = field(default=None, repr=False)
    _funded: tuple[int, dict[str, SliceState], np.ndarray] | None = field(default=None, repr=False)

    def rates_along(self, snapshot: Snapshot) -> tuple[np.ndarray, np.ndarray]:
        """The rates laid along `snapshot`'s positions (made once per snapshot and rates read)."""
        aligned = self._aligned
        if aligned is None or aligned[0] != snapshot.version or aligned[1] is not self.rates:
            rates = self.rates
            aligned = (snapshot.version, rates, *snapshot.rate_arrays(rates))
            self._aligned = aligned
        return aligned[2], aligned[3]

    def funded_along(self, snapshot: Snapshot) -> np.ndarray:
        """Which of `snapshot`'s positions have a slice here today with something left (as last read)."""
        funded = self._funded
        if funded is None or funded[0] != snapshot.version or funded[1] is not self.slices:
            slices = self.slices
            left = [
                (s := slices.get(ad.campaign_id)) is not None and s.left_micros > 0 for ad in snapshot.ads
            ]
            funded = (snapshot.version, slices, np.array(left, dtype=bool).reshape(len(left)))
            self._funded = funded
        return funded[2]


class AdsRuntime:
    """This process's index of ads for one platform, and each region's delivery state."""

    def __init__(self, platform: Platform) -> None:
        self._platform = platform
        self.every_s = platform.settings.ads_index_s
        self._lock = threading.RLock()
        self._rows: dict[str, AdFacts] = {}
        self._watermark: datetime | None = None
        self._full_at = -math.inf
        self._checked = -math.inf
        self._refreshing = False
        self._versions = 0
        self.snapshot = Snapshot([], 0)
        self._regions: dict[str, RegionDelivery] = {}

    def view(self, region: str, today: date) -> tuple[Snapshot, RegionDelivery]:
        """The snapshot in use and `region`'s delivery state. The first call (and, with `ads_index_s` 0,
        every call) reads first; later ones start a read in the background when the last is due."""
        delivery = self._regions.get(region)
        if self._watermark is None or delivery is None or delivery.day != today or self.every_s <= 0:
            with self._lock:
                self._checked = time.monotonic()
                self.refresh_ads()
                self.refresh_region(region, today, rates=True)
        elif time.monotonic() - self._checked >= self.every_s:
            with self._lock:
                if not self._refreshing:
                    self._refreshing, self._checked = True, time.monotonic()
                    threading.Thread(target=self._refresh_all, daemon=True, name="ads-index").start()
        return self.snapshot, self._regions[region]

    def _refresh_all(self) -> None:
        try:
            self.refresh_ads()
            today = self._platform.clock.now().date()
            for region in list(self._regions):
                due = time.monotonic() - self._regions[region].rates_at >= RATES_EVERY_S
                self.refresh_region(region, today, rates=due)
        except Exception:  # the snapshot in use serves on; the next due check tries again
            log.exception("could not refresh the index of ads")
        finally:
            with self._lock:
                self._refreshing = False

    def refresh_ads(self) -> int:
        """Read the ads changed since the last read (all of them when a full read is due); returns how many
        rows were read."""
        full = self._watermark is None or time.monotonic() - self._full_at >= FULL_EVERY_S
        with self._platform.uow().transaction() as uow:
            connection = uow.directory.connection()
            if full:
                rows = [AdFacts._make(row) for row in connection.execute(_ALL)]
            else:
                assert self._watermark is not None
                since = self._watermark - timedelta(seconds=OVERLAP_S)
                rows = [AdFacts._make(row) for row in connection.execute(_CHANGED, {"since": since})]
        with self._lock:
            if full:
                kept = {row.ad_id: row for row in rows}
                changed = kept != self._rows
            else:
                kept, changed = self._rows, False
                for row in rows:
                    if kept.get(row.ad_id) == row or (not row.serving and row.ad_id not in kept):
                        continue
                    if row.serving:
                        kept[row.ad_id] = row
                    else:
                        del kept[row.ad_id]
                    changed = True
            self._rows = kept
            latest = max((row.updated_at for row in rows), default=None)
            if latest is not None and (self._watermark is None or latest > self._watermark):
                self._watermark = latest
            if self._watermark is None:
                self._watermark = self._platform.clock.now() - timedelta(seconds=OVERLAP_S)
            if full:
                self._full_at = time.monotonic()
            if changed:
                self._versions += 1
                self.snapshot = Snapshot(sorted(kept.values()), self._versions)
        return len(rows)

    def refresh_region(self, region: str, today: date, *, rates: bool) -> None:
        """Read `region`'s slices of `today`, and its rates when `rates` (or never read)."""
        known = self._regions.get(region)
        with self._platform.uow(home=region).transaction() as uow:
            slices = budgets.slices_of(uow, region=region, day=today)
            read = prediction.read_rates(uow, region=region) if rates or known is None else known.rates
        now = time.monotonic()
        with self._lock:
            if known is not None and read is known.rates:
                known.day, known.slices, known.slices_at = today, slices, now
            else:
                self._regions[region] = RegionDelivery(today, slices, read, now, now)


_runtimes: weakref.WeakKeyDictionary[Platform, AdsRuntime] = weakref.WeakKeyDictionary()
_making = threading.Lock()


def ads_runtime(platform: Platform) -> AdsRuntime:
    """This process's index of ads for `platform` (made on first use)."""
    runtime = _runtimes.get(platform)
    if runtime is None:
        with _making:
            runtime = _runtimes.get(platform)
            if runtime is None:
                runtime = _runtimes[platform] = AdsRuntime(platform)
    return runtime
