"""Who may see a published video: its public copy, and the age restriction a moderation decision may
put on it."""

from __future__ import annotations

from datetime import date

from clipshop.errors import Forbidden, NotFound
from clipshop.kit.actors import Actor
from clipshop.kit.db import UnitOfWork
from clipshop.videos.models import PublicVideo


def get_public_video(uow: UnitOfWork, *, video_id: str) -> PublicVideo:
    """A published video's public copy, or not found (also once it is taken down)."""
    video = uow.directory.get(PublicVideo, video_id)
    if video is None:
        raise NotFound("video", video_id)
    return video


class AgeRestricted(Forbidden):
    code = "age_restricted"


def may_see(video: PublicVideo, viewer: Actor | None, *, today: date) -> bool:
    """Whether `viewer` may see `video`: an age-restricted one only by an adult (known birth date, 18+)."""
    return not video.age_restricted or (viewer is not None and viewer.is_adult_on(today))


def ensure_may_see(video: PublicVideo, viewer: Actor | None, *, today: date) -> None:
    """Refuse (403 `age_restricted`) an age-restricted video to a minor, an account with no birth date, or a
    signed-out visitor."""
    if not may_see(video, viewer, today=today):
        hint = "log in" if viewer is None else "add your birth date in settings"
        raise AgeRestricted(
            f"This video is for adults only; if you are 18 or older, {hint} to see it.", video_id=video.id
        )
