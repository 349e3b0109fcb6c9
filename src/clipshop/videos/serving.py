"""Who may fetch a video's files by URL. Feeds and the API withhold the media URLs of a video a viewer may not
see, but a URL, once known, is a key anyone could hold: the media route asks here on every playlist,
segment and poster. The route is hot, so one statement answers from the directory's own copies, by primary
key: whether a moderation decision withheld the video (`WithheldVideo`) and whether its public copy is for
adults only (`PublicVideo.age_restricted`). Only for an adults-only video is the viewer worked out at all."""

from __future__ import annotations

import enum
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date

from sqlalchemy import select

from clipshop.errors import Gone
from clipshop.kit.actors import Actor, Role
from clipshop.kit.db import UnitOfWork
from clipshop.videos.models import PublicVideo, WithheldVideo
from clipshop.videos.service import AgeRestricted, may_review_withheld

# Staff who review content must play what they judge, an adults-only video's appeal included.
REVIEWERS = frozenset({Role.MODERATOR, Role.OPERATOR})


class Gate(enum.Enum):
    """What stands between a URL and a video's files."""

    OPEN = "open"
    WITHHELD = "withheld"  # taken down: refused to everyone (410 `media_withheld`) but its reviewers
    REVIEWING = "reviewing"  # taken down, fetched by a moderator or operator reviewing it (audited)
    ADULTS_ONLY = "adults_only"  # age-restricted: refused to whoever may not see it (403 `age_restricted`)


@dataclass(frozen=True)
class MediaGate:
    gate: Gate
    creator_id: str | None = None


def media_gate(uow: UnitOfWork, *, video_id: str) -> MediaGate:
    """The gate in front of a video's files, in one directory read. A video with no public copy (ready but
    unpublished, or gone) is open unless withheld: its URLs were never given to anyone but its creator."""
    withheld = select(WithheldVideo.video_id).where(WithheldVideo.video_id == video_id).exists()
    adults_only = select(PublicVideo.age_restricted).where(PublicVideo.id == video_id).scalar_subquery()
    creator = select(PublicVideo.creator_id).where(PublicVideo.id == video_id).scalar_subquery()
    is_withheld, restricted, creator_id = uow.directory.execute(select(withheld, adults_only, creator)).one()
    if is_withheld:
        return MediaGate(Gate.WITHHELD)
    if restricted:
        return MediaGate(Gate.ADULTS_ONLY, creator_id)
    return MediaGate(Gate.OPEN)


def ensure_may_fetch(
    uow: UnitOfWork, *, video_id: str, viewer: Callable[[], Actor | None], today: date
) -> MediaGate:
    """Refuse a video's files to whoever may not see the video: 410 `media_withheld` once it is taken down,
    but to moderators of its region and operators reviewing it (each file a gateway decision); 403
    `age_restricted` for an adults-only video to minors, accounts with no birth date and signed-out visitors
    (its creator and moderators excepted). `viewer` is asked only when it matters: public media never cost a
    session read. The answer says how the files may be cached: these two kinds never by a shared cache."""
    gate = media_gate(uow, video_id=video_id)
    if gate.gate is Gate.WITHHELD:
        if may_review_withheld(uow, actor=viewer(), video_id=video_id):
            return MediaGate(Gate.REVIEWING)
        raise Gone("This video was taken down; its files are no longer served.", code="media_withheld")
    if gate.gate is Gate.ADULTS_ONLY:
        actor = viewer()
        allowed = actor is not None and (
            actor.is_adult_on(today) or actor.id == gate.creator_id or actor.role in REVIEWERS
        )
        if not allowed:
            hint = "log in" if actor is None else "add your birth date in settings"
            raise AgeRestricted(
                f"This video is for adults only; if you are 18 or older, {hint} to see it.", video_id=video_id
            )
    return gate
