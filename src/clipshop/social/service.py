"""Follows, likes, comments, shares and watch events. Each row is written to the actor's home region with
that region's counters in the same transaction; the public totals are projected by a job."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import and_, func, or_, select
from sqlalchemy.orm import Session

from clipshop.accounts.models import PublicProfile
from clipshop.errors import Invalid, NotFound
from clipshop.events import service as events
from clipshop.events.models import PLAYER_KINDS, EventKind
from clipshop.jobs.queue import JobQueue
from clipshop.kit.actors import Actor
from clipshop.kit.db import UnitOfWork, dialect_insert, insert_ignore, upsert_add
from clipshop.kit.ids import new_id, region_of
from clipshop.residency.carving import is_detached
from clipshop.social.models import (
    Comment,
    Follow,
    FollowerCountsByRegion,
    Like,
    PublicComment,
    RegionFollowerCounts,
    RegionVideoCounts,
    Share,
    VideoCountsByRegion,
    WatchHistory,
)
from clipshop.social.tasks import enqueue_follow_counts, enqueue_video_counts
from clipshop.videos.models import PublicVideo
from clipshop.videos.service import get_public_video, hot_score

WATCH_KINDS = tuple(str(kind) for kind in PLAYER_KINDS)
MAX_COMMENT = 500


ZERO_COUNTS = {"likes": 0, "comments": 0, "shares": 0, "views": 0, "completes": 0}


def _bump(uow: UnitOfWork, jobs: JobQueue, region: str, video_id: str, **deltas: int) -> None:
    """Move this region's counters for a video in one atomic statement (no lost updates under load); the
    public totals follow by a job once this commits."""
    upsert_add(uow.region(region), RegionVideoCounts, {"video_id": video_id}, {**ZERO_COUNTS, **deltas})
    enqueue_video_counts(jobs, uow, region=region, video_id=video_id)


def _bump_followers(uow: UnitOfWork, jobs: JobQueue, actor: Actor, followee_id: str, delta: int) -> None:
    upsert_add(uow.region(actor.region), RegionFollowerCounts, {"user_id": followee_id}, {"followers": delta})
    enqueue_follow_counts(jobs, uow, region=actor.region, followee_id=followee_id, follower_id=actor.id)


def like(uow: UnitOfWork, *, actor: Actor, video_id: str, now: datetime, jobs: JobQueue) -> bool:
    """Like a video; True if this changed anything (liking twice is not an error)."""
    video = get_public_video(uow, video_id=video_id)
    row = {"user_id": actor.id, "video_id": video_id, "created_at": now}
    if not insert_ignore(uow.region(actor.region), Like, row):
        return False
    _bump(uow, jobs, actor.region, video_id, likes=1)
    events.record(
        uow, actor=actor, kind=EventKind.LIKE, now=now, video_id=video_id, creator_id=video.creator_id
    )
    return True


def unlike(uow: UnitOfWork, *, actor: Actor, video_id: str, jobs: JobQueue) -> bool:
    get_public_video(uow, video_id=video_id)
    db = uow.region(actor.region)
    existing = db.get(Like, (actor.id, video_id))
    if existing is None:
        return False
    db.delete(existing)
    db.flush()
    _bump(uow, jobs, actor.region, video_id, likes=-1)
    return True


def liked_ids(uow: UnitOfWork, *, actor: Actor, video_ids: Sequence[str]) -> set[str]:
    if not video_ids:
        return set()
    query = select(Like.video_id).where(Like.user_id == actor.id, Like.video_id.in_(video_ids))
    return set(uow.region(actor.region).scalars(query))


def add_comment(
    uow: UnitOfWork,
    *,
    actor: Actor,
    video_id: str,
    body: str,
    parent_id: str | None,
    now: datetime,
    jobs: JobQueue,
) -> PublicComment:
    """Comment on a video, or reply to a top-level comment (replies are one level deep)."""
    video = get_public_video(uow, video_id=video_id)
    body = body.strip()
    if not 1 <= len(body) <= MAX_COMMENT:
        raise Invalid(f"A comment is 1 to {MAX_COMMENT} characters.", field="body")
    if parent_id is not None:
        parent = uow.directory.get(PublicComment, parent_id)
        if parent is None or parent.video_id != video_id:
            raise NotFound("comment", parent_id, field="parent_id")
        if parent.parent_id is not None:
            parent_id = parent.parent_id  # a reply to a reply joins the same thread
            parent = uow.directory.get_one(PublicComment, parent_id)
        parent.reply_count = PublicComment.reply_count + 1
    comment = Comment(
        id=new_id(actor.region),
        author_id=actor.id,
        video_id=video_id,
        parent_id=parent_id,
        body=body,
        created_at=now,
    )
    uow.region(actor.region).add(comment)
    _bump(uow, jobs, actor.region, video_id, comments=1)
    events.record(
        uow, actor=actor, kind=EventKind.COMMENT, now=now, video_id=video_id, creator_id=video.creator_id
    )
    public = PublicComment(
        id=comment.id,
        video_id=video_id,
        parent_id=parent_id,
        author_id=actor.id,
        body=body,
        reply_count=0,
        created_at=now,
    )
    uow.directory.add(public)
    return public


def get_comment(uow: UnitOfWork, *, comment_id: str) -> PublicComment:
    """A published comment, or not found."""
    comment = uow.directory.get(PublicComment, comment_id)
    if comment is None:
        raise NotFound("comment", comment_id)
    return comment


def authors_of(uow: UnitOfWork, comments: Sequence[PublicComment]) -> dict[str, PublicProfile]:
    """The public profiles of the comments' authors, by id (a deleted account has none)."""
    authors = {c.author_id for c in comments}
    if not authors:
        return {}
    query = select(PublicProfile).where(PublicProfile.user_id.in_(authors))
    return {p.user_id: p for p in uow.directory.scalars(query)}


def delete_comment(uow: UnitOfWork, *, actor: Actor, comment_id: str, jobs: JobQueue) -> str:
    """Delete one's own comment; returns the video it was on."""
    db = uow.region(actor.region)
    comment = uow.find(Comment, comment_id, region=actor.region)
    if comment is None or comment.author_id != actor.id:
        raise NotFound("comment", comment_id)
    public = uow.directory.get(PublicComment, comment_id)
    if public is not None:
        if public.parent_id is not None:
            parent = uow.directory.get(PublicComment, public.parent_id)
            if parent is not None:
                parent.reply_count = PublicComment.reply_count - 1
        uow.directory.delete(public)
    db.delete(comment)
    _bump(uow, jobs, actor.region, comment.video_id, comments=-1)
    return comment.video_id


def list_comments(
    uow: UnitOfWork, *, video_id: str, parent_id: str | None, after: tuple[datetime, str] | None, limit: int
) -> list[PublicComment]:
    """Top-level comments newest first, or one thread's replies oldest first; `after` is the keyset
    (created_at, id) of the last comment served."""
    query = select(PublicComment).where(PublicComment.video_id == video_id)
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


def share(
    uow: UnitOfWork,
    *,
    actor: Actor,
    video_id: str,
    channel: str,
    base_url: str,
    now: datetime,
    jobs: JobQueue,
) -> str:
    video = get_public_video(uow, video_id=video_id)
    if not channel.isidentifier() or len(channel) > 30:
        raise Invalid("channel is a short word such as link, message or copy.", field="channel")
    uow.region(actor.region).add(
        Share(id=new_id(actor.region), user_id=actor.id, video_id=video_id, channel=channel, created_at=now)
    )
    _bump(uow, jobs, actor.region, video_id, shares=1)
    events.record(
        uow, actor=actor, kind=EventKind.SHARE, now=now, video_id=video_id, creator_id=video.creator_id
    )
    return f"{base_url.rstrip('/')}/v/{video_id}"


@dataclass(frozen=True)
class Watch:
    """One player event: what happened to which video, with the seconds watched so far."""

    video_id: str
    kind: str
    watched_s: float


def record_watch(
    uow: UnitOfWork,
    *,
    actor: Actor,
    video_id: str,
    kind: str,
    watched_s: float,
    now: datetime,
    jobs: JobQueue,
) -> None:
    """Store one watch event (see `record_watches`); a video that is gone raises NotFound."""
    if record_watches(uow, actor=actor, watches=[Watch(video_id, kind, watched_s)], now=now, jobs=jobs):
        raise NotFound("video", video_id)


def record_watches(
    uow: UnitOfWork, *, actor: Actor, watches: Sequence[Watch], now: datetime, jobs: JobQueue
) -> list[str]:
    """Store a player's batch of events in the viewer's region and keep their watch history current, at a
    cost per video rather than per event: one lookup for the batch, then per video touched one history
    upsert and one counter bump. Returns the ids of videos that are gone (their events are dropped)."""
    for watch in watches:
        if watch.kind not in WATCH_KINDS:
            raise Invalid(f"kind is one of {', '.join(WATCH_KINDS)}.", field="kind")
    ids = sorted({w.video_id for w in watches})
    found = {v.id: v for v in uow.directory.scalars(select(PublicVideo).where(PublicVideo.id.in_(ids)))}
    kept = [w for w in watches if w.video_id in found]
    for watch in kept:
        if not 0 <= watch.watched_s <= max(found[watch.video_id].duration_s, 1.0) * 20:
            raise Invalid("watched_s is the number of seconds watched so far.", field="watched_s")
    db = uow.region(actor.region)
    for watch in kept:
        events.record(
            uow,
            actor=actor,
            kind=EventKind(watch.kind),
            now=now,
            video_id=watch.video_id,
            creator_id=found[watch.video_id].creator_id,
            value=watch.watched_s,
        )
    for video_id in sorted({w.video_id for w in kept}):
        mine = [w for w in kept if w.video_id == video_id and w.kind != EventKind.IMPRESSION]
        if not mine:
            continue
        plays = sum(w.kind == EventKind.PLAY for w in mine)
        completes = sum(w.kind == EventKind.COMPLETE for w in mine)
        watched = max(w.watched_s for w in mine)
        upsert_watch(db, user_id=actor.id, video_id=video_id, watched_s=watched, completes=completes, now=now)
        if plays or completes:
            _bump(uow, jobs, actor.region, video_id, views=plays, completes=completes)
    return [w.video_id for w in watches if w.video_id not in found]


def upsert_watch(
    db: Session, *, user_id: str, video_id: str, watched_s: float, completes: int, now: datetime
) -> None:
    """Keep one history row per viewer and video, concurrent-safe."""
    values = {
        "user_id": user_id,
        "video_id": video_id,
        "watched_s": watched_s,
        "completes": completes,
        "last_at": now,
    }
    insert = dialect_insert(db, WatchHistory).values(**values)
    db.execute(
        insert.on_conflict_do_update(
            index_elements=["user_id", "video_id"],
            set_={
                "watched_s": func.max(WatchHistory.watched_s, watched_s)
                if db.get_bind().dialect.name == "sqlite"
                else func.greatest(WatchHistory.watched_s, watched_s),
                "completes": WatchHistory.completes + completes,
                "last_at": now,
            },
        )
    )


def follow(uow: UnitOfWork, *, actor: Actor, followee_id: str, now: datetime, jobs: JobQueue) -> bool:
    if followee_id == actor.id:
        raise Invalid("You cannot follow yourself.", code="self_follow", field="handle")
    if uow.directory.get(PublicProfile, followee_id) is None:
        raise NotFound("user", followee_id)
    row = {"follower_id": actor.id, "followee_id": followee_id, "created_at": now}
    if not insert_ignore(uow.region(actor.region), Follow, row):
        return False
    events.record(uow, actor=actor, kind=EventKind.FOLLOW, now=now, creator_id=followee_id)
    _bump_followers(uow, jobs, actor, followee_id, 1)
    return True


def unfollow(uow: UnitOfWork, *, actor: Actor, followee_id: str, jobs: JobQueue) -> bool:
    db = uow.region(actor.region)
    existing = db.get(Follow, (actor.id, followee_id))
    if existing is None:
        return False
    db.delete(existing)
    db.flush()
    _bump_followers(uow, jobs, actor, followee_id, -1)
    return True


def is_following(uow: UnitOfWork, *, follower: Actor, followee_id: str) -> bool:
    return uow.region(follower.region).get(Follow, (follower.id, followee_id)) is not None


def followed_among(uow: UnitOfWork, *, actor: Actor, user_ids: set[str]) -> set[str]:
    """Which of `user_ids` the actor follows."""
    if not user_ids:
        return set()
    query = select(Follow.followee_id).where(Follow.follower_id == actor.id, Follow.followee_id.in_(user_ids))
    return set(uow.region(actor.region).scalars(query))


def following_ids(uow: UnitOfWork, *, actor: Actor, limit: int = 5000) -> list[str]:
    query = select(Follow.followee_id).where(Follow.follower_id == actor.id).limit(limit)
    return list(uow.region(actor.region).scalars(query))


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
    counts = uow.region(region).get(RegionFollowerCounts, followee_id)
    row = uow.directory.get(FollowerCountsByRegion, (followee_id, region))
    if row is None:
        row = FollowerCountsByRegion(user_id=followee_id, region=region, followers=0)
        uow.directory.add(row)
    row.followers = counts.followers if counts is not None else 0
    uow.directory.flush()
    resum_follower_counts(uow, user_id=followee_id)
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
