"""Comments and one level of replies: the row in the author's region, its public copy in the directory.
Held comments (blocked words) stay private until a moderator releases them; comments with a word the
creator filters are public but listed to their author only."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import and_, or_, select

from clipshop.accounts.models import PublicProfile
from clipshop.errors import Invalid, NotFound
from clipshop.events import service as events
from clipshop.events.models import EventKind
from clipshop.jobs.queue import JobQueue
from clipshop.kit.actors import Actor
from clipshop.kit.blocklist import Blocklist
from clipshop.kit.db import UnitOfWork
from clipshop.kit.ids import new_id, region_of
from clipshop.kit.review import HeldKind, HoldReason, ReviewDesk
from clipshop.social import filtering, notices
from clipshop.social.models import Comment, PublicComment
from clipshop.social.notices import COMMENT
from clipshop.social.service.counters import bump_video
from clipshop.social.shield import NO_SHIELD, Shield, refuse_across_block, shield_of
from clipshop.videos.models import PublicVideo
from clipshop.videos.service import ensure_may_see, get_public_video

MAX_COMMENT = 500


def add_comment(
    uow: UnitOfWork,
    *,
    actor: Actor,
    video_id: str,
    body: str,
    parent_id: str | None,
    blocklist: Blocklist,
    desk: ReviewDesk,
    now: datetime,
    jobs: JobQueue,
) -> Comment:
    """Comment on a video, or reply to a top-level comment (replies are one level deep). Refused (403
    `blocked`) when the video's creator, or the author replied to, and the actor are apart by a block. A
    comment with a blocked word is held for a moderator's review: kept, shown to its author only, counted
    nowhere. One with a word the creator filters is held back (`filtered`): public, listed to its author
    only."""
    video = get_public_video(uow, video_id=video_id)
    body = body.strip()
    if not 1 <= len(body) <= MAX_COMMENT:
        raise Invalid(f"A comment is 1 to {MAX_COMMENT} characters.", field="body")
    ensure_may_see(video, actor, today=now.date())
    shield = shield_of(uow, actor)
    refuse_across_block(shield, [video.creator_id], doing="comment on its videos")
    if parent_id is not None:
        parent = uow.directory.get(PublicComment, parent_id)
        if parent is None or parent.video_id != video_id:
            raise NotFound("comment", parent_id, field="parent_id")
        if parent.parent_id is not None:
            parent_id = parent.parent_id  # a reply to a reply joins the same thread
            parent = uow.directory.get_one(PublicComment, parent_id)
        refuse_across_block(shield, [parent.author_id], doing="reply to it")
    filtered = filtering.held_back(uow, actor=actor, creator_id=video.creator_id, body=body)
    comment = Comment(
        id=new_id(actor.region),
        author_id=actor.id,
        video_id=video_id,
        parent_id=parent_id,
        body=body,
        created_at=now,
        filtered=filtered,
    )
    uow.region(actor.region).add(comment)
    if blocklist.found_in(body):
        comment.held_for = HoldReason.BLOCKED_WORDS.value
        uow.region(actor.region).flush()
        desk.hold(
            uow,
            kind=HeldKind.COMMENT,
            content_id=comment.id,
            owner_id=actor.id,
            reason=HoldReason.BLOCKED_WORDS,
            now=now,
        )
        return comment
    _publish_comment(uow, comment=comment, jobs=jobs, now=now)
    events.record(
        uow, actor=actor, kind=EventKind.COMMENT, now=now, video_id=video_id, creator_id=video.creator_id
    )
    return comment


def public_copy(comment: Comment) -> PublicComment:
    """The directory's copy of a comment, as first written (no replies yet)."""
    return PublicComment(
        id=comment.id,
        video_id=comment.video_id,
        parent_id=comment.parent_id,
        author_id=comment.author_id,
        body=comment.body,
        reply_count=0,
        created_at=comment.created_at,
        filtered=comment.filtered,
    )


def _drop_public_copy(uow: UnitOfWork, comment_id: str) -> None:
    """Take a comment's copy out of the directory, one reply fewer in its thread."""
    public = uow.directory.get(PublicComment, comment_id)
    if public is None:
        return
    if public.parent_id is not None:
        parent = uow.directory.get(PublicComment, public.parent_id)
        if parent is not None:
            parent.reply_count = PublicComment.reply_count - 1
    uow.directory.delete(public)


def _publish_comment(uow: UnitOfWork, *, comment: Comment, jobs: JobQueue, now: datetime) -> PublicComment:
    """Count a comment in its region's counters and write its public copy (bumping its thread's replies)."""
    if comment.parent_id is not None:
        parent = uow.directory.get(PublicComment, comment.parent_id)
        if parent is not None:
            parent.reply_count = PublicComment.reply_count + 1
    bump_video(uow, jobs, region_of(comment.id), comment.video_id, now, comments=1)
    public = public_copy(comment)
    uow.directory.add(public)
    if not comment.filtered:  # held back by the creator's words: no one but its author sees it
        notices.queue(uow, jobs, kind=COMMENT, actor_id=comment.author_id, subject_id=comment.id, now=now)
    return public


def release_comment(
    uow: UnitOfWork, *, comment: Comment, jobs: JobQueue, now: datetime
) -> PublicComment | None:
    """A moderator found nothing wrong with a held comment: it is counted and public from now on (None if it
    was not held, or its video is no longer public). `comment` must come through the residency gateway when
    its region is not the unit of work's home."""
    if comment.held_for is None or comment.withheld_by is not None:
        return None
    comment.held_for = None
    if uow.directory.get(PublicVideo, comment.video_id) is None:
        return None
    return _publish_comment(uow, comment=comment, jobs=jobs, now=now)


def withhold_comment(
    uow: UnitOfWork, *, comment: Comment, decision_id: str, jobs: JobQueue, now: datetime
) -> bool:
    """A moderator took a comment down: its public copy leaves the directory and it counts nowhere, as if
    deleted, but its row stays (shown to its author only, as held) for a won appeal to give back. False when
    a decision withholds it already. `comment` must come through the residency gateway when its region is
    not the unit of work's home (its region's counters too)."""
    if comment.withheld_by is not None:
        return False
    was_public = comment.held_for is None
    comment.withheld_by = decision_id
    _drop_public_copy(uow, comment.id)
    if was_public:
        bump_video(uow, jobs, region_of(comment.id), comment.video_id, now, comments=-1)
    return True


def release_withheld_comment(
    uow: UnitOfWork, *, comment: Comment, decision_id: str, jobs: JobQueue, now: datetime
) -> PublicComment | None:
    """Give back a comment `decision_id` took down (a won appeal): it is public and counted again, a held
    one too, since a moderator found it fine (None if it was not withheld by that decision, or its video is
    no longer public)."""
    if comment.withheld_by != decision_id:
        return None
    comment.withheld_by, comment.held_for = None, None
    if uow.directory.get(PublicVideo, comment.video_id) is None:
        return None
    return _publish_comment(uow, comment=comment, jobs=jobs, now=now)


def is_public(comment: Comment) -> bool:
    """Neither held for review nor taken down: it has a public copy and counts."""
    return comment.held_for is None and comment.withheld_by is None


def held_comments(uow: UnitOfWork, *, actor: Actor, video_id: str, parent_id: str | None) -> list[Comment]:
    """The actor's own comments on a video (top-level, or in one thread) that are held for review or taken
    down, newest first: only their author sees them."""
    query = select(Comment).where(
        Comment.author_id == actor.id,
        Comment.video_id == video_id,
        or_(Comment.held_for.is_not(None), Comment.withheld_by.is_not(None)),
        Comment.parent_id.is_(None) if parent_id is None else Comment.parent_id == parent_id,
    )
    return list(uow.region(actor.region).scalars(query.order_by(Comment.created_at.desc(), Comment.id)))


def get_comment(uow: UnitOfWork, *, comment_id: str) -> PublicComment:
    """A published comment, or not found."""
    comment = uow.directory.get(PublicComment, comment_id)
    if comment is None:
        raise NotFound("comment", comment_id)
    return comment


def authors_of(uow: UnitOfWork, comments: Sequence[PublicComment | Comment]) -> dict[str, PublicProfile]:
    """The public profiles of the comments' authors, by id (a deleted account has none)."""
    authors = {c.author_id for c in comments}
    if not authors:
        return {}
    query = select(PublicProfile).where(PublicProfile.user_id.in_(authors))
    return {p.user_id: p for p in uow.directory.scalars(query)}


def delete_comment(uow: UnitOfWork, *, actor: Actor, comment_id: str, now: datetime, jobs: JobQueue) -> str:
    """Delete one's own comment; returns the video it was on."""
    db = uow.region(actor.region)
    comment = uow.find(Comment, comment_id, region=actor.region)
    if comment is None or comment.author_id != actor.id:
        raise NotFound("comment", comment_id)
    _drop_public_copy(uow, comment_id)
    db.delete(comment)
    if is_public(comment):  # a held or taken-down comment counts nowhere
        bump_video(uow, jobs, actor.region, comment.video_id, now, comments=-1)
    return comment.video_id


def list_comments(
    uow: UnitOfWork,
    *,
    video_id: str,
    parent_id: str | None,
    after: tuple[datetime, str] | None,
    limit: int,
    shield: Shield = NO_SHIELD,
    viewer_id: str | None = None,
) -> list[PublicComment]:
    """Top-level comments newest first, or one thread's replies oldest first; `after` is the keyset
    (created_at, id) of the last comment served. Comments by accounts apart from the viewer by a block
    (`shield`) are left out, and so are those the creator's filter held back, but to their author."""
    query = select(PublicComment).where(PublicComment.video_id == video_id)
    shown = PublicComment.filtered.is_(False)
    query = query.where(or_(shown, PublicComment.author_id == viewer_id) if viewer_id else shown)
    if shield.apart:
        query = query.where(PublicComment.author_id.not_in(sorted(shield.apart)))
    at, last_id = after if after is not None else (None, None)
    if parent_id is None:
        query = query.where(PublicComment.parent_id.is_(None)).order_by(
            PublicComment.created_at.desc(), PublicComment.id.desc()
        )
        if at is not None:
            query = query.where(
                or_(
                    PublicComment.created_at < at,
                    and_(PublicComment.created_at == at, PublicComment.id < last_id),
                )
            )
    else:
        query = query.where(PublicComment.parent_id == parent_id).order_by(
            PublicComment.created_at, PublicComment.id
        )
        if at is not None:
            query = query.where(
                or_(
                    PublicComment.created_at > at,
                    and_(PublicComment.created_at == at, PublicComment.id > last_id),
                )
            )
    return list(uow.directory.scalars(query.limit(limit)))
