"""The engagement counters: each region counts its own users' likes, comments, shares, views and follows
(one atomic upsert per action, no lost updates); a job copies a region's totals to the directory and re-sums
the public counters, copying absolute values so that running it twice or out of order converges."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import func, select, update

from clipshop.accounts.models import PublicProfile, User
from clipshop.jobs.queue import JobQueue
from clipshop.kit.db import UnitOfWork, upsert_add
from clipshop.kit.ids import region_of
from clipshop.residency.carving import is_detached
from clipshop.social.models import (
    Follow,
    FollowerCountsByRegion,
    RegionFollowerCounts,
    RegionVideoCounts,
    VideoCountsByRegion,
)
from clipshop.social.tasks import enqueue_follow_counts, enqueue_video_counts
from clipshop.videos.models import PublicVideo
from clipshop.videos.service import hot_score

ZERO_COUNTS = {"likes": 0, "comments": 0, "shares": 0, "views": 0, "completes": 0}


def bump_video(
    uow: UnitOfWork, jobs: JobQueue, region: str, video_id: str, now: datetime, **deltas: int
) -> None:
    """Move this region's counters for a video in one atomic statement (no lost updates under load); the
    public totals follow by a job once this commits."""
    upsert_add(
        uow.region(region),
        RegionVideoCounts,
        {"video_id": video_id},
        {**ZERO_COUNTS, **deltas},
        also={"updated_at": now},
    )
    enqueue_video_counts(jobs, uow, region=region, video_id=video_id)


def bump_followers(
    uow: UnitOfWork, jobs: JobQueue, follower_id: str, followee_id: str, delta: int, now: datetime
) -> None:
    region = region_of(follower_id)
    db = uow.region(region)
    upsert_add(
        db, RegionFollowerCounts, {"user_id": followee_id}, {"followers": delta}, also={"updated_at": now}
    )
    # Whom the follower follows shows on their profile (following_count): mark the account as changed.
    db.execute(update(User).where(User.id == follower_id).values(updated_at=now))
    enqueue_follow_counts(jobs, uow, region=region, followee_id=followee_id, follower_id=follower_id)


def project_video_counts(uow: UnitOfWork, *, region: str, video_id: str) -> None:
    """Copy one region's totals for a video into the directory and re-sum the public counters (idempotent:
    it copies absolute values, so running it twice or out of order converges). A region carved out of this
    deployment copies nothing, nor are its videos' counters re-summed."""
    if is_detached(uow.directory, region) or is_detached(uow.directory, region_of(video_id)):
        return
    counts = uow.region(region).get(RegionVideoCounts, video_id)
    if counts is None:
        return
    row = uow.directory.get(VideoCountsByRegion, (video_id, region))
    if row is None:
        row = VideoCountsByRegion(video_id=video_id, region=region)
        uow.directory.add(row)
    row.likes, row.comments, row.shares = counts.likes, counts.comments, counts.shares
    row.views, row.completes = counts.views, counts.completes
    uow.directory.flush()
    resum_video_counts(uow, video_id=video_id)


def resum_video_counts(uow: UnitOfWork, *, video_id: str) -> None:
    """Set a public video's counters to the sums of its regions' totals (its creator's likes follow)."""
    video = uow.directory.get(PublicVideo, video_id)
    if video is None:
        return
    totals = uow.directory.execute(
        select(
            func.sum(VideoCountsByRegion.likes),
            func.sum(VideoCountsByRegion.comments),
            func.sum(VideoCountsByRegion.shares),
            func.sum(VideoCountsByRegion.views),
            func.sum(VideoCountsByRegion.completes),
        ).where(VideoCountsByRegion.video_id == video_id)
    ).one()
    likes, comments, shares, views, completes = (int(v or 0) for v in totals)
    like_delta = likes - video.like_count
    video.like_count, video.comment_count, video.share_count = likes, comments, shares
    video.view_count, video.complete_count = views, completes
    video.hot_score = hot_score(
        published_at=video.published_at,
        likes=likes,
        comments=comments,
        shares=shares,
        views=views,
        completes=completes,
    )
    profile = uow.directory.get(PublicProfile, video.creator_id)
    if profile is not None and like_delta:
        profile.like_count = PublicProfile.like_count + like_delta


def project_follow_counts(uow: UnitOfWork, *, region: str, followee_id: str, follower_id: str) -> None:
    """Re-sum an account's followers over regions, and re-count what the follower follows (idempotent); a
    region carved out of this deployment copies nothing."""
    if is_detached(uow.directory, region) or is_detached(uow.directory, region_of(followee_id)):
        return
    project_followers(uow, region=region, followee_id=followee_id)
    project_following(uow, region=region, follower_id=follower_id)


def project_followers(uow: UnitOfWork, *, region: str, followee_id: str) -> None:
    """Copy how many of `region`'s users follow an account, and re-sum its followers over regions."""
    counts = uow.region(region).get(RegionFollowerCounts, followee_id)
    row = uow.directory.get(FollowerCountsByRegion, (followee_id, region))
    if row is None:
        row = FollowerCountsByRegion(user_id=followee_id, region=region, followers=0)
        uow.directory.add(row)
    row.followers = counts.followers if counts is not None else 0
    uow.directory.flush()
    followee = uow.directory.get(PublicProfile, followee_id)
    if followee is not None:
        total = uow.directory.scalar(
            select(func.sum(FollowerCountsByRegion.followers)).where(
                FollowerCountsByRegion.user_id == followee_id
            )
        )
        followee.follower_count = int(total or 0)


def project_following(uow: UnitOfWork, *, region: str, follower_id: str) -> None:
    """Re-count the accounts a user of `region` follows, on their public profile."""
    follower = uow.directory.get(PublicProfile, follower_id)
    if follower is not None:
        following = uow.region(region).scalar(
            select(func.count()).select_from(Follow).where(Follow.follower_id == follower_id)
        )
        follower.following_count = int(following or 0)


def resum_follower_counts(uow: UnitOfWork, *, user_id: str) -> None:
    """Set a public profile's follower count to the sum of its regions' counts."""
    followee = uow.directory.get(PublicProfile, user_id)
    if followee is not None:
        total = uow.directory.scalar(
            select(func.sum(FollowerCountsByRegion.followers)).where(
                FollowerCountsByRegion.user_id == user_id
            )
        )
        followee.follower_count = int(total or 0)
