"""Where a video's files are kept in its region's media store, where viewers fetch them, and the log that
tells a CDN in front of the stores to forget them (a take-down or an age restriction must not be served
from a cache).

A video's files are open (served at the store's public URLs: a bucket's or CDN's) unless a moderation
decision withheld the video or restricted it to adults: then they are *gated*, concealed from the public
URLs and fetched only through the app's media route, which asks `videos.serving` who may have them. Files
are concealed before the decision commits (a failure leaves them hidden, never shown), and revealed only
after a commit that leaves the video ungated."""

from __future__ import annotations

import logging
from collections.abc import Iterable
from datetime import datetime

from sqlalchemy import or_, select

from clipshop.kit.db import UnitOfWork
from clipshop.kit.ports import MediaStore
from clipshop.videos.models import Video

# The hook point for a CDN in front of the media stores: a withheld video's files are refused here at once,
# but a CDN (and browsers) may keep its segments, served `immutable` for a year. An operator's log shipper
# (or a handler added to this logger) turns each entry into a purge of the prefix it names.
purge_log = logging.getLogger("clipshop.media.purge")


def media_prefix(video_id: str) -> str:
    """Where a video's renditions, poster and thumbnail are kept in its region's media store."""
    return f"videos/{video_id}/"


def is_gated(video: Video) -> bool:
    """Whether the video's files are for some viewers only (withheld, or for adults only)."""
    return video.withheld_by is not None or video.age_restricted_by is not None


def media_url(store: MediaStore, video: Video, key: str) -> str:
    """Where a viewer fetches one of the video's files: through the gate when it is gated."""
    return store.gated_url(key) if is_gated(video) else store.url(key)


def gate_files(uow: UnitOfWork, *, video: Video, store: MediaStore, why: str) -> None:
    """Conceal the video's files now (it has just been gated); once committed, ask a CDN to forget them."""
    prefix = media_prefix(video.id)
    store.conceal(prefix)
    where = store.url(prefix)
    uow.after_commit(lambda: purge_log.warning("purge CDN: %s (video %s %s)", where, video.id, why))


def open_files(uow: UnitOfWork, *, video: Video, store: MediaStore) -> None:
    """Reveal the video's files once this unit of work commits, if it leaves the video ungated."""
    if not is_gated(video):
        prefix = media_prefix(video.id)
        uow.after_commit(lambda: store.reveal(prefix))


def place_files(
    uow: UnitOfWork, *, region: str, store: MediaStore, concealed: Iterable[str]
) -> dict[str, list[str]]:
    """Put every video's files of `region` where its gate says: conceal those of gated videos (idempotent)
    and reveal those found concealed (`concealed`: their video ids) of videos no longer gated. For a
    process that died between a decision and moving its files. Returns the ids of each kind."""
    gated_query = select(Video.id).where(
        Video.master_key.is_not(None),
        or_(Video.withheld_by.is_not(None), Video.age_restricted_by.is_not(None)),
    )
    gated = set(uow.region(region).scalars(gated_query))
    for video_id in sorted(gated):
        store.conceal(media_prefix(video_id))
    return {
        "gated": sorted(gated),
        "revealed": _reveal_ungated(uow, region=region, store=store, among=concealed),
    }


def reveal_lost_files(uow: UnitOfWork, *, region: str, store: MediaStore, before: datetime) -> list[str]:
    """Reveal the files of `region`'s videos found concealed, before `before`, though no gate holds them: a
    decision lifted (or never committed) whose process died before moving them back. A gate's files are
    concealed before its decision commits, so this half is the one a crash can leave undone; `before` (some
    minutes ago) keeps a decision still under way from having its files revealed under it. Returns the
    videos revealed."""
    concealed = concealed_videos(store, before=before)
    return _reveal_ungated(uow, region=region, store=store, among=concealed) if concealed else []


def concealed_videos(store: MediaStore, *, before: datetime | None = None) -> set[str]:
    """The ids of the videos some of whose files the store holds concealed (with `before`, concealed before
    then)."""
    keys = store.concealed_keys("videos", before=before)  # videos/<id>/..., as `media_prefix` makes them
    return {key.split("/")[1] for key in keys if key.count("/") >= 2}


def _reveal_ungated(uow: UnitOfWork, *, region: str, store: MediaStore, among: Iterable[str]) -> list[str]:
    ungated = select(Video.id).where(
        Video.id.in_(set(among)), Video.withheld_by.is_(None), Video.age_restricted_by.is_(None)
    )
    opened = sorted(uow.region(region).scalars(ungated))
    for video_id in opened:
        store.reveal(media_prefix(video_id))
    return opened
