"""The events table: one row per thing a viewer did, in the viewer's home region."""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import Float, ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from clipshop.kit.db import RegionBase, UTCDateTime


class EventKind(enum.StrEnum):
    IMPRESSION = "impression"
    PLAY = "play"
    PROGRESS = "progress"
    COMPLETE = "complete"
    LIKE = "like"
    COMMENT = "comment"
    SHARE = "share"
    FOLLOW = "follow"
    PRODUCT_OPEN = "product_open"
    ADD_TO_CART = "add_to_cart"
    PURCHASE = "purchase"
    # The viewer told For You they do not want this video, nor ones near it: a negative signal.
    NOT_INTERESTED = "not_interested"


PLAYER_KINDS = (EventKind.IMPRESSION, EventKind.PLAY, EventKind.PROGRESS, EventKind.COMPLETE)


class Source(enum.StrEnum):
    """Where the player that sent an event was: which page or feed a play came from."""

    FOR_YOU = "for_you"
    FOLLOWING = "following"
    PROFILE = "profile"
    SEARCH = "search"
    SHOP = "shop"
    HASHTAG = "hashtag"
    AD = "ad"  # a sponsored slot in For You


class Event(RegionBase):
    """One thing a viewer did: to a video, a product (with the video it was opened from) or a creator."""

    __tablename__ = "events"
    __table_args__ = (
        # Holds every column `recent` reads, so a viewer's latest events sit on a few neighbouring pages.
        Index(
            "ix_events_user_recent",
            "user_id",
            "created_at",
            "kind",
            "video_id",
            "product_id",
            "creator_id",
            "value",
        ),
        Index("ix_events_time", "created_at"),
    )

    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    user_id: Mapped[str] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(16))
    video_id: Mapped[str | None] = mapped_column(String(40), default=None, index=True)
    product_id: Mapped[str | None] = mapped_column(String(40), default=None)
    creator_id: Mapped[str | None] = mapped_column(String(40), default=None)
    value: Mapped[float] = mapped_column(Float, default=0.0)
    # Where a play came from (a `Source` value), for creators' traffic sources; None when not known.
    source: Mapped[str | None] = mapped_column(String(12), default=None)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
