"""The data rights jobs and how they are enqueued; the composition root binds each to the work it runs."""

from __future__ import annotations

from clipshop.jobs.queue import Job, JobQueue
from clipshop.kit.db import UnitOfWork

ERASE = Job[[str]]("erase_account", retries=5, retry_delay_s=30)
RECONCILE = Job[[]]("reconcile_erasures")


def enqueue_erasure(jobs: JobQueue, uow: UnitOfWork, *, user_id: str) -> None:
    """Erase `user_id` once the request that asked for it has committed."""
    jobs.enqueue_after_commit(uow, ERASE, user_id)
