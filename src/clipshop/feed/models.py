"""The feed's tables in each region: the served log (what each For You item was ranked on)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, ForeignKey, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from clipshop.kit.db import RegionBase, UTCDateTime


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
