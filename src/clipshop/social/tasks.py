"""The social jobs: copy a region's engagement totals to the public counters, after the commit that moved
them. The composition root binds each to its work in `social.service`."""

from __future__ import annotations

from clipshop.jobs.queue import Job, JobQueue
from clipshop.kit.db import UnitOfWork

PROJECT_VIDEO_COUNTS = Job[[str, str]]("project_video_counts", formerly="clipshop.jobs.tasks")
PROJECT_FOLLOW_COUNTS = Job[[str, str, str]]("project_follow_counts", formerly="clipshop.jobs.tasks")


def enqueue_video_counts(jobs: JobQueue, uow: UnitOfWork, *, region: str, video_id: str) -> None:
    jobs.enqueue_after_commit(uow, PROJECT_VIDEO_COUNTS, region, video_id)


def enqueue_follow_counts(
    jobs: JobQueue, uow: UnitOfWork, *, region: str, followee_id: str, follower_id: str
) -> None:
    jobs.enqueue_after_commit(uow, PROJECT_FOLLOW_COUNTS, region, followee_id, follower_id)


# Telling the person concerned (the video's creator, the comment's author, the account followed): the
# action's kind, who acted and on what, ids only. The job works in the actor's region, where the action's
# row is, and writes into the recipient's region through the residency gateway.
NOTIFY = Job[[str, str, str]]("notify_engagement", retries=3, retry_delay_s=10)
# Every minute: tell again what a lost or failed NOTIFY left unsent (`social.notices.resend_unsent`).
RESEND_NOTICES = Job[[]]("resend_unsent_notices")


def enqueue_notice(jobs: JobQueue, uow: UnitOfWork, *, kind: str, actor_id: str, subject_id: str) -> None:
    """Tell whom `kind` (like, comment, follow) by `actor_id` on `subject_id` concerns, after the commit."""
    jobs.enqueue_after_commit(uow, NOTIFY, kind, actor_id, subject_id)


# A block drops the blocked account's follow of the blocker: in the follower's region, by that region's job.
DROP_FOLLOW = Job[[str, str]]("drop_follow_across_block")


def enqueue_drop_follow(jobs: JobQueue, uow: UnitOfWork, *, follower_id: str, followee_id: str) -> None:
    jobs.enqueue_after_commit(uow, DROP_FOLLOW, follower_id, followee_id)
