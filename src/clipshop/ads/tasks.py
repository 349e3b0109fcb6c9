"""Advertising's jobs and how they are declared; the composition root binds each to the work it runs."""

from __future__ import annotations

from collections.abc import Iterable

from clipshop.jobs.queue import Job, JobQueue
from clipshop.kit.db import UnitOfWork

# Write a campaign's ads to the directory again, in the campaign's region (its id carries it): after a
# decision that gave back a video or a product its ads promote, decided from wherever the moderator works.
PROJECT_CAMPAIGN = Job[[str]]("project_ad_campaign", retries=3, retry_delay_s=10)


def enqueue_project_campaigns(jobs: JobQueue, uow: UnitOfWork, *, campaign_ids: Iterable[str]) -> None:
    """Project each campaign again once `uow` has committed."""
    for campaign_id in sorted(set(campaign_ids)):
        jobs.enqueue_after_commit(uow, PROJECT_CAMPAIGN, campaign_id)


# Each region's click and purchase rates per ad, from its own events (`ads.prediction`).
REBUILD_RATES = Job[[]]("rebuild_ad_rates")
RATES_EVERY_MINUTES = 10

# Budgets and money (the composition root binds them to ads.rebalancing, ads.billing, ads.attribution):
# every `ads_rebalance_minutes` the budget slices of every region are resized; every `ads_billing_minutes`
# their spend is billed to the advertisers' balances and campaigns out of money or budget pause; every few
# minutes (and once a day over two days) purchases are attributed to ads.
REBALANCE_BUDGETS = Job[[]]("rebalance_ad_budgets")
BILL_SPEND = Job[[]]("bill_ad_spend")
ATTRIBUTE_CONVERSIONS = Job[[]]("attribute_ad_conversions")
ATTRIBUTE_CONVERSIONS_DAILY = Job[[]]("attribute_ad_conversions_daily")
ATTRIBUTE_EVERY_MINUTES = 5

# Top-ups whose request died before the provider's answer was recorded (`ads.advertisers.recover_topups`).
RECOVER_TOPUPS = Job[[]]("recover_ad_topups")
RECOVER_TOPUPS_EVERY_MINUTES = 5
