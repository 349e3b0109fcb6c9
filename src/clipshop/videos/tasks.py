"""The videos' jobs and how they are enqueued; the composition root binds each to the work it runs."""

from __future__ import annotations

from clipshop.jobs.queue import Job, JobQueue
from clipshop.kit.db import UnitOfWork

TRANSCODE = Job[[str]]("transcode_video", retries=1, retry_delay_s=10, formerly="clipshop.jobs.tasks")
RECONCILE = Job[[]]("reconcile")
# Files a lifted decision's process died before revealing (`transcoding.reveal_lost_media`).
REVEAL_LOST_MEDIA = Job[[]]("reveal_lost_media")
REVEAL_EVERY_MINUTES = 10


def enqueue_transcode(jobs: JobQueue, uow: UnitOfWork, *, video_id: str) -> None:
    """Transcode `video_id` once the request that made it has committed."""
    jobs.enqueue_after_commit(uow, TRANSCODE, video_id)
