"""Moderation's restrictions: what a decision may limit about a video without withholding it (who may
see it, whether it is recommended), on the video and its public copy at once."""

from __future__ import annotations

import enum
from datetime import datetime

from clipshop.kit.db import UnitOfWork
from clipshop.kit.ids import region_of
from clipshop.videos.models import PublicVideo, Video
from clipshop.videos.service.files import media_prefix, purge_log


class Restriction(enum.StrEnum):
    """What a moderation decision may limit about a video without withholding it."""

    AGE = (
        "age"  # adults only: hidden from minors, from accounts with no birth date and from signed-out viewers
    )
    RECOMMENDATIONS = "recommendations"  # out of For You, trending and hashtags; still on the profile


def restrict_video(
    uow: UnitOfWork, *, video: Video, restriction: Restriction, decision_id: str, now: datetime
) -> bool:
    """Record a moderation restriction on a video and on its public copy at once; False when one of the
    kind is recorded already. `video` comes through the residency gateway when not at home."""
    column = "age_restricted_by" if restriction is Restriction.AGE else "unrecommended_by"
    if getattr(video, column) is not None:
        return False
    setattr(video, column, decision_id)
    video.updated_at = now
    _copy_restrictions(uow, video)
    if restriction is Restriction.AGE:
        # Its files were served to anyone until now, `immutable`: a CDN must forget them (`videos.serving`).
        prefix = f"/media/{region_of(video.id)}/{media_prefix(video.id)}"
        uow.after_commit(
            lambda: purge_log.warning("purge CDN: %s (video %s age-restricted)", prefix, video.id)
        )
    return True


def lift_restriction(uow: UnitOfWork, *, video: Video, decision_id: str, now: datetime) -> bool:
    """Lift whatever restriction `decision_id` put on the video (a won appeal)."""
    lifted = False
    for column in ("age_restricted_by", "unrecommended_by"):
        if getattr(video, column) == decision_id:
            setattr(video, column, None)
            lifted = True
    if lifted:
        video.updated_at = now
        _copy_restrictions(uow, video)
    return lifted


def _copy_restrictions(uow: UnitOfWork, video: Video) -> None:
    public = uow.directory.get(PublicVideo, video.id)
    if public is not None:
        public.age_restricted = video.age_restricted_by is not None
        public.unrecommended = video.unrecommended_by is not None
