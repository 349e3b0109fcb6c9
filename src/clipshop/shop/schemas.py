"""API shapes of the commerce routes. Money fields are integer minor units beside a currency code."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field, StringConstraints
from sqlalchemy import select

from clipshop.kit.db import UnitOfWork
from clipshop.shop.models import (
    Checkout,
    Order,
    OrderEvent,
    OrderLine,
    Payment,
    ProductStatus,
    PublicProduct,
    PublicShop,
    PublicVariant,
    ReturnRequest,
)

Short = Annotated[str, StringConstraints(max_length=200)]


class ShopCreate(BaseModel):
    handle: Annotated[str, StringConstraints(max_length=40)]
    name: Annotated[str, StringConstraints(max_length=80)]
    currency: Annotated[str, StringConstraints(max_length=3)] = "USD"
    description: Annotated[str, StringConstraints(max_length=2000)] = ""


class ShopRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: str
    region: str
    owner_id: str
    handle: str
    name: str
    description: str
    currency: str


class StaffIn(BaseModel):
    user_id: Annotated[str, StringConstraints(max_length=40)]


class StaffRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    user_id: str
    role: str


class ShippingOptionIn(BaseModel):
    name: Annotated[str, StringConstraints(max_length=60)]
    price: int = Field(ge=0, le=10**9)
    min_days: int = Field(default=2, ge=0, le=365)
    max_days: int = Field(default=5, ge=0, le=365)


class ShippingOptionRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: str
    name: str
    price: int
    min_days: int
    max_days: int


class DiscountIn(BaseModel):
    code: Annotated[str, StringConstraints(max_length=32)]
    percent_bp: int = Field(default=0, ge=0, le=10_000)
    amount_off: int = Field(default=0, ge=0, le=10**9)
    creator_id: Annotated[str, StringConstraints(max_length=40)] | None = None
    max_uses: int | None = Field(default=None, ge=1)


class DiscountRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    code: str
    percent_bp: int
    amount_off: int
    creator_id: str | None
    max_uses: int | None
    uses: int
    active: bool


class VariantIn(BaseModel):
    sku: Annotated[str, StringConstraints(max_length=64)]
    price: int = Field(ge=0, le=10**9, description="Minor units (cents) in the shop's currency.")
    stock: int = Field(default=0, ge=0, le=10**7)
    options: dict[
        Annotated[str, StringConstraints(max_length=30)], Annotated[str, StringConstraints(max_length=60)]
    ] = Field(default_factory=dict, max_length=5)


class ProductCreate(BaseModel):
    title: Annotated[str, StringConstraints(max_length=140)]
    description: Annotated[str, StringConstraints(max_length=5000)] = ""
    status: ProductStatus = ProductStatus.ACTIVE
    commission_bp: int = Field(default=0, ge=0, le=8000, description="Affiliate commission; 0 = closed.")
    images: list[Annotated[str, StringConstraints(max_length=300)]] = Field(
        default_factory=list, max_length=10
    )
    variants: list[VariantIn] = Field(min_length=1, max_length=100)


class ProductUpdate(BaseModel):
    title: Annotated[str, StringConstraints(max_length=140)] | None = None
    description: Annotated[str, StringConstraints(max_length=5000)] | None = None
    status: ProductStatus | None = None
    commission_bp: int | None = Field(default=None, ge=0, le=8000)
    images: list[Annotated[str, StringConstraints(max_length=300)]] | None = Field(
        default=None, max_length=10
    )


class VariantUpdate(BaseModel):
    price: int | None = Field(default=None, ge=0, le=10**9)
    stock: int | None = Field(default=None, ge=0, le=10**7)
    stock_delta: int | None = Field(default=None, ge=-(10**7), le=10**7)


class VariantRead(BaseModel):
    id: str
    sku: str
    options: dict[str, str]
    price: int
    currency: str
    available: int


class ProductRead(BaseModel):
    id: str
    shop_id: str
    title: str
    description: str
    currency: str
    price_min: int
    price_max: int
    images: list[str]
    commission_bp: int
    in_stock: bool
    rating: float | None
    rating_count: int
    variants: list[VariantRead] = Field(default_factory=list)
    shop: ShopRead | None = None

    @classmethod
    def of(
        cls,
        product: PublicProduct,
        variants: list[PublicVariant] | None = None,
        shop: PublicShop | None = None,
    ) -> ProductRead:
        return cls(
            id=product.id,
            shop_id=product.shop_id,
            title=product.title,
            description=product.description,
            currency=product.currency,
            price_min=product.price_min,
            price_max=product.price_max,
            images=list(product.images),
            commission_bp=product.commission_bp,
            in_stock=product.in_stock,
            rating=round(product.rating_sum / product.rating_count, 2) if product.rating_count else None,
            rating_count=product.rating_count,
            variants=[
                VariantRead(
                    id=v.id,
                    sku=v.sku,
                    options=dict(v.options),
                    price=v.price,
                    currency=v.currency,
                    available=v.available,
                )
                for v in variants or []
            ],
            shop=ShopRead.model_validate(shop) if shop else None,
        )


class SellerVariantRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: str
    sku: str
    options: dict[str, str]
    price: int
    stock: int


class SellerProductRead(BaseModel):
    id: str
    title: str
    status: str
    commission_bp: int
    images: list[str]
    variants: list[SellerVariantRead]


class ImportReport(BaseModel):
    created: int
    rows: int
    errors: list[dict[str, Any]]


class VideoProductTag(BaseModel):
    product_id: Annotated[str, StringConstraints(max_length=40)]
    at_s: float | None = Field(default=None, ge=0, le=3600)


class VideoProductsIn(BaseModel):
    products: list[VideoProductTag] = Field(max_length=6)


class TaggedProductRead(BaseModel):
    product: ProductRead
    at_s: float | None


class ShowcaseIn(BaseModel):
    product_ids: list[Annotated[str, StringConstraints(max_length=40)]] = Field(max_length=50)


class ProductOpenIn(BaseModel):
    video_id: Annotated[str, StringConstraints(max_length=40)] | None = None
    creator_id: Annotated[str, StringConstraints(max_length=40)] | None = None


class CartAdd(BaseModel):
    variant_id: Annotated[str, StringConstraints(max_length=40)]
    quantity: int = Field(default=1, ge=1, le=99)


class CartUpdate(BaseModel):
    quantity: int = Field(ge=0, le=99)


class CartLineRead(BaseModel):
    variant_id: str
    quantity: int
    product: ProductRead | None
    variant: VariantRead | None


class CartRead(BaseModel):
    items: list[CartLineRead]
    count: int


class AddressIn(BaseModel):
    name: Annotated[str, StringConstraints(max_length=120)]
    line1: Annotated[str, StringConstraints(max_length=200)]
    line2: Annotated[str, StringConstraints(max_length=200)] = ""
    city: Annotated[str, StringConstraints(max_length=100)]
    state: Annotated[str, StringConstraints(max_length=100)] = ""
    postal_code: Annotated[str, StringConstraints(max_length=20)]
    country: Annotated[str, StringConstraints(max_length=2)]
    phone: Annotated[str, StringConstraints(max_length=40)] = ""
    make_default: bool = False


class AddressRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: str
    name: str
    line1: str
    line2: str
    city: str
    state: str
    postal_code: str
    country: str
    phone: str
    is_default: bool


class CheckoutItem(BaseModel):
    variant_id: Annotated[str, StringConstraints(max_length=40)]
    quantity: int = Field(default=1, ge=1, le=99)


class CheckoutAddress(BaseModel):
    name: Annotated[str, StringConstraints(max_length=120)]
    line1: Annotated[str, StringConstraints(max_length=200)]
    line2: Annotated[str, StringConstraints(max_length=200)] = ""
    city: Annotated[str, StringConstraints(max_length=100)]
    state: Annotated[str, StringConstraints(max_length=100)] = ""
    postal_code: Annotated[str, StringConstraints(max_length=20)]
    country: Annotated[str, StringConstraints(min_length=2, max_length=2)]
    phone: Annotated[str, StringConstraints(max_length=40)] = ""


class QuoteIn(BaseModel):
    items: list[CheckoutItem] | None = Field(
        default=None, max_length=50, description="What to buy now; leave out to check out the cart."
    )
    address_id: Annotated[str, StringConstraints(max_length=40)] | None = None
    address: CheckoutAddress | None = None
    shipping: dict[
        Annotated[str, StringConstraints(max_length=40)], Annotated[str, StringConstraints(max_length=40)]
    ] = Field(default_factory=dict, description="Shop id -> shipping option id; the cheapest when left out.")
    discount_codes: list[Annotated[str, StringConstraints(max_length=32)]] = Field(
        default_factory=list, max_length=10
    )


class CheckoutIn(QuoteIn):
    payment_method: Annotated[str, StringConstraints(min_length=1, max_length=64)] = Field(
        description="A card number (sandbox test cards) or a provider payment-method token."
    )


class QuoteShopRead(BaseModel):
    shop_id: str
    shop_name: str
    subtotal: int
    discount: int
    shipping: int
    shipping_option: str
    tax: int
    total: int


class QuoteRead(BaseModel):
    currency: str
    total: int
    shops: list[QuoteShopRead]


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


class PaymentRead(BaseModel):
    id: str
    status: str
    amount: int
    currency: str
    card_last4: str | None
    failure_code: str | None
    next_action_url: str | None


class CheckoutRead(BaseModel):
    id: str
    currency: str
    total: int
    payment: PaymentRead
    orders: list[OrderRead]


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


class ReviewRead(BaseModel):
    id: str
    product_id: str
    author_id: str
    author_handle: str | None = None
    rating: int
    body: str
    created_at: datetime


class BalanceRead(BaseModel):
    currency: str
    pending: int
    available: int
    paid_out: int


class PayoutRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: str
    amount: int
    currency: str
    status: str
    provider_ref: str | None
    created_at: datetime


class StatementLineRead(BaseModel):
    at: datetime
    kind: str
    reference: str
    memo: str
    amount: int
    currency: str


class MoneyBookRead(BaseModel):
    """A merchant's or creator's money: balances, payouts and the statement, per region of the ledger."""

    balances: list[BalanceRead]
    payouts: list[PayoutRead]
    statement: list[StatementLineRead]


class DailySalesRead(BaseModel):
    day: date
    orders: int
    revenue: int
    currency: str


class EarningRead(BaseModel):
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


class AuthenticateIn(BaseModel):
    approve: bool = True


def order_read(uow: UnitOfWork, order: Order, *, detail: bool = True, address: bool = False) -> OrderRead:
    from clipshop.kit.ids import region_of

    db = uow.region(region_of(order.id))
    lines = list(db.scalars(select(OrderLine).where(OrderLine.order_id == order.id).order_by(OrderLine.id)))
    events = (
        list(
            db.scalars(
                select(OrderEvent)
                .where(OrderEvent.order_id == order.id)
                .order_by(OrderEvent.created_at, OrderEvent.id)
            )
        )
        if detail
        else []
    )
    return OrderRead(
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
            for li in lines
        ],
        timeline=[OrderEventRead(kind=e.kind, detail=e.detail, at=e.created_at) for e in events],
        shipping_address=dict(order.shipping_address) if address else None,
        shop_name=order.shop_name,
    )


def checkout_read(uow: UnitOfWork, checkout: Checkout, payment: Payment, orders: list[Order]) -> CheckoutRead:
    return CheckoutRead(
        id=checkout.id,
        currency=checkout.currency,
        total=checkout.total,
        payment=PaymentRead(
            id=payment.id,
            status=payment.status.value,
            amount=payment.amount,
            currency=payment.currency,
            card_last4=payment.card_last4,
            failure_code=payment.failure_code,
            next_action_url=payment.next_action_url,
        ),
        orders=[order_read(uow, o, detail=False) for o in orders],
    )
