"""The commerce jobs and how they are enqueued; the composition root binds each to its work in
`shop.upkeep`."""

from __future__ import annotations

from clipshop.jobs.queue import Job, JobQueue
from clipshop.kit.db import UnitOfWork

DELIVER_SANDBOX_EVENTS = Job[[]]("deliver_sandbox_events", retries=0)
PROJECT_STOCK = Job[[list[str]]]("project_stock")
HOUSEKEEPING = Job[[]]("commerce_housekeeping")
PAYOUTS = Job[[]]("payouts")


def enqueue_stock_projection(jobs: JobQueue, uow: UnitOfWork, *, variant_ids: list[str]) -> None:
    """Copy these variants' stock state to the directory once the change to it has committed."""
    jobs.enqueue_after_commit(uow, PROJECT_STOCK, variant_ids)
