"""Paid purchases as other domains may read them (advertising attributes them to ads): each paid order's
lines with the affiliate credit the checkout gave, in the buyer's region."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import NamedTuple

from sqlalchemy import select
from sqlalchemy.orm import Session

from clipshop.shop.orders.models import Order, OrderLine

# An order is paid this long after it was placed at the most (its hold expires long before): bounds the
# range of the buyer's orders read by the time they were placed.
PAID_WITHIN = timedelta(days=2)


class PaidLine(NamedTuple):
    """One line of a paid order: what was bought, for how much, and the creator the checkout credited (by
    the clip or showcase the buyer opened it from, or by their discount code), if any."""

    order_id: str
    buyer_id: str
    placed_at: datetime
    paid_at: datetime
    currency: str
    product_id: str
    value: int  # minor units: price x quantity less the line's share of the discount
    creator_id: str | None
    video_id: str | None


def paid_lines(
    session: Session, *, buyer_ids: Sequence[str], paid_since: datetime, paid_before: datetime
) -> list[PaidLine]:
    """The lines of the buyers' orders paid in [`paid_since`, `paid_before`), in order of payment (`session`
    is the buyers' region)."""
    if not buyer_ids:
        return []
    query = (
        select(
            Order.id,
            Order.buyer_id,
            Order.placed_at,
            Order.paid_at,
            Order.currency,
            OrderLine.product_id,
            OrderLine.unit_price * OrderLine.quantity - OrderLine.discount,
            OrderLine.creator_id,
            OrderLine.video_id,
        )
        .join(OrderLine, OrderLine.order_id == Order.id)
        .where(
            Order.buyer_id.in_(buyer_ids),
            Order.placed_at >= paid_since - PAID_WITHIN,
            Order.paid_at >= paid_since,
            Order.paid_at < paid_before,
        )
        .order_by(Order.paid_at, Order.id, OrderLine.id)
    )
    lines = []
    for (
        order_id,
        buyer_id,
        placed_at,
        paid_at,
        currency,
        product_id,
        value,
        creator_id,
        video_id,
    ) in session.execute(query):
        assert paid_at is not None  # the query asks for paid orders
        lines.append(
            PaidLine(
                order_id, buyer_id, placed_at, paid_at, currency, product_id, int(value), creator_id, video_id
            )
        )
    return lines
