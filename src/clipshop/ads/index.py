"""Each server's in-memory index of the ads that may serve, so that a decision never scans campaigns.

The index holds every `PublicAd` with `serving` true, read from the directory. After the first read it reads
only what changed: at most every `ads_index_s` seconds, in a background thread, never on a request's path,
the stamps (id, `updated_at`, serving) of the rows stamped since its last read began, less `OVERLAP_S` (for
a transaction that commits late, or a server whose clock runs behind), and the whole rows of those it does
not hold as they are. Every `FULL_EVERY_S` it reads them all again, which also drops rows an erasure
deleted. A decision takes the snapshot in use: arrays over the ads (sorted by id, so a position orders like
its id), a mask per hashtag and per target region, and numpy for the arithmetic. What a decision is about to
serve is checked against the directory once more (`ads.serving`), so an ad stopped or a video taken down
since the last read stops at once.

Per region, the same runtime keeps the region's budget slices of the day (`budgets.slices_of`, every
`SLICES_EVERY_S`: a decision checks its picks' slices afresh anyway) and its predicted rates
(`prediction.read_rates`, every `RATES_EVERY_S`), laid along the snapshot's positions with the values
they give (`Along`). With `ads_index_s` 0 every decision reads all of it first (tests).
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
from typing import Any, NamedTuple

import numpy as np
from sqlalchemy import bindparam, func, select

from clipshop.ads import auction, budgets, prediction
from clipshop.ads.budgets import SliceState
from clipshop.ads.models import MICROS, AdBudgetSlice, AdRate, BidType, PublicAd, Retarget
from clipshop.ads.prediction import RegionRates
from clipshop.platform import Platform

log = logging.getLogger(__name__)
OVERLAP_S = 60.0
FULL_EVERY_S = 600.0
RATES_EVERY_S = 30.0
SLICES_EVERY_S = 10.0


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
_STAMPS = select(PublicAd.ad_id, PublicAd.updated_at, PublicAd.serving).where(
    PublicAd.updated_at >= bindparam("since")
)
_ROWS = select(*_COLUMNS).where(PublicAd.ad_id.in_(bindparam("ids", expanding=True)))
FETCH_BATCH = 500

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
        self.untargeted = np.zeros(n, dtype=bool)
        self.untargeted[untargeted] = True
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

    def matching(self, *, tags: Iterable[str], now: datetime) -> np.ndarray:
        """Which ads a viewer with these hashtag interests may see at `now` by their interests and schedule:
        a mask over the positions (bitwise work over every ad, no scan of Python objects)."""
        mask = self.untargeted.copy()
        for tag in tags:
            found = self.by_tag.get(tag)
            if found is not None:
                mask[found] = True
        moment = now.timestamp()
        mask &= self.starts <= moment
        mask &= moment < self.ends
        return mask

    def candidates(self, *, region: str, tags: Iterable[str], now: datetime) -> np.ndarray:
        """Positions of the ads whose region, interests and schedule let them serve to a viewer of `region`
        with these hashtag interests at `now` (retargeting is the caller's to check: `retarget`)."""
        if not self.ads:
            return _EMPTY
        found: np.ndarray = np.flatnonzero(self.matching(tags=tags, now=now) & self.region_mask(region))
        return found


class Along(NamedTuple):
    """A region's figures laid along a snapshot's positions, for the arithmetic of a decision there."""

    p_click: np.ndarray
    p_purchase: np.ndarray
    per_event: np.ndarray  # the bid per billable event, micros (`auction.per_event_micros`)
    value: np.ndarray  # expected value per impression, micros (`auction.values`)
    ready: np.ndarray  # may serve in the region at all: targets it, a slice with money left, at the reserve


@dataclass
class RegionDelivery:
    """One region's budget slices of the day and predicted rates, as this server last read them, with a
    fingerprint of each read (so an unchanged table is not read again)."""

    region: str
    day: date
    slices: dict[str, SliceState]
    rates: RegionRates
    slices_at: float  # time.monotonic() of the reads
    rates_at: float
    slices_mark: tuple[Any, ...] = ()
    rates_mark: tuple[Any, ...] = ()
    _valued: tuple[int, RegionRates, tuple[np.ndarray, ...]] | None = field(default=None, repr=False)
    _along: tuple[int, dict[str, SliceState], RegionRates, int, Along] | None = field(
        default=None, repr=False
    )

    def along(self, snapshot: Snapshot, reserve_cpm: int) -> Along:
        """This region's figures along `snapshot`: the values once per snapshot and rates read, what may serve
        once per slices read too."""
        slices, rates = self.slices, self.rates
        kept = self._along
        if (
            kept is not None
            and kept[0] == snapshot.version
            and kept[1] is slices
            and kept[2] is rates
            and kept[3] == reserve_cpm
        ):
            return kept[4]
        valued = self._valued
        if valued is None or valued[0] != snapshot.version or valued[1] is not rates:
            pairs = [rates.of(ad.ad_id) for ad in snapshot.ads]
            n = len(pairs)
            p_click = np.array([p for p, _ in pairs], dtype=np.float64).reshape(n)
            p_purchase = np.array([p for _, p in pairs], dtype=np.float64).reshape(n)
            per_event = snapshot.base * np.where(snapshot.is_ocpm, p_purchase, 1.0)
            value = auction.values(per_event, np.where(snapshot.is_cpc, p_click, 1.0), snapshot.quality)
            valued = (snapshot.version, rates, (p_click, p_purchase, per_event, value))
            self._valued = valued
        p_click, p_purchase, per_event, value = valued[2]
        funded = np.array(
            [(s := slices.get(ad.campaign_id)) is not None and s.left_micros > 0 for ad in snapshot.ads],
            dtype=bool,
        ).reshape(len(snapshot.ads))
        ready = funded & snapshot.region_mask(self.region) & (value >= auction.reserve_micros(reserve_cpm))
        along = Along(p_click, p_purchase, per_event, value, ready)
        self._along = (snapshot.version, slices, rates, reserve_cpm, along)
        return along


_SLICES_MARK = select(
    func.count(),
    func.max(AdBudgetSlice.updated_at),
    func.sum(AdBudgetSlice.spent_micros),
    func.sum(AdBudgetSlice.allotted_micros),
).where(AdBudgetSlice.day == bindparam("day"))
_RATES_MARK = select(
    func.count(), func.max(AdRate.updated_at), func.sum(AdRate.p_click), func.sum(AdRate.p_purchase)
)


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

    def warm(self, regions: list[str]) -> None:
        """Read the ads and each region's slices and rates now (a server calls this at start-up)."""
        today = self._platform.clock.now().date()
        for region in regions:
            try:
                self.view(region, today)
            except Exception:  # the first decision there reads again
                log.exception("could not read the ads to serve in %s", region)

    def _refresh_all(self) -> None:
        try:
            self.refresh_ads()
            today = self._platform.clock.now().date()
            for region in list(self._regions):
                known = self._regions[region]
                if known.day != today or time.monotonic() - known.slices_at >= SLICES_EVERY_S:
                    due = time.monotonic() - known.rates_at >= RATES_EVERY_S
                    self.refresh_region(region, today, rates=due)
                # Lay what is new along the snapshot here rather than on the next request's path.
                self._regions[region].along(self.snapshot, self._platform.settings.ads_reserve_cpm)
        except Exception:  # the snapshot in use serves on; the next due check tries again
            log.exception("could not refresh the index of ads")
        finally:
            with self._lock:
                self._refreshing = False

    def refresh_ads(self) -> int:
        """Read what changed since the last read: the stamps (id, `updated_at`, serving) of the rows changed
        since then less the overlap, and the whole rows of those this server does not hold as they are now
        (every row when a full read is due); returns how many rows it looked at."""
        full = self._watermark is None or time.monotonic() - self._full_at >= FULL_EVERY_S
        read_at = self._platform.clock.now()
        with self._platform.uow().transaction() as uow:
            connection = uow.directory.connection()
            if full:
                rows = [AdFacts._make(row) for row in connection.execute(_ALL)]
                stamps = [(row.ad_id, row.updated_at, True) for row in rows]
            else:
                assert self._watermark is not None
                since = self._watermark - timedelta(seconds=OVERLAP_S)
                found = connection.execute(_STAMPS, {"since": since})
                stamps = [(str(ad_id), at, bool(serving)) for ad_id, at, serving in found]
                held = self._rows
                wanted = [
                    ad_id
                    for ad_id, at, serving in stamps
                    if serving and ((mine := held.get(ad_id)) is None or mine.updated_at != at)
                ]
                rows = [
                    AdFacts._make(row)
                    for start in range(0, len(wanted), FETCH_BATCH)
                    for row in connection.execute(_ROWS, {"ids": wanted[start : start + FETCH_BATCH]})
                ]
        with self._lock:
            if full:
                kept = {row.ad_id: row for row in rows}
                changed = kept != self._rows
            else:
                kept, changed = self._rows, False
                # A row may have stopped between its stamp and its fetch: what the fetch says wins.
                stopped = [ad_id for ad_id, _, serving in stamps if not serving]
                stopped += [row.ad_id for row in rows if not row.serving]
                for row in rows:
                    if row.serving and kept.get(row.ad_id) != row:
                        kept[row.ad_id], changed = row, True
                for ad_id in stopped:
                    if ad_id in kept:
                        del kept[ad_id]
                        changed = True
            self._rows = kept
            self._watermark = read_at
            if full:
                self._full_at = time.monotonic()
            if changed:
                self._versions += 1
                self.snapshot = Snapshot(sorted(kept.values()), self._versions)
        return len(stamps)

    def refresh_region(self, region: str, today: date, *, rates: bool) -> None:
        """Read `region`'s slices of `today`, and its rates when `rates` (or never read), each only when its
        fingerprint (count, latest stamp, sums) moved since the last read."""
        known = self._regions.get(region)
        with self._platform.uow(home=region).transaction() as uow:
            connection = uow.region(region).connection()
            slices_mark = tuple(connection.execute(_SLICES_MARK, {"day": today}).one())
            if known is None or known.day != today or slices_mark != known.slices_mark:
                slices = budgets.slices_of(uow, region=region, day=today)
            else:
                slices = known.slices
            read, rates_mark = (known.rates, known.rates_mark) if known is not None else (RegionRates(), ())
            if rates or known is None:
                rates_mark = tuple(connection.execute(_RATES_MARK).one())
                if known is None or rates_mark != known.rates_mark:
                    read = prediction.read_rates(uow, region=region)
        now = time.monotonic()
        with self._lock:
            if known is None:
                self._regions[region] = RegionDelivery(
                    region, today, slices, read, now, now, slices_mark=slices_mark, rates_mark=rates_mark
                )
                return
            known.day, known.slices, known.slices_at, known.slices_mark = today, slices, now, slices_mark
            known.rates, known.rates_mark = read, rates_mark
            if rates:
                known.rates_at = now


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
