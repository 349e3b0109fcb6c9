"""API shapes of uploads and videos, and of a video's creator (which the feed's items show too)."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, Field

from clipshop.accounts.models import PublicProfile


class UploadRead(BaseModel):
    id: str
    url: str
    length: int
    offset: int
    status: str
    error: str | None = None


class UploadLimitsRead(BaseModel):
    """What an upload may be. Over a limit, the last PATCH of the upload is refused with a 422 problem whose
    code names the limit (`upload_too_large` is refused at creation, with 413)."""

    max_bytes: int = Field(description="largest file, in bytes (`upload_too_large`)")
    max_duration_s: float = Field(description="longest clip, in seconds (`video_too_long`)")
    min_duration_s: float = Field(description="shortest clip, in seconds (`video_too_short`)")
    min_short_side: int = Field(description="smallest short side of frames, in pixels (`frame_too_small`)")
    max_long_side: int = Field(description="largest long side of frames, in pixels (`frame_too_large`)")
    max_fps: int = Field(description="highest frame rate, in frames per second (`frame_rate_too_high`)")
    max_frames: int = Field(description="most frames in one clip (`too_many_frames`)")


class VideoCreate(BaseModel):
    upload_id: str = Field(max_length=40)
    caption: str = Field(default="", max_length=2200)
    publish: bool = True


class VideoUpdate(BaseModel):
    caption: str = Field(max_length=2200)


class RenditionRead(BaseModel):
    name: str
    width: int
    height: int
    status: str
    percent: float
    error: str | None


class VideoRead(BaseModel):
    """A video as its owner sees it, with the processing state of every rendition."""

    id: str
    status: str
    caption: str
    hashtags: list[str]
    duration_s: float
    width: int
    height: int
    percent: float
    published_at: datetime | None
    publish_when_ready: bool
    master_url: str | None
    poster_url: str | None
    thumb_url: str | None
    error: str | None
    held_for: str | None = Field(
        default=None,
        description="why an automatic check holds it for a moderator's review (`matches_removed_content`, "
        "`blocked_words`): until a moderator releases it, it is in no feed, profile or hashtag page",
    )
    renditions: list[RenditionRead]
    created_at: datetime


class CreatorRead(BaseModel):
    id: str
    handle: str
    display_name: str
    avatar_url: str | None
    followed_by_me: bool = False


def creator_read(profile: PublicProfile | None, user_id: str, *, followed: bool = False) -> CreatorRead:
    if profile is None:
        return CreatorRead(id=user_id, handle="deleted", display_name="Deleted account", avatar_url=None)
    return CreatorRead(
        id=profile.user_id,
        handle=profile.handle,
        display_name=profile.display_name,
        avatar_url=profile.avatar_url,
        followed_by_me=followed,
    )
