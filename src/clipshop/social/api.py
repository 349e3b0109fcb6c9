"""Social routes: like, comment, share, follow, watch events. Counters reach the public copy via a job."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Query

from clipshop.accounts.schemas import ProfileRead, profile_read
from clipshop.accounts.service import get_profile
from clipshop.kit.actors import Actor
from clipshop.kit.db import UnitOfWork
from clipshop.kit.pagination import clamp_limit, decode_cursor, encode_cursor
from clipshop.platform.http import (
    CommittingRoute,
    CurrentActor,
    OptionalActor,
    PlatformDep,
    UowDep,
    write_limit,
)
from clipshop.social import service
from clipshop.social.models import Comment, PublicComment
from clipshop.social.schemas import (
    AcceptedRead,
    CommentCreate,
    CommentPage,
    CommentRead,
    FollowRead,
    LikeRead,
    ShareCreate,
    ShareRead,
    WatchEventsIn,
)
from clipshop.videos.schemas import creator_read
from clipshop.videos.service import get_public_video

router = APIRouter(route_class=CommittingRoute, tags=["social"])


def comment_reads(uow: UnitOfWork, comments: list[PublicComment] | list[Comment]) -> list[CommentRead]:
    """Comments as shown: public copies, or the author's own rows (a held comment has no public copy)."""
    profiles = service.authors_of(uow, comments)
    return [
        CommentRead(
            id=c.id,
            video_id=c.video_id,
            parent_id=c.parent_id,
            author=creator_read(profiles.get(c.author_id), c.author_id),
            body=c.body,
            reply_count=c.reply_count if isinstance(c, PublicComment) else 0,
            created_at=c.created_at,
            held=isinstance(c, Comment) and c.held_for is not None,
        )
        for c in comments
    ]


@router.post("/videos/{video_id}/like", response_model=LikeRead, dependencies=[write_limit("like")])
def like(video_id: str, actor: CurrentActor, uow: UowDep, platform: PlatformDep) -> LikeRead:
    service.like(uow, actor=actor, video_id=video_id, now=platform.clock.now(), jobs=platform.jobs)
    return LikeRead(liked=True)


@router.delete("/videos/{video_id}/like", response_model=LikeRead)
def unlike(video_id: str, actor: CurrentActor, uow: UowDep, platform: PlatformDep) -> LikeRead:
    service.unlike(uow, actor=actor, video_id=video_id, now=platform.clock.now(), jobs=platform.jobs)
    return LikeRead(liked=False)


def _comment_page(
    uow: UnitOfWork,
    *,
    video_id: str,
    parent_id: str | None,
    cursor: str | None,
    limit: int | None,
    actor: Actor | None,
) -> CommentPage:
    size = clamp_limit(limit)
    position = decode_cursor(cursor)
    after = (datetime.fromisoformat(str(position["t"])), str(position["i"])) if position else None
    comments = service.list_comments(uow, video_id=video_id, parent_id=parent_id, after=after, limit=size + 1)
    more = len(comments) > size
    comments = comments[:size]
    next_cursor = (
        encode_cursor({"t": comments[-1].created_at.isoformat(), "i": comments[-1].id}) if more else None
    )
    items = comment_reads(uow, comments)
    if actor is not None and cursor is None:
        # The author's own comments held for review head the first page, marked held; no one else sees them.
        held = service.held_comments(uow, actor=actor, video_id=video_id, parent_id=parent_id)
        items = comment_reads(uow, held) + items
    return CommentPage(items=items, next_cursor=next_cursor)


@router.get("/videos/{video_id}/comments", response_model=CommentPage)
def list_comments(
    video_id: str,
    uow: UowDep,
    actor: OptionalActor,
    cursor: str | None = None,
    limit: Annotated[int | None, Query()] = None,
) -> CommentPage:
    """Top-level comments, newest first; a signed-in author's own comments held for review come first on the
    first page (`held: true`)."""
    get_public_video(uow, video_id=video_id)
    return _comment_page(uow, video_id=video_id, parent_id=None, cursor=cursor, limit=limit, actor=actor)


@router.get("/comments/{comment_id}/replies", response_model=CommentPage)
def list_replies(
    comment_id: str,
    uow: UowDep,
    actor: OptionalActor,
    cursor: str | None = None,
    limit: Annotated[int | None, Query()] = None,
) -> CommentPage:
    parent = service.get_comment(uow, comment_id=comment_id)
    return _comment_page(
        uow, video_id=parent.video_id, parent_id=comment_id, cursor=cursor, limit=limit, actor=actor
    )


@router.post(
    "/videos/{video_id}/comments",
    response_model=CommentRead,
    status_code=201,
    dependencies=[write_limit("comment")],
)
def add_comment(
    video_id: str, body: CommentCreate, actor: CurrentActor, uow: UowDep, platform: PlatformDep
) -> CommentRead:
    comment = service.add_comment(
        uow,
        actor=actor,
        video_id=video_id,
        body=body.body,
        parent_id=body.parent_id,
        blocklist=platform.blocklist,
        desk=platform.review_desk,
        now=platform.clock.now(),
        jobs=platform.jobs,
    )
    return comment_reads(uow, [comment])[0]


@router.delete("/comments/{comment_id}", status_code=204)
def delete_comment(comment_id: str, actor: CurrentActor, uow: UowDep, platform: PlatformDep) -> None:
    service.delete_comment(
        uow, actor=actor, comment_id=comment_id, now=platform.clock.now(), jobs=platform.jobs
    )


@router.post("/videos/{video_id}/share", response_model=ShareRead)
def share(
    video_id: str, body: ShareCreate, actor: CurrentActor, uow: UowDep, platform: PlatformDep
) -> ShareRead:
    url = service.share(
        uow,
        actor=actor,
        video_id=video_id,
        channel=body.channel,
        base_url=platform.settings.base_url,
        now=platform.clock.now(),
        jobs=platform.jobs,
    )
    return ShareRead(url=url)


@router.post("/events", response_model=AcceptedRead, status_code=202)
def watch_events(
    body: WatchEventsIn, actor: CurrentActor, uow: UowDep, platform: PlatformDep
) -> AcceptedRead:
    """A batch of watch events (impression, play, progress, complete) from the player. Events for videos
    that are gone (taken down since) are skipped and listed; the rest are kept."""
    watches = [service.Watch(e.video_id, e.kind, e.watched_s) for e in body.events]
    skipped = service.record_watches(
        uow, actor=actor, watches=watches, now=platform.clock.now(), jobs=platform.jobs
    )
    return AcceptedRead(accepted=len(body.events) - len(skipped), skipped=skipped)


@router.post("/users/{handle}/follow", response_model=FollowRead, dependencies=[write_limit("follow")])
def follow(handle: str, actor: CurrentActor, uow: UowDep, platform: PlatformDep) -> FollowRead:
    profile = get_profile(uow, handle=handle)
    now = platform.clock.now()
    service.follow(uow, actor=actor, followee_id=profile.user_id, now=now, jobs=platform.jobs)
    return FollowRead(following=True)


@router.delete("/users/{handle}/follow", response_model=FollowRead)
def unfollow(handle: str, actor: CurrentActor, uow: UowDep, platform: PlatformDep) -> FollowRead:
    profile = get_profile(uow, handle=handle)
    now = platform.clock.now()
    service.unfollow(uow, actor=actor, followee_id=profile.user_id, now=now, jobs=platform.jobs)
    return FollowRead(following=False)


@router.get("/users/{handle}", response_model=ProfileRead)
def public_profile(handle: str, uow: UowDep, actor: OptionalActor) -> ProfileRead:
    profile = get_profile(uow, handle=handle)
    following = actor is not None and service.is_following(uow, follower=actor, followee_id=profile.user_id)
    return profile_read(profile, followed_by_me=following)
