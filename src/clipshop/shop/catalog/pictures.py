"""Product pictures: an uploaded photo is re-encoded as a JPEG of at most 1080 px, stored in the shop's
region under a name derived from its content, and appended to the product's pictures."""

from __future__ import annotations

import hashlib
from typing import TYPE_CHECKING

from clipshop.kit.actors import Actor
from clipshop.kit.db import UnitOfWork
from clipshop.kit.ids import region_of
from clipshop.kit.ports import Transcoder
from clipshop.shop.catalog import products
from clipshop.shop.catalog.models import Product

if TYPE_CHECKING:
    from clipshop.platform import Platform

MAX_BYTES = 10 * 1024 * 1024


def render(transcoder: Transcoder, data: bytes) -> bytes:
    return transcoder.still(
        data,
        max_bytes=MAX_BYTES,
        what="A product photo",
        code="image_too_large",
        side=1080,
        square=False,
    )


def add(platform: Platform, uow: UnitOfWork, *, actor: Actor, product_id: str, data: bytes) -> Product:
    """Render, store and append a photo to the actor's product."""
    picture = render(platform.transcoder, data)
    store = platform.media_store(region_of(product_id))
    key = f"products/{product_id}/{hashlib.sha256(picture).hexdigest()[:16]}.jpg"
    store.put_bytes(key, picture)
    return products.add_picture(
        uow, actor=actor, product_id=product_id, url=store.url(key), now=platform.clock.now()
    )
