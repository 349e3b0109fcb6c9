"""Order tables, in the buyer's home region: checkouts (one payment, one order per shop), orders with their
lines and timeline, payments and the provider events applied to them, refunds, returns and reviews."""

from __future__ import annotations

import enum
from datetime import datetime
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    CheckConstraint,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from clipshop.kit.db import RegionBase, UTCDateTime
from clipshop.kit.db import str_enum as _enum


class OrderStatus(enum.StrEnum):
    PENDING_PAYMENT = "pending_payment"
    PAID = "paid"
    FULFILLED = "fulfilled"
    DELIVERED = "delivered"
    COMPLETED = "completed"
    CANCELLED = "cancelled"


class PaymentStatus(enum.StrEnum):
    CREATED = "created"
    REQUIRES_ACTION = "requires_action"
    PROCESSING = "processing"
    SUCCEEDED = "succeeded"
    FAILED = "failed"
    CANCELLED = "cancelled"


class ReturnStatus(enum.StrEnum):
    REQUESTED = "requested"
    APPROVED = "approved"
    REJECTED = "rejected"
    REFUNDED = "refunded"


class Checkout(RegionBase):
    """One buyer's purchase across shops: one payment, one order per shop."""

    __tablename__ = "checkouts"

    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    buyer_id: Mapped[str] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    idempotency_key: Mapped[str | None] = mapped_column(String(255), default=None)
    currency: Mapped[str] = mapped_column(String(3))
    total: Mapped[int] = mapped_column(BigInteger)
    # Bought from the cart (not "buy now"): its lines leave the cart once the payment goes through.
    from_cart: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)


class Order(RegionBase):
    __tablename__ = "orders"
    __table_args__ = (
        Index("ix_orders_shop_placed", "shop_id", "placed_at"),
        Index("ix_orders_buyer_placed", "buyer_id", "placed_at"),
        Index("ix_orders_status_expiry", "status", "expires_at"),
    )

    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    checkout_id: Mapped[str] = mapped_column(ForeignKey("checkouts.id"), index=True)
    buyer_id: Mapped[str] = mapped_column(ForeignKey("users.id", ondelete="RESTRICT"))
    shop_id: Mapped[str] = mapped_column(String(40))
    shop_region: Mapped[str] = mapped_column(String(16))
    # The shop's name when the order was placed, as on a receipt (and no directory read to show an order).
    shop_name: Mapped[str] = mapped_column(String(80))
    status: Mapped[OrderStatus] = mapped_column(_enum(OrderStatus))
    currency: Mapped[str] = mapped_column(String(3))
    subtotal: Mapped[int] = mapped_column(BigInteger)
    discount: Mapped[int] = mapped_column(BigInteger, default=0)
    shipping: Mapped[int] = mapped_column(BigInteger, default=0)
    tax: Mapped[int] = mapped_column(BigInteger, default=0)
    total: Mapped[int] = mapped_column(BigInteger)
    platform_fee: Mapped[int] = mapped_column(BigInteger, default=0)
    commission: Mapped[int] = mapped_column(BigInteger, default=0)
    refunded: Mapped[int] = mapped_column(BigInteger, default=0)
    discount_code: Mapped[str | None] = mapped_column(String(32), default=None)
    shipping_option: Mapped[str] = mapped_column(String(60))
    shipping_address: Mapped[dict[str, Any]] = mapped_column(JSON)
    carrier: Mapped[str | None] = mapped_column(String(60), default=None)
    tracking_number: Mapped[str | None] = mapped_column(String(80), default=None)
    placed_at: Mapped[datetime] = mapped_column(UTCDateTime)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    paid_at: Mapped[datetime | None] = mapped_column(UTCDateTime, default=None)
    fulfilled_at: Mapped[datetime | None] = mapped_column(UTCDateTime, default=None)
    delivered_at: Mapped[datetime | None] = mapped_column(UTCDateTime, default=None)
    completed_at: Mapped[datetime | None] = mapped_column(UTCDateTime, default=None)
    cancelled_at: Mapped[datetime | None] = mapped_column(UTCDateTime, default=None)


class OrderLine(RegionBase):
    __tablename__ = "order_lines"
    __table_args__ = (
        Index("ix_order_lines_creator", "creator_id"),
        Index("ix_order_lines_product", "product_id"),
    )

    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    order_id: Mapped[str] = mapped_column(ForeignKey("orders.id", ondelete="CASCADE"), index=True)
    variant_id: Mapped[str] = mapped_column(String(40))
    product_id: Mapped[str] = mapped_column(String(40))
    title: Mapped[str] = mapped_column(String(140))
    options: Mapped[dict[str, str]] = mapped_column(JSON, default=dict)
    sku: Mapped[str] = mapped_column(String(64))
    image_url: Mapped[str | None] = mapped_column(String(300), default=None)
    unit_price: Mapped[int] = mapped_column(BigInteger)
    quantity: Mapped[int] = mapped_column(Integer)
    discount: Mapped[int] = mapped_column(BigInteger, default=0)
    commission_bp: Mapped[int] = mapped_column(Integer, default=0)
    commission: Mapped[int] = mapped_column(BigInteger, default=0)
    creator_id: Mapped[str | None] = mapped_column(String(40), default=None)
    video_id: Mapped[str | None] = mapped_column(String(40), default=None)


class OrderEvent(RegionBase):
    """The order's timeline: placed, paid, fulfilled, delivered, completed, cancelled, refunded…"""

    __tablename__ = "order_events"

    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    order_id: Mapped[str] = mapped_column(ForeignKey("orders.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(32))
    detail: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)


class Payment(RegionBase):
    __tablename__ = "payments"
    __table_args__ = (Index("ix_payments_status_created", "status", "created_at"),)

    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    checkout_id: Mapped[str] = mapped_column(ForeignKey("checkouts.id"), unique=True)
    buyer_id: Mapped[str] = mapped_column(ForeignKey("users.id", ondelete="RESTRICT"), index=True)
    provider: Mapped[str] = mapped_column(String(24))
    provider_ref: Mapped[str | None] = mapped_column(String(80), default=None, unique=True)
    status: Mapped[PaymentStatus] = mapped_column(_enum(PaymentStatus))
    amount: Mapped[int] = mapped_column(BigInteger)
    currency: Mapped[str] = mapped_column(String(3))
    card_last4: Mapped[str | None] = mapped_column(String(4), default=None)
    failure_code: Mapped[str | None] = mapped_column(String(40), default=None)
    next_action_url: Mapped[str | None] = mapped_column(String(300), default=None)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)


class PaymentEvent(RegionBase):
    """A provider event already applied: a webhook delivered twice changes nothing the second time."""

    __tablename__ = "payment_events"

    id: Mapped[str] = mapped_column(String(80), primary_key=True)
    payment_id: Mapped[str] = mapped_column(ForeignKey("payments.id"), index=True)
    type: Mapped[str] = mapped_column(String(60))
    occurred_at: Mapped[datetime] = mapped_column(UTCDateTime)
    applied: Mapped[bool] = mapped_column(Boolean)
    received_at: Mapped[datetime] = mapped_column(UTCDateTime)


class Refund(RegionBase):
    __tablename__ = "refunds"

    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    order_id: Mapped[str] = mapped_column(ForeignKey("orders.id"), index=True)
    payment_id: Mapped[str] = mapped_column(ForeignKey("payments.id"))
    amount: Mapped[int] = mapped_column(BigInteger)
    reason: Mapped[str] = mapped_column(String(200), default="")
    provider_ref: Mapped[str | None] = mapped_column(String(80), default=None)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)


class ReturnRequest(RegionBase):
    __tablename__ = "return_requests"

    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    order_id: Mapped[str] = mapped_column(ForeignKey("orders.id"), index=True)
    buyer_id: Mapped[str] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    shop_id: Mapped[str] = mapped_column(String(40), index=True)
    reason: Mapped[str] = mapped_column(Text)
    amount: Mapped[int] = mapped_column(BigInteger)
    status: Mapped[ReturnStatus] = mapped_column(_enum(ReturnStatus))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    resolved_at: Mapped[datetime | None] = mapped_column(UTCDateTime, default=None)


class Review(RegionBase):
    __tablename__ = "reviews"
    __table_args__ = (
        UniqueConstraint("order_id", "product_id"),
        CheckConstraint("rating BETWEEN 1 AND 5", name="rating_range"),
    )

    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    order_id: Mapped[str] = mapped_column(ForeignKey("orders.id"))
    buyer_id: Mapped[str] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    product_id: Mapped[str] = mapped_column(String(40))
    rating: Mapped[int] = mapped_column(Integer)
    body: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
