"""Video tables. Uploads, videos and renditions live in the creator's region; `PublicVideo` and
`PublicVideoTag` are the public projections of published videos in the directory, `WithheldVideo` the videos
moderation took out of it, `BlockedSignature` the signatures of videos taken down (a re-upload is held)."""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import (
    BigInteger,
    Boolean,
    Enum,
    Float,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    String,
    Text,
    UniqueConstraint,
    false,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column

from clipshop.kit.db import DirectoryBase, RegionBase, UTCDateTime


class UploadStatus(enum.StrEnum):
    OPEN = "open"
    COMPLETE = "complete"
    FAILED = "failed"


class VideoStatus(enum.StrEnum):
    PROCESSING = "processing"
    READY = "ready"
    FAILED = "failed"


class RenditionStatus(enum.StrEnum):
    QUEUED = "queued"
    PROCESSING = "processing"
    READY = "ready"
    FAILED = "failed"


def _enum(e: type[enum.StrEnum]) -> Enum:
    return Enum(e, native_enum=False, length=16, values_callable=lambda members: [m.value for m in members])


class Upload(RegionBase):
    """A resumable upload (tus 1.0): bytes land in the region's upload volume under its id."""

    __tablename__ = "uploads"

    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    owner_id: Mapped[str] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    filename: Mapped[str] = mapped_column(String(255), default="")
    length: Mapped[int] = mapped_column(BigInteger)
    offset: Mapped[int] = mapped_column(BigInteger, default=0)
    status: Mapped[UploadStatus] = mapped_column(_enum(UploadStatus), default=UploadStatus.OPEN)
    error: Mapped[str | None] = mapped_column(Text, default=None)
    container: Mapped[str | None] = mapped_column(String(16), default=None)
    duration_s: Mapped[float | None] = mapped_column(Float, default=None)
    width: Mapped[int | None] = mapped_column(Integer, default=None)
    height: Mapped[int | None] = mapped_column(Integer, default=None)
    rotation: Mapped[int] = mapped_column(Integer, default=0)
    has_audio: Mapped[bool] = mapped_column(Boolean, default=False)
    # Everything the probe found, so jobs read the file with the same facts (container, stream, fps).
    probe_json: Mapped[str | None] = mapped_column(Text, default=None)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)


class Video(RegionBase):
    __tablename__ = "videos"

    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    owner_id: Mapped[str] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    upload_id: Mapped[str] = mapped_column(ForeignKey("uploads.id"), unique=True)
    status: Mapped[VideoStatus] = mapped_column(
        _enum(VideoStatus), default=VideoStatus.PROCESSING, index=True
    )
    caption: Mapped[str] = mapped_column(Text, default="")
    hashtags: Mapped[str] = mapped_column(Text, default="")
    duration_s: Mapped[float] = mapped_column(Float)
    width: Mapped[int] = mapped_column(Integer)
    height: Mapped[int] = mapped_column(Integer)
    has_audio: Mapped[bool] = mapped_column(Boolean, default=True)
    publish_when_ready: Mapped[bool] = mapped_column(Boolean, default=True)
    published_at: Mapped[datetime | None] = mapped_column(UTCDateTime, default=None)
    poster_key: Mapped[str | None] = mapped_column(String(200), default=None)
    thumb_key: Mapped[str | None] = mapped_column(String(200), default=None)
    master_key: Mapped[str | None] = mapped_column(String(200), default=None)
    error: Mapped[str | None] = mapped_column(Text, default=None)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    # While a worker holds the job it keeps pushing this forward; past it, the reconciler re-enqueues.
    lease_until: Mapped[datetime | None] = mapped_column(UTCDateTime, default=None)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    # Moves with every change, publishing and caption edits included (the heal job reads from it).
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    # The moderation decision that withheld it from everyone (a take-down, its creator's suspension): while
    # set, nothing projects it into the directory and its media are refused.
    withheld_by: Mapped[str | None] = mapped_column(String(40), default=None)
    # Why an automatic check holds it for a moderator (`kit.review.HoldReason`): while set, nothing projects
    # it into the directory; a moderator's dismissal releases it.
    held_for: Mapped[str | None] = mapped_column(String(32), default=None)
    # Its perceptual signature (`media.signature`), made in the transcode's own run; None before that.
    signature: Mapped[bytes | None] = mapped_column(LargeBinary, default=None)
    # The moderation decisions that age-restricted it (hidden from minors and signed-out viewers) and that
    # took it out of recommendations (For You, trending, hashtags; still on the creator's profile).
    age_restricted_by: Mapped[str | None] = mapped_column(String(40), default=None)
    unrecommended_by: Mapped[str | None] = mapped_column(String(40), default=None)

    @property
    def hashtag_list(self) -> list[str]:
        return self.hashtags.split()


class Rendition(RegionBase):
    """One rung of the HLS ladder, with the state a creator sees while it is processed."""

    __tablename__ = "renditions"
    __table_args__ = (UniqueConstraint("video_id", "name"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    video_id: Mapped[str] = mapped_column(ForeignKey("videos.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(16))
    width: Mapped[int] = mapped_column(Integer)
    height: Mapped[int] = mapped_column(Integer)
    bandwidth: Mapped[int] = mapped_column(Integer, default=0)
    status: Mapped[RenditionStatus] = mapped_column(_enum(RenditionStatus), default=RenditionStatus.QUEUED)
    percent: Mapped[float] = mapped_column(Float, default=0.0)
    error: Mapped[str | None] = mapped_column(Text, default=None)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)


class PublicVideo(DirectoryBase):
    """The public copy of a published video that feeds and search read, in every region."""

    __tablename__ = "public_videos"
    __table_args__ = (
        Index("ix_public_videos_hot", "hot_score", "id"),
        Index("ix_public_videos_creator", "creator_id", "published_at", "id"),
        Index("ix_public_videos_published", "published_at", "id"),
        # The few restricted videos are read by these; partial, so that no query about the unrestricted
        # many (every feed's and search's `IS false`) is planned through them (SQLite, with no statistics,
        # took an equality on an index for a selective one and walked every video by it).
        Index(
            "ix_public_videos_age_restricted",
            "age_restricted",
            sqlite_where=text("age_restricted"),
            postgresql_where=text("age_restricted"),
        ),
        Index(
            "ix_public_videos_unrecommended",
            "unrecommended",
            sqlite_where=text("unrecommended"),
            postgresql_where=text("unrecommended"),
        ),
    )

    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    region: Mapped[str] = mapped_column(String(16))
    creator_id: Mapped[str] = mapped_column(String(40))
    caption: Mapped[str] = mapped_column(Text, default="")
    hashtags: Mapped[str] = mapped_column(Text, default="")
    duration_s: Mapped[float] = mapped_column(Float)
    width: Mapped[int] = mapped_column(Integer)
    height: Mapped[int] = mapped_column(Integer)
    master_url: Mapped[str] = mapped_column(String(300))
    poster_url: Mapped[str | None] = mapped_column(String(300), default=None)
    thumb_url: Mapped[str | None] = mapped_column(String(300), default=None)
    published_at: Mapped[datetime] = mapped_column(UTCDateTime)
    like_count: Mapped[int] = mapped_column(Integer, default=0)
    comment_count: Mapped[int] = mapped_column(Integer, default=0)
    share_count: Mapped[int] = mapped_column(Integer, default=0)
    view_count: Mapped[int] = mapped_column(Integer, default=0)
    complete_count: Mapped[int] = mapped_column(Integer, default=0)
    hot_score: Mapped[float] = mapped_column(Float, default=0.0)
    # Moderation's restrictions, copied from the video's row: shown to adults only; kept out of
    # recommendations (For You, trending, hashtags).
    age_restricted: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    unrecommended: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())


class WithheldVideo(DirectoryBase):
    """A video a moderation decision withheld: its public copy is gone, no projection may write it back, and
    its media are refused wherever they are served. Names the decision, not who reported it."""

    __tablename__ = "withheld_videos"

    video_id: Mapped[str] = mapped_column(String(40), primary_key=True)
    region: Mapped[str] = mapped_column(String(16))
    decision_id: Mapped[str] = mapped_column(String(40))
    since: Mapped[datetime] = mapped_column(UTCDateTime)


class BlockedSignature(DirectoryBase):
    """The signature of a video a moderator took down, for every region's uploads to be matched against: a
    hash of its pictures only, named by the decision (no video, no account)."""

    __tablename__ = "blocked_signatures"

    decision_id: Mapped[str] = mapped_column(String(40), primary_key=True)
    signature: Mapped[bytes] = mapped_column(LargeBinary)
    since: Mapped[datetime] = mapped_column(UTCDateTime)


class PublicVideoTag(DirectoryBase):
    __tablename__ = "public_video_tags"
    __table_args__ = (Index("ix_public_video_tags_tag_time", "tag", "published_at", "video_id"),)

    tag: Mapped[str] = mapped_column(String(100), primary_key=True)
    video_id: Mapped[str] = mapped_column(
        ForeignKey("public_videos.id", ondelete="CASCADE"), primary_key=True
    )
    published_at: Mapped[datetime] = mapped_column(UTCDateTime)
