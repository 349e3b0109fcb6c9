"""The feed's background jobs: the scheduled retrain of every region's model, a five-minute refresh of
trending and of the vectors of newly published videos, and a daily prune of events and served items past
`recs_keep_days`."""

from __future__ import annotations

import logging
from datetime import timedelta
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from clipshop.platform import Platform

log = logging.getLogger(__name__)
REFRESH_MINUTES = 5


def register(platform: Platform) -> None:
    def retrain_feed_models() -> None:
        from clipshop.feed.training import retrain_in_child

        retrain_in_child(platform, list(platform.settings.regions))

    def refresh_feed() -> None:
        from clipshop.feed import sources
        from clipshop.feed.training import embed_new_videos

        for region in platform.settings.regions:
            with platform.uow().transaction() as uow:
                sources.refresh_trending(uow, region=region, now=platform.clock.now())
            embed_new_videos(platform, region)

    def prune_feed_events() -> None:
        from clipshop.feed.events import prune

        before = platform.clock.now() - timedelta(days=platform.settings.recs_keep_days)
        for region in platform.settings.regions:
            gone = -1
            while gone != 0:
                with platform.uow().transaction() as uow:
                    gone = prune(uow, region=region, before=before)
                log.info("pruned %d feed rows of %s older than %s", gone, region, before)

    platform.jobs.register("retrain_feed_models", retrain_feed_models, retries=1, retry_delay=60)
    platform.jobs.register("prune_feed_events", prune_feed_events)
    platform.jobs.register_periodic("prune_feed_events_daily", prune_feed_events, minutes=24 * 60)
    platform.jobs.register_periodic(
        "retrain_feed_models_schedule", retrain_feed_models, minutes=platform.settings.recs_retrain_minutes
    )
    platform.jobs.register_periodic("refresh_feed", refresh_feed, minutes=REFRESH_MINUTES)
