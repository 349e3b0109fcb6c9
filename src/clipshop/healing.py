"""Heals the directory from the regions. A unit of work commits its regions (the truth) before the directory
(a projection); a process that dies in between leaves the directory without what it was about to write: an
account's index entry and profile, a published video's public copy, a shop's, a product's, a comment's, a
review's, or counters whose job never got queued. Each domain rebuilds its own copies of one region
(`heal_projections` in accounts.service, videos.service, social.service and shop.public); this module
calls them in turn, one unit of work per region, every minute (`HEAL_PROJECTIONS`), and sweeps everything
once a day (`HEAL_ALL_PROJECTIONS`) for what leaves no trace to find it by, such as a comment's deletion;
that run also rebuilds the search index's SQLite FTS tables. The same runs write back the hints blocks
left in other regions that a crash between the two regions' commits lost (`social.controls`), and tell
uploaders the moderation outcomes whose job died with its process (`moderation.notices`).

A run compares only the rows written since the last one (less `OVERLAP`, for transactions still open
then), and leaves alone rows written in the last `SETTLE`, whose own request may still be between its two
commits. Every step is idempotent: a second run fixes nothing. A run that races a request changing the same
row may write back the copy that request just replaced; the row's new write time then falls in the next
run's window, which puts it right.
"""

from __future__ import annotations

import logging
import time
from collections import Counter
from dataclasses import dataclass, field
from datetime import timedelta

from clipshop.accounts import service as accounts
from clipshop.jobs.queue import Job
from clipshop.kit.watermarks import HealWatermark, Window
from clipshop.moderation import notices as moderation_notices
from clipshop.platform import Platform
from clipshop.residency.carving import detached_regions
from clipshop.search import service as search
from clipshop.shop import public as shop
from clipshop.social import controls as social_controls
from clipshop.social import service as social
from clipshop.videos import service as videos

log = logging.getLogger(__name__)

HEAL_PROJECTIONS = Job[[]]("heal_projections")
HEAL_ALL_PROJECTIONS = Job[[]]("heal_all_projections")
# Rows written this recently may belong to a request that has not reached its directory commit yet.
SETTLE = timedelta(minutes=1)
# Rows are stamped when their request starts; one that commits later than its stamp by up to this much is
# still seen by the next run.
OVERLAP = timedelta(minutes=5)


@dataclass
class RegionHealed:
    """What one run fixed in the directory for one region, by kind of row."""

    region: str
    window: Window | None = None
    fixed: dict[str, int] = field(default_factory=dict)
    seconds: float = 0.0
    error: str | None = None


def heal_projections(platform: Platform, *, full: bool = False) -> list[RegionHealed]:
    """Compare every region's rows written since its last run (all of them when `full`, or on a region's
    first run) with their directory copies, and rebuild those missing or stale. A region that fails is
    logged and reported, and the others still run. A region carved out of the deployment (`clipshop region
    detach`) is never healed back in."""
    healed = []
    with platform.uow().transaction() as uow:
        gone = detached_regions(uow.directory)
    for region in platform.databases.regions:
        if region in gone:
            continue
        try:
            healed.append(heal_region(platform, region=region, full=full))
        except Exception as error:  # one region's failure must not keep the others unhealed
            log.exception("healing the directory from region %s failed", region)
            healed.append(RegionHealed(region, error=f"{error.__class__.__name__}: {error}"))
    if full:
        # The search index follows every write of a public copy by itself (database triggers and indexes);
        # the daily run also rebuilds SQLite's FTS tables, in case anything moved the rowids they key on.
        with platform.uow().transaction() as uow:
            search.rebuild_index(uow.directory)
    return healed


def heal_region(platform: Platform, *, region: str, full: bool = False) -> RegionHealed:
    """One region's run, in one unit of work: the accounts first (the rows the others' counters land on),
    then the videos, the engagement, and the shop."""
    started = time.perf_counter()
    now = platform.clock.now()
    with platform.uow(home=region).transaction() as uow:
        mark = uow.directory.get(HealWatermark, region)
        since = None if full or mark is None else mark.healed_through - OVERLAP
        window = Window(since=since, before=now - SETTLE)
        store = platform.media_store(region)
        fixed: Counter[str] = Counter()
        secret = platform.settings.secret_key
        fixed.update(accounts.heal_projections(uow, region=region, window=window, secret=secret, store=store))
        fixed.update(videos.heal_projections(uow, region=region, window=window, store=store))
        fixed.update(social.heal_projections(uow, region=region, window=window))
        fixed.update(social_controls.heal_block_hints(uow, region=region, window=window))
        fixed.update(shop.heal_projections(uow, region=region, window=window, now=now))
        fixed.update(moderation_notices.heal_outcomes(uow, region=region, window=window))
        if mark is None:
            uow.directory.add(HealWatermark(region=region, healed_through=window.before))
        elif mark.healed_through < window.before:
            mark.healed_through = window.before
    healed = RegionHealed(region, window, dict(sorted(fixed.items())), seconds=time.perf_counter() - started)
    if healed.fixed:
        log.warning("healed the directory from region %s: %s", region, healed.fixed)
    return healed


def run_heal(platform: Platform) -> None:
    """The periodic job: heal what changed since the last run."""
    heal_projections(platform)


def run_full_heal(platform: Platform) -> None:
    """The daily job: compare everything."""
    heal_projections(platform, full=True)
