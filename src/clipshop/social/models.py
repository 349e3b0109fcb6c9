"""Social tables. Every row an actor makes lives in the actor's home region; the directory holds only
public projections: comments (public like a caption) and per-region counter totals."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, Boolean, ForeignKey, Index, Integer, String, Text, false
from sqlalchemy.orm import Mapped, mapped_column

from clipshop.kit.db import DirectoryBase, RegionBase, UTCDateTime


class Follow(RegionBase):
    __tablename__ = "follows"
    __table_args__ = (Index("ix_follows_followee", "followee_id"),)

    follower_id: Mapped[str] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), primary_key=True)
    followee_id: Mapped[str] = mapped_column(String(40), primary_key=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)


class Like(RegionBase):
    __tablename__ = "likes"
    __table_args__ = (Index("ix_likes_video", "video_id"),)

    user_id: Mapped[str] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), primary_key=True)
    video_id: Mapped[str] = mapped_column(String(40), primary_key=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)


class Comment(RegionBase):
    __tablename__ = "comments"

    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    author_id: Mapped[str] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    video_id: Mapped[str] = mapped_column(String(40), index=True)
    parent_id: Mapped[str | None] = mapped_column(String(40), default=None)
    body: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    # Why an automatic check holds it for a moderator (`kit.review.HoldReason`): while set it has no public
    # copy, counts nowhere and only its author sees it; a moderator's dismissal publishes it.
    held_for: Mapped[str | None] = mapped_column(String(32), default=None)
    # Held back by the video creator's filter words when it was written: shown to its author only.
    filtered: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    # The moderation decision that took it down: while set it has no public copy, counts nowhere and only
    # its author sees it (as held); a won appeal publishes it.
    withheld_by: Mapped[str | None] = mapped_column(String(40), default=None)


class Share(RegionBase):
    __tablename__ = "shares"

    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    user_id: Mapped[str] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    video_id: Mapped[str] = mapped_column(String(40), index=True)
    channel: Mapped[str] = mapped_column(String(30), default="link")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)


class WatchHistory(RegionBase):
    """What a viewer has played, kept small and indexed so feeds can push watched videos down."""

    __tablename__ = "watch_history"

    user_id: Mapped[str] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), primary_key=True)
    video_id: Mapped[str] = mapped_column(String(40), primary_key=True)
    watched_s: Mapped[float] = mapped_column(default=0.0)
    completes: Mapped[int] = mapped_column(Integer, default=0)
    last_at: Mapped[datetime] = mapped_column(UTCDateTime)


class Block(RegionBase):
    """One account blocking another: the blocker's own record, in the blocker's region. It holds both ways
    (no follows, comments or videos between the two); the blocked account may live in any region."""

    __tablename__ = "blocks"
    # By time too: the heal looks for blocks of the last minutes whose hint abroad a crash may have lost.
    __table_args__ = (Index("ix_blocks_blocked", "blocked_id"), Index("ix_blocks_created", "created_at"))

    blocker_id: Mapped[str] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), primary_key=True)
    blocked_id: Mapped[str] = mapped_column(String(40), primary_key=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)


class CommentFilter(RegionBase):
    """A creator's filter words: comments on their videos containing one are shown to their author only."""

    __tablename__ = "comment_filters"

    user_id: Mapped[str] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), primary_key=True)
    words: Mapped[list[str]] = mapped_column(JSON)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)


class Mute(RegionBase):
    """One account muting another: the muter's feeds skip the muted account's videos. One-way and silent;
    the muter's own record, in the muter's region."""

    __tablename__ = "mutes"

    muter_id: Mapped[str] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), primary_key=True)
    muted_id: Mapped[str] = mapped_column(String(40), primary_key=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)


class BlockHint(RegionBase):
    """A note in a blocked account's region that someone in `region` may have blocked it (never who): its
    requests ask that region, through the residency gateway, which of its accounts did."""

    __tablename__ = "block_hints"

    user_id: Mapped[str] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), primary_key=True)
    region: Mapped[str] = mapped_column(String(16), primary_key=True)
    since: Mapped[datetime] = mapped_column(UTCDateTime)


class UnsentNotice(RegionBase):
    """A like, comment or follow whose person concerned is yet to be told: written with the action, in the
    actor's region and the same transaction, deleted once the notification is committed. The job that tells
    is only a wake-up call; `social.notices.resend_unsent` sends again what a lost job left (`due_at`)."""

    __tablename__ = "unsent_notices"
    __table_args__ = (Index("ix_unsent_notices_due", "due_at"),)

    actor_id: Mapped[str] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), primary_key=True)
    kind: Mapped[str] = mapped_column(String(16), primary_key=True)  # like, comment or follow
    subject_id: Mapped[str] = mapped_column(String(40), primary_key=True)  # the video, comment or account
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    # When the sweep sends it, unless its job did first; pushed back after each try the sweep makes.
    due_at: Mapped[datetime] = mapped_column(UTCDateTime)
    attempts: Mapped[int] = mapped_column(Integer, default=0)


class RegionVideoCounts(RegionBase):
    """How this region's users engaged with a video; updated in the same transaction as the engagement."""

    __tablename__ = "region_video_counts"

    video_id: Mapped[str] = mapped_column(String(40), primary_key=True)
    likes: Mapped[int] = mapped_column(Integer, default=0)
    comments: Mapped[int] = mapped_column(Integer, default=0)
    shares: Mapped[int] = mapped_column(Integer, default=0)
    views: Mapped[int] = mapped_column(Integer, default=0)
    completes: Mapped[int] = mapped_column(Integer, default=0)
    # When the counters last moved (unknown for rows older than the column): the heal job reads from it.
    updated_at: Mapped[datetime | None] = mapped_column(UTCDateTime, default=None, index=True)


class RegionFollowerCounts(RegionBase):
    """How many of this region's users follow an account (anywhere)."""

    __tablename__ = "region_follower_counts"

    user_id: Mapped[str] = mapped_column(String(40), primary_key=True)
    followers: Mapped[int] = mapped_column(Integer, default=0)
    updated_at: Mapped[datetime | None] = mapped_column(UTCDateTime, default=None, index=True)


class PublicComment(DirectoryBase):
    __tablename__ = "public_comments"
    __table_args__ = (Index("ix_public_comments_video", "video_id", "parent_id", "created_at"),)

    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    video_id: Mapped[str] = mapped_column(String(40))
    parent_id: Mapped[str | None] = mapped_column(String(40), default=None)
    author_id: Mapped[str] = mapped_column(String(40))
    body: Mapped[str] = mapped_column(Text)
    reply_count: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    # Held back by the video creator's filter words: listed to its author only.
    filtered: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())


class VideoCountsByRegion(DirectoryBase):
    """Each region's totals for a video; the public counters are their sum."""

    __tablename__ = "video_counts_by_region"

    video_id: Mapped[str] = mapped_column(String(40), primary_key=True)
    region: Mapped[str] = mapped_column(String(16), primary_key=True)
    likes: Mapped[int] = mapped_column(Integer, default=0)
    comments: Mapped[int] = mapped_column(Integer, default=0)
    shares: Mapped[int] = mapped_column(Integer, default=0)
    views: Mapped[int] = mapped_column(Integer, default=0)
    completes: Mapped[int] = mapped_column(Integer, default=0)


class FollowerCountsByRegion(DirectoryBase):
    __tablename__ = "follower_counts_by_region"

    user_id: Mapped[str] = mapped_column(String(40), primary_key=True)
    region: Mapped[str] = mapped_column(String(16), primary_key=True)
    followers: Mapped[int] = mapped_column(Integer, default=0)
