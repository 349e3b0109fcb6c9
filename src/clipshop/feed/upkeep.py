"""The feed's scheduled upkeep: the retrain of every region's model, a five-minute refresh of trending and
of the vectors of newly published videos, and a daily prune of events and served items past
`recs_keep_days`."""

from __future__ import annotations

import logging
from datetime import timedelta

from clipshop.events import service as events
from clipshop.feed import served, sources
from clipshop.feed.learning.training import embed_new_videos, retrain_in_child
from clipshop.platform import Platform

log = logging.getLogger(__name__)
REFRESH_MINUTES = 5
# Rows deleted per transaction, so a region's write lock (SQLite) is never held for long.
PRUNE_BATCH = 5000


def retrain_feed_models(platform: Platform) -> None:
    retrain_in_child(platform, list(platform.settings.regions))


def refresh_feed(platform: Platform) -> None:
    for region in platform.settings.regions:
        with platform.uow(home=region).transaction() as uow:
            sources.refresh_trending(uow, region=region, now=platform.clock.now())
        embed_new_videos(platform, region)


def prune_feed_history(platform: Platform) -> None:
    """Delete events and served items older than the keep window, a batch per transaction."""
    before = platform.clock.now() - timedelta(days=platform.settings.recs_keep_days)
    for region in platform.settings.regions:
        for prune in (events.prune, served.prune):
            gone = -1
            while gone != 0:
                with platform.uow(home=region).transaction() as uow:
                    gone = prune(uow, region=region, before=before, batch=PRUNE_BATCH)
                log.info("pruned %d feed rows of %s older than %s", gone, region, before)
