"""The videos' background work. Transcoding: one ffmpeg run per video makes every rung and the clip's
signature, then the video is ready and checked (held for review if it matches a video taken down or its
caption holds a blocked word), and published if asked and not held. Idempotent: a ready video is left
alone, a lease keeps two workers off the same video, and outputs are written to a workspace that replaces
the served folder only when complete. The reconciler re-enqueues transcodes whose wake-up call was lost (a
crash between commit and enqueue, a killed worker); `reveal_lost_media` puts back in the public bucket the
files a lifted decision's process died before revealing."""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Iterable
from datetime import datetime, timedelta

from sqlalchemy import or_, select, update

from clipshop.kit.ids import region_of
from clipshop.kit.ports import Ladder, TranscodeFailed
from clipshop.platform import Platform
from clipshop.videos import service
from clipshop.videos.models import Rendition, RenditionStatus, Upload, Video, VideoStatus
from clipshop.videos.tasks import TRANSCODE

log = logging.getLogger(__name__)

LEASE_S = 120.0
PROGRESS_EVERY_S = 1.0
TIMEOUT_PER_MEDIA_SECOND = 20.0
MAX_ATTEMPTS = 3
# Work still queued this long after its row was written has lost its wake-up call.
STALE_AFTER = timedelta(minutes=2)
# Files concealed this long ago belong to a decision that has long committed, or never will.
CONCEALED_SETTLED_AFTER = timedelta(minutes=5)


def reconcile(platform: Platform) -> int:
    """Re-enqueue videos still processing whose lease ran out or that never got a worker; returns how many."""
    now = platform.clock.now()
    lost: list[str] = []
    for region in platform.databases.regions:
        with platform.uow(home=region).transaction() as uow:
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
        platform.jobs.enqueue(TRANSCODE, video_id)
    return len(lost)


def reveal_lost_media(platform: Platform) -> dict[str, list[str]]:
    """Reveal, in every region, the files of videos no gate holds that were left concealed (a decision lifted
    whose process died before moving them back, or one that never committed); the videos revealed, by
    region. Gated videos' files are concealed before their decision commits, so nothing else is left to do
    here; `clipshop media place` does both halves by hand."""
    before = platform.clock.now() - CONCEALED_SETTLED_AFTER
    revealed: dict[str, list[str]] = {}
    for region in platform.databases.regions:
        store = platform.media_store(region)
        with platform.uow(home=region).transaction() as uow:
            opened = service.reveal_lost_files(uow, region=region, store=store, before=before)
        if opened:
            log.warning("revealed the files of %s in %s, left concealed", opened, region)
            revealed[region] = opened
    return revealed


def transcode_video(platform: Platform, video_id: str) -> None:
    region = region_of(video_id)
    store = platform.media_store(region)
    volume = platform.upload_volumes[region]
    with platform.uow(home=region).transaction() as uow:
        video = uow.region(region).get(Video, video_id)
        now = platform.clock.now()
        if video is None or video.status is not VideoStatus.PROCESSING:
            return
        if video.lease_until is not None and video.lease_until > now:
            log.info("video %s is being transcoded elsewhere; skipping", video_id)
            return
        if video.attempts >= MAX_ATTEMPTS:
            _fail(
                video,
                uow.region(region).scalars(select(Rendition).where(Rendition.video_id == video_id)),
                f"gave up after {video.attempts} attempts",
                now,
            )
            return
        video.attempts += 1
        service.lease(video, now, seconds=LEASE_S)
        upload = uow.region(region).get_one(Upload, video.upload_id)
        probe = service.upload_probe(upload)
        source = volume.local_path(upload.id)
        names = [r.name for r in service.renditions_of(uow, video)]
        uow.region(region).execute(
            update(Rendition)
            .where(Rendition.video_id == video_id)
            .values(status=RenditionStatus.PROCESSING, percent=0.0, error=None, updated_at=now)
        )

    progress = _ProgressWriter(platform, video_id)
    prefix = f"videos/{video_id}/hls"
    with volume.workspace(video_id) as scratch:
        try:
            result = platform.transcoder.ladder(
                source=source,
                probe=probe,
                renditions=names,
                out_dir=scratch,
                on_progress=progress,
                timeout_s=max(120.0, probe.duration_s * TIMEOUT_PER_MEDIA_SECOND),
            )
        except TranscodeFailed as error:
            with platform.uow(home=region).transaction() as uow:
                video = uow.region(region).get_one(Video, video_id)
                renditions = uow.region(region).scalars(
                    select(Rendition).where(Rendition.video_id == video_id)
                )
                _fail(video, renditions, str(error), platform.clock.now())
            return
        store.put_folder(prefix, scratch)
    _finish(platform, video_id, prefix, result)


def _finish(platform: Platform, video_id: str, prefix: str, result: Ladder) -> None:
    region = region_of(video_id)
    with platform.uow(home=region).transaction() as uow:
        db = uow.region(region)
        video = db.get_one(Video, video_id)
        now = platform.clock.now()
        by_name = {v.name: v for v in result.rungs}
        for rendition in db.scalars(select(Rendition).where(Rendition.video_id == video_id)):
            variant = by_name.get(rendition.name)
            if variant is None:
                rendition.status, rendition.error = RenditionStatus.FAILED, "not produced"
                continue
            rendition.width, rendition.height, rendition.bandwidth = (
                variant.width,
                variant.height,
                variant.bandwidth,
            )
            rendition.status, rendition.percent, rendition.updated_at = RenditionStatus.READY, 100.0, now
        video.master_key = f"{prefix}/{result.master}"
        video.poster_key = f"{prefix}/{result.poster}"
        video.thumb_key = f"{prefix}/{result.thumb}"
        video.status, video.error, video.lease_until, video.updated_at = VideoStatus.READY, None, None, now
        if service.is_gated(video):  # decided while it was encoding: its files go behind the gate too
            platform.media_store(region).conceal(service.media_prefix(video_id))
        held = service.check_ready_video(
            uow,
            video=video,
            signature=result.signature,
            blocklist=platform.blocklist,
            desk=platform.review_desk,
            now=now,
        )
        if held is None and video.publish_when_ready:
            service.publish_video(uow, video=video, stores=platform.media, now=now)
    if held is not None:
        log.info("video %s ready in %.1fs, held for review: %s", video_id, result.elapsed_s, held)
    else:
        log.info("video %s ready in %.1fs", video_id, result.elapsed_s)


def _fail(video: Video, renditions: Iterable[Rendition], reason: str, now: datetime) -> None:
    video.status, video.error, video.lease_until, video.updated_at = (
        VideoStatus.FAILED,
        reason[-2000:],
        None,
        now,
    )
    for rendition in renditions:
        if rendition.status is not RenditionStatus.READY:
            rendition.status, rendition.error, rendition.updated_at = (
                RenditionStatus.FAILED,
                reason[-500:],
                now,
            )


class _ProgressWriter:
    """Stores ffmpeg's percent (at most once a second) and renews the lease while the job is alive."""

    def __init__(self, platform: Platform, video_id: str) -> None:
        self.platform, self.video_id = platform, video_id
        self.last = 0.0
        self.lock = threading.Lock()

    def __call__(self, percent: float) -> None:
        now_mono = time.monotonic()
        if now_mono - self.last < PROGRESS_EVERY_S and percent < 100:
            return
        with self.lock:
            self.last = now_mono
            region = region_of(self.video_id)
            with self.platform.uow(home=region).transaction() as uow:
                now = self.platform.clock.now()
                db = uow.region(region)
                db.execute(
                    update(Rendition)
                    .where(
                        Rendition.video_id == self.video_id, Rendition.status == RenditionStatus.PROCESSING
                    )
                    .values(percent=min(percent, 99.0), updated_at=now)
                )
                video = db.get(Video, self.video_id)
                if video is not None:
                    service.lease(video, now, seconds=LEASE_S)
