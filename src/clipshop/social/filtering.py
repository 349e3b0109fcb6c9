"""Comment filter words: a creator lists words, and comments on their videos that contain one are held
back, listed to their author only.

The words are the creator's, in the creator's region. Their public profile says only whether they filter
(`filters_comments`), so a comment on the video of a creator who does not filter asks nothing. Otherwise
the comment's request reads the words at home, or through the residency gateway when the creator lives in
another region (purpose `comment_filtering`, in that region's audit log), and the comment is written
`filtered` (its region row and its public copy). Changing the words re-decides the public copies of the
comments already on the creator's videos."""

from __future__ import annotations

import re
from datetime import datetime

from sqlalchemy import delete, select, update

from clipshop.accounts.models import PublicProfile
from clipshop.errors import Invalid
from clipshop.kit.actors import Actor
from clipshop.kit.db import UnitOfWork
from clipshop.kit.holdings import Held, rows
from clipshop.kit.ids import region_of
from clipshop.residency import gateway
from clipshop.social.models import CommentFilter, PublicComment
from clipshop.videos.models import PublicVideo

MAX_WORDS = 100
MAX_WORD = 40
BATCH = 500


def normalise(words: list[str]) -> list[str]:
    """The words as kept: trimmed, lower case, each once, in order; refused when too many or too long."""
    kept: list[str] = []
    for word in words:
        value = " ".join(word.split()).casefold()
        if not value or value in kept:
            continue
        if len(value) > MAX_WORD:
            raise Invalid(f"A filter word is at most {MAX_WORD} characters: {value[:20]}….", field="words")
        kept.append(value)
    if len(kept) > MAX_WORDS:
        raise Invalid(f"At most {MAX_WORDS} filter words.", field="words")
    return kept


def matches(words: list[str], body: str) -> bool:
    """Whether `body` contains any of `words` as a whole word or phrase, ignoring case."""
    if not words:
        return False
    text = " ".join(body.split()).casefold()
    return any(re.search(rf"(?<!\w){re.escape(word)}(?!\w)", text) for word in words)


def words_of(uow: UnitOfWork, *, actor: Actor) -> list[str]:
    row = uow.region(actor.region).get(CommentFilter, actor.id)
    return list(row.words) if row is not None else []


def set_words(uow: UnitOfWork, *, actor: Actor, words: list[str], now: datetime) -> list[str]:
    """Replace the actor's filter words, and re-decide which comments on their videos are held back."""
    kept = normalise(words)
    db = uow.region(actor.region)
    row = db.get(CommentFilter, actor.id)
    if row is None:
        db.add(CommentFilter(user_id=actor.id, words=kept, updated_at=now))
    else:
        row.words, row.updated_at = kept, now
    profile = uow.directory.get(PublicProfile, actor.id)
    if profile is not None:
        profile.filters_comments = bool(kept)
    mine = select(PublicVideo.id).where(PublicVideo.creator_id == actor.id)
    query = select(PublicComment.id, PublicComment.body, PublicComment.filtered).where(
        PublicComment.video_id.in_(mine)
    )
    for comment_id, body, filtered in uow.directory.execute(query).all():
        held = matches(kept, body)
        if held != filtered:
            uow.directory.execute(
                update(PublicComment).where(PublicComment.id == comment_id).values(filtered=held)
            )
    return kept


def held_back(uow: UnitOfWork, *, actor: Actor, creator_id: str, body: str) -> bool:
    """Whether the creator's filter holds back `body`, a comment by `actor` on one of their videos."""
    if creator_id == actor.id:
        return False
    profile = uow.directory.get(PublicProfile, creator_id)
    if profile is None or not profile.filters_comments:
        return False
    region = region_of(creator_id)
    if region == actor.region:
        db = uow.region(region)
    else:
        db = gateway.access(
            uow,
            region,
            data_class="comment_filters",
            purpose="comment_filtering",
            records=[creator_id],
            reason=f"comment by {actor.id} on a video of {creator_id}",
        ).db
    row = db.get(CommentFilter, creator_id)
    return row is not None and matches(list(row.words), body)


def held_about(uow: UnitOfWork, *, user_id: str) -> Held:
    db = uow.region(region_of(user_id))
    return {"region/comment_filters": rows(db, CommentFilter, CommentFilter.user_id == user_id)}


def erase_user(uow: UnitOfWork, *, user_id: str) -> None:
    uow.region(region_of(user_id)).execute(delete(CommentFilter).where(CommentFilter.user_id == user_id))
