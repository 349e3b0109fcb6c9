"""The outbox table: one row per mail, in the recipient's home region (it is their personal data)."""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import Boolean, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from clipshop.kit.db import RegionBase, UTCDateTime, str_enum


class MailCategory(enum.StrEnum):
    """Transactional mail answers something the person did (a sign-up, an order, a reset); marketing mail
    (digests, news) is what the law wants an unsubscribe link on."""

    TRANSACTIONAL = "transactional"
    MARKETING = "marketing"


class OutboxMail(RegionBase):
    __tablename__ = "outbox_mails"

    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    # The recipient; the address is read from their account when the mail is sent, in their region.
    user_id: Mapped[str] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(32))
    # What caused the mail (`order_paid:<order id>`): the same cause never writes a second mail.
    dedupe_key: Mapped[str] = mapped_column(String(120), unique=True)
    category: Mapped[MailCategory] = mapped_column(str_enum(MailCategory))
    subject: Mapped[str] = mapped_column(String(200))
    body: Mapped[str] = mapped_column(Text)
    # A body with a single-use link in it is blanked once sent.
    holds_secret: Mapped[bool] = mapped_column(Boolean, default=False)
    message_id: Mapped[str] = mapped_column(String(200), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    # An attempt holds the mail until then; after a crash, the next attempt waits for it to pass.
    claimed_until: Mapped[datetime | None] = mapped_column(UTCDateTime, default=None)
    last_error: Mapped[str | None] = mapped_column(Text, default=None)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime, default=None, index=True)
    # Given up after too many attempts, or nowhere to send it (the account was erased).
    failed_at: Mapped[datetime | None] = mapped_column(UTCDateTime, default=None)


class MailOptOut(RegionBase):
    """Someone who asked for no more mail of a category (the unsubscribe link of marketing mail)."""

    __tablename__ = "mail_opt_outs"

    user_id: Mapped[str] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), primary_key=True)
    category: Mapped[MailCategory] = mapped_column(str_enum(MailCategory), primary_key=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)


class MailSubscription(RegionBase):
    """Mail someone asked for (`topic`, e.g. the inbox digest): off unless they turned it on. Every topic is
    marketing mail, so its unsubscribe link (the marketing opt-out) ends every subscription."""

    __tablename__ = "mail_subscriptions"

    user_id: Mapped[str] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), primary_key=True)
    topic: Mapped[str] = mapped_column(String(32), primary_key=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
