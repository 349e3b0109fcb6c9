"""API shapes of the feeds: a page of items, each a published video with its creator, counters, tagged
products and, on For You, why it was shown."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, Field

from clipshop.videos.schemas import CreatorRead


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


class SponsoredRead(BaseModel):
    """A sponsored item of For You: who pays for it, what it says, and why this viewer sees it."""

    ad_id: str
    served_id: str = Field(description="the token to report this item's impression and clicks with")
    advertiser_name: str
    headline: str
    call_to_action: str
    label: str = Field(examples=["Sponsored"])
    reasons: list[str] = Field(
        examples=[["Sponsored by Acme", "Because you watch #skate"]], description="why it was shown"
    )
    product_id: str | None = Field(default=None, description="the product a product ad promotes")
    kind: str = Field(examples=["video"], description="video or product")


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
    why: WhyRead | None = Field(default=None, description="set on For You's organic items")
    sponsored: SponsoredRead | None = Field(default=None, description="set on For You's sponsored items")


class FeedPageRead(BaseModel):
    items: list[FeedItem]
    next_cursor: str | None
