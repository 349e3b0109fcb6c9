"""Social routes: like, comment, share, follow, watch events. Counters reach the public copy via a job."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated

from fastapi import APIRouter, Query

from clipshop.accounts.schemas import ProfileRead, profile_read
from clipshop.accounts.service import get_profile
from clipshop.errors import NotFound
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
from clipshop.social import controls, filtering, service
from clipshop.social.models import Comment, PublicComment
from clipshop.social.schemas import (
    AcceptedRead,
    BlockedAccountRead,
    BlockRead,
    CommentCreate,
    CommentFilterRead,
    CommentFilterWrite,
    CommentPage,
    CommentRead,
    FollowRead,
    LikeRead,
    MuteRead,
    ShareCreate,
    ShareRead,
    WatchEventsIn,
)
from clipshop.social.shield import guard_account, shield_of
from clipshop.videos.schemas import creator_read
from clipshop.videos.service import ensure_may_see, get_public_video

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
            held=isinstance(c, Comment) and not service.is_public(c),
            held_back=c.filtered,
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
    viewer: Actor | None,
    today: date,
    video_id: str,
    parent_id: str | None,
    cursor: str | None,
    limit: int | None,
) -> CommentPage:
    size = clamp_limit(limit)
    position = decode_cursor(cursor)
    after = (datetime.fromisoformat(str(position["t"])), str(position["i"])) if position else None
    shield = shield_of(uow, viewer)
    video = get_public_video(uow, video_id=video_id)
    guard_account(shield, video.creator_id, what="video")
    ensure_may_see(video, viewer, today=today)
    comments = service.list_comments(
        uow,
        video_id=video_id,
        parent_id=parent_id,
        after=after,
        limit=size + 1,
        shield=shield,
        viewer_id=viewer.id if viewer else None,
    )
    more = len(comments) > size
    comments = comments[:size]
    next_cursor = (
        encode_cursor({"t": comments[-1].created_at.isoformat(), "i": comments[-1].id}) if more else None
    )
    items = comment_reads(uow, comments)
    if viewer is not None and cursor is None:
        # The author's own comments held for review head the first page, marked held; no one else sees them.
        held = service.held_comments(uow, actor=viewer, video_id=video_id, parent_id=parent_id)
        items = comment_reads(uow, held) + items
    return CommentPage(items=items, next_cursor=next_cursor)


@router.get("/videos/{video_id}/comments", response_model=CommentPage)
def list_comments(
    video_id: str,
    uow: UowDep,
    actor: OptionalActor,
    platform: PlatformDep,
    cursor: str | None = None,
    limit: Annotated[int | None, Query()] = None,
) -> CommentPage:
    """A video's comments, newest first; none by accounts apart from the viewer by a block. A signed-in
    author's own comments held for review come first on the first page (`held: true`); their comments held
    back by the creator's filter words are listed among the others (`held_back: true`)."""
    today = platform.clock.now().date()
    return _comment_page(
        uow, viewer=actor, today=today, video_id=video_id, parent_id=None, cursor=cursor, limit=limit
    )


@router.get("/comments/{comment_id}/replies", response_model=CommentPage)
def list_replies(
    comment_id: str,
    uow: UowDep,
    actor: OptionalActor,
    platform: PlatformDep,
    cursor: str | None = None,
    limit: Annotated[int | None, Query()] = None,
) -> CommentPage:
    parent = service.get_comment(uow, comment_id=comment_id)
    return _comment_page(
        uow,
        viewer=actor,
        today=platform.clock.now().date(),
        video_id=parent.video_id,
        parent_id=comment_id,
        cursor=cursor,
        limit=limit,
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
    """A batch of watch events (impression, play, progress, complete) from the player, each with where the
    player was (`source`, optional). Events for videos that are gone (taken down since) are skipped and
    listed; the rest are kept."""
    watches = [
        service.Watch(e.video_id, e.kind, e.watched_s, str(e.source) if e.source else None)
        for e in body.events
    ]
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
    """A public profile; not found for a viewer the account blocked."""
    profile = get_profile(uow, handle=handle)
    shield = shield_of(uow, actor)
    if profile.user_id in shield.blocked_by:
        raise NotFound("user", f"@{handle}")
    following = actor is not None and service.is_following(uow, follower=actor, followee_id=profile.user_id)
    return profile_read(
        profile,
        followed_by_me=following,
        blocked_by_me=profile.user_id in shield.blocking,
        muted_by_me=profile.user_id in shield.muted,
    )


@router.post("/users/{handle}/block", response_model=BlockRead)
def block(handle: str, actor: CurrentActor, uow: UowDep, platform: PlatformDep) -> BlockRead:
    """Block an account: neither of you sees the other's videos, comments or profile, nor follows or
    comments on the other; the follows between you end. The account is not told."""
    profile = get_profile(uow, handle=handle)
    controls.block(uow, actor=actor, user_id=profile.user_id, now=platform.clock.now(), jobs=platform.jobs)
    return BlockRead(blocked=True)


@router.delete("/users/{handle}/block", response_model=BlockRead)
def unblock(handle: str, actor: CurrentActor, uow: UowDep) -> BlockRead:
    profile = get_profile(uow, handle=handle)
    controls.unblock(uow, actor=actor, user_id=profile.user_id)
    return BlockRead(blocked=False)


@router.post("/users/{handle}/mute", response_model=MuteRead)
def mute(handle: str, actor: CurrentActor, uow: UowDep, platform: PlatformDep) -> MuteRead:
    """Mute an account: your feeds skip its videos. It is not told; you still follow it if you did, and
    its profile, videos and comments stay reachable."""
    profile = get_profile(uow, handle=handle)
    controls.mute(uow, actor=actor, user_id=profile.user_id, now=platform.clock.now())
    return MuteRead(muted=True)


@router.delete("/users/{handle}/mute", response_model=MuteRead)
def unmute(handle: str, actor: CurrentActor, uow: UowDep) -> MuteRead:
    profile = get_profile(uow, handle=handle)
    controls.unmute(uow, actor=actor, user_id=profile.user_id)
    return MuteRead(muted=False)


@router.get("/me/comment-filter", response_model=CommentFilterRead)
def my_comment_filter(actor: CurrentActor, uow: UowDep) -> CommentFilterRead:
    return CommentFilterRead(words=filtering.words_of(uow, actor=actor))


@router.put("/me/comment-filter", response_model=CommentFilterRead)
def set_comment_filter(
    body: CommentFilterWrite, actor: CurrentActor, uow: UowDep, platform: PlatformDep
) -> CommentFilterRead:
    """Replace your filter words: comments on your videos that contain one (as a whole word or phrase, in
    any case) are shown to their author only; this applies to comments already there too."""
    words = filtering.set_words(uow, actor=actor, words=body.words, now=platform.clock.now())
    return CommentFilterRead(words=words)


@router.get("/me/blocks", response_model=list[BlockedAccountRead])
def my_blocks(actor: CurrentActor, uow: UowDep) -> list[BlockedAccountRead]:
    """The accounts you blocked, newest first."""
    return [
        BlockedAccountRead(
            id=row.blocked_id,
            handle=profile.handle if profile else None,
            display_name=profile.display_name if profile else None,
            avatar_url=profile.avatar_url if profile else None,
            blocked_at=row.created_at,
        )
        for row, profile in controls.blocks_of(uow, actor=actor)
    ]
