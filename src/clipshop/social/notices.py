"""Telling people about engagement with what is theirs: a like or a comment on their video, a reply to
their comment, a new follower. Runs in a job after the action's commit (the action itself stays one write in
the actor's region), at home in the actor's region: it reads the action's row there, so an action undone
before the job ran tells no one, and writes the notification into the recipient's region through the inbox
(the residency gateway when that region is another). What crosses: who acted and on what, by id."""

from __future__ import annotations

from clipshop.inbox import service as inbox
from clipshop.inbox.models import NoticeKind
from clipshop.kit.db import UnitOfWork
from clipshop.kit.ids import region_of
from clipshop.social.models import Comment, Follow, Like, PublicComment
from clipshop.videos.models import PublicVideo

LIKE, COMMENT, FOLLOW = "like", "comment", "follow"


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
