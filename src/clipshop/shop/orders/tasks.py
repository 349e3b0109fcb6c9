"""The orders' scheduled job; the composition root binds it to `shop.upkeep.housekeeping`."""

from __future__ import annotations

from clipshop.jobs.queue import Job

HOUSEKEEPING = Job[[]]("commerce_housekeeping")
