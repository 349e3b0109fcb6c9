"""Moderation's job: telling the uploader what was decided; the composition root binds it to
`moderation.notices.tell_uploader`."""

from __future__ import annotations

from clipshop.jobs.queue import Job, JobQueue
from clipshop.kit.db import UnitOfWork

# The decision's id carries its region, where the decision and the account it concerns both live.
TELL_UPLOADER = Job[[str]]("notify_moderation_outcome", retries=3, retry_delay_s=10)


def enqueue_tell_uploader(jobs: JobQueue, uow: UnitOfWork, *, decision_id: str) -> None:
    """Tell the uploader about the decision (or its appeal's outcome) once the decision is committed."""
    jobs.enqueue_after_commit(uow, TELL_UPLOADER, decision_id)
