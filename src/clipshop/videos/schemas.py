"""API shapes of uploads, videos and feed items."""

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
    renditions: list[RenditionRead]
    created_at: datetime


class CreatorRead(BaseModel):
    id: str
    handle: str
    display_name: str
    avatar_url: str | None
    followed_by_me: bool = False


class CountsRead(BaseModel):
    likes: int
    comments: int
    shares: int
    views: int


class ProductChip(BaseModel):
    """A product tagged in a video: what the feed overlay shows before the product sheet opens."""

    id: str
    title: str
    price_min: int
    price_max: int
    currency: str
    image_url: str | None
    in_stock: bool
    at_s: float | None


class WhyRead(BaseModel):
    """Why For You showed this video: the candidate source it came from and the ranker's top reasons."""

    source: str = Field(
        examples=["trending"],
        description="following, trending, similar, embedding, affinity, commerce, fresh or popular",
    )
    label: str = Field(examples=["Trending in your region"], description="the source, in words")
    reasons: list[str] = Field(
        default_factory=list, description="the strongest reasons behind the ranking, strongest first"
    )


class FeedItem(BaseModel):
    """A published video as any viewer sees it."""

    id: str
    region: str
    creator: CreatorRead
    caption: str
    hashtags: list[str]
    duration_s: float
    width: int
    height: int
    master_url: str
    poster_url: str | None
    thumb_url: str | None
    published_at: datetime
    counts: CountsRead
    liked_by_me: bool
    share_url: str
    products: list[ProductChip] = Field(default_factory=list)
    why: WhyRead | None = Field(default=None, description="set on For You items")


class FeedPageRead(BaseModel):
    items: list[FeedItem]
    next_cursor: str | None


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
