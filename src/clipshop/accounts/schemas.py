"""API shapes of accounts."""

from __future__ import annotations

from datetime import date, datetime

from pydantic import BaseModel, ConfigDict, Field

from clipshop.accounts.models import PublicProfile


class SignUp(BaseModel):
    email: str = Field(max_length=320, examples=["maya@example.com"])
    password: str = Field(max_length=1024)
    handle: str = Field(max_length=40, examples=["maya.makes"])
    country: str = Field(min_length=2, max_length=2, examples=["US"])
    display_name: str | None = Field(default=None, max_length=60)
    birth_date: date | None = Field(
        default=None,
        examples=["2001-04-17"],
        description="kept in your home region; you must be 13 or older. Optional for older clients; "
        "without it, age-restricted videos stay hidden until one is set in settings",
    )


class LogIn(BaseModel):
    email: str = Field(max_length=320)
    password: str = Field(max_length=1024)


class ProfileUpdate(BaseModel):
    display_name: str | None = Field(default=None, max_length=60)
    bio: str | None = Field(default=None, max_length=300)
    birth_date: date | None = Field(default=None, description="once: a birth date set cannot be changed here")


class MeRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: str
    handle: str
    display_name: str
    bio: str
    email: str
    country: str
    region: str
    avatar_url: str | None
    created_at: datetime
    email_verified: bool = False
    birth_date: date | None = None


class PasswordResetAsk(BaseModel):
    email: str = Field(max_length=320, examples=["maya@example.com"])


class PasswordResetConfirm(BaseModel):
    token: str = Field(max_length=200)
    password: str = Field(max_length=1024)


class EmailVerification(BaseModel):
    token: str = Field(max_length=200)


class VerificationSent(BaseModel):
    sent_to: str = Field(description="the address the new link was mailed to")


class SessionRead(BaseModel):
    token: str
    expires_at: datetime
    user: MeRead


class ProfileRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: str
    handle: str
    display_name: str
    bio: str
    region: str
    avatar_url: str | None
    follower_count: int
    following_count: int
    video_count: int
    like_count: int
    followed_by_me: bool = False
    blocked_by_me: bool = False
    muted_by_me: bool = False


def profile_read(
    profile: PublicProfile,
    *,
    followed_by_me: bool = False,
    blocked_by_me: bool = False,
    muted_by_me: bool = False,
) -> ProfileRead:
    return ProfileRead(
        id=profile.user_id,
        handle=profile.handle,
        display_name=profile.display_name,
        bio=profile.bio,
        region=profile.region,
        avatar_url=profile.avatar_url,
        follower_count=profile.follower_count,
        following_count=profile.following_count,
        video_count=profile.video_count,
        like_count=profile.like_count,
        followed_by_me=followed_by_me,
        blocked_by_me=blocked_by_me,
        muted_by_me=muted_by_me,
    )
