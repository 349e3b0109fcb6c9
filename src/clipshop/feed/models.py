"""The feed's tables in each region: the trending videos (rewritten by a job), the served log (what each
For You item was ranked on) and the videos each viewer marked "not interested"."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, Float, ForeignKey, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from clipshop.kit.db import RegionBase, UTCDateTime


class TrendingVideo(RegionBase):
    """The region's trending videos (its viewers' engagement, time-decayed); rewritten by a job."""

    __tablename__ = "trending_videos"

    video_id: Mapped[str] = mapped_column(String(40), primary_key=True)
    score: Mapped[float] = mapped_column(Float, index=True)


class Served(RegionBase):
    """One For You item as it was served: where it came from and the features it was ranked on."""

    __tablename__ = "served_items"
    __table_args__ = (
        Index("ix_served_user_time", "user_id", "created_at"),
        Index("ix_served_time", "created_at"),
    )

    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    user_id: Mapped[str] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    video_id: Mapped[str] = mapped_column(String(40))
    session: Mapped[str] = mapped_column(String(40))
    position: Mapped[int] = mapped_column(Integer)
    source: Mapped[str] = mapped_column(String(24))
    features: Mapped[list[float]] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)


class NotInterested(RegionBase):
    """A video a viewer marked "not interested", with what makes others near it (its creator, its first
    hashtag), so For You leaves them out without asking the directory."""

    __tablename__ = "not_interested"

    user_id: Mapped[str] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), primary_key=True)
    video_id: Mapped[str] = mapped_column(String(40), primary_key=True)
    creator_id: Mapped[str] = mapped_column(String(40))
    topic: Mapped[str | None] = mapped_column(String(100), default=None)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
