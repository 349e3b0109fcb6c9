"""Advertising's jobs and how they are declared; the composition root binds each to the work it runs."""

from __future__ import annotations

from clipshop.jobs.queue import Job

# Budgets and money (the composition root binds them to ads.rebalancing, ads.billing, ads.attribution):
# every `ads_rebalance_minutes` the budget slices of every region are resized; every `ads_billing_minutes`
# their spend is billed to the advertisers' balances and campaigns out of money or budget pause; every few
# minutes (and once a day over two days) purchases are attributed to ads.
REBALANCE_BUDGETS = Job[[]]("rebalance_ad_budgets")
BILL_SPEND = Job[[]]("bill_ad_spend")
ATTRIBUTE_CONVERSIONS = Job[[]]("attribute_ad_conversions")
ATTRIBUTE_CONVERSIONS_DAILY = Job[[]]("attribute_ad_conversions_daily")
ATTRIBUTE_EVERY_MINUTES = 5
