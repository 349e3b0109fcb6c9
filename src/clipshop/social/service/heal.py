"""The directory's copies of a region's engagement, healed from the region (run by `clipshop.healing`)."""

from __future__ import annotations

from collections import Counter

from sqlalchemy import delete, func, select

from clipshop.accounts.models import PublicProfile, User
from clipshop.kit.db import UnitOfWork
from clipshop.kit.watermarks import Window, in_batches, rows_in_batches
from clipshop.social.models import (
    Comment,
    Follow,
    FollowerCountsByRegion,
    PublicComment,
    RegionFollowerCounts,
    RegionVideoCounts,
    VideoCountsByRegion,
)
from clipshop.social.service.comments import public_copy
from clipshop.social.service.counters import project_followers, project_video_counts
from clipshop.videos.models import PublicVideo

COUNTED = ("likes", "comments", "shares", "views", "completes")


def heal_projections(uow: UnitOfWork, *, region: str, window: Window) -> dict[str, int]:
    """Rebuild what the directory lacks, or has stale, of `region`'s engagement written in `window`: its
    counter totals (when the job that copies them was lost), the counters on its accounts' profiles, and
    public copies of its comments (a full sweep also removes copies of comments deleted since). Run after
    the accounts' and videos' heal, whose rows these counters land on. Returns how many rows of each it
    fixed."""
    fixed: Counter[str] = Counter()
    fixed.update(_heal_video_counts(uow, region=region, window=window))
    fixed.update(_heal_follower_counts(uow, region=region, window=window))
    fixed.update(_heal_profile_counts(uow, region=region, window=window))
    fixed.update(_heal_comments(uow, region=region, window=window))
    return dict(fixed)


def _heal_video_counts(uow: UnitOfWork, *, region: str, window: Window) -> Counter[str]:
    fixed: Counter[str] = Counter()
    counted = [getattr(RegionVideoCounts, name) for name in COUNTED]
    query = select(RegionVideoCounts.video_id, *counted).where(window.holds(RegionVideoCounts.updated_at))
    for batch in rows_in_batches(uow.region(region), query, key=RegionVideoCounts.video_id):
        copied = {
            row[0]: tuple(row[1:])
            for row in uow.directory.execute(
                select(
                    VideoCountsByRegion.video_id, *[getattr(VideoCountsByRegion, name) for name in COUNTED]
                ).where(
                    VideoCountsByRegion.region == region,
                    VideoCountsByRegion.video_id.in_([counts[0] for counts in batch]),
                )
            )
        }
        for video_id, *counts in batch:
            if copied.get(video_id) != tuple(counts):
                project_video_counts(uow, region=region, video_id=video_id)
                fixed["video counters"] += 1
    return fixed


def _heal_follower_counts(uow: UnitOfWork, *, region: str, window: Window) -> Counter[str]:
    fixed: Counter[str] = Counter()
    query = select(RegionFollowerCounts.user_id, RegionFollowerCounts.followers).where(
        window.holds(RegionFollowerCounts.updated_at)
    )
    for batch in rows_in_batches(uow.region(region), query, key=RegionFollowerCounts.user_id):
        copied = {
            user_id: followers
            for user_id, followers in uow.directory.execute(
                select(FollowerCountsByRegion.user_id, FollowerCountsByRegion.followers).where(
                    FollowerCountsByRegion.region == region,
                    FollowerCountsByRegion.user_id.in_([user_id for user_id, _ in batch]),
                )
            )
        }
        for user_id, followers in batch:
            if copied.get(user_id) != followers:
                project_followers(uow, region=region, followee_id=user_id)
                fixed["follower counters"] += 1
    return fixed


def _heal_profile_counts(uow: UnitOfWork, *, region: str, window: Window) -> Counter[str]:
    """The counters on the public profiles of `region`'s accounts written in `window`: whom each follows
    (counted in the region), and its followers, videos and likes (summed from the directory's copies, healed
    by then). A profile the accounts' heal just made starts at zero; this gives it its real numbers."""
    fixed: Counter[str] = Counter()
    db, directory = uow.region(region), uow.directory
    for users in in_batches(db, select(User.id).where(window.holds(User.updated_at)), key=User.id):
        following = {
            user_id: int(count)
            for user_id, count in db.execute(
                select(Follow.follower_id, func.count())
                .where(Follow.follower_id.in_(users))
                .group_by(Follow.follower_id)
            )
        }
        followers = {
            user_id: int(total or 0)
            for user_id, total in directory.execute(
                select(FollowerCountsByRegion.user_id, func.sum(FollowerCountsByRegion.followers))
                .where(FollowerCountsByRegion.user_id.in_(users))
                .group_by(FollowerCountsByRegion.user_id)
            )
        }
        published = {
            creator_id: (int(videos), int(likes or 0))
            for creator_id, videos, likes in directory.execute(
                select(PublicVideo.creator_id, func.count(), func.sum(PublicVideo.like_count))
                .where(PublicVideo.creator_id.in_(users))
                .group_by(PublicVideo.creator_id)
            )
        }
        shown = directory.execute(
            select(
                PublicProfile.user_id,
                PublicProfile.follower_count,
                PublicProfile.following_count,
                PublicProfile.video_count,
                PublicProfile.like_count,
            ).where(PublicProfile.user_id.in_(users))
        )
        for user_id, *counts in shown:
            real = (followers.get(user_id, 0), following.get(user_id, 0), *published.get(user_id, (0, 0)))
            if tuple(counts) != real:
                profile = directory.get_one(PublicProfile, user_id)
                profile.follower_count, profile.following_count, profile.video_count, profile.like_count = (
                    real
                )
                fixed["public profiles' counters"] += 1
    return fixed


def _heal_comments(uow: UnitOfWork, *, region: str, window: Window) -> Counter[str]:
    fixed: Counter[str] = Counter()
    threads: set[str] = set()
    db = uow.region(region)
    for ids in in_batches(db, select(Comment.id).where(window.holds(Comment.created_at)), key=Comment.id):
        public = set(uow.directory.scalars(select(PublicComment.id).where(PublicComment.id.in_(ids))))
        missing = select(Comment).where(
            Comment.id.in_(set(ids) - public), Comment.held_for.is_(None), Comment.withheld_by.is_(None)
        )
        for comment in db.scalars(missing):
            uow.directory.add(public_copy(comment))
            fixed["public comments"] += 1
            if comment.parent_id is not None:
                threads.add(comment.parent_id)
    if window.full:
        # A comment's deletion leaves no row behind to find it by: only a full sweep sees its copy. A copy
        # of a comment taken down (if its removal never reached the directory) goes too.
        mine = select(PublicComment.id).where(PublicComment.id.startswith(f"{region}_", autoescape=True))
        for public_ids in in_batches(uow.directory, mine, key=PublicComment.id):
            kept = set(
                uow.region(region).scalars(
                    select(Comment.id).where(Comment.id.in_(public_ids), Comment.withheld_by.is_(None))
                )
            )
            for gone in sorted(set(public_ids) - kept):
                copy = uow.directory.get_one(PublicComment, gone)
                if copy.parent_id is not None:
                    threads.add(copy.parent_id)
                uow.directory.execute(delete(PublicComment).where(PublicComment.id == gone))
                fixed["public comments"] += 1
    uow.directory.flush()
    for parent_id in sorted(threads):
        replies = uow.directory.scalar(
            select(func.count()).select_from(PublicComment).where(PublicComment.parent_id == parent_id)
        )
        parent = uow.directory.get(PublicComment, parent_id)
        if parent is not None and parent.reply_count != replies:
            parent.reply_count = int(replies or 0)
    return fixed
