"""Data rights: what social holds about a person, and erasing what they did."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import delete, select, update

from clipshop.jobs.queue import JobQueue
from clipshop.kit.db import UnitOfWork, upsert_add
from clipshop.kit.holdings import Held, rows
from clipshop.kit.ids import region_of
from clipshop.social.models import (
    Comment,
    Follow,
    FollowerCountsByRegion,
    Like,
    PublicComment,
    RegionFollowerCounts,
    RegionVideoCounts,
    Share,
    UnsentNotice,
    VideoCountsByRegion,
    WatchHistory,
)
from clipshop.social.service.comments import is_public
from clipshop.social.service.counters import bump_video
from clipshop.social.tasks import enqueue_follow_counts


def held_about(uow: UnitOfWork, *, user_id: str) -> Held:
    """What social holds about `user_id`: their follows, likes, comments, shares, watch history and the
    notices of them not sent yet at home, and their public comments and follower counts in the directory."""
    db = uow.region(region_of(user_id))
    directory = uow.directory
    return {
        "region/follows": rows(db, Follow, Follow.follower_id == user_id),
        "region/likes": rows(db, Like, Like.user_id == user_id),
        "region/comments": rows(db, Comment, Comment.author_id == user_id),
        "region/shares": rows(db, Share, Share.user_id == user_id),
        "region/watch_history": rows(db, WatchHistory, WatchHistory.user_id == user_id),
        "region/unsent_notices": rows(db, UnsentNotice, UnsentNotice.actor_id == user_id),
        "directory/public_comments": rows(directory, PublicComment, PublicComment.author_id == user_id),
        "directory/follower_counts_by_region": rows(
            directory, FollowerCountsByRegion, FollowerCountsByRegion.user_id == user_id
        ),
    }


def erase_user(
    uow: UnitOfWork, *, user_id: str, video_ids: Sequence[str], jobs: JobQueue, now: datetime
) -> None:
    """Delete what `user_id` did (follows, likes, comments, shares, watch history) and take it out of the
    counters it moved, as unfollowing, unliking and deleting a comment would; drop the counters of their
    own (gone) videos and of their followers. Idempotent: what is deleted is not counted down again.

    Replies others wrote under their comments stay: they are the other people's words."""
    region = region_of(user_id)
    db = uow.region(region)
    directory = uow.directory
    deltas: dict[str, dict[str, int]] = {}

    def count_down(video_id: str, kind: str) -> None:
        deltas.setdefault(video_id, {})[kind] = deltas.get(video_id, {}).get(kind, 0) - 1

    for video_id in db.scalars(select(Like.video_id).where(Like.user_id == user_id)):
        count_down(video_id, "likes")
    for video_id in db.scalars(select(Share.video_id).where(Share.user_id == user_id)):
        count_down(video_id, "shares")
    comments = list(db.scalars(select(Comment).where(Comment.author_id == user_id)))
    for comment in comments:
        if not is_public(comment):
            continue  # never counted, or no longer
        count_down(comment.video_id, "comments")
        if comment.parent_id is not None:
            directory.execute(
                update(PublicComment)
                .where(PublicComment.id == comment.parent_id, PublicComment.reply_count > 0)
                .values(reply_count=PublicComment.reply_count - 1)
            )
    followees = list(db.scalars(select(Follow.followee_id).where(Follow.follower_id == user_id)))
    db.execute(delete(Like).where(Like.user_id == user_id))
    db.execute(delete(Share).where(Share.user_id == user_id))
    db.execute(delete(Comment).where(Comment.author_id == user_id))
    db.execute(delete(Follow).where(Follow.follower_id == user_id))
    db.execute(delete(WatchHistory).where(WatchHistory.user_id == user_id))
    db.execute(delete(UnsentNotice).where(UnsentNotice.actor_id == user_id))
    db.execute(delete(RegionFollowerCounts).where(RegionFollowerCounts.user_id == user_id))
    directory.execute(delete(PublicComment).where(PublicComment.author_id == user_id))
    directory.execute(delete(FollowerCountsByRegion).where(FollowerCountsByRegion.user_id == user_id))
    gone = set(video_ids)
    if gone:
        db.execute(delete(RegionVideoCounts).where(RegionVideoCounts.video_id.in_(gone)))
        directory.execute(delete(VideoCountsByRegion).where(VideoCountsByRegion.video_id.in_(gone)))
    for video_id, moved in sorted(deltas.items()):
        if video_id not in gone:
            bump_video(uow, jobs, region, video_id, now, **moved)
    for followee_id in followees:
        upsert_add(
            db, RegionFollowerCounts, {"user_id": followee_id}, {"followers": -1}, also={"updated_at": now}
        )
        enqueue_follow_counts(jobs, uow, region=region, followee_id=followee_id, follower_id=user_id)
