"""API shapes of social actions."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, Field

from clipshop.events.models import Source
from clipshop.videos.schemas import CreatorRead


class CommentCreate(BaseModel):
    body: str = Field(max_length=500)
    parent_id: str | None = Field(default=None, max_length=40)


class CommentRead(BaseModel):
    id: str
    video_id: str
    parent_id: str | None
    author: CreatorRead
    body: str
    reply_count: int
    created_at: datetime
    held: bool = Field(
        default=False,
        description="held for a moderator's review (a blocked word): shown to its author only until released",
    )
    held_back: bool = Field(
        default=False, description="held back by the creator's filter words: only its author sees it"
    )


class CommentPage(BaseModel):
    items: list[CommentRead]
    next_cursor: str | None


class ShareCreate(BaseModel):
    channel: str = Field(default="link", max_length=30)


class ShareRead(BaseModel):
    url: str


class LikeRead(BaseModel):
    liked: bool


class FollowRead(BaseModel):
    following: bool


class BlockRead(BaseModel):
    blocked: bool


class MuteRead(BaseModel):
    muted: bool


class BlockedAccountRead(BaseModel):
    """An account the signed-in user blocked (`handle` None once that account is deleted)."""

    id: str
    handle: str | None
    display_name: str | None
    avatar_url: str | None
    blocked_at: datetime


class WatchEventIn(BaseModel):
    video_id: str = Field(max_length=40)
    kind: str = Field(max_length=16, examples=["play"])
    watched_s: float = Field(default=0.0, ge=0)
    source: Source | None = Field(
        default=None,
        description="Where the player was: for_you, following, profile, search, shop, hashtag or ad (a "
        "sponsored slot); for the creator's traffic sources. Left out when not known.",
    )


class WatchEventsIn(BaseModel):
    events: list[WatchEventIn] = Field(min_length=1, max_length=100)


class AcceptedRead(BaseModel):
    accepted: int
    skipped: list[str] = Field(default_factory=list, description="video ids no longer available")


class CommentFilterWrite(BaseModel):
    words: list[str] = Field(max_length=100, examples=[["spoiler", "buy followers"]])


class CommentFilterRead(BaseModel):
    words: list[str]
