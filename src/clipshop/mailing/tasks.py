"""The outbox's jobs; the composition root binds each to the work it runs."""

from __future__ import annotations

from clipshop.jobs.queue import Job, JobQueue
from clipshop.kit.db import UnitOfWork

# The mail's id carries its region, so the job works in the recipient's region; ids only, never an address.
SEND = Job[[str]]("send_mail", retries=5, retry_delay_s=30)
RECONCILE = Job[[]]("reconcile_outbox")


def enqueue_send(jobs: JobQueue, uow: UnitOfWork, *, mail_id: str) -> None:
    """Send the mail once the transaction that wrote it has committed."""
    jobs.enqueue_after_commit(uow, SEND, mail_id)
