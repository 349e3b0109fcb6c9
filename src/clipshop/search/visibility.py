"""What search may show: the one place to say it. The directory holds only published, public copies (content
taken down or held for review has none), so what is left to exclude depends on who searches: an
age-restricted video is found only by a viewer known to be 18 or older, and nothing of an account apart from
the viewer by a block (either way) is found: not its profile, its videos, or its shop's products. A hashtag
counts only the videos the viewer could find. Every search and suggestion query applies these predicates."""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date

from sqlalchemy import ColumnElement, and_, select, true
from sqlalchemy.orm import Session

from clipshop.accounts.models import PublicProfile
from clipshop.kit.actors import Actor
from clipshop.kit.db import UnitOfWork
from clipshop.shop.public import PublicProduct, PublicShop
from clipshop.social.shield import shield_of
from clipshop.videos.models import PublicVideo


@dataclass(frozen=True)
class Searcher:
    """What search needs to know of who searches: whether they are known to be an adult, and the accounts
    apart from them by a block (never shown, either way)."""

    adult: bool = False
    apart: frozenset[str] = frozenset()


SIGNED_OUT = Searcher()


def searcher_of(uow: UnitOfWork, viewer: Actor | None, *, today: date) -> Searcher:
    """The searcher a request stands for (a signed-out visitor is no adult and blocked by no one)."""
    if viewer is None:
        return SIGNED_OUT
    return Searcher(adult=viewer.is_adult_on(today), apart=shield_of(uow, viewer).apart)


def searchable_videos(
    video: type[PublicVideo] = PublicVideo, *, searcher: Searcher = SIGNED_OUT
) -> ColumnElement[bool]:
    """Videos search may return: not age-restricted unless the searcher is an adult, and none by an account
    apart from the searcher by a block. (Removal from recommendations does not hide a video from search.)"""
    conditions: list[ColumnElement[bool]] = []
    if not searcher.adult:
        conditions.append(video.age_restricted.is_(False))
    if searcher.apart:
        conditions.append(video.creator_id.not_in(searcher.apart))
    return and_(true(), *conditions)


def searchable_products(
    product: type[PublicProduct] = PublicProduct, *, searcher: Searcher = SIGNED_OUT
) -> ColumnElement[bool]:
    """Products search may return: none of a shop whose owner is apart from the searcher by a block."""
    if searcher.apart:
        shops_apart = select(PublicShop.id).where(PublicShop.owner_id.in_(searcher.apart))
        return product.shop_id.not_in(shops_apart)
    return true()


def searchable_creators(
    profile: type[PublicProfile] = PublicProfile, *, searcher: Searcher = SIGNED_OUT
) -> ColumnElement[bool]:
    """Creators search may return: none apart from the searcher by a block."""
    if searcher.apart:
        return profile.user_id.not_in(searcher.apart)
    return true()


def searchable_hashtag(tag: str) -> bool:
    """Hashtags search may return (a blocked tag will be refused here)."""
    return True


def visible_hashtag_counts(
    db: Session, counts: Mapping[str, tuple[int, int]], *, searcher: Searcher = SIGNED_OUT
) -> dict[str, int]:
    """How many videos of each hashtag the searcher could find, from `counts` (per hashtag, its videos and
    how many of them are age-restricted, as the index keeps them): less the restricted ones unless they are
    an adult, less those of accounts apart by a block (read by the creator index: the cost follows how few
    videos the blocked accounts have, never how many a popular tag has). A tag left with none is dropped."""
    visible = {
        tag: videos - (0 if searcher.adult else restricted)
        for tag, (videos, restricted) in counts.items()
        if searchable_hashtag(tag)
    }
    if searcher.apart and visible:
        theirs = select(PublicVideo.hashtags).where(PublicVideo.creator_id.in_(searcher.apart))
        if not searcher.adult:  # their restricted videos are not counted already
            theirs = theirs.where(PublicVideo.age_restricted.is_(False))
        less = Counter(
            tag for hashtags in db.scalars(theirs) for tag in set(hashtags.split()) if tag in visible
        )
        visible = {tag: n - less[tag] for tag, n in visible.items()}
    return {tag: n for tag, n in visible.items() if n > 0}
