"""Buyer-facing catalog routes: shops and products, reviews, products tagged in videos, showcases."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query

from clipshop.platform.http import CommittingRoute, CurrentActor, OptionalActor, PlatformDep, UowDep
from clipshop.shop.catalog import browse, promotion, shops
from clipshop.shop.catalog.schemas import (
    ProductRead,
    ReviewRead,
    ShopRead,
    ShowcaseIn,
    TaggedProductRead,
    VideoProductsIn,
)

router = APIRouter(route_class=CommittingRoute, tags=["shop"])


@router.get("/shops/{shop}", response_model=ShopRead)
def get_shop(shop: str, uow: UowDep) -> ShopRead:
    """A shop by id or handle."""
    return ShopRead.model_validate(shops.get_public(uow, shop=shop))


@router.get("/shops/{shop_id}/products", response_model=list[ProductRead])
def list_shop_products(shop_id: str, uow: UowDep) -> list[ProductRead]:
    return [ProductRead.of_listing(x) for x in browse.of_shop(uow, shop_id=shop_id)]


@router.get("/products", response_model=list[ProductRead])
def search_products(
    uow: UowDep,
    q: Annotated[str, Query(max_length=200)] = "",
    shop_id: str | None = None,
    limit: Annotated[int, Query(ge=1, le=50)] = 24,
) -> list[ProductRead]:
    found = browse.search(uow, query=q, shop_id=shop_id, limit=limit)
    return [ProductRead.of_listing(x) for x in found]


@router.get("/products/{product_id}", response_model=ProductRead)
def get_product(product_id: str, uow: UowDep) -> ProductRead:
    return ProductRead.of_listing(browse.get(uow, product_id=product_id))


@router.get("/products/{product_id}/reviews", response_model=list[ReviewRead])
def product_reviews(product_id: str, uow: UowDep) -> list[ReviewRead]:
    return [ReviewRead.of(r) for r in browse.reviews_of(uow, product_id=product_id)]


@router.get("/videos/{video_id}/products", response_model=list[TaggedProductRead])
def video_products(video_id: str, uow: UowDep, actor: OptionalActor) -> list[TaggedProductRead]:
    """The products tagged in a published video (or in your own video before it is published)."""
    return [TaggedProductRead.of(t) for t in browse.tagged_in(uow, video_id=video_id, actor=actor)]


@router.put("/videos/{video_id}/products", response_model=list[TaggedProductRead])
def tag_video(
    video_id: str, body: VideoProductsIn, actor: CurrentActor, uow: UowDep
) -> list[TaggedProductRead]:
    tagged = promotion.tag_video(
        uow, actor=actor, video_id=video_id, tags=[(t.product_id, t.at_s) for t in body.products]
    )
    return [TaggedProductRead.of(t) for t in tagged]


@router.get("/users/{handle}/showcase", response_model=list[ProductRead])
def showcase(handle: str, uow: UowDep) -> list[ProductRead]:
    return [ProductRead.of_listing(x) for x in browse.showcase_of_handle(uow, handle=handle)]


@router.put("/me/showcase", response_model=list[ProductRead])
def set_showcase(
    body: ShowcaseIn, actor: CurrentActor, uow: UowDep, platform: PlatformDep
) -> list[ProductRead]:
    listed = promotion.set_showcase(uow, actor=actor, product_ids=body.product_ids, now=platform.clock.now())
    return [ProductRead.of_listing(x) for x in listed]
