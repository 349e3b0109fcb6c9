"""A checkout's rows, made once in memory from its quote as plain column values: written with prebuilt
statements (one per table), and shown back to the buyer from the same values, so answering reads nothing
again and builds no mapped object."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from pydantic_core import to_jsonable_python

from clipshop.kit.db import PrebuiltInserts, UnitOfWork, table_of
from clipshop.kit.ids import new_id, region_of
from clipshop.shop.checkout.pricing import OfferedCode, Quote
from clipshop.shop.orders.models import (
    Checkout,
    Order,
    OrderEvent,
    OrderLine,
    OrderStatus,
    Payment,
    PaymentStatus,
)

# Prebuilt, parents first: one statement for all of them on PostgreSQL, one per table elsewhere.
_INSERT = PrebuiltInserts(*(table_of(model) for model in (Checkout, Order, OrderLine, OrderEvent, Payment)))
# Held a little past the order's own expiry, so the buyer's side settles first.
HOLD_GRACE = timedelta(minutes=5)

Values = dict[str, Any]  # a row's column values


@dataclass(frozen=True)
class Hold:
    """Units one order takes from its shop's stock."""

    order_id: str
    shop_region: str
    quantities: dict[str, int]
    expires_at: datetime


@dataclass
class CheckoutRows:
    """Everything a checkout writes in the buyer's region (column values by table), and what it takes from
    each shop."""

    checkout: Values
    payment: Values
    orders: list[Values]
    lines: dict[str, list[Values]]  # order id -> its lines
    events: list[Values]
    holds: list[Hold]
    codes: list[OfferedCode] = field(default_factory=list)  # discount codes used, one per shop at most

    @property
    def variant_ids(self) -> list[str]:
        return sorted({variant_id for hold in self.holds for variant_id in hold.quantities})

    def insert(self, uow: UnitOfWork, region: str) -> None:
        """Write the rows in the buyer's region (one statement on PostgreSQL)."""
        rows = {
            "checkouts": [self.checkout],
            "orders": self.orders,
            "order_lines": [line for lines in self.lines.values() for line in lines],
            "order_events": self.events,
            "payments": [self.payment],
        }
        uow.send(region, _INSERT, rows)

    def answer(self) -> dict[str, Any]:
        """The checkout as its buyer is answered (`CheckoutRead`, as JSON), from these values: its payment,
        its orders in id order with their lines in id order, as the database would give them back."""
        checkout, payment = self.checkout, self.payment
        return {
            "id": checkout["id"],
            "currency": checkout["currency"],
            "total": checkout["total"],
            "payment": {
                "id": payment["id"],
                "status": payment["status"].value,
                "amount": payment["amount"],
                "currency": payment["currency"],
                "card_last4": payment["card_last4"],
                "failure_code": payment["failure_code"],
                "next_action_url": payment["next_action_url"],
            },
            "orders": [
                _order_answer(order, self.lines[order["id"]])
                for order in sorted(self.orders, key=lambda order: order["id"])
            ],
        }


_ORDER_FIELDS = ("id", "checkout_id", "shop_id", "currency", "subtotal", "discount", "shipping", "tax",
                 "total", "refunded", "shipping_option", "carrier", "tracking_number")  # fmt: skip
_LINE_FIELDS = ("id", "product_id", "variant_id", "title", "options", "sku", "image_url", "unit_price",
                "quantity", "discount", "creator_id", "video_id")  # fmt: skip


def _order_answer(order: Values, lines: list[Values]) -> dict[str, Any]:
    answer = {name: order[name] for name in _ORDER_FIELDS}
    answer["status"] = order["status"].value
    answer["placed_at"] = to_jsonable_python(order["placed_at"])
    answer["paid_at"] = to_jsonable_python(order["paid_at"])
    answer["lines"] = [
        {name: line[name] for name in _LINE_FIELDS} for line in sorted(lines, key=lambda line: line["id"])
    ]
    answer["timeline"] = []
    answer["shipping_address"] = None
    answer["shop_name"] = order["shop_name"]
    return answer


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
    checkout: Values = {
        "id": checkout_id,
        "buyer_id": buyer_id,
        "idempotency_key": key,
        "currency": quote.currency,
        "total": quote.total,
        "from_cart": from_cart,
        "created_at": now,
    }
    orders: list[Values] = []
    lines: dict[str, list[Values]] = {}
    events: list[Values] = []
    holds: list[Hold] = []
    codes: list[OfferedCode] = []
    for shop_quote in quote.shops:
        order_id, shop_region = new_id(region), region_of(shop_quote.shop.id)
        code = shop_quote.discount_code
        order: Values = {
            "id": order_id,
            "checkout_id": checkout_id,
            "buyer_id": buyer_id,
            "shop_id": shop_quote.shop.id,
            "shop_region": shop_region,
            "shop_name": shop_quote.shop.name,
            "status": OrderStatus.PENDING_PAYMENT,
            "currency": quote.currency,
            "subtotal": shop_quote.subtotal,
            "discount": shop_quote.discount,
            "shipping": shop_quote.shipping.price,
            "tax": shop_quote.tax,
            "total": shop_quote.total,
            "platform_fee": shop_quote.fee,
            "commission": shop_quote.commission,
            "refunded": 0,
            "discount_code": code.code if code else None,
            "shipping_option": shop_quote.shipping.name,
            "shipping_address": address,
            "carrier": None,
            "tracking_number": None,
            "placed_at": now,
            "expires_at": expires_at,
            "paid_at": None,
        }
        orders.append(order)
        lines[order_id] = [
            {
                "id": new_id(region),
                "order_id": order_id,
                "variant_id": line.variant.id,
                "product_id": line.product.id,
                "title": line.product.title,
                "options": dict(line.variant.options),
                "sku": line.variant.sku,
                "image_url": line.product.images[0] if line.product.images else None,
                "unit_price": line.variant.price,
                "quantity": line.quantity,
                "discount": line.discount,
                "commission_bp": line.product.commission_bp if line.creator_id else 0,
                "commission": line.commission,
                "creator_id": line.creator_id,
                "video_id": line.video_id,
            }
            for line in shop_quote.lines
        ]
        events.append(
            {"id": new_id(region), "order_id": order_id, "kind": "placed", "detail": "", "created_at": now}
        )
        holds.append(
            Hold(
                order_id=order_id,
                shop_region=shop_region,
                quantities={line.variant.id: line.quantity for line in shop_quote.lines},
                expires_at=expires_at + HOLD_GRACE,
            )
        )
        if code is not None:
            codes.append(code)
    payment: Values = {
        "id": new_id(region),
        "checkout_id": checkout_id,
        "buyer_id": buyer_id,
        "provider": provider,
        "provider_ref": None,
        "status": PaymentStatus.CREATED,
        "amount": quote.total,
        "currency": quote.currency,
        "card_last4": None,
        "failure_code": None,
        "next_action_url": None,
        "created_at": now,
        "updated_at": now,
    }
    return CheckoutRows(checkout, payment, orders, lines, events, holds, codes)
