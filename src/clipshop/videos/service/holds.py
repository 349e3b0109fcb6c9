"""Automatic checks: holds for review and the signatures of removed videos. A video is checked once
transcoded; one that matches a taken-down video (any region's) or has a blocked word is held for a
moderator, out of every public place until released."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import delete, select

from clipshop.kit.blocklist import Blocklist
from clipshop.kit.db import UnitOfWork
from clipshop.kit.ids import region_of
from clipshop.kit.ports import MediaStore
from clipshop.kit.review import HeldKind, HoldReason, ReviewDesk
from clipshop.media.signature import DEFAULT_MATCHING, Matching
from clipshop.videos.models import BlockedSignature, PublicVideo, Video, VideoStatus
from clipshop.videos.service.publishing import publish_video, take_public_copy_down


def hold_video(uow: UnitOfWork, *, video: Video, reason: HoldReason, desk: ReviewDesk, now: datetime) -> None:
    """Hold a video for a moderator's review: out of every public place at once (as a take-down, but its
    media stay playable for its creator and the moderator) and before a moderator through `desk`. A video
    held already, or withheld by a decision, is left as it is."""
    if video.held_for is not None or video.withheld_by is not None:
        return
    video.held_for, video.updated_at = reason.value, now
    take_public_copy_down(uow, video=video)
    desk.hold(uow, kind=HeldKind.VIDEO, content_id=video.id, owner_id=video.owner_id, reason=reason, now=now)


def release_hold(uow: UnitOfWork, *, video: Video, store: MediaStore, now: datetime) -> PublicVideo | None:
    """A moderator found nothing wrong with a held video: it is published (now) if its creator asked for
    that, and projected everywhere. None if it was not held or stays unpublished."""
    if video.held_for is None:
        return None
    video.held_for, video.updated_at = None, now
    if video.status is not VideoStatus.READY or video.withheld_by is not None or not video.publish_when_ready:
        return None
    return publish_video(uow, video=video, stores={region_of(video.id): store}, now=now)


def check_ready_video(
    uow: UnitOfWork,
    *,
    video: Video,
    signature: bytes,
    blocklist: Blocklist,
    desk: ReviewDesk,
    now: datetime,
    matching: Matching = DEFAULT_MATCHING,
) -> HoldReason | None:
    """The checks a video passes once transcoded, before it may be published: its signature is kept, and it
    is held for review if it is a re-upload of a video taken down (any region's) or its caption holds a
    blocked word. Returns the reason it was held, if it was."""
    video.signature = signature or None
    reason: HoldReason | None = None
    if signature and matching_removed(uow, signature=signature, matching=matching) is not None:
        reason = HoldReason.MATCHES_REMOVED_CONTENT
    elif blocklist.found_in(video.caption):
        reason = HoldReason.BLOCKED_WORDS
    if reason is not None:
        hold_video(uow, video=video, reason=reason, desk=desk, now=now)
    return reason


def matching_removed(
    uow: UnitOfWork, *, signature: bytes, matching: Matching = DEFAULT_MATCHING
) -> str | None:
    """The decision whose taken-down video `signature` matches (the first by id), or None."""
    query = select(BlockedSignature.decision_id, BlockedSignature.signature).order_by(
        BlockedSignature.decision_id
    )
    for decision_id, blocked in uow.directory.execute(query):
        if matching.same_clip(signature, blocked):
            return str(decision_id)
    return None


def block_signature(uow: UnitOfWork, *, video: Video, decision_id: str, now: datetime) -> bool:
    """List a taken-down video's signature in the directory, so any region's re-upload of it is held. False
    when it has none (transcoded before signatures were made)."""
    if not video.signature or uow.directory.get(BlockedSignature, decision_id) is not None:
        return False
    uow.directory.add(BlockedSignature(decision_id=decision_id, signature=video.signature, since=now))
    return True


def unblock_signature(uow: UnitOfWork, *, decision_id: str) -> None:
    """Forget the signature a decision listed (the decision was overturned)."""
    uow.directory.execute(delete(BlockedSignature).where(BlockedSignature.decision_id == decision_id))
