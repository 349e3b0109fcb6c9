"""Moderation's restrictions: what a decision may limit about a video without withholding it (who may
see it, whether it is recommended), on the video and its public copy at once."""

from __future__ import annotations

import enum
from datetime import datetime

from clipshop.kit.db import UnitOfWork
from clipshop.kit.ports import MediaStore
from clipshop.videos.models import PublicVideo, Video
from clipshop.videos.service.files import gate_files, media_url, open_files


class Restriction(enum.StrEnum):
    """What a moderation decision may limit about a video without withholding it."""

    AGE = (
        "age"  # adults only: hidden from minors, from accounts with no birth date and from signed-out viewers
    )
    RECOMMENDATIONS = "recommendations"  # out of For You, trending and hashtags; still on the profile


def restrict_video(
    uow: UnitOfWork,
    *,
    video: Video,
    restriction: Restriction,
    decision_id: str,
    store: MediaStore,
    now: datetime,
) -> bool:
    """Record a moderation restriction on a video and on its public copy at once (an age restriction gates
    its files in `store`, its region's); False when one of the kind is recorded already. `video` comes
    through the residency gateway when not at home."""
    column = "age_restricted_by" if restriction is Restriction.AGE else "unrecommended_by"
    if getattr(video, column) is not None:
        return False
    setattr(video, column, decision_id)
    video.updated_at = now
    _copy_restrictions(uow, video, store)
    if restriction is Restriction.AGE:
        # Its files were served to anyone until now, `immutable`: a CDN must forget them (`videos.serving`).
        gate_files(uow, video=video, store=store, why="age-restricted")
    return True


def lift_restriction(
    uow: UnitOfWork, *, video: Video, decision_id: str, store: MediaStore, now: datetime
) -> bool:
    """Lift whatever restriction `decision_id` put on the video (a won appeal); its files are served at their
    public URLs again unless something else still gates them."""
    lifted = False
    for column in ("age_restricted_by", "unrecommended_by"):
        if getattr(video, column) == decision_id:
            setattr(video, column, None)
            lifted = True
    if lifted:
        video.updated_at = now
        _copy_restrictions(uow, video, store)
        open_files(uow, video=video, store=store)
    return lifted


def _copy_restrictions(uow: UnitOfWork, video: Video, store: MediaStore) -> None:
    """The restrictions onto the public copy, with the media URLs they call for (through the gate or not)."""
    public = uow.directory.get(PublicVideo, video.id)
    if public is not None:
        public.age_restricted = video.age_restricted_by is not None
        public.unrecommended = video.unrecommended_by is not None
        if video.master_key is not None:
            public.master_url = media_url(store, video, video.master_key)
        public.poster_url = media_url(store, video, video.poster_key) if video.poster_key else None
        public.thumb_url = media_url(store, video, video.thumb_key) if video.thumb_key else None
