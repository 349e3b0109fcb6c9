"""What buyers in every region browse, read from the directory's public copies: products with their shop
and variants, search, a shop's products, creators' showcases, products tagged in videos, and reviews."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from sqlalchemy import select

from clipshop.accounts.models import PublicProfile
from clipshop.errors import NotFound
from clipshop.kit.actors import Actor
from clipshop.kit.db import UnitOfWork
from clipshop.shop.catalog.models import (
    PublicProduct,
    PublicReview,
    PublicShop,
    PublicShowcaseItem,
    PublicVariant,
    PublicVideoProduct,
)
from clipshop.videos.models import PublicVideo, Video


@dataclass(frozen=True)
class Listing:
    """A product as a buyer sees it: its public copy, its shop, and its variants when asked for."""

    product: PublicProduct
    shop: PublicShop | None
    variants: list[PublicVariant] = field(default_factory=list)


@dataclass(frozen=True)
class Tagged:
    listing: Listing
    at_s: float | None


@dataclass(frozen=True)
class Reviewed:
    review: PublicReview
    author_handle: str | None


def listings(
    uow: UnitOfWork, products: Sequence[PublicProduct], *, with_variants: bool = False
) -> list[Listing]:
    """Listings of `products` (in their order), with two queries for the whole list."""
    if not products:
        return []
    shops = {
        s.id: s
        for s in uow.directory.scalars(
            select(PublicShop).where(PublicShop.id.in_({p.shop_id for p in products}))
        )
    }
    variants: dict[str, list[PublicVariant]] = {}
    if with_variants:
        for v in uow.directory.scalars(
            select(PublicVariant)
            .where(PublicVariant.product_id.in_([p.id for p in products]))
            .order_by(PublicVariant.position)
        ):
            variants.setdefault(v.product_id, []).append(v)
    return [Listing(p, shops.get(p.shop_id), variants.get(p.id, [])) for p in products]


def get(uow: UnitOfWork, *, product_id: str) -> Listing:
    """An active product with its shop and variants; NotFound when it is not (or no longer) on sale."""
    product = uow.directory.get(PublicProduct, product_id)
    if product is None:
        raise NotFound("product", product_id)
    variants = list(
        uow.directory.scalars(
            select(PublicVariant)
            .where(PublicVariant.product_id == product_id)
            .order_by(PublicVariant.position)
        )
    )
    return Listing(product, uow.directory.get(PublicShop, product.shop_id), variants)


def search(uow: UnitOfWork, *, query: str, shop_id: str | None, limit: int) -> list[Listing]:
    statement = select(PublicProduct)
    for word in query.lower().split()[:8]:
        statement = statement.where(PublicProduct.search_text.contains(word, autoescape=True))
    if shop_id:
        statement = statement.where(PublicProduct.shop_id == shop_id)
    found = uow.directory.scalars(statement.order_by(PublicProduct.updated_at.desc()).limit(limit))
    return listings(uow, list(found))


def of_shop(uow: UnitOfWork, *, shop_id: str) -> list[Listing]:
    found = uow.directory.scalars(
        select(PublicProduct)
        .where(PublicProduct.shop_id == shop_id)
        .order_by(PublicProduct.updated_at.desc())
    )
    return listings(uow, list(found))


def showcase_of(uow: UnitOfWork, *, creator_id: str) -> list[Listing]:
    found = uow.directory.scalars(
        select(PublicProduct)
        .join(PublicShowcaseItem, PublicShowcaseItem.product_id == PublicProduct.id)
        .where(PublicShowcaseItem.creator_id == creator_id)
        .order_by(PublicShowcaseItem.position)
    )
    return listings(uow, list(found))


def showcase_of_handle(uow: UnitOfWork, *, handle: str) -> list[Listing]:
    profile = uow.directory.scalars(
        select(PublicProfile).where(PublicProfile.handle == handle.lower())
    ).first()
    if profile is None:
        raise NotFound("user", handle)
    return showcase_of(uow, creator_id=profile.user_id)


def video_products(
    uow: UnitOfWork, video_ids: Sequence[str]
) -> dict[str, list[tuple[PublicVideoProduct, PublicProduct]]]:
    """The products tagged in each video, in tag order, in one query for them all (part of the shop's
    public surface: feeds show them as chips)."""
    if not video_ids:
        return {}
    rows = uow.directory.execute(
        select(PublicVideoProduct, PublicProduct)
        .join(PublicProduct, PublicProduct.id == PublicVideoProduct.product_id)
        .where(PublicVideoProduct.video_id.in_(list(video_ids)))
        .order_by(PublicVideoProduct.position)
    )
    found: dict[str, list[tuple[PublicVideoProduct, PublicProduct]]] = {}
    for tag, product in rows:
        found.setdefault(tag.video_id, []).append((tag, product))
    return found


def tagged_in(uow: UnitOfWork, *, video_id: str, actor: Actor | None) -> list[Tagged]:
    """The products tagged in a published video (or in the actor's own video before it is published)."""
    if uow.directory.get(PublicVideo, video_id) is None:
        video = uow.find(Video, video_id, region=actor.region) if actor is not None else None
        if video is None or actor is None or video.owner_id != actor.id:
            raise NotFound("video", video_id)
    tagged = video_products(uow, [video_id]).get(video_id, [])
    found = listings(uow, [p for _, p in tagged], with_variants=True)
    return [Tagged(listing, tag.at_s) for (tag, _), listing in zip(tagged, found, strict=True)]


def reviews_of(uow: UnitOfWork, *, product_id: str, limit: int = 50) -> list[Reviewed]:
    """A product's latest reviews with their authors' handles."""
    get(uow, product_id=product_id)
    reviews = list(
        uow.directory.scalars(
            select(PublicReview)
            .where(PublicReview.product_id == product_id)
            .order_by(PublicReview.created_at.desc())
            .limit(limit)
        )
    )
    handles = (
        {
            p.user_id: p.handle
            for p in uow.directory.scalars(
                select(PublicProfile).where(PublicProfile.user_id.in_({r.author_id for r in reviews}))
            )
        }
        if reviews
        else {}
    )
    return [Reviewed(r, handles.get(r.author_id)) for r in reviews]
