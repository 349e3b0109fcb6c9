"""Attribution: which creator's video or showcase led the buyer to a product (the latest touch wins). A
checkout credits that creator's commission when the touch is recent enough."""

from __future__ import annotations

from datetime import datetime
from typing import NamedTuple

from sqlalchemy import bindparam, select

from clipshop.errors import NotFound
from clipshop.events import service as events
from clipshop.events.models import EventKind
from clipshop.kit.actors import Actor
from clipshop.kit.db import PrebuiltPerCount, UnitOfWork, table_of
from clipshop.shop.cart.models import AttributionTouch
from clipshop.shop.catalog.models import PublicProduct, PublicShowcaseItem, PublicVideoProduct


def open_product(
    uow: UnitOfWork,
    *,
    actor: Actor,
    product_id: str,
    video_id: str | None,
    creator_id: str | None,
    now: datetime,
) -> AttributionTouch | None:
    """The product sheet was opened (from a creator's video or showcase when they are given)."""
    if uow.directory.get(PublicProduct, product_id) is None:
        raise NotFound("product", product_id)
    return touch(uow, actor=actor, product_id=product_id, video_id=video_id, creator_id=creator_id, now=now)


def touch(
    uow: UnitOfWork,
    *,
    actor: Actor,
    product_id: str,
    video_id: str | None,
    creator_id: str | None,
    now: datetime,
) -> AttributionTouch | None:
    """Remember that the actor opened a product from a creator's video (or showcase); the latest touch wins.
    Touches that do not match a real tag or showcase entry are ignored, so nobody can claim commission."""
    creator: str | None = None
    events.record(
        uow,
        actor=actor,
        kind=EventKind.PRODUCT_OPEN,
        now=now,
        video_id=video_id or None,
        product_id=product_id,
        creator_id=creator_id or None,
    )
    if video_id:
        tag = uow.directory.scalars(
            select(PublicVideoProduct).where(
                PublicVideoProduct.video_id == video_id, PublicVideoProduct.product_id == product_id
            )
        ).first()
        creator = tag.creator_id if tag else None
    elif creator_id:
        listed = uow.directory.get(PublicShowcaseItem, (creator_id, product_id))
        creator = creator_id if listed else None
    if creator is None or creator == actor.id:
        return None
    db = uow.region(actor.region)
    row = db.get(AttributionTouch, (actor.id, product_id))
    if row is None:
        row = AttributionTouch(
            user_id=actor.id,
            product_id=product_id,
            creator_id=creator,
            video_id=video_id or None,
            touched_at=now,
        )
        db.add(row)
    else:
        row.creator_id, row.video_id, row.touched_at = creator, video_id or None, now
    return row


class Credit(NamedTuple):
    """Who a touch credits: the creator, and the clip when it came from one."""

    creator_id: str
    video_id: str | None


_TOUCHES = table_of(AttributionTouch).c
_RECENT = PrebuiltPerCount(
    lambda listed: select(_TOUCHES.product_id, _TOUCHES.creator_id, _TOUCHES.video_id).where(
        _TOUCHES.user_id == bindparam("user_id"),
        _TOUCHES.product_id.in_(listed),
        _TOUCHES.touched_at >= bindparam("since"),
    ),
    name="product",
    type_=_TOUCHES.product_id.type,
)


def recent(uow: UnitOfWork, *, actor: Actor, since: datetime, product_ids: list[str]) -> dict[str, Credit]:
    """Whom the actor's touches of these products since `since` credit, by product id (plain rows, one
    prebuilt statement: a checkout reads them once and changes nothing)."""
    if not product_ids:
        return {}
    statement, values = _RECENT.of(product_ids)
    rows = uow.fetch(actor.region, statement, {**values, "user_id": actor.id, "since": since})
    return {product_id: Credit(creator_id, video_id) for product_id, creator_id, video_id in rows}
