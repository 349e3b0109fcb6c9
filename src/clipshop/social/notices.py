"""Telling people about engagement with what is theirs: a like or a comment on their video, a reply to
their comment, a new follower. Runs in a job after the action's commit (the action itself stays one write in
the actor's region), at home in the actor's region: it reads the action's row there, so an action undone
before the job ran tells no one, and writes the notification into the recipient's region through the inbox
(the residency gateway when that region is another). What crosses: who acted and on what, by id.

The action writes an `UnsentNotice` in its own transaction (`queue`), and the job deletes it only once the
notification is committed (`deliver`), so a process that dies between the action's commit and the job's
enqueue, or a job lost or failed for good, loses nothing: every minute `resend_unsent` sends again what is
due. Telling twice writes nothing twice (a person counts once per line)."""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from sqlalchemy import delete, select, update

from clipshop.inbox import service as inbox
from clipshop.inbox.models import NoticeKind
from clipshop.jobs.queue import JobQueue
from clipshop.kit.db import UnitOfWork, insert_ignore
from clipshop.kit.ids import region_of
from clipshop.platform import Platform
from clipshop.residency.carving import detached_regions
from clipshop.social.models import Comment, Follow, Like, PublicComment, UnsentNotice
from clipshop.social.tasks import NOTIFY, enqueue_notice
from clipshop.videos.models import PublicVideo

log = logging.getLogger(__name__)

LIKE, COMMENT, FOLLOW = "like", "comment", "follow"
# The job usually tells within seconds; the sweep leaves a notice alone this long first, then backs off
# (1, 2, 4 … minutes) and gives up after MAX_ATTEMPTS tries of its own (about four hours).
FIRST_RETRY = timedelta(minutes=1)
MAX_ATTEMPTS = 8
SWEEP_BATCH = 1000


def queue(
    uow: UnitOfWork, jobs: JobQueue, *, kind: str, actor_id: str, subject_id: str, now: datetime
) -> None:
    """Record, with the action and in the actor's region, that whom it concerns is to be told; and wake the
    job that tells them once this commits. Acting twice before it is sent records it once."""
    row = {
        "actor_id": actor_id,
        "kind": kind,
        "subject_id": subject_id,
        "created_at": now,
        "due_at": now + FIRST_RETRY,
        "attempts": 0,
    }
    insert_ignore(uow.region(region_of(actor_id)), UnsentNotice, row)
    enqueue_notice(jobs, uow, kind=kind, actor_id=actor_id, subject_id=subject_id)


def deliver(platform: Platform, *, kind: str, actor_id: str, subject_id: str) -> None:
    """The job's work: tell, commit, and only then forget the unsent notice. Dying in between leaves the
    notice, and sending it again writes nothing twice."""
    region = region_of(actor_id)
    with platform.uow(home=region).transaction() as uow:
        tell(uow, kind=kind, actor_id=actor_id, subject_id=subject_id)
    with platform.uow(home=region).transaction() as uow:
        sent(uow, kind=kind, actor_id=actor_id, subject_id=subject_id)


def sent(uow: UnitOfWork, *, kind: str, actor_id: str, subject_id: str) -> None:
    uow.region(region_of(actor_id)).execute(
        delete(UnsentNotice).where(
            UnsentNotice.actor_id == actor_id,
            UnsentNotice.kind == kind,
            UnsentNotice.subject_id == subject_id,
        )
    )


def resend_unsent(platform: Platform) -> int:
    """Enqueue every unsent notice that is due, in every region (its job was lost, or failed), pushing the
    next try back; give up on one tried MAX_ATTEMPTS times (logged). Returns how many were enqueued."""
    now = platform.clock.now()
    due: list[tuple[str, str, str]] = []
    with platform.uow().transaction() as uow:
        gone = detached_regions(uow.directory)
    for region in platform.databases.regions:
        if region in gone:
            continue
        with platform.uow(home=region).transaction() as uow:
            db = uow.region(region)
            query = (
                select(UnsentNotice)
                .where(UnsentNotice.due_at <= now)
                .order_by(UnsentNotice.due_at, UnsentNotice.actor_id)
                .limit(SWEEP_BATCH)
            )
            for notice in db.scalars(query):
                key = (notice.kind, notice.actor_id, notice.subject_id)
                if notice.attempts >= MAX_ATTEMPTS:
                    log.warning("gave up telling about %s by %s on %s", *key)
                    sent(uow, kind=notice.kind, actor_id=notice.actor_id, subject_id=notice.subject_id)
                    continue
                db.execute(
                    update(UnsentNotice)
                    .where(
                        UnsentNotice.actor_id == notice.actor_id,
                        UnsentNotice.kind == notice.kind,
                        UnsentNotice.subject_id == notice.subject_id,
                    )
                    .values(attempts=notice.attempts + 1, due_at=now + FIRST_RETRY * 2**notice.attempts)
                )
                due.append(key)
    for kind, actor_id, subject_id in due:
        platform.jobs.enqueue(NOTIFY, kind, actor_id, subject_id)
    return len(due)


def tell(uow: UnitOfWork, *, kind: str, actor_id: str, subject_id: str) -> None:
    """Notify whom the action concerns (idempotent: a person counts once per line, a cause once)."""
    db = uow.region(region_of(actor_id))
    if kind == LIKE:
        like = db.get(Like, (actor_id, subject_id))
        video = uow.directory.get(PublicVideo, subject_id)
        if like is None or video is None:
            return
        inbox.notify(
            uow,
            recipient_id=video.creator_id,
            kind=NoticeKind.LIKE,
            target_id=video.id,
            actor_id=actor_id,
            at=like.created_at,
        )
    elif kind == COMMENT:
        comment = db.get(Comment, subject_id)
        if comment is None or comment.author_id != actor_id:
            return
        video = uow.directory.get(PublicVideo, comment.video_id)
        told = None
        if comment.parent_id is not None:
            parent = uow.directory.get(PublicComment, comment.parent_id)
            if parent is not None:
                told = parent.author_id
                inbox.notify(
                    uow,
                    recipient_id=parent.author_id,
                    kind=NoticeKind.REPLY,
                    target_id=parent.id,
                    actor_id=actor_id,
                    detail={"video_id": comment.video_id},
                    at=comment.created_at,
                )
        if video is not None and video.creator_id != told:
            inbox.notify(
                uow,
                recipient_id=video.creator_id,
                kind=NoticeKind.COMMENT,
                target_id=video.id,
                actor_id=actor_id,
                at=comment.created_at,
            )
    elif kind == FOLLOW:
        follow = db.get(Follow, (actor_id, subject_id))
        if follow is None:
            return
        inbox.notify(
            uow,
            recipient_id=subject_id,
            kind=NoticeKind.FOLLOW,
            target_id=subject_id,
            actor_id=actor_id,
            at=follow.created_at,
        )
