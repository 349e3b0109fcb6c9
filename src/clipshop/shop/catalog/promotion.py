"""Creators promoting products: tagging them in their videos (optionally at a moment of the clip) and
listing them in their showcase. A creator may promote their own shop's products, or any product whose
merchant opened it to affiliates with a commission."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import delete

from clipshop.errors import Conflict, Invalid, NotFound
from clipshop.kit.actors import Actor
from clipshop.kit.db import UnitOfWork
from clipshop.shop.catalog import browse, shops
from clipshop.shop.catalog.models import PublicProduct, PublicShowcaseItem, PublicVideoProduct
from clipshop.videos.models import Video

MAX_TAGS = 6
MAX_SHOWCASE = 50


def may_promote(uow: UnitOfWork, *, actor: Actor, product: PublicProduct) -> bool:
    """A creator may tag their own shop's products, or any product open to affiliates."""
    return product.commission_bp > 0 or shops.role(uow, shop_id=product.shop_id, actor=actor) is not None


def tag_video(
    uow: UnitOfWork, *, actor: Actor, video_id: str, tags: Sequence[tuple[str, float | None]]
) -> list[browse.Tagged]:
    """Replace the products tagged in the actor's video (each optionally at a moment, in seconds)."""
    video = uow.find(Video, video_id, region=actor.region)
    if video is None or video.owner_id != actor.id:
        raise NotFound("video", video_id)
    if len(tags) > MAX_TAGS:
        raise Invalid(
            f"Tag at most {MAX_TAGS} products in one video.", code="too_many_tags", field="products"
        )
    rows: list[PublicVideoProduct] = []
    seen: set[str] = set()
    for position, (product_id, at_s) in enumerate(tags):
        product = uow.directory.get(PublicProduct, product_id)
        if product is None:
            raise NotFound("product", product_id, field=f"products.{position}.product_id")
        if not may_promote(uow, actor=actor, product=product):
            raise Conflict(
                "not_open_to_affiliates",
                "That product is not open to affiliates; its merchant sets a commission to open it.",
                field=f"products.{position}.product_id",
            )
        if at_s is not None and (at_s < 0 or (video.duration_s is not None and at_s > video.duration_s)):
            raise Invalid(
                "The moment must fall inside the clip.",
                code="invalid_moment",
                field=f"products.{position}.at_s",
            )
        if product_id in seen:
            continue
        seen.add(product_id)
        rows.append(
            PublicVideoProduct(
                video_id=video_id, product_id=product_id, creator_id=actor.id, at_s=at_s, position=position
            )
        )
    uow.directory.execute(delete(PublicVideoProduct).where(PublicVideoProduct.video_id == video_id))
    uow.directory.add_all(rows)
    uow.directory.flush()
    return browse.tagged_in(uow, video_id=video_id, actor=actor)


def set_showcase(
    uow: UnitOfWork, *, actor: Actor, product_ids: Sequence[str], now: datetime
) -> list[browse.Listing]:
    """Replace the actor's showcase with these products, in this order."""
    if len(product_ids) > MAX_SHOWCASE:
        raise Invalid(
            f"A showcase holds at most {MAX_SHOWCASE} products.",
            code="showcase_too_long",
            field="product_ids",
        )
    for n, product_id in enumerate(product_ids):
        product = uow.directory.get(PublicProduct, product_id)
        if product is None:
            raise NotFound("product", product_id, field=f"product_ids.{n}")
        if not may_promote(uow, actor=actor, product=product):
            raise Conflict(
                "not_open_to_affiliates", "That product is not open to affiliates.", field=f"product_ids.{n}"
            )
    uow.directory.execute(delete(PublicShowcaseItem).where(PublicShowcaseItem.creator_id == actor.id))
    uow.directory.add_all(
        PublicShowcaseItem(creator_id=actor.id, product_id=pid, position=n, added_at=now)
        for n, pid in enumerate(dict.fromkeys(product_ids))
    )
    uow.directory.flush()
    return browse.showcase_of(uow, creator_id=actor.id)
