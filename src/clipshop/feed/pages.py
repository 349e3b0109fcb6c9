"""A page of any feed, as the service hands it to the route: its videos with what a viewer needs to see them
(creators' profiles, which ones the viewer likes and follows, the products tagged in each) and, on For You,
why each was chosen."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select

from clipshop.accounts.models import PublicProfile
from clipshop.ads.serving import Sponsored
from clipshop.kit.actors import Actor
from clipshop.kit.db import UnitOfWork
from clipshop.kit.pagination import encode_cursor
from clipshop.shop.public import PublicProduct, PublicVideoProduct, video_products
from clipshop.social import service as social
from clipshop.videos.models import PublicVideo


@dataclass(frozen=True)
class Why:
    """Why For You showed a video: the candidate source and the ranker's strongest reasons."""

    source: str
    label: str
    reasons: list[str]


@dataclass(frozen=True)
class FeedPage:
    videos: list[PublicVideo]
    next_cursor: str | None
    profiles: dict[str, PublicProfile]
    liked: set[str]
    following: set[str] = field(default_factory=set)
    why: dict[str, Why] = field(default_factory=dict)
    # Per video, its product tags with their products, in tag order.
    products: dict[str, list[tuple[PublicVideoProduct, PublicProduct]]] = field(default_factory=dict)
    # On For You: the sponsored items, by video (`ads.serving`).
    sponsored: dict[str, Sponsored] = field(default_factory=dict)


def page_of(
    uow: UnitOfWork, actor: Actor | None, videos: Sequence[PublicVideo], position: dict[str, Any] | None
) -> FeedPage:
    """The page of `videos` as `actor` sees it, with `position` as the cursor to the next page."""
    creator_ids = {v.creator_id for v in videos}
    profiles = (
        {
            p.user_id: p
            for p in uow.directory.scalars(
                select(PublicProfile).where(PublicProfile.user_id.in_(creator_ids))
            )
        }
        if creator_ids
        else {}
    )
    liked = social.liked_ids(uow, actor=actor, video_ids=[v.id for v in videos]) if actor else set()
    following = social.followed_among(uow, actor=actor, user_ids=creator_ids) if actor else set()
    return FeedPage(
        videos=list(videos),
        next_cursor=encode_cursor(position) if position else None,
        profiles=profiles,
        liked=liked,
        following=following,
        products=video_products(uow, [v.id for v in videos]),
    )
