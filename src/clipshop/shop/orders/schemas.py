"""API shapes of orders for buyers and shops: lines, timeline, returns, reviews, sales and earnings."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from clipshop.shop.ledger.schemas import MoneyBookRead
from clipshop.shop.orders.models import ReturnRequest
from clipshop.shop.orders.service import OrderView

Short = Annotated[str, StringConstraints(max_length=200)]


class OrderLineRead(BaseModel):
    id: str
    product_id: str
    variant_id: str
    title: str
    options: dict[str, str]
    sku: str
    image_url: str | None
    unit_price: int
    quantity: int
    discount: int
    creator_id: str | None
    video_id: str | None


class OrderEventRead(BaseModel):
    kind: str
    detail: str
    at: datetime


class OrderRead(BaseModel):
    id: str
    checkout_id: str
    shop_id: str
    status: str
    currency: str
    subtotal: int
    discount: int
    shipping: int
    tax: int
    total: int
    refunded: int
    shipping_option: str
    carrier: str | None
    tracking_number: str | None
    placed_at: datetime
    paid_at: datetime | None
    lines: list[OrderLineRead] = Field(default_factory=list)
    timeline: list[OrderEventRead] = Field(default_factory=list)
    shipping_address: dict[str, str] | None = None
    shop_name: str | None = None

    @classmethod
    def of(cls, view: OrderView, *, address: bool = False) -> OrderRead:
        """The order, its lines and (when the view holds it) its timeline; the address only when `address`."""
        order = view.order
        return cls(
            id=order.id,
            checkout_id=order.checkout_id,
            shop_id=order.shop_id,
            status=order.status.value,
            currency=order.currency,
            subtotal=order.subtotal,
            discount=order.discount,
            shipping=order.shipping,
            tax=order.tax,
            total=order.total,
            refunded=order.refunded,
            shipping_option=order.shipping_option,
            carrier=order.carrier,
            tracking_number=order.tracking_number,
            placed_at=order.placed_at,
            paid_at=order.paid_at,
            lines=[
                OrderLineRead(
                    id=li.id,
                    product_id=li.product_id,
                    variant_id=li.variant_id,
                    title=li.title,
                    options=dict(li.options),
                    sku=li.sku,
                    image_url=li.image_url,
                    unit_price=li.unit_price,
                    quantity=li.quantity,
                    discount=li.discount,
                    creator_id=li.creator_id,
                    video_id=li.video_id,
                )
                for li in view.lines
            ],
            timeline=[OrderEventRead(kind=e.kind, detail=e.detail, at=e.created_at) for e in view.events],
            shipping_address=dict(order.shipping_address) if address else None,
            shop_name=order.shop_name,
        )


class FulfilIn(BaseModel):
    carrier: Annotated[str, StringConstraints(max_length=60)]
    tracking_number: Annotated[str, StringConstraints(max_length=80)]


class RefundIn(BaseModel):
    amount: int = Field(gt=0, le=10**10)
    reason: Short = ""


class CancelIn(BaseModel):
    reason: Short = ""


class ReturnIn(BaseModel):
    reason: Annotated[str, StringConstraints(max_length=2000)]
    amount: int | None = Field(default=None, gt=0, le=10**10)


class ReturnRead(BaseModel):
    id: str
    order_id: str
    reason: str
    amount: int
    currency: str
    status: str
    created_at: datetime

    @classmethod
    def of(cls, request: ReturnRequest, currency: str) -> ReturnRead:
        return cls(
            id=request.id,
            order_id=request.order_id,
            reason=request.reason,
            amount=request.amount,
            currency=currency,
            status=request.status.value,
            created_at=request.created_at,
        )


class ResolveReturnIn(BaseModel):
    approve: bool


class ReviewIn(BaseModel):
    product_id: Annotated[str, StringConstraints(max_length=40)]
    rating: int = Field(ge=1, le=5)
    body: Annotated[str, StringConstraints(max_length=2000)] = ""


class DailySalesRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    day: date
    orders: int
    revenue: int
    currency: str


class EarningRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    key: str
    title: str
    orders: int
    pending: int
    earned: int
    reversed: int
    currency: str


class EarningsRead(BaseModel):
    by_video: list[EarningRead]
    by_product: list[EarningRead]
    money: MoneyBookRead


class RegionSalesRead(BaseModel):
    """A shop's sales from one buyer region as totals; all None and `suppressed` under the minimum group."""

    region: str
    currency: str
    buyers: int | None
    orders: int | None
    revenue: int | None
    suppressed: bool
