"""API shapes of quotes and checkouts. Money fields are integer minor units beside a currency code."""

from __future__ import annotations

from typing import Annotated

from pydantic import BaseModel, Field, StringConstraints

from clipshop.shop.checkout.pricing import Quote
from clipshop.shop.orders.schemas import OrderRead
from clipshop.shop.orders.service import CheckoutView


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

    @classmethod
    def of(cls, quote: Quote) -> QuoteRead:
        return cls(
            currency=quote.currency,
            total=quote.total,
            shops=[
                QuoteShopRead(
                    shop_id=s.shop.id,
                    shop_name=s.shop.name,
                    subtotal=s.subtotal,
                    discount=s.discount,
                    shipping=s.shipping.price,
                    shipping_option=s.shipping.name,
                    tax=s.tax,
                    total=s.total,
                )
                for s in quote.shops
            ],
        )


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

    @classmethod
    def of(cls, view: CheckoutView) -> CheckoutRead:
        payment = view.payment
        return cls(
            id=view.checkout.id,
            currency=view.checkout.currency,
            total=view.checkout.total,
            payment=PaymentRead(
                id=payment.id,
                status=payment.status.value,
                amount=payment.amount,
                currency=payment.currency,
                card_last4=payment.card_last4,
                failure_code=payment.failure_code,
                next_action_url=payment.next_action_url,
            ),
            orders=[OrderRead.of(o) for o in view.orders],
        )
