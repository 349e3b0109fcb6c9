"""Reviews: a buyer rates a product of their order once it has arrived; the review and the product's rating
are copied to the directory for every region to read."""

from __future__ import annotations

from collections import Counter
from datetime import datetime

from sqlalchemy import func, select, update

from clipshop.errors import Conflict, Invalid, NotFound
from clipshop.kit.db import UnitOfWork
from clipshop.kit.ids import new_id, region_of
from clipshop.kit.watermarks import Window, in_batches
from clipshop.shop.catalog.models import PublicProduct, PublicReview
from clipshop.shop.orders import service
from clipshop.shop.orders.models import Order, OrderStatus, Review


def review(
    uow: UnitOfWork, *, order: Order, product_id: str, rating: int, body: str, now: datetime
) -> Review:
    if order.status not in (OrderStatus.DELIVERED, OrderStatus.COMPLETED):
        raise Conflict(
            "invalid_order_state",
            "Review a product once your order has arrived.",
            status_now=order.status.value,
        )
    if not 1 <= rating <= 5:
        raise Invalid("A rating is 1 to 5 stars.", code="invalid_rating", field="rating")
    if product_id not in {line.product_id for line in service.lines_of(uow, order)}:
        raise NotFound("product in this order", product_id, field="product_id")
    db = uow.region(region_of(order.id))
    if db.scalar(select(Review.id).where(Review.order_id == order.id, Review.product_id == product_id)):
        raise Conflict("already_reviewed", "You already reviewed this product for this order.")
    row = Review(
        id=new_id(region_of(order.id)),
        order_id=order.id,
        buyer_id=order.buyer_id,
        product_id=product_id,
        rating=rating,
        body=body.strip()[:2000],
        created_at=now,
    )
    db.add(row)
    uow.directory.add(
        PublicReview(
            id=row.id,
            product_id=product_id,
            author_id=order.buyer_id,
            rating=rating,
            body=row.body,
            created_at=now,
        )
    )
    uow.directory.execute(
        update(PublicProduct)
        .where(PublicProduct.id == product_id)
        .values(rating_sum=PublicProduct.rating_sum + rating, rating_count=PublicProduct.rating_count + 1)
    )
    return row


def heal_reviews(uow: UnitOfWork, *, region: str, window: Window) -> dict[str, int]:
    """Copy to the directory the reviews of `region`'s buyers written in `window` that it lacks, and re-sum
    the ratings of their products from every region's reviews; returns how many it fixed."""
    fixed: Counter[str] = Counter()
    products: set[str] = set()
    query = select(Review).where(window.holds(Review.created_at))
    for batch in in_batches(uow.region(region), query, key=Review.id):
        ids = [row.id for row in batch]
        copied = set(uow.directory.scalars(select(PublicReview.id).where(PublicReview.id.in_(ids))))
        for row in batch:
            if row.id in copied:
                continue
            uow.directory.add(
                PublicReview(
                    id=row.id,
                    product_id=row.product_id,
                    author_id=row.buyer_id,
                    rating=row.rating,
                    body=row.body,
                    created_at=row.created_at,
                )
            )
            fixed["public reviews"] += 1
            products.add(row.product_id)
    uow.directory.flush()
    for product_id in sorted(products):
        total, count = uow.directory.execute(
            select(func.coalesce(func.sum(PublicReview.rating), 0), func.count()).where(
                PublicReview.product_id == product_id
            )
        ).one()
        uow.directory.execute(
            update(PublicProduct)
            .where(PublicProduct.id == product_id)
            .values(rating_sum=int(total), rating_count=int(count))
        )
    return dict(fixed)
