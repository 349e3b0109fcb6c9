"""The feed's jobs; the composition root binds each to its work in `feed.upkeep`."""

from __future__ import annotations

from clipshop.jobs.queue import Job

RETRAIN = Job[[]]("retrain_feed_models", retries=1, retry_delay_s=60, formerly="clipshop.feed.tasks")
RETRAIN_SCHEDULE = Job[[]]("retrain_feed_models_schedule")
REFRESH = Job[[]]("refresh_feed")
PRUNE = Job[[]]("prune_feed_events", formerly="clipshop.feed.tasks")
PRUNE_DAILY = Job[[]]("prune_feed_events_daily")
