"""The catalog's job and how it is enqueued; the composition root binds it to `catalog.projection`."""

from __future__ import annotations

from clipshop.jobs.queue import Job, JobQueue
from clipshop.kit.db import UnitOfWork

PROJECT_STOCK = Job[[list[str]]]("project_stock", formerly="clipshop.shop.tasks")


def enqueue_stock_projection(jobs: JobQueue, uow: UnitOfWork, *, variant_ids: list[str]) -> None:
    """Copy these variants' stock state to the directory once the change to it has committed."""
    jobs.enqueue_after_commit(uow, PROJECT_STOCK, variant_ids)
