"""Search's API shapes."""

from __future__ import annotations

from pydantic import BaseModel

from clipshop.search.service import Kind, Results, Suggestion
from clipshop.videos.schemas import CreatorRead, creator_read


class VideoHit(BaseModel):
    id: str
    caption: str
    hashtags: list[str]
    thumb_url: str | None
    poster_url: str | None
    creator: CreatorRead
    likes: int
    views: int
    score: float


class ShopRef(BaseModel):
    id: str
    handle: str
    name: str


class ProductHit(BaseModel):
    id: str
    title: str
    shop: ShopRef | None
    price_min: int
    price_max: int
    currency: str
    image_url: str | None
    in_stock: bool
    rating_count: int
    score: float


class CreatorHit(BaseModel):
    id: str
    handle: str
    display_name: str
    avatar_url: str | None
    followers: int
    score: float


class HashtagHit(BaseModel):
    tag: str
    videos: int
    score: float


class SearchRead(BaseModel):
    query: str
    type: Kind
    videos: list[VideoHit]
    products: list[ProductHit]
    creators: list[CreatorHit]
    hashtags: list[HashtagHit]


class SuggestionRead(BaseModel):
    kind: str
    text: str
    ref: str


class SuggestRead(BaseModel):
    query: str
    suggestions: list[SuggestionRead]


def search_read(results: Results) -> SearchRead:
    return SearchRead(
        query=results.query,
        type=results.kind,
        videos=[
            VideoHit(
                id=v.id,
                caption=v.caption,
                hashtags=v.hashtags.split(),
                thumb_url=v.thumb_url,
                poster_url=v.poster_url,
                creator=creator_read(results.profiles.get(v.creator_id), v.creator_id),
                likes=v.like_count,
                views=v.view_count,
                score=hit.score,
            )
            for hit in results.videos
            for v in [hit.item]
        ],
        products=[
            ProductHit(
                id=p.id,
                title=p.title,
                shop=ShopRef(id=shop.id, handle=shop.handle, name=shop.name) if shop else None,
                price_min=p.price_min,
                price_max=p.price_max,
                currency=p.currency,
                image_url=p.images[0] if p.images else None,
                in_stock=p.in_stock,
                rating_count=p.rating_count,
                score=hit.score,
            )
            for hit in results.products
            for p, shop in [(hit.item, results.shops.get(hit.item.shop_id))]
        ],
        creators=[
            CreatorHit(
                id=c.item.user_id,
                handle=c.item.handle,
                display_name=c.item.display_name,
                avatar_url=c.item.avatar_url,
                followers=c.item.follower_count,
                score=c.score,
            )
            for c in results.creators
        ],
        hashtags=[HashtagHit(tag=h.item.tag, videos=h.item.videos, score=h.score) for h in results.hashtags],
    )


def suggest_read(query: str, suggestions: list[Suggestion]) -> SuggestRead:
    return SuggestRead(
        query=query, suggestions=[SuggestionRead(kind=s.kind, text=s.text, ref=s.ref) for s in suggestions]
    )
