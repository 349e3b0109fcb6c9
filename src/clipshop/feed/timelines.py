"""The feeds read straight from the directory's indexes, with no model: For You signed out (the public hot
ranking: time-decayed engagement over every region's published videos), Following, a creator's videos, a
hashtag's videos, a shop's, and a single video. Every feed pages by an opaque cursor. The signed-in For You
is the recommender in `feed.recommend`."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import Select, literal, select, tuple_

from clipshop.accounts.service import get_profile
from clipshop.errors import Invalid
from clipshop.feed.pages import FeedPage, page_of
from clipshop.kit.actors import Actor
from clipshop.kit.db import UnitOfWork
from clipshop.kit.pagination import decode_cursor
from clipshop.shop.public import PublicProduct, PublicVideoProduct
from clipshop.social import service as social
from clipshop.social.shield import guard_account, shield_of
from clipshop.videos.models import PublicVideo, PublicVideoTag
from clipshop.videos.service import ensure_may_see, get_public_video


def _after_hot(position: dict[str, Any] | None) -> Any:
    if position is None:
        return None
    try:
        score, video_id = float(position["s"]), str(position["i"])
    except (KeyError, TypeError, ValueError):
        raise Invalid(
            "That cursor is not one this feed gave out.", code="invalid_cursor", field="cursor"
        ) from None
    # A row-value comparison walks the (hot_score, id) index from the cursor; ORs would scan from the top.
    after = tuple_(
        literal(score, PublicVideo.hot_score.type),
        literal(video_id, PublicVideo.id.type),
    )
    return tuple_(PublicVideo.hot_score, PublicVideo.id) < after


def for_you(uow: UnitOfWork, *, cursor: str | None, limit: int) -> FeedPage:
    """For You signed out: the public hot ranking (time-decayed engagement), paged along its index, without
    what moderation age-restricted or took out of recommendations. Signed-in viewers get the recommender
    (`feed.recommend`)."""
    position = decode_cursor(cursor)
    query = (
        select(PublicVideo.id, PublicVideo.hot_score)
        .where(PublicVideo.age_restricted.is_(False), PublicVideo.unrecommended.is_(False))
        .order_by(PublicVideo.hot_score.desc(), PublicVideo.id.desc())
    )
    condition = _after_hot(position)
    if condition is not None:
        query = query.where(condition)
    # Scan only the index columns; whole rows are loaded for the page alone.
    batch = [(str(v), float(s)) for v, s in uow.directory.execute(query.limit(limit + 1))]
    picked = batch[:limit]
    next_position = {"s": picked[-1][1], "i": picked[-1][0]} if len(batch) > limit else None
    ids = [v for v, _ in picked]
    rows = {v.id: v for v in uow.directory.scalars(select(PublicVideo).where(PublicVideo.id.in_(ids)))}
    return page_of(uow, None, [rows[v] for v in ids if v in rows], next_position)


def _visible(
    query: Select[PublicVideo],
    actor: Actor | None,
    *,
    today: date,
    skip_creators: frozenset[str] = frozenset(),
    recommending: bool = False,
) -> Select[PublicVideo]:
    """`query` narrowed to what `actor` may see: no age-restricted video unless they are an adult, none of
    `skip_creators`, and, where the list recommends (hashtags), nothing moderation took out of them."""
    if actor is None or not actor.is_adult_on(today):
        query = query.where(PublicVideo.age_restricted.is_(False))
    if recommending:
        query = query.where(PublicVideo.unrecommended.is_(False))
    if skip_creators:
        query = query.where(PublicVideo.creator_id.not_in(sorted(skip_creators)))
    return query


def following(uow: UnitOfWork, *, actor: Actor, today: date, cursor: str | None, limit: int) -> FeedPage:
    """The newest videos of the accounts the viewer follows (none blocked or muted)."""
    shield = shield_of(uow, actor)
    creators = [c for c in social.following_ids(uow, actor=actor) if c not in shield.out_of_feeds]
    if not creators:
        return FeedPage(videos=[], next_cursor=None, profiles={}, liked=set())
    query = select(PublicVideo).where(PublicVideo.creator_id.in_(creators))
    return _newest(uow, actor, _visible(query, actor, today=today), cursor, limit)


def creator_videos(
    uow: UnitOfWork, *, actor: Actor | None, today: date, handle: str, cursor: str | None, limit: int
) -> FeedPage:
    """A creator's videos, newest first (those taken out of recommendations too): not found for a viewer
    they blocked, refused (403 `blocked`) to a viewer who blocked them."""
    creator_id = get_profile(uow, handle=handle).user_id
    guard_account(shield_of(uow, actor), creator_id, what="videos")
    query = select(PublicVideo).where(PublicVideo.creator_id == creator_id)
    return _newest(uow, actor, _visible(query, actor, today=today), cursor, limit)


def hashtag(
    uow: UnitOfWork, *, actor: Actor | None, today: date, tag: str, cursor: str | None, limit: int
) -> FeedPage:
    """A hashtag's videos, newest first: a discovery list, so without what moderation took out of
    recommendations, nor accounts the viewer blocked, was blocked by or muted."""
    query = (
        select(PublicVideo)
        .join(PublicVideoTag, PublicVideoTag.video_id == PublicVideo.id)
        .where(PublicVideoTag.tag == tag.lower().lstrip("#"))
    )
    hidden = shield_of(uow, actor).out_of_feeds
    query = _visible(query, actor, today=today, skip_creators=hidden, recommending=True)
    return _newest(uow, actor, query, cursor, limit)


def shop_videos(
    uow: UnitOfWork, *, actor: Actor | None, today: date, shop_id: str, cursor: str | None, limit: int
) -> FeedPage:
    """Published videos that tag any of a shop's products: its own clips and its affiliates'."""
    tagged = (
        select(PublicVideoProduct.video_id)
        .join(PublicProduct, PublicProduct.id == PublicVideoProduct.product_id)
        .where(PublicProduct.shop_id == shop_id)
    )
    query = select(PublicVideo).where(PublicVideo.id.in_(tagged))
    hidden = shield_of(uow, actor).out_of_feeds
    return _newest(uow, actor, _visible(query, actor, today=today, skip_creators=hidden), cursor, limit)


def _newest(
    uow: UnitOfWork, actor: Actor | None, query: Select[PublicVideo], cursor: str | None, limit: int
) -> FeedPage:
    position = decode_cursor(cursor)
    if position is not None:
        at = datetime.fromisoformat(str(position["t"]))
        after = tuple_(
            literal(at, PublicVideo.published_at.type), literal(str(position["i"]), PublicVideo.id.type)
        )
        query = query.where(tuple_(PublicVideo.published_at, PublicVideo.id) < after)
    videos = list(
        uow.directory.scalars(
            query.order_by(PublicVideo.published_at.desc(), PublicVideo.id.desc()).limit(limit + 1)
        )
    )
    more = len(videos) > limit
    videos = videos[:limit]
    next_position = {"t": videos[-1].published_at.isoformat(), "i": videos[-1].id} if more else None
    return page_of(uow, actor, videos, next_position)


def one_video(uow: UnitOfWork, *, actor: Actor | None, today: date, video_id: str) -> FeedPage:
    """A page of one published video (its link, its watch page): not found for a viewer its creator
    blocked, refused to a viewer who blocked its creator (403 `blocked`) and, when it is age-restricted,
    to anyone not known to be an adult (403 `age_restricted`)."""
    video = get_public_video(uow, video_id=video_id)
    guard_account(shield_of(uow, actor), video.creator_id, what="video")
    ensure_may_see(video, actor, today=today)
    return page_of(uow, actor, [video], None)
