"""A checkout's rows, made once in memory from its quote: written with prebuilt statements (one per table),
and shown back to the buyer from the same objects, so answering reads nothing again."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import insert
from sqlalchemy.orm import Session

from clipshop.kit.db import Prebuilt, table_of
from clipshop.kit.ids import new_id, region_of
from clipshop.shop.catalog.models import DiscountCode
from clipshop.shop.checkout.pricing import Quote
from clipshop.shop.orders.models import (
    Checkout,
    Order,
    OrderEvent,
    OrderLine,
    OrderStatus,
    Payment,
    PaymentStatus,
)
from clipshop.shop.orders.service import CheckoutView, OrderView

# Prebuilt: one INSERT per table, compiled once and reused (several rows of a table go as one executemany).
_INSERTS = {
    model: Prebuilt(insert(table_of(model))) for model in (Checkout, Order, OrderLine, OrderEvent, Payment)
}
# Held a little past the order's own expiry, so the buyer's side settles first.
HOLD_GRACE = timedelta(minutes=5)


@dataclass(frozen=True)
class Hold:
    """Units one order takes from its shop's stock."""

    order_id: str
    shop_region: str
    quantities: dict[str, int]
    expires_at: datetime


@dataclass
class CheckoutRows:
    """Everything a checkout writes in the buyer's region, and what it takes from each shop."""

    checkout: Checkout
    payment: Payment
    orders: list[Order]
    lines: dict[str, list[OrderLine]]  # order id -> its lines
    events: list[OrderEvent]
    holds: list[Hold]
    codes: list[DiscountCode] = field(default_factory=list)  # discount codes used, one per shop at most

    @property
    def variant_ids(self) -> list[str]:
        return sorted({variant_id for hold in self.holds for variant_id in hold.quantities})

    def view(self) -> CheckoutView:
        """The checkout as its buyer is answered, from memory (orders and lines in id order, as read back)."""
        return CheckoutView(
            self.checkout,
            self.payment,
            [
                OrderView(order, sorted(self.lines[order.id], key=lambda line: line.id))
                for order in sorted(self.orders, key=lambda order: order.id)
            ],
        )

    def insert(self, db: Session) -> None:
        """Write the rows, in the buyer's region: one statement per table, parents first (on the session's
        connection: at home the fence has nothing to check, and the ORM nothing to do)."""
        conn = db.connection()
        _INSERTS[Checkout].run(conn, _values(self.checkout))
        _INSERTS[Order].run(conn, [_values(order) for order in self.orders])
        _INSERTS[OrderLine].run(conn, [_values(line) for lines in self.lines.values() for line in lines])
        _INSERTS[OrderEvent].run(conn, [_values(event) for event in self.events])
        _INSERTS[Payment].run(conn, _values(self.payment))


def _values(row: Any) -> dict[str, Any]:
    """The column values set on a new (transient) row; the columns left out take their defaults."""
    return {name: value for name, value in vars(row).items() if not name.startswith("_")}


def build(
    quote: Quote,
    *,
    checkout_id: str,
    buyer_id: str,
    region: str,
    key: str | None,
    from_cart: bool,
    address: dict[str, str],
    provider: str,
    now: datetime,
    reservation: timedelta,
) -> CheckoutRows:
    """The rows of a checkout priced as `quote`: one order per shop, its lines, its `placed` event and its
    hold, and one payment `created` for the total."""
    expires_at = now + reservation
    checkout = Checkout(
        id=checkout_id,
        buyer_id=buyer_id,
        idempotency_key=key,
        currency=quote.currency,
        total=quote.total,
        from_cart=from_cart,
        created_at=now,
    )
    orders: list[Order] = []
    lines: dict[str, list[OrderLine]] = {}
    events: list[OrderEvent] = []
    holds: list[Hold] = []
    codes: list[DiscountCode] = []
    for shop_quote in quote.shops:
        order = Order(
            id=new_id(region),
            checkout_id=checkout.id,
            buyer_id=buyer_id,
            shop_id=shop_quote.shop.id,
            shop_region=region_of(shop_quote.shop.id),
            shop_name=shop_quote.shop.name,
            status=OrderStatus.PENDING_PAYMENT,
            currency=quote.currency,
            subtotal=shop_quote.subtotal,
            discount=shop_quote.discount,
            shipping=shop_quote.shipping.price,
            tax=shop_quote.tax,
            total=shop_quote.total,
            platform_fee=shop_quote.fee,
            commission=shop_quote.commission,
            refunded=0,
            discount_code=shop_quote.discount_code.code if shop_quote.discount_code else None,
            shipping_option=shop_quote.shipping.name,
            shipping_address=address,
            carrier=None,
            tracking_number=None,
            placed_at=now,
            expires_at=expires_at,
            paid_at=None,
        )
        orders.append(order)
        lines[order.id] = [
            OrderLine(
                id=new_id(region),
                order_id=order.id,
                variant_id=line.variant.id,
                product_id=line.product.id,
                title=line.product.title,
                options=dict(line.variant.options),
                sku=line.variant.sku,
                image_url=line.product.images[0] if line.product.images else None,
                unit_price=line.variant.price,
                quantity=line.quantity,
                discount=line.discount,
                commission_bp=line.product.commission_bp if line.creator_id else 0,
                commission=line.commission,
                creator_id=line.creator_id,
                video_id=line.video_id,
            )
            for line in shop_quote.lines
        ]
        events.append(
            OrderEvent(id=new_id(region), order_id=order.id, kind="placed", detail="", created_at=now)
        )
        holds.append(
            Hold(
                order_id=order.id,
                shop_region=order.shop_region,
                quantities={line.variant.id: line.quantity for line in shop_quote.lines},
                expires_at=expires_at + HOLD_GRACE,
            )
        )
        if shop_quote.discount_code is not None:
            codes.append(shop_quote.discount_code)
    payment = Payment(
        id=new_id(region),
        checkout_id=checkout.id,
        buyer_id=buyer_id,
        provider=provider,
        provider_ref=None,
        status=PaymentStatus.CREATED,
        amount=quote.total,
        currency=quote.currency,
        card_last4=None,
        failure_code=None,
        next_action_url=None,
        created_at=now,
        updated_at=now,
    )
    return CheckoutRows(checkout, payment, orders, lines, events, holds, codes)
