"""Follows, likes, comments, shares and watch events. Each row is written to the actor's home region with
that region's counters in the same transaction; the public totals are projected by a job."""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import and_, delete, func, or_, select, update
from sqlalchemy.orm import Session

from clipshop.accounts.models import PublicProfile, User
from clipshop.errors import Invalid, NotFound
from clipshop.events import service as events
from clipshop.events.models import PLAYER_KINDS, EventKind
from clipshop.jobs.queue import JobQueue
from clipshop.kit.actors import Actor
from clipshop.kit.blocklist import Blocklist
from clipshop.kit.db import UnitOfWork, dialect_insert, insert_ignore, upsert_add
from clipshop.kit.holdings import Held, rows
from clipshop.kit.ids import new_id, region_of
from clipshop.kit.review import HeldKind, HoldReason, ReviewDesk
from clipshop.kit.watermarks import Window, in_batches, rows_in_batches
from clipshop.residency.carving import is_detached
from clipshop.social import filtering
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
from clipshop.social.notices import COMMENT, FOLLOW, LIKE
from clipshop.social.shield import NO_SHIELD, Shield, guard_account, refuse_across_block, shield_of
from clipshop.social.tasks import enqueue_follow_counts, enqueue_notice, enqueue_video_counts
from clipshop.videos.models import PublicVideo
from clipshop.videos.service import ensure_may_see, get_public_video, hot_score

WATCH_KINDS = tuple(str(kind) for kind in PLAYER_KINDS)
MAX_COMMENT = 500


ZERO_COUNTS = {"likes": 0, "comments": 0, "shares": 0, "views": 0, "completes": 0}


def _bump(uow: UnitOfWork, jobs: JobQueue, region: str, video_id: str, now: datetime, **deltas: int) -> None:
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


def _bump_followers(
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


def like(uow: UnitOfWork, *, actor: Actor, video_id: str, now: datetime, jobs: JobQueue) -> bool:
    """Like a video; True if this changed anything (liking twice is not an error). A video of an account
    apart from the actor by a block is not theirs to like (404, or 403 `blocked`), so its creator is never
    told of a like by an account they blocked."""
    video = get_public_video(uow, video_id=video_id)
    guard_account(shield_of(uow, actor), video.creator_id, what="video")
    row = {"user_id": actor.id, "video_id": video_id, "created_at": now}
    if not insert_ignore(uow.region(actor.region), Like, row):
        return False
    _bump(uow, jobs, actor.region, video_id, now, likes=1)
    events.record(
        uow, actor=actor, kind=EventKind.LIKE, now=now, video_id=video_id, creator_id=video.creator_id
    )
    enqueue_notice(jobs, uow, kind=LIKE, actor_id=actor.id, subject_id=video_id)
    return True


def unlike(uow: UnitOfWork, *, actor: Actor, video_id: str, now: datetime, jobs: JobQueue) -> bool:
    get_public_video(uow, video_id=video_id)
    db = uow.region(actor.region)
    existing = db.get(Like, (actor.id, video_id))
    if existing is None:
        return False
    db.delete(existing)
    db.flush()
    _bump(uow, jobs, actor.region, video_id, now, likes=-1)
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


def _publish_comment(uow: UnitOfWork, *, comment: Comment, jobs: JobQueue, now: datetime) -> PublicComment:
    """Count a comment in its region's counters and write its public copy (bumping its thread's replies)."""
    if comment.parent_id is not None:
        parent = uow.directory.get(PublicComment, comment.parent_id)
        if parent is not None:
            parent.reply_count = PublicComment.reply_count + 1
    _bump(uow, jobs, region_of(comment.id), comment.video_id, now, comments=1)
    public = PublicComment(
        id=comment.id,
        video_id=comment.video_id,
        parent_id=comment.parent_id,
        author_id=comment.author_id,
        body=comment.body,
        reply_count=0,
        created_at=comment.created_at,
        filtered=comment.filtered,
    )
    uow.directory.add(public)
    if not comment.filtered:  # held back by the creator's words: no one but its author sees it
        enqueue_notice(jobs, uow, kind=COMMENT, actor_id=comment.author_id, subject_id=comment.id)
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
    public = uow.directory.get(PublicComment, comment.id)
    if public is not None:
        if public.parent_id is not None:
            parent = uow.directory.get(PublicComment, public.parent_id)
            if parent is not None:
                parent.reply_count = PublicComment.reply_count - 1
        uow.directory.delete(public)
    if was_public:
        _bump(uow, jobs, region_of(comment.id), comment.video_id, now, comments=-1)
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
    public = uow.directory.get(PublicComment, comment_id)
    if public is not None:
        if public.parent_id is not None:
            parent = uow.directory.get(PublicComment, public.parent_id)
            if parent is not None:
                parent.reply_count = PublicComment.reply_count - 1
        uow.directory.delete(public)
    db.delete(comment)
    if is_public(comment):  # a held or taken-down comment counts nowhere
        _bump(uow, jobs, actor.region, comment.video_id, now, comments=-1)
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
    _bump(uow, jobs, actor.region, video_id, now, shares=1)
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
            _bump(uow, jobs, actor.region, video_id, now, views=plays, completes=completes)
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
    """Follow an account; refused (403 `blocked`) across a block, either way."""
    if followee_id == actor.id:
        raise Invalid("You cannot follow yourself.", code="self_follow", field="handle")
    if uow.directory.get(PublicProfile, followee_id) is None:
        raise NotFound("user", followee_id)
    refuse_across_block(shield_of(uow, actor), [followee_id], doing="follow it")
    row = {"follower_id": actor.id, "followee_id": followee_id, "created_at": now}
    if not insert_ignore(uow.region(actor.region), Follow, row):
        return False
    events.record(uow, actor=actor, kind=EventKind.FOLLOW, now=now, creator_id=followee_id)
    _bump_followers(uow, jobs, actor.id, followee_id, 1, now)
    enqueue_notice(jobs, uow, kind=FOLLOW, actor_id=actor.id, subject_id=followee_id)
    return True


def unfollow(uow: UnitOfWork, *, actor: Actor, followee_id: str, now: datetime, jobs: JobQueue) -> bool:
    return remove_follow(uow, follower_id=actor.id, followee_id=followee_id, now=now, jobs=jobs)


def remove_follow(
    uow: UnitOfWork, *, follower_id: str, followee_id: str, now: datetime, jobs: JobQueue
) -> bool:
    """Take `follower_id`'s follow of `followee_id` away, in the follower's region, with the counters it
    moved; False if there was none (idempotent)."""
    db = uow.region(region_of(follower_id))
    existing = db.get(Follow, (follower_id, followee_id))
    if existing is None:
        return False
    db.delete(existing)
    db.flush()
    _bump_followers(uow, jobs, follower_id, followee_id, -1, now)
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


# -- the directory's copies, healed from the region ----------------------------------------------------------

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
            uow.directory.add(
                PublicComment(
                    id=comment.id,
                    video_id=comment.video_id,
                    parent_id=comment.parent_id,
                    author_id=comment.author_id,
                    body=comment.body,
                    reply_count=0,
                    created_at=comment.created_at,
                    filtered=comment.filtered,
                )
            )
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


# -- Data rights -------------------------------------------------------------------------------------------


def held_about(uow: UnitOfWork, *, user_id: str) -> Held:
    """What social holds about `user_id`: their follows, likes, comments, shares and watch history at home,
    and their public comments and follower counts in the directory."""
    db = uow.region(region_of(user_id))
    directory = uow.directory
    return {
        "region/follows": rows(db, Follow, Follow.follower_id == user_id),
        "region/likes": rows(db, Like, Like.user_id == user_id),
        "region/comments": rows(db, Comment, Comment.author_id == user_id),
        "region/shares": rows(db, Share, Share.user_id == user_id),
        "region/watch_history": rows(db, WatchHistory, WatchHistory.user_id == user_id),
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
    db.execute(delete(RegionFollowerCounts).where(RegionFollowerCounts.user_id == user_id))
    directory.execute(delete(PublicComment).where(PublicComment.author_id == user_id))
    directory.execute(delete(FollowerCountsByRegion).where(FollowerCountsByRegion.user_id == user_id))
    gone = set(video_ids)
    if gone:
        db.execute(delete(RegionVideoCounts).where(RegionVideoCounts.video_id.in_(gone)))
        directory.execute(delete(VideoCountsByRegion).where(VideoCountsByRegion.video_id.in_(gone)))
    for video_id, moved in sorted(deltas.items()):
        if video_id not in gone:
            _bump(uow, jobs, region, video_id, now, **moved)
    for followee_id in followees:
        upsert_add(
            db, RegionFollowerCounts, {"user_id": followee_id}, {"followers": -1}, also={"updated_at": now}
        )
        enqueue_follow_counts(jobs, uow, region=region, followee_id=followee_id, follower_id=user_id)


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
