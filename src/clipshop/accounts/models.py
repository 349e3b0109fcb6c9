"""Account tables. `User` and `AuthSession` are personal and live in the home region; the directory holds
an opaque email digest for routing log-ins and the public profile."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Boolean, Date, ForeignKey, Index, Integer, String, Text, false
from sqlalchemy.orm import Mapped, mapped_column

from clipshop.kit.db import DirectoryBase, RegionBase, UTCDateTime


class User(RegionBase):
    __tablename__ = "users"

    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    email: Mapped[str] = mapped_column(String(320), unique=True)
    password_hash: Mapped[str] = mapped_column(String(200))
    handle: Mapped[str] = mapped_column(String(30), unique=True)
    display_name: Mapped[str] = mapped_column(String(60))
    bio: Mapped[str] = mapped_column(Text, default="")
    avatar_key: Mapped[str | None] = mapped_column(String(200), default=None)
    country: Mapped[str] = mapped_column(String(2))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    # Platform staff only (`clipshop staff add`): support, moderator or operator, and the region whose
    # law they work under (their home region unless placed elsewhere).
    staff_role: Mapped[str | None] = mapped_column(String(16), default=None)
    jurisdiction: Mapped[str | None] = mapped_column(String(16), default=None)
    # The last change to what the directory shows of the account (its index entry, its public profile, the
    # accounts it follows): the heal job compares the rows changed since its last run.
    updated_at: Mapped[datetime | None] = mapped_column(UTCDateTime, default=None, index=True)
    # Set by a moderator's `suspend_account` decision: the account cannot log in and its videos are withheld.
    suspended_at: Mapped[datetime | None] = mapped_column(UTCDateTime, default=None)
    # When the owner followed the link of the verification mail; the account works before that.
    email_verified_at: Mapped[datetime | None] = mapped_column(UTCDateTime, default=None)
    # Given at sign-up (or once later in settings); the age, worked out from it, gates age-restricted videos.
    birth_date: Mapped[date | None] = mapped_column(Date, default=None)


class AuthSession(RegionBase):
    """A log-in: the cookie or bearer token is `<id>.<secret>`; only the secret's hash is stored."""

    __tablename__ = "auth_sessions"

    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    user_id: Mapped[str] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    secret_hash: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime, default=None)


class PasswordReset(RegionBase):
    """A password reset link: `<id>.<secret>`, only the secret's hash stored; works once, until it expires."""

    __tablename__ = "password_resets"

    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    user_id: Mapped[str] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    secret_hash: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    used_at: Mapped[datetime | None] = mapped_column(UTCDateTime, default=None)


class EmailVerification(RegionBase):
    """A link that verifies the account's address: `<id>.<secret>`, only a hash of the secret and the
    address it was sent to stored, so it dies with that address. It works once; asking for a new link
    replaces every earlier one that was not used."""

    __tablename__ = "email_verifications"

    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    user_id: Mapped[str] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    secret_hash: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    used_at: Mapped[datetime | None] = mapped_column(UTCDateTime, default=None)
    replaced_at: Mapped[datetime | None] = mapped_column(UTCDateTime, default=None)


class AccountIndex(DirectoryBase):
    """Routes a log-in to its region by a keyed digest of the email; the email itself never leaves home."""

    __tablename__ = "account_index"

    email_digest: Mapped[str] = mapped_column(String(64), primary_key=True)
    user_id: Mapped[str] = mapped_column(String(40), unique=True)
    region: Mapped[str] = mapped_column(String(16))


class PublicProfile(DirectoryBase):
    """What anyone may see of an account, in every region: the public profile and its counters."""

    __tablename__ = "public_profiles"
    __table_args__ = (Index("ix_public_profiles_handle_lower", "handle", unique=True),)

    user_id: Mapped[str] = mapped_column(String(40), primary_key=True)
    region: Mapped[str] = mapped_column(String(16))
    handle: Mapped[str] = mapped_column(String(30))
    display_name: Mapped[str] = mapped_column(String(60))
    bio: Mapped[str] = mapped_column(Text, default="")
    avatar_url: Mapped[str | None] = mapped_column(String(300), default=None)
    follower_count: Mapped[int] = mapped_column(Integer, default=0)
    following_count: Mapped[int] = mapped_column(Integer, default=0)
    video_count: Mapped[int] = mapped_column(Integer, default=0)
    like_count: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    # Whether the account filters comments on its videos (never the words, which stay in its region).
    filters_comments: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
