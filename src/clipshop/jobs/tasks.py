"""The background jobs, bound to a platform: transcoding, counter projections, and the reconciler that
re-enqueues work whose wake-up call was lost (a crash between commit and enqueue, a killed worker)."""

from __future__ import annotations

import logging
from datetime import timedelta
from typing import TYPE_CHECKING, Any

from sqlalchemy import or_, select

from clipshop.kit.db import UnitOfWork

if TYPE_CHECKING:
    from clipshop.platform import Platform

log = logging.getLogger(__name__)

# Work still queued this long after its row was written has lost its wake-up call.
STALE_AFTER = timedelta(minutes=2)


def enqueue_after_commit(platform: Platform, uow: UnitOfWork, name: str, *args: Any) -> None:
    uow.after_commit(lambda: platform.jobs.enqueue(name, *args))


def register_tasks(platform: Platform) -> None:
    from clipshop.social import service as social
    from clipshop.videos.tasks import transcode_video

    def run_transcode(video_id: str) -> None:
        transcode_video(platform, video_id)

    def run_project_video_counts(region: str, video_id: str) -> None:
        with platform.uow().transaction() as uow:
            social.project_video_counts(uow, region=region, video_id=video_id)

    def run_project_follow_counts(region: str, followee_id: str, follower_id: str) -> None:
        with platform.uow().transaction() as uow:
            social.project_follow_counts(uow, region=region, followee_id=followee_id, follower_id=follower_id)

    def run_reconcile() -> None:
        reconcile(platform)

    jobs = platform.jobs
    jobs.register("transcode_video", run_transcode, retries=1, retry_delay=10)
    jobs.register("project_video_counts", run_project_video_counts)
    jobs.register("project_follow_counts", run_project_follow_counts)
    jobs.register_periodic("reconcile", run_reconcile, minutes=1)

    from clipshop.shop.tasks import register as register_shop_tasks

    register_shop_tasks(platform)

    from clipshop.feed.tasks import register as register_feed_tasks

    register_feed_tasks(platform)


def reconcile(platform: Platform) -> int:
    """Re-enqueue videos still processing whose lease ran out or that never got a worker; returns how many."""
    from clipshop.videos.models import Video, VideoStatus

    now = platform.clock.now()
    lost: list[str] = []
    for region in platform.databases.regions:
        with platform.uow().transaction() as uow:
            query = select(Video.id).where(
                Video.status == VideoStatus.PROCESSING,
                or_(
                    Video.lease_until < now,
                    (Video.lease_until.is_(None)) & (Video.created_at < now - STALE_AFTER),
                ),
            )
            lost.extend(uow.region(region).scalars(query))
    for video_id in lost:
        log.info("re-enqueueing transcode of %s", video_id)
        platform.jobs.enqueue("transcode_video", video_id)
    return len(lost)
