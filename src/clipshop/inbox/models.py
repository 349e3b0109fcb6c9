"""The inbox's tables, in the recipient's home region (a notification is the recipient's personal data). A
notification names the people behind it by id only (`notification_actors`); their handles are read from
the directory when the inbox is shown, so an erased account is named by no one's inbox."""

from __future__ import annotations

import enum
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import JSON, ForeignKey, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from clipshop.kit.db import RegionBase, UTCDateTime, str_enum

# People acting on the same target within this long of the group's first event share one notification.
GROUP_WINDOW = timedelta(hours=24)


class NoticeKind(enum.StrEnum):
    LIKE = "like"
    COMMENT = "comment"
    REPLY = "reply"
    FOLLOW = "follow"
    ORDER_PAID = "order_paid"
    ORDER_SHIPPED = "order_shipped"
    ORDER_DELIVERED = "order_delivered"
    ORDER_REFUNDED = "order_refunded"
    COMMISSION = "commission"
    MODERATION = "moderation"
    APPEAL = "appeal"


# Kinds where several people do the same to one target: grouped ("maya and 12 others liked your video").
# Every other kind is one notification per cause.
GROUPED = frozenset({NoticeKind.LIKE, NoticeKind.COMMENT, NoticeKind.REPLY, NoticeKind.FOLLOW})


class Notification(RegionBase):
    """One line of someone's inbox: a kind, a target (a video, a comment, an order, the recipient), and for
    grouped kinds how many people are behind it."""

    __tablename__ = "notifications"
    __table_args__ = (
        Index("ix_notifications_recipient_latest", "recipient_id", "latest_at", "id"),
        Index("ix_notifications_recipient_unread", "recipient_id", "read_at"),
        Index("uq_notifications_recipient_group", "recipient_id", "group_key", unique=True),
    )

    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    recipient_id: Mapped[str] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    kind: Mapped[NoticeKind] = mapped_column(str_enum(NoticeKind))
    target_id: Mapped[str] = mapped_column(String(40))
    # What makes two events one line: kind, target and the day the group opened, or kind and a digest of
    # the cause (an order event, a ledger line, a decision) for kinds that are not grouped.
    group_key: Mapped[str] = mapped_column(String(120))
    actor_count: Mapped[int] = mapped_column(Integer, default=0)
    # What the recipient needs to read it without another lookup: a shop's name, an amount, a reason code.
    detail: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    latest_at: Mapped[datetime] = mapped_column(UTCDateTime)
    read_at: Mapped[datetime | None] = mapped_column(UTCDateTime, default=None)


class NotificationActor(RegionBase):
    """Who is behind a grouped notification, once each, by opaque id (never a name or a handle)."""

    __tablename__ = "notification_actors"

    notification_id: Mapped[str] = mapped_column(
        ForeignKey("notifications.id", ondelete="CASCADE"), primary_key=True
    )
    actor_id: Mapped[str] = mapped_column(String(40), primary_key=True)
    # The recipient again, so their rows are found (export, erasure, the residency check) without a join.
    recipient_id: Mapped[str] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime)
