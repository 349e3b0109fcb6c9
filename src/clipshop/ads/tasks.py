"""Advertising's jobs and how they are declared; the composition root binds each to the work it runs."""

from __future__ import annotations

from clipshop.jobs.queue import Job

# Each region's click and purchase rates per ad, from its own events (`ads.prediction`).
REBUILD_RATES = Job[[]]("rebuild_ad_rates")
RATES_EVERY_MINUTES = 10
